#!/bin/sh
# t/0150-fuzz-replay.sh: the CSV-level libFuzzer harnesses (CSV reader, number parser,
# span reader) run on their seeds and on seeded mutations of them (fuzz/replay.c,
# fuzz/replay-lib.sh). A harness reports a finding by crashing; its oracles (strtod
# bit equality, span reader = plain reader) abort on a mismatch, and an input running
# past 10 s is a finding too. In CI's sanitizer build this is a short fuzz run under
# ASan+UBSan. t/0151 and t/0152 replay the other harnesses.
. "$OPE_SRCDIR/t/lib.sh"
. "$OPE_SRCDIR/fuzz/replay-lib.sh"
plan 4
fuzz_replay $fuzz_group_csv
all="$fuzz_group_csv $fuzz_group_files $fuzz_group_text"
mk=$(awk '/^FUZZ_HARNESSES =/ { on = 1; sub(/^FUZZ_HARNESSES =/, "") }
          on { c = sub(/\\$/, ""); printf "%s ", $0; if (!c) on = 0 }' \
     "$OPE_SRCDIR/fuzz/local.mk" | tr -s ' \t' ' ' | sed 's/^ //; s/ $//')
if [ "$mk" = "$all" ]; then
    pass "t/0150-0152 replay every harness of fuzz/local.mk's FUZZ_HARNESSES"
else
    fail "fuzz/local.mk's FUZZ_HARNESSES ($mk) differ from fuzz/replay-lib.sh's ($all)"
fi
done_testing
