#!/bin/sh
# t/0615-chart-legible.sh: charts a person can tell apart. With as many series as the
# registry has estimators (18), every series of a chart has its own letter in the text
# terminal and its own colour and point type in the script for files; the truth's
# glyph and colour are no series'; text legends read "A name", never gnuplot's sample
# line ("#**E**#"); bands do not fill the text chart; and the x axis ends at the data.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v gnuplot >/dev/null 2>&1; then
    skip "gnuplot is not installed (CI installs gnuplot-nox)"
    # 5. The weights histogram: its axis spans the bins, and within a decade it still has
#    three tick labels or more (a log axis alone gives one or none there). The
#    greedy policy is deterministic, so its positive weights are 1/pscore, and the
#    generated log's pscores (5 actions, about 0.2 to 0.32) put them between 3 and 5.
rm -f "$TMP/script.gp"
OPE_GNUPLOT="$TMP/gp" $OPE plot weights "$TMP/big.csv" --policy greedy -o "$TMP/w.svg" \
    2>"$TMP/err" && pass "weights to SVG" || fail "weights: $(cat "$TMP/err")"
x=$(grep '^set xrange' "$TMP/script.gp" | head -1)
lo=$(echo "$x" | sed 's/.*\[\([^:]*\):.*/\1/')
awk -v v="$lo" 'BEGIN { exit !(v > 1.5) }' && pass "the x axis starts at the smallest bin ($lo), not at 1" ||
    fail "x axis: $x"
nt=$(grep '^set xtics (' "$TMP/script.gp" | tr ',' '\n' | wc -l)
[ "$nt" -ge 3 ] && pass "$nt x tick labels" || fail "$nt x tick labels"

done_testing
    exit $?
fi

# The scripts ope sends are recorded by a gnuplot that copies its input to a file.
real=$(command -v gnuplot)
cat > "$TMP/gp" <<EOS
#!/bin/sh
tee -a "$TMP/script.gp" | "$real" "\$@"
EOS
chmod +x "$TMP/gp"

# Eighteen estimator labels a bandit log accepts (the 10 bandit estimators and 8
# parameter variants), and 18 series of 60 points with bands.
E=dm,ipw,snipw,dr,sndr,switch-dr,dr-os,sg-ipw,sg-dr,rm,ipw:clip=5,ipw:clip=20
E=$E,switch-dr:tau=5,switch-dr:tau=500,dr-os:lambda=1,dr-os:lambda=10
E=$E,sg-ipw:lambda=0.1,sg-dr:lambda=0.1
$OPE gen bandit --rows 1500 --seed 7 --policies greedy,uniform -o "$TMP/log.csv" 2>/dev/null
awk 'BEGIN { print "series,x,y,lo,hi"
    for (s = 1; s <= 18; s++) for (i = 1; i <= 60; i++) {
        y = s * 0.05 + log(i) / 5; printf "s%02d,%d,%g,%g,%g\n", s, i, y, y - 0.1, y + 0.1 } }' \
    > "$TMP/s18.csv"

# legend_glyphs FILE NAME...: the glyph in front of each name in a text legend, one a
# line ("?" when the name has no "G name" entry).
legend_glyphs() {
    f=$1; shift
    for nm in "$@"; do
        g=$(grep -o "[^ ] $nm\( \|\$\)" "$f" | head -1 | cut -c1)
        echo "${g:-?}"
    done
}
# distinct_ok FILE DESC: the lines of FILE are all different and none is "?"
distinct_ok() {
    n=$(wc -l < "$1"); u=$(sort -u "$1" | wc -l)
    if [ "$n" = "$u" ] && ! grep -qx '?' "$1"; then pass "$2"; else
        fail "$2"; diag "$(tr '\n' ' ' < "$1")"; fi
}

