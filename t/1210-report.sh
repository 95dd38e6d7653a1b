#!/bin/sh
# t/1210-report.sh: `ope report` end to end. The HTML parses (xmllint, as HTML and as
# XML), is self-contained, and shows exactly the numbers of `ope eval --format json`;
# Markdown reports come with their SVG charts; trajectory logs get the risk section
# with the numbers of `ope eval --risk`; hostile names are escaped; the demo works;
# and every way the output can fail (missing directory, existing file, a directory
# or FIFO in the way, a write failing midway) exits 73 and leaves nothing behind.
. "$OPE_SRCDIR/t/lib.sh"
cd "$TMP" || exit 1

have_xmllint=0
command -v xmllint >/dev/null 2>&1 && have_xmllint=1
have_gnuplot=0
command -v gnuplot >/dev/null 2>&1 && have_gnuplot=1

# html_ok FILE DESC: well-formed as XML (the report is polyglot markup), and libxml2's
# HTML parser reports nothing but the HTML5/SVG elements its HTML 4 tables lack.
html_ok() {
    if [ $have_xmllint = 0 ]; then skip "$2 (xmllint is not installed)"; return; fi
    if xmllint --noout "$1" 2>"$TMP/xml.err" &&
        xmllint --html --noout "$1" 2>"$TMP/html.err" &&
        ! grep "parser error" "$TMP/html.err" | grep -v "Tag [A-Za-z]* invalid" | grep -q .; then
        pass "$2"
    else
        fail "$2"; diag "$(head -c 800 "$TMP/xml.err" "$TMP/html.err")"
    fi
}
svg_ok() {
    if [ -s "$1" ] && { [ $have_xmllint = 0 ] || xmllint --noout "$1"; }; then pass "$2"
    else fail "$2"; fi
}
# One expected table row prefix per estimate of `ope eval --format json` (one object per
# line there): "policy label value lower upper" formatted as the report does (%.6g).
eval_rows() {
    sed -n -e 's/^ *{"name":"\([^"]*\)","ground_truth".*/P \1/p' \
        -e 's/^ *{"estimator":"[^"]*","label":"\([^"]*\)","params":.*,"value":\([^,]*\),"ci":{"lower":\([^,]*\),"upper":\([^}]*\)}.*/E \1 \2 \3 \4/p' "$1" |
    awk -v fmt="$2" 'function f(x) { return x == "null" ? "-" : sprintf("%.6g", x) }
        $1 == "P" { pol = $2; next }
        fmt == "html" { printf "<tr><td>%s</td><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>\n", pol, $2, f($3), f($4), f($5) }
        fmt == "md" { printf "| %s | %s | %s | %s | %s |\n", pol, $2, f($3), f($4), f($5) }'
}
# rows_in EXPECTED FILE DESC: every expected row is in FILE (and there are some).
rows_in() {
    n=0; miss=0
    while IFS= read -r row; do
        n=$((n + 1))
        grep -qF -- "$row" "$2" || { miss=$((miss + 1)); [ $miss -le 3 ] && diag "missing: $row"; }
    done < "$1"
    if [ $n -gt 0 ] && [ $miss -eq 0 ]; then pass "$3 ($n rows)"; else fail "$3 ($miss of $n missing)"; fi
}
# No raw markup outside Markdown code blocks (which show their content literally).
md_text() { awk '/^```/ { code = !code; next } !code' "$1"; }

$OPE gen bandit --rows 1500 --seed 3 -o log.csv 2>/dev/null

# 1. HTML: written, well-formed, self-contained, the numbers of `ope eval`.
expect_status 0 "ope report LOG -o r.html" $OPE report log.csv --n-boot 200 -o r.html
expect_grep "$TMP/err" "wrote r.html" "it says what it wrote"
html_ok r.html "the HTML is well-formed"
if grep -qi '<script\|<link\|<iframe\|<img\|<object\|src=\|@import' r.html; then
    fail "no scripts and nothing loaded from elsewhere"; else pass "no scripts and nothing loaded from elsewhere"; fi
urls=$(grep -o 'https\?://[^"'"'"' )<]*' r.html | sort -u | grep -v -x -e 'http://www.w3.org/1999/xhtml' \
    -e 'http://www.w3.org/2000/svg' -e 'http://www.w3.org/1999/xlink')
