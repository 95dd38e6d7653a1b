#!/bin/sh
# t/1230-report-decision.sh: the report's first screen states the decision (issue "From
# estimates to decisions", done-when): the candidate most estimators rank first, its
# lift over the logged policy with the paired interval -- the same numbers as `ope eval
# --lift` -- how many estimators' lift intervals lie above 0, whether `ope gate` would
# pass, and, when the interval contains 0, how much more data would settle it.
. "$OPE_SRCDIR/t/lib.sh"

$OPE gen bandit -n 5000 -s 3 -q -o "$TMP/b.csv"
expect_status 0 "report" $OPE report "$TMP/b.csv" -o "$TMP/b.md" --no-charts
grep -m1 -n "Decision\|^| estimator" "$TMP/b.md" | grep -q "^[0-9]*:\*\*Decision: greedy\*\* +" &&
    pass "the decision comes first, naming the best candidate" ||
    fail "the decision comes first, naming the best candidate"
# The lift and its interval are eval's (same seed, same resamples).
$OPE eval "$TMP/b.csv" --policy greedy --estimators dr -f csv -q > "$TMP/e.csv"
lift=$(awk -F, 'NR == 2 { printf "%.6g", $12 }' "$TMP/e.csv")
lo=$(awk -F, 'NR == 2 { printf "%.6g", $13 }' "$TMP/e.csv")
hi=$(awk -F, 'NR == 2 { printf "%.6g", $14 }' "$TMP/e.csv")
expect_grep "$TMP/b.md" "greedy** +$lift (+" "... with eval's lift ($lift)"
expect_grep "$TMP/b.md" "over the logged policy by dr, 95% bootstrap interval \\[$lo, $hi\\]" \
    "... and its paired interval [$lo, $hi]"
expect_grep "$TMP/b.md" "10 of 10 estimators' lift intervals lie above 0" "... how many estimators agree"
expect_grep "$TMP/b.md" "would pass (one-sided level 0.025" "... and what the gate would say"
expect_status 0 "the gate agrees" $OPE gate "$TMP/b.csv" --policy greedy --estimator dr --alpha 0.025
expect_grep "$TMP/out" "PASS greedy" "ope gate passes as the report says"
# The command is code: a Markdown code span, an HTML <code> (before, plain text whose
# backquotes HTML printed literally and Markdown escaped as \`).
expect_grep "$TMP/b.md" "so \`ope gate LOG --policy greedy --estimator dr --alpha 0.025\` would" \
    "Markdown: the gate command is a code span"
expect_status 0 "HTML report" $OPE report "$TMP/b.csv" -o "$TMP/b.html" --no-charts
expect_grep "$TMP/b.html" "so <code>ope gate LOG --policy greedy --estimator dr --alpha 0.025</code> would" \
    "HTML: the gate command is in <code>"

# A 40-row log: the interval contains 0, and the report says how much more data would
# settle it: the half-width h shrinks as 1/sqrt(n), so N' = N (h / lift)^2.
$OPE gen bandit -n 40 -s 1 -q -o "$TMP/s.csv"
expect_status 0 "small report" $OPE report "$TMP/s.csv" -o "$TMP/s.md" --no-charts
expect_grep "$TMP/s.md" "The interval contains 0, so the data do not settle it" "an unsettled decision is said"
line=$(grep -o "if the lift stays at [^,]*, about [0-9]* rows" "$TMP/s.md")
l=$(echo "$line" | sed 's/if the lift stays at \([^,]*\),.*/\1/')
need=$(echo "$line" | sed 's/.*about \([0-9]*\) rows/\1/')
v=$(grep -o "over the logged policy by dr, 95% bootstrap interval \\\\\[[^]]*\\\\\]" "$TMP/s.md" |
    sed 's/.*\[\([^,]*\), \([^\\]*\)\\\].*/\1 \2/')
awk -v l="$l" -v need="$need" -v v="$v" 'BEGIN { split(v, b, " "); h = (b[2] - b[1]) / 2;
    want = 40 * (h / l) ^ 2; exit !(need >= want - 1 && need <= want + 1) }' &&
    pass "the rows needed are N (h / lift)^2 ($need)" || fail "the rows needed ($line; $v)"
done_testing
