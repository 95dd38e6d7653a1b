#!/bin/sh
# t/0541-tui-lift.sh: the lift over the logged policy in the workbench's Estimates view
# (issue "From estimates to decisions"): L puts the lift, its paired interval and the
# relative lift first, with the numbers of `ope eval`; L again hides them; at 80x24
# nothing is wider than the screen and h/l still scroll; Help lists the key. tmux.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
$OPE gen bandit --rows 2000 --seed 4 -o "$TMP/log.csv" 2>/dev/null
# The numbers to find on screen: ope eval with the workbench's defaults (--seed 1, as
# the workbench is started with), dr on greedy, printed as the view prints (%.6g).
$OPE eval "$TMP/log.csv" --seed 1 --policy greedy --estimators dr -f csv -q > "$TMP/e.csv"
lift=$(awk -F, 'NR == 2 { printf "%.6g", $12 }' "$TMP/e.csv")
llo=$(awk -F, 'NR == 2 { printf "%.6g", $13 }' "$TMP/e.csv")
S=ope-lift-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
row() { sed -n "$1p" "$TMP/screen"; }
fits() { LC_ALL=C awk -v w="$1" 'length > w { bad = 1 } END { exit bad }' "$TMP/screen"; }
tmux new-session -d -s "$S" -x 80 -y 24 "cd '$TMP' && TERM=xterm NO_COLOR=1 '$OPE' tui log.csv --seed 1; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" || fail "the evaluation finishes"
tmux send-keys -t "$S" 2; sleep 0.4; screen
row 3 | grep -q 'lift' && fail "no lift column before L" || pass "no lift column before L"

tmux send-keys -t "$S" L
wait_for "lift over the logged policy" && pass "L says what it shows" || fail "L's message"
row 3 | grep -q '^policy  *estimator  *lift  *lift lo  *lift hi  *rel.lift' \
    && pass "L: the lift, its interval and the relative lift are the first columns" \
    || { fail "L: the lift's columns"; diag "$(row 3)"; }
grep -E "^greedy +dr +$lift +$llo " "$TMP/screen" >/dev/null \
    && pass "greedy/dr: lift $lift and lower bound $llo, as ope eval gives" \
    || { fail "greedy/dr lift"; diag "want $lift $llo" "$(grep '^greedy' "$TMP/screen")"; }
fits 80 && pass "no line wider than 80" || fail "a line wider than 80"
# h/l scroll the numbers with the frozen policy and estimator: after l the first
# scrollable column is lift lo.
tmux send-keys -t "$S" l; sleep 0.4; screen
row 3 | grep -q '^policy  *estimator  *<  *lift lo' && pass "l scrolls past the lift" \
    || { fail "l scrolls"; diag "$(row 3)"; }
tmux send-keys -t "$S" h L; sleep 0.4; screen
row 3 | grep -q '^policy  *estimator  *value  *lower' && pass "L again hides the lift" \
    || { fail "L hides"; diag "$(row 3)"; }

tmux send-keys -t "$S" 7
wait_for "Views (number keys" || fail "Help"
tmux send-keys -t "$S" j j j j j j; sleep 0.4; screen
grep -qF "L                   Estimates: the lift over the logged policy first, on/off" "$TMP/screen" \
    && pass "Help lists L" || { fail "Help lists L"; diag "$(cat "$TMP/screen")"; }
fits 80 && pass "Help: no line wider than 80" || fail "Help: a line wider than 80"
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
done_testing
