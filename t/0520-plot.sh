#!/bin/sh
# t/0520-plot.sh: charts through gnuplot: SVG that parses, PNG magic, dumb text,
# hostile names shown literally and never executed, and a missing gnuplot.
. "$OPE_SRCDIR/t/lib.sh"

$OPE gen bandit --rows 2000 --seed 3 --policies greedy,uniform -o "$TMP/log.csv" 2>/dev/null
if ! command -v gnuplot >/dev/null 2>&1; then
    skip "gnuplot is not installed"
    expect_status 69 "without gnuplot: status 69" $OPE plot estimates "$TMP/log.csv" -o "$TMP/a.svg"
    done_testing
    exit $?
fi
expect_status 0 "plot estimates to SVG" $OPE plot estimates "$TMP/log.csv" --n-boot 100 -o "$TMP/est.svg"
if command -v xmllint >/dev/null 2>&1; then
    xmllint --noout "$TMP/est.svg" && pass "the SVG is well-formed XML" || fail "the SVG is well-formed XML"
else
    skip "xmllint not installed"
fi
expect_grep "$TMP/est.svg" "greedy" "the SVG labels the policy"
expect_grep "$TMP/est.svg" "snipw" "and the estimators"
expect_status 0 "plot weights to PNG" $OPE plot weights "$TMP/log.csv" --policy greedy -o "$TMP/w.png"
[ "$(head -c 4 "$TMP/w.png" | od -An -c | tr -d ' ')" = "211PNG" ] && pass "PNG magic bytes" || fail "PNG magic bytes"
expect_status 0 "plot learn in the terminal" $OPE plot learn "$TMP/log.csv" --policy greedy --term dumb
expect_grep "$TMP/out" "estimate vs rows used" "dumb chart has its title"
expect_status 73 "plot refuses to overwrite" $OPE plot estimates "$TMP/log.csv" --ci none -o "$TMP/est.svg"
expect_status 64 "unknown chart" $OPE plot pie "$TMP/log.csv" -o "$TMP/p.svg"
expect_status 64 "unknown extension" $OPE plot estimates "$TMP/log.csv" -o "$TMP/p.gif"

# Hostile policy names reach gnuplot only inside quoted strings: a name that tries
# to close the quote and call system(), a backquote command, a macro, EOD, markup.
cd "$TMP" || exit 1
printf '%s\n' 'action,reward,pscore,"p:x'"'"'; system(""touch pwned1""); '"'"':0","p:x'"'"'; system(""touch pwned1""); '"'"':1","p:`touch pwned2`:0","p:`touch pwned2`:1","p:@x {/Symbol a}^2_3 EOD:0","p:@x {/Symbol a}^2_3 EOD:1"' > hostile.csv
i=0; while [ $i -lt 200 ]; do a=$((i % 2)); echo "$a,$((i % 3 == 0)),0.5,0.5,0.5,0.9,0.1,0.2,0.8" >> hostile.csv; i=$((i + 1)); done
expect_status 0 "plot with hostile policy names" "$OPE" plot estimates hostile.csv --ci none \
    --policy-columns '^p:(?<policy>.+):(?<action>\d+)$' -o hostile.svg
[ ! -e pwned1 ] && [ ! -e pwned2 ] && pass "no command ran" || fail "a hostile name ran a command"
expect_grep hostile.svg "touch pwned1" "the quote-breaking name is shown literally"
expect_grep hostile.svg '`touch pwned2`' "the backquoted name is shown literally"
expect_grep hostile.svg "{/Symbol a}^2_3 EOD" "markup and EOD are shown literally"
cd - >/dev/null || exit 1

PATH=/nonexistent expect_status 69 "no gnuplot on PATH: status 69" \
    "$OPE" plot estimates "$TMP/log.csv" --ci none -o "$TMP/none.svg"
expect_grep "$TMP/err" "gnuplot" "the message says gnuplot is missing"
PATH=/nonexistent expect_status 0 "everything else works without gnuplot" "$OPE" eval "$TMP/log.csv" --ci none
OPE_GNUPLOT=/nonexistent/gnuplot expect_status 69 "a missing gnuplot: status 69" \
    "$OPE" plot estimates "$TMP/log.csv" --ci none -o "$TMP/none.svg"
expect_grep "$TMP/err" "gnuplot" "the message names gnuplot"
[ ! -e "$TMP/none.svg" ] && pass "nothing written" || fail "a file was left behind"
done_testing
