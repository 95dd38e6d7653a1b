#!/bin/sh
# t/0393-stream-model.sh: a streamed evaluation fits the reward model itself (issue 17:
# ridge in one pass of normal equations, logistic in Newton passes, folds by the
# global row) and gives the in-memory JSON. Why the comparison is to 1e-12 relative and
# not to the bits: every sum of the fit is gathered in the in-memory fit's row order,
# so the coefficients are its bits, but the streamed engine merges its sd across
# windows (t/0392 says so for the model-free estimators); seen 1e-16.
# The log has what the fit treats specially: positions (a one-hot block), a
# categorical context of 300 levels (solved as an eliminated block: 256 or more), one
# of 5 and one whose levels appear late (dense), numeric contexts to standardise per
# fold, and three windows (of 16,384 rows: OPE_TEST_WINDOW; the default 65,536 would
# take 3.5 times the rows and the time). The passes after the first read the model's
# columns from a temporary copy; the same bytes without it. Then its errors: the same
# messages and statuses as in memory, and what cannot fit (--save-state) refused with
# status 64 saying what to do.
. "$OPE_SRCDIR/t/lib.sh"
close="$OPE_BUILDDIR/t/jsonclose"

OPE_TEST_WINDOW=16384; export OPE_TEST_WINDOW
"$OPE" gen bandit --rows 40000 --actions 4 --seed 11 -q -o "$TMP/raw.csv" || exit 1
# Positions and categorical contexts (t/lib.sh): x7's levels first seen in the last
# window (after row 34,000).
add_contexts "$TMP/raw.csv" "$TMP/log.csv" 34000
"$OPE" info "$TMP/log.csv" > "$TMP/info" 2>&1
expect_grep "$TMP/info" "x5            context (categorical, 300 levels)" \
    "the log has a categorical context of 300 levels (solved as a block)"
expect_grep "$TMP/info" "x7            context (categorical, 41 levels)" \
    "... and one whose levels appear in the last window"

all=dm,dr,sndr,switch-dr,dr-os,sg-dr,ipw
stream_same "logistic (binary rewards), every model estimator, t intervals, --matrix" \
    "$TMP/log.csv" --estimators $all --ci t --matrix
stream_same "... bootstrap intervals with --against" "$TMP/log.csv" --estimators dm,dr \
    --against uniform --n-boot 200
stream_same "ridge" "$TMP/log.csv" --estimators dm,dr,sndr --reward-model ridge --ci t
stream_same "one fold (fit and predict on every row)" "$TMP/log.csv" --estimators dm,dr --folds 1 \
    --ci t
stream_same "5 folds, another seed" "$TMP/log.csv" --estimators dm,dr --folds 5 --seed 3 --ci t
stream_same "lambda 0 (dense: no block solve)" "$TMP/log.csv" --estimators dm,dr \
    --model-lambda 0 --ci t
# Continuous rewards: ridge by default.
"$OPE" gen bandit --rows 20000 --actions 3 --reward continuous --seed 2 -q \
    -o "$TMP/cont.csv" || exit 1
stream_same "continuous rewards: ridge by default" "$TMP/cont.csv" --estimators dm,dr,sndr --ci t
expect_grep "$TMP/win" '"model":{"kind":"ridge","folds":3' "... and reported as ridge"

# The threads never change it, and neither does streaming by --memory-limit.
"$OPE" eval "$TMP/log.csv" --stream --estimators dm,dr --ci t --threads 1 -f json \
    > "$TMP/t1" 2>/dev/null
"$OPE" eval "$TMP/log.csv" --stream --estimators dm,dr --ci t --threads 2 -f json \
    > "$TMP/t2" 2>/dev/null
if cmp -s "$TMP/t1" "$TMP/t2"; then pass "--threads 1 and 2: the same bytes"
else fail "--threads 1 and 2 differ"; fi
# The passes after the first read the model's own copy of its columns (rmcache.h);
# without it (the test's switch, or no writable $TMPDIR) they read the log again.
OPE_TEST_NO_MODEL_CACHE=1 "$OPE" eval "$TMP/log.csv" --stream --estimators dm,dr --ci t \
    --threads 1 -f json > "$TMP/nc" 2>/dev/null
if cmp -s "$TMP/t1" "$TMP/nc"; then pass "without the model's cache: the same bytes"
else fail "without the model's cache: different"; fi
TMPDIR="$TMP/none" "$OPE" eval "$TMP/log.csv" --stream --estimators dm,dr --ci t \
    --threads 1 -f json > "$TMP/nt" 2>"$TMP/nt.err"
if cmp -s "$TMP/t1" "$TMP/nt"; then pass "no writable TMPDIR: the log read again, the same bytes"
else fail "no writable TMPDIR"; diag "$(head -c 300 "$TMP/nt.err")"; fi
"$OPE" eval "$TMP/log.csv" --estimators dm,dr --ci t -f json > "$TMP/m" 2>/dev/null
"$OPE" eval "$TMP/log.csv" --estimators dm,dr --ci t --memory-limit 1M -f json \
    > "$TMP/a" 2>/dev/null
