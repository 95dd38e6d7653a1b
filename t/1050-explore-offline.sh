#!/bin/sh
# t/1050-explore-offline.sh: `ope explore --baseline-data LOG`: the baseline learned
# offline from a trajectory CSV of `ope gen mdp`, end to end: the summary and the
# record say so, the learned policy is the count-based clone of the log, --compare,
# and every bad input with its exit status and file:line:column message.
. "$OPE_SRCDIR/t/lib.sh"
plan 34

expect_status 0 "a RiverSwim log of the mix:0.8 behaviour" \
    "$OPE" gen mdp riverswim --behavior mix:0.8 --episodes 3000 --candidates 0 --seed 5 \
    -q -o "$TMP/log.csv"
expect_status 0 "stepmix against the baseline learned from it" \
    "$OPE" explore stepmix --env riverswim --episodes 500 --runs 2 --seed 3 -q \
    --baseline-data "$TMP/log.csv" -o "$TMP/run.csv"
expect_grep "$TMP/out" "baseline learned offline from $TMP/log.csv: 3000 episodes, 60000 steps" \
    "the summary says the baseline was learned offline, and from what"
expect_grep "$TMP/out" "exact value of the learned baseline =" \
    "the summary shows the exact value of the learned policy"
expect_grep "$TMP/out" "V^b (learned) =" "the threshold line names the learned V^b"
expect_grep "$TMP/run.csv" \
    "threshold,violated,violated_realised,regret,baseline,vb_learned,vb_exact,threshold_exact,violated_exact" \
    "the record has the offline columns"
# Column 14 says offline on every row; 15 (learned) and 16 (exact) are constants.
n=$(sed 1d "$TMP/run.csv" | cut -d, -f14-16 | sort -u | wc -l)
k=$(sed 1d "$TMP/run.csv" | cut -d, -f14 | sort -u)
[ "$n" -eq 1 ] && [ "$k" = offline ] && pass "one learned/exact pair, baseline = offline" \
    || fail "one learned/exact pair, baseline = offline ($n, $k)"
# The threshold column is (1 - alpha) x vb_learned (alpha 0.1).
awk -F, 'NR > 1 { d = $10 - 0.9 * $15; if (d > 1e-12 || d < -1e-12) bad++ }
         END { exit bad > 0 }' "$TMP/run.csv" \
    && pass "threshold = 0.9 x vb_learned" || fail "threshold = 0.9 x vb_learned"
# Episodes that ran only the baseline record the exact value of the learned policy,
# not the learned estimate: EpsMix's episodes whose coin chose the baseline (optimistic
# 0; StepMix mixes a little in every episode, its certificate knowing the all-baseline
# part exactly).
expect_status 0 "epsmix against the same learned baseline" \
    "$OPE" explore epsmix --env riverswim --episodes 300 --seed 3 -q \
    --baseline-data "$TMP/log.csv" -o "$TMP/eps.csv"
awk -F, 'NR > 1 && $6 == 0 { n++; if ($8 != $16) bad++ } END { exit !(n > 0 && bad == 0) }' \
    "$TMP/eps.csv" && pass "baseline episodes are worth vb_exact" \
    || fail "baseline episodes are worth vb_exact"
# The learned V^b is pessimistic: below the exact value of the learned policy (the C
# test 1040 checks this across seeds; here it is one seeded log).
awk -F, 'NR == 2 { exit !($15 < $16) }' "$TMP/run.csv" \
    && pass "vb_learned < vb_exact" || fail "vb_learned < vb_exact"
awk -F, 'NR > 1 { v += $11 + $18 } END { exit v > 0 }' "$TMP/run.csv" \
    && pass "stepmix: no violation of either threshold" || fail "stepmix: no violation"

# The learned policy is the count-based clone: pi(a|s) = N(s,a) / N(s) computed here
# with awk, written as a policy file, and given to `--baseline`: its exact V^b must be
# the vb_exact of the offline run (same policy, same dynamic programming).
awk -F, 'NR > 1 { n[$3]++; c[$3 "," $4]++ }
         END { print "state,p.0,p.1";
               for (s = 0; s < 6; s++)
                   if (n[s]) printf "%d,%.17g,%.17g\n", s, c[s ",0"] / n[s], c[s ",1"] / n[s];
                   else printf "%d,0.5,0.5\n", s }' "$TMP/log.csv" >"$TMP/clone.csv"
