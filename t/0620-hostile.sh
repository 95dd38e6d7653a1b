#!/bin/sh
# t/0620-hostile.sh: names that try to run commands through gnuplot — a quote that
# closes the string and calls system(), backquotes, "EOD" (the end of a datablock),
# newlines, @macros, enhanced-text markup, a `|command` output name — arrive from
# every door (policy columns, titles, series CSV, eval JSON, file names). Nothing may
# run, every SVG must parse, and the text must appear literally (as SVG escapes it).
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v gnuplot >/dev/null 2>&1; then
    skip "gnuplot is not installed (CI installs gnuplot-nox)"
    done_testing
    exit $?
fi
cd "$TMP" || exit 1
svg_ok() {
    if [ -s "$1" ] && { ! command -v xmllint >/dev/null 2>&1 || xmllint --noout "$1"; }; then
        pass "$2"; else fail "$2"; fi
}
nothing_ran() {
    if ls "$TMP" | grep -q pwned; then fail "$1"; diag "$(ls "$TMP")"; else pass "$1"; fi
}

# 1. Policy names from column headers (the header's quoted fields may hold anything).
q="x'; system('touch $TMP/pwned1'); '"
b="\`touch $TMP/pwned2\`"
m="@macro {/Symbol a}^2_3 & EOD"
{
    printf 'action,reward,pscore'
    for n in "$q" "$b" "$m"; do
        for a in 0 1; do printf ',"p:%s:%s"' "$(printf '%s' "$n" | sed 's/"/""/g')" "$a"; done
    done
    printf ',"p:two\nlines:0","p:two\nlines:1"\n'
    i=0; while [ $i -lt 120 ]; do
        echo "$((i % 2)),$((i % 3 == 0)),0.5,0.5,0.5,0.9,0.1,0.2,0.8,0.3,0.7"; i=$((i + 1)); done
} > hostile.csv
expect_status 0 "estimates with hostile policy names" "$OPE" plot estimates hostile.csv --ci none \
    --policy-columns '(?s)^p:(?<policy>.+):(?<action>\d)$' -o names.svg
svg_ok names.svg "the SVG parses"
nothing_ran "no policy name ran a command"
expect_grep names.svg "x'; system('touch $TMP/pwned1'); '" "the quote-breaking name is literal"
expect_grep names.svg "$b" "the backquoted name is literal"
expect_grep names.svg "@macro {/Symbol a}^2_3 &amp; EOD" "@, markup and EOD are literal (& as &amp;)"
expect_grep names.svg "two lines" "a newline in a name becomes a space"
expect_status 0 "weights of the quote-breaking policy" "$OPE" plot weights hostile.csv \
    --policy-columns '(?s)^p:(?<policy>.+):(?<action>\d)$' --policy "$q" -o w.svg
expect_grep w.svg "policy x'; system(" "its name is in the title, literally"
nothing_ran "still nothing ran"

# 2. Titles from the command line, in a file and in the terminal.
t="$q $b $m <tag>"
expect_status 0 "a hostile --title" "$OPE" plot weights hostile.csv --policy-columns \
    '(?s)^p:(?<policy>.+):(?<action>\d)$' --title "$t" -o title.svg
svg_ok title.svg "the SVG parses"
expect_grep title.svg "{/Symbol a}^2_3 &amp; EOD &lt;tag>" "the title is literal"
expect_status 0 "a hostile title on the dumb terminal" "$OPE" plot weights hostile.csv \
    --policy-columns '(?s)^p:(?<policy>.+):(?<action>\d)$' --title "$b EOD" --term dumb --size 120x20
expect_grep "$TMP/out" "$b EOD" "the text chart shows it literally"
nothing_ran "nothing ran from a title"

# 3. Series names from a CSV (quoted fields: quotes, newlines, EOD alone on a line).
{
    echo 'series,x,y'
    for k in 1 2 3; do
        printf '"%s",%s,0.%s\n' "$(printf '%s' "$q" | sed 's/"/""/g')" $k $k
        printf '"EOD\nEOD",%s,0.%s\n' $k $((k + 3))
        printf '"%s",%s,0.%s\n' "$b" $k $((k + 5))
    done
} > series.csv
for kind in cdf topk curves; do
    expect_status 0 "$kind with hostile series names" "$OPE" plot $kind --from-csv series.csv -o $kind.svg
    svg_ok $kind.svg "$kind: the SVG parses"
    expect_grep $kind.svg "EOD EOD" "$kind: the EOD series is literal"
done
nothing_ran "no series name ran a command"

# 4. Names inside eval JSON (JSON escapes: \n, \", \u0027 is ').
cat > hostile.json <<EOF
{"settings": {"alpha": 0.05, "ci": "t"},
 "policies": [{"name": "x\u0027; system(\u0027touch $TMP/pwned4\u0027); \u0027\nEOD", "ground_truth": 0.5,
   "estimates": [{"estimator": "ipw", "label": "\`touch $TMP/pwned4\`", "value": 0.4,
                  "ci": {"lower": 0.3, "upper": 0.5}}]}]}
EOF
expect_status 0 "estimates from hostile JSON" "$OPE" plot estimates --from-json hostile.json -o json.svg
svg_ok json.svg "the SVG parses"
expect_grep json.svg "system('touch $TMP/pwned4'); ' EOD" "the JSON policy name is literal"
expect_grep json.svg "\`touch $TMP/pwned4\`" "the JSON estimator label is literal"
nothing_ran "nothing ran from JSON"

# 5. Output file names: quotes and backquotes, and a name that looks like a pipe.
expect_status 0 "an output name with quotes and backquotes" "$OPE" plot cdf --from-csv series.csv \
    -o "it's \`touch pwned5\`.svg"
[ -s "it's \`touch pwned5\`.svg" ] && pass "the file has exactly that name" || fail "file name mangled"
expect_status 0 "an output name starting with |" "$OPE" plot cdf --from-csv series.csv -o "|touch pwned6.svg"
[ -s "|touch pwned6.svg" ] && pass "it is a file called '|touch pwned6.svg'" || fail "no such file"
[ ! -e pwned5 ] && [ ! -e pwned6.svg ] && pass "no file name ran a command" ||
    fail "a file name ran a command"
ls -a | grep -q '\.ope-[0-9]*\.' && fail "temporary files left behind" || pass "no temporary files left"
done_testing
