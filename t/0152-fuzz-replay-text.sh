#!/bin/sh
# t/0152-fuzz-replay-text.sh: the harnesses of ingest (pattern + raw log, its CSV
# read back by the CSV reader), the eval JSON reader of `ope plot --from-json` and
# the readers of saved results, on their seeds and seeded mutations. Findings'
# inputs in fuzz/regress/NAME/ are replayed here.
. "$OPE_SRCDIR/t/lib.sh"
. "$OPE_SRCDIR/fuzz/replay-lib.sh"
plan 9
fuzz_replay $fuzz_group_text

# results_fuzz's finding (fuzz/regress/results_fuzz): the saved-result readers took an
# empty name, or one cut short by a NUL byte (two names could merge into one curve),
# as an algorithm or estimator label; both are refused now, naming line and column.
printf 'algorithm,run,iteration,true_value,grad_norm,samples\n,0,0,0.5,,3\n' >"$TMP/c.csv"
expect_status 65 "an empty algorithm name in a curve file is a data error" \
    $OPE plot train "$TMP/c.csv" -o "$TMP/c.svg"
expect_grep "$TMP/err" "c.csv:2:1: an empty name among the algorithms" "and says so"
printf 'estimator,k,best,worst,mean,std,safety_violation_rate,sharpe_ratio\nipw\000x,1,1,1,1,,0,\n' \
    >"$TMP/s.csv"
expect_status 65 "a NUL byte in an estimator name of a select file is a data error" \
    $OPE plot sharpe "$TMP/s.csv" -o "$TMP/s.svg"
expect_grep "$TMP/err" "s.csv:2:1: a NUL byte in a name among the estimators" "and says so"
done_testing
