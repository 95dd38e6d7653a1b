#!/bin/sh
# t/0542-tui-segments.sh: the workbench's Segments view (9) at 80x24: without --by it
# says how to get segments; b asks for a column and bins and re-runs, an unknown
# column is refused on the status line without a run; `ope tui LOG --by` opens with
# the segments; the header names the method and nothing is wider than 80. tmux.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
$OPE gen bandit --rows 2000 --seed 4 -q -o "$TMP/log.csv"
S=ope-seg-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
fits() {    # no line wider than $1 (the screen is ASCII here)
    LC_ALL=C awk -v w="$1" 'length > w { bad = 1 } END { exit bad }' "$TMP/screen"
}
tmux new-session -d -s "$S" -x 80 -y 24 "cd '$TMP' && LANG=C.UTF-8 TERM=xterm NO_COLOR=1 '$OPE' tui log.csv --estimators ipw,dr --n-boot 100; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" || fail "the evaluation finishes"
tmux send-keys -t "$S" 9
wait_for "No segments. Press b" && pass "9: the Segments view says how to get segments" ||
    { fail "9: Segments view"; diag "$(cat "$TMP/screen")"; }
expect_grep "$TMP/screen" "9 Segments" "the tab bar names the current view in full"
fits 80 && pass "no line wider than 80" || fail "a line wider than 80"

tmux send-keys -t "$S" b C-u nosuch Enter Enter
wait_for "--by nosuch: no context column of that name" &&
    pass "b: an unknown column is refused on the status line" ||
    { fail "b: unknown column"; diag "$(tail -n 1 "$TMP/screen")"; }
tmux send-keys -t "$S" b C-u x1 Enter C-u 3 Enter
wait_for "by x1: 3 segments, 0.95 simultaneous (max-t bootstrap)" &&
    pass "b: x1 in 3 bins re-runs and shows the segments" ||
    { fail "b: x1 3 bins"; diag "$(cat "$TMP/screen")"; }
grep -q '^\[.*greedy *ipw *66[67] ' "$TMP/screen" &&
    pass "a row: the bin, the policy, the estimator, its rows (2000 / 3)" ||
    { fail "a segment row"; diag "$(sed -n 3,6p "$TMP/screen")"; }
fits 80 && pass "with segments: no line wider than 80" || fail "segments: a line wider than 80"
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
tmux kill-session -t "$S" 2>/dev/null

tmux new-session -d -s "$S" -x 80 -y 24 "cd '$TMP' && LANG=C.UTF-8 TERM=xterm NO_COLOR=1 '$OPE' tui log.csv --estimators ipw --n-boot 100 --by x0 --bins 2 --ci t; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" || fail "the evaluation with --by finishes"
tmux send-keys -t "$S" 9
wait_for "by x0: 2 segments, 0.95 simultaneous (bonferroni t)" &&
    pass "ope tui --by opens with the segments, Bonferroni with --ci t" ||
    { fail "tui --by"; diag "$(cat "$TMP/screen")"; }
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits" || fail "q quits"
done_testing
