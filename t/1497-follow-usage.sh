#!/bin/sh
# t/1497-follow-usage.sh: options of `ope eval --follow` and `ope gate --sequential`
# that were accepted and then did nothing, or did the wrong thing quietly:
#  - --every / --idle without --follow (eval) or --sequential (gate) were ignored and
#    the whole log evaluated once: a forgotten --follow looked like success. Now 64.
#  - gate --sequential with several policies tests each at alpha / m (Bonferroni, as
#    its JSON says), but the table's first line said "Holm's correction".
#  - gate --sequential --estimator E where E has no confidence sequence (snipw; any
#    estimator of a trajectory log) read the whole log and said UNDECIDABLE (2); it
#    can never decide, so it is a usage error (64) at the first look.
. "$OPE_SRCDIR/t/lib.sh"

# 600 rows, the logged policy alternates actions 0/1 (pscore 1/2), reward = action;
# 'one' always plays 1 (V = 1 against V(logged) = 1/2: a clear PASS), 'zero' always
# plays 0 (V = 0: a clear FAIL).
{ echo 'action,reward,pscore,pi.one.0,pi.one.1,pi.zero.0,pi.zero.1'
  awk 'BEGIN { for (i = 1; i <= 600; i++) print i % 2 "," i % 2 ",0.5,0,1,1,0" }'
} >"$TMP/log.csv"

expect_status 64 "eval --every without --follow: refused" $OPE eval "$TMP/log.csv" --every 100
expect_grep "$TMP/err" "--every applies to --follow" "and why"
expect_status 64 "eval --idle without --follow: refused" $OPE eval "$TMP/log.csv" --idle 1
expect_grep "$TMP/err" "--idle applies to --follow" "and why"
expect_status 64 "gate --every without --sequential: refused" \
    $OPE gate "$TMP/log.csv" --policy one --every 100
expect_grep "$TMP/err" "--every applies to --sequential" "and why"
expect_status 64 "gate --idle without --sequential: refused" \
    $OPE gate "$TMP/log.csv" --policy one --idle 1
expect_status 0 "eval --follow --every --idle: still fine" \
    $OPE eval "$TMP/log.csv" --follow --every 100 --idle 0 --estimators ipw

# Two policies, --sequential: one passes, one fails (exit 1), each at alpha / 2.
expect_status 1 "gate --sequential, two policies: one fails" \
    $OPE gate "$TMP/log.csv" --policy one --policy zero --sequential --every 100 --estimator ipw
expect_grep "$TMP/out" "(Bonferroni correction, family-wise alpha 0.05)" \
    "the table names Bonferroni, the correction used"
grep -q "Holm" "$TMP/out" && { fail "and not Holm's"; diag "$(cat "$TMP/out")"; } || pass "and not Holm's"

# -f json: a sequential FAIL is decided on the upper end of the lift's sequence, which
# the JSON did not carry (only lift_lower_bound): now lift_upper_bound, below 0 for
# 'zero' (lift -1/2; the reason's number).
expect_status 1 "gate --sequential -f json, two policies" \
    $OPE gate "$TMP/log.csv" --policy one --policy zero --sequential --every 100 --estimator ipw -f json
up=$(tr -d '\n' <"$TMP/out" | sed 's/.*"name":"zero".*"lift_upper_bound":\([^,]*\),.*/\1/')
reason=$(tr -d '\n' <"$TMP/out" | sed 's/.*"name":"zero".*upper bound \([-+0-9.e]*\) <.*/\1/')
awk -v u="$up" -v r="$reason" 'BEGIN { exit !(u + 0 < 0 && (u - r) ^ 2 < 1e-6) }' \
    && pass "the FAIL's lift_upper_bound is in the JSON, as in its reason" \
    || { fail "the FAIL's lift_upper_bound is in the JSON, as in its reason"; diag "got '$up', reason '$reason'" "$(cat "$TMP/out")"; }

expect_status 64 "gate --sequential --estimator snipw: refused (no confidence sequence)" \
    $OPE gate "$TMP/log.csv" --policy one --sequential --every 100 --estimator snipw
expect_grep "$TMP/err" "snipw has no confidence sequence" "and why"
# --bounds (the range --ci cs assumes): three numbers were said to need "A < B".
expect_status 64 "--bounds 0,1,2: refused" $OPE eval "$TMP/log.csv" --ci cs --bounds 0,1,2
expect_grep "$TMP/err" "--bounds expects A,B (e.g. 0,100), got '0,1,2'" "as not of the form A,B"
expect_status 64 "--bounds 1,0: refused" $OPE eval "$TMP/log.csv" --ci cs --bounds 1,0
expect_grep "$TMP/err" "--bounds expects finite A,B with A < B, got '1,0'" "as reversed"
expect_status 64 "--bounds 0,nan: refused" $OPE eval "$TMP/log.csv" --ci cs --bounds 0,nan
done_testing
