#!/bin/sh
# t/1547-stream-bins.sh: --bins K without --by is a usage error read whole (64, "give
# --by COLUMN too"); read in windows (--stream, past --memory-limit) it was silently
# ignored (status 0). Now the same refusal and message.
. "$OPE_SRCDIR/t/lib.sh"
plan 4

"$OPE" gen bandit --rows 3000 --actions 3 --seed 4 -q -o "$TMP/log.csv" || exit 1
"$OPE" eval "$TMP/log.csv" --bins 4 >/dev/null 2>"$TMP/e1"; s1=$?
"$OPE" eval "$TMP/log.csv" --bins 4 --stream >/dev/null 2>"$TMP/e2"; s2=$?
if [ $s1 -eq 64 ] && [ $s2 -eq 64 ] && cmp -s "$TMP/e1" "$TMP/e2"; then
    pass "eval --bins without --by, --stream: 64 and the same message"
else fail "eval --bins: status $s1 / $s2"; diag "$(cat "$TMP/e1" "$TMP/e2")"; fi
expect_grep "$TMP/e2" "--bins 4: give --by COLUMN too" "it says what is missing"
expect_status 64 "past --memory-limit: 64" \
    "$OPE" eval "$TMP/log.csv" --bins 4 --memory-limit 1K
"$OPE" select "$TMP/log.csv" --bins 4 >/dev/null 2>"$TMP/e1"; s1=$?
"$OPE" select "$TMP/log.csv" --bins 4 --stream >/dev/null 2>"$TMP/e2"; s2=$?
if [ $s1 -eq $s2 ] && cmp -s "$TMP/e1" "$TMP/e2"; then
    pass "select: the same status ($s1) and message streamed"
else fail "select --bins: status $s1 / $s2"; diag "$(cat "$TMP/e1" "$TMP/e2")"; fi
done_testing
