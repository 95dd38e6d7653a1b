#!/bin/sh
# t/1511-status-wrap.sh: a message too long for the status line continues on the lines
# above it instead of losing its reason at the edge. Before, at 80 columns `x` to a
# missing directory said "...: No such f", and to a 300-byte name (past the 256-byte
# message buffer) gave no reason at all; Segments' `b` with an unknown column showed
# the log's path and nothing of why. tmux.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
S=ope-swrap-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
fits() {   # no line wider than $1 (the screen is ASCII here)
    LC_ALL=C awk -v w="$1" 'length > w { bad = 1 } END { exit bad }' "$TMP/screen"
}
tmux new-session -d -s "$S" -x 80 -y 24 "cd '$TMP' && LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm NO_COLOR=1 '$OPE' tui; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" || fail "the demo opens"
tmux send-keys -t "$S" 2 x; wait_for "export (" || fail "x asks"
tmux send-keys -t "$S" C-u; tmux send-keys -t "$S" -l "no-such-dir/t.csv"; tmux send-keys -t "$S" Enter
wait_for "file or directory" \
    && pass "x to a missing directory: the whole reason is on screen" \
    || { fail "missing directory reason"; diag "$(tail -3 "$TMP/screen")"; }
tail -1 "$TMP/screen" | grep -q '?: help  q: quit$' && pass "the status line keeps its hint" \
    || fail "hint kept"
fits 80 && pass "no line wider than 80" || fail "a line wider than 80"
[ ! -e no-such-dir ] && pass "nothing created" || fail "a directory appeared"

long=$(i=0; while [ $i -lt 300 ]; do printf a; i=$((i + 1)); done).csv
tmux send-keys -t "$S" x; wait_for "export (" || fail "x asks again"
tmux send-keys -t "$S" C-u; tmux send-keys -t "$S" -l "$long"; tmux send-keys -t "$S" Enter
wait_for "File name too long" && pass "x to a 300-byte name says why it failed" \
    || { fail "300-byte name reason"; diag "$(tail -3 "$TMP/screen")"; }
fits 80 && pass "no line wider than 80" || fail "a line wider than 80"

tmux send-keys -t "$S" 9 b; wait_for "segment by context column" || fail "b asks"
tmux send-keys -t "$S" -l nosuch; tmux send-keys -t "$S" Enter
wait_for "bins, 2 to 64" || fail "b asks for bins"
tmux send-keys -t "$S" Enter
wait_for "no context column of that name" && pass "Segments: an unknown column is named as such" \
    || { fail "Segments reason"; diag "$(tail -3 "$TMP/screen")"; }
tmux send-keys -t "$S" j; sleep 0.5; screen
grep -q "no context column" "$TMP/screen" && fail "the message outlives the next key" \
    || pass "the next key clears the message and redraws the pane"
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
done_testing
