#!/bin/sh
# t/0002-readme-tour.sh: the README is executable. Every `    $ ` command of README.md
# is run, in order, in a fresh directory per README section, and its output is compared
# with the text the README shows under it, so the README's numbers cannot drift.
#
# How a README block is read (the rules are the test's, so the README can rely on them):
# - `    $ CMD` starts a command; `    > MORE` lines continue it (joined by newlines).
# - The indented lines after it, up to the next command or the next unindented text
#   (a blank line followed by indented text stays in the block), are the expected
#   output: standard output followed by standard error, as separate streams, and with
#   trailing blank lines dropped on both sides.
# - A line that is only `...` stands for any number of lines (none included); `...`
#   inside a line stands for any text on that line.
# - A last line `(exit status N)` (indented or not) says the command exits with N; otherwise it exits 0.
# - Timings are masked on both sides: `in 0.004 s`, `written in 8 ms`, `took 1.2 s`
#   and a following `(6.28e+06 steps/s)` all read `in T`.
# Each section directory starts with a link `t` to the source tree's t/ (for the
# t/data/bad examples); every other file a command reads is made by an earlier command.
. "$OPE_SRCDIR/t/lib.sh"

readme="$OPE_SRCDIR/README.md"
mkdir -p "$TMP/bin" "$TMP/cases"
ln -s "$OPE" "$TMP/bin/ope"
PATH="$TMP/bin:$PATH"; export PATH
OPE_REPORT_DATE=2026-01-01; export OPE_REPORT_DATE

# Split the README into cases: NNN.cmd (the command), NNN.exp (the expected output),
# NNN.sec (the section number, counting lines that start with '#').
awk -v dir="$TMP/cases" '
function flush() {
    if (n == "") return
    # drop trailing blank lines of the expected output
    while (ne > 0 && exp_[ne] == "") ne--
    f = sprintf("%s/%03d", dir, n)
    printf "%s\n", cmd > (f ".cmd"); close(f ".cmd")
    printf "" > (f ".exp")
    for (i = 1; i <= ne; i++) printf "%s\n", exp_[i] > (f ".exp")
    close(f ".exp")
    printf "%d\n", sec > (f ".sec"); close(f ".sec")
    n = ""; ne = 0; pend = 0
}
/^#/ { flush(); sec++; next }
/^    \$ / { flush(); k++; n = k; cmd = substr($0, 7); ne = 0; incmd = 1; next }
n != "" && incmd && /^    > / { cmd = cmd "\n" substr($0, 7); next }
n != "" && /^    / { incmd = 0; for (; pend > 0; pend--) exp_[++ne] = ""; exp_[++ne] = substr($0, 5); next }
n != "" && /^[ \t]*$/ { incmd = 0; pend++; next }
{ flush() }
END { flush() }
' "$readme"

ncases=$(ls "$TMP/cases" | grep -c '\.cmd$')
# The tour has about 40 commands; far fewer means the parser lost them.
if [ "$ncases" -ge 30 ]; then pass "README has $ncases tour commands"; else
    fail "README has $ncases tour commands (expected at least 30)"; fi

# mask FILE: the timing rule above.
mask() {
    sed -E 's/(in|written in|took) [0-9.]+ (s|ms)( \([0-9.e+]+ steps\/s\))?/\1 T/g' "$1"
}

# match EXP ACT: exit 0 when ACT matches the pattern lines of EXP (rules above).
match() {
    awk -v expf="$1" -v actf="$2" '
    function glob(p, s,   parts, np, i, pos, at) {
        if (index(p, "...") == 0) return p == s
        np = split(p, parts, /\.\.\./)
        if (substr(s, 1, length(parts[1])) != parts[1]) return 0
        pos = length(parts[1]) + 1
        for (i = 2; i < np; i++) {
            at = index(substr(s, pos), parts[i])
            if (at == 0) return 0
            pos += at - 1 + length(parts[i])
        }
        if (length(s) - pos + 1 < length(parts[np])) return 0
        return substr(s, length(s) - length(parts[np]) + 1) == parts[np]
    }
    # m(i, j): expected lines i.. match actual lines j..
    function m(i, j,   k) {
        if (i > ne) return j > na
        if (E[i] ~ /^[ \t]*\.\.\.[ \t]*$/) {
            for (k = j; k <= na + 1; k++) if (m(i + 1, k)) return 1
            return 0
        }
        if (j > na || !glob(E[i], A[j])) return 0
        return m(i + 1, j + 1)
    }
    BEGIN {
        while ((getline l < expf) > 0) E[++ne] = l
        while ((getline l < actf) > 0) A[++na] = l
        exit !m(1, 1)
    }'
}

lastsec=""
for c in "$TMP"/cases/*.cmd; do
    b=${c%.cmd}
    sec=$(cat "$b.sec")
    d="$TMP/s$sec"
    if [ "$sec" != "$lastsec" ]; then
        mkdir -p "$d" && ln -s "$OPE_SRCDIR/t" "$d/t"
        lastsec=$sec
    fi
    want=0
    if [ -s "$b.exp" ] && tail -n 1 "$b.exp" | grep -qE '^ *\(exit status [0-9]+\)$'; then
        want=$(tail -n 1 "$b.exp" | tr -dc 0-9)
        sed '$d' "$b.exp" > "$b.exp2" && mv "$b.exp2" "$b.exp"
    fi
    (cd "$d" && sh -c "$(cat "$c")" > "$b.out" 2> "$b.err"); got=$?
    cat "$b.out" "$b.err" > "$b.all"
    # trailing blank lines are not part of the comparison (see the rules above)
    awk '{ l[NR] = $0 } END { n = NR; while (n > 0 && l[n] == "") n--; for (i = 1; i <= n; i++) print l[i] }' \
        "$b.all" > "$b.all2"
    mask "$b.all2" > "$b.act"
    mask "$b.exp" > "$b.expm"
    desc="section $sec: $(head -n 1 "$c" | tr -d '\\' | cut -c 1-70)"
    if [ "$got" -ne "$want" ]; then
        fail "$desc"; diag "exit status $got, the README says $want" "$(head -c 600 "$b.err")"
    elif match "$b.expm" "$b.act"; then
        pass "$desc"
    else
        fail "$desc"; diag "README (-) against the program (+):"
        diff -u "$b.expm" "$b.act" | tail -n +3 | head -n 60 | sed 's/^/# /'
    fi
done

# The rules must be able to fail: a changed digit, a missing line and an extra line
# are all caught, while "..." absorbs lines and text.
printf 'a 1.5\nb\n' > "$TMP/act1"
printf 'a 1.6\nb\n' > "$TMP/exp1"
if match "$TMP/exp1" "$TMP/act1"; then fail "a changed number is caught"; else pass "a changed number is caught"; fi
printf 'a 1.5\n' > "$TMP/exp2"
if match "$TMP/exp2" "$TMP/act1"; then fail "an extra output line is caught"; else pass "an extra output line is caught"; fi
printf 'a 1.5\nb\nc\n' > "$TMP/exp3"
if match "$TMP/exp3" "$TMP/act1"; then fail "a missing output line is caught"; else pass "a missing output line is caught"; fi
printf '...\nb\n' > "$TMP/exp4"
printf 'a ...\n...\n' > "$TMP/exp5"
if match "$TMP/exp4" "$TMP/act1" && match "$TMP/exp5" "$TMP/act1"; then
    pass "... stands for lines and for text"; else fail "... stands for lines and for text"; fi
done_testing
