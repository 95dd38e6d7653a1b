#!/bin/sh
# t/1563-inputs-outputs-hostile.sh: what a careless or hostile command line found wrong
# (2026-12-04), each now refused with the documented status and nothing lost:
#   - `ope merge S1 S2 -o S1 --force` replaced a state it was merging, and
#     `ope eval - -o LOG --force < LOG` the log it read on standard input (64 now, the
#     file unchanged);
#   - the same file given twice as a log's inputs (any spelling, standard input twice,
#     or standard input and /dev/stdin) was read twice, every interval sqrt(2) too
#     narrow (64 now, naming both);
#   - with standard input closed, --stream's temporary copy took descriptor 0 and was
#     read back as standard input ("the file is empty", 65): 66 now, as without it;
#   - past the file size limit (ulimit -f) the signal ended the process (153) and left
#     a half-written temporary file: 73 now, naming the limit, nothing left behind;
#   - `ope merge DIRECTORY` said only "read error".
. "$OPE_SRCDIR/t/lib.sh"

"$OPE" gen bandit --rows 3000 --seed 3 -q -o "$TMP/log.csv" || exit 1
head -n 2001 "$TMP/log.csv" > "$TMP/a.csv"
{ head -n 1 "$TMP/log.csv"; tail -n +2002 "$TMP/log.csv"; } > "$TMP/b.csv"
S="--estimators ipw,snipw --ci t -q"
# shellcheck disable=SC2086
"$OPE" eval "$TMP/a.csv" --save-state "$TMP/a.state" $S || exit 1
# shellcheck disable=SC2086
"$OPE" eval "$TMP/b.csv" --save-state "$TMP/b.state" --row-offset 2000 $S || exit 1
cp "$TMP/a.state" "$TMP/a.keep"
cp "$TMP/log.csv" "$TMP/log.keep"

# unchanged FILE KEEP DESC
unchanged() {
    if cmp -s "$1" "$2"; then pass "$3"; else fail "$3"; fi
}

# ---- an output onto an input ---------------------------------------------------------
expect_status 64 "merge -o onto a state it merges: 64" "$OPE" merge "$TMP/a.state" \
    "$TMP/b.state" -o "$TMP/a.state" --force
expect_grep "$TMP/err" "is one of the states to merge" "... saying so"
cd "$TMP" || exit 1
expect_status 64 "... another spelling of it (./a.state): 64" "$OPE" merge a.state \
    "$TMP/b.state" -o ./a.state --force
unchanged "$TMP/a.state" "$TMP/a.keep" "... and the state is unchanged"
# shellcheck disable=SC2086
"$OPE" eval - $S -o "$TMP/log.csv" --force < "$TMP/log.csv" >/dev/null 2>"$TMP/err"
st=$?
[ $st -eq 64 ] && pass "eval - -o LOG < LOG: 64" || fail "eval - -o LOG < LOG: status $st"
expect_grep "$TMP/err" "the output names a file this command reads" "... saying so"
# shellcheck disable=SC2086
"$OPE" eval - $S --stream --save-state "$TMP/log.csv" --force < "$TMP/log.csv" >/dev/null 2>&1
st=$?
[ $st -eq 64 ] && pass "eval - --stream --save-state LOG < LOG: 64" ||
    fail "--save-state onto standard input's file: status $st"
unchanged "$TMP/log.csv" "$TMP/log.keep" "... and the log is unchanged"

# ---- the same input twice ------------------------------------------------------------
same_twice() {
    desc=$1; shift
    "$@" >/dev/null 2>"$TMP/err"; st=$?
    if [ $st -eq 64 ] && grep -q "are the same input: its rows would count twice" "$TMP/err"
    then pass "$desc: 64, naming both"
    else fail "$desc: status $st"; diag "$(head -c 300 "$TMP/err")"; fi
}
# shellcheck disable=SC2086
same_twice "log.csv ./log.csv" "$OPE" eval log.csv ./log.csv $S
# shellcheck disable=SC2086
same_twice "the same, --stream" "$OPE" eval log.csv ./log.csv --stream $S
ln -f log.csv hard.csv
# shellcheck disable=SC2086
same_twice "a hard link of it" "$OPE" eval log.csv hard.csv $S
# shellcheck disable=SC2086
same_twice "standard input twice (- -)" sh -c "exec \"\$0\" eval - - $S < log.csv" "$OPE"
# shellcheck disable=SC2086
same_twice "- and /dev/stdin, from a file" sh -c "exec \"\$0\" eval - /dev/stdin $S < log.csv" \
    "$OPE"
