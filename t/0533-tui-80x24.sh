#!/bin/sh
# t/0533-tui-80x24.sh: the workbench in the smallest usual terminal, 80x24, through
# tmux: the tab bar stays on one row, the status bar keeps "?: help  q: quit", the
# Estimates header is not overwritten, h/l scroll the table to its last column, the
# charts of Train and Explore are drawn again at the new width after a resize from
# 120 columns, and prompts take Ctrl-U and replace a pre-filled value.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
$OPE gen bandit --rows 2000 --seed 4 -o "$TMP/log.csv" 2>/dev/null
S=ope-small-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
row() { sed -n "$1p" "$TMP/screen"; }
tmux new-session -d -s "$S" -x 80 -y 24 "cd '$TMP' && TERM=xterm NO_COLOR=1 '$OPE' tui log.csv --seed 1; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" || fail "the evaluation finishes"

# The tab bar: before, " ope  1 Data ... 8 T" was cut and "rain" wrapped onto row 2.
for v in 2 6 8; do
    tmux send-keys -t "$S" $v; sleep 0.4; screen
    if row 1 | grep -q ' 1 ' && row 1 | grep -q ' 8 ' && ! row 2 | grep -q '^rain'; then
        pass "view $v: the tab bar names views 1 to 8 on one row"
    else fail "view $v: the tab bar"; diag "$(row 1)" "$(row 2)"; fi
    row 24 | grep -q '?: help  q: quit *$' && pass "view $v: the status bar shows ?: help  q: quit" \
        || { fail "view $v: the status bar"; diag "$(row 24)"; }
done

# Estimates: its first row is the settings line (the generated log's 2000 rows), the
# second the table's header; nothing overflowing from row 1 lands on them.
tmux send-keys -t "$S" 2; sleep 0.4; screen
row 2 | grep -q '^2000 rows, bootstrap interval' && row 3 | grep -q '^policy  *estimator  ' \
    && pass "the Estimates header is intact" || { fail "the Estimates header"; diag "$(row 2)" "$(row 3)"; }
row 3 | grep -q 'mean w' && fail "80 columns hide the last columns (the test needs them hidden)" \
    || pass "80 columns hide the last columns"
# l scrolls the columns after policy and estimator; the last one, mean w, comes into view.
tmux send-keys -t "$S" l l l l l; sleep 0.4; screen
row 3 | grep -q '^policy  *estimator' && row 3 | grep -q 'ESS' && row 3 | grep -q 'mean w' \
    && pass "l scrolls the table to ESS, max w and mean w, policy and estimator stay" \
    || { fail "horizontal scrolling"; diag "$(row 3)"; }
tmux send-keys -t "$S" h h h h h; sleep 0.4; screen
row 3 | grep -q 'value' && ! row 3 | grep -q 'mean w' && pass "h scrolls back" \
    || { fail "h scrolls back"; diag "$(row 3)"; }

# Prompts: the first printable key replaces the pre-filled name; Ctrl-U clears.
tmux send-keys -t "$S" x; sleep 0.3; tmux send-keys -t "$S" mine.csv Enter
wait_for "wrote mine.csv" && pass "typing replaces a pre-filled value" \
    || { fail "typing replaces a pre-filled value"; diag "$(row 24)"; }
tmux send-keys -t "$S" x; sleep 0.3; tmux send-keys -t "$S" BSpace BSpace BSpace BSpace txt; sleep 0.2
tmux send-keys -t "$S" C-u; sleep 0.2; tmux send-keys -t "$S" two.csv Enter
wait_for "wrote two.csv" && pass "Ctrl-U clears the prompt" || { fail "Ctrl-U clears the prompt"; diag "$(row 24)"; }
[ ! -e "$TMP/ope-estimates.txttwo.csv" ] && [ -s "$TMP/mine.csv" ] && pass "no appended names" \
    || fail "no appended names"

# Resize 120 -> 80: a chart drawn at 120 columns is drawn again at 80. The dumb
# terminal's x axis is "+-----...-----+"; cut at 80 columns it would end in '-'.
axis_ends() {   # the last x-axis line of the screen ends with '+' within the width
    awk -v w="$1" '/^ *[-0-9.e+]* *\+-+/ { l = $0 } END { sub(/ +$/, "", l); exit !(l ~ /\+$/ && length(l) <= w) }' "$TMP/screen"
}
tmux resize-window -t "$S" -x 120 -y 40 2>/dev/null || tmux resize-pane -t "$S" -x 120 -y 40
sleep 0.5
tmux send-keys -t "$S" 8 Enter
wait_for "environment steps" && axis_ends 120 && pass "Train: the chart at 120 columns" || fail "Train: the chart at 120 columns"
tmux send-keys -t "$S" 6 Enter
wait_for "Cumulative regret"; tmux send-keys -t "$S" G; sleep 0.5; screen
axis_ends 120 && pass "Explore: the chart at 120 columns" || fail "Explore: the chart at 120 columns"
tmux resize-window -t "$S" -x 80 -y 24 2>/dev/null || tmux resize-pane -t "$S" -x 80 -y 24
sleep 1; tmux send-keys -t "$S" G; sleep 1; screen
axis_ends 80 && pass "Explore: the chart is drawn again at 80 columns" \
    || { fail "Explore: the chart after the resize"; diag "$(cat "$TMP/screen")"; }
tmux send-keys -t "$S" 8; sleep 1; tmux send-keys -t "$S" G; sleep 1; screen
axis_ends 80 && pass "Train: the chart is drawn again at 80 columns" \
    || { fail "Train: the chart after the resize"; diag "$(cat "$TMP/screen")"; }
row 1 | grep -q ' 8 ' && pass "after the resize the tab bar fits again" || fail "tab bar after resize"

tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
tmux kill-session -t "$S" 2>/dev/null
done_testing
