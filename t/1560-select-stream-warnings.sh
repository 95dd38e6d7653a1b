#!/bin/sh
# t/1560-select-stream-warnings.sh: ope select read in windows (--stream, or under
# mpirun) copies standard input to a temporary file (a log without qhat.* columns has
# its reward model fitted in passes, by one process or the ranks together: nothing
# left out, nothing to say; it used to leave those estimators out). ope eval says it in
# its result's warnings; select's table and JSON have no place for them, so it says
# them on standard error (once: rank 0 alone under mpirun), naming the log when there
# are several. In memory there is nothing to say. Before this, select said neither.
# And under mpirun, select --truth - (standard input, which reaches rank 0 alone) is
# refused up front with 64 as ope eval does: select read the truth file before the
# log, so rank 1 failed alone on its empty standard input (65) while rank 0 waited for
# it in the evaluation until the 10 s wait ran out.
. "$OPE_SRCDIR/t/lib.sh"
plan 17
"$OPE" gen bandit --rows 3000 --actions 3 --seed 4 -q -o "$TMP/log.csv" || exit 1

expect_status 0 "select --stream of a log without qhat.*: the model fitted in passes" \
    "$OPE" select --stream "$TMP/log.csv" -f json
cp "$TMP/out" "$TMP/streamed.json"
if grep -q "left out" "$TMP/err"; then fail "nothing left out, nothing said"
    diag "$(cat "$TMP/err")"; else pass "nothing left out, nothing said"; fi
"$OPE" select "$TMP/log.csv" -f json > "$TMP/mem.json" 2>/dev/null
if cmp -s "$TMP/mem.json" "$TMP/streamed.json"; then pass "the in-memory selection"
else fail "the in-memory selection"; diag "$(cmp "$TMP/mem.json" "$TMP/streamed.json")"; fi

expect_status 0 "select --stream - (standard input), JSON" \
    sh -c "'$OPE' select --stream - -f json < '$TMP/log.csv'"
expect_grep "$TMP/err" "ope select: warning: standard input can be read only once: it was copied" \
    "the copied input said too"

expect_status 0 "two logs streamed" "$OPE" select --stream "$TMP/log.csv" "$TMP/log.csv" -q
if [ -s "$TMP/err" ]; then fail "two logs: nothing on standard error"; diag "$(cat "$TMP/err")"
else pass "two logs: nothing on standard error"; fi

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
    for i in 1 2 3 4 5 6 7 8; do skip "$why"; done
else
    expect_status 0 "mpirun -np 2 ope select" \
        timeout 120 mpirun --allow-run-as-root --oversubscribe -np 2 "$OPE" select "$TMP/log.csv" -f json
    # (the ranks fit the reward model together: nothing left out)
    if "$OPE_BUILDDIR/t/jsonclose" "$TMP/out" "$TMP/mem.json" 2>/dev/null &&
        ! grep -q "left out" "$TMP/err"; then pass "nothing left out, the in-memory selection"
    else fail "nothing left out, the in-memory selection"; diag "$(cat "$TMP/err")"; fi

    printf 'policy,value\ngreedy,0.7\neps0_2,0.6\nsoftmax2,0.5\nuniform,0.5\nanti2,0.4\n' \
        > "$TMP/truth.csv"
    start=$(date +%s)
    expect_status 64 "mpirun select --truth -: refused (64)" \
        sh -c "timeout 120 mpirun --allow-run-as-root --oversubscribe -np 2 '$OPE' select \
               '$TMP/log.csv' --truth - < '$TMP/truth.csv'"
    took=$(( $(date +%s) - start ))
    expect_grep "$TMP/err" "--truth standard input: under mpirun every rank reads the truth file" \
        "the message says why"
    if [ $took -lt 10 ]; then pass "up front, not after the wait ($took s)"
    else fail "up front, not after the wait ($took s)"; fi
    if [ ! -s "$TMP/out" ]; then pass "no result written"; else fail "no result written"; fi
    # Only rank 0 given standard input (MPMD): the ranks agree, so they stop together.
    start=$(date +%s)
    expect_status 64 "rank 0 alone given --truth -: refused (64)" \
        sh -c "timeout 120 mpirun --allow-run-as-root --oversubscribe -np 1 '$OPE' select \
               '$TMP/log.csv' --truth - : -np 1 '$OPE' select '$TMP/log.csv' --truth \
               '$TMP/truth.csv' < '$TMP/truth.csv'"
    took=$(( $(date +%s) - start ))
    if [ $took -lt 10 ]; then pass "together, not after the wait ($took s)"
    else fail "together, not after the wait ($took s)"; fi
fi
done_testing
