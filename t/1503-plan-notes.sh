#!/bin/sh
# t/1503-plan-notes.sh: issue 19 review: `ope plan` never leaves a number missing or
# moot without saying why. A policy whose estimated lift is not above 0 gets '-' under
# "rows for lift" with a note; a --lift larger than the whole range of a bandit log's
# rewards (no policy can gain that much: lift <= max r - min r) is planned but flagged,
# in the table and in the JSON's warnings; --alpha at or above 0.5 is refused as in
# `ope gate` (z_{1-alpha} <= 0 would plan to detect a lift with no test at all). On a
# trajectory log the columns say "episodes", not "eps." (read as --explore's share).
. "$OPE_SRCDIR/t/lib.sh"
plan 11

# greedy beats the logger by about +0.2, uniform loses (true values 0.775 and 0.538
# against an observed 0.6175, ope gen's output), rewards 0/1.
"$OPE" gen bandit --rows 400 --seed 3 --policies greedy,uniform -o "$TMP/log.csv" \
    >/dev/null 2>&1 || fail "gen"

expect_status 0 "plan on both policies" "$OPE" plan "$TMP/log.csv" --estimators dr
expect_grep "$TMP/out" "note: no rows for lift where the estimated lift is not above 0" \
    "uniform's '-' is explained"
expect_status 0 "plan --lift 5 on 0/1 rewards" \
    "$OPE" plan "$TMP/log.csv" --estimators dr --lift 5
expect_grep "$TMP/out" "note: --lift 5 is more than the whole range of the log's rewards (0 to 1)" \
    "an impossible lift is flagged"
"$OPE" plan "$TMP/log.csv" --estimators dr --lift 5 --format json >"$TMP/j" 2>"$TMP/err"
expect_grep "$TMP/j" '"warnings":["--lift 5 is more than' "and in the JSON"
# A lift within the range: no note, and the JSON's warnings are empty.
"$OPE" plan "$TMP/log.csv" --estimators dr --lift 0.1 --format json >"$TMP/j" 2>"$TMP/err"
expect_grep "$TMP/j" '"warnings":[]}' "--lift 0.1: no warning"
expect_status 64 "--alpha 0.5 refused" "$OPE" plan "$TMP/log.csv" --estimators dr --alpha 0.5
expect_grep "$TMP/err" "--alpha 0.5: the lift's one-sided level must be below 0.5" "says why"
"$OPE" gen mdp riverswim --episodes 200 --candidates 2 --seed 3 -o "$TMP/traj.csv" \
    >/dev/null 2>&1 || fail "gen mdp"
expect_status 0 "plan on a trajectory log" \
    "$OPE" plan "$TMP/traj.csv" --estimators dr --width 0.5
expect_grep "$TMP/out" "episodes for width" "the column says episodes"
if grep -q "eps\\. for" "$TMP/out"; then fail "no 'eps. for'"; else pass "no 'eps. for'"; fi
done_testing
