#!/bin/sh
# t/1020-explore.sh: the `ope explore` command: runs, the per-episode CSV, summary
# formats, --compare, and its errors (usage, refused rewards, bad baseline, output).
. "$OPE_SRCDIR/t/lib.sh"
plan 23

expect_status 0 "stepmix on riverswim runs" \
    "$OPE" explore stepmix --env riverswim --episodes 300 --seed 3 -q -o "$TMP/run.csv"
expect_grep "$TMP/run.csv" "episode,run,seed,algorithm,mix,optimistic,value,value_realised,lower,threshold,violated,violated_realised,regret" \
    "the record has the spec's columns"
# 300 episodes x 1 run + header.
n=$(wc -l <"$TMP/run.csv")
[ "$n" -eq 301 ] && pass "one row per episode" || fail "one row per episode (got $n lines)"
expect_grep "$TMP/out" "stepmix" "the summary names the algorithm"
# Threshold column: (1 - 0.1) V^b, the same on every row.
t=$(cut -d, -f10 "$TMP/run.csv" | sed 1d | sort -u | wc -l)
[ "$t" -eq 1 ] && pass "one threshold value" || fail "one threshold value ($t)"

expect_status 0 "--compare runs all five algorithms (json)" \
    "$OPE" explore --compare --env riverswim --episodes 400 --runs 2 -q --format json
for a in stepmix epsmix ucbvi cucbvi baseline; do
    grep -q "\"algorithm\": \"$a\"" "$TMP/out" || { fail "json lists $a"; continue; }
done
pass "json lists every algorithm"
# StepMix never violates (column 6 of the csv summary: violations).
expect_status 0 "csv summary" "$OPE" explore --compare --env riverswim --episodes 400 -q --format csv
awk -F, '$1=="stepmix" && $6==0 {f=1} END {exit !f}' "$TMP/out" \
    && pass "stepmix: 0 violations" || fail "stepmix: 0 violations"

expect_status 0 "same seeds, same output on 1 and 2 threads" sh -c \
    "\"$OPE\" explore epsmix --env riverswim --episodes 200 --runs 3 --threads 1 -q -o '$TMP/a.csv' &&
     \"$OPE\" explore epsmix --env riverswim --episodes 200 --runs 3 --threads 2 -q -o '$TMP/b.csv' &&
     cmp '$TMP/a.csv' '$TMP/b.csv'"

# The baseline's regret is the same K (V* - V^b) in every run, so its sd is exactly 0:
# Welford's update gets that; the one-pass sum of squares gave 0.000148 here.
expect_status 0 "50 runs of the baseline" \
    "$OPE" explore baseline --env riverswim --episodes 2000 --runs 50 -q -f csv
awk -F, '$1=="baseline" && $5=="0" {f=1} END {exit !f}' "$TMP/out" \
    && pass "equal regrets: regret_sd exactly 0" || fail "equal regrets: regret_sd exactly 0"
# The gridworld: only the goal pays, so the bonus range G is 1, not H = 30.
expect_status 0 "gridworld pit=0 step=0 runs" \
    "$OPE" explore epsmix --env gridworld --param pit=0 --param step=0 --episodes 20 -q
grep -q 'return range G = 1$' "$TMP/out" && pass "gridworld: the summary shows G = 1" \
    || fail "gridworld: the summary shows G = 1"
expect_status 0 "--range overrides the environment's bound" \
    "$OPE" explore epsmix --env gridworld --param pit=0 --param step=0 --episodes 20 -q \
    --range 30
expect_grep "$TMP/out" "return range G = 30 (--range)" "the summary says G came from --range"
expect_status 64 "--range must be positive" \
    "$OPE" explore epsmix --env riverswim --episodes 20 -q --range 0

expect_status 64 "gridworld's negative rewards are refused" \
    "$OPE" explore stepmix --env gridworld --episodes 10 -q
expect_grep "$TMP/err" "pit=0" "the refusal suggests the fix"
expect_status 64 "unknown algorithm" "$OPE" explore greedy --env riverswim
expect_status 64 "missing --env" "$OPE" explore stepmix
printf 'state,p.0,p.1\n0,0.5,0.6\n' >"$TMP/bad.csv"
expect_status 65 "bad baseline policy file" \
    "$OPE" explore stepmix --env riverswim --baseline "$TMP/bad.csv" -q
expect_status 73 "existing output is kept without --force" \
    "$OPE" explore stepmix --env riverswim --episodes 10 -q -o "$TMP/run.csv"
done_testing
