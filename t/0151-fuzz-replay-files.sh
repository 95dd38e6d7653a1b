#!/bin/sh
# t/0151-fuzz-replay-files.sh: the harnesses of the input files, reached through a
# file as the commands reach them (log loaders, policy file, truth file), on their
# seeds and seeded mutations; their oracles check what a loader accepts (episode
# bounds, probabilities in range, a policy file that reads back bit for bit, distinct
# truth names). Findings' inputs in fuzz/regress/NAME/ are replayed here.
. "$OPE_SRCDIR/t/lib.sh"
. "$OPE_SRCDIR/fuzz/replay-lib.sh"
plan 6
fuzz_replay $fuzz_group_files

# truth_fuzz's finding (fuzz/regress/truth_fuzz): a NUL byte in a policy name cut it
# short ("e<NUL>x" was read as a value for policy e); it is now refused, naming the
# line and column.
printf 'policy,value\ne\000x,0.5\n' >"$TMP/nul-truth.csv"
expect_status 65 "a NUL byte in a truth file's policy name is a data error" \
    $OPE eval "$OPE_SRCDIR/t/data/good/traj.csv" --truth "$TMP/nul-truth.csv"
expect_grep "$TMP/err" "nul-truth.csv:2:1: column 'policy': a NUL byte in the name" \
    "the message names the file, line, column and the NUL byte"
done_testing
