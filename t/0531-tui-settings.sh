#!/bin/sh
# t/0531-tui-settings.sh: the settings on screen are those of the results on screen.
# Settings edited with r while an evaluation runs are kept for the next run, but the
# status line and the Estimates header go on describing the results they label, and
# a cancelled run leaves both the old results and their old description.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
$OPE gen bandit --rows 20000 --seed 4 -o "$TMP/log.csv" 2>/dev/null
S=ope-set-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT [SECONDS]: up to 20 s unless told
    i=0; n=$(( ${2:-20} * 5 ))
    while [ $i -lt $n ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
# settings ALPHA B SEED: answer the four prompts of r (the interval stays bootstrap).
# Each prompt is pre-filled with the current value: twelve backspaces clear it.
clear12() { tmux send-keys -t "$S" BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace; }
settings() {
    tmux send-keys -t "$S" r; sleep 0.3
    clear12; tmux send-keys -t "$S" "$1" Enter; sleep 0.3
    tmux send-keys -t "$S" Enter; sleep 0.3
    clear12; tmux send-keys -t "$S" "$2" Enter; sleep 0.3
    clear12; tmux send-keys -t "$S" "$3" Enter
}

tmux new-session -d -s "$S" -x 130 -y 40 "cd '$TMP' && TERM=xterm '$OPE' tui log.csv --seed 1; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" && pass "the first evaluation finishes" || fail "no first result"
tmux send-keys -t "$S" j
wait_for "| bootstrap a=0.05 B=1000 seed=1 |" && pass "the status line describes the first results" \
    || fail "status line of the first results"

# A run long enough to still be going while r is answered again, and then cancelled:
# B = 1,000,000 on 20,000 rows takes about a minute (5.8 s for B = 100,000 on the
# development machine).
settings 0.2 1000000 7
wait_for "c: cancel" && pass "r starts a long evaluation" || fail "r starts a long evaluation"
settings 0.3 500 9
# The refusal goes to the status line, which shows the progress bar while a run goes on.
wait_for "c: cancel" && pass "r during a run leaves the run going" || fail "r during a run"
tmux send-keys -t "$S" c
wait_for "evaluation cancelled; the previous results stay" 60 && pass "c cancels the long run" \
    || fail "c cancels"
tmux send-keys -t "$S" j; sleep 0.5; screen
# Before the fix the status line read the live settings: a=0.3 B=500 seed=9 here.
expect_grep "$TMP/screen" "| bootstrap a=0.05 B=1000 seed=1 |" \
    "after edits and a cancelled run the status line still describes the results on screen"
grep -qF "a=0.3" "$TMP/screen" && fail "the edited settings are not shown as the results'" \
    || pass "the edited settings are not shown as the results'"
expect_grep "$TMP/screen" "bootstrap interval at level 0.95" "the Estimates header is the first run's"

# The edited settings were kept: r with every prompt accepted runs alpha 0.3, B 500.
tmux send-keys -t "$S" r; sleep 0.3
tmux send-keys -t "$S" Enter; sleep 0.3; tmux send-keys -t "$S" Enter; sleep 0.3
tmux send-keys -t "$S" Enter; sleep 0.3; tmux send-keys -t "$S" Enter
wait_for "level 0.7 (percentile)" 60 && pass "the kept settings run next" || fail "the kept settings run"
tmux send-keys -t "$S" j
wait_for "| bootstrap a=0.3 B=500 seed=9 |" && pass "the status line follows the new results" \
    || fail "status line of the new results"
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
tmux kill-session -t "$S" 2>/dev/null
done_testing
