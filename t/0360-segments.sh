#!/bin/sh
# t/0360-segments.sh: `ope eval --by`: each segment's estimate is the whole-log
# estimator on that segment's rows (by hand, and bit for bit against `ope eval` of a
# file of those rows), Bonferroni's intervals are the segment's own at alpha / S, the
# small-segment warning, the whole-log table unchanged, JSON and CSV, threads.
. "$OPE_SRCDIR/t/lib.sh"

# Seven rows in two regions, two actions, the policy's probabilities and q̂ given.
cat > "$TMP/tiny.csv" <<'EOF'
action,reward,pscore,region,qhat.0,qhat.1,pi.new.0,pi.new.1
0,1,0.5,north,0.6,0.2,0.8,0.2
1,0,0.5,north,0.5,0.3,0.8,0.2
1,1,0.25,north,0.4,0.7,0.5,0.5
0,0,0.75,south,0.2,0.1,1,0
1,1,0.25,south,0.3,0.9,0,1
0,1,0.5,south,0.7,0.5,0.5,0.5
1,0,0.5,south,0.1,0.4,0.25,0.75
EOF
head -4 "$TMP/tiny.csv" > "$TMP/north.csv"
{ head -1 "$TMP/tiny.csv"; tail -4 "$TMP/tiny.csv"; } > "$TMP/south.csv"
CC="--context-columns ^region$"

expect_status 0 "eval --by region (CSV)" $OPE eval "$TMP/tiny.csv" $CC --by region \
    --estimators ipw,dm,snipw --ci t --format csv
cp "$TMP/out" "$TMP/seg.csv"
# value of (segment, estimator) in the segments CSV: column 11.
val() { awk -F, -v s="$1" -v e="$2" '$2 == s && $9 == e { print $11 }' "$TMP/seg.csv"; }
close() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(d < 1e-12 && d > -1e-12) }'; }
# By hand. north: w = pi(a)/pscore = 0.8/0.5, 0.2/0.5, 0.5/0.25 = 1.6, 0.4, 2 with
# r = 1, 0, 1: ipw = (1.6 + 0 + 2) / 3 = 1.2; snipw = 3.6 / (1.6 + 0.4 + 2) = 0.9;
# dm = mean of sum_a pi(a) q̂(a) = (0.52 + 0.46 + 0.55) / 3 = 0.51.
# south: w = 1/0.75, 1/0.25, 0.5/0.5, 0.75/0.5 = 4/3, 4, 1, 1.5 with r = 0, 1, 1, 0:
# ipw = (4 + 1) / 4 = 1.25; snipw = 5 / (4/3 + 4 + 1 + 1.5) = 15/23.5;
# dm = (0.2 + 0.9 + 0.6 + 0.325) / 4 = 0.50625.
for c in "north ipw 1.2" "north snipw 0.9" "north dm 0.51" \
         "south ipw 1.25" "south snipw 0.638297872340425532" "south dm 0.50625"; do
    set -- $c
    got=$(val "$1" "$2")
    close "$got" "$3" && pass "$1 $2 = $3 by hand" || { fail "$1 $2 by hand"; diag "got '$got'"; }
done

# Bit for bit: the segment is the whole-log estimator on its rows, and its Bonferroni
# interval (2 segments) is that evaluation's interval at alpha / 2 = 0.025.
for s in north south; do
    expect_status 0 "eval $s.csv at alpha 0.025" $OPE eval "$TMP/$s.csv" $CC \
        --estimators ipw,dm,snipw --ci t --alpha 0.025 --format csv
    awk -F, 'NR > 1 { print $2, $4, $5, $6 }' "$TMP/out" > "$TMP/want"
    awk -F, -v s="$s" '$2 == s { print $9, $11, $12, $13 }' "$TMP/seg.csv" > "$TMP/got"
    if cmp -s "$TMP/want" "$TMP/got"; then
        pass "$s: value and interval equal those of its own rows' evaluation, to the bit"
    else
        fail "$s: equal to its own rows' evaluation"; diag "$(cat "$TMP/want")" "$(cat "$TMP/got")"
    fi
