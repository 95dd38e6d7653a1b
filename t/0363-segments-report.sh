#!/bin/sh
# t/0363-segments-report.sh: `ope report --by`: a Segments section with the numbers of
# `ope eval --by` and the segments chart; none without --by; segment names that are
# hostile to gnuplot (quotes, backticks, system()) are drawn, not run; `ope plot
# segments` draws the same chart.
. "$OPE_SRCDIR/t/lib.sh"

have_gnuplot=0
command -v gnuplot >/dev/null 2>&1 && have_gnuplot=1
$OPE gen bandit --rows 1500 --seed 8 -q -o "$TMP/g.csv"

expect_status 0 "report --by x0 --bins 3 (Markdown)" $OPE report "$TMP/g.csv" --estimators ipw,dr \
    --n-boot 100 --by x0 --bins 3 -o "$TMP/r.md"
expect_grep "$TMP/r.md" "## Segments" "the report has a Segments section"
expect_grep "$TMP/r.md" "Intervals are simultaneous over the segments at 95% (max-t bootstrap)" \
    "it says how the intervals are simultaneous"
# The table's first row is eval --by's first row (segment, rows, policy, estimate).
$OPE eval "$TMP/g.csv" --estimators ipw,dr --n-boot 100 --by x0 --bins 3 --format csv > "$TMP/seg.csv"
first=$(awk -F, 'NR == 2 { print $(NF - 11) }' "$TMP/seg.csv")
grep -q "| 500 | greedy |" "$TMP/r.md" && [ "$first" = 500 ] &&
    pass "the table's rows are the segments' (500 rows each)" || fail "the segments table"
if [ $have_gnuplot = 1 ]; then
    [ -s "$TMP/r-segments.svg" ] && pass "the segments chart is written next to it" ||
        fail "no segments chart"
    expect_grep "$TMP/r-segments.svg" "ipw per segment of x0, 95% simultaneous intervals (max-t bootstrap)" \
        "the chart's title names the estimator, the column and the method"
else
    skip "the chart (gnuplot is not installed)"; skip "the chart's title"
fi
expect_status 0 "report without --by" $OPE report "$TMP/g.csv" --estimators ipw --n-boot 50 -o "$TMP/plain.md"
grep -q "## Segments" "$TMP/plain.md" && fail "no Segments section without --by" ||
    pass "no Segments section without --by"

# Hostile segment names in a categorical column: the report is written (a name that
# broke the script would fail it) and nothing ran.
{
    echo "action,reward,pscore,user,pi.new.0,pi.new.1"
    i=0
    while [ $i -lt 40 ]; do
        for u in "it's" "'a''b'" "\`touch $TMP/pwned\`" "system('touch $TMP/pwned2')"; do
            echo "$((i % 2)),$((i % 3 == 0)),0.5,\"$u\",0.3,0.7"
        done
        i=$((i + 1))
    done
} > "$TMP/hostile.csv"
expect_status 0 "report --by a column of hostile names" $OPE report "$TMP/hostile.csv" \
    --context-columns '^user$' --estimators ipw --n-boot 50 --by user -o "$TMP/h.html"
[ ! -e "$TMP/pwned" ] && [ ! -e "$TMP/pwned2" ] && pass "no name was run by gnuplot" ||
    fail "a segment name ran a command"
expect_grep "$TMP/h.html" "it&#39;s" "the names are in the page, escaped"

expect_status 64 "plot segments without --by" $OPE plot segments "$TMP/g.csv" --term dumb
expect_grep "$TMP/err" "segments: give --by COLUMN" "says to give --by"
if [ $have_gnuplot = 1 ]; then
    expect_status 0 "plot segments --term dumb" $OPE plot segments "$TMP/g.csv" --estimators dr \
        --n-boot 100 --by x0 --bins 3 --term dumb -q
    expect_grep "$TMP/out" "dr per segment of x0, 95% simultaneous intervals (max-t bootstrap)" \
        "the chart of the first estimator, titled"
    expect_grep "$TMP/out" "A greedy" "one series per policy"
    expect_status 0 "plot segments of hostile names to SVG" $OPE plot segments "$TMP/hostile.csv" \
        --context-columns '^user$' --estimators ipw --n-boot 50 --by user -o "$TMP/h.svg" -q
    [ ! -e "$TMP/pwned" ] && [ ! -e "$TMP/pwned2" ] && pass "nothing ran" || fail "a name ran"
    # The saved JSON gives the same chart as the evaluation in memory (its numbers
    # round-trip exactly).
    $OPE plot segments "$TMP/g.csv" --estimators dr --n-boot 100 --by x0 --bins 3 --term dumb -q > "$TMP/mem.txt"
    $OPE eval "$TMP/g.csv" --estimators dr --n-boot 100 --by x0 --bins 3 --format json > "$TMP/seg.json"
    expect_status 0 "plot segments --from-json" $OPE plot segments --from-json "$TMP/seg.json" --term dumb -q
    cmp -s "$TMP/mem.txt" "$TMP/out" && pass "the chart from the JSON equals the chart from memory" ||
        fail "the chart from the JSON differs"
    $OPE eval "$TMP/g.csv" --estimators dr --n-boot 20 --format json > "$TMP/noseg.json"
    expect_status 65 "plot segments of a JSON without segments" $OPE plot segments \
        --from-json "$TMP/noseg.json" --term dumb
    expect_grep "$TMP/err" "noseg.json: an evaluation without segments" "says which file"
else
    skip "plot (no gnuplot)"; skip "title"; skip "series"; skip "hostile"; skip "nothing ran"
    skip "json"; skip "json chart"; skip "no segments"; skip "which file"
fi
done_testing