[ -z "$urls" ] && pass "the only URLs are XML namespace names" || { fail "URLs in the report"; diag "$urls"; }
$OPE eval log.csv --n-boot 200 --format json > e.json
eval_rows e.json html > want-html.txt
rows_in want-html.txt r.html "every estimate and interval equals ope eval --format json"
for s in Summary Data Estimates Selection Methods Reproducibility; do
    expect_grep r.html "<h2 id=\"$(echo $s | tr 'A-Z' 'a-z')\">$s" "section $s"
done
expect_grep r.html "The estimators agree on the best policy" "the summary says whether the estimators agree"
expect_grep r.html "$(sed -n 's/.*"sha256":"\([0-9a-f]*\)".*/\1/p' e.json)" "the input's SHA-256 (as eval's)"
expect_grep r.html "<pre>ope report log.csv --n-boot 200 -o r.html</pre>" "the exact command line, in the order typed"
expect_grep r.html "Horvitz" "the methods appendix cites each estimator"
if [ $have_gnuplot = 1 ]; then
    [ "$(grep -c '<svg' r.html)" -eq 2 ] && pass "two inline SVG charts (estimates, SharpeRatio@k)" ||
        fail "two inline SVG charts"
else
    skip "inline charts (gnuplot is not installed)"
fi

# 2. Reproducible: the same command and OPE_REPORT_DATE give the same bytes.
OPE_REPORT_DATE=2001-02-03T04:05:06Z $OPE report log.csv --n-boot 200 -o a.html 2>/dev/null
OPE_REPORT_DATE=2001-02-03T04:05:06Z $OPE report log.csv --n-boot 200 --threads 1 -o b.html 2>/dev/null
sed 's/--threads 1 //; s/b\.html/a.html/' b.html > b2.html
cmp -s a.html b2.html && pass "identical reports from identical runs (any thread count)" ||
    fail "reports differ between identical runs"
expect_grep a.html "2001-02-03T04:05:06Z" "OPE_REPORT_DATE sets the date"

# 3. Markdown with chart files next to it.
expect_status 0 "ope report LOG -o r.md" $OPE report log.csv --n-boot 200 -o r.md
eval_rows e.json md > want-md.txt
rows_in want-md.txt r.md "the Markdown tables hold the same numbers"
if [ $have_gnuplot = 1 ]; then
    svg_ok r-estimates.svg "r-estimates.svg is written and parses"
    svg_ok r-sharpe.svg "r-sharpe.svg is written and parses"
    expect_grep r.md "](r-estimates.svg)" "the report links its chart"
else
    skip "chart files (gnuplot is not installed)"; skip "-"; skip "-"
fi

# 4. A trajectory log: risk section, truth, numbers of eval and eval --risk.
$OPE gen mdp riverswim --episodes 200 --candidates 4 --seed 5 -o traj.csv --truth truth.csv 2>/dev/null
expect_status 0 "a report on a generated trajectory log" $OPE report traj.csv --truth truth.csv \
    --n-boot 200 -o t.md
