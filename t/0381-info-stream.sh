#!/bin/sh
# t/0381-info-stream.sh: `ope info --stream` (issue 17) reads a bandit log in windows
# (a trajectory log in windows of whole episodes) and gives the report `ope info` gives
# from the whole log, byte for byte, in every format; for a plain file, a .gz, standard input through a pipe (copied to a
# temporary file, and it says so), past --memory-limit, and under an address-space
# limit the whole-log reading does not fit in. Bad logs fail with the same status
# and message.
. "$OPE_SRCDIR/t/lib.sh"
plan 28

# same DESC ARGS...: ope info ARGS and ope info --stream ARGS, stdout and status equal.
same() {
    desc=$1; shift
    "$OPE" info "$@" >"$TMP/whole" 2>"$TMP/whole.err"; s1=$?
    "$OPE" info --stream "$@" >"$TMP/win" 2>"$TMP/win.err"; s2=$?
    if [ $s1 -eq 0 ] && [ $s2 -eq 0 ] && cmp -s "$TMP/whole" "$TMP/win"; then pass "$desc"
    else fail "$desc"; diag "status $s1 / $s2" "$(diff "$TMP/whole" "$TMP/win" | head -20)" \
        "$(head -c 300 "$TMP/win.err")"; fi
}

# 12,000 rows (three windows of 4096): slots 1..3 with @2 columns, x1 categorical
# from row 9000 on (its levels cover rows in earlier windows), a policy 'new' that
# puts mass on action 3, which is never logged at slot 3 (so the unseen mass needs a
# second reading), and one pscore of 0.0005 (the smallest-pscore warning names its
# line, 7003).
awk 'BEGIN {
    print "action,reward,pscore,position,x0,x1,pi.uni.0,pi.uni.1,pi.uni.2,pi.uni.3,pi.new.0,pi.new.1,pi.new.2,pi.new.3,pi.uni.0@2,pi.uni.1@2,pi.uni.2@2,pi.uni.3@2"
    for (i = 0; i < 12000; i++) {
        pos = 1 + i % 3; a = (i * 7 + int(i / 5)) % 4
        if (pos == 3 && a == 3) a = 2
        x1 = i >= 9000 && i % 2 ? "w" (i % 5) : (i % 13) / 4
        printf "%d,%d,%s,%d,%.4f,%s,0.25,0.25,0.25,0.25,0.1,0.2,0.3,0.4,0.7,0.1,0.1,0.1\n",
            a, (i * 31) % 7 < 3, i == 7001 ? "0.0005" : "0.25", pos, ((i * 37) % 101) / 50 - 1, x1
    }
}' > "$TMP/log.csv"
for f in table json csv; do
    same "a log with positions, a late categorical column, unseen actions: same $f" \
        "$TMP/log.csv" -f $f
done
expect_grep "$TMP/win" "policy 'new'" "the report has the policies"
"$OPE" info --stream "$TMP/log.csv" >"$TMP/out" 2>&1
expect_grep "$TMP/out" "(line 7003)" "the smallest pscore is named by its line"
expect_grep "$TMP/out" "never logged (at that position)" "the unseen mass is reported"

gzip -c "$TMP/log.csv" > "$TMP/log.csv.gz"
same "a .gz log: same table" "$TMP/log.csv.gz"

# Standard input through a pipe: copied to a temporary file, said on stderr.
cat "$TMP/log.csv" | "$OPE" info - >"$TMP/whole" 2>/dev/null
cat "$TMP/log.csv" | "$OPE" info --stream - >"$TMP/win" 2>"$TMP/err"
cmp -s "$TMP/whole" "$TMP/win" && pass "standard input through a pipe: same table" ||
    { fail "standard input through a pipe: same table"; diag "$(diff "$TMP/whole" "$TMP/win" | head)"; }
expect_grep "$TMP/err" "standard input can be read only once: it was copied to a temporary file" \
    "and it says that it was copied to a temporary file"
cat "$TMP/log.csv.gz" | "$OPE" info --stream -q - >"$TMP/win" 2>"$TMP/err"
[ ! -s "$TMP/err" ] && cmp -s "$TMP/whole" "$TMP/win" && pass "a piped .gz, with -q: same, silent" ||
    fail "a piped .gz, with -q: same, silent"

# The temporary copy goes when a signal ends ope while it reads the pipe.
mkdir "$TMP/spill"
{ head -100 "$TMP/log.csv"; sleep 3; } | TMPDIR="$TMP/spill" "$OPE" info --stream - \
    >/dev/null 2>&1 &
pid=$!
sleep 1
n_during=$(ls "$TMP/spill" | wc -l)
kill -TERM $pid 2>/dev/null
wait $pid 2>/dev/null
[ "$n_during" -eq 1 ] && [ -z "$(ls "$TMP/spill")" ] &&
    pass "SIGTERM while the pipe is copied: the temporary copy is removed" ||
    fail "SIGTERM while the pipe is copied: $n_during file(s) during, left: $(ls "$TMP/spill")"

# A weight past what a double can sum (pscore 1e-300, a reward of 1e90): the warning
# names the row found by a second reading.
{ echo "action,reward,pscore,pi.e.0,pi.e.1"
  awk 'BEGIN { for (i = 0; i < 9000; i++) print i % 2 "," (i == 8500 ? "1e90" : "1") "," (i == 6000 ? "1e-300" : "0.5") ",0.5,0.5" }'
} > "$TMP/range.csv"
same "a weight that overflows: same table" "$TMP/range.csv"
expect_grep "$TMP/win" "range.csv:6002: policy 'e': the importance weight" \
    "and the overflow names line 6002"

