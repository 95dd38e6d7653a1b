#!/bin/sh
# t/0527-gate.sh: `ope gate`, the deployment verdict (issue 19, part 2): exit 0/1/2 on
# logs built to pass, fail and be undecidable, the JSON shape, Holm's correction with
# two policies, and usage errors.
. "$OPE_SRCDIR/t/lib.sh"

# The generator's greedy policy is far better than the logged softmax (true values
# 0.805 vs 0.62 on this seed), uniform and anti2 worse: with 20000 rows the paired
# lift's lower bound is far from 0 either way.
$OPE gen bandit --rows 20000 --seed 7 -o "$TMP/log.csv" 2>/dev/null

expect_status 0 "greedy beats the logged policy: PASS, exit 0" \
    $OPE gate "$TMP/log.csv" --policy greedy
expect_grep "$TMP/out" "PASS greedy: dr lift +0.188 over the logged policy, 95% lower bound +0.1794" \
    "one line: verdict, policy, estimator, lift and its lower bound"
[ "$(wc -l <"$TMP/out")" -eq 1 ] && pass "one policy, one line" || fail "one policy, one line"
expect_status 1 "uniform is worse: FAIL, exit 1" $OPE gate "$TMP/log.csv" --policy uniform
expect_grep "$TMP/out" "FAIL uniform:" "the line says FAIL"
expect_status 1 "a 35% relative lift is more than greedy's ~30%: FAIL" \
    $OPE gate "$TMP/log.csv" --policy greedy --min-relative-lift 0.35
expect_status 0 "a 25% relative lift it clears" \
    $OPE gate "$TMP/log.csv" --policy greedy --min-relative-lift 0.25

# Undecidable: too few effective samples (ESS ~4920 of 20000 rows) ...
expect_status 2 "ESS below --require-ess: UNDECIDABLE, exit 2" \
    $OPE gate "$TMP/log.csv" --policy greedy --require-ess 10000
expect_grep "$TMP/out" "UNDECIDABLE greedy: too few effective samples: ESS 4919.78 < 10000" \
    "the reason names the ESS and the requirement"
# ... and poor overlap: the log only ever takes action 0, the policy prefers action 1
# (mass on never-logged actions: 1, 1, 1, 0.5 -> 3.5 / 4 = 87.5%).
printf 'action,reward,pscore,pi.new.0,pi.new.1\n0,1,1,0,1\n0,0,1,0,1\n0,1,1,0,1\n0,1,1,0.5,0.5\n' \
    >"$TMP/uns.csv"
expect_status 2 "unsupported mass above --max-unsupported: UNDECIDABLE" \
    $OPE gate "$TMP/uns.csv" --policy new --estimator ipw --max-unsupported 0.1
expect_grep "$TMP/out" "poor overlap: 87.5% of the policy's mass" "the reason names the overlap"
# ... and too little agreement: one-sided 95% lower bounds (ope eval --alpha 0.1
# --lift --n-boot 200) ipw 0.17876, snipw 0.18013, dr 0.17905, so a threshold of
# 0.1795 puts snipw alone above it: 2 of 3 agree with dr, 3 asked for. (More than
# the evaluated estimators is a usage error: t/1506.)
expect_status 2 "fewer agreeing estimators than --require-agreement: UNDECIDABLE" \
    $OPE gate "$TMP/log.csv" --policy greedy --estimators ipw,snipw,dr \
    --require-agreement 3 --min-lift 0.1795 --n-boot 200
expect_grep "$TMP/out" "estimators disagree: 2 of 3 agree with dr (3 required)" \
    "the reason counts the estimators"

# JSON: the verdict, every check with value and threshold, the settings.
expect_status 0 "json" $OPE gate "$TMP/log.csv" --policy greedy --require-ess 1000 \
    --max-unsupported 0.01 --format json
for k in '"command":"gate"' '"verdict":"pass"' '"exit":0' '"settings":{"against":"logged"' \
         '"estimator":"dr"' '"alpha":0.05' '"sided":"lower"' '"correction":"none"' \
         '{"name":"ess","value":4919.78' '"threshold":1000,"passed":true}' \
         '{"name":"unsupported","value":0,"threshold":0.01,"passed":true}' \
         '{"name":"lift_lower_bound","value":0.179' '"lift":0.18802'; do
    expect_grep "$TMP/out" "$k" "json has $k"
done
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["policies"][0]["checks"][-1]["passed"]' \
        "$TMP/out" && pass "json parses" || fail "json parses"
fi

# Holm: greedy's one-sided 95% lower bound is 0.1793 and its 97.5% one 0.1779
# (read from the single-policy runs: bootstrap seed 12345, B 1000). Against a
# threshold of 0.178 it passes alone, but with a second policy Holm tests first at
# 0.05 / 2 and it fails; against 0.1775 it passes at 0.025, and anti2 is then tested
# at the full 0.05 (the step-down).
expect_status 0 "alone, greedy clears 0.178 at 0.05" \
    $OPE gate "$TMP/log.csv" --policy greedy --min-lift 0.178