expect_grep t.md "## Risk: the distribution of the return" "it has the risk section"
expect_grep t.md "| logged (behaviour policy) | observed |" "with the logged returns' distribution"
expect_grep t.md "### Each estimator as a selection tool" "and, with the truth, the selection metrics"
$OPE eval traj.csv --truth truth.csv --n-boot 200 --format json > te.json
eval_rows te.json md > want-t.txt
rows_in want-t.txt t.md "trajectory estimates equal ope eval --format json"
$OPE eval traj.csv --n-boot 200 --risk --policy mix33 --policy mix100 --format json 2>/dev/null |
    tr '{' '\n' | awk '/^"name":/ { split($0, a, "\""); pol = a[4] }
        /^"method":"(tis|sn)"/ { split($0, a, /[",:]+/)
            printf "| %s | %s | %.6g | %.6g | %.6g | %.6g |\n", pol, a[3], a[5], a[7], a[9], a[13] }' > want-risk.txt
rows_in want-risk.txt t.md "return distributions equal ope eval --risk"
if [ $have_gnuplot = 1 ]; then
    svg_ok t-cdf.svg "the CDF chart t-cdf.svg parses"
else
    skip "the CDF chart (gnuplot is not installed)"
fi
expect_status 0 "the same as HTML" $OPE report traj.csv --n-boot 200 -o t.html
html_ok t.html "the trajectory HTML is well-formed"

# A truth file that covers only some policies: the summary says so instead of naming
# a "truly best" policy it cannot know; --k larger than M is refused as by ope select.
{ echo policy,value; grep -E '^(mix33|mix100),' truth.csv; } > part.csv
expect_status 0 "a partial truth file" $OPE report traj.csv --truth part.csv --n-boot 50 --no-charts -o part.md
expect_grep part.md "True values are given for 2 of the 4 policies" "says the truth is partial"
expect_status 64 "--k larger than the candidates" $OPE report traj.csv --k 9 --n-boot 50 --no-charts -o k.md
[ ! -e k.md ] && pass "no report for a refused --k" || fail "k.md written"
# --force over an earlier report: a failure keeps the earlier report and its charts.
if [ $have_gnuplot = 1 ]; then
    $OPE report traj.csv --n-boot 50 -o keep.md 2>/dev/null
    cp keep.md keep.orig; ls keep-*.svg > keep.list
    env OPE_TEST_WRITE_LIMIT=3000 $OPE report traj.csv --n-boot 50 --title other -o keep.md --force 2>/dev/null
    st=$?
    if [ $st -eq 73 ] && cmp -s keep.md keep.orig && [ "$(ls keep-*.svg)" = "$(cat keep.list)" ]; then
        pass "a failed --force rewrite leaves the earlier report and charts in place"
    else fail "failed rewrite: status $st, files $(ls keep*)"; fi
else
    skip "gnuplot is not installed"
fi

# 5. Hostile names: policy columns, title and file name are text, never markup.
{
    s='<script>alert(1)</script>'
    x="x'\"\"&amp;<img src=x onerror=alert(2)>"
    printf '%s\n' "action,reward,pscore,\"pi.$s.0\",\"pi.$s.1\",\"pi.$x.0\",\"pi.$x.1\""
    i=0; while [ $i -lt 200 ]; do
        echo "$((i % 2)),$((i % 3 == 0)),0.5,0.7,0.3,0.2,0.8"; i=$((i + 1)); done
} > hostile.csv
pat='(?s)^pi\.(?<policy>.+)\.(?<action>\d+)$'
expect_status 0 "a report on hostile policy names" $OPE report hostile.csv --policy-columns "$pat" \
    --n-boot 50 --title '</title><script>alert(3)</script>' -o h.html
html_ok h.html "the HTML stays well-formed"
if grep -qi '<script\|<img' h.html; then fail "no script or img element got through"; else
    pass "no script or img element got through"; fi
expect_grep h.html "&lt;script&gt;alert(1)&lt;/script&gt;" "the policy name is shown as text"
expect_grep h.html "x&#39;&quot;&amp;amp;&lt;img src=x onerror=alert(2)&gt;" "quotes, & and tags are escaped"
expect_grep h.html "<title>&lt;/title&gt;&lt;script&gt;alert(3)&lt;/script&gt;</title>" "the title is escaped"
expect_status 0 "the same as Markdown, with a hostile file name" $OPE report hostile.csv \
    --policy-columns "$pat" --n-boot 50 -o "it's <b>&.md"
if md_text "it's <b>&.md" | grep -q '\(^\|[^\\]\)<\(script\|img\)'; then
    fail "no raw HTML in the Markdown text"; else pass "no raw HTML in the Markdown text"; fi
expect_grep "it's <b>&.md" '\<script\>alert(1)\</script\>' "the name is escaped for Markdown"
if [ $have_gnuplot = 1 ]; then
    expect_grep "it's <b>&.md" "](it%27s%20%3Cb%3E%26-estimates.svg)" "the chart link is percent-encoded"
    svg_ok "it's <b>&-estimates.svg" "and the chart file has the report's base name"
else
    skip "chart link (gnuplot is not installed)"; skip "-"
fi

# 6. Without gnuplot the report is still written, with a note instead of charts.
expect_status 0 "gnuplot missing: still written" env OPE_GNUPLOT=/nonexistent/gnuplot \
    $OPE report log.csv --n-boot 50 -o ng.html
expect_grep ng.html "Chart not drawn: gnuplot is not installed" "a note where each chart would be"
expect_grep "$TMP/err" "no charts" "and the command says so"
html_ok ng.html "still well-formed"

# 7. The built-in demo (Open Bandit Dataset): the numbers of `ope demo --print`.
expect_status 0 "ope report --demo" $OPE report --demo -o demo.html
html_ok demo.html "the demo report is well-formed"
expect_grep demo.html "BTS actually obtained a click rate" "it tells the demo's story"
expect_grep demo.html "Compared with BTS&#39;s observed click rate" "and compares with BTS's real click rate"
$OPE demo --print > demo.txt
# The demo prints %.5f; each estimator's value there must match the report's to 5e-6.
# Every bandit estimator of the registry with a number in the demo (one that does not
# apply shows "-").
names=$($OPE help estimators --names | sed -n 's/^bandit //p' | paste -sd'|')
awk -v re="^($names)([:]|\$)" '/campaign .men./ { m = 1 } /campaign .women./ { m = 0 }
     m && $1 ~ re && NF == 5 && $2 ~ /^[0-9]/ { print $1, $2 }' demo.txt > d1.txt
sed -n 's|^<tr><td>bts</td><td>\([^<]*\)</td><td class="n">\([^<]*\)</td>.*|\1 \2|p' demo.html > d2.txt
nd=$(wc -l < d1.txt)
awk -v want_n="$nd" 'NR == FNR { want[$1] = $2; next } ($1 in want) { n++; d = $2 - want[$1]; if (d < 0) d = -d; if (d > 5.1e-6) bad++ }
     END { exit !(n == want_n && n >= 8 && bad == 0) }' d1.txt d2.txt &&
    pass "the demo's $nd estimates agree with ope demo --print" ||
    { fail "the demo's estimates agree with ope demo --print"; diag "$(cat d1.txt d2.txt)"; }

# 8. Usage errors.
expect_status 64 "no -o" $OPE report log.csv
expect_status 64 "a .pdf report is refused" $OPE report log.csv -o r.pdf
expect_grep "$TMP/err" "PDF is not offered" "saying PDF is not offered"
expect_status 64 "standard input is refused" $OPE report - -o s.html
expect_status 64 "--demo takes no log" $OPE report --demo log.csv -o s.html
expect_status 66 "a missing log" $OPE report nosuch.csv -o s.html

# 9. Output failures: 73, a clear message, nothing left behind.
expect_status 73 "a missing directory" $OPE report log.csv --n-boot 50 -o nodir/r.html
[ ! -e nodir ] && pass "nothing created" || fail "something was created"
echo data > file.txt
expect_status 73 "a path under a regular file" $OPE report log.csv --n-boot 50 -o file.txt/r.html
echo old > exists.html
expect_status 73 "an existing file without --force" $OPE report log.csv --n-boot 50 -o exists.html
expect_grep "$TMP/err" "use --force" "the message says how to replace it"
[ "$(cat exists.html)" = old ] && pass "the file is unchanged" || fail "the file was changed"
expect_status 0 "--force replaces it" $OPE report log.csv --n-boot 50 -o exists.html --force
html_ok exists.html "with a complete report"
mkdir d.html
expect_status 73 "a directory, even with --force" $OPE report log.csv --n-boot 50 -o d.html --force
expect_grep "$TMP/err" "not a regular file" "saying it is not a regular file"
[ -d d.html ] && pass "the directory is untouched" || fail "the directory was changed"
if mkfifo f.html 2>/dev/null; then
    expect_status 73 "a FIFO, even with --force" $OPE report log.csv --n-boot 50 -o f.html --force
    [ -p f.html ] && pass "the FIFO is untouched" || fail "the FIFO was changed"
else
    skip "mkfifo failed"; skip "-"
fi
# A symbolic link to a regular file: not followed, and said to be a link (it was "not
# a regular file", which the file it names is).
echo old > target.html
ln -s target.html link.html
expect_status 73 "a symbolic link, even with --force" $OPE report log.csv --n-boot 50 \
    -o link.html --force
expect_grep "$TMP/err" "link.html: a symbolic link; refusing to replace it" "... said to be a link"
[ -L link.html ] && [ "$(cat target.html)" = old ] && pass "the link and its file are untouched" ||
    fail "the link or its file was changed"
expect_status 73 "a write failing midway (HTML)" env OPE_TEST_WRITE_LIMIT=1000 \
    $OPE report log.csv --n-boot 50 -o w.html
[ -z "$(ls -a | grep 'w\.html')" ] && pass "no report and no temporary file" ||
    { fail "files left behind"; diag "$(ls -a)"; }
expect_status 73 "a write failing midway (Markdown and charts)" env OPE_TEST_WRITE_LIMIT=1000 \
    $OPE report log.csv --n-boot 50 -o w.md
[ -z "$(ls -a | grep '^\.\?w[-.]')" ] && pass "no report, chart or temporary file" ||
    { fail "files left behind"; diag "$(ls -a)"; }
done_testing
