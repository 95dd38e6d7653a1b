#!/bin/sh
# t/0371-follow.sh: `ope eval --follow` (issue 19, part 6): a file that grows while it
# is read (a background writer appends rows) gives updates at 100, 200, ... rows and
# ends --idle seconds after the last append; a FIFO and standard input end at their
# EOF; -f json writes JSON Lines, the last one final; each update is what `ope eval
# --ci cs` gives on the rows read so far; Ctrl-C ends it with status 0; usage errors.
. "$OPE_SRCDIR/t/lib.sh"

# rows FROM TO: rows FROM..TO of a log whose logged policy alternates between two
# actions (pscore 1/2) and whose reward is the action; the policy 'new' always plays
# action 1: V(new) = 1, V(logged) = 1/2.
rows() { awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++) print i % 2 "," i % 2 ",0.5,0,1" }'; }
header='action,reward,pscore,pi.new.0,pi.new.1'

# A growing file: 300 rows, then 100 more every 0.3 s up to 800.
{ echo "$header"; rows 1 300; } >"$TMP/grow.csv"
$OPE eval "$TMP/grow.csv" --follow --every 100 --idle 4 --estimators ipw \
    >"$TMP/grow.out" 2>"$TMP/grow.err" &
pid=$!
( for k in 4 5 6 7 8; do sleep 0.3; rows $(( (k - 1) * 100 + 1 )) $((k * 100)) >>"$TMP/grow.csv"; done ) &
writer=$!
wait $writer
# It must end by itself about 4 s after the last append (a writer delayed longer
# than that by a loaded machine would end it early: 4 s leaves room); give a loaded machine 60 s.
t=0
while kill -0 $pid 2>/dev/null && [ $t -lt 600 ]; do sleep 0.1; t=$((t + 1)); done
if kill -0 $pid 2>/dev/null; then
    kill $pid; fail "--follow on a file ends after --idle"; else pass "--follow on a file ends after --idle"; fi
wait $pid; st=$?
[ $st -eq 0 ] && pass "and exits 0" || { fail "and exits 0"; diag "status $st" "$(cat "$TMP/grow.err")"; }
counts=$(awk '$2 == "new" { print $1 }' "$TMP/grow.out" | tr '\n' ' ')
[ "$counts" = "100 200 300 400 500 600 700 800 " ] && pass "updates at 100, 200, ..., 800 rows" \
    || { fail "updates at 100, 200, ..., 800 rows"; diag "got: $counts" "$(cat "$TMP/grow.out")"; }
expect_grep "$TMP/grow.out" "warning: cs: confidence sequences over the rows in log order" \
    "the end says what the sequences assume"

# A FIFO: 250 rows then EOF: updates at 100, 200 and 250 (the end of the data).
mkfifo "$TMP/fifo"
$OPE eval "$TMP/fifo" --follow --every 100 --estimators ipw >"$TMP/fifo.out" 2>"$TMP/fifo.err" &
pid=$!
{ echo "$header"; rows 1 250; } >"$TMP/fifo"
wait $pid; st=$?
[ $st -eq 0 ] && pass "--follow on a FIFO ends at EOF, exit 0" || fail "--follow on a FIFO ends at EOF, exit 0"
counts=$(awk '$2 == "new" { print $1 }' "$TMP/fifo.out" | tr '\n' ' ')
[ "$counts" = "100 200 250 " ] && pass "FIFO: updates at 100, 200 and 250 (end) rows" \
    || { fail "FIFO: updates at 100, 200 and 250 (end) rows"; diag "got: $counts"; }

# Standard input, JSON Lines: three objects, the last final; each update equals the
# plain evaluation of the rows read so far (the same engine, the same sequence).
{ echo "$header"; rows 1 250; } | $OPE eval - --follow --every 100 --estimators ipw -f json \
    >"$TMP/json.out" 2>"$TMP/json.err"
[ "$(wc -l <"$TMP/json.out")" -eq 3 ] && pass "stdin -f json: one line per update" \
    || fail "stdin -f json: one line per update"
head -n 1 "$TMP/json.out" | grep -q '^{"rows":100,"final":false,"ci":"cs",' \
    && pass "an update is a JSON object: rows, final, ci" || fail "an update is a JSON object: rows, final, ci"
tail -n 1 "$TMP/json.out" | grep -q '^{"rows":250,"final":true,.*"warnings":\[' \
    && pass "the last update is final, with the warnings" || fail "the last update is final, with the warnings"
{ echo "$header"; rows 1 100; } >"$TMP/first100.csv"
$OPE eval "$TMP/first100.csv" --ci cs --estimators ipw -f json >"$TMP/plain.json" 2>/dev/null
lo1=$(head -n 1 "$TMP/json.out" | sed 's/.*"lower":\([^,]*\),.*/\1/')
lo2=$(grep -o '"lower":[^,]*' "$TMP/plain.json" | head -n 1 | cut -d: -f2)
[ -n "$lo1" ] && [ "$lo1" = "$lo2" ] && pass "the update at 100 rows = ope eval --ci cs of those rows ($lo1)" \
    || { fail "the update at 100 rows = ope eval --ci cs of those rows"; diag "$lo1 vs $lo2"; }
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$TMP/json.out" \
        && pass "every line parses as JSON" || fail "every line parses as JSON"
else
    skip "no python3 to parse the JSON"
fi

# Ctrl-C while waiting for a file to grow: a clean end, status 0.
$OPE eval "$TMP/first100.csv" --follow --every 50 --idle 600 --estimators ipw \
    >"$TMP/int.out" 2>"$TMP/int.err" &
pid=$!
t=0
while ! grep -q '^ *100 ' "$TMP/int.out" 2>/dev/null && [ $t -lt 300 ]; do sleep 0.1; t=$((t + 1)); done
kill -INT $pid
t=0
while kill -0 $pid 2>/dev/null && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
if kill -0 $pid 2>/dev/null; then kill $pid; fi
wait $pid; st=$?
[ $st -eq 0 ] && pass "Ctrl-C ends --follow with status 0" || { fail "Ctrl-C ends --follow with status 0"; diag "status $st"; }

# Usage: -o, a compressed file, --lift.
expect_status 64 "--follow with -o FILE: refused" \
    $OPE eval "$TMP/first100.csv" --follow -o "$TMP/x.json"
expect_grep "$TMP/err" "--follow writes its updates to standard output" "and why"
gzip -c "$TMP/first100.csv" >"$TMP/c.csv.gz"
expect_status 64 "--follow on a gzip file: refused" $OPE eval "$TMP/c.csv.gz" --follow --idle 0
expect_grep "$TMP/err" "a gzip file cannot be followed" "and how to do it instead"
expect_status 64 "--every 1: refused" $OPE eval "$TMP/first100.csv" --follow --every 1
# --by was silently ignored by --follow (the segments arrived with the follow mode).
expect_status 64 "--follow with --by: refused" $OPE eval "$TMP/first100.csv" --follow --by x0 --bins 2
expect_grep "$TMP/err" "--follow does not segment (--by)" "and why"
done_testing