expect_status 1 "with a second policy (Holm, 0.025) it does not" \
    $OPE gate "$TMP/log.csv" --policy greedy --policy anti2 --min-lift 0.178
expect_grep "$TMP/out" "FAIL: 0 of 2 policies pass (Holm's correction, family-wise alpha 0.05)" \
    "the first line says Holm's correction"
expect_grep "$TMP/out" "97.5% lower bound +0.1779 <= +0.178 (alpha 0.025)" \
    "greedy was tested at alpha / 2"
expect_status 1 "0.1775: greedy passes at 0.025, anti2 fails at 0.05" \
    $OPE gate "$TMP/log.csv" --policy greedy --policy anti2 --min-lift 0.1775 --format json
expect_grep "$TMP/out" '"correction":"holm"' "json names the correction"
want=$(sha256sum "$TMP/log.csv" | cut -d' ' -f1)
expect_grep "$TMP/out" "\"sha256\":\"$want\"" "json carries the log's digest after several runs"
expect_grep "$TMP/out" '"name":"anti2","verdict":"fail"' "anti2 fails"
expect_grep "$TMP/out" '"alpha":0.05,"lift":-0.12' "anti2 was tested at the full alpha (step-down)"

# ope eval --lift: the table gains a lift block per policy; JSON is unchanged by it.
expect_status 0 "eval --lift" $OPE eval "$TMP/log.csv" --policy greedy --estimators ipw,dr --lift
expect_grep "$TMP/out" "policy greedy: lift over the logged policy (observed value 0.6235), paired intervals" \
    "the lift block names the observed baseline"
expect_grep "$TMP/out" "  dr            0.188024" "and gives dr's lift"
$OPE eval "$TMP/log.csv" --policy greedy --estimators ipw,dr --format json >"$TMP/a.json"
$OPE eval "$TMP/log.csv" --policy greedy --estimators ipw,dr --format json --lift >"$TMP/b.json"
cmp -s "$TMP/a.json" "$TMP/b.json" && pass "--lift leaves JSON as it is" || fail "--lift leaves JSON as it is"
expect_grep "$TMP/a.json" '"lift":0.18802357252360125,"lift_ci":{"lower":0.1779272350942596' \
    "JSON carries lift and lift_ci"

# No overlap at all (anti100 takes the action RiverSwim's logging policy never takes in
# some state of every episode): dr is the value model's extrapolation, with the model's
# own narrow interval; it passed at +4981 on a policy whose truth was the worst.
$OPE gen mdp riverswim --episodes 500 --candidates 3 -q -o "$TMP/rs.csv"
expect_status 2 "no overlap: undecidable (2)" $OPE gate "$TMP/rs.csv" --policy anti100 \
    --value-model lstd --gamma 0.99
expect_grep "$TMP/out" "UNDECIDABLE anti100: no overlap: every weight of anti100 is 0 (ESS 0), so dr is" \
    "... saying why"
# The same for dm, which has no ESS of its own (the policy's weights decide), and for
# a baseline without overlap; not for mis, which weighs states, not trajectories.
expect_status 2 "dm, no overlap: undecidable" $OPE gate "$TMP/rs.csv" --policy anti100 \
    --estimator dm --value-model lstd --gamma 0.99
expect_grep "$TMP/out" "so dm is the model's extrapolation there" "... saying why"
expect_status 2 "--against a baseline without overlap: undecidable" $OPE gate "$TMP/rs.csv" \
    --policy mix100 --against anti100 --gamma 0.9
expect_grep "$TMP/out" "every weight of anti100 is 0 (ESS 0), so dr is" "... naming the baseline"
$OPE gate "$TMP/rs.csv" --policy anti100 --estimator mis --gamma 0.9 >"$TMP/out" 2>&1
grep -q "no overlap: every weight" "$TMP/out" && fail "mis held to the trajectories' overlap" ||
    pass "mis: decided on its own (state ratios)"

# Usage errors.
expect_status 64 "no policy" $OPE gate "$TMP/log.csv"
expect_status 64 "no log" $OPE gate --policy greedy
expect_status 64 "two thresholds" $OPE gate "$TMP/log.csv" --policy greedy --min-lift 0 \
    --min-relative-lift 0
expect_status 64 "the deciding estimator must be evaluated" \
    $OPE gate "$TMP/log.csv" --policy greedy --estimators ipw --estimator dr
expect_status 64 "an empty --estimator" $OPE gate "$TMP/log.csv" --policy greedy --estimator ""
expect_grep "$TMP/err" "--estimator expects one estimator's name (e.g. dr), got ''" \
    "... said as such"
expect_status 64 "a list as --estimator" $OPE gate "$TMP/log.csv" --policy greedy --estimator "ipw,dr"
expect_grep "$TMP/err" "--estimator expects one estimator's name (e.g. dr), got 'ipw,dr'" \
    "... said as such"
expect_status 64 "unknown policy" $OPE gate "$TMP/log.csv" --policy nosuch
expect_status 66 "missing log" $OPE gate "$TMP/nosuch.csv" --policy greedy
expect_status 64 "csv is not a verdict format" $OPE gate "$TMP/log.csv" --policy greedy -f csv
done_testing
