#!/bin/sh
# t/1482-overflow.sh: numbers a double cannot sum are data errors naming their row,
# never a NaN printed as a result (#20 item 15). Rewards (and q.*, qhat.*) are bounded
# by 1e100 when read; an importance weight (a product of them over an episode) whose
# terms would overflow the sums is refused by eval, select and the TUI, and explained
# by info; too many numeric context columns name the reward model's real limit; the
# integer columns name theirs.
. "$OPE_SRCDIR/t/lib.sh"

# --- rewards ------------------------------------------------------------------------
# All rewards 1e308: the mean is fine but n*1e308 overflows; the first row is line 2 and
# the reward the third field, after "0.1,1," -> column 7.
printf 'x0,action,reward,pscore,pi.a.0,pi.a.1\n' >"$TMP/big.csv"
for i in 1 2 3 4 5 6; do echo "0.$i,$((i % 2)),1e308,0.5,0.5,0.5" >>"$TMP/big.csv"; done
for cmd in eval info select; do
    expect_status 65 "$cmd: rewards of 1e308 are a data error (65)" "$OPE" $cmd "$TMP/big.csv"
    expect_grep "$TMP/err" "big.csv:2:7: column 'reward': saw '1e308', expected a finite number of magnitude at most 1e100" \
        "$cmd: ... naming file:line:column and the limit"
    grep -qi 'nan' "$TMP/out" && fail "$cmd: ... and no NaN printed" || pass "$cmd: ... and no NaN printed"
done
# The limit itself is accepted: 1e100 rewards give 1e100 estimates, no NaN or inf.
sed 's/1e308/1e100/' "$TMP/big.csv" >"$TMP/edge.csv"
expect_status 0 "rewards of exactly 1e100 are accepted" "$OPE" eval "$TMP/edge.csv" --ci t
grep -qiE 'nan|inf' "$TMP/out" && fail "... and every number is finite" \
    || pass "... and every number is finite"
expect_grep "$TMP/out" "ipw                      1e+100       1e+100       1e+100" \
    "... ipw of constant 1e100 rewards is 1e100, interval [1e100, 1e100]"
# A qhat column is a reward model: the same bound (line 3, column 'qhat.0').
printf 'action,reward,pscore,qhat.0,qhat.1,pi.a.0,pi.a.1\n0,1,0.5,0,0,0.5,0.5\n1,0,0.5,-1e200,0,0.5,0.5\n' \
    >"$TMP/qhat.csv"
expect_status 65 "a qhat of -1e200 is refused" "$OPE" eval "$TMP/qhat.csv"
expect_grep "$TMP/err" "qhat.csv:3:9: column 'qhat.0'" "... naming its file:line:column"
# Trajectory rewards too.
printf 'episode,step,state,action,reward,pscore,pi.a.0,pi.a.1\n0,0,0,0,-2e100,0.5,0.5,0.5\n' \
    >"$TMP/trew.csv"
expect_status 65 "a trajectory reward of -2e100 is refused" "$OPE" eval "$TMP/trew.csv"
expect_grep "$TMP/err" "trew.csv:2:9: column 'reward': saw '-2e100'" "... naming file:line:column"

# --- importance weights -------------------------------------------------------------
# pscore 1e-300 with pi 0.5: w = 5e299. The limit on |w r| over 6 rows is
# sqrt(DBL_MAX / 6) / 1e6 = sqrt(1.797e308 / 6) / 1e6 = 5.47e147, so row 2 (the first)
# is named.
sed 's/1e308,0.5,/1,1e-300,/' "$TMP/big.csv" >"$TMP/tiny.csv"
for cmd in eval select; do
    expect_status 65 "$cmd: a weight of 5e299 is a data error" "$OPE" $cmd "$TMP/tiny.csv"
    expect_grep "$TMP/err" "tiny.csv:2: policy 'a': the importance weight pi/pscore = 0.5 / 1e-300 = 5e+299" \
        "$cmd: ... naming the row, the policy, pi and pscore"
    expect_grep "$TMP/err" "passes 5.47e+147" "$cmd: ... and the limit"
done
expect_status 0 "info still describes that log" "$OPE" info "$TMP/tiny.csv"
expect_grep "$TMP/out" "\`ope eval\` refuses this log" "... with a warning saying why"
expect_status 65 "the workbench refuses it too" "$OPE" tui "$TMP/tiny.csv"

