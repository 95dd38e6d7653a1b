#!/bin/sh
# t/1485-report-long-name.sh: a Markdown report's charts are named after it
# ("BASE-estimates.svg"), and a file name has at most 255 bytes: a report name that
# fits but leaves no room for the chart's suffix used to fail with "File name too
# long" (exit 73). Such a stem is now shortened to its first bytes plus "~" and a
# hash of the whole stem; the links in the report name the same files, and two long
# names that share their first 217 bytes still get distinct charts.
. "$OPE_SRCDIR/t/lib.sh"

$OPE gen bandit --rows 1500 --seed 3 -q -o "$TMP/log.csv"
mkdir "$TMP/r" && cd "$TMP/r" || exit 1
a=$(printf '%0250d' 0 | tr 0 a)       # 250 bytes + ".md" = 253: a valid name
b=$(printf '%0249d' 0 | tr 0 a)b
expect_status 0 "a 253-byte report name is written" $OPE report "$TMP/log.csv" --n-boot 50 -q -o "$a.md"
expect_status 0 "so is another sharing its first 249 bytes" $OPE report "$TMP/log.csv" --n-boot 50 -q -o "$b.md"
n=$(ls | grep -c '\.svg$')
[ "$n" -eq 4 ] && pass "four distinct chart files" || { fail "chart files: $n"; diag "$(ls)"; }
long=$(ls | awk 'length > 255' | wc -l)
[ "$long" -eq 0 ] && pass "no name longer than 255 bytes" || fail "a name over 255 bytes"
for f in "$a.md" "$b.md"; do
    bad=0
    for l in $(grep -o '](a*[^)]*\.svg)' "$f" | sed 's/^](//; s/)$//'); do
        [ -f "$l" ] || bad=1
    done
    [ $bad -eq 0 ] && [ "$(grep -c '\.svg)' "$f")" -ge 2 ] \
        && pass "every chart link of ${f%"${f#??????}"}... names an existing file" || fail "a broken chart link in $f"
done
# A short name keeps the plain rule.
expect_status 0 "a short name" $OPE report "$TMP/log.csv" --n-boot 50 -q -o short.md
[ -f short-estimates.svg ] && pass "short-estimates.svg, as before" || fail "short name's chart"
done_testing
