#!/bin/sh
# t/0535-tui-load.sh: `ope tui BIG.csv` comes up at once with a loading frame (the
# log's name and size, a bar of the bytes read) while the log loads on a worker, and
# Ctrl-C during the load ends with status 130 and the terminal restored. Driven
# through tmux. Before, the terminal stayed blank until the load had finished.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
# A big log made quickly: a generated log's rows repeated (the same rows 60 times is
# still a valid log: 120,000 rows, about 30 MB). One estimator and no intervals keep
# the evaluation after the load short (a sanitizer build is slow).
$OPE gen bandit --rows 2000 --seed 4 -o "$TMP/small.csv" 2>/dev/null
awk 'NR == 1 { print; next } { row[NR] = $0 } END { for (k = 0; k < 60; k++) for (i = 2; i <= NR; i++) print row[i] }' \
    "$TMP/small.csv" > "$TMP/big.csv"
S=ope-load-$$
screen() { tmux capture-pane -p -t "$S" > "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 30 s
    i=0
    while [ $i -lt 150 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
seen_fast() {  # seen_fast TEXT: poll every 20 ms, up to ~10 s
    i=0
    while [ $i -lt 500 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.02; i=$((i + 1)); done
    return 1
}
# OPE_TEST_READ_SLEEP_MS (datasets/csv.h) pauses 100 ms after each 1 MB read, so the
# frame stays up about 3 s however fast this machine reads: a fast load once came and
# went between two looks.
tmux new-session -d -s "$S" -x 80 -y 24 "cd '$TMP' && OPE_TEST_READ_SLEEP_MS=100 TERM=xterm '$OPE' tui big.csv -e ipw --ci none; echo EXITED \$?; sleep 30"
seen_fast "MB read" && pass "the loading frame shows the bytes read" \
    || { fail "no loading frame"; diag "$(cat "$TMP/screen")"; }
size=$(awk '/ope: loading big.csv \(/ { print }' "$TMP/screen")
[ -n "$size" ] && pass "it names the log and its size" || { fail "the log's name and size"; diag "$(cat "$TMP/screen")"; }
grep -q '\[[#.]*\] *[0-9]*%' "$TMP/screen" && pass "a bar of the fraction read" || fail "a bar"
awk 'length > 80 { bad = 1 } END { exit bad }' "$TMP/screen" && pass "the frame fits 80 columns" || fail "frame wider than 80"
wait_for "evaluation finished" && pass "the workbench follows with the estimates" || fail "no estimates after the load"
expect_grep "$TMP/screen" "120000 rows" "the whole log was loaded"
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"

# Ctrl-C during the load. The log comes through a FIFO, slowly, so that the load is
# surely under way when the signal arrives (a pipe's size is unknown: no bar then).
mkfifo "$TMP/slow.csv"
S2=ope-int-$$
tmux new-session -d -s "$S2" -x 80 -y 24 "cd '$TMP' && stty -g > stty.before; TERM=xterm '$OPE' tui slow.csv 2> err; echo EXITED \$? > status; stty -g > stty.after; sleep 30"
( awk 'NR % 2000 == 0 { system("sleep 0.1") } { print }' "$TMP/big.csv" > "$TMP/slow.csv" ) 2>/dev/null &
writer=$!
S=$S2
seen_fast "MB read" && pass "a pipe: the loading frame shows the bytes read" \
    || { fail "a pipe: no loading frame"; diag "$(cat "$TMP/screen")"; }
grep -qF "ope: loading slow.csv..." "$TMP/screen" && pass "a pipe: no size" || fail "a pipe: the title"
tmux send-keys -t "$S2" C-c
i=0; while [ ! -s "$TMP/status" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_grep "$TMP/status" "EXITED 130" "Ctrl-C during the load ends with status 130"
i=0; while [ ! -s "$TMP/stty.after" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
cmp -s "$TMP/stty.before" "$TMP/stty.after" && pass "terminal settings restored" \
    || fail "terminal settings differ after Ctrl-C"
expect_grep "$TMP/err" "ope: interrupted" "it says it was interrupted"
kill "$writer" 2>/dev/null

# A load that fails (no such file) ends the workbench with the status and message of
# ope eval, printed once the terminal is restored.
S3=ope-bad-$$
tmux new-session -d -s "$S3" -x 80 -y 24 "cd '$TMP' && TERM=xterm '$OPE' tui missing.csv 2> err3; echo EXITED \$? > status3; sleep 30"
i=0; while [ ! -s "$TMP/status3" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_grep "$TMP/status3" "EXITED 66" "a missing log ends with status 66"
expect_grep "$TMP/err3" "missing.csv: cannot open" "and says why"
done_testing
