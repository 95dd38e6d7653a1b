#!/bin/sh
# t/0530-tui.sh: the workbench driven through tmux: it opens on a log, shows the
# estimates, switches views, searches, exports the table, and quits cleanly. Piped,
# `ope tui` prints the batch summary.
. "$OPE_SRCDIR/t/lib.sh"

$OPE gen bandit --rows 2000 --seed 4 -o "$TMP/log.csv" 2>/dev/null
expect_status 0 "ope tui in a pipe prints the summary" $OPE tui "$TMP/log.csv"
expect_grep "$TMP/out" "policy greedy" "the batch summary has the estimates"
if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
S=ope-test-$$
screen() { tmux capture-pane -p -t "$S" > "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
tmux -L "$S" kill-server 2>/dev/null
tmux new-session -d -s "$S" -x 130 -y 40 "cd '$TMP' && TERM=xterm '$OPE' tui log.csv --seed 1; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" && pass "the evaluation finishes and says so" || fail "no result"
expect_grep "$TMP/screen" "2 Estimates" "the tab bar names the views"
expect_grep "$TMP/screen" "switch-dr:tau=50" "the estimates table lists the estimators"
tmux send-keys -t "$S" 1; wait_for "Columns and roles" && pass "1: the Data view" || fail "1: the Data view"
tmux send-keys -t "$S" 7; wait_for "The same from a script" && pass "7: the Help view" || fail "7: the Help view"
tmux send-keys -t "$S" 6 Enter; wait_for "constraint (1 - 0.1) V^b" && pass "6: the Explore view runs the experiment" || fail "6: the Explore view"
tmux send-keys -t "$S" 4; wait_for "chosen policy" && pass "4: the Selection view" || fail "4: the Selection view"
tmux send-keys -t "$S" 2 / anti2 Enter; sleep 0.5
tmux send-keys -t "$S" x; sleep 0.3; tmux send-keys -t "$S" Enter
wait_for "wrote ope-estimates.csv" && pass "x exports the table" || fail "x exports the table"
expect_grep "$TMP/ope-estimates.csv" "policy,estimator,value,lower,upper" "the export is CSV with the table's columns"
tmux send-keys -t "$S" 3; wait_for "+-----" && pass "3: the Chart view draws with gnuplot" || fail "3: the Chart view"
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
tmux kill-session -t "$S" 2>/dev/null
done_testing
