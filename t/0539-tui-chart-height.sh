#!/bin/sh
# t/0539-tui-chart-height.sh: at 80x24 the Explore and Train charts are tall enough to
# read: scrolled to the end (G), the plot area between the top of the y axis and the x
# axis is at least 10 rows, with the legend below it and no line wider than 80. (They
# were drawn in the 12 rows left under the summary: a plot 5 rows high.) tmux.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
if ! command -v gnuplot >/dev/null 2>&1 && [ -z "$OPE_GNUPLOT" ]; then
    skip "gnuplot is not installed"; done_testing; exit $?
fi
$OPE gen bandit --rows 2000 --seed 4 -o "$TMP/log.csv" 2>/dev/null
S=ope-height-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
# plot_rows: rows from the y axis' top ("NNN +-+") to the x axis ("NNN +-----+").
plot_rows() {
    awk '/^ *[-0-9.e+]+ \+-\+ *$/ && !top { top = NR } /^ *[-0-9.e+]* *\+-----+\+ *$/ { bottom = NR }
         END { print (top && bottom > top) ? bottom - top : 0 }' "$TMP/screen"
}
tmux new-session -d -s "$S" -x 80 -y 24 "cd '$TMP' && TERM=xterm NO_COLOR=1 '$OPE' tui log.csv; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" || fail "the evaluation finishes"
tmux send-keys -t "$S" 6 Enter
wait_for "Cumulative regret" || fail "Explore runs"
tmux send-keys -t "$S" G; sleep 0.5; screen
h=$(plot_rows)
[ "$h" -ge 10 ] && pass "Explore: the plot is $h rows high at 80x24" || { fail "Explore: plot $h rows"; diag "$(cat "$TMP/screen")"; }
grep -q 'A stepmix' "$TMP/screen" && grep -q 'E baseline' "$TMP/screen" \
    && pass "Explore: the legend names every algorithm" || fail "Explore: legend"
awk 'length > 80 { bad = 1 } END { exit bad }' "$TMP/screen" && pass "Explore: no line wider than 80" || fail "Explore: width"
tmux send-keys -t "$S" 8 Enter
wait_for "% of V*" || fail "Train runs"
tmux send-keys -t "$S" G; sleep 0.5; screen
h=$(plot_rows)
[ "$h" -ge 10 ] && pass "Train: the plot is $h rows high at 80x24" || { fail "Train: plot $h rows"; diag "$(cat "$TMP/screen")"; }
grep -q 'A reinforce' "$TMP/screen" && grep -q 'E props' "$TMP/screen" \
    && pass "Train: the legend names every algorithm" || fail "Train: legend"
awk 'length > 80 { bad = 1 } END { exit bad }' "$TMP/screen" && pass "Train: no line wider than 80" || fail "Train: width"
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
done_testing
