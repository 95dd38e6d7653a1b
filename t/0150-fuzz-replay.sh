#!/bin/sh
# t/0150-fuzz-replay.sh: every libFuzzer harness in fuzz/ runs on its seeds
# (fuzz/seeds.sh: the test corpus or fuzz/corpus/NAME, plus the regression inputs of
# fuzz/regress/NAME) and on seeded mutations of them (fuzz/replay.c). A harness
# reports a finding by crashing; its oracles (strtod bit equality, span reader =
# plain reader, loaders' invariants, round trips) abort on a mismatch, and an input
# running past 10 s is a finding too. In CI's sanitizer build this is a short fuzz
# run under ASan+UBSan.
. "$OPE_SRCDIR/t/lib.sh"
harnesses="csv_fuzz numparse_fuzz span_fuzz log_fuzz policy_fuzz truth_fuzz ingest_fuzz json_fuzz results_fuzz"
plan 10
for h in $harnesses; do
    bin="$OPE_BUILDDIR/fuzz/$h"
    # shellcheck disable=SC2046 # seed paths have no spaces (they are ours)
    if TMPDIR=$TMP OPE_FUZZ_ITERATIONS=4000 "$bin" $(sh "$OPE_SRCDIR/fuzz/seeds.sh" "$OPE_SRCDIR" "$h") \
        >"$TMP/out" 2>"$TMP/err"; then
        pass "$h: its seeds and 4000 mutated inputs, no finding"
    else
        fail "$h found something (exit $?)"; diag "$(head -c 2000 "$TMP/err")"
    fi
done
# The harness list above and fuzz/local.mk's must agree, or a new harness would
# build and never run.
mk=$(awk '/^FUZZ_HARNESSES =/ { on = 1; sub(/^FUZZ_HARNESSES =/, "") }
          on { c = sub(/\\$/, ""); printf "%s ", $0; if (!c) on = 0 }' \
     "$OPE_SRCDIR/fuzz/local.mk" | tr -s ' \t' ' ' | sed 's/^ //; s/ $//')
if [ "$mk" = "$harnesses" ]; then
    pass "t/0150 replays every harness of fuzz/local.mk's FUZZ_HARNESSES"
else
    fail "fuzz/local.mk's FUZZ_HARNESSES ($mk) differ from t/0150's ($harnesses)"
fi
done_testing
