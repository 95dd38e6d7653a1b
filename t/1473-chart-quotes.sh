#!/bin/sh
# t/1473-chart-quotes.sh: issue 20, item 13: names with a leading or doubled apostrophe
# broke the gnuplot script (gnuplot 5.4 reads '''x' as '' then 'x'): `ope plot` exited
# 70 and `ope report` dropped its charts silently. A corpus of hostile names goes
# through every chart kind and the report: every chart is drawn (exit 0), shows each
# name as SVG text, and nothing runs. A chart gnuplot does fail to draw fails the report
# (70, naming the chart), with nothing written.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v gnuplot >/dev/null 2>&1; then
    skip "gnuplot is not installed (CI installs gnuplot-nox)"
    done_testing
    exit $?
fi
cd "$TMP" || exit 1

# The corpus, one name a line: apostrophes leading, trailing, doubled and alone (what
# broke), gnuplot's other dangers (double quotes, backquotes running a command, a quote
# closing the string to reach system(), backslash escapes, $ and @ macros), printf
# formats (a tic label is a format to gnuplot), markup, UTF-8 and a 200-byte name.
long=$(awk 'BEGIN { for (i = 0; i < 40; i++) printf "long%c", 39 }')
cat > names.txt <<EOF
'x
x'
a''b
''
'''quoted' ''title''
say "hi" \`touch PWNED1\`
x'; system('touch PWNED2'); '
!touch PWNED4 "; system("touch PWNED5"); "
back\\slash \\n \$HOME @m %s %d 100%
café € 😀
<b> & </b>
$long
EOF
# CSV cells: double quotes doubled; the two names with a control character (a tab, a
# newline) are added as quoted fields, and shown with a space instead.
csvq='function q(s) { gsub(/"/, "\"\"", s); return "\"" s "\"" }'
# has_all FILE DESC: every corpus name is in FILE, as gnuplot's SVG writes text (&, <
# escaped), plus the tab and newline names with a space.
has_all() {
    miss=""
    while IFS= read -r n; do
        e=$(printf '%s' "$n" | sed 's/&/\&amp;/g; s/</\&lt;/g')
        grep -qF -- "$e" "$1" || miss="$miss [$n]"
    done < names.txt
    for n in "tab here" "new line"; do grep -qF -- "$n" "$1" || miss="$miss [$n]"; done
    [ -z "$miss" ] && pass "$2" || { fail "$2"; diag "missing:$miss"; }
}
# has_first N FILE DESC: the first N names (charts that draw fewer series).
has_first() {
    miss=""
    head -n "$1" names.txt > first.txt
    while IFS= read -r n; do
        e=$(printf '%s' "$n" | sed 's/&/\&amp;/g; s/</\&lt;/g')
        grep -qF -- "$e" "$2" || miss="$miss [$n]"
    done < first.txt
    [ -z "$miss" ] && pass "$3" || { fail "$3"; diag "missing:$miss"; }
}
nothing_ran() {
    if ls -a | grep -q 'PWNED\|\.ope-[0-9]'; then fail "$1"; diag "$(ls -a)"; else pass "$1"; fi
}

# 1. Series names: cdf, topk, curves (and curves as PNG and PDF).
awk "$csvq"' { for (x = 1; x <= 3; x++)
                   print q($0) "," x "," 0.1 * NR + 0.01 * x "," 0.1 * NR "," 0.1 * NR + 0.05 }
     BEGIN { print "series,x,y,lo,hi" }' names.txt > series.csv
printf '"tab\there",1,0.1,0,0.2\n"tab\there",2,0.2,0.1,0.3\n' >> series.csv
printf '"new\nline",1,0.3,0.2,0.4\n"new\nline",2,0.4,0.3,0.5\n' >> series.csv
for kind in cdf topk curves; do
    expect_status 0 "plot $kind with the hostile corpus" "$OPE" plot $kind --from-csv series.csv \
        -o $kind.svg
    has_all $kind.svg "$kind: every name is in the legend"
done
expect_status 0 "curves as PNG" "$OPE" plot curves --from-csv series.csv -o curves.png
expect_status 0 "curves as PDF" "$OPE" plot curves --from-csv series.csv -o curves.pdf
expect_status 0 "curves as text" "$OPE" plot curves --from-csv series.csv --term dumb --size 160x60
expect_grep "$TMP/out" "'''quoted' ''title''" "the text chart's legend has the quoted name"
# The issue's own case: --title "'quoted' title".
expect_status 0 "curves --title \"'quoted' title\" (was 70)" "$OPE" plot curves \
    --from-csv series.csv --title "'quoted' title" -o t.svg
