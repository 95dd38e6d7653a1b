#!/bin/sh
# t/0325-intervals.sh: what `ope eval` says about intervals that are known not to
# cover (issue 16): a warning from the estimator's descriptor in the table and a
# ci_warning in JSON; one rule for zero denominators on trajectory logs; the TIS return
# distribution refused when the weights' mean is far from 1.
. "$OPE_SRCDIR/t/lib.sh"

expect_status 0 "gen bandit" $OPE gen bandit -n 600 -s 7 -q -o "$TMP/b.csv"
expect_status 0 "eval dm,ipw with t intervals" $OPE eval "$TMP/b.csv" --estimators dm,ipw --ci t
expect_grep "$TMP/out" "warning: dm: the interval includes the fitted reward model's variance" \
    "table: dm's interval is flagged"
# Once per estimator, not once per policy (5 policies here).
n=$(grep -c "warning: dm: the interval" "$TMP/out")
[ "$n" = 1 ] && pass "said once, not per policy" || fail "said $n times"
grep -q "warning: ipw:" "$TMP/out" && fail "ipw flagged" || pass "ipw (honest) is not flagged"
expect_status 0 "json" $OPE eval "$TMP/b.csv" --estimators dm,ipw --ci t --format json
# Every dm estimate carries ci_warning, no ipw estimate does (5 policies; the writer
# puts each estimate on a line of its own).
n=$(grep '"estimator":"dm",' "$TMP/out" | grep -c '"ci_warning":"the interval includes the fitted')
[ "$n" = 5 ] && pass "json: ci_warning on every dm estimate" || fail "json: $n dm ci_warnings"
n=$(grep '"estimator":"ipw",' "$TMP/out" | grep -c '"ci_warning"')
[ "$n" = 0 ] && pass "json: no ci_warning on ipw" || fail "json: $n ipw ci_warnings"
# No interval, nothing to warn about.
expect_status 0 "--ci none" $OPE eval "$TMP/b.csv" --estimators dm --ci none
grep -q "the interval includes" "$TMP/out" && fail "warned without an interval" ||
    pass "no interval: no interval warning"

# Trajectories: the exact command of the issue. anti100 gives every logged trajectory
# weight 0, so wtis is 0/0 and tis has an empty support: both are undefined, as a
# bandit snipw's zero denominator is (one rule), printed "-" with a warning; wpdis's
# all-zero steps make it undefined too, and the warning names them. pdis, whose
# per-decision weights are positive at the first steps, still gives a number. FQE's
# zero-width interval (one start state) is flagged.
expect_status 0 "gen mdp riverswim" $OPE gen mdp riverswim --episodes 300 --candidates 4 \
    --gamma 0.9 --seed 3 -q -o "$TMP/rs.csv" --truth "$TMP/rs-truth.csv"
expect_status 0 "eval anti100" $OPE eval "$TMP/rs.csv" --gamma 0.9 --ci t --policy anti100 \
    --truth "$TMP/rs-truth.csv"
expect_grep "$TMP/out" "warning: wtis is undefined on this log: every trajectory weight is 0" \
    "wtis with every weight 0: undefined"
expect_grep "$TMP/out" "warning: tis is undefined on this log: every trajectory weight is 0 (the policy gives no logged trajectory a positive probability: empty support)" \
    "tis with every weight 0: undefined (empty support)"
grep -Eq '^  (tis|wtis|wpdis|wdr) +- +- +- ' "$TMP/out" && pass "undefined estimates print -" ||
    fail "undefined estimates print -"
grep -Eq '^  pdis +0\.0' "$TMP/out" && pass "pdis keeps its number" || fail "pdis keeps its number"
expect_grep "$TMP/out" "warning: wpdis is undefined on this log: a zero denominator (0/0): every trajectory weight is 0 at 18 of its 20 self-normalised steps" \
    "wpdis's all-zero steps are said"
expect_grep "$TMP/out" "warning: dm: no interval: every contribution is the same, and the model's own error is not in them" \
    "FQE's zero-width t interval is replaced by none, with the reason"
grep -Eq '^  dm +0\.0[0-9]+ +- +- ' "$TMP/out" && pass "dm: value, no interval" || fail "dm: value, no interval"
expect_status 0 "mix100: no zero-weight warning" $OPE eval "$TMP/rs.csv" --gamma 0.9 --ci t \
    --policy mix100
grep -q "every trajectory weight is 0" "$TMP/out" && fail "warned on mix100" ||
    pass "no 0/0 warning where the weights are not all 0"