# file_styles: "colour pointtype" of each titled series of the file-terminal plot in
# $TMP/script.gp (after "} else {" when the script has a text-terminal branch).
file_styles() {
    awk 'NR == FNR { if (/^} else {/) e = 1; next }
         FNR == 1 { files = !e }
         /^set linetype [0-9]+ lc rgb/ { lt[$3] = $6 " " $10 }
         /^} else {/ { files = 1 }
         files && /^plot / { n = split($0, el, ", ")
             for (i = 1; i <= n; i++) if (el[i] ~ / ls [0-9]+ title /) {
                 split(el[i], w, " ls "); split(w[2], v, " "); print lt[v[1]] } }' \
        "$TMP/script.gp" "$TMP/script.gp"
}
# legend FILE XLABEL: the lines of a text chart below its x label (the legend)
legend() {
    awk -v x="$2" 'seen { print } { t = $0; gsub(/^ +| +$/, "", t) } t == x { seen = 1 }' "$1"
}

# 1. The estimates chart in text, 80 columns: 18 letters, the truth's apart.
expect_status 0 "estimates of 18 estimators in text" $OPE plot estimates "$TMP/log.csv" \
    --estimators "$E" --ci none --term dumb --size 80x30
cp "$TMP/out" "$TMP/est.txt"
legend_glyphs "$TMP/est.txt" $(echo "$E" | sed 's/,/ /g; s/\(switch-dr\) /\1:tau=50 /;
    s/\(dr-os\) /\1:lambda=100 /; s/\(sg-ipw\) /\1:lambda=0.01 /; s/\(sg-dr\) /\1:lambda=0.01 /') \
    > "$TMP/g-est"
distinct_ok "$TMP/g-est" "estimates: 18 estimators, 18 different glyphs"
t=$(legend_glyphs "$TMP/est.txt" "ground truth")
if [ "$t" != "?" ] && ! grep -qxF "$t" "$TMP/g-est"; then pass "the truth's glyph ($t) is no estimator's"
else fail "the truth's glyph ($t) is an estimator's or missing"; fi
w=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$TMP/est.txt")
[ "$w" -le 80 ] && pass "at most 80 columns ($w)" || fail "$w columns"

# 2. The same series in the script for files: one (colour, point type) per series,
#    and the truth's colour is no series' colour.
rm -f "$TMP/script.gp"
OPE_GNUPLOT="$TMP/gp" $OPE plot estimates "$TMP/log.csv" --estimators "$E" --ci none \
    -o "$TMP/est.svg" 2>"$TMP/err" && pass "estimates of 18 estimators to SVG" ||
    fail "estimates to SVG: $(cat "$TMP/err")"
# linetype N -> "colour pt"; the titled yerrorbars of the file branch name their ls.
file_styles > "$TMP/styles"
[ "$(wc -l < "$TMP/styles")" -eq 18 ] && pass "the file chart draws 18 titled series" ||
    fail "the file chart draws $(wc -l < "$TMP/styles") titled series"
distinct_ok "$TMP/styles" "each with its own colour and point type"
cut -d' ' -f1 "$TMP/styles" > "$TMP/colours"
distinct_ok "$TMP/colours" "and its own colour"
tc=$(grep -o "truth using 1:2 with lines lc rgb '#[0-9A-Fa-f]*'" "$TMP/script.gp" | grep -o "'#.*'")
if [ -n "$tc" ] && ! grep -qixF "$tc" "$TMP/colours"; then pass "the truth's colour ($tc) is no series'"
else fail "the truth's colour ($tc) is a series' or missing"; fi

# 3. Eighteen series with bands, in text and in files.
expect_status 0 "18 curves with bands in text" $OPE plot curves --from-csv "$TMP/s18.csv" \
    --term dumb --size 80x30
cp "$TMP/out" "$TMP/curves.txt"
legend_glyphs "$TMP/curves.txt" s01 s02 s03 s04 s05 s06 s07 s08 s09 s10 s11 s12 s13 s14 \
    s15 s16 s17 s18 > "$TMP/g-cur"
distinct_ok "$TMP/g-cur" "curves: 18 series, 18 different glyphs"
# gnuplot's own legend samples are runs of its line characters around a point letter.
{ legend "$TMP/curves.txt" episode; legend "$TMP/est.txt" "evaluation policy"; } > "$TMP/keys"
if ! grep -q ' s01' "$TMP/keys" || ! grep -q ' dm' "$TMP/keys" ||
    grep -Eq '[*#$%@&=]{2}' "$TMP/keys"; then
    fail "a legend entry is gnuplot's sample line (or the legend is not below the chart)"
else pass "no legend entry like '#**E**#'"; fi
# A band of +-0.1 around 18 curves filled in would cover much of the plot with one
# character; bars drawn sparingly leave it to the lines and letters.
top=$(awk '{ for (i = 1; i <= length($0); i++) { c = substr($0, i, 1); if (c != " ") n[c]++ } }
    END { m = 0; for (c in n) if (n[c] > m) { m = n[c]; k = c } print m }' "$TMP/curves.txt")
[ "$top" -lt 600 ] && pass "no character fills the chart (most frequent: $top)" ||
    fail "one character $top times: a band fills the chart"
rm -f "$TMP/script.gp"
OPE_GNUPLOT="$TMP/gp" $OPE plot curves --from-csv "$TMP/s18.csv" -o "$TMP/c.svg" 2>"$TMP/err" &&
    pass "18 curves to SVG" || fail "18 curves to SVG: $(cat "$TMP/err")"
file_styles > "$TMP/styles"
[ "$(wc -l < "$TMP/styles")" -eq 18 ] && distinct_ok "$TMP/styles" "curves: 18 colours and point types" ||
    fail "curves: $(wc -l < "$TMP/styles") titled series, not 18"
grep -q "set key outside" "$TMP/script.gp" && pass "the file legend is outside the plot" ||
    fail "the file legend is inside the plot"

# 4. The x axis ends at the data: sample-size on 20000 rows stops at 20000, not at the
#    next power of ten (gnuplot's autoscale on a log axis).
$OPE gen bandit --rows 20000 --seed 3 -o "$TMP/big.csv" 2>/dev/null
rm -f "$TMP/script.gp"
OPE_GNUPLOT="$TMP/gp" $OPE plot sample-size "$TMP/big.csv" --policy greedy -o "$TMP/n.svg" \
    2>"$TMP/err" && pass "sample-size to SVG" || fail "sample-size: $(cat "$TMP/err")"
grep -q '^set xrange \[100:20000\]' "$TMP/script.gp" && pass "x axis from 100 to 20000 rows" ||
    fail "x axis: $(grep 'xrange' "$TMP/script.gp")"

# 5. The weights histogram: its axis spans the bins, and within a decade it still has
#    three tick labels or more (a log axis alone gives one or none there). The
#    greedy policy is deterministic, so its positive weights are 1/pscore, and the
#    generated log's pscores (5 actions, about 0.2 to 0.32) put them between 3 and 5.
rm -f "$TMP/script.gp"
OPE_GNUPLOT="$TMP/gp" $OPE plot weights "$TMP/big.csv" --policy greedy -o "$TMP/w.svg" \
    2>"$TMP/err" && pass "weights to SVG" || fail "weights: $(cat "$TMP/err")"
x=$(grep '^set xrange' "$TMP/script.gp" | head -1)
lo=$(echo "$x" | sed 's/.*\[\([^:]*\):.*/\1/')
awk -v v="$lo" 'BEGIN { exit !(v > 1.5) }' && pass "the x axis starts at the smallest bin ($lo), not at 1" ||
    fail "x axis: $x"
nt=$(grep '^set xtics (' "$TMP/script.gp" | tr ',' '\n' | wc -l)
[ "$nt" -ge 3 ] && pass "$nt x tick labels" || fail "$nt x tick labels"

done_testing
