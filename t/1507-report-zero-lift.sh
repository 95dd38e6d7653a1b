#!/bin/sh
# t/1507-report-zero-lift.sh: issue 19 review: the report's Decision paragraph says
# what the data settle. When the chosen candidate's lift is exactly 0 (here policy a
# plays the logged action with probability 1 everywhere: its weights are all 1, so
# every estimator's lift is 0 on every resample) the paragraph ended after "0 of 2
# estimators' lift intervals lie above 0." without a word on what that means; the
# rows-to-settle formula N (h / lift)^2 has no value at lift 0.
. "$OPE_SRCDIR/t/lib.sh"
plan 3
# The logger always takes action 0 (pscore 1); a copies it, b splits 0.5/0.5 and so
# puts half its mass on the never-logged action 1 (its ipw is half the logged value).
awk 'BEGIN { print "action,reward,pscore,x0,pi.a.0,pi.a.1,pi.b.0,pi.b.1"; srand(1)
             for (i = 0; i < 300; i++) { x = rand(); r = (rand() < 0.3 + 0.3 * x)
                 printf "0,%d,1,%.4f,1,0,0.5,0.5\n", r, x } }' > "$TMP/p1.csv"
expect_status 0 "report" env OPE_REPORT_DATE=2026-01-01 "$OPE" report "$TMP/p1.csv" \
    --estimators ipw,dr --n-boot 100 --no-charts -o "$TMP/r.md"
expect_grep "$TMP/r.md" "**Decision: a** +0 (+0%) over the logged policy" "a is chosen, lift 0"
expect_grep "$TMP/r.md" "The lift is estimated at exactly 0: if it stays there, no amount of data would make the interval exclude 0" \
    "and the paragraph says what a zero lift means"
done_testing