# Four episodes of 200 steps, pi = 1 for the logged action, pscore 0.01, reward 1: the
# weight after step t (from 0) is 100^(t+1) and the largest return 200. The limit is
# sqrt(DBL_MAX / 4) / 1e6 = 6.70e147, so the weight may reach 6.70e147 / 200 = 10^145.53:
# 10^146 at t = 72, which is line 74 (header on line 1).
{ echo 'episode,step,state,action,reward,pscore,pi.a.0,pi.a.1'
  for e in 0 1 2 3; do t=0; while [ $t -lt 200 ]; do echo "$e,$t,0,0,1,0.01,1,0"; t=$((t + 1)); done; done
} >"$TMP/long.csv"
expect_status 65 "episode weights of 100^200 are a data error" "$OPE" eval "$TMP/long.csv"
expect_grep "$TMP/err" "long.csv:74: policy 'a': the weight of episode '0'" \
    "... naming the step where the weight passes the limit (line 74)"
grep -q 'undefined on this log' "$TMP/out" && fail "... not 'undefined (a zero denominator)'" \
    || pass "... not 'undefined (a zero denominator)'"
expect_status 0 "info describes it" "$OPE" info "$TMP/long.csv"
expect_grep "$TMP/out" "reaches 1e+146" "... and says why its weights show as '-'"
# A subnormal pscore: 1 / 1e-320 is past DBL_MAX, an infinite weight, said as such.
printf 'episode,step,state,action,reward,pscore,pi.a.0,pi.a.1\n0,0,0,0,1,1e-320,1,0\n1,0,0,0,1,0.5,1,0\n' \
    >"$TMP/sub.csv"
expect_status 65 "a pscore of 1e-320 (weight past DBL_MAX) is a data error" "$OPE" eval "$TMP/sub.csv"
expect_grep "$TMP/err" "sub.csv:2: policy 'a': the weight of episode '0', the product of pi/pscore over its steps up to this one, reaches more than 1.79769e+308" \
    "... naming the row and that the weight is past the largest double"
# 50 steps give weights up to 100^50 = 1e100, and with returns up to 50:
# 1e100 * 50 = 5e101, inside the limit: evaluated, every number finite.
awk -F, 'NR == 1 || $2 < 50' "$TMP/long.csv" >"$TMP/mid.csv"
expect_status 0 "episode weights of 1e100 are evaluated" "$OPE" eval "$TMP/mid.csv" --ci t \
    --estimators tis,pdis,wtis
grep -qiE 'nan|inf' "$TMP/out" && fail "... with every number finite" \
    || pass "... with every number finite"

# --- the reward model's width and the integer columns --------------------------------
# 20001 numeric context columns x0..x20000: with the intercept 20002 feature columns,
# past the reward model's 4000.
awk 'BEGIN { n = 20001; h = "action,reward,pscore,pi.a.0,pi.a.1";
             for (j = 0; j < n; j++) h = h ",x" j; print h;
             for (r = 0; r < 6; r++) { l = (r % 2) ",1,0.5,0.5,0.5";
                 for (j = 0; j < n; j++) l = l "," ((r * j) % 7); print l } }' >"$TMP/wide.csv"
expect_status 65 "20001 numeric context columns: data error" "$OPE" eval "$TMP/wide.csv"
expect_grep "$TMP/err" "20001 numeric context columns give 20002 feature columns (with the intercept and any positions), more than the limit of 4000" \
    "... naming the column count and the real limit"
grep -q "'?'" "$TMP/err" && fail "... not a categorical column '?'" \
    || pass "... not a categorical column '?'"

printf 'episode,step,state,action,reward,pscore,pi.a.0,pi.a.1\n0,0,2147483648,0,1,0.5,0.5,0.5\n' >"$TMP/st.csv"
expect_status 65 "state 2147483648" "$OPE" eval "$TMP/st.csv"
expect_grep "$TMP/err" "expected a state id: an integer from 0 to 100000000" "... names the limit"
printf 'episode,step,state,action,reward,pscore,pi.a.0,pi.a.1\n0,4000000000,0,0,1,0.5,0.5,0.5\n' >"$TMP/sp.csv"
expect_status 65 "step 4000000000" "$OPE" eval "$TMP/sp.csv"
expect_grep "$TMP/err" "expected a step number: an integer from 0 to 100000000" "... names the limit"
printf 'action,reward,pscore,position,pi.a.0,pi.a.1\n0,1,0.5,99999999,0.5,0.5\n1,1,0.5,0,0.5,0.5\n' >"$TMP/pos.csv"
expect_status 65 "position 99999999" "$OPE" eval "$TMP/pos.csv"
expect_grep "$TMP/err" "expected a slot index: an integer from 0 to 1000000" "... names the limit"
ls -A "$TMP" | grep -q '^\.' && fail "no temporary file left" || pass "no temporary file left"
done_testing