expect_grep t.svg "'quoted' title" "the title is drawn as given"

# 2. Policy names: estimates (from a log and from JSON), weights, sample-size.
awk "$csvq"' { n[NR] = $0 }
     END { h = "action,reward,pscore"
           for (i = 1; i <= NR; i++) for (a = 0; a < 2; a++) h = h "," q("p:" n[i] ":" a)
           h = h ",\"p:tab\there:0\",\"p:tab\there:1\",\"p:new\nline:0\",\"p:new\nline:1\""
           print h
           for (r = 0; r < 120; r++) {
               l = (r % 2) "," (r % 3 == 0) ",0.5"
               for (i = 1; i <= NR + 2; i++) { p = (i % 9 + 1) / 10; l = l "," p "," 1 - p }
               print l } }' names.txt > log.csv
pc='(?s)^p:(?<policy>.+):(?<action>\d)$'
expect_status 0 "plot estimates with the corpus as policy names" "$OPE" plot estimates log.csv \
    --policy-columns "$pc" --ci none -o est.svg
has_all est.svg "estimates: every policy name is a tick label (a % too)"
expect_status 0 "and as text" "$OPE" plot estimates log.csv --policy-columns "$pc" --ci none \
    --term dumb --size 200x40
expect_grep "$TMP/out" 'back\slash \n $HOME @m %s %d 100%' "the text chart labels the policies"
"$OPE" eval log.csv --policy-columns "$pc" --n-boot 20 --format json -o ev.json 2>/dev/null
expect_status 0 "estimates --from-json with the corpus" "$OPE" plot estimates --from-json ev.json \
    -o estj.svg
has_all estj.svg "from JSON: every policy name is a tick label"
i=0
while IFS= read -r n; do
    i=$((i + 1))
    "$OPE" plot weights log.csv --policy-columns "$pc" --policy "$n" -o w$i.svg 2>>err.txt ||
        echo "weights [$n]" >> failed.txt
    "$OPE" plot sample-size log.csv --policy-columns "$pc" --policy "$n" -o s$i.svg \
        2>>err.txt || echo "sample-size [$n]" >> failed.txt
    e=$(printf '%s' "$n" | sed 's/&/\&amp;/g; s/</\&lt;/g')
    grep -qF -- "$e" w$i.svg s$i.svg 2>/dev/null || echo "title [$n]" >> failed.txt
done < names.txt
[ ! -s failed.txt ] && pass "weights and sample-size of every policy, titled with its name" ||
    { fail "weights and sample-size of every policy"; diag "$(cat failed.txt err.txt)"; }

# A 400-byte name ending in a 3-byte character: titles were cut at 300 bytes, in the
# middle of a character (drawn as ?).
huge=$(awk 'BEGIN { for (i = 0; i < 80; i++) printf "long%c", 39 }')€
printf 'action,reward,pscore,"p:%s:0","p:%s:1"\n' "$huge" "$huge" > huge.csv
awk 'BEGIN { for (i = 0; i < 60; i++) print i % 2 "," (i % 3 == 0) ",0.5,0.3,0.7" }' >> huge.csv
"$OPE" plot weights huge.csv --policy-columns "$pc" -o hw.svg 2>/dev/null
"$OPE" plot sample-size huge.csv --policy-columns "$pc" -o hs.svg 2>/dev/null
grep -qF -- "policy $huge" hw.svg && grep -qF -- "Policy $huge:" hs.svg &&
    pass "weights and sample-size titles hold a 400-byte name whole" ||
    fail "a 400-byte name was cut in a title"