# --memory-limit: a 1K limit streams this log, the same report.
"$OPE" info "$TMP/log.csv" >"$TMP/whole"
"$OPE" info --memory-limit 1K "$TMP/log.csv" >"$TMP/win"
cmp -s "$TMP/whole" "$TMP/win" && pass "--memory-limit 1K: same table" || fail "--memory-limit 1K: same table"
expect_status 64 "--memory-limit 12X is a usage error" "$OPE" info --memory-limit 12X "$TMP/log.csv"
expect_grep "$TMP/err" "--memory-limit expects a positive number of bytes" "naming the option"

# Bad logs: the same status and message, streamed or not.
bad_same=0
for f in "$DATA"/bad/*.csv; do
    case $(basename "$f") in traj-*) continue ;; esac
    "$OPE" info "$f" >/dev/null 2>"$TMP/e1"; s1=$?
    "$OPE" info --stream "$f" >/dev/null 2>"$TMP/e2"; s2=$?
    if [ $s1 -ne $s2 ] || ! cmp -s "$TMP/e1" "$TMP/e2"; then
        bad_same=1; diag "$f: $s1 $(cat "$TMP/e1")" "streamed: $s2 $(cat "$TMP/e2")"; fi
done
[ $bad_same -eq 0 ] && pass "every bad bandit log of t/data/bad: the same status and message" ||
    fail "every bad bandit log of t/data/bad: the same status and message"
for f in small.csv positions.csv bom-crlf.csv; do
    same "t/data/good/$f: same table" "$DATA/good/$f"
done
same "t/data/good/mapped.csv with --sep and --map: same table" "$DATA/good/mapped.csv" \
    --sep ";" --map action=item --map reward=click --map pscore=prop --map position=slot

# Trajectory logs: read in windows of whole episodes, in one pass (from a pipe as it
# comes), the same report; bad ones fail with the same status and message.
same "t/data/good/traj.csv: same table" "$DATA/good/traj.csv"
same "t/data/good/traj.csv: same JSON" "$DATA/good/traj.csv" -f json
"$OPE" info "$DATA/good/traj.csv" -f json > "$TMP/t1"
"$OPE" info --stream - -f json < "$DATA/good/traj.csv" | sed 's|"file": "-"|"file": "'"$DATA/good/traj.csv"'"|' > "$TMP/t2"
if cmp -s "$TMP/t1" "$TMP/t2"; then pass "a trajectory log on standard input: the same JSON"
else fail "a trajectory log on standard input"; diag "$(diff "$TMP/t1" "$TMP/t2" | head -5)"; fi
"$OPE" info --memory-limit 1 "$DATA/good/traj.csv" -f json > "$TMP/t3"
if cmp -s "$TMP/t1" "$TMP/t3"; then pass "past --memory-limit: streamed, the same JSON"
else fail "past --memory-limit differs"; fi
traj_same=0
for f in "$DATA"/bad/traj-*.csv; do
    "$OPE" info "$f" >/dev/null 2>"$TMP/e1"; s1=$?
    "$OPE" info --stream "$f" >/dev/null 2>"$TMP/e2"; s2=$?
    if [ $s1 -ne $s2 ] || ! cmp -s "$TMP/e1" "$TMP/e2"; then
        traj_same=1; diag "$f: $s1 $(cat "$TMP/e1")" "streamed: $s2 $(cat "$TMP/e2")"; fi
done
[ $traj_same -eq 0 ] && pass "every bad trajectory log of t/data/bad: the same status and message" ||
    fail "every bad trajectory log of t/data/bad: the same status and message"

# Memory: 300,000 rows of 10 actions (about 150 MB of CSV; whole, ~70 MB of columns
# and more to read them: about 95 MB of address space since the columns are sized
# for the file at once, past 100 MB when they grew by doubling) under a 70 MB
# address-space limit: the whole-log reading fails, the streamed one (one batch of
# rows, ~20 MB) succeeds with the same report as the unlimited run. Where ope cannot run even a tiny log under that limit (a
# sanitizer build reserves terabytes of shadow memory), skip.
OPE_THREADS=2; export OPE_THREADS
"$OPE" gen bandit --rows 300000 --actions 10 --policies softmax:2 --seed 1 -q -o "$TMP/big.csv"
head -3 "$TMP/big.csv" > "$TMP/tiny.csv"
limit=70000
if (ulimit -v $limit; exec "$OPE" info "$TMP/tiny.csv") >/dev/null 2>&1; then
    (ulimit -v $limit; exec "$OPE" info "$TMP/big.csv") >/dev/null 2>&1 &&
        fail "the whole 300,000-row log fits under 70 MB: the limit proves nothing" ||
        pass "the whole 300,000-row log does not load under a 70 MB limit"
    (ulimit -v $limit; exec "$OPE" info --stream "$TMP/big.csv") >"$TMP/win" 2>"$TMP/err"
    got=$?
    "$OPE" info "$TMP/big.csv" >"$TMP/whole"
    [ $got -eq 0 ] && cmp -s "$TMP/whole" "$TMP/win" &&
        pass "--stream reads it under the limit, with the unlimited run's report" ||
        { fail "--stream under a 70 MB limit: exit $got"; diag "$(head -c 300 "$TMP/err")"; }
else
    skip "ope does not start under a 70 MB limit"
    skip "ope does not start under a 70 MB limit"
fi
