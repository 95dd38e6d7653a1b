#!/bin/sh
# t/1541-stream-tmpdir.sh: standard input read with --stream is copied to $TMPDIR; when
# that cannot be done the message names "standard input" (it said "to read - again"),
# the status is 73 (cannot create), and -o writes nothing.
. "$OPE_SRCDIR/t/lib.sh"
plan 6

"$OPE" gen bandit --rows 3000 --actions 3 --seed 4 -q -o "$TMP/log.csv" || exit 1

TMPDIR="$TMP/missing" "$OPE" eval - --stream -o "$TMP/out.json" \
    < "$TMP/log.csv" >/dev/null 2>"$TMP/err"; s=$?
if [ $s -eq 73 ]; then pass "a missing TMPDIR: status 73"
else fail "a missing TMPDIR: status $s"; diag "$(cat "$TMP/err")"; fi
expect_grep "$TMP/err" "cannot create a temporary file to read standard input again" \
    "the message names standard input"
expect_grep "$TMP/err" "set TMPDIR to a writable directory" "and says what to do"
if [ -e "$TMP/out.json" ]; then fail "-o was written"; else pass "-o was not written"; fi

# TMPDIR naming a regular file: the same, and the file is untouched.
printf 'keep\n' > "$TMP/afile"
expect_status 73 "TMPDIR a regular file: status 73" \
    env TMPDIR="$TMP/afile" "$OPE" eval - --stream < "$TMP/log.csv"
if [ "$(cat "$TMP/afile")" = keep ]; then pass "the file is untouched"
else fail "the file was changed"; fi
done_testing
