#!/bin/sh
# t/0510-demo.sh: the Open Bandit Dataset demo: both campaigns, every estimator with
# an interval, and IPW's estimate of BTS's click rate near the click rate BTS obtained.
. "$OPE_SRCDIR/t/lib.sh"

expect_status 0 "ope demo --print" $OPE demo --print
cp "$TMP/out" "$TMP/demo.txt"
expect_grep "$TMP/demo.txt" "campaign 'men'" "men campaign"
expect_grep "$TMP/demo.txt" "campaign 'women'" "women campaign"
expect_grep "$TMP/demo.txt" "empirical frequency of each item at each" "says how BTS's probabilities were built"
for e in $($OPE help estimators --names | sed -n 's/^bandit //p'); do
    expect_grep "$TMP/demo.txt" "   $e" "row for $e"
done
# Men: BTS observed 69 clicks in 10,000 rows (0.0069, 95% CI about +-0.0016). IPW's
# interval from the random log (about 46 clicks) must contain the observed rate: both
# are noisy, and the band is the sum of the two sampling errors.
awk '/campaign .men./{m=1} m && /BTS click rate observed/{obs=$10} m && /^   ipw /{lo=$3; hi=$4; exit}
     END{ if (obs+0 >= lo+0 && obs+0 <= hi+0) exit 0; exit 1 }' "$TMP/demo.txt" \
    && pass "men: BTS's observed click rate lies in IPW's interval" \
    || fail "men: BTS's observed click rate lies in IPW's interval"
# Piped, `ope` alone prints the same summary (no TUI without a terminal).
$OPE < /dev/null > "$TMP/plain.txt" 2>&1
expect_grep "$TMP/plain.txt" "campaign 'women'" "ope with no arguments in a pipe prints the demo"
done_testing
