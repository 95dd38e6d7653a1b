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
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
tmux new-session -d -s "$S" -x 130 -y 40 "cd '$TMP' && TERM=xterm '$OPE' tui log.csv --seed 1; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" && pass "the evaluation finishes and says so" || fail "no result"
expect_grep "$TMP/screen" "2 Estimates" "the tab bar names the views"
expect_grep "$TMP/screen" "switch-dr:tau=50" "the estimates table lists the estimators"
tmux send-keys -t "$S" 1; wait_for "Columns and roles" && pass "1: the Data view" || fail "1: the Data view"
tmux send-keys -t "$S" 7; wait_for "The same from a script" && pass "7: the Help view" || fail "7: the Help view"
# `?` opens Help wherever Help sits in the view table (it once opened the last view),
# and Help lists every view of the table with its script twin.
tmux send-keys -t "$S" 1; wait_for "Columns and roles"
tmux send-keys -t "$S" '?'; wait_for "The same from a script" && pass "?: the Help view" || fail "?: not the Help view"
for v in "1 Data" "2 Estimates" "3 Chart" "4 Selection" "5 Learn" "6 Explore" "7 Help" "8 Train"; do
    grep -qF -- "  $v " "$TMP/screen" || { fail "Help lists the view $v"; continue; }
    pass "Help lists the view $v"
done
tmux send-keys -t "$S" G; wait_for "every command" && pass "G scrolls Help to its end" || fail "G does not scroll Help"
expect_grep "$TMP/screen" "ope plot estimates LOG -o f.svg        the Chart view" "Help gives each view's script twin"
expect_grep "$TMP/screen" "ope train --compare --env riverswim    the Train view" "Help gives the Train view's twin"
tmux send-keys -t "$S" 6 Enter; wait_for "constraint (1 - 0.1) V^b" && pass "6: the Explore view runs the experiment" || fail "6: the Explore view"
tmux send-keys -t "$S" 5 Enter; wait_for "mean error (estimate - truth)" && pass "5: the Learn view runs its experiment" || fail "5: the Learn view"
tmux send-keys -t "$S" 4; wait_for "chosen policy" && pass "4: the Selection view" || fail "4: the Selection view"
tmux send-keys -t "$S" 2 / anti2 Enter; sleep 0.5
tmux send-keys -t "$S" x; sleep 0.3; tmux send-keys -t "$S" Enter
wait_for "wrote ope-estimates.csv" && pass "x exports the table" || fail "x exports the table"
expect_grep "$TMP/ope-estimates.csv" "policy,estimator,value,lower,upper" "the export is CSV with the table's columns"
tmux send-keys -t "$S" 3; wait_for "+-----" && pass "3: the Chart view draws with gnuplot" || fail "3: the Chart view"
# Sort by the value column (3), then re-run with alpha 0.1 and B = 200.
tmux send-keys -t "$S" 2 s; sleep 0.3; tmux send-keys -t "$S" 3 Enter; sleep 0.5
wait_for "valuev" && pass "s sorts by a column (arrow in the header)" || fail "s sorts"
tmux send-keys -t "$S" r; sleep 0.3
tmux send-keys -t "$S" C-u; tmux send-keys -t "$S" BSpace BSpace BSpace BSpace BSpace 0.1 Enter; sleep 0.3
tmux send-keys -t "$S" Enter; sleep 0.3
tmux send-keys -t "$S" BSpace BSpace BSpace BSpace 200 Enter; sleep 0.3
tmux send-keys -t "$S" Enter
wait_for "level 0.9 (percentile)" && pass "r re-runs with alpha 0.1" || fail "r re-runs with alpha 0.1"
tmux send-keys -t "$S" j
wait_for "a=0.1 B=200" && pass "the status line shows the new settings" || fail "status line settings"
# Resize: the table is redrawn at the new width.
tmux resize-window -t "$S" -x 90 -y 30 2>/dev/null || tmux resize-pane -t "$S" -x 90 -y 30
sleep 0.5; screen
awk 'length > 90 {bad=1} END {exit bad}' "$TMP/screen" && grep -q "2 Estimates" "$TMP/screen" \
    && pass "resize redraws within the new size" || fail "resize"
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
# The first session stays until the end: killing the server's last session while the
# next one is being created can take the new one down with the server.

# SIGTERM: the terminal settings are restored and the status is 130.
S2=ope-term-$$
tmux new-session -d -s "$S2" -x 100 -y 30 "cd '$TMP' && stty -g > stty.before; sh -c 'echo \$\$ > pid; exec env TERM=xterm \"$OPE\" tui log.csv'; echo EXITED \$? > status; stty -g > stty.after; sleep 30"
# Signal only once the TUI is drawn (its handler is in place by then; a sanitizer
# build can take seconds to get there).
S=$S2; wait_for "2 Estimates" || fail "the TUI did not open for the SIGTERM test"
kill -TERM "$(cat "$TMP/pid")"
i=0; while [ ! -s "$TMP/status" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_grep "$TMP/status" "EXITED 130" "SIGTERM ends the TUI with status 130"
# stty.after is written just after status: wait for it (under load it lagged).
i=0; while [ ! -s "$TMP/stty.after" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
cmp -s "$TMP/stty.before" "$TMP/stty.after" && pass "terminal settings restored after SIGTERM" || fail "terminal settings differ after SIGTERM"
done_testing
