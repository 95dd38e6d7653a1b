#!/bin/sh
# t/0377-mpi-comm.sh: the collectives of ope/base/comm.h across 3 MPI ranks (the
# program of t/0376 under mpirun; CI runs as root, hence --allow-run-as-root, and on 2
# cores, hence --oversubscribe). Skipped when ope is built without MPI or mpirun is
# missing, and in sanitizer builds (Open MPI's own allocations are not instrumented).
. "$OPE_SRCDIR/t/lib.sh"
. "$OPE_SRCDIR/t/mpi-lib.sh"
mpi_ready
plan 3
mpi="mpirun --allow-run-as-root --oversubscribe"
if timeout 120 $mpi -np 3 "$OPE_BUILDDIR/t/0376-comm" >"$TMP/out" 2>"$TMP/err"; then
    pass "the comm checks pass on 3 ranks"
else
    fail "the comm checks under mpirun -np 3 failed"; diag "$(cat "$TMP/out" "$TMP/err")"
fi
expect_grep "$TMP/out" "rank 0 of 3 (built with MPI)" "rank 0 of 3 reported"
if grep -q '^not ok' "$TMP/out"; then fail "a check failed"; else pass "no check failed"; fi
done_testing
