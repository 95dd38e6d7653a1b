#!/bin/sh
# t/1543-stream-names-input.sh: of several inputs read in windows, messages name the
# one concerned, not always the first: standard input given second is the one copied
# to $TMPDIR (the warning said the first, a regular file, was "not a regular file"),
# and a second file that changes between passes is the one that changed.
. "$OPE_SRCDIR/t/lib.sh"
plan 5

"$OPE" gen bandit --rows 3000 --actions 3 --seed 4 -q -o "$TMP/log.csv" || exit 1
head -1001 "$TMP/log.csv" > "$TMP/p1.csv"
{ head -1 "$TMP/log.csv"; tail -n +1002 "$TMP/log.csv"; } > "$TMP/p2.csv"

"$OPE" eval "$TMP/p1.csv" - --stream --estimators ipw -f json < "$TMP/p2.csv" \
    > "$TMP/out.json" 2>/dev/null; s=$?
if [ $s -eq 0 ]; then pass "a file then standard input: status 0"
else fail "a file then standard input: status $s"; fi
expect_grep "$TMP/out.json" "standard input can be read only once: it was copied" \
    "the warning names standard input"
if grep -q "p1.csv can be read only once" "$TMP/out.json"; then
    fail "it calls the regular first file not regular"
else pass "not the first file"; fi

# A FIFO first, then p2.csv. The writer opens the FIFO only when ope does, which is
# after ope noted p2.csv's size; it then appends a row to p2.csv before writing the
# FIFO's rows, so the first pass reads p2.csv already grown and the second pass sees
# its size differ from the one noted: p2.csv changed, not the FIFO.
mkfifo "$TMP/fifo" || exit 1
tail -1 "$TMP/p2.csv" > "$TMP/row"
{ cat "$TMP/row" >> "$TMP/p2.csv"; cat "$TMP/p1.csv"; } > "$TMP/fifo" &
"$OPE" eval "$TMP/fifo" "$TMP/p2.csv" --stream --estimators ipw >/dev/null 2>"$TMP/err"; s=$?
wait
if [ $s -eq 65 ]; then pass "a file grown between passes: status 65"
else fail "a file grown between passes: status $s"; diag "$(cat "$TMP/err")"; fi
expect_grep "$TMP/err" "p2.csv: the log changed while it was read (its size or time)" \
    "the message names the file that changed"
done_testing
