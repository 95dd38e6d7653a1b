#!/bin/sh
# t/0351-matrix-cli.sh: the differences between candidates from the command line and
# the report (issue "From estimates to decisions"): ope eval --matrix[=K] (table, CSV
# twin, JSON always), ope select --matrix, a trajectory log with t intervals, the
# report's Selection section, and the refusals. The numbers themselves are derived by
# hand in t/0350-matrix.c; here: the shapes, and that the views agree.
. "$OPE_SRCDIR/t/lib.sh"

$OPE gen bandit --rows 3000 --seed 3 -q -o "$TMP/log.csv"
expect_status 0 "eval --matrix" $OPE eval "$TMP/log.csv" --estimators ipw,dr --matrix -q
expect_grep "$TMP/out" "differences among each estimator's top 3: V(a) - V(b)" "the table's heading"
# 2 estimators x 3 pairs after the column header.
n=$(sed -n '/^differences among/,$p' "$TMP/out" | grep -cE '^  (ipw|dr) ')
[ "$n" = 6 ] && pass "six rows: 3 pairs per estimator" || fail "rows: $n"

expect_status 0 "eval --matrix=2 --format csv" $OPE eval "$TMP/log.csv" --estimators dr \
    --matrix=2 -f csv -q
[ "$(head -1 "$TMP/out")" = "estimator,params,a,b,diff,lower,upper" ] &&
    pass "CSV twin: its header" || fail "CSV header: $(head -1 "$TMP/out")"
[ "$(wc -l < "$TMP/out")" = 2 ] && pass "K = 2: one pair" || fail "K = 2: $(cat "$TMP/out")"
# The pair is the two largest dr estimates, larger first, and diff is their difference.
$OPE eval "$TMP/log.csv" --estimators dr -f csv -q > "$TMP/est.csv"
top=$(awk -F, 'NR > 1 { print $4, $1 }' "$TMP/est.csv" | sort -g -r | head -2)
a=$(echo "$top" | sed -n '1s/.* //p'); b=$(echo "$top" | sed -n '2s/.* //p')
va=$(echo "$top" | sed -n '1s/ .*//p'); vb=$(echo "$top" | sed -n '2s/ .*//p')
awk -F, -v a="$a" -v b="$b" -v va="$va" -v vb="$vb" 'NR == 2 {
        d = va - vb; exit !($3 == a && $4 == b && ($5 - d) ^ 2 < 1e-24 && $6 < $5 && $5 < $7) }' \
    "$TMP/out" && pass "the pair is $a above $b with diff = V(a) - V(b) inside its interval" \
    || { fail "the pair"; diag "$a $b $va $vb" "$(cat "$TMP/out")"; }

expect_status 0 "eval JSON" $OPE eval "$TMP/log.csv" --estimators dr -f json -q
expect_grep "$TMP/out" '"matrix_k":3' "JSON settings: matrix_k 3 without --matrix"
expect_grep "$TMP/out" "\"differences\":[" "JSON: differences always"
expect_grep "$TMP/out" "{\"estimator\":\"dr\",\"label\":\"dr\",\"a\":\"$a\",\"b\":\"$b\",\"diff\":" \
    "JSON: the first pair, as the CSV's"
# The estimates' CSV keeps its shape without --matrix.
head -1 "$TMP/est.csv" | grep -q '^policy,estimator,params,value' &&
    pass "the estimates' CSV is unchanged without --matrix" || fail "estimates CSV"

expect_status 0 "select --matrix" $OPE select "$TMP/log.csv" --estimators dr --matrix -q
expect_grep "$TMP/out" "differences among each estimator's top 3" "select: the differences' table"
expect_status 0 "select -f json" $OPE select "$TMP/log.csv" --estimators dr -f json -q
expect_grep "$TMP/out" '"differences":[' "select JSON: differences always"

# A trajectory log with t intervals: the per-episode differences give finite bounds.
$OPE gen mdp riverswim --episodes 300 --candidates 4 --seed 2 -q -o "$TMP/rs.csv"
expect_status 0 "trajectories, --ci t" $OPE eval "$TMP/rs.csv" --estimators wdr,pdis --ci t \
    --matrix -f csv -q
awk -F, 'NR > 1 { n++; if (!($6 <= $5 && $5 <= $7)) bad = 1 } END { exit bad || n != 6 }' \
    "$TMP/out" && pass "trajectories: 6 pairs, each diff inside its finite t interval" \
    || { fail "trajectory differences"; diag "$(cat "$TMP/out")"; }

# The report's Selection section: one small matrix per estimator.
expect_status 0 "report" $OPE report "$TMP/log.csv" --estimators snipw,dr -o "$TMP/r.md" -q
expect_grep "$TMP/r.md" "### Differences among the top candidates" "report: the section"
grep -q "^| dr | " "$TMP/r.md" && pass "report: dr's matrix" || fail "report: dr's matrix"

expect_status 64 "--matrix=1 is refused" $OPE eval "$TMP/log.csv" --matrix=1
expect_grep "$TMP/err" "--matrix" "... naming the option"
expect_status 64 "--matrix=x is refused" $OPE select "$TMP/log.csv" --matrix=x
expect_status 64 "select --matrix with --replicates is refused" $OPE select --replicates 2 --matrix
expect_grep "$TMP/err" "one log's ranking" "... saying why"
expect_status 64 "a misspelt --matrix gets a suggestion" $OPE eval "$TMP/log.csv" --matirx
expect_grep "$TMP/err" "did you mean '--matrix'" "... --matrix"
done_testing