# 3. Algorithm and estimator names: regret, value (an explore run), sharpe (a select
# CSV), train (training curves). Each distinct name of the key column becomes the next
# corpus name.
rename() {      # rename COL IN OUT
    awk -F, -v OFS=, -v k="$1" "$csvq"'
        NR == FNR { n[FNR] = $0; next }
        FNR == 1 { print; next }
        { if (!($k in m)) m[$k] = n[++c]; $k = q(m[$k]); print }' names.txt "$2" > "$3"
}
"$OPE" explore --compare --env riverswim --episodes 10 --runs 2 -q -o run0.csv >/dev/null
rename 4 run0.csv run.csv
"$OPE" gen bandit --rows 300 --seed 3 -q -o b.csv
"$OPE" select b.csv --n-boot 20 --format csv -q -o sel0.csv
rename 1 sel0.csv sel.csv
"$OPE" train --compare --env riverswim --episodes 40 --runs 1 -q -o curves0.csv >/dev/null
rename 1 curves0.csv tc.csv
na=$(cut -d, -f4 run0.csv | sed 1d | sort -u | wc -l)
ne=$(cut -d, -f1 sel0.csv | sed 1d | sort -u | wc -l)
nt=$(cut -d, -f1 curves0.csv | sed 1d | sort -u | wc -l)
expect_status 0 "plot regret with hostile algorithm names" "$OPE" plot regret run.csv -o regret.svg
has_first "$na" regret.svg "regret: every algorithm's name"
expect_status 0 "plot value with hostile algorithm names" "$OPE" plot value run.csv -o value.svg
has_first "$na" value.svg "value: every algorithm's name"
expect_status 0 "plot sharpe with hostile estimator names" "$OPE" plot sharpe sel.csv -o sharpe.svg
has_first "$ne" sharpe.svg "sharpe: every estimator's name"
expect_status 0 "plot train with hostile algorithm names" "$OPE" plot train tc.csv -o train.svg
has_first "$nt" train.svg "train: every algorithm's name"

# 4. Every kind takes a hostile --title. (The estimates of two policies: with every
# policy the 200-byte tick label leaves gnuplot no room for a title.)
"$OPE" eval log.csv --policy-columns "$pc" --policy "'x" --policy "a''b" --n-boot 20 \
    --format json -o ev2.json 2>/dev/null
title="'''quoted' ''title'' \`touch PWNED3\` %s"
: > failed.txt
for spec in "estimates log.csv --policy-columns $pc --policy 'x --ci none" \
            "estimates --from-json ev2.json" \
            "weights log.csv --policy-columns $pc" "sample-size log.csv --policy-columns $pc" \
            "cdf --from-csv series.csv" "topk --from-csv series.csv" \
            "curves --from-csv series.csv" "regret run.csv" "value run.csv" "sharpe sel.csv" \
            "train tc.csv"; do
    # shellcheck disable=SC2086  # the spec is split into words on purpose
    "$OPE" plot $spec --title "$title" -o title.svg --force 2>>err.txt &&
        grep -qF -- "$title" title.svg || echo "[$spec]" >> failed.txt
done
[ ! -s failed.txt ] && pass "every chart kind draws the hostile title as given" ||
    { fail "a kind failed with the hostile title"; diag "$(cat failed.txt err.txt)"; }

# 5. The report: its charts are drawn, not dropped ("0 charts inline" was exit 0).
expect_status 0 "report (HTML) with the corpus as policy names" "$OPE" report log.csv \
    --policy-columns "$pc" --n-boot 20 -o r.html
expect_grep "$TMP/err" "wrote r.html (1 chart inline)" "with its estimates chart"
expect_grep r.html "'''quoted' ''title''" "whose tick labels hold the quoted name"
expect_status 0 "report (Markdown) with the corpus" "$OPE" report log.csv --policy-columns "$pc" \
    --n-boot 20 -o r.md
expect_grep "$TMP/err" "wrote r.md and 1 chart file next to it" "with its chart file"
has_all r-estimates.svg "the Markdown report's chart has every name"
nothing_ran "no name ran a command; no temporary file is left"

# 6. A chart gnuplot fails to draw (a gnuplot that garbles every plot command stands in
# for a bug in ope) fails the report: exit 70, the chart named, nothing written.
cat > badgp <<EOF
#!/bin/sh
sed -u 's/^plot /plot ((( /' | exec $(command -v gnuplot) "\$@"
EOF
chmod +x badgp
OPE_GNUPLOT=$TMP/badgp expect_status 70 "report: a chart gnuplot rejects is exit 70" \
    "$OPE" report log.csv --policy-columns "$pc" --n-boot 20 -o bad.html
expect_grep "$TMP/err" "bad.html: the estimates chart could not be drawn, so no report was written" \
    "naming the chart"
OPE_GNUPLOT=$TMP/badgp expect_status 70 "the same for Markdown" "$OPE" report log.csv \
    --policy-columns "$pc" --n-boot 20 -o bad.md
ls bad* | grep -v badgp > left.txt
[ ! -s left.txt ] && pass "no report and no chart file is left" || fail "left: $(cat left.txt)"
OPE_GNUPLOT=$TMP/badgp expect_status 70 "ope plot: the same script error is exit 70" \
    "$OPE" plot curves --from-csv series.csv -o bad.svg
[ ! -e bad.svg ] && pass "and writes nothing" || fail "a chart was written"
nothing_ran "nothing left behind after the failures"
done_testing
