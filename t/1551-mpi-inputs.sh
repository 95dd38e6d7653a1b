#!/bin/sh
# t/1551-mpi-inputs.sh: what mpirun -np N ope eval cannot split is refused with status
# 64 and a message that says why, not a message about another thing or a silent
# failure: standard input (mpirun gives it to rank 0 alone: rank 1 said "-: the file
# is empty"), a FIFO (its readers share its bytes out: a rank read a header cut in
# the middle), a trajectory log whose ranks read other files or run other settings or
# whose later rank fails (silently merged, or a "damaged state"), a trajectory log with td's value model (a model's estimator once said "--stream reads
# bandit logs ... drop --stream" of a command without --stream) and --follow (every rank followed the whole log; on
# standard input rank 1 failed without a word and mpirun's status was 65 after rank
# 0's complete output), and --by (it said "drop --stream", which was not given).
# Skipped without MPI and in sanitizer builds, as t/0379.
. "$OPE_SRCDIR/t/lib.sh"
. "$OPE_SRCDIR/t/mpi-lib.sh"
mpi_ready
plan 20

"$OPE" gen bandit --rows 5000 --actions 3 --seed 2 -q -o "$TMP/raw.csv" || exit 1
sed '1s/,q\./,qhat./g' "$TMP/raw.csv" > "$TMP/q.csv"

expect_status 64 "standard input across ranks: refused" \
    sh -c "$mpi -np 2 '$OPE' eval - < '$TMP/q.csv'"
expect_grep "$TMP/err" "standard input: under mpirun every rank reads the log for itself" \
    "the message says why"
expect_status 64 "standard input after a file: refused too" \
    sh -c "$mpi -np 2 '$OPE' eval '$TMP/q.csv' - < '$TMP/q.csv'"

# A FIFO: refused by its type, before any rank opens it (the writer is left waiting,
# so it is stopped by its timeout).
mkfifo "$TMP/fifo"
(timeout 20 cat "$TMP/q.csv" > "$TMP/fifo" 2>/dev/null &)
expect_status 64 "a FIFO across ranks: refused" $mpi -np 2 "$OPE" eval "$TMP/fifo"
expect_grep "$TMP/err" "must be a regular file (the ranks would share out a pipe's bytes" \
    "the message says why"
# Unblock the writer, if it is still there.
timeout 5 cat "$TMP/fifo" > /dev/null 2>&1

"$OPE" gen mdp riverswim --episodes 20 -q -o "$TMP/traj.csv" || exit 1
# td's value model across ranks (their ranges pass the iteration on in every epoch,
# t/0412): 20 episodes are too few for it to reach LSTD's point, refused as one
# process refuses it, and nothing says --stream, which was not given.
"$OPE" eval "$TMP/traj.csv" --estimators tis,dr --value-model td --gamma 0.9 >/dev/null \
    2>"$TMP/e1"; s1=$?
expect_status $s1 "a trajectory log across ranks with td's value model: as one process" \
    $mpi -np 2 "$OPE" eval "$TMP/traj.csv" --estimators tis,dr --value-model td --gamma 0.9
if [ "$(head -1 "$TMP/err")" = "$(head -1 "$TMP/e1")" ]; then pass "... the same message"
else fail "another message"; diag "$(head -2 "$TMP/err" "$TMP/e1")"; fi
if grep -q -- "--stream" "$TMP/err"; then fail "no word of --stream, which was not given"
else pass "no word of --stream, which was not given"; fi

# A trajectory log whose ranks disagree: each rank's range is merged into every rank's
# result, so another file, another seed or --risk on one rank alone gave a result (or a
# "damaged state") with no word of why.
"$OPE" gen mdp riverswim --episodes 3000 --horizon 5 --seed 4 -q -o "$TMP/t1.csv" || exit 1
awk -F, -v OFS=, 'NR == 9001 { $5 = $5 + 1 } { print }' "$TMP/t1.csv" > "$TMP/t2.csv"
expect_status 65 "a trajectory log, rank 1 reading another file: refused" $mpi \
    -np 1 "$OPE" eval "$TMP/t1.csv" --estimators tis -q : -np 1 "$OPE" eval "$TMP/t2.csv" \
    --estimators tis -q
expect_grep "$TMP/err" "rank 1 reads other bytes than rank 0 (the same $(wc -c < "$TMP/t1.csv") bytes" \
    "said: by the SHA-256 (the same size)"
expect_status 64 "a trajectory log, rank 1 with another seed: refused" $mpi \
    -np 1 "$OPE" eval "$TMP/t1.csv" --estimators tis -q : -np 1 "$OPE" eval "$TMP/t1.csv" \
    --estimators tis -q --seed 7
expect_grep "$TMP/err" "rank 1 runs with seed=7, rank 0 with seed=12345" "said, naming the setting"
expect_status 64 "a trajectory log, --risk on rank 1 alone: refused, no wait" $mpi \
    -np 1 "$OPE" eval "$TMP/t1.csv" --estimators tis -q : -np 1 "$OPE" eval "$TMP/t1.csv" \
    --estimators tis -q --risk
expect_status 66 "a trajectory log, rank 1's truth file missing: every rank fails" $mpi \
    -np 1 "$OPE" eval "$TMP/t1.csv" --estimators tis -q -o "$TMP/tr.json" : -np 1 "$OPE" eval \
    "$TMP/t1.csv" --estimators tis -q --truth "$TMP/nothere.csv" -o "$TMP/tr.json"
if [ ! -e "$TMP/tr.json" ] && grep -q "nothere.csv: cannot open" "$TMP/err"; then
    pass "nothing written, and the reason said"
else fail "rank 1's truth file: output or message"; diag "$(head -3 "$TMP/err")"; fi

expect_status 64 "--follow across ranks: refused" \
    sh -c "$mpi -np 2 '$OPE' eval - --follow --policy greedy < '$TMP/q.csv'"
expect_grep "$TMP/err" "--follow reads a growing log in order in one process" "the message says why"
if [ ! -s "$TMP/out" ]; then pass "no updates written"; else fail "no updates written"; fi

expect_status 64 "--by across ranks: refused" $mpi -np 2 "$OPE" eval "$TMP/q.csv" --by x0
expect_grep "$TMP/err" "--by x0: segments are evaluated from their rows gathered in memory, in one process: run it without mpirun" \
    "the message says why, and not --stream"
done_testing
