#!/bin/sh
# t/1542-select-stream-mixed.sh: `ope select` of several logs read in windows, one with
# qhat.* columns and one without. A streamed log without them used to leave out the
# estimators that fit a reward model, so the two results had different estimators and
# select indexed past the shorter one (a segmentation fault, or an abort); that became
# a usage error (64) saying to choose the estimators. A streamed log now fits its
# model in passes, so both have every estimator and select works as on the logs read
# whole (the usage error remains for a log split across MPI ranks, which fits none).
. "$OPE_SRCDIR/t/lib.sh"
plan 6

"$OPE" gen bandit --rows 3000 --actions 3 --seed 4 -q -o "$TMP/a.csv" || exit 1
"$OPE" gen bandit --rows 3000 --actions 3 --seed 5 -q -o "$TMP/raw.csv" || exit 1
sed '1s/,q\./,qhat./g' "$TMP/a.csv" > "$TMP/q.csv"

"$OPE" select "$TMP/q.csv" "$TMP/raw.csv" -f json > "$TMP/whole.json" 2>/dev/null
expect_status 0 "qhat then none, --stream: every estimator on both" \
    "$OPE" select "$TMP/q.csv" "$TMP/raw.csv" --stream -f json
if cmp -s "$TMP/out" "$TMP/whole.json"; then pass "... the selection of the logs read whole"
else fail "... another selection than read whole"; diag "$(cmp "$TMP/out" "$TMP/whole.json")"; fi
"$OPE" select "$TMP/raw.csv" "$TMP/q.csv" -f json > "$TMP/whole.json" 2>/dev/null
expect_status 0 "none then qhat, past --memory-limit: every estimator on both" \
    "$OPE" select "$TMP/raw.csv" "$TMP/q.csv" --memory-limit 1K -f json
if cmp -s "$TMP/out" "$TMP/whole.json"; then pass "... the selection of the logs read whole"
else fail "... another selection than read whole"; diag "$(cmp "$TMP/out" "$TMP/whole.json")"; fi
expect_status 0 "the same estimators chosen: it works" \
    "$OPE" select "$TMP/q.csv" "$TMP/raw.csv" --stream --estimators ipw,snipw
# Read whole, every estimator runs on both: unchanged.
expect_status 0 "read whole: unchanged" "$OPE" select "$TMP/q.csv" "$TMP/raw.csv"
done_testing
