#!/bin/sh
# t/1544-stream-weight-range.sh: a log whose importance weight overflows what a double
# can sum (a pscore of 1e-320: pi/pscore = inf) is refused in memory (65, naming the
# row: datasets/logrange.h); read in windows it was evaluated, with infinite or NaN
# estimates and status 0. Now the same refusal, the same message, whether the row is
# in the first or the last window, and from ope select --stream too.
. "$OPE_SRCDIR/t/lib.sh"
plan 5

# 70,000 rows: windows of 65,536 rows, so row 70,000 (line 70001) is in the second.
"$OPE" gen bandit --rows 70000 --actions 3 --seed 5 -q -o "$TMP/log.csv" || exit 1

# same DESC LINE CMD...: pscore 1e-320 on LINE; CMD whole and --stream: 65 and the
# same message, which names the line.
same() {
    desc=$1; line=$2; shift 2
    awk -F, -v l="$line" 'NR == l { $3 = "1e-320" } { print }' OFS=, "$TMP/log.csv" \
        > "$TMP/bad.csv"
    "$OPE" "$@" "$TMP/bad.csv" >/dev/null 2>"$TMP/e1"; s1=$?
    "$OPE" "$@" "$TMP/bad.csv" --stream >/dev/null 2>"$TMP/e2"; s2=$?
    if [ $s1 -eq 65 ] && [ $s2 -eq 65 ] && cmp -s "$TMP/e1" "$TMP/e2" &&
       grep -q "bad.csv:$line: policy '.*': the importance weight" "$TMP/e2"; then
        pass "$desc"
    else fail "$desc: status $s1 / $s2"; diag "$(cat "$TMP/e1" "$TMP/e2")"; fi
}
same "eval, the last window's last row" 70001 eval
same "eval, the first window" 50 eval --estimators ipw,snipw --ci none
same "eval --ci t --matrix" 70001 eval --ci t --matrix
same "select" 70001 select
# A good log is not refused.
expect_status 0 "the good log: status 0" "$OPE" eval "$TMP/log.csv" --stream \
    --estimators ipw --ci none
done_testing
