#!/bin/sh
# t/0815-select-pbest.sh: `ope select` without the truth's help: the safe ranking (by
# the intervals' lower bounds) and P(best) / P(top k) (--pbest: bootstrap replicates)
# in the table, JSON and CSV, the rules of --pbest, and the report's Selection section
# explaining a log on which the point and the safe rankings choose differently.
. "$OPE_SRCDIR/t/lib.sh"

# 150 rows, two candidates: greedy's IPW estimate is higher but rests on few rows with
# large weights (wide interval); softmax:1.5 stays near the logging policy (narrow).
# On this seed the point ranking picks greedy and the safe ranking softmax1_5 (checked
# from the JSON's own intervals below, not taken on trust).
$OPE gen bandit --rows 150 --seed 2 --policies greedy,softmax:1.5 -o "$TMP/log.csv" 2>/dev/null

expect_status 0 "select --pbest" $OPE select "$TMP/log.csv" --estimators ipw,dr --pbest -q
cp "$TMP/out" "$TMP/table"
expect_grep "$TMP/table" "Point ranking and safe ranking (by the lower bound of the 95% bootstrap interval)." "table: the rankings block"
expect_grep "$TMP/table" "P(best), P(top k): shares of the bootstrap replicates" "table: says where P(best) comes from"
grep -q '^ipw  *1  greedy  *0\.[0-9]*  *1  softmax1_5 ' "$TMP/table" \
    && pass "table: ipw ranks greedy first by estimate, softmax1_5 first by lower bound" \
    || { fail "table: ipw row"; diag "$(grep -A2 '^estimator  *rank' "$TMP/table")"; }
expect_grep "$TMP/table" "note: ipw: the point ranking chooses greedy" "table: a note on the difference"
expect_grep "$TMP/table" "greedy's interval is wider" "table: the note says why (a wide interval)"

expect_status 0 "select --pbest json" $OPE select "$TMP/log.csv" --estimators ipw,dr --pbest -q -f json
cp "$TMP/out" "$TMP/sel.json"
for k in '"safe_ranking":["softmax1_5","greedy"]' '"p_best":{"greedy":' '"p_top_k":{"greedy":'; do
    expect_grep "$TMP/sel.json" "$k" "json has $k"
done
if command -v python3 >/dev/null 2>&1; then
    # The safe ranking must be the order of the lower bounds the same JSON reports, the
    # P(best) of each estimator must sum to 1 (IPW and DR are defined on every
    # resample), and with M = 2 = k every policy is in the top k of every replicate.
    python3 - "$TMP/sel.json" <<'PY' && pass "json: safe_ranking follows the lower bounds; P(best) sums to 1; P(top 2) = 1" || fail "json: rankings and probabilities"
import json, sys
d = json.load(open(sys.argv[1]))
for e in d["estimators"]:
    lo = {p: iv[0] for p, iv in e["intervals"].items()}
    assert e["safe_ranking"] == sorted(lo, key=lambda p: -lo[p]), e["estimator"]
    assert abs(sum(e["p_best"].values()) - 1) < 1e-12, e["estimator"]
    assert all(v == 1 for v in e["p_top_k"].values()), e["estimator"]
    assert e["ranking"][0] == max(e["estimates"], key=lambda p: e["estimates"][p])
ipw = d["estimators"][0]
assert ipw["ranking"][0] == "greedy" and ipw["safe_ranking"][0] == "softmax1_5"
PY
else
    skip "python3 not installed"
fi

expect_status 0 "select --pbest csv" $OPE select "$TMP/log.csv" --estimators ipw --pbest -q -f csv
expect_grep "$TMP/out" "regret_k,chosen_k,chosen_p_best,chosen_p_top_k,safe_k" "csv: the new columns"
grep -q '^ipw,1,.*,greedy,0\.[0-9]*,0\.[0-9]*,softmax1_5$' "$TMP/out" \
    && pass "csv: k = 1 has greedy's P(best) and softmax1_5 as the safe first" \
    || { fail "csv: k = 1 row"; diag "$(cat "$TMP/out")"; }

