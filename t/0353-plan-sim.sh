#!/bin/sh
# t/0353-plan-sim.sh: a simulation (issue "From estimates to decisions"): `ope plan`'s
# width for a log of the planned size is the width observed when logs of that size are
# generated and evaluated, within 15%, averaged over five seeds (t/0528-plan.sh checks
# one). The plan is made on one log of 2000 rows (seed 1); the logs of the planned size
# are seeds 11..15 of the same generator, evaluated with t intervals as the plan
# assumes.
. "$OPE_SRCDIR/t/lib.sh"

W=0.04
$OPE gen bandit -n 2000 -s 1 -q -o "$TMP/a.csv"
expect_status 0 "plan" $OPE plan "$TMP/a.csv" --policy greedy --estimators ipw,dr \
    --width $W -f csv -q
cp "$TMP/out" "$TMP/plan.csv"
# Why 15% holds with room: the observed width 2 t sd / sqrt(n) varies from log to log
# by the relative SE of a sample sd, about sqrt((kurtosis - 1) / (4 n)): under 2% at
# these n (over 5000 rows) for each log and under 1% for the mean of five; the plan's
# own sd comes from 2000 rows, a few percent; 15% is the issue's tolerance. Measured
# (fixed seeds, so every run): ipw 1.03, dr 0.91. dr's shortfall is systematic, not
# noise: its reward model, fitted on 4x the rows, fits better, so its contributions
# spread less than the plan's 2000-row fit said; the plan errs on the safe side.
for est in ipw dr; do
    rows=$(awk -F, -v e=$est 'NR > 1 && $2 == e { print $5 }' "$TMP/plan.csv")
    : > "$TMP/w"
    for s in 11 12 13 14 15; do
        $OPE gen bandit -n "$rows" -s $s -q -o "$TMP/b.csv" --force
        $OPE eval "$TMP/b.csv" --policy greedy --estimators $est --ci t -f csv -q |
            awk -F, 'NR == 2 { print $6 - $5 }' >> "$TMP/w"
    done
    ratio=$(awk -v W=$W '{ s += $1; n++ } END { printf "%.4f", s / n / W }' "$TMP/w")
    diag "$est: planned $rows rows for width $W; observed widths $(tr '\n' ' ' < "$TMP/w")-> mean / planned = $ratio"
    awk -v r="$ratio" 'BEGIN { exit !(r > 0.85 && r < 1.15) }' &&
        pass "$est: the mean width of five logs of $rows rows is $ratio x the planned" ||
        fail "$est: mean width / planned = $ratio, outside 0.85..1.15"
done
done_testing
