#!/bin/sh
# t/1553-mpi-no-hang.sh: a rank that fails alone before the others' collectives (here
# rank 1 of an MPMD run is given a bad truth file, read before the evaluation's passes)
# used to hang the job for ever: it went to MPI_Finalize, which waits for every rank,
# while rank 0 waited for it in the first pass's gather. It now waits a while
# (COMM_END_WAIT_S, 10 s) for the others to leave too, then stops the job with its
# status and says why on its own standard error, naming itself. Ranks that fail
# together, or rank 0 failing to write the result, still leave at once with rank 0's
# message. And --truth - (standard input,
# which reaches rank 0 alone: the way this was first met) is refused with status 64.
# Skipped without MPI and in sanitizer builds, as t/0379.
. "$OPE_SRCDIR/t/lib.sh"
. "$OPE_SRCDIR/t/mpi-lib.sh"
mpi_ready
plan 13
# The timeout is what tells a hang (status 124) from the stop (the rank's status).
mpi="timeout 100 mpirun --allow-run-as-root --oversubscribe"

"$OPE" gen bandit --rows 10000 --actions 3 --seed 3 -q -o "$TMP/q.csv" || exit 1
printf 'policy,value\ngreedy,0.7\neps0_2,0.6\nsoftmax2,0.5\nuniform,0.5\nanti2,0.4\n' \
    > "$TMP/truth.csv"
echo "not a truth file" > "$TMP/bad.csv"

# A rank failing alone waits 1 s here for the others (OPE_TEST_COMM_WAIT_MS; 10 s
# otherwise): the stop is the same, sooner.
OPE_TEST_COMM_WAIT_MS=1000; export OPE_TEST_COMM_WAIT_MS
start=$(date +%s)
expect_status 65 "rank 1 alone fails: the job stops with its status (no hang)" \
    $mpi -np 1 "$OPE" eval "$TMP/q.csv" --truth "$TMP/truth.csv" -f json : \
    -np 1 "$OPE" eval "$TMP/q.csv" --truth "$TMP/bad.csv" -f json
took=$(( $(date +%s) - start ))
expect_grep "$TMP/err" "ope: rank 1 (alone, the others waiting for it): $TMP/bad.csv:1:1: expected the header" \
    "rank 1 says why"
if [ ! -s "$TMP/out" ]; then pass "no result written"; else fail "no result written"; fi

# (the seam is what made it quick: the full wait would take 10 s and more)
if [ $took -lt 10 ]; then pass "... after the wait the test set, 1 s ($took s)"
else fail "... after the wait the test set, 1 s ($took s)"; fi
expect_status 65 "rank 0 alone fails: the same" \
    $mpi -np 1 "$OPE" eval "$TMP/q.csv" --truth "$TMP/bad.csv" -f json : \
    -np 1 "$OPE" eval "$TMP/q.csv" --truth "$TMP/truth.csv" -f json
expect_grep "$TMP/err" "$TMP/bad.csv:1:1: expected the header" "rank 0 says why"
unset OPE_TEST_COMM_WAIT_MS

# Failing together is not waited for: every rank reaches the end at once.
start=$(date +%s)
expect_status 65 "every rank fails: status 65" \
    $mpi -np 3 "$OPE" eval "$TMP/q.csv" --truth "$TMP/bad.csv"
took=$(( $(date +%s) - start ))
if [ $took -lt 10 ]; then pass "and not after the wait ($took s)"
else fail "and not after the wait ($took s)"; fi

# Rank 0 failing to write the result, the others done: it does not wait for them.
start=$(date +%s)
expect_status 73 "rank 0 cannot write -o: status 73" \
    $mpi -np 2 "$OPE" eval "$TMP/q.csv" --estimators ipw -o "$TMP/none/r.json"
took=$(( $(date +%s) - start ))
expect_grep "$TMP/err" "none/r.json: cannot create a file in its directory" "it says why"
if [ $took -lt 10 ]; then pass "at once ($took s)"; else fail "at once ($took s)"; fi

expect_status 64 "--truth - across ranks: refused" \
    sh -c "$mpi -np 2 '$OPE' eval '$TMP/q.csv' --truth - < '$TMP/truth.csv'"
expect_grep "$TMP/err" "--truth standard input: under mpirun every rank reads the truth file" \
    "the message says why"
done_testing
