#!/bin/sh
# t/0540-tui-learn-teach.sh: the Learn view teaches: every card defines its symbols on
# screen (w_i, q̂, qhat_pi), each experiment ends with a takeaway sentence computed from
# its numbers, and the clipping experiment runs on poor-overlap data, where clipping
# visibly changes the estimate (on good overlap ipw, clip=50 and clip=10 were equal:
# it taught that clipping buys nothing); a trajectory estimator runs tis, pdis and wdr
# as the horizon grows. tmux.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
$OPE gen bandit --rows 2000 --seed 4 -o "$TMP/log.csv" 2>/dev/null
S=ope-teach-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 30 s
    i=0
    while [ $i -lt 150 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
tmux new-session -d -s "$S" -x 130 -y 50 "cd '$TMP' && LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm NO_COLOR=1 '$OPE' tui log.csv; echo EXITED \$?; sleep 60"
wait_for "evaluation finished" || fail "the evaluation finishes"
tmux send-keys -t "$S" 5
wait_for "Enter run" || fail "the Learn view"
grep -q '^  symbols:   w_i = pi_e(a_i|x_i) / pi_b(a_i|x_i), the importance weight' "$TMP/screen" \
    && grep -qF "qhat_pi(x) = sum_a pi_e(a|x) q̂(x, a)" "$TMP/screen" \
    && pass "a bandit card defines w_i, q̂ and qhat_pi" || { fail "bandit symbols"; diag "$(grep -A2 symbols "$TMP/screen")"; }
tmux send-keys -t "$S" Enter
wait_for "Takeaway: at n = 6400" && pass "errors as n grows: a takeaway from its numbers" \
    || { fail "takeaway"; diag "$(cat "$TMP/screen")"; }
# (the sentence wraps: join the screen's lines first)
tr '\n' ' ' < "$TMP/screen" | tr -s ' ' | grep -q 'the sd of ipw falls [0-9.]*-fold (a 1/sqrt(n) rate gives 8)' \
    && pass "it compares the fall of ipw's sd with the 1/sqrt(n) rate" || fail "the rate sentence"
# The clipping experiment: m twice, Enter.
tmux send-keys -t "$S" m m Enter
wait_for "Takeaway: at n = 400, clipping the weights at 2" && pass "clipping: a takeaway from its numbers" \
    || { fail "clipping takeaway"; diag "$(cat "$TMP/screen")"; }
grep -q 'clipping trades variance for' "$TMP/screen" && pass "it names the trade" || fail "the trade"
grep -q '^       n              ipw      ipw:clip=50      ipw:clip=10       ipw:clip=2$' "$TMP/screen" \
    && pass "four estimators' columns fit 80 columns" || { fail "the table's header"; diag "$(grep -A1 'mean error' "$TMP/screen")"; }
# Row n = 100: ipw's mean error is field 2, clip=10's field 6 ("m (s)" per estimator).
row=$(awk '$1 == "100" && NF >= 8 { print; exit }' "$TMP/screen")
echo "$row" | awk '{ exit !($2 != $6) }' && pass "on poor overlap clip=10 differs from ipw" \
    || { fail "clip=10 equals ipw"; diag "$row"; }
tmux send-keys -t "$S" '<'
wait_for "Marginalized" || true
tmux send-keys -t "$S" '<'; sleep 0.5; screen
grep -q '^  symbols:   w_{i,t} the product of pi_e / pi_b' "$TMP/screen" \
    && pass "a trajectory card defines its weights and V̂" || { fail "trajectory symbols"; diag "$(sed -n 2,12p "$TMP/screen")"; }
# A trajectory estimator has its own experiment: tis, pdis and wdr as the horizon grows,
# and the takeaway compares their sds at H = 2 and H = 20.
grep -qF "Experiment: trajectory weights as the horizon grows" "$TMP/screen" \
    && pass "a trajectory estimator offers the horizon experiment" || fail "trajectory experiment offered"
tmux send-keys -t "$S" Enter
wait_for "Takeaway: from H = 2 to 20 the sd of tis" && pass "the horizon experiment runs, with its takeaway" \
    || { fail "horizon experiment"; diag "$(cat "$TMP/screen")"; }
# tis's sd (field 3, "(s)") grows with the horizon: rows H = 2 and H = 20.
awk 'function sd(f) { gsub(/[()]/, "", f); return f + 0 }
     $1 == "2" && NF >= 6 { a = sd($3) } $1 == "20" && NF >= 6 { b = sd($3) } END { exit !(a > 0 && b > 10 * a) }' "$TMP/screen" \
    && pass "tis's sd at H = 20 is more than ten times that at H = 2" || { fail "tis's sd"; diag "$(grep -A9 'mean error' "$TMP/screen")"; }
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
done_testing
