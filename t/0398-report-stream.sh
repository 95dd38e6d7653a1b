#!/bin/sh
# t/0398-report-stream.sh: `ope report` on a log read in windows (issue 17): with
# --stream, or past --memory-limit, the evaluation is ope eval --stream's (the same
# estimates as the report of the log read whole), the log is not kept, and the report
# says so in its Data section (it needs every row); a trajectory log's Risk section
# comes from every episode's return and weights, kept as the windows pass: the tis and
# sn distributions and the logged returns' as from the log read whole, dr's left out
# with the reason (its model needs every row); under mpirun it is refused as before.
. "$OPE_SRCDIR/t/lib.sh"
plan 10
OPE_TEST_WINDOW=4096
export OPE_TEST_WINDOW

"$OPE" gen bandit --rows 20000 --seed 4 -q -o "$TMP/b.csv" || exit 1
"$OPE" gen mdp gridworld --episodes 9000 --candidates 3 -q -o "$TMP/g.csv" || exit 1

# The estimates table of a Markdown report: its rows, which hold the numbers.
table() { sed -n '/^## Estimates/,/^## /p' "$1" | grep '^|'; }

"$OPE" report "$TMP/b.csv" --no-charts -q -o "$TMP/whole.md"
"$OPE" report "$TMP/b.csv" --no-charts -q --stream -o "$TMP/win.md"; s=$?
if [ $s -eq 0 ] && table "$TMP/whole.md" > "$TMP/a" && table "$TMP/win.md" > "$TMP/b" &&
   [ -s "$TMP/a" ] && cmp -s "$TMP/a" "$TMP/b"; then
    pass "bandit, --stream: the estimates of the log read whole"
else fail "bandit, --stream: status $s"; diag "$(diff "$TMP/a" "$TMP/b" | head -5)"; fi
expect_grep "$TMP/win.md" "it was read in windows (--stream, or a log past --memory-limit)" \
    "the Data section says the log was not held"
"$OPE" report "$TMP/b.csv" --no-charts -q --memory-limit 100K -o "$TMP/auto.md"; s=$?
if [ $s -eq 0 ] && table "$TMP/auto.md" > "$TMP/c" && cmp -s "$TMP/a" "$TMP/c" &&
   grep -q "it was read in windows" "$TMP/auto.md"; then
    pass "bandit past --memory-limit: streamed, the same estimates"
else fail "bandit past --memory-limit: status $s"; fi

# (not anti100: its returns are all equal, so its se is rounding noise in both runs)
E="--estimators tis,pdis,wtis,wpdis --ci t --policy mix0 --policy mix100"
# shellcheck disable=SC2086
"$OPE" report "$TMP/g.csv" $E --no-charts -q -o "$TMP/twhole.md"
# shellcheck disable=SC2086
"$OPE" report "$TMP/g.csv" $E --no-charts -q --stream -o "$TMP/twin.md"; s=$?
if [ $s -eq 0 ] && table "$TMP/twhole.md" > "$TMP/a" && table "$TMP/twin.md" > "$TMP/b" &&
   [ -s "$TMP/a" ] && cmp -s "$TMP/a" "$TMP/b"; then
    pass "trajectory, --stream --ci t: the estimates of the log read whole"
else fail "trajectory, --stream: status $s"; diag "$(diff "$TMP/a" "$TMP/b" | head -5)"; fi
expect_grep "$TMP/twin.md" "a trajectory log of 9000 episodes" "its size is given"
# The Risk section's rows but dr's (and the method's note).
risk() { sed -n '/^## Risk/,/^## /p' "$1" | grep '^|' | grep -v '| dr '; }
if risk "$TMP/twhole.md" > "$TMP/a" && risk "$TMP/twin.md" > "$TMP/b" &&
   [ "$(grep -c '| sn ' "$TMP/b")" -ge 2 ] && grep -q 'logged' "$TMP/b" &&
   cmp -s "$TMP/a" "$TMP/b" && ! sed -n '/^## Risk/,/^## /p' "$TMP/twin.md" | grep -q '| dr '; then
    pass "the Risk section streamed: tis, sn and the logged returns as read whole, no dr"
else fail "the Risk section streamed"; diag "$(diff "$TMP/a" "$TMP/b" | head -8)"; fi
# The Methods section names the value model that was fitted, not always FQE.
"$OPE" report "$TMP/g.csv" --estimators dm --value-model lstd --gamma 0.9 --policy mix0 \
    --ci t --no-charts -q --stream -o "$TMP/lstd.md"
expect_grep "$TMP/lstd.md" "value model (lstd): LSTD solves one linear system for the stationary fixed point" \
    "Methods: lstd described as LSTD"
"$OPE" report "$TMP/g.csv" --estimators dm --policy mix0 --ci t --no-charts -q \
    -o "$TMP/fqe.md"
expect_grep "$TMP/fqe.md" "value model (fqe): tabular fitted Q evaluation" \
    "Methods: the default, tabular FQE"
# The demo is read whole: --stream changes nothing there but is not refused either.
expect_status 0 "--stream with --demo" "$OPE" report --demo --stream --no-charts -q \
    -o "$TMP/demo.md"

if ! command -v mpirun >/dev/null 2>&1 || ! grep -q '^#define HAVE_MPI 1' "$OPE_BUILDDIR/config.h" ||
   grep -q '^OPE_CFLAGS = .*-fsanitize' "$OPE_BUILDDIR/Makefile"; then
    skip "mpirun: no MPI build, or a sanitizer build"
else
    timeout 120 mpirun --allow-run-as-root --oversubscribe -np 2 "$OPE" report "$TMP/b.csv" \
        --no-charts -q -o "$TMP/mpi.md" > /dev/null 2>"$TMP/err"; s=$?
    if [ $s -eq 64 ] && [ ! -e "$TMP/mpi.md" ]; then pass "under mpirun: refused (64), nothing written"
    else fail "under mpirun: status $s"; diag "$(head -3 "$TMP/err")"; fi
fi
done_testing
