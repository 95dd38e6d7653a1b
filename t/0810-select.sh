#!/bin/sh
# t/0810-select.sh: `ope select` end to end on >= 20 candidates of a built-in
# environment: every metric for every estimator, the JSON of formats.md and the per-k
# CSV curves, truth from a file or from q.* columns, selection.md's worked example end
# to end, several logs and --replicates (mean and sd over datasets), and the bad inputs.
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

# selection.md's worked example end to end: a two-row log whose IPW estimates are
# exactly V-hat = (7, 9.5, 6, 8, 1) (pscore 1, reward 10, pi_j(0) = V-hat_j / 10) and a
# truth file with V = (10, 9, 8, 2, 1), J(pi_b) = 5.
printf 'action,reward,pscore,pi.p1.0,pi.p1.1,pi.p2.0,pi.p2.1,pi.p3.0,pi.p3.1,pi.p4.0,pi.p4.1,pi.p5.0,pi.p5.1\n' > "$TMP/w.csv"
for i in 1 2; do echo '0,10,1,0.7,0.3,0.95,0.05,0.6,0.4,0.8,0.2,0.1,0.9' >> "$TMP/w.csv"; done
printf 'policy,value\nbehavior,5\np1,10\np2,9\np3,8\np4,2\np5,1\n' > "$TMP/wt.csv"
expect_status 0 "worked example" $OPE select "$TMP/w.csv" --truth "$TMP/wt.csv" --estimators ipw --k 2 --format json
expect_grep "$TMP/out" '"ranking":["p2","p4","p1","p3","p5"]' "worked example: the ranking"
expect_grep "$TMP/out" '"regret":{"1":1,"k":8,"k_value":2}' "worked example: regret@1 = 1, regret@2 = 8"
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys,math
d=json.load(open(sys.argv[1])); t=d["estimators"][0]["topk"]
want={2:(9,math.sqrt(24.5),4/math.sqrt(24.5)),3:(10,math.sqrt(19),5/math.sqrt(19))}
for k,(b,s,r) in want.items():
    x=t[k-1]; assert x["best"]==b and abs(x["std"]-s)<1e-12 and abs(x["sharpe_ratio"]-r)<1e-12, x
assert t[2]["mean"]==7 and t[0]["std"] is None and t[0]["sharpe_ratio"] is None' "$TMP/out" \
        && pass "worked example: best/std/SharpeRatio@2 and @3 to 1e-12 (0.8081, 1.1471)" \
        || fail "worked example numbers"
else
    skip "python3 not installed"
fi
printf 'policy,value\nbehavior,5\np1,10\np2,9\np3,8\np4,2\np5,1x\n' > "$TMP/wbad.csv"
expect_status 65 "truth file: a value that is not a number" $OPE select "$TMP/w.csv" --truth "$TMP/wbad.csv"
expect_grep "$TMP/err" "wbad.csv:7:4: column 'value': saw '1x'" "names file:line:column and the value"

# Several logs: every metric averaged over them with its spread.
for s in 11 12 13; do
    $OPE gen bandit --rows 1500 --seed $s --policies greedy,eps:0.3,eps:0.6,softmax:1,uniform -o "$TMP/r$s.csv" 2>/dev/null
done
expect_status 0 "select over three logs" $OPE select "$TMP/r11.csv" "$TMP/r12.csv" "$TMP/r13.csv" --estimators ipw,dm
expect_grep "$TMP/out" "3 datasets" "says how many datasets"
expect_grep "$TMP/out" "mean (sample sd)" "cells are mean (sd)"
expect_grep "$TMP/out" "How often each candidate was ranked first" "and how often each was chosen"
$OPE gen bandit --rows 500 --seed 14 --policies greedy,uniform -o "$TMP/other.csv" 2>/dev/null
expect_status 65 "logs with different candidates are refused" $OPE select "$TMP/r11.csv" "$TMP/other.csv"
expect_grep "$TMP/err" "every dataset must carry the same pi.* policies" "says why"
# --replicates R: generated bandit logs (seeds 1..R), truth from their q.* columns.
expect_status 0 "replicates json" $OPE select --replicates 3 --rows 800 --estimators ipw,snipw,dr --format json
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); assert d["replicates"]==3 and d["behavior_value"]["n"]==3
e=d["estimators"]; assert [x["estimator"] for x in e]==["ipw","snipw","dr"]
for x in e:
    assert len(x["topk"])==5 and x["topk"][1]["sharpe_ratio"]["n"]==3 and sum(x["ranked_first"].values())==3
    assert x["regret"]["1"]["mean"]>=0 and x["mse"]["sd"]>=0' "$TMP/out" \
        && pass "replicates json: mean/sd/n per metric, 3 x 5 top-k entries" || fail "replicates json shape"
