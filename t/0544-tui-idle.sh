#!/bin/sh
# t/0544-tui-idle.sh: the workbench draws only when something changed. Idle, it draws
# nothing (it used to draw the whole screen every 100 ms); a key or a resize draws one
# frame; while an experiment runs, only the status line with its progress bar is drawn
# again. OPE_TUI_FRAMES=FILE makes the workbench keep the counts of whole frames and
# of status lines alone in FILE (the screen cannot tell: ncurses sends a terminal only
# what changed). tmux.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
$OPE gen bandit --rows 2000 --seed 4 -o "$TMP/log.csv" 2>/dev/null
S=ope-idle-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
frames() { awk '$1 == "frames" { print $2 }' "$TMP/frames" 2>/dev/null; }
status() { awk '$1 == "status" { print $2 }' "$TMP/frames" 2>/dev/null; }
tmux new-session -d -s "$S" -x 80 -y 24 "cd '$TMP' && OPE_TUI_FRAMES='$TMP/frames' TERM=xterm NO_COLOR=1 '$OPE' tui log.csv --seed 1; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" || fail "the evaluation finishes"
sleep 0.5
f1=$(frames); s1=$(status)
[ -n "$f1" ] && [ "$f1" -ge 1 ] && pass "OPE_TUI_FRAMES counts the frames drawn ($f1 so far)" \
    || fail "no frame count in OPE_TUI_FRAMES's file"
# 2 s idle: at one frame per 100 ms pass, the old loop drew about 20 frames here.
tmux pipe-pane -t "$S" -o "cat >> '$TMP/bytes'"
sleep 2
tmux pipe-pane -t "$S"
f2=$(frames); s2=$(status)
[ "$f2" = "$f1" ] && [ "$s2" = "$s1" ] && pass "idle for 2 s: no frame and no status line drawn" \
    || { fail "idle for 2 s: drew $((f2 - f1)) frames, $((s2 - s1)) status lines"; }
n=$(wc -c < "$TMP/bytes" 2>/dev/null || echo 0)
[ "$n" -eq 0 ] && pass "idle for 2 s: no byte sent to the terminal" || fail "idle: $n bytes sent"

# One key, one frame (j moves the Estimates cursor); more keys, as many frames at most.
tmux send-keys -t "$S" j; sleep 0.5
f3=$(frames)
[ "$f3" -eq $((f2 + 1)) ] && pass "a key draws one frame" || fail "a key drew $((f3 - f2)) frames"
tmux send-keys -t "$S" j k j; sleep 0.5
f4=$(frames)
[ "$f4" -gt "$f3" ] && [ "$f4" -le $((f3 + 3)) ] && pass "three keys draw one to three frames" \
    || fail "three keys drew $((f4 - f3)) frames"

# A resize is a change: the screen is drawn again at the new size.
tmux resize-window -t "$S" -x 100 -y 30 2>/dev/null || tmux resize-pane -t "$S" -x 100 -y 30
sleep 0.5
f5=$(frames)
[ "$f5" -gt "$f4" ] && pass "a resize draws a frame" || fail "a resize drew nothing"

# An experiment (Explore, 6 then Enter): while it runs the status line shows its
# progress, drawn on its own; the whole screen only for the keys and the result.
tmux send-keys -t "$S" 6; sleep 0.5
f6=$(frames); s6=$(status)
t0=$(date +%s%N)
tmux send-keys -t "$S" Enter
wait_for "constraint (1 - 0.1) V^b" || fail "Explore: the result arrives"
ms=$((($(date +%s%N) - t0) / 1000000))
sleep 0.5
f7=$(frames); s7=$(status)
# The loop polls every 100 ms: a run seen to take 600 ms or more (this one: ~$ms ms,
# the polling here adding up to 250) has its status line drawn at least once alone.
if [ "$s7" -gt "$s6" ]; then pass "a running experiment draws its status line alone ($((s7 - s6)) draws in ~$ms ms)"
elif [ "$ms" -lt 600 ]; then skip "the experiment took only ~$ms ms"
else fail "no status line drawn while the experiment ran (~$ms ms)"; fi
# Enter, the result, and at most a few status messages: never one frame per poll.
[ $((f7 - f6)) -le 4 ] && pass "... and the whole screen only $((f7 - f6)) times" \
    || fail "the whole screen was drawn $((f7 - f6)) times while $((s7 - s6)) status lines were"
sleep 1
[ "$(frames)" = "$f7" ] && [ "$(status)" = "$s7" ] && pass "idle again after the experiment: nothing drawn" \
    || fail "drawing goes on after the experiment"
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
done_testing