# shellcheck disable=SC2086
same_twice "- and /dev/stdin, from a pipe" sh -c "cat log.csv | \"\$0\" eval - /dev/stdin $S" \
    "$OPE"
# Two files with the same bytes are two inputs (a log may repeat a day's file on purpose).
cp log.csv copy.csv
# shellcheck disable=SC2086
expect_status 0 "a copy of it (another file): read, as two inputs" "$OPE" eval log.csv \
    copy.csv $S

# ---- standard input closed -----------------------------------------------------------
# shellcheck disable=SC2086
"$OPE" eval - $S <&- >/dev/null 2>"$TMP/e1"; s1=$?
# shellcheck disable=SC2086
"$OPE" eval - $S --stream <&- >/dev/null 2>"$TMP/e2"; s2=$?
if [ $s1 -eq 66 ] && [ $s2 -eq 66 ] && grep -q "^ope: -: read error" "$TMP/e2"; then
    pass "standard input closed: 66 in memory and with --stream (a read error)"
else fail "standard input closed: $s1 / $s2"; diag "$(cat "$TMP/e1" "$TMP/e2")"; fi

# ---- the file size limit -------------------------------------------------------------
# (ulimit -f counts blocks of 512 bytes in some shells, of 1024 in others: the message
# must name the limit in bytes, whichever it is.)
mkdir -p "$TMP/lim" && cd "$TMP/lim" || exit 1
fsize() {
    desc=$1; shift
    (ulimit -f 1; exec "$@") >/dev/null 2>"$TMP/err"; st=$?
    left=$(ls -A "$TMP/lim")
    if [ $st -eq 73 ] && [ -z "$left" ] &&
        grep -Eq "the file size limit \(ulimit -f: [0-9]+ bytes\)" "$TMP/err"; then
        pass "$desc past ulimit -f: 73, naming the limit, nothing left"
    else fail "$desc past ulimit -f: status $st, left: $left"; diag "$(head -c 300 "$TMP/err")"
    fi
    rm -f "$TMP/lim/"* "$TMP/lim/".??* 2>/dev/null
}
fsize "eval -o" "$OPE" eval "$TMP/log.csv" --ci t -q -o "$TMP/lim/out.json"
fsize "merge -o" "$OPE" merge "$TMP/a.state" "$TMP/b.state" -o "$TMP/lim/m.json"
# shellcheck disable=SC2086
fsize "eval --save-state" "$OPE" eval "$TMP/a.csv" --save-state "$TMP/lim/u.state" $S
fsize "gen -o" "$OPE" gen bandit --rows 1000 -q -o "$TMP/lim/g.csv"
cd "$TMP" || exit 1
# The copy of standard input names the limit too (it said "8 bytes written").
(ulimit -f 100; cat log.csv | "$OPE" eval - --stream --ci t -q) >/dev/null 2>"$TMP/err"
st=$?
[ $st -eq 73 ] && grep -Eq "would pass the file size limit \(ulimit -f: [0-9]+ bytes\)" "$TMP/err" &&
    pass "standard input's copy past ulimit -f: 73, naming the limit" ||
    { fail "standard input's copy past ulimit -f: status $st"; diag "$(cat "$TMP/err")"; }

# ---- a directory given as a state ----------------------------------------------------
mkdir -p "$TMP/d"
expect_status 66 "merge DIRECTORY: 66" "$OPE" merge "$TMP/d" "$TMP/b.state"
expect_grep "$TMP/err" "d: a directory, not a state file; give the file ope eval --save-state wrote" \
    "... saying what to give"
done_testing
