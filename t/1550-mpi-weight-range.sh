#!/bin/sh
# t/1550-mpi-weight-range.sh: under mpirun the weights' range check (logrange.h) is the
# whole log's: the largest |reward| of the log times a policy's largest pi/pscore,
# wherever each lies. Each rank used to check its own share against its own largest
# reward, so a log the single process refuses (exit 65) was evaluated across ranks when
# the huge reward and the huge weight fell in different shares, and the failing policy
# named was the first failing in rank 0's share, not the log's first failing policy.
# Skipped without MPI and in sanitizer builds, as t/0379.
. "$OPE_SRCDIR/t/lib.sh"
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
command -v mpirun >/dev/null 2>&1 || skip_all "mpirun is not installed (apt-get install openmpi-bin)"
grep -q '^#define HAVE_MPI 1' "$OPE_BUILDDIR/config.h" || skip_all "ope is built without MPI"
if grep -q '^OPE_CFLAGS = .*-fsanitize' "$OPE_BUILDDIR/Makefile"; then
    skip_all "sanitizer build: MPI runs are checked in the plain build"
fi
plan 8
mpi="timeout 120 mpirun --allow-run-as-root --oversubscribe"

# 9000 rows (chunks of 4096: rank 0 has rows 0-4095, rank 1 4096-8191, rank 2 the
# rest). Line 2 (row 0) has reward 1e100 and weights 1; line 3 gives policy b the
# weight 1 / 1e-50 = 1e50 (a's is 0: it gives action 1 probability 0); line 8501 (row
# 8499, rank 2's) gives policy a the weight 1e50. The limit over 9000 rows is
# sqrt(1.8e308 / 9000) / 1e6 = 1.4e146, and 1e50 x 1e100 = 1e150 passes it for both
# policies: the single process names the first policy, a, at line 8501. Rank 0 alone
# sees b's weight with the large reward; rank 2 sees a's weight with rewards of 1.
awk 'BEGIN { print "action,reward,pscore,pi.a.0,pi.a.1,pi.b.0,pi.b.1"
             for (i = 1; i <= 9000; i++)
                 if (i == 1) print "0,1e100,0.5,0.5,0.5,0.5,0.5"
                 else if (i == 2) print "1,1,1e-50,1,0,0,1"
                 else if (i == 8500) print "0,1,1e-50,1,0,0.5,0.5"
                 else print (i % 2) ",1,0.5,0.5,0.5,0.5,0.5" }' > "$TMP/two.csv"
expect_status 65 "the single process refuses the log" "$OPE" eval "$TMP/two.csv" --estimators ipw
expect_grep "$TMP/err" "two.csv:8501: policy 'a'" "at policy a's row"
expect_status 65 "three ranks refuse it too" $mpi -np 3 "$OPE" eval "$TMP/two.csv" --estimators ipw
expect_grep "$TMP/err" "rank 2: $TMP/two.csv:8501: policy 'a': the importance weight" \
    "at the same row, found by the rank that reads it"
if [ ! -s "$TMP/out" ]; then pass "nothing on standard output"
else fail "nothing on standard output"; fi

# The large reward in rank 0's share, the large weight alone in rank 1's (line 4501,
# row 4499): no rank sees both, and the result used to be written with status 0.
awk 'BEGIN { print "action,reward,pscore,pi.a.0,pi.a.1"
             for (i = 1; i <= 5000; i++)
                 if (i == 1) print "0,1e100,0.5,0.5,0.5"
                 else if (i == 4500) print "0,1,1e-50,1,0"
                 else print (i % 2) ",1,0.5,0.5,0.5" }' > "$TMP/one.csv"
expect_status 65 "two ranks refuse a log whose reward and weight lie apart" \
    $mpi -np 2 "$OPE" eval "$TMP/one.csv" --estimators ipw -f json
expect_grep "$TMP/err" "one.csv:4501: policy 'a'" "naming the weight's row"

# The check can pass: with the reward at 1, 1e50 is under the limit on every rank.
sed '2s/1e100/1/' "$TMP/one.csv" > "$TMP/ok.csv"
expect_status 0 "a log under the limit is evaluated" \
    $mpi -np 2 "$OPE" eval "$TMP/ok.csv" --estimators ipw -f json
done_testing
