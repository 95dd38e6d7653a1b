#!/bin/sh
# t/1430-audit-ingest.sh: silent wrong answers the hostile audit found (issue 20,
# items 1-6): a failed read taken for the end of ingest's input, a trajectory log on
# standard input evaluated as a bandit log, ingest writing rows the loaders refuse,
# -o replacing the input being read, gen mdp --policy-dir leaving files, and a line
# with no end eating the memory. Each checks the status, the message, and that
# nothing is left behind.
. "$OPE_SRCDIR/t/lib.sh"
plan 33
re='item=(?<action>\S+) click=(?<reward>\S+) p=(?<pscore>\S+)'
# nothing_left DIR DESC: DIR holds nothing but the files named after DESC.
nothing_left() {
    dir=$1; desc=$2; shift 2
    extra=$(cd "$dir" && ls -A | grep -vxF "$(printf '%s\n' "$@")")
    [ -z "$extra" ] && pass "$desc" || { fail "$desc"; diag "left: $extra"; }
}

# 1. A read that fails is an error, not the end: a directory opens but every read
# fails (EISDIR). 66, the reason, and no output file.
mkdir "$TMP/i1" "$TMP/i1/dir"
expect_status 66 "ingest: a failed read is exit 66" \
    "$OPE" ingest --regex "$re" "$TMP/i1/dir" -o "$TMP/i1/out.csv"
expect_grep "$TMP/err" "read error: Is a directory" "and says why"
nothing_left "$TMP/i1" "and leaves no output behind" dir
# Running out of memory while reading (getline's ENOMEM was taken for the end: exit
# 0, "5 rows from 5 lines"): a 60 MB line under a 60 MB address-space limit. Where
# ope cannot even start under that limit the check is skipped; exit 0 always fails.
{ printf 'item=1 click=1 p=0.5\n'; head -c 60000000 /dev/zero | tr '\0' a
  printf '\nitem=1 click=1 p=0.5\n'; } > "$TMP/i1/big.log"
(ulimit -v 60000; exec "$OPE" ingest --regex "$re" "$TMP/i1/big.log") >"$TMP/out" 2>"$TMP/err"
got=$?
if [ $got -eq 0 ]; then fail "ingest out of memory while reading: exit 0"
elif [ $got -eq 70 ] && grep -qF "big.log:2: read error: Cannot allocate memory" "$TMP/err"; then
    pass "ingest out of memory while reading: exit 70 naming the line"
else skip "ope did not reach the read under a 60 MB limit (exit $got)"; fi
rm -f "$TMP/i1/big.log"

# 2. A trajectory log on standard input is a trajectory log: redirected, the result
# is the one of the same file by path (the name aside), and so it is on a pipe (the
# input is opened and read once: its header says the kind).
$OPE gen mdp riverswim --episodes 20 --seed 3 -q -o "$TMP/rs.csv"
"$OPE" eval "$TMP/rs.csv" --n-boot 50 --policy mix56 2>/dev/null | sed "s|$TMP/rs.csv|-|" > "$TMP/bypath"
expect_status 0 "eval - < trajectory log" "$OPE" eval - --n-boot 50 --policy mix56 < "$TMP/rs.csv"
cmp -s "$TMP/out" "$TMP/bypath" && pass "gives what the same file by path gives" ||
    { fail "eval - differs from eval FILE"; diag "$(diff "$TMP/out" "$TMP/bypath" | head)"; }
expect_grep "$TMP/out" "trajectories log" "and says it is a trajectory log"
cat "$TMP/rs.csv" | "$OPE" eval - --n-boot 50 --policy mix56 >"$TMP/out" 2>"$TMP/err"
[ $? -eq 0 ] && pass "a trajectory log on a pipe is read once, as a trajectory log" ||
    fail "pipe: wrong status"
cmp -s "$TMP/out" "$TMP/bypath" && pass "and gives what the file by path gives" ||
    { fail "eval - on a pipe differs from eval FILE"; diag "$(diff "$TMP/out" "$TMP/bypath" | head)"; }
expect_status 0 "info - < trajectory log" "$OPE" info - < "$TMP/rs.csv"
expect_grep "$TMP/out" "episodes" "describes the episodes"

