#!/bin/sh
# t/1560-select-stream-warnings.sh: ope select read in windows (--stream, or under
# mpirun) leaves out the estimators that fit a reward model when the log has no qhat.*
# columns, and copies standard input to a temporary file. ope eval says both in its
# result's warnings; select's table and JSON have no place for them, so it says them on
# standard error (once: rank 0 alone under mpirun), naming the log when there are
# several. In memory there is nothing to say. Before this, select said neither.
. "$OPE_SRCDIR/t/lib.sh"
plan 11
"$OPE" gen bandit --rows 3000 --actions 3 --seed 4 -q -o "$TMP/log.csv" || exit 1
left="streamed (the log is read in windows): dm, dr, sndr, switch-dr, dr-os, sg-dr left out"

expect_status 0 "select --stream of a log without qhat.*" "$OPE" select --stream "$TMP/log.csv"
expect_grep "$TMP/err" "ope select: warning: $left" "the left-out estimators on standard error"
if grep -q "left out" "$TMP/out"; then fail "not in the table"; else pass "not in the table"; fi

expect_status 0 "select --stream - (standard input), JSON" \
    sh -c "'$OPE' select --stream - -f json < '$TMP/log.csv'"
expect_grep "$TMP/err" "ope select: warning: standard input is not a regular file: it was copied" \
    "the copied input said too"

expect_status 0 "two logs streamed" "$OPE" select --stream "$TMP/log.csv" "$TMP/log.csv" -q
n=$(grep -c "ope select: warning: $TMP/log.csv: streamed" "$TMP/err")
if [ "$n" = 2 ]; then pass "each log's warning names it"; else
    fail "each log's warning names it"; diag "$n lines:" "$(cat "$TMP/err")"; fi

expect_status 0 "in memory" "$OPE" select "$TMP/log.csv" -q
if [ -s "$TMP/err" ]; then fail "in memory: nothing on standard error"; diag "$(cat "$TMP/err")"
else pass "in memory: nothing on standard error"; fi

# Under mpirun (skipped without MPI and in sanitizer builds, as t/0379).
why=""
command -v mpirun >/dev/null 2>&1 || why="mpirun is not installed (apt-get install openmpi-bin)"
[ -z "$why" ] && ! grep -q '^#define HAVE_MPI 1' "$OPE_BUILDDIR/config.h" && why="ope is built without MPI"
if [ -z "$why" ] && grep -q '^OPE_CFLAGS = .*-fsanitize' "$OPE_BUILDDIR/Makefile"; then
    why="sanitizer build: MPI runs are checked in the plain build"
fi
if [ -n "$why" ]; then
    skip "$why"; skip "$why"
else
    expect_status 0 "mpirun -np 2 ope select" \
        timeout 120 mpirun --allow-run-as-root --oversubscribe -np 2 "$OPE" select "$TMP/log.csv" -f json
    n=$(grep -c "ope select: warning: .*left out.*(in one process, without mpirun)" "$TMP/err")
    if [ "$n" = 1 ]; then pass "the warning once, from rank 0"; else
        fail "the warning once, from rank 0"; diag "$n lines:" "$(cat "$TMP/err")"; fi
fi
done_testing
