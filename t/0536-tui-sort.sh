#!/bin/sh
# t/0536-tui-sort.sh: `s` in the Estimates view numbers the column headers while it
# asks for a column ("3 value"), and the sort it sets stays when r re-runs the
# evaluation with new settings (it used to fall back to the input order). tmux.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
$OPE gen bandit --rows 2000 --seed 4 -o "$TMP/log.csv" 2>/dev/null
S=ope-sort-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
# sorted_by_value DIR: the value column (3rd field) of the table's rows (rows 4 on of
# the screen whose value and lower bound are numbers: not the status line) is in order
# DIR (desc or asc); needs 3 rows.
# A capture can fall between the header's redraw and the rows' (slow sanitizer builds):
# look again for up to 5 s before judging.
sorted_soon() {
    i=0
    while ! sorted_by_value "$1" && [ $i -lt 25 ]; do sleep 0.2; screen; i=$((i + 1)); done
    sorted_by_value "$1"
}
sorted_by_value() {
    awk -v dir="$1" 'NR >= 4 && $3 ~ /^-?[0-9.]+(e[-+][0-9]+)?$/ && $4 ~ /^-?[0-9.]+(e[-+][0-9]+)?$/ {
        v = $3 + 0; n++
        if (n > 1 && ((dir == "desc" && v > prev) || (dir == "asc" && v < prev))) bad = 1
        prev = v } END { exit bad || n < 3 }' "$TMP/screen"
}
tmux new-session -d -s "$S" -x 130 -y 40 "cd '$TMP' && TERM=xterm NO_COLOR=1 '$OPE' tui log.csv --seed 1; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" || fail "the evaluation finishes"
tmux send-keys -t "$S" 2 s
wait_for "sort by column (1-10" && pass "s asks for a column" || fail "s asks"
row3=$(sed -n 3p "$TMP/screen")
echo "$row3" | grep -q '^1 policy  *2 estimator  *3 value  *4 lower' && echo "$row3" | grep -q '10 mean w' \
    && pass "while it asks, the headers carry their numbers" || { fail "numbered headers"; diag "$row3"; }
tmux send-keys -t "$S" 3 Enter
wait_for "valuev" && pass "3 sorts by value (arrow in the header)" || fail "s 3"
sed -n 3p "$TMP/screen" | grep -q '3 value' && fail "the numbers stay after the prompt" \
    || pass "the numbers go with the prompt"
sorted_soon desc && pass "the rows are in decreasing value" || { fail "sorted"; diag "$(sed -n 3,12p "$TMP/screen")"; }

# r: alpha and interval kept (Enter), B = 200 and seed 5 typed over the pre-filled values.
tmux send-keys -t "$S" r; sleep 0.3
tmux send-keys -t "$S" Enter; sleep 0.3
tmux send-keys -t "$S" Enter; sleep 0.3
tmux send-keys -t "$S" 200 Enter; sleep 0.3
tmux send-keys -t "$S" 5 Enter
wait_for "evaluation finished" && tmux send-keys -t "$S" j
wait_for "B=200 seed=5" && pass "r re-ran with B = 200, seed 5" || { fail "the re-run"; diag "$(tail -n 1 "$TMP/screen")"; }
grep -q "valuev" "$TMP/screen" && pass "after the re-run the header still shows the sort" \
    || { fail "the sort is lost after r"; diag "$(sed -n 3p "$TMP/screen")"; }
sorted_soon desc && pass "after the re-run the rows are still in decreasing value" \
    || { fail "order after r"; diag "$(sed -n 3,12p "$TMP/screen")"; }
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
done_testing
