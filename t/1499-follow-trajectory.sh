#!/bin/sh
# t/1499-follow-trajectory.sh: `ope eval --follow` and `ope gate --sequential` on a
# trajectory log. Their looks fall on row counts, so a look cut the last episode in
# two (a short episode, padded, in the estimate), and their default estimators are the
# bandit ipw,dr: `ope eval traj.csv --follow` said "unknown estimator 'ipw'", a gate
# read the whole log to call it UNDECIDABLE. Both are now a usage error (64) that says
# the log is a trajectory log and these read bandit logs.
. "$OPE_SRCDIR/t/lib.sh"

# Four episodes of three steps (episode,step,state,action,reward,pscore,pi.new.*).
{ echo 'episode,step,state,action,reward,pscore,pi.new.0,pi.new.1'
  awk 'BEGIN { for (e = 1; e <= 4; e++) for (t = 0; t < 3; t++) print e "," t ",0," t % 2 "," t % 2 ",0.5,0.5,0.5" }'
} >"$TMP/traj.csv"
# The log itself is fine for ope eval.
expect_status 0 "ope eval on the trajectory log" $OPE eval "$TMP/traj.csv" --estimators tis --ci t

expect_status 64 "eval --follow on a trajectory log: refused" \
    $OPE eval "$TMP/traj.csv" --follow --every 2 --idle 0
expect_grep "$TMP/err" "--follow: $TMP/traj.csv is a trajectory log; --follow reads bandit logs" "and why"
expect_status 64 "even with trajectory estimators and --ci t" \
    $OPE eval "$TMP/traj.csv" --follow --every 2 --idle 0 --estimators tis --ci t
# Before, this printed updates at rows 2, 4, ... cutting episodes of 3 rows.
[ -s "$TMP/out" ] && { fail "and no update is written"; diag "$(cat "$TMP/out")"; } \
    || pass "and no update is written"
expect_status 64 "gate --sequential on a trajectory log: refused" \
    $OPE gate "$TMP/traj.csv" --policy new --sequential --every 2
expect_grep "$TMP/err" "--sequential: $TMP/traj.csv is a trajectory log" "and why"
done_testing