else
    skip "python3 not installed"
fi
expect_status 0 "replicates csv" $OPE select --replicates 3 --rows 800 --estimators ipw,dr --format csv
[ "$(wc -l < "$TMP/out")" -eq 11 ] && pass "replicates csv: 2 estimators x 5 k + header" || fail "replicates csv rows $(wc -l < "$TMP/out")"
expect_grep "$TMP/out" "sharpe_ratio,best_sd" "csv keeps the single-dataset columns, then the sd columns"
expect_status 64 "--replicates with a LOG" $OPE select --replicates 2 "$TMP/w.csv"
expect_status 64 "no LOG and no --replicates" $OPE select

# --replicates R --env ENV: trajectory logs sampled in memory. Replicate i uses seed S+i
# exactly as `ope gen mdp --seed S+i` does, so one replicate reproduces the file path
# byte for byte (same episodes, same exact truth from dynamic programming). Generated
# replicates have no intervals, so the file path drops them too (--ci none): the CSV's
# safe_k column is the ranking by their lower bounds.
$OPE select "$TMP/log.csv" --truth "$TMP/truth.csv" --ci none --format csv > "$TMP/file.csv" 2>/dev/null
expect_status 0 "--env riverswim, one replicate" $OPE select --replicates 1 --env riverswim --episodes 600 --candidates 20 --gen-seed 3 --format csv
cmp -s "$TMP/out" "$TMP/file.csv" && pass "in-memory replicate = ope gen mdp + --truth file, byte for byte" || fail "replicate differs from the file path"
expect_status 0 "--env with --param and 3 replicates" $OPE select --replicates 3 --env riverswim --param n=8 --episodes 100 --candidates 6 --estimators tis,wpdis
expect_grep "$TMP/out" "ope gen mdp riverswim n=8 --behavior eps:0.3 --episodes 100 --candidates 6 --seed 1..3" "names the generator and seeds"
expect_status 64 "unknown --env" $OPE select --replicates 2 --env nowhere
expect_grep "$TMP/err" "unknown environment 'nowhere'" "says which environment"
expect_status 64 "--env without --replicates" $OPE select --env riverswim
expect_status 64 "bad --param" $OPE select --replicates 2 --env riverswim --param n
expect_status 64 "--param out of range" $OPE select --replicates 2 --env riverswim --param n=1
expect_status 64 "bad --behavior" $OPE select --replicates 2 --env riverswim --behavior sometimes
expect_status 64 "--episodes without --env" $OPE select --replicates 2 --episodes 50
expect_grep "$TMP/err" "needs --env ENV" "says what it needs"
expect_status 64 "--rows with --env" $OPE select --replicates 2 --env riverswim --rows 50
expect_status 64 "--rows without --replicates" $OPE select "$TMP/log.csv" --rows 50

# Without a truth file: the ranking with t intervals by default; --ci none drops them.
expect_status 0 "no truth: ranks with intervals" $OPE select "$TMP/log.csv" --estimators wpdis,dm
expect_grep "$TMP/out" "Estimates with 95% t intervals" "the estimates carry t intervals"
expect_grep "$TMP/out" "need the truth" "says which metrics need the truth"
expect_status 0 "no truth: json intervals" $OPE select "$TMP/log.csv" --estimators wpdis --format json
expect_grep "$TMP/out" '"intervals":{"anti100":[' "json carries the intervals"
expect_status 0 "--ci none" $OPE select "$TMP/log.csv" --estimators wpdis --ci none --format json
grep -q '"intervals"' "$TMP/out" && fail "--ci none still has intervals" || pass "--ci none drops them"

# --demo: the paper's lesson, found in the measured summaries and told in two sentences.
expect_status 0 "--demo" $OPE select --demo
expect_grep "$TMP/out" "ope select --demo: the lesson of SharpeRatio@k" "explains what it runs"
expect_grep "$TMP/out" "The lesson: over 20 datasets" "ends with the lesson"
expect_grep "$TMP/out" "standard errors apart" "the difference is quantified"
expect_status 0 "--demo json" $OPE select --demo --format json
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); assert d["replicates"]==20 and len(d["policies"])==20
assert d["lesson"].startswith("The lesson: over 20 datasets") and d["lesson"].count(". ")>=1
assert len(d["estimators"])==8' "$TMP/out" \
        && pass "demo json carries the lesson" || fail "demo json"
else
    skip "python3 not installed"
fi
expect_status 64 "--demo with a LOG" $OPE select --demo "$TMP/log.csv"

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
