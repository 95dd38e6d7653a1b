#!/bin/sh
# t/1502-segments-constant.sh: issue 19 review: in `ope eval --by`, a (policy, estimator)
# whose bootstrap replicates equal its estimate in every segment (here: every reward 0,
# so ipw and snipw are 0 on every resample) has se 0 everywhere, so the max-t statistic
# max_s |rep - v| / se has no finite value. Its simultaneous interval is then [v, v]
# (what the whole log's percentile interval gives, and what max-t gives a segment with
# se 0 beside others), not an undefined interval without a warning.
. "$OPE_SRCDIR/t/lib.sh"
plan 4

# 60 rows, x0 in {u, v}; rewards all 0. Policy a puts positive mass on logged actions
# in both segments (so ipw and snipw are defined: 0 in each).
{ echo 'action,reward,pscore,x0,pi.a.0,pi.a.1'
  i=0; while [ $i -lt 20 ]; do
      echo '0,0,0.5,u,1,0'; echo '1,0,0.5,v,0.5,0.5'; echo '1,0,0.5,u,0.5,0.5'; i=$((i + 1))
  done; } > "$TMP/z.csv"

expect_status 0 "eval --by on a log of zero rewards" \
    "$OPE" eval "$TMP/z.csv" --estimators ipw,snipw --n-boot 50 --by x0 --format csv
# CSV: column,segment,lo,hi,rows,policy,policy_ess,truth,estimator,params,value,lower,upper,...
awk -F, '$1 == "x0" && $9 == "ipw" && $11 == 0 && $12 == 0 && $13 == 0 { n++ }
         END { exit n != 2 }' "$TMP/out" \
    && pass "ipw: [0, 0] in both segments" \
    || { fail "ipw: [0, 0] in both segments"; diag "$(cat "$TMP/out")"; }
awk -F, '$1 == "x0" && $9 == "snipw" && $11 == 0 && $12 == 0 && $13 == 0 { n++ }
         END { exit n != 2 }' "$TMP/out" \
    && pass "snipw: [0, 0] in both segments" || fail "snipw: [0, 0] in both segments"
# The same with t intervals (Bonferroni): the engine's own t interval, [0, 0].
"$OPE" eval "$TMP/z.csv" --estimators ipw --ci t --by x0 --format csv >"$TMP/t" 2>"$TMP/err"
awk -F, '$1 == "x0" && $9 == "ipw" && $12 == 0 && $13 == 0 { n++ } END { exit n != 2 }' \
    "$TMP/t" && pass "t: the same" || { fail "t: the same"; diag "$(cat "$TMP/t")"; }
done_testing
