#!/bin/sh
# t/0372-gate-sequential.sh: `ope gate --sequential` (issue 19, part 6): exit 0, 1 and
# 2 on logs built to pass, fail and stay undecided; a clear pass stops early (fewer
# rows used than the log has); standard input; usage errors.
. "$OPE_SRCDIR/t/lib.sh"

# A log of 5000 rows: the logged policy alternates between two actions (pscore 1/2),
# the reward is the action. 'one' always plays action 1 (V = 1, lift +1/2), 'zero'
# action 0 (V = 0, lift -1/2), 'same' is the logged policy itself (w = 1 on every row,
# so every paired difference w r - r is exactly 0: the lift's sequence is centred on 0
# and never leaves it, whatever the rows).
awk 'BEGIN { print "action,reward,pscore,pi.one.0,pi.one.1,pi.zero.0,pi.zero.1,pi.same.0,pi.same.1";
             for (i = 1; i <= 5000; i++) print i % 2 "," i % 2 ",0.5,0,1,1,0,0.5,0.5" }' >"$TMP/log.csv"

expect_status 0 "a clearly better policy: PASS, exit 0" \
    $OPE gate "$TMP/log.csv" --policy one --estimator ipw --sequential --every 100
expect_grep "$TMP/out" "PASS one: ipw lift +0.5 over the logged policy" "the line says PASS"
used=$(sed -n 's/^sequential: decided after \([0-9]*\) rows$/\1/p' "$TMP/out")
[ -n "$used" ] && [ "$used" -lt 5000 ] && pass "it stopped early: $used of 5000 rows" \
    || { fail "it stopped early"; diag "$(cat "$TMP/out")"; }
expect_status 1 "a clearly worse policy: FAIL, exit 1" \
    $OPE gate "$TMP/log.csv" --policy zero --estimator ipw --sequential --every 100
expect_grep "$TMP/out" "FAIL zero: ipw lift -0.5 over the logged policy, 95% confidence-sequence upper bound" \
    "FAIL names the upper bound below the threshold"
expect_status 2 "no difference: undecided at the end of the data, exit 2" \
    $OPE gate "$TMP/log.csv" --policy same --estimator ipw --sequential --every 100
expect_grep "$TMP/out" "sequential: undecided at the end of the data after 5000 rows" \
    "it read every row and says so"
expect_grep "$TMP/out" "still holds the threshold" "the reason: the sequence still holds it"

# JSON: rows_used below the log's rows; the doubly robust default estimator too.
expect_status 0 "dr (the default) decides too" \
    $OPE gate "$TMP/log.csv" --policy one --sequential --every 100 -f json
used=$(grep -o '"rows_used":[0-9]*' "$TMP/out" | cut -d: -f2)
[ -n "$used" ] && [ "$used" -lt 5000 ] && pass "JSON: rows_used $used < 5000" || fail "JSON: rows_used < 5000"
expect_grep "$TMP/out" '"ci":"cs"' "JSON: the interval is the confidence sequence"

# Two policies (Bonferroni): one passes, one fails: FAIL overall, exit 1.
expect_status 1 "two policies, one failing: exit 1" \
    $OPE gate "$TMP/log.csv" --policy one --policy zero --estimator ipw --sequential --every 100

# Standard input.
cat "$TMP/log.csv" | $OPE gate - --policy one --estimator ipw --sequential --every 100 \
    >"$TMP/out" 2>"$TMP/err"
[ $? -eq 0 ] && pass "standard input: PASS" || fail "standard input: PASS"

# Usage errors.
expect_status 64 "--sequential with --ci t: refused" \
    $OPE gate "$TMP/log.csv" --policy one --sequential --ci t
expect_status 64 "--sequential with --against: refused" \
    $OPE gate "$TMP/log.csv" --policy one --sequential --against zero
done_testing
