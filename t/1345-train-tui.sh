#!/bin/sh
# t/1345-train-tui.sh: the TUI's Train view (key 8) driven through tmux: Enter trains
# every policy-gradient algorithm on RiverSwim and shows the table and the chart; e
# switches to the hard chain, where HNPG with offline data is the only one to learn.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
"$OPE" gen mdp riverswim --episodes 200 -q -o "$TMP/log.csv"
S=ope-train-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
tmux new-session -d -s "$S" -x 130 -y 48 "cd '$TMP' && TERM=xterm '$OPE' tui log.csv --seed 1; echo EXITED \$?; sleep 30"
wait_for "8 Train" && pass "the tab bar has the Train view" || fail "no Train tab"
tmux send-keys -t "$S" 8
wait_for "Press Enter to train" && pass "8 opens the Train view" || fail "8: no Train view"
tmux send-keys -t "$S" Enter
wait_for "% of V*" && pass "Enter trains and shows the table" || fail "no table"
expect_grep "$TMP/screen" "npg-igt" "the table lists N-PG-IGT"
if command -v gnuplot >/dev/null 2>&1 || [ -n "$OPE_GNUPLOT" ]; then
    wait_for "environment steps" && pass "the learning curves are drawn" || fail "no chart"
else
    skip "gnuplot is not installed"
fi
tmux send-keys -t "$S" e Enter
wait_for "hnpg+offline" && pass "e: the hard chain with offline data for HNPG" || fail "no chain"
grep "hnpg+offline" "$TMP/screen" | grep -q "100.0%" && pass "HNPG with offline data reaches V*" ||
    fail "hnpg+offline: $(grep hnpg+offline "$TMP/screen")"
tmux send-keys -t "$S" q
wait_for "EXITED 0" && pass "q quits with status 0" || fail "no clean exit"

done_testing
