#!/bin/sh
# t/1510-prompt-utf8.sh: the workbench's prompts edit whole UTF-8 characters. Before,
# Backspace took one byte, so "é", Backspace, "2" left a lone lead byte: the column
# picker answered "'\xc32' is not a column"; and a long UTF-8 line filled the buffer
# up to half a character, shown as \xc3 at its end. tmux.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
S=ope-utf8-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
tmux new-session -d -s "$S" -x 80 -y 24 "cd '$TMP' && LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm NO_COLOR=1 '$OPE' tui; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" || fail "the demo opens"
tmux send-keys -t "$S" 2 C
wait_for "columns (1-10" || fail "C asks"
# é is two bytes (c3 a9): one Backspace must take both, leaving "2": column 2 alone.
tmux send-keys -t "$S" C-u; tmux send-keys -t "$S" -l "é"; tmux send-keys -t "$S" BSpace
tmux send-keys -t "$S" -l 2; tmux send-keys -t "$S" Enter
wait_for "columns shown" \
    && grep -qF "1 of 10 columns shown" "$TMP/screen" \
    && pass "Backspace deletes a whole UTF-8 character" \
    || { fail "Backspace after é"; diag "$(tail -1 "$TMP/screen")"; }
# 200 é (400 bytes) into a 128-byte buffer: it keeps 63 whole ones, never half of one.
tmux send-keys -t "$S" C; wait_for "columns (1-10" || fail "C asks again"
tmux send-keys -t "$S" C-u
tmux send-keys -t "$S" -l "$(i=0; while [ $i -lt 200 ]; do printf 'é'; i=$((i + 1)); done)"
sleep 0.5; screen
grep -qF 'xc3' "$TMP/screen" \
    && { fail "the prompt shows half a character"; diag "$(tail -1 "$TMP/screen")"; } \
    || pass "a full prompt holds whole characters only"
tmux send-keys -t "$S" Enter; wait_for " 'éééé" || fail "the long line is refused"
grep -qF 'xc3' "$TMP/screen" && fail "the refusal names half a character" \
    || pass "the refusal quotes whole characters"
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
done_testing
