#!/bin/sh
# t/0610-chart.sh: every chart kind of `ope plot` renders to SVG that parses, PNG and
# PDF with the right magic bytes, and text on stdout; --from-json reads what
# `ope eval --format json` wrote; bad JSON, bad series CSV and bad options are refused
# with their documented statuses.
. "$OPE_SRCDIR/t/lib.sh"

$OPE gen bandit --rows 1500 --seed 7 --policies greedy,uniform -o "$TMP/log.csv" 2>/dev/null
$OPE eval "$TMP/log.csv" --n-boot 50 --format json -o "$TMP/eval.json" 2>/dev/null
# Series for the cdf / topk / curves charts: two series, with bands.
cat > "$TMP/series.csv" <<'EOF'
series,x,y,lo,hi
ucbvi,1,0.10,0.05,0.15
ucbvi,2,0.30,0.20,0.40
ucbvi,3,0.42,0.35,0.49
stepmix,1,0.20,0.10,0.30
stepmix,2,0.26,0.20,0.31
stepmix,3,0.31,0.25,0.36
EOF

if ! command -v gnuplot >/dev/null 2>&1; then
    skip "gnuplot is not installed (CI installs gnuplot-nox)"
    expect_status 69 "without gnuplot: status 69" $OPE plot weights "$TMP/log.csv" -o "$TMP/a.svg"
    done_testing
    exit $?
fi

svg_ok() {  # FILE DESC: the file exists and is well-formed XML with an <svg> root
    if [ -s "$1" ] && { ! command -v xmllint >/dev/null 2>&1 || xmllint --noout "$1"; } &&
        grep -q '<svg' "$1"; then pass "$2"; else fail "$2"; fi
}
magic_ok() {  # FILE WANT DESC: the first 4 bytes, as od -c prints them without spaces
    got=$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' \n')
    if [ "$got" = "$2" ]; then pass "$3"; else fail "$3"; diag "magic '$got', wanted '$2'"; fi
}

# Each kind, each file format.
for kind in estimates weights sample-size; do
    for ext in svg png; do
        expect_status 0 "$kind to $ext" $OPE plot $kind "$TMP/log.csv" --policy greedy \
            --ci t --estimators ipw,snipw,dr -o "$TMP/$kind.$ext"
    done
    svg_ok "$TMP/$kind.svg" "$kind: well-formed SVG"
    magic_ok "$TMP/$kind.png" 211PNG "$kind: PNG magic bytes"
done
for kind in cdf topk curves; do
    expect_status 0 "$kind to svg" $OPE plot $kind --from-csv "$TMP/series.csv" -o "$TMP/$kind.svg"
    svg_ok "$TMP/$kind.svg" "$kind: well-formed SVG"
    expect_grep "$TMP/$kind.svg" "stepmix" "$kind: the legend names the series"
    expect_status 0 "$kind to png" $OPE plot $kind --from-csv "$TMP/series.csv" -o "$TMP/$kind.png"
    magic_ok "$TMP/$kind.png" 211PNG "$kind: PNG magic bytes"
done
expect_status 0 "estimates to PDF" $OPE plot estimates "$TMP/log.csv" --ci none -o "$TMP/e.PDF"
magic_ok "$TMP/e.PDF" %PDF "PDF magic bytes (extension in any case)"
expect_grep "$TMP/estimates.svg" ">greedy<" "estimates: the policy is a tick label"
expect_grep "$TMP/estimates.svg" "ground truth" "estimates: the generated log's truth is drawn"
expect_grep "$TMP/weights.svg" "Importance weights of policy greedy" "weights: titled with the policy"

