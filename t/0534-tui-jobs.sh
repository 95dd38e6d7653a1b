#!/bin/sh
# t/0534-tui-jobs.sh: the experiments of the Learn, Explore and Train views run off the
# UI thread: while one runs, the status line shows its progress bar (a UI blocked in
# the computation could not redraw it), c or Esc cancels it, and a cancelled run
# leaves the previous result on screen. Driven through tmux.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
$OPE gen bandit --rows 2000 --seed 4 -o "$TMP/log.csv" 2>/dev/null
S=ope-jobs-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
# seen_busy: poll the status line (last row) quickly, up to ~10 s, for the progress
# bar "[###...]  NN%  c: cancel"; 0 when it was seen.
seen_busy() {
    i=0
    while [ $i -lt 400 ]; do
        tmux capture-pane -p -t "$S" | tail -n 1 > "$TMP/status"
        grep -q '\[[#.]*\] *[0-9]*%  c: cancel' "$TMP/status" && return 0
        sleep 0.02; i=$((i + 1))
    done
    return 1
}
# seen_fast TEXT: poll quickly, up to ~10 s, for TEXT on the status line (a message
# shown only while a job runs: its end replaces it).
seen_fast() {
    i=0
    while [ $i -lt 400 ]; do
        tmux capture-pane -p -t "$S" | tail -n 1 > "$TMP/status"
        grep -qF -- "$1" "$TMP/status" && return 0
        sleep 0.02; i=$((i + 1))
    done
    return 1
}
# ESCDELAY: Esc alone reaches the program after 25 ms, not ncurses' default second.
tmux new-session -d -s "$S" -x 120 -y 40 "cd '$TMP' && TERM=xterm ESCDELAY=25 '$OPE' tui log.csv --seed 1; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" || fail "the evaluation finishes"

# Explore (3000 episodes x 2 seeds x 5 algorithms: the longest of the three).
tmux send-keys -t "$S" 6 Enter
seen_busy && pass "Explore: the status line shows the progress while it runs" \
    || { fail "Explore: no progress"; diag "$(cat "$TMP/status")"; }
grep -q 'explore' "$TMP/status" && pass "Explore: the progress is labelled" \
    || { fail "Explore: progress label"; diag "$(cat "$TMP/status")"; }
wait_for "constraint (1 - 0.1) V^b" && pass "Explore: the result arrives" || fail "Explore: no result"
# Enter and c in one write: c is read right after the job starts, long before the
# 30,000 episodes are done.
tmux send-keys -t "$S" Enter c
wait_for "exploration cancelled; the previous result stays" && pass "Explore: c cancels" \
    || { fail "Explore: c cancels"; diag "$(tail -n 1 "$TMP/screen")"; }
grep -qF "constraint (1 - 0.1) V^b" "$TMP/screen" && grep -qF "ucbvi" "$TMP/screen" \
    && pass "Explore: the previous result stays on screen" || fail "Explore: previous result gone"
# v switches the chart of the same runs: no new run, so no progress bar.
tmux send-keys -t "$S" v
wait_for "Executed value per episode" && pass "Explore: v shows the value chart of the same runs" \
    || fail "Explore: v"
tail -n 1 "$TMP/screen" | grep -q 'c: cancel' && fail "v must not run the experiment again" \
    || pass "v does not run the experiment again"

# Learn: Enter runs the experiment for the estimator shown; Esc cancels a re-run.
tmux send-keys -t "$S" 5 Enter
seen_busy && pass "Learn: the status line shows the progress while it runs" \
    || { fail "Learn: no progress"; diag "$(cat "$TMP/status")"; }
wait_for "mean error (estimate - truth)" && pass "Learn: the result arrives" || fail "Learn: no result"
tmux send-keys -t "$S" Enter Escape
wait_for "experiment cancelled; the previous result stays" && pass "Learn: Esc cancels" \
    || { fail "Learn: Esc cancels"; diag "$(tail -n 1 "$TMP/screen")"; }
grep -qF "mean error (estimate - truth)" "$TMP/screen" \
    && pass "Learn: the previous result stays on screen" || fail "Learn: previous result gone"

# Train: one job at a time; a second Enter elsewhere while it runs is refused.
tmux send-keys -t "$S" 8 Enter
seen_busy && pass "Train: the status line shows the progress while it runs" \
    || { fail "Train: no progress"; diag "$(cat "$TMP/status")"; }
wait_for "% of V*" && pass "Train: the result arrives" || fail "Train: no result"
tmux send-keys -t "$S" Enter c
wait_for "training cancelled; the previous result stays" && pass "Train: c cancels" \
    || { fail "Train: c cancels"; diag "$(tail -n 1 "$TMP/screen")"; }
grep -qF "% of V*" "$TMP/screen" && pass "Train: the previous result stays on screen" \
    || fail "Train: previous result gone"
tmux send-keys -t "$S" Enter 6 Enter
seen_fast "train is still running (c cancels it)" && pass "a second experiment waits for the first" \
    || { fail "one job at a time"; diag "$(cat "$TMP/status")"; }

# q while an experiment runs: it is cancelled and joined, and the status is 0.
tmux send-keys -t "$S" Enter q
wait_for "EXITED 0" && pass "q during an experiment quits with status 0" || fail "q during a job"
done_testing
