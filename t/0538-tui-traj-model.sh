#!/bin/sh
# t/0538-tui-traj-model.sh: the Data view of a trajectory log names its value model
# (which one, the discount, the estimators that use it), as the bandit Data view names
# its reward model; it used to say "Reward model fqe, 0 folds, held-out error nan".
# tmux, at 80x24.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
cd "$TMP" || exit 1
$OPE gen mdp riverswim --episodes 200 --gamma 0.9 --seed 3 -o rs.csv 2>/dev/null
S=ope-vm-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
tmux new-session -d -s "$S" -x 80 -y 24 "cd '$TMP' && TERM=xterm NO_COLOR=1 '$OPE' tui rs.csv --gamma 0.9 --value-model lstd -e tis,dm,dr,wdr --ci none; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" || fail "the evaluation finishes"
tmux send-keys -t "$S" 1 G
wait_for "Value model" && pass "the Data view has a Value model section" || { fail "no Value model"; diag "$(cat "$TMP/screen")"; }
grep -q '^  lstd (least-squares temporal difference), discount 0.9, fitted on the' "$TMP/screen" \
    && pass "it names the value model and the discount given" || { fail "the model line"; diag "$(grep -A3 'Value model' "$TMP/screen")"; }
# The estimators that use it, of the four chosen: dm, dr and wdr, not tis.
grep -q '^  used by dm, dr, wdr; --value-model or r changes it' "$TMP/screen" \
    && pass "it lists the estimators that use it" || { fail "used by"; diag "$(grep -A4 'Value model' "$TMP/screen")"; }
grep -q 'Reward model\|0 folds\|nan' "$TMP/screen" && fail "no bandit reward-model line with nan" \
    || pass "no bandit reward-model line with nan"
awk 'length > 80 { bad = 1 } END { exit bad }' "$TMP/screen" && pass "no line wider than 80" || fail "a line wider than 80"
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
done_testing
