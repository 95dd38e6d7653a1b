#!/bin/sh
# t/0150-fuzz-replay.sh: every libFuzzer harness in fuzz/ runs on the test corpus
# (t/data/good, t/data/bad) and on seeded mutations of it (fuzz/replay.c). A harness
# reports a finding by crashing; its oracles (strtod bit equality, span reader = plain
# reader) abort on a mismatch. In CI's sanitizer build this is a short fuzz run under
# ASan+UBSan.
. "$OPE_SRCDIR/t/lib.sh"
plan 3
for h in csv_fuzz numparse_fuzz span_fuzz; do
    bin="$OPE_BUILDDIR/fuzz/$h"
    if OPE_FUZZ_ITERATIONS=4000 "$bin" "$OPE_SRCDIR"/t/data/good/* "$OPE_SRCDIR"/t/data/bad/* \
        >"$TMP/out" 2>"$TMP/err"; then
        pass "$h: corpus and 4000 mutated inputs, no finding"
    else
        fail "$h found something (exit $?)"; diag "$(head -c 2000 "$TMP/err")"
    fi
done
done_testing