# Without replicates: the safe ranking (t intervals by default) but no P(best).
expect_status 0 "select (t intervals)" $OPE select "$TMP/log.csv" --estimators ipw -q
expect_grep "$TMP/out" "P(best) needs bootstrap replicates: --pbest (or --ci bootstrap)" "t: says how to get P(best)"
expect_status 0 "select json (t intervals)" $OPE select "$TMP/log.csv" --estimators ipw -q -f json
expect_grep "$TMP/out" '"safe_ranking":[' "t: json has the safe ranking"
grep -q '"p_best"' "$TMP/out" && fail "t: json has no p_best" || pass "t: json has no p_best"
expect_status 0 "select --ci none" $OPE select "$TMP/log.csv" --estimators ipw -q --ci none -f json
grep -q '"safe_ranking"' "$TMP/out" && fail "--ci none: no safe ranking" || pass "--ci none: no safe ranking"
expect_status 64 "--pbest with --ci t" $OPE select "$TMP/log.csv" --pbest --ci t
expect_grep "$TMP/err" "--pbest needs bootstrap replicates" "--pbest with --ci t: why"
expect_status 64 "--pbest with two logs" $OPE select "$TMP/log.csv" "$TMP/log.csv" --pbest
expect_grep "$TMP/err" "--pbest is for one log's ranking" "--pbest with two logs: why"
expect_status 64 "--pbest with --replicates" $OPE select --replicates 2 --pbest
expect_status 0 "--pbest with --ci bootstrap" $OPE select "$TMP/log.csv" --pbest --ci bootstrap -q --estimators ipw

# ope eval carries P(best) in JSON (p_best, p_top) and CSV (p_best).
expect_status 0 "eval json" $OPE eval "$TMP/log.csv" --estimators ipw -q -f json
expect_grep "$TMP/out" '"p_best":' "eval json: p_best"
expect_grep "$TMP/out" '"p_top":[' "eval json: p_top"
expect_status 0 "eval csv" $OPE eval "$TMP/log.csv" --estimators ipw -q -f csv
expect_grep "$TMP/out" "relative_lift,p_best" "eval csv: p_best column"

# The report explains the difference (its default intervals are bootstrap).
expect_status 0 "report" $OPE report "$TMP/log.csv" --estimators ipw,dr -q -o "$TMP/r.md"
expect_grep "$TMP/r.md" "| safe ranking (by lower bound) | P(best) of the favourite |" "report: rankings table"
expect_grep "$TMP/r.md" "ipw: the point ranking chooses greedy (estimate" "report: names the point choice"
expect_grep "$TMP/r.md" "the safe ranking softmax1_5" "report: names the safe choice"
expect_grep "$TMP/r.md" "greedy's interval is wider" "report: says why"
grep -q "dr: the point ranking chooses" "$TMP/r.md" && fail "report: no note when the choices agree" \
    || pass "report: no note when the choices agree (dr)"

# The TUI's Selection view: P(best) (its evaluation bootstraps) and the safe choice.
if command -v tmux >/dev/null 2>&1; then
    S=ope-pbest-$$
    screen() { tmux_screen "$S" "$TMP/screen"; }
    wait_for() {   # wait_for TEXT: up to 20 s
        i=0
        while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
        return 1
    }
    tmux new-session -d -s "$S" -x 150 -y 30 "cd '$TMP' && TERM=xterm '$OPE' tui log.csv --estimators ipw,dr; sleep 30"
    wait_for "evaluation finished" || fail "tui: no result"
    tmux send-keys -t "$S" 4
    wait_for "safe choice" && pass "tui: the Selection view has P(best) and the safe choice" \
        || fail "tui: the Selection view"
    # ipw's favourite is greedy with a P(best) strictly between 0 and 1, its safe choice
    # softmax1_5 (as in the select table above).
    grep -q '^ipw  *greedy  *[0-9.]*  *0\.[0-9][0-9][0-9]  *softmax1_5 ' "$TMP/screen" \
        && pass "tui: ipw row shows greedy's P(best) and softmax1_5 as the safe choice" \
        || { fail "tui: ipw row"; diag "$(cat "$TMP/screen")"; }
    tmux kill-session -t "$S" 2>/dev/null
else
    skip "tmux is not installed"
fi

done_testing
