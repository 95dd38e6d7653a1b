#!/bin/sh
# t/0810-select.sh: `ope select` end to end on >= 20 candidates of a built-in
# environment: every metric for every estimator, the JSON of formats.md and the per-k
# CSV curves, truth from a file or from q.* columns, and the bad inputs.
. "$OPE_SRCDIR/t/lib.sh"

$OPE gen mdp riverswim --episodes 600 --candidates 20 --seed 3 -o "$TMP/log.csv" --truth "$TMP/truth.csv" 2>/dev/null
expect_status 0 "select on 20 candidates" $OPE select "$TMP/log.csv" --truth "$TMP/truth.csv"
for h in MSE nMSE spearman kendall regret@1 regret@k typeI typeII SharpeRatio@k best@k std@k "safety violation rate@k"; do
    expect_grep "$TMP/out" "$h" "table shows $h"
done
for e in tis pdis wtis wpdis dm dr wdr mis; do expect_grep "$TMP/out" "$e" "row for $e"; done
expect_status 0 "json" $OPE select "$TMP/log.csv" --truth "$TMP/truth.csv" --format json
cp "$TMP/out" "$TMP/sel.json"
for k in '"behavior_value":' '"safety_threshold":' '"truth":{' '"ranking":[' '"regret":{"1":' '"k_value":3' '"type1_error_rate":' '"topk":[{"k":1,' '"sharpe_ratio":null' '"notes":['; do
    expect_grep "$TMP/sel.json" "$k" "json has $k"
done
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["estimators"]; assert len(e)==8; assert all(len(x["topk"])==20 for x in e); assert abs(d["safety_threshold"]-0.9*d["behavior_value"])<1e-12' "$TMP/sel.json" \
        && pass "json parses: 8 estimators x 20 top-k entries, tau = 0.9 J" || fail "json shape"
else
    skip "python3 not installed"
fi
expect_status 0 "csv" $OPE select "$TMP/log.csv" --truth "$TMP/truth.csv" --format csv
[ "$(wc -l < "$TMP/out")" -eq 161 ] && pass "csv: 8 estimators x 20 k + header" || fail "csv rows $(wc -l < "$TMP/out")"
expect_grep "$TMP/out" "estimator,k,best,worst,mean,std,safety_violation_rate,sharpe_ratio" "csv header"

# The paper's main figure: SharpeRatio@k (and the other top-k metrics) against k.
cp "$TMP/out" "$TMP/sel.csv" 2>/dev/null
$OPE select "$TMP/log.csv" --truth "$TMP/truth.csv" --format csv > "$TMP/sel.csv" 2>/dev/null
if command -v gnuplot >/dev/null 2>&1; then
    expect_status 0 "plot sharpe from the select CSV" $OPE plot sharpe "$TMP/sel.csv" -o "$TMP/sharpe.svg"
    expect_grep "$TMP/sharpe.svg" "wpdis" "one line per estimator"
    expect_status 0 "plot another top-k metric" $OPE plot sharpe "$TMP/sel.csv" --metric safety_violation_rate --term dumb
    expect_status 64 "unknown metric" $OPE plot sharpe "$TMP/sel.csv" --metric nope --term dumb
else
    skip "gnuplot is not installed"
fi

# Without the truth: rankings only, and it says which metrics need it.
expect_status 0 "select without truth" $OPE select "$TMP/log.csv" --estimators pdis,dr
expect_grep "$TMP/out" "no ground truth" "says the truth is needed"
# Bandit log: the truth comes from the q.* columns.
$OPE gen bandit --rows 3000 --seed 2 -o "$TMP/b.csv" 2>/dev/null
expect_status 0 "select on a bandit log" $OPE select "$TMP/b.csv" --estimators ipw,dr
expect_grep "$TMP/out" "SharpeRatio@k" "scores with the q.* truth"

# Bad inputs.
grep -v '^mix100,' "$TMP/truth.csv" > "$TMP/miss.csv"
expect_status 65 "truth file missing a candidate" $OPE select "$TMP/log.csv" --truth "$TMP/miss.csv"
expect_grep "$TMP/err" "no value for candidate policy 'mix100'" "names the missing candidate"
{ cat "$TMP/truth.csv"; echo "mix100,1"; } > "$TMP/dup.csv"
expect_status 65 "duplicate policy names" $OPE select "$TMP/log.csv" --truth "$TMP/dup.csv"
expect_grep "$TMP/err" "listed twice" "says which"
expect_status 64 "k > M" $OPE select "$TMP/log.csv" --truth "$TMP/truth.csv" --k 21
expect_status 64 "bad --safety" $OPE select "$TMP/log.csv" --safety abc
done_testing
