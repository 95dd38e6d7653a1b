#!/bin/sh
# t/0501-gen-write.sh: `ope gen bandit` formats its rows on several threads (the
# number formatting is nearly all of its time) and writes them in order, so the file
# is the same bytes whatever the number of threads; a long write shows a bar on a
# terminal and Ctrl-C during it ends with status 130 and leaves no file, temporary
# or final. 70,000 rows cross the writer's 65,536-row batch and its 4,096-row tasks.
. "$OPE_SRCDIR/t/lib.sh"

for t in 1 2 3; do
    OPE_THREADS=$t $OPE gen bandit --rows 70000 --actions 3 --contexts 2 --seed 9 -q \
        -o "$TMP/t$t.csv" 2>"$TMP/err$t" || fail "gen with $t thread(s)"
done
[ "$(wc -l < "$TMP/t1.csv")" -eq 70001 ] && pass "70,000 rows and a header" || fail "row count"
cmp -s "$TMP/t1.csv" "$TMP/t2.csv" && cmp -s "$TMP/t1.csv" "$TMP/t3.csv" \
    && pass "1, 2 and 3 threads write the same bytes" || fail "bytes depend on the threads"
# The rows are in generation order: row i of the 70,000-row log is row i of a
# 5,000-row log of the same seed (the generator draws row by row).
$OPE gen bandit --rows 5000 --actions 3 --contexts 2 --seed 9 -q -o "$TMP/short.csv"
head -n 5001 "$TMP/t2.csv" | cmp -s - "$TMP/short.csv" \
    && pass "the first 5,000 rows are the 5,000-row log's" || fail "rows out of order"

# Ctrl-C once the write has begun (its temporary file exists): status 130, nothing left.
mkdir "$TMP/out"
$OPE gen bandit --rows 2000000 --actions 3 --contexts 1 --policies greedy -q -o "$TMP/out/big.csv" 2>"$TMP/int.err" &
pid=$!
i=0
while [ $i -lt 600 ] && ! ls -A "$TMP/out" | grep -q .; do sleep 0.05; i=$((i + 1)); done
if ls -A "$TMP/out" | grep -q '^\.big\.csv\.ope-'; then
    kill -INT $pid; wait $pid; st=$?
    [ "$st" -eq 130 ] && pass "Ctrl-C while writing: status 130" || { fail "Ctrl-C: status $st"; diag "$(cat "$TMP/int.err")"; }
    grep -q "interrupted\|cancelled" "$TMP/int.err" && pass "... and it says so" || fail "no message"
    [ -z "$(ls -A "$TMP/out")" ] && pass "... and leaves no file" || { fail "files left"; diag "$(ls -A "$TMP/out")"; }
else
    kill $pid 2>/dev/null; wait $pid
    fail "the write never began"
fi

# The bar, on a terminal (tmux): "writing [###...]".
if command -v tmux >/dev/null 2>&1; then
    S=ope-genbar-$$
    tmux new-session -d -s "$S" -x 80 -y 24 "cd '$TMP' && '$OPE' gen bandit --rows 1000000 --actions 3 --contexts 1 --policies greedy -o bar.csv; echo EXITED \$?; sleep 30"
    seen=0; i=0
    while [ $i -lt 600 ]; do
        tmux capture-pane -p -t "$S" > "$TMP/screen"
        grep -q 'writing.*\[[#.]*\] *[0-9]*%' "$TMP/screen" && { seen=1; break; }
        grep -q EXITED "$TMP/screen" && break
        sleep 0.05; i=$((i + 1))
    done
    [ $seen -eq 1 ] && pass "a terminal shows the writing bar" || { fail "no bar"; diag "$(cat "$TMP/screen")"; }
    i=0; while [ $i -lt 600 ] && ! grep -q EXITED "$TMP/screen"; do sleep 0.1; tmux capture-pane -p -t "$S" > "$TMP/screen"; i=$((i + 1)); done
    grep -q "EXITED 0" "$TMP/screen" && pass "... and the command ends with status 0" || fail "gen under tmux"
    grep -q 'writing.*\[' "$TMP/screen" && fail "the bar is left on the screen" || pass "... with the bar cleared"
else
    skip "tmux is not installed"; skip "tmux"; skip "tmux"
fi
done_testing
