#!/bin/sh
# t/1514-prompt-question.sh: a prompt's question is clipped only as far as the value
# being typed needs. Before, it was always cut at half the line, so at 80 columns `r`
# asked "interval (bootstrap, t, hoeffding, berns" (the choices bernstein, cs and none
# unreadable) and `x` "export (.csv: this table; .html/.md: rep". And x in the Chart
# view writes a report for a .html/.md name, as Help says. tmux.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
S=ope-pq-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
fits() { LC_ALL=C awk -v w="$1" 'length > w { bad = 1 } END { exit bad }' "$TMP/screen"; }
tmux new-session -d -s "$S" -x 80 -y 24 "cd '$TMP' && LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm NO_COLOR=1 '$OPE' tui; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" || fail "the demo opens"
tmux send-keys -t "$S" 2 r; wait_for "alpha (" || fail "r asks alpha"
tmux send-keys -t "$S" Enter
wait_for "interval (" || fail "r asks the interval"
tail -1 "$TMP/screen" | grep -qF "interval (bootstrap, t, hoeffding, bernstein, cs, none): bootstrap" \
    && pass "r: the interval question lists every method, then the value" \
    || { fail "r: interval question"; diag "$(tail -1 "$TMP/screen")"; }
fits 80 && pass "no line wider than 80" || fail "a line wider than 80"
# A long value still gets the room it needs: the question gives way, to half the line.
tmux send-keys -t "$S" -l "$(printf '%060d' 0)"; sleep 0.5; screen
tail -1 "$TMP/screen" | grep -q '0000000000000000000000000000000000000000$' \
    && pass "a long value keeps the end of what is typed" \
    || { fail "long value"; diag "$(tail -1 "$TMP/screen")"; }
fits 80 && pass "no line wider than 80 with a long value" || fail "a line wider than 80"
tmux send-keys -t "$S" Escape; sleep 0.3
tmux send-keys -t "$S" x; wait_for "export (" || fail "x asks"
tail -1 "$TMP/screen" | grep -qF "export (.csv: this table; .html/.md: report of the session): ope-estimates.csv" \
    && pass "x: the whole question and the suggested name" \
    || { fail "x question"; diag "$(tail -1 "$TMP/screen")"; }
tmux send-keys -t "$S" Escape; sleep 0.3
# In the Chart view x takes a report name too, as Help says of x in every view
# (before: "'r.md': the name must end in .svg, .png or .pdf").
tmux send-keys -t "$S" 3 x; wait_for "write chart to" || fail "Chart: x asks"
tmux send-keys -t "$S" C-u; tmux send-keys -t "$S" -l r.md; tmux send-keys -t "$S" Enter
wait_for "wrote r.md" && pass "Chart: x writes a report given a .md name" \
    || { fail "Chart: x r.md"; diag "$(tail -2 "$TMP/screen")"; }
grep -q '^# Off-policy evaluation report' "$TMP/r.md" 2>/dev/null \
    && pass "r.md is the session's report" || fail "r.md is not a report"
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
done_testing