# The same rule on a bandit log: a policy that never picks the logged action gives
# every weight 0, so ipw and sg-ipw (which see the log only through the weights) are
# undefined, not 0 [0, 0]; snipw and sndr are 0/0; dr keeps the model's value.
{
    echo "x0,action,reward,pscore,pi.x.0,pi.x.1"
    i=1; while [ $i -le 40 ]; do echo "0.$i,0,$((i % 2)),0.5,0,1"; i=$((i + 1)); done
} > "$TMP/zero.csv"
expect_status 0 "bandit, empty support" $OPE eval "$TMP/zero.csv" --ci t --seed 1 \
    --estimators ipw,snipw,sg-ipw,dr
expect_grep "$TMP/out" "warning: ipw is undefined on this log: every importance weight it uses is 0" \
    "bandit ipw with every weight 0: undefined"
grep -Eq '^  (ipw|snipw|sg-ipw:lambda=0.01) +- +- +- ' "$TMP/out" && pass "printed -" || fail "printed -"
grep -Eq '^  dr +0\.[0-9]+ +0\.' "$TMP/out" && pass "dr keeps the model's value" ||
    fail "dr keeps the model's value"
expect_status 0 "bandit, empty support, json" $OPE eval "$TMP/zero.csv" --ci t --seed 1 \
    --estimators ipw -f json
expect_grep "$TMP/out" '"estimator":"ipw","label":"ipw","params":{},"value":null,"ci":{"lower":null,"upper":null}' \
    "json: null value and interval"
# A bootstrap resample can miss every positive weight: that replicate is undefined
# and left out, and the output says how many. One row in 40 has a positive weight,
# so a Poisson(1) resample misses it with probability e^-1: about 37% of them.
{
    echo "x0,action,reward,pscore,pi.x.0,pi.x.1"
    echo "0.0,1,1,0.5,0,1"
    i=1; while [ $i -le 39 ]; do echo "0.$i,0,$((i % 2)),0.5,0,1"; i=$((i + 1)); done
} > "$TMP/one.csv"
expect_status 0 "one supported row, bootstrap" $OPE eval "$TMP/one.csv" --seed 1 \
    --estimators snipw --n-boot 400
grep -Eq 'warning: snipw: 1[0-9][0-9] of 400 bootstrap replicates are undefined' "$TMP/out" &&
    pass "the undefined replicates are counted" || fail "the undefined replicates are counted"

# The TIS return CDF of a policy whose weights are all 0 (the rk.csv): it
# reported mean 9 (all mass at the largest return) against a true value of 0.1.
expect_status 0 "gen mdp rk" $OPE gen mdp riverswim --episodes 400 --candidates 4 --seed 4 \
    -q -o "$TMP/rk.csv" --truth "$TMP/rk-truth.csv"
expect_status 0 "--risk on anti100" $OPE eval "$TMP/rk.csv" --truth "$TMP/rk-truth.csv" \
    --ci none --estimators tis --risk --policy anti100
expect_grep "$TMP/out" "no tis return distribution: the trajectory weights' mean is 0" \
    "TIS CDF withheld with the reason"
grep -Eq "^  tis +9 " "$TMP/out" && fail "TIS mean 9 printed" || pass "no made-up TIS mean"
# mix33: weights' mean 0.90, within the tolerance: given, with the mass it was short.
expect_status 0 "--risk on mix33" $OPE eval "$TMP/rk.csv" --ci none --estimators tis --risk \
    --policy mix33
expect_grep "$TMP/out" "the tis return distribution reaches only 0.903" \
    "the missing mass is reported"

# With qhat.* columns dm's interval holds none of the model's error: its warning says
# so, whole (it was cut at 160 bytes), and no estimate carries the fitted model's
# ci_warning, which would say the opposite.
sed '1s/,q\./,qhat./g' "$TMP/b.csv" > "$TMP/qhat.csv"
expect_status 0 "dm on qhat.* columns, json" $OPE eval "$TMP/qhat.csv" --estimators dm --ci t \
    --format json
expect_grep "$TMP/out" "treat it as a lower bound on the uncertainty\"" \
    "... its warning is whole"
grep -q '"ci_warning"' "$TMP/out" && fail "a fitted model's ci_warning on qhat.* columns" ||
    pass "... and no estimate says the interval holds the fitted model's variance"

# ope help intervals: each method's assumptions, and the flagged estimators from the
# registry (dm twice: bandit and trajectories; mis), no honest one.
expect_status 0 "ope help intervals" $OPE help intervals
expect_grep "$TMP/out" "  bootstrap  percentile interval" "describes the bootstrap"
n=$(grep -c "^  dm (\|^  mis (" "$TMP/out")
[ "$n" = 3 ] && pass "lists dm (bandit, trajectories) and mis" || fail "listed $n"
grep -q "^  ipw (" "$TMP/out" && fail "ipw listed" || pass "honest estimators are not listed"
done_testing
