#!/bin/sh
# t/1233-report-partial-intervals.sh: the report's Summary compares each policy's
# intervals with the logged policy's value. For a policy some of whose estimators give
# no interval (RiverSwim's anti100: every trajectory weight is 0, so tis, wtis, wpdis
# and wdr are undefined) it used to say "every estimator's interval lies below it",
# claiming the missing ones too; it now says "every interval given" and that some
# estimators give none.
. "$OPE_SRCDIR/t/lib.sh"

$OPE gen mdp riverswim --episodes 200 --candidates 3 --gamma 0.9 --seed 3 -q \
    -o "$TMP/rs.csv" --truth "$TMP/truth.csv"
expect_status 0 "a report of a log where anti100 has undefined estimates" \
    $OPE report "$TMP/rs.csv" --truth "$TMP/truth.csv" --gamma 0.9 --n-boot 200 -q -o "$TMP/r.md"
line=$(grep "Compared with the logged policy" "$TMP/r.md")
echo "$line" | grep -q "every interval given lies below it for anti100" \
    && pass "anti100: every interval given, not every estimator's" || { fail "the claim"; diag "$line"; }
echo "$line" | grep -q "some estimators give none" && pass "... and it says some give none" \
    || fail "no word about the missing intervals"
echo "$line" | grep -q "every estimator's interval lies above it for mix100" \
    && pass "mix100 (every estimator has one): the plain claim stays" || { fail "mix100"; diag "$line"; }
done_testing