if "$close" "$TMP/m" "$TMP/a" 2>/dev/null; then pass "past --memory-limit 1M: the same"
else fail "past --memory-limit 1M: different"; fi

# Across MPI ranks (t/0379 has the rest): the categorical levels each rank sees are
# numbered as in the whole log (the ranks share the first reading), so their fits add.
if command -v mpirun >/dev/null 2>&1 && grep -q '^#define HAVE_MPI 1' "$OPE_BUILDDIR/config.h" &&
    ! grep -q '^OPE_CFLAGS = .*-fsanitize' "$OPE_BUILDDIR/Makefile"; then
    timeout 300 mpirun --allow-run-as-root --oversubscribe -np 3 "$OPE" eval "$TMP/log.csv" \
        --estimators dm,dr --ci t -f json > "$TMP/mpi" 2>"$TMP/mpi.err"; s=$?
    if [ $s -eq 0 ] && "$close" "$TMP/m" "$TMP/mpi" 2>"$TMP/cmp"; then
        pass "mpirun -np 3, categorical levels seen late: the same"
    else fail "mpirun -np 3: status $s"; diag "$(head -c 300 "$TMP/mpi.err" "$TMP/cmp")"; fi
else
    skip "mpirun -np 3 (no MPI, or a sanitizer build)"
fi

# Errors, as in memory.
expect_status 64 "a reward outside [0, 1] with --reward-model logistic: 64" \
    "$OPE" eval "$TMP/cont.csv" --stream --reward-model logistic --estimators dm
expect_grep "$TMP/err" "cont.csv:3: column 'reward': value -1.57583 is outside [0, 1]" \
    "... naming the line and the value"
"$OPE" eval "$TMP/cont.csv" --reward-model logistic --estimators dm 2>"$TMP/e1"
if cmp -s "$TMP/e1" "$TMP/err"; then pass "... the in-memory message"
else fail "... another message than in memory"; diag "$(cat "$TMP/e1" "$TMP/err")"; fi
head -3 "$TMP/log.csv" > "$TMP/two.csv"
expect_status 64 "more folds than rows: 64" \
    "$OPE" eval "$TMP/two.csv" --stream --estimators dm --folds 3
expect_grep "$TMP/err" "folds must be between 1 and the number of rows (2), got 3" \
    "... saying how many rows there are"

head -2 "$TMP/log.csv" > "$TMP/one.csv"
"$OPE" eval "$TMP/one.csv" --estimators dm --folds 2 2>"$TMP/e1"; s1=$?
"$OPE" eval "$TMP/one.csv" --estimators dm --folds 2 --stream 2>"$TMP/e2"; s2=$?
if [ $s1 -eq 65 ] && [ $s2 -eq 65 ] && cmp -s "$TMP/e1" "$TMP/e2"; then
    pass "one row with --folds 2: 65, the in-memory message (rows before folds)"
else fail "one row with --folds 2: $s1 / $s2"; diag "$(cat "$TMP/e1" "$TMP/e2")"; fi

# --model-lambda 0 with fewer training rows than columns (500 rows, x5's 300 levels):
# no unique fit. It ran Newton to the iteration cap (17 s) and gave dm an interval of
# +-200 on a click rate; now refused at once, in memory and streamed alike.
head -n 501 "$TMP/log.csv" > "$TMP/l500.csv"
"$OPE" eval "$TMP/l500.csv" --estimators dm --model-lambda 0 2>"$TMP/e1"; s1=$?
"$OPE" eval "$TMP/l500.csv" --estimators dm --model-lambda 0 --stream 2>"$TMP/e2"; s2=$?
if [ $s1 -eq 64 ] && [ $s2 -eq 64 ] && cmp -s "$TMP/e1" "$TMP/e2"; then
    pass "lambda 0 with fewer rows than columns: 64, the same message streamed"
else fail "lambda 0, 500 rows: $s1 / $s2"; diag "$(cat "$TMP/e1" "$TMP/e2")"; fi
expect_grep "$TMP/e1" "give --model-lambda above 0" "... saying what to give"

# What cannot fit: a shard alone (MPI ranks fit together: t/0379).
expect_status 64 "--save-state with dm and no qhat.* columns: 64" \
    "$OPE" eval "$TMP/log.csv" --save-state "$TMP/s.state" --estimators dm
expect_grep "$TMP/err" "give the log qhat.* columns" "... saying what to do"
if [ ! -e "$TMP/s.state" ]; then pass "... and no state written"
else fail "a state was written"; fi
"$OPE" eval "$TMP/log.csv" --save-state "$TMP/s.state" -q 2>"$TMP/err"
"$OPE" merge "$TMP/s.state" -f json > "$TMP/merged" 2>/dev/null
expect_grep "$TMP/merged" "the shards fit it together in rounds with --model-state" \
    "default estimators of a shard: the model's are left out, with a warning"
done_testing
