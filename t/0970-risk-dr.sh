#!/bin/sh
# t/0970-risk-dr.sh: the doubly robust return distribution in `ope eval --risk`:
# a third row in the table and a third entry (method "dr") with its CDF in JSON;
# exact on a deterministic MDP; left out with a warning when the log has no tabular
# state; the other distributions are kept when one cannot be estimated.
. "$OPE_SRCDIR/t/lib.sh"

expect_status 0 "gen mdp" $OPE gen mdp riverswim --episodes 300 --candidates 3 --seed 5 \
    -o "$TMP/rs.csv" --truth "$TMP/truth.csv"
# --estimators tis: a "  dr " line can then only come from the risk block.
expect_status 0 "--risk with the DR CDF" $OPE eval "$TMP/rs.csv" --estimators tis --ci none --risk=0.25
expect_grep "$TMP/out" "return distribution (CVaR at alpha 0.25)" "risk block"
expect_grep "$TMP/out" "  dr  " "DR row in the risk block"
expect_status 0 "--risk json" $OPE eval "$TMP/rs.csv" --estimators tis --ci none --risk --format json
expect_grep "$TMP/out" '{"method":"dr","mean":' "JSON carries the DR distribution"
n=$(grep -o '{"method":"dr","mean":[^}]*"cdf":{"y":\[' "$TMP/out" | wc -l)
[ "$n" -eq 3 ] && pass "one DR CDF grid per policy (3)" || fail "DR CDF grids: $n, wanted 3"

# The chain is deterministic and a uniform behaviour logs every (s, a): the empirical
# model is the true one, so the DR CDF is the true CDF of each candidate and its mean
# is the exact value of the truth file (to rounding), while TIS's is not.
$OPE gen mdp chain --episodes 3000 --candidates 3 --behavior uniform --seed 4 \
    -o "$TMP/ch.csv" --truth "$TMP/ch-truth.csv" 2>/dev/null
$OPE eval "$TMP/ch.csv" --truth "$TMP/ch-truth.csv" --estimators tis --ci none --risk \
    --format json > "$TMP/ch.json" 2>/dev/null
# One line per policy: ground truth, then the DR mean.
tr '{' '\n' < "$TMP/ch.json" | awk -F'[:,]' '
    /"ground_truth":/ { for (i = 1; i < NF; i++) if ($i == "\"ground_truth\"") g = $(i + 1) }
    /"method":"dr","mean":/ { for (i = 1; i < NF; i++) if ($i == "\"mean\"") m = $(i + 1);
        d = m - g; if (d < 0) d = -d; if (d > 1e-9) bad = 1; n++ }
    END { exit (bad || n != 3) }' \
    && pass "DR CDF mean = exact value for the 3 chain candidates (1e-9)" \
    || fail "DR CDF mean vs the exact value on the chain"

# No state column (features only): no DR distribution, a warning, exit 0.
printf 'episode,step,s0,action,reward,pscore,pi.e.0,pi.e.1\n0,0,0.5,0,1,0.5,0.5,0.5\n0,1,0.2,1,0,0.5,0.5,0.5\n1,0,0.1,0,1,0.5,0.5,0.5\n1,1,0.3,0,2,0.5,0.5,0.5\n' > "$TMP/feat.csv"
expect_status 0 "--risk on a log without a state column" $OPE eval "$TMP/feat.csv" --estimators tis --ci none --risk
expect_grep "$TMP/out" "no doubly robust return distribution: it needs a tabular state column" "says why DR is missing"
expect_grep "$TMP/out" "  sn " "the other distributions are still there"

# A policy with zero weight on every logged trajectory: sn is undefined; a warning, and
# tis and dr are still reported (dr falls back on the model).
printf 'episode,step,state,action,reward,pscore,pi.e.0,pi.e.1\n0,0,0,0,1,0.5,0,1\n0,1,1,0,0,0.5,0,1\n1,0,0,0,2,0.5,0,1\n1,1,1,1,1,0.5,0,1\n' > "$TMP/zero.csv"
expect_status 0 "--risk when every trajectory weight is 0" $OPE eval "$TMP/zero.csv" --estimators tis --ci none --risk
expect_grep "$TMP/out" "warning: no sn return distribution: every trajectory weight is 0" "sn left out with a reason"
expect_grep "$TMP/out" "  dr  " "dr still reported"
done_testing
