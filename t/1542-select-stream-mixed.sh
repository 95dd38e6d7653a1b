#!/bin/sh
# t/1542-select-stream-mixed.sh: `ope select` of several logs read in windows, one with
# qhat.* columns and one without. The streamed log without them leaves out the
# estimators that fit a reward model, so the two results had different estimators and
# select indexed past the shorter one (a segmentation fault, or an abort). Now a usage
# error (64) that says to choose the estimators; with --estimators both work.
. "$OPE_SRCDIR/t/lib.sh"
plan 6

"$OPE" gen bandit --rows 3000 --actions 3 --seed 4 -q -o "$TMP/a.csv" || exit 1
"$OPE" gen bandit --rows 3000 --actions 3 --seed 5 -q -o "$TMP/raw.csv" || exit 1
sed '1s/,q\./,qhat./g' "$TMP/a.csv" > "$TMP/q.csv"

expect_status 64 "qhat then none, --stream: a usage error" \
    "$OPE" select "$TMP/q.csv" "$TMP/raw.csv" --stream
expect_grep "$TMP/err" "raw.csv: estimated by 4 estimators, the first dataset by 10" \
    "it names the dataset and the counts"
expect_grep "$TMP/err" "with --estimators" "and says what to do"
expect_status 64 "none then qhat, past --memory-limit: a usage error" \
    "$OPE" select "$TMP/raw.csv" "$TMP/q.csv" --memory-limit 1K
expect_status 0 "the same estimators chosen: it works" \
    "$OPE" select "$TMP/q.csv" "$TMP/raw.csv" --stream --estimators ipw,snipw
# Read whole, every estimator runs on both: unchanged.
expect_status 0 "read whole: unchanged" "$OPE" select "$TMP/q.csv" "$TMP/raw.csv"
done_testing
