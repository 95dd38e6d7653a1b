#!/bin/sh
# t/1231-tui-decision.sh: the workbench's Selection view opens with the decision the
# evaluation supports, worked out by the same code as the report's Summary
# (ope/app/decision.c): the candidate most estimators rank first, its lift over the
# logged policy by dr with the paired interval (the numbers of `ope eval -f json`'s
# lift and lift_ci for the same settings), how many lift intervals lie above 0, and
# the gate that would pass. tmux, 80x24.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
    skip "tmux or python3 is not installed"; done_testing; exit $?
fi
$OPE gen bandit --rows 3000 --seed 8 -q -o "$TMP/log.csv"
$OPE eval "$TMP/log.csv" --estimators ipw,dr --n-boot 200 -f json -o "$TMP/e.json" -q
want=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
for p in r["policies"]:
    if p["name"] == "greedy":
        e = [x for x in p["estimates"] if x["estimator"] == "dr"][0]
        print("Decision: greedy %+.6g" % e["lift"])
        print("[%.6g, %.6g]" % (e["lift_ci"]["lower"], e["lift_ci"]["upper"]))
' "$TMP/e.json")
S=ope-dec-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
tmux new-session -d -s "$S" -x 80 -y 24 "cd '$TMP' && TERM=xterm NO_COLOR=1 '$OPE' tui log.csv --estimators ipw,dr --n-boot 200; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" || fail "the evaluation finishes"
tmux send-keys -t "$S" 4
wait_for "Decision:" && pass "Selection opens with the decision" || { fail "no decision"; diag "$(cat "$TMP/screen")"; }
# The prose wraps at 80 columns: join the screen's lines before matching.
tr '\n' ' ' < "$TMP/screen" | tr -s ' ' > "$TMP/flat"
first=$(echo "$want" | sed -n 1p); ci=$(echo "$want" | sed -n 2p)
grep -qF -- "$first" "$TMP/flat" && pass "greedy's lift by dr, as ope eval gives it ($first)" \
    || { fail "lift"; diag "want $first" "$(head -c 400 "$TMP/flat")"; }
grep -qF -- "$ci" "$TMP/flat" && pass "its paired interval $ci" || { fail "interval"; diag "want $ci"; }
grep -qF "2 of 2 estimators' lift intervals lie above 0" "$TMP/flat" \
    && pass "both estimators' lift intervals above 0" || fail "the count of intervals above 0"
grep -qF "ope gate LOG --policy greedy --estimator dr --alpha 0.025 --n-boot 200\` would pass" \
    "$TMP/flat" \
    && pass "the gate that would pass" || fail "the gate"
awk 'length > 80 { bad = 1 } END { exit bad }' "$TMP/screen" && pass "no line wider than 80" || fail "wider than 80"
grep -q '^estimator ' "$TMP/screen" && pass "the table follows" || fail "no table below"
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
done_testing
