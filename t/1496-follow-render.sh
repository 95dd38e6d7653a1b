#!/bin/sh
# t/1496-follow-render.sh: what `ope eval --follow` writes for what is not a number
# and for a policy's warnings. An estimator without a confidence sequence (snipw under
# --ci cs) has no interval: the table showed "nan" where `ope eval` shows '-'; and the
# final JSON object's flat "warnings" list dropped the policy's name, so two policies'
# warnings could not be told apart (the table writes "warning: NAME: ..."). A closed
# pipe was reported with a message no other command gives.
. "$OPE_SRCDIR/t/lib.sh"

# 300 rows, the logged policy alternates actions 0/1 (pscore 1/2), reward = action.
# 'new' puts half its mass on action 2, never logged: the unsupported-mass warning is
# new's alone; 'old' is the logged policy itself.
{ echo 'action,reward,pscore,pi.new.0,pi.new.1,pi.new.2,pi.old.0,pi.old.1,pi.old.2'
  awk 'BEGIN { for (i = 1; i <= 300; i++) print i % 2 "," i % 2 ",0.5,0,0.5,0.5,0.5,0.5,0" }'
} >"$TMP/w.csv"

expect_status 0 "--follow with snipw and ipw" \
    $OPE eval "$TMP/w.csv" --follow --every 100 --idle 0 --estimators snipw,ipw
grep -q nan "$TMP/out" && { fail "no 'nan' in the table"; diag "$(cat "$TMP/out")"; } \
    || pass "no 'nan' in the table"
# snipw's line: rows, policy, label, value, then '-' for lower, upper, and the lift's ends.
line=$(awk '$1 == 300 && $2 == "new" && $3 == "snipw"' "$TMP/out")
set -- $line
[ "$5" = "-" ] && [ "$6" = "-" ] && [ "$8" = "-" ] && [ "$9" = "-" ] \
    && pass "snipw's missing interval and lift interval are '-'" \
    || { fail "snipw's missing interval and lift interval are '-'"; diag "$line"; }
expect_grep "$TMP/out" "warning: new: 50% of the policy's probability mass is on actions never logged" \
    "the table names the policy of a warning"

expect_status 0 "--follow -f json" \
    $OPE eval "$TMP/w.csv" --follow --every 100 --idle 0 --estimators ipw -f json
tail -n 1 "$TMP/out" >"$TMP/last.json"
expect_grep "$TMP/last.json" "\"new: 50% of the policy's probability mass is on actions never logged" \
    "the final JSON object names the policy of a warning"
# Rows are the loader's records: a blank line is no row, and a quoted field may hold a
# newline. 200 records (one with a two-line note, a blank line after the 120th): ope
# eval says 200 rows; --follow counted newlines, so its looks fell on 99 and 198 rows
# labelled 100 and 200, and the end said 202 rows.
{ echo 'action,reward,pscore,pi.new.0,pi.new.1,note'
  awk 'BEGIN { for (i = 1; i <= 200; i++) {
      print i % 2 "," i % 2 ",0.5,0,1," (i == 50 ? "\"two\nlines\"" : "x"); if (i == 120) print "" } }'
} >"$TMP/q.csv"
expect_status 0 "ope eval on it" $OPE eval "$TMP/q.csv" --estimators ipw --ci cs
expect_grep "$TMP/out" "200 rows" "200 rows"
expect_status 0 "--follow on it" $OPE eval "$TMP/q.csv" --follow --every 100 --idle 0 --estimators ipw
counts=$(awk '$2 == "new" { print $1 }' "$TMP/out" | tr '\n' ' ')
[ "$counts" = "100 200 " ] && pass "updates at 100 and 200 rows, none after" \
    || { fail "updates at 100 and 200 rows, none after"; diag "got: $counts"; }

# A reader that goes away (`| head -1`): status 73 (the write failed) and, as for every
# command, no message; it said "standard output: cannot write the update". --idle 2
# keeps it running after head has exited, so the final update meets a closed pipe.
{ $OPE eval "$TMP/w.csv" --follow --every 100 --idle 2 --estimators ipw 2>"$TMP/pipe.err"
  echo $? >"$TMP/pipe.st"; } | head -n 1 >/dev/null
[ "$(cat "$TMP/pipe.st")" = 73 ] && pass "| head -1: status 73" \
    || { fail "| head -1: status 73"; diag "status $(cat "$TMP/pipe.st")"; }
[ -s "$TMP/pipe.err" ] && { fail "| head -1: no message"; diag "$(cat "$TMP/pipe.err")"; } \
    || pass "| head -1: no message"
done_testing
