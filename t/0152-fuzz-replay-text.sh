#!/bin/sh
# t/0152-fuzz-replay-text.sh: the harnesses of ingest (pattern + raw log, its CSV
# read back by the CSV reader), the eval JSON reader of `ope plot --from-json` and
# the readers of saved results, on their seeds and seeded mutations. Findings'
# inputs in fuzz/regress/NAME/ are replayed here.
. "$OPE_SRCDIR/t/lib.sh"
. "$OPE_SRCDIR/fuzz/replay-lib.sh"
plan 3
fuzz_replay $fuzz_group_text
done_testing