# 3. ingest applies the bandit log's rules to what it captures (formats.md): a nan
# reward, a pscore of 5 or 0, an action that is not an integer, and no row at all
# are data errors naming the line, and leave nothing.
mkdir "$TMP/i3"
check_bad() {       # LINE WANT-IN-MESSAGE DESC
    printf 'item=1 click=1 p=0.5\n%s\n' "$1" > "$TMP/raw.log"
    expect_status 65 "ingest refuses $3" \
        "$OPE" ingest --regex "$re" "$TMP/raw.log" -o "$TMP/i3/out.csv"
    expect_grep "$TMP/err" "$2" "and names the line and the rule ($3)"
}
check_bad 'item=1 click=nan p=0.5' 'raw.log:2: group '"'"'reward'"'"' captured '"'"'nan'"'"', expected a finite number' "a nan reward"
check_bad 'item=1 click=1 p=5' 'raw.log:2: group '"'"'pscore'"'"' captured '"'"'5'"'"', expected a probability in (0, 1]' "a pscore of 5"
check_bad 'item=1 click=1 p=0' "expected a probability in (0, 1]" "a pscore of 0"
check_bad 'item=x1,"y" click=1 p=0.5' "expected an action: an integer from 0 to 1000000" "an action that is not an integer"
printf 'nothing here\n' > "$TMP/raw.log"
expect_status 65 "ingest with no matching line is exit 65" \
    "$OPE" ingest --regex "$re" "$TMP/raw.log" -o "$TMP/i3/out.csv"
expect_grep "$TMP/err" "no line matched the pattern (1 line read)" "and says so"
nothing_left "$TMP/i3" "and no refused ingest left a file" ""

# 4. -o naming the file being read is refused, even with --force; the input stays.
printf 'item=1 click=1 p=0.5\n' > "$TMP/raw.log"
cp "$TMP/raw.log" "$TMP/raw.copy"
expect_status 64 "ingest -o INPUT --force is refused" \
    "$OPE" ingest --regex "$re" "$TMP/raw.log" -o "$TMP/raw.log" --force
expect_grep "$TMP/err" "names the file being read" "and says why"
cmp -s "$TMP/raw.log" "$TMP/raw.copy" && pass "and the input is untouched" ||
    fail "the input was changed"

# 5. gen mdp --policy-dir MISSING is refused before anything is written.
mkdir "$TMP/i5"
expect_status 73 "gen mdp --policy-dir MISSING is exit 73" \
    "$OPE" gen mdp riverswim --episodes 5 -q -o "$TMP/i5/log.csv" --truth "$TMP/i5/truth.csv" \
    --policy-dir "$TMP/i5/missing"
expect_grep "$TMP/err" "--policy-dir $TMP/i5/missing: No such file or directory" "and names it"
nothing_left "$TMP/i5" "and writes neither the log nor the truth file" ""

# 6. A line longer than the CSV reader's 64 MB limit stops ingest (65, the line)
# instead of growing without bound (/dev/zero grew to 3.8 GB).
head -c 70000000 /dev/zero | "$OPE" ingest --regex "$re" - >"$TMP/out" 2>"$TMP/err"
[ $? -eq 65 ] && pass "ingest: a 70 MB line is exit 65" || fail "ingest: 70 MB line status"
expect_grep "$TMP/err" "-:1: the line is longer than 64 MB" "and names the line and the limit"

# 12 (ingest's part): an unmatched line is echoed with its control bytes escaped
# (ESC ] 0 ; would set the window title); UTF-8 text stays as it is.
printf 'item=1 click=1 p=0.5\n\033]0;pwned\007 caf\303\251\n' > "$TMP/raw.log"
expect_status 0 "ingest with an unmatched line holding escapes" \
    "$OPE" ingest --regex "$re" "$TMP/raw.log"
expect_grep "$TMP/err" 'raw.log:2: \x1b]0;pwned\x07 café' "the echo escapes control bytes"
if grep -q "$(printf '\033')" "$TMP/err"; then fail "a raw ESC reached stderr"; else
    pass "no raw ESC reaches stderr"; fi