done
expect_grep "$TMP/seg.csv" "bonferroni t,ESS 2.38 below 30: too small a segment to say anything" \
    "a segment with ESS below 30 carries the warning and the method"

expect_status 0 "eval --by: table" $OPE eval "$TMP/tiny.csv" $CC --by region --estimators ipw,dm
expect_grep "$TMP/out" "segments by region: 2 levels; 95% intervals simultaneous over the segments (max-t bootstrap)" \
    "the table says what the segments are and how the intervals are simultaneous"
expect_grep "$TMP/out" "  ! south ipw: ESS 2.92 below 30" "the table lists the warnings"

expect_status 0 "eval --by: JSON" $OPE eval "$TMP/tiny.csv" $CC --by region --estimators ipw --format json
expect_grep "$TMP/out" '"segments":{"column":"region","bins":0,"method":"max-t bootstrap","alpha":0.05,"min_ess":30,"segments":[' \
    "JSON: the segments object"
expect_grep "$TMP/out" '{"label":"north","lo":null,"hi":null,"rows":3,"policies":[' "JSON: a segment"
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["segments"]["segments"]
assert [x["rows"] for x in s]==[3,4]; e=s[1]["policies"][0]["estimates"][0]
assert e["value"]==1.25 and e["ci"]["lower"]<1.25<e["ci"]["upper"] and e["warning"]' "$TMP/out" \
        && pass "JSON parses; rows, value, interval around it, warning" || fail "JSON content"
else
    skip "python3 not installed"
fi

# A generated log: the whole-log part of the table is what `ope eval` prints without
# --by (the one added line is the reward model's note), and threads change nothing.
$OPE gen bandit --rows 4000 --seed 3 -q -o "$TMP/g.csv"
expect_status 0 "eval without --by" $OPE eval "$TMP/g.csv" --estimators ipw,dm,dr --n-boot 100
cp "$TMP/out" "$TMP/plain"
expect_status 0 "eval --by x1 --bins 3" $OPE eval "$TMP/g.csv" --estimators ipw,dm,dr --n-boot 100 \
    --by x1 --bins 3 --threads 1
cp "$TMP/out" "$TMP/by1"
sed -e '/^segments by/,$d' -e '/^warning: --by x1: the reward model is fitted once/d' "$TMP/by1" |
    sed -e '$d' > "$TMP/whole"
cmp -s "$TMP/plain" "$TMP/whole" && pass "--by leaves the whole-log estimates as they were" ||
    { fail "whole-log part unchanged"; diag "$(diff "$TMP/plain" "$TMP/whole" | head -10)"; }
expect_grep "$TMP/by1" "segments by x1: 3 equal-count bins (of 3 asked)" "bins in the headline"
expect_status 0 "eval --by on 2 threads" $OPE eval "$TMP/g.csv" --estimators ipw,dm,dr --n-boot 100 \
    --by x1 --bins 3 --threads 2
cmp -s "$TMP/by1" "$TMP/out" && pass "the segments do not depend on the threads" || fail "threads"
expect_status 0 "CSV twin" $OPE eval "$TMP/g.csv" --estimators ipw --n-boot 100 --by x1 --bins 3 \
    --format csv
# 3 segments x 5 policies x 1 estimator, and a header.
[ "$(wc -l < "$TMP/out")" -eq 16 ] && pass "CSV: one row per segment, policy and estimator" ||
    fail "CSV rows: $(wc -l < "$TMP/out")"
# Equal-count bins of 4000 distinct values: 1333, 1333, 1334 rows (cut at the
# 1333rd and 2666th order statistics).
# (A bin's label "[lo, hi)" is a quoted cell with a comma: count from the end.)
awk -F, 'NR > 1 && $(NF - 10) == "greedy" { printf "%s ", $(NF - 11) }' "$TMP/out" > "$TMP/rows"
[ "$(cat "$TMP/rows")" = "1333 1333 1334 " ] && pass "equal-count bins" ||
    fail "bin sizes: $(cat "$TMP/rows")"
done_testing