# From the JSON of ope eval: the same policies and estimator labels.
expect_status 0 "estimates --from-json" $OPE plot estimates --from-json "$TMP/eval.json" -o "$TMP/j.svg"
svg_ok "$TMP/j.svg" "from JSON: well-formed SVG"
expect_grep "$TMP/j.svg" ">uniform<" "from JSON: the policy names"
expect_grep "$TMP/j.svg" "switch-dr:tau=50" "from JSON: the estimator labels"
grep -q "95% bootstrap intervals" "$TMP/j.svg" && pass "from JSON: alpha and ci in the title" ||
    fail "from JSON: alpha and ci in the title"

# Text in the terminal, sized as asked.
expect_status 0 "dumb chart on stdout" $OPE plot curves --from-csv "$TMP/series.csv" --term dumb --size 70x20 --title "seed bands"
expect_grep "$TMP/out" "seed bands" "the dumb chart has the title given"
w=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$TMP/out")
[ "$w" -le 70 ] && pass "and is at most 70 columns wide ($w)" || fail "dumb width $w > 70"
expect_status 0 "no -o means dumb" $OPE plot weights "$TMP/log.csv" --policy uniform
expect_grep "$TMP/out" "rows per bin" "the histogram is drawn as text"

# Bad input: JSON, series CSV, options.
printf '{"policies": [ {"name": "a", "estimates": [ }' > "$TMP/bad.json"
expect_status 65 "malformed JSON: status 65" $OPE plot estimates --from-json "$TMP/bad.json" -o "$TMP/x.svg"
expect_grep "$TMP/err" "bad.json:1:" "the message gives line:column"
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; }' > "$TMP/deep.json"
expect_status 65 "100000 nested arrays: an error, no stack overflow" $OPE plot estimates --from-json "$TMP/deep.json" -o "$TMP/x.svg"
expect_grep "$TMP/err" "nested too deeply" "the message says why"
echo '{"tool": "ope"}' > "$TMP/shape.json"
expect_status 65 "JSON of another shape: status 65" $OPE plot estimates --from-json "$TMP/shape.json" -o "$TMP/x.svg"
expect_grep "$TMP/err" "policies" "the message names the missing member"
expect_status 66 "missing JSON file: status 66" $OPE plot estimates --from-json "$TMP/none.json" -o "$TMP/x.svg"
printf 'series,x,y\na,1,oops\n' > "$TMP/badseries.csv"
expect_status 65 "a non-number in the series CSV: status 65" $OPE plot cdf --from-csv "$TMP/badseries.csv" -o "$TMP/x.svg"
expect_grep "$TMP/err" "badseries.csv:2:5" "the message gives file:line:column"
printf 'name,x,y\na,1,2\n' > "$TMP/nohead.csv"
expect_status 65 "a series CSV without a series column: status 65" $OPE plot topk --from-csv "$TMP/nohead.csv" -o "$TMP/x.svg"
expect_status 64 "cdf without --from-csv" $OPE plot cdf -o "$TMP/x.svg"
expect_status 64 "--term svg is not a terminal choice" $OPE plot weights "$TMP/log.csv" --term svg
expect_status 64 "-o and --term dumb together" $OPE plot weights "$TMP/log.csv" --term dumb -o "$TMP/x.svg"
expect_status 64 "estimates with both a log and --from-json" $OPE plot estimates "$TMP/log.csv" --from-json "$TMP/eval.json" -o "$TMP/x.svg"
[ ! -e "$TMP/x.svg" ] && pass "no file after any refusal" || fail "a file was written after a refusal"
mkdir "$TMP/dir.svg"
expect_status 73 "a directory as target: status 73" $OPE plot weights "$TMP/log.csv" -o "$TMP/dir.svg" --force
OPE_TEST_WRITE_LIMIT=100 expect_status 73 "a write failing midway: status 73" $OPE plot weights "$TMP/log.csv" -o "$TMP/w2.svg"
[ ! -e "$TMP/w2.svg" ] && pass "and no half-written file" || fail "a half-written file was left"
ls -a "$TMP" | grep -q '\.ope-[0-9]*\.' && fail "temporary files left behind" || pass "no temporary files left behind"
done_testing
