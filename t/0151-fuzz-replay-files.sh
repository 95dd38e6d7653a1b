#!/bin/sh
# t/0151-fuzz-replay-files.sh: the harnesses of the input files, reached through a
# file as the commands reach them (log loaders, policy file, truth file), on their
# seeds and seeded mutations; their oracles check what a loader accepts (episode
# bounds, probabilities in range, a policy file that reads back bit for bit, distinct
# truth names). Findings' inputs in fuzz/regress/NAME/ are replayed here.
. "$OPE_SRCDIR/t/lib.sh"
. "$OPE_SRCDIR/fuzz/replay-lib.sh"
plan 3
fuzz_replay $fuzz_group_files
done_testing