expect_status 0 "the hand clone as --baseline" \
    "$OPE" explore baseline --env riverswim --episodes 10 -q --baseline "$TMP/clone.csv" -f json
vb=$(sed 's/.*"vb": \([^,]*\),.*/\1/' "$TMP/out")
awk -F, -v vb="$vb" 'NR == 2 { d = $16 - vb; exit !(d < 1e-12 && d > -1e-12) }' \
    "$TMP/run.csv" && pass "exact value of the hand clone = vb_exact ($vb)" \
    || fail "exact value of the hand clone ($vb) = vb_exact"

expect_status 0 "--compare with the offline baseline (json)" \
    "$OPE" explore --compare --env riverswim --episodes 300 -q --format json \
    --baseline-data "$TMP/log.csv"
expect_grep "$TMP/out" '"baseline": {"source": "offline"' "json: the baseline's source"
for a in stepmix epsmix ucbvi cucbvi baseline; do
    grep -q "\"algorithm\": \"$a\"" "$TMP/out" || { fail "json lists $a"; continue; }
done
pass "json lists every algorithm"
expect_grep "$TMP/out" '"violations_exact": ' "json: violations against the exact value"
expect_status 0 "csv summary" "$OPE" explore --compare --env riverswim --episodes 300 -q \
    --format csv --baseline-data "$TMP/log.csv"
expect_grep "$TMP/out" "mean_mix,violations_exact" "csv summary: a violations_exact column"

# Bad inputs.
expect_status 66 "a missing log" "$OPE" explore stepmix --env riverswim -q \
    --baseline-data "$TMP/nope.csv"
expect_status 64 "--baseline and --baseline-data together" \
    "$OPE" explore stepmix --env riverswim -q --baseline uniform --baseline-data "$TMP/log.csv"
expect_status 0 "a log of RiverSwim with 8 states" \
    "$OPE" gen mdp riverswim n=8 --episodes 50 --candidates 0 -q -o "$TMP/rs8.csv"
expect_status 65 "is refused for the 6-state RiverSwim" \
    "$OPE" explore stepmix --env riverswim -q --baseline-data "$TMP/rs8.csv"
expect_grep "$TMP/err" ":3: column 'state': state 6, but the environment has 6 states" \
    "the message names file:line:column and the state"
printf 'episode,step,state,action,reward,pscore\n0,0,0,1,0,0.5\n0,1,1,2,0,0.5\n' >"$TMP/act.csv"
expect_status 65 "an action the environment does not have" \
    "$OPE" explore stepmix --env riverswim -q --baseline-data "$TMP/act.csv"
expect_grep "$TMP/err" "act.csv:3:4: column 'action': action 2, but the environment has 2" \
    "the message names file:line:column and the action"
# RiverSwim's left (0) from state 0 stays in 0: state 2 next is impossible.
printf 'episode,step,state,action,reward,pscore\n0,0,0,0,0,0.5\n0,1,2,1,0,0.5\n' >"$TMP/jump.csv"
expect_status 65 "a step the environment cannot take" \
    "$OPE" explore stepmix --env riverswim -q --baseline-data "$TMP/jump.csv"
expect_grep "$TMP/err" "jump.csv:3:3: column 'state': state 2 follows state 0 and action 0" \
    "the message names the impossible step"
printf 'episode,step,state,action,reward,pscore\n0,0,0,0,3,0.5\n' >"$TMP/rew.csv"
expect_status 65 "a reward outside [0, 1]" \
    "$OPE" explore stepmix --env riverswim -q --baseline-data "$TMP/rew.csv"
printf 'episode,step,state,action,reward,pscore,pi.e.0,pi.e.1,pi.e.2\n0,0,0,1,0,0.5,0.2,0.3,0.5\n' \
    >"$TMP/pol3.csv"
expect_status 65 "policy columns for 3 actions" \
    "$OPE" explore stepmix --env riverswim -q --baseline-data "$TMP/pol3.csv"
expect_grep "$TMP/err" "pol3.csv:1: the log's policy columns are for 3 actions" \
    "the message says how many actions the columns have"
expect_status 0 "help" "$OPE" help explore
expect_grep "$TMP/out" "--baseline-data LOG" "the help documents --baseline-data"
done_testing
