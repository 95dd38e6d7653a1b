#!/bin/sh
# t/1491-report-layout.sh: what a reader of a report sees. The title shows on the page
# (an h1 in the body, not only the browser tab's <title>), from --title or else from
# the log's name, in HTML and Markdown; every table row has a cell under every header
# (no column hidden), headers wrap at their spaces while values do not, a name such as
# dr-os:lambda=100 sits in a nowrap span wherever it could wrap (a header, a long
# cell), and the print style shows every column (a table is not a sideways-scrolling
# block on paper) and repeats the header row on each page. (Checked by eye in
# chromium at 1200 px and printed to PDF when written: before, the Estimates table hid
# its last column behind a scroll bar and broke "dr-/os:lambda=100" over two lines.)
. "$OPE_SRCDIR/t/lib.sh"

cd "$TMP" || exit 1
"$OPE" gen bandit --rows 1500 --seed 3 -q -o log.csv || { echo "Bail out! gen"; exit 1; }
"$OPE" report log.csv --no-charts -q -o r.html || { echo "Bail out! report"; exit 1; }
"$OPE" report log.csv --no-charts -q --title 'A/B test: dr-os & <friends>' -o t.html
"$OPE" report log.csv --no-charts -q --title 'A/B test: dr-os' -o t.md
"$OPE" report log.csv --no-charts -q -o r.md

# --- the title --------------------------------------------------------------------------
# The body's first element is the h1; without its spans it says what <title> says.
strip() { sed 's/<[^>]*>//g'; }
h1=$(sed -n '/<main>/{n;p;}' r.html)
echo "$h1" | grep -q '^<h1>.*</h1>$' && pass "an h1 opens the page's body" || { fail "no h1 after <main>"; diag "$h1"; }
[ "$(echo "$h1" | strip)" = "Off-policy evaluation report: log.csv" ] \
    && pass "the default title comes from the log's name" || { fail "default title"; diag "$h1"; }
grep -q '^<title>Off-policy evaluation report: log.csv</title>$' r.html && pass "... as the <title> does" \
    || fail "the <title>"
h1=$(sed -n '/<main>/{n;p;}' t.html)
[ "$(echo "$h1" | strip)" = "A/B test: dr-os &amp; &lt;friends&gt;" ] && pass "--title: the h1 says it, escaped" \
    || { fail "--title in the h1"; diag "$h1"; }
echo "$h1" | grep -qF '<span class="nw">dr-os</span>' && pass "--title: a hyphenated word of it does not break" \
    || { fail "the title's nowrap span"; diag "$h1"; }
[ "$(head -n 1 t.md)" = "# A/B test: dr-os" ] && pass "Markdown: --title is the first heading" \
    || { fail "Markdown --title"; diag "$(head -n 1 t.md)"; }
[ "$(head -n 1 r.md)" = "# Off-policy evaluation report: log.csv" ] && pass "Markdown: the default title" \
    || { fail "Markdown default title"; diag "$(head -n 1 r.md)"; }

# --- tables: no hidden column -----------------------------------------------------------
# Each table's header row and body rows are one line each (<thead><tr>... and <tr>...):
# every row has as many cells as the header has headers.
awk '/<thead><tr>/ { h = gsub(/<th[ >]/, "&"); tables++ }
     /^<tr><td/ { c = gsub(/<td[ >]/, "&"); rows++; if (c != h) { bad++; print "row of " c " cells under " h " headers: " substr($0, 1, 120) } }
     END { print tables " tables, " rows " rows" > "counts"; exit bad > 0 }' r.html > cells.err \
    && pass "every row has a cell under every header ($(cat counts))" \
    || { fail "rows and headers disagree"; diag "$(head -n 3 cells.err)"; }
grep -q 'display:none\|visibility:hidden' r.html && fail "a style hides something" || pass "no style hides anything"

# --- the style: headers wrap, values do not, names never, all of it printable -----------
css=$(sed -n '/<style>/,/<\/style>/p' r.html)
echo "$css" | grep -q '^td{white-space:nowrap}' && pass "values (td) do not wrap" || fail "td nowrap"
echo "$css" | grep -q '^th{[^}]*white-space:normal' && pass "headers (th) wrap at their spaces" || fail "th wraps"
echo "$css" | grep -q 'td\.w{white-space:normal' && pass "a long prose cell (class w) wraps" || fail "td.w"
echo "$css" | grep -q '^\.nw{white-space:nowrap}' && pass "span.nw never wraps" || fail ".nw"
pr=$(echo "$css" | sed -n 's/^@media print{\(.*\)}$/\1/p')
[ -n "$pr" ] && pass "a print style" || fail "no @media print"
echo "$pr" | grep -q 'table{display:table;overflow:visible' \
    && pass "on paper a table is a table (every column printed, no scroll box)" || { fail "print: table"; diag "$pr"; }
echo "$pr" | grep -q 'thead{display:table-header-group}' && pass "on paper the header row repeats" \
    || fail "print: thead"
echo "$pr" | grep -q 'tr,[^}]*{break-inside:avoid' && pass "on paper a row is never cut in two" || fail "print: rows"

# --- names ------------------------------------------------------------------------------
# The SharpeRatio@k table's headers are the estimators' labels: each hyphenated one is
# whole in a nowrap span; no header holds a bare hyphenated word (outside a span).
for name in switch-dr:tau=50 dr-os:lambda=100 sg-ipw:lambda=0.01; do
    grep -qF "<th class=\"n\"><span class=\"nw\">$name</span></th>" r.html \
        && pass "the header $name is a nowrap span" || fail "the header $name"
done
grep -o '<th[^>]*>[^<]*</th>' r.html | strip | grep -E '(^| )[^ ]*[-/][^ ]' > bare.txt
[ ! -s bare.txt ] && pass "no header holds a hyphenated word outside a span" \
    || { fail "bare hyphenated headers"; diag "$(head -n 3 bare.txt)"; }
# A ranking is a long cell of several words: it wraps (class w), between the names.
grep -q '<td class="w">greedy &gt; ' r.html && pass "a ranking cell may wrap between its names" \
    || fail "the ranking cell's class"
# In prose, a name in code is one token too.
grep -qF 'Used as: <code class="nw">dr-os:lambda=100</code>' r.html \
    && pass "Methods: 'Used as: dr-os:lambda=100' does not break" || fail "code nowrap"

# --- still well-formed XML with the spans ----------------------------------------------
if command -v xmllint >/dev/null 2>&1; then
    xmllint --noout r.html 2>xml.err && xmllint --noout t.html 2>>xml.err \
        && pass "the reports are well-formed XML" || { fail "not well-formed"; diag "$(head -c 400 xml.err)"; }
else
    skip "xmllint is not installed"
fi
done_testing
