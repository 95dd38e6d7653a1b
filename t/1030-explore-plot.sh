#!/bin/sh
# t/1030-explore-plot.sh: charts of an exploration run: cumulative regret and the
# executed value against the constraint line, from `ope explore --compare -o`.
. "$OPE_SRCDIR/t/lib.sh"

expect_status 0 "a short comparison run" $OPE explore --compare --env riverswim --episodes 300 --runs 2 --seed 3 -o "$TMP/run.csv"
if ! command -v gnuplot >/dev/null 2>&1; then
    skip "gnuplot is not installed"; done_testing; exit $?
fi
expect_status 0 "regret chart to SVG" $OPE plot regret "$TMP/run.csv" -o "$TMP/regret.svg"
for a in stepmix epsmix ucbvi baseline; do expect_grep "$TMP/regret.svg" "$a" "legend has $a"; done
expect_status 0 "value chart in the terminal" $OPE plot value "$TMP/run.csv" --term dumb
expect_grep "$TMP/out" "threshold (1 - alpha) V^b" "the constraint line is drawn"
printf 'a,b\n1,2\n' > "$TMP/notrun.csv"
expect_status 65 "a file that is not a run file" $OPE plot regret "$TMP/notrun.csv" -o "$TMP/x.svg"
expect_grep "$TMP/err" "notrun.csv:1: no column 'episode': expected an" "says what was expected"
expect_status 64 "no run file" $OPE plot regret -o "$TMP/x.svg"
done_testing
