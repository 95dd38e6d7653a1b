#!/bin/sh
# t/0327-behavior-labels.sh: the logged policy's observed mean return and its exact
# value are two labelled quantities everywhere (issue "Intervals that keep their
# promise", item 5). Before, "behaviour policy value" meant the log's mean without a
# truth file and the exact value with one, under the same label.
. "$OPE_SRCDIR/t/lib.sh"

$OPE gen mdp riverswim --episodes 300 --candidates 4 --seed 3 -q -o "$TMP/rs.csv" \
    --truth "$TMP/rs-truth.csv"
# The observed mean return, computed here from the CSV itself (gamma = 1: the sum of
# the rewards over the episodes), to compare with the program's.
obs=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "reward") rc = i; if ($i == "episode") ec = i } next }
               { s += $rc; if (!($ec in seen)) { seen[$ec] = 1; n++ } }
               END { printf "%.6g", s / n }' "$TMP/rs.csv")
exact=$(awk -F, '$1 == "behavior" { printf "%.6g", $2 }' "$TMP/rs-truth.csv")
[ -n "$exact" ] && pass "the truth file has a behavior row" || fail "the truth file has no behavior row"

expect_status 0 "eval without a truth file" $OPE eval "$TMP/rs.csv" --ci none --policy mix100
expect_grep "$TMP/out" "trajectories log; logged policy's observed mean return $obs" \
    "without truth: the observed mean return, labelled so"
grep -q "exact value" "$TMP/out" && fail "an exact value without a truth file" ||
    pass "no exact value without a truth file"

expect_status 0 "eval with the truth file" $OPE eval "$TMP/rs.csv" --ci none --policy mix100 \
    --truth "$TMP/rs-truth.csv"
expect_grep "$TMP/out" "logged policy's observed mean return $obs, exact value $exact" \
    "with truth: both, each labelled"

expect_status 0 "json with the truth file" $OPE eval "$TMP/rs.csv" --ci none --policy mix100 \
    --truth "$TMP/rs-truth.csv" -f json
grep -q '"behavior_observed":[0-9]' "$TMP/out" && grep -q '"behavior_exact":[0-9]' "$TMP/out" &&
    pass "json: behavior_observed and behavior_exact" || fail "json: behavior_observed and behavior_exact"
expect_status 0 "json without" $OPE eval "$TMP/rs.csv" --ci none --policy mix100 -f json
expect_grep "$TMP/out" '"behavior_exact":null' "json without truth: behavior_exact is null"

# select names which one J(pi_b) is.
expect_status 0 "select with truth" $OPE select "$TMP/rs.csv" --truth "$TMP/rs-truth.csv" \
    --estimators pdis,dr
expect_grep "$TMP/out" "J(pi_b) = $exact (the logged policy's exact value)" "select: exact, labelled"
expect_status 0 "select without truth" $OPE select "$TMP/rs.csv" --estimators pdis,dr
expect_grep "$TMP/out" "J(pi_b) = $obs (the logged policy's observed mean return)" \
    "select: observed, labelled"

# The report compares the estimates with the value it names.
expect_status 0 "report with truth" $OPE report "$TMP/rs.csv" --truth "$TMP/rs-truth.csv" \
    --ci none -o "$TMP/r.md"
expect_grep "$TMP/r.md" "the logged policy's exact value" "report: the exact value named"
grep -q "the logged policy's mean return" "$TMP/r.md" && fail "report: the old label" ||
    pass "report: no unlabelled mean return"
done_testing
