#!/bin/sh
# t/1500-gate-relative-zero.sh: issue 19 review: a relative lift is lift / |V(pi_b)|,
# undefined when the logged policy's observed value is 0 (every logged reward 0).
# `ope gate --min-relative-lift` then has nothing to compare: UNDECIDABLE (exit 2),
# never a FAIL printed as "+nan%".
. "$OPE_SRCDIR/t/lib.sh"
plan 5

# 40 rows, two actions logged at 0.5, every reward 0: V(pi_b) = 0 exactly. Policy a
# always plays action 0, so its weights are 2 on half the rows and 0 elsewhere.
{ echo 'action,reward,pscore,pi.a.0,pi.a.1'
  i=0; while [ $i -lt 20 ]; do echo '0,0,0.5,1,0'; echo '1,0,0.5,1,0'; i=$((i + 1)); done
} > "$TMP/zero.csv"

expect_status 2 "relative threshold over a zero baseline: undecidable" \
    "$OPE" gate "$TMP/zero.csv" --policy a --min-relative-lift 0.1 --estimator ipw --n-boot 50
expect_grep "$TMP/out" "UNDECIDABLE a: the relative lift is undefined" "says why"
if grep -qi nan "$TMP/out"; then fail "no nan printed"; else pass "no nan printed"; fi
# The JSON verdict agrees.
"$OPE" gate "$TMP/zero.csv" --policy a --min-relative-lift 0.1 --estimator ipw --n-boot 50 \
    --format json > "$TMP/j" 2>"$TMP/err"
expect_grep "$TMP/j" '"verdict":"undecidable"' "JSON: undecidable"
# An absolute threshold is still decided (the lift is 0, its lower bound 0 <= 0).
expect_status 1 "absolute threshold on the same log: FAIL" \
    "$OPE" gate "$TMP/zero.csv" --policy a --estimator ipw --n-boot 50
done_testing
