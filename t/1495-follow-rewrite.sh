#!/bin/sh
# t/1495-follow-rewrite.sh: `ope eval --follow` on a file that does not only grow. A
# log truncated, rewritten in place or replaced (renamed over) while it is followed
# used to be read on from the old offset (the tail of other bytes taken as rows, or
# nothing more and a clean exit after --idle): now each ends the command with status
# 66 and a message that says what happened and which rows the updates cover.
. "$OPE_SRCDIR/t/lib.sh"

# The log of t/0371: the logged policy alternates actions 0/1 (pscore 1/2), reward =
# action, the policy 'new' always plays 1.
rows() { awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++) print i % 2 "," i % 2 ",0.5,0,1" }'; }
header='action,reward,pscore,pi.new.0,pi.new.1'

# follow NAME CHANGE: follow $TMP/NAME.csv (200 rows, --idle 30: it would wait 30 s
# for growth), wait for its update at row 100, run CHANGE, and give it 60 s to end.
follow() {
    { echo "$header"; rows 1 200; } >"$TMP/$1.csv"
    $OPE eval "$TMP/$1.csv" --follow --every 100 --idle 30 --estimators ipw \
        >"$TMP/$1.out" 2>"$TMP/$1.err" &
    pid=$!
    t=0
    until grep -q '^ *200 ' "$TMP/$1.out" 2>/dev/null || [ $t -ge 600 ]; do sleep 0.1; t=$((t + 1)); done
    eval "$2"
    t=0
    while kill -0 $pid 2>/dev/null && [ $t -lt 600 ]; do sleep 0.1; t=$((t + 1)); done
    kill $pid 2>/dev/null
    wait $pid; st=$?
}

# Truncated to its header: before, the reader waited out --idle and exited 0.
follow trunc 'echo "$header" >"$TMP/trunc.csv"'
[ $st -eq 66 ] && pass "a truncated file: status 66" || { fail "a truncated file: status 66"; diag "status $st" "$(cat "$TMP/trunc.err")"; }
expect_grep "$TMP/trunc.err" "trunc.csv: the file shrank from" "the message says it shrank"
expect_grep "$TMP/trunc.err" "cover its first 200 rows" "and which rows the updates cover"

# Rewritten in place with more bytes than were read (another log, the same header):
# the size alone cannot tell; the first bytes do. dd conv=notrunc overwrites without
# truncating first: '>' would empty the file for a moment, and a poll that fell in
# that moment saw a file that shrank (a true message, but not this case's).
follow rewr '{ echo "$header"; rows 2 402; } >"$TMP/rewr.new"; dd if="$TMP/rewr.new" of="$TMP/rewr.csv" conv=notrunc 2>/dev/null'
[ $st -eq 66 ] && pass "a file rewritten in place: status 66" || { fail "a file rewritten in place: status 66"; diag "status $st" "$(cat "$TMP/rewr.err")"; }
expect_grep "$TMP/rewr.err" "rewr.csv: its first bytes changed while it was followed" "the message says it was rewritten"

# Replaced by another file (a rotation: mv over the name).
follow repl '{ echo "$header"; rows 1 300; } >"$TMP/new.csv"; mv "$TMP/new.csv" "$TMP/repl.csv"'
[ $st -eq 66 ] && pass "a file renamed over: status 66" || { fail "a file renamed over: status 66"; diag "status $st" "$(cat "$TMP/repl.err")"; }
expect_grep "$TMP/repl.err" "repl.csv: the name now holds another file" "the message says it was replaced"

# Appended to as it should be, then left alone: still a clean end (status 0), and a
# file read through standard input is not compared with a file named '-'.
follow app 'rows 201 250 >>"$TMP/app.csv"; sleep 0.5; kill -INT $pid'
[ $st -eq 0 ] && pass "an appended file: Ctrl-C ends it with 0" || { fail "an appended file: Ctrl-C ends it with 0"; diag "status $st" "$(cat "$TMP/app.err")"; }
: >"$TMP/-"
(cd "$TMP" && $OPE eval - --follow --every 100 --idle 0.3 --estimators ipw <"$TMP/app.csv" >"$TMP/stdin.out" 2>"$TMP/stdin.err"); st=$?
[ $st -eq 0 ] && pass "standard input redirected from a file: status 0" || { fail "standard input redirected from a file: status 0"; diag "$(cat "$TMP/stdin.err")"; }

done_testing
