#!/bin/sh
# t/0537-tui-wrap.sh: prose in the text views wraps at the terminal's width, at word
# boundaries, instead of being cut at the edge: the view summaries of Help and the
# Learn view's cards at 80x24, and again at the new width after a resize. Tables and
# charts stay clipped. (Before, "propensities, warnings" lost its last word at 80
# columns and q̂ cut its line a cell short.) tmux.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
S=ope-wrap-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
# fits W: no line of the screen is wider than W cells (tmux pads nothing). Counted in
# bytes after dropping combining marks (U+0300-U+036F, the hat of q̂) and turning every
# other UTF-8 character into one byte, so that awk's locale does not matter.
fits() {
    LC_ALL=C sed -e 's/\xcc[\x80-\xbf]//g' -e 's/\xcd[\x80-\xaf]//g' \
        -e 's/[\xc0-\xdf][\x80-\xbf]/X/g' -e 's/[\xe0-\xef][\x80-\xbf][\x80-\xbf]/X/g' "$TMP/screen" |
        LC_ALL=C awk -v w="$1" 'length > w { bad = 1 } END { exit bad }'
}
tmux new-session -d -s "$S" -x 80 -y 24 "cd '$TMP' && LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm NO_COLOR=1 '$OPE' tui; echo EXITED \$?; sleep 30"
wait_for "2 Estima" || fail "the demo opens"
tmux send-keys -t "$S" 7
wait_for "Views (number keys" || fail "Help"
# The Data view's summary (88 characters with its label) ends "propensities, warnings".
grep -q '^  1 Data  *the log: rows, actions, columns and their roles, propensities,$' "$TMP/screen" \
    && grep -q '^                warnings$' "$TMP/screen" \
    && pass "Help: a long summary wraps at a word, continuing under its first word" \
    || { fail "Help: wrap"; diag "$(sed -n 4,8p "$TMP/screen")"; }
grep -q 'SharpeRatio@k' "$TMP/screen" && grep -q 'exact learning curves' "$TMP/screen" \
    && pass "Help: every summary is whole (reflowed, not cut)" || fail "Help: summaries whole"
fits 80 && pass "Help: no line wider than 80" || fail "Help: a line wider than 80"

tmux send-keys -t "$S" 5
wait_for "Direct method (dm)" || fail "Learn"
# dm's failure mode is 80 bytes with its label and 79 cells (q̂ is one): it fits whole.
grep -qF "fails:     biased exactly as much as q̂ is wrong; no weights, so tiny variance" "$TMP/screen" \
    && pass "Learn: a line with q̂ is measured in cells, not bytes" \
    || { fail "Learn: q̂ line"; diag "$(grep fails "$TMP/screen")"; }
tmux resize-window -t "$S" -x 60 -y 24 2>/dev/null || tmux resize-pane -t "$S" -x 60 -y 24
sleep 0.6; screen
grep -q '^  fails:     biased exactly as much as q̂ is wrong; no$' "$TMP/screen" \
    && grep -q '^             weights, so tiny variance$' "$TMP/screen" \
    && pass "Learn: after a resize to 60 columns the card wraps again, under its label" \
    || { fail "Learn: wrap at 60"; diag "$(sed -n 2,10p "$TMP/screen")"; }
fits 60 && pass "Learn: no line wider than 60" || fail "Learn: a line wider than 60"
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
done_testing
