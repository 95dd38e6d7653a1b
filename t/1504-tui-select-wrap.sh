#!/bin/sh
# t/1504-tui-select-wrap.sh: issue 19 review: the Selection view's explanation (what
# P(best) needs, what the safe choice is, what SharpeRatio@k uses) is prose: at 80x24
# it wraps above the table instead of being cut at the right edge after "safe", which
# left a new user without the meaning of the "safe choice" column. And the Segments
# view's bins prompt fits the half line a prompt keeps at 80 columns (it was cut to
# "bins of a numeric column (2 to 64; empty", losing what empty means). tmux.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
plan 6
S=ope-selwrap-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
"$OPE" gen bandit --rows 2000 --seed 7 -o "$TMP/log.csv" >/dev/null 2>&1 || fail "gen"
tmux new-session -d -s "$S" -x 80 -y 24 "cd '$TMP' && LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm NO_COLOR=1 '$OPE' tui log.csv --estimators ipw,dr --n-boot 100; echo EXITED \$?; sleep 30"
wait_for "2 Estima" || fail "the workbench opens"
tmux send-keys -t "$S" 4
wait_for "chosen policy" && pass "Selection view" || fail "Selection view"
tr '\n' ' ' < "$TMP/screen" | tr -s ' ' > "$TMP/flat"
expect_grep "$TMP/flat" "safe choice: the largest lower bound." "the safe choice is explained whole"
expect_grep "$TMP/flat" "SharpeRatio@k uses J(pi_b) = the log's on-policy value" \
    "and SharpeRatio@k's baseline"
# The table is still there under the prose, its rows whole at the left.
grep -q '^dr  *greedy' "$TMP/screen" && pass "the table follows" \
    || { fail "the table follows"; diag "$(cat "$TMP/screen")"; }
tmux send-keys -t "$S" 9
wait_for "Press b" || fail "Segments view"
tmux send-keys -t "$S" b
wait_for "segment by context column" && pass "the column prompt" || fail "the column prompt"
tmux send-keys -t "$S" C-u x0 Enter
wait_for "bins, 2 to 64 (empty: categorical):" && pass "the bins prompt, whole" \
    || { fail "the bins prompt, whole"; diag "$(tail -3 "$TMP/screen")"; }
tmux send-keys -t "$S" Escape
tmux send-keys -t "$S" q
done_testing
