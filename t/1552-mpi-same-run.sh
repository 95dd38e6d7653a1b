#!/bin/sh
# t/1552-mpi-same-run.sh: the ranks of an MPMD mpirun (mpirun -np 1 ope eval A : -np 1
# ope eval B) must read the same log and run the same evaluation, or their states are
# merged into nonsense. A file of the same rows but other bytes was merged with status
# 0 (only the row counts were compared): its SHA-256 is compared now. Other options
# on one rank (--estimators, --seed, --policy) were merged too, or failed with a
# message naming the rank by bytes of a freed stack frame ("rank 0: \xa0\x15...: its
# accumulator has 11 columns"): the ranks' settings are compared now, and the rank is
# named. Skipped without MPI and in sanitizer builds, as t/0379.
. "$OPE_SRCDIR/t/lib.sh"
. "$OPE_SRCDIR/t/mpi-lib.sh"
mpi_ready
plan 12

"$OPE" gen bandit --rows 10000 --actions 3 --seed 3 -q -o "$TMP/a.csv" || exit 1
"$OPE" gen bandit --rows 10000 --actions 3 --seed 4 -q -o "$TMP/b.csv" || exit 1
cp "$TMP/a.csv" "$TMP/a2.csv"

# The same log under two paths (as on two machines) is fine.
expect_status 0 "the same bytes under another path: evaluated" \
    $mpi -np 1 "$OPE" eval "$TMP/a.csv" --estimators ipw : \
    -np 1 "$OPE" eval "$TMP/a2.csv" --estimators ipw

expect_status 65 "another log of the same rows: status 65" \
    $mpi -np 1 "$OPE" eval "$TMP/a.csv" --estimators ipw : \
    -np 1 "$OPE" eval "$TMP/b.csv" --estimators ipw
expect_grep "$TMP/err" "rank 1 reads other bytes than rank 0 (the same 10000 rows" \
    "the message says which rank and why"
if [ ! -s "$TMP/out" ]; then pass "no result written"; else fail "no result written"; fi

expect_status 64 "other estimators on rank 1: status 64" \
    $mpi -np 1 "$OPE" eval "$TMP/a.csv" --estimators ipw : \
    -np 1 "$OPE" eval "$TMP/a.csv" --estimators snipw
expect_grep "$TMP/err" "rank 1 runs with estimators=snipw, rank 0 with estimators=ipw" \
    "the message names the rank and the setting"
if grep -q '\\x' "$TMP/err"; then fail "no stray bytes in the message"; diag "$(cat "$TMP/err")"
else pass "no stray bytes in the message"; fi

expect_status 64 "another seed on rank 2: status 64" \
    $mpi -np 2 "$OPE" eval "$TMP/a.csv" --estimators ipw : \
    -np 1 "$OPE" eval "$TMP/a.csv" --estimators ipw --seed 4
expect_grep "$TMP/err" "rank 2 runs with seed=4, rank 0 with seed=12345" "the seed is named"

expect_status 64 "other policies on rank 1: status 64" \
    $mpi -np 1 "$OPE" eval "$TMP/a.csv" --estimators ipw --policy greedy : \
    -np 1 "$OPE" eval "$TMP/a.csv" --estimators ipw
expect_grep "$TMP/err" "policies=greedy" "the policies are named"

# --threads never changes the results, so it may differ.
expect_status 0 "another --threads on rank 1: evaluated" \
    $mpi -np 1 "$OPE" eval "$TMP/a.csv" --estimators ipw : \
    -np 1 "$OPE" eval "$TMP/a.csv" --estimators ipw --threads 1
done_testing
