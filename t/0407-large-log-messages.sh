#!/bin/sh
# t/0407-large-log-messages.sh: what a user with a large log is told when a run cannot
# go as asked (found by trying it as a new user would):
#   - a log past --memory-limit is streamed by itself: --by, which needs the rows in
#     memory, names the limit and how to read the log whole (not "--stream", which
#     the user never gave);
#   - a trajectory log past the limit with --policy NAME=FILE (looked up in the
#     whole log) is read whole, as the README says, not refused;
#   - under mpirun, ranks that read different trajectory files (a stale copy on one
#     machine) are told so by size or digest before any range is read, instead of a
#     row cut short in rank 0's file; the same for a compressed trajectory log, which
#     every rank reads whole, by its size (not by the episodes, which are merged);
#   - a process substitution under mpirun: the ranks do not have the descriptor, and
#     the message says so;
#   - a file whose lines end in CR alone reads as one line: said, not the duplicate
#     column names that follow from it.
. "$OPE_SRCDIR/t/lib.sh"
. "$OPE_SRCDIR/t/mpi-lib.sh"
cd "$TMP" || exit 1
plan 13

$OPE gen bandit --rows 3000 --seed 2 -q -o b.csv || exit 1
expect_status 64 "--by past --memory-limit: refused (64)" \
    $OPE eval b.csv --estimators ipw --by x0 --bins 4 --memory-limit 100K
expect_grep err "b.csv is past --memory-limit" "... naming the limit"
expect_grep err "raise --memory-limit to read it whole (or drop --by)" "... and the way out"

# Lines that end in CR alone: the file is one line; the message says so (it said a
# column name appears twice).
tr '\n' '\r' < b.csv > cr.csv
expect_status 65 "lines ending in CR alone: 65" $OPE eval cr.csv
expect_grep err "the lines end in CR alone (not LF or CR LF)" "... saying so"

$OPE gen mdp riverswim --episodes 400 --candidates 2 --seed 5 -q -o t.csv || exit 1
$OPE gen mdp riverswim --episodes 10 --candidates 2 --seed 6 -q -o other.csv || exit 1
# A policy file (state,p.0,p.1: riverswim has 2 actions): uniform in states 0..5.
printf 'state,p.0,p.1\n' > p.csv
for st in 0 1 2 3 4 5; do printf '%s,0.5,0.5\n' $st >> p.csv; done
$OPE eval t.csv --policy "u=p.csv" --estimators wpdis -f json > whole.json 2> err
st=$?
[ $st -eq 0 ] && [ -s whole.json ] || diag "in memory: status $st: $(head -c 300 err)"
expect_status 0 "trajectory log, --policy FILE, past --memory-limit: read whole (0)" \
    $OPE eval t.csv --policy "u=p.csv" --estimators wpdis --memory-limit 1K -f json
cmp -s "$TMP/out" whole.json && pass "... the in-memory result" ||
    fail "... the in-memory result"

if command -v mpirun >/dev/null 2>&1 && grep -q '^#define HAVE_MPI 1' "$OPE_BUILDDIR/config.h" &&
   ! grep -q '^OPE_CFLAGS = .*-fsanitize' "$OPE_BUILDDIR/Makefile"; then
    m="timeout 120 mpirun --allow-run-as-root --oversubscribe"
    # A copy with one digit changed (the same size), and one a byte shorter.
    sed '3s/0\.\([0-9]\)/0.9/' t.csv > same-size.csv
    sed '3s/,0\.[0-9]*,/,0.1,/' t.csv > shorter.csv
    [ "$(wc -c < same-size.csv)" -eq "$(wc -c < t.csv)" ] && ! cmp -s same-size.csv t.csv &&
        [ "$(wc -c < shorter.csv)" -lt "$(wc -c < t.csv)" ] || diag "the copies are not as meant"
    $m -np 1 $OPE eval t.csv --estimators wpdis : -np 1 $OPE eval same-size.csv \
        --estimators wpdis > out 2> err; st=$?
    [ $st -eq 65 ] && pass "ranks reading different trajectory files: 65" ||
        fail "ranks reading different trajectory files: 65 (got $st)"
    expect_grep err "rank 1 reads other bytes than rank 0 (the same" "... by their digest"
    $m -np 1 $OPE eval t.csv --estimators wpdis : -np 1 $OPE eval shorter.csv \
        --estimators wpdis > out 2> err
    expect_grep err "t.csv: rank 1 reads $(wc -c < shorter.csv) bytes, rank 0 $(wc -c < t.csv)" \
        "... a shorter file: by their sizes, not a row cut short"
    gzip -c < t.csv > t.gz; gzip -c < other.csv > o.gz
    $m -np 1 $OPE eval t.gz --estimators wpdis : -np 1 $OPE eval o.gz \
        --estimators wpdis > out 2> err
    expect_grep err "rank 1 reads $(wc -c < o.gz) bytes, rank 0 $(wc -c < t.gz)" \
        "compressed trajectory files that differ: by their sizes"
    if command -v bash >/dev/null 2>&1; then
        bash -c "$m -np 2 $OPE eval <(cat b.csv) --estimators ipw" > out 2> err; st=$?
        [ $st -eq 66 ] && pass "mpirun with a process substitution: 66" ||
            fail "mpirun with a process substitution: 66 (got $st)"
        expect_grep err "a process substitution <(...) is open only in the processes the shell starts" \
            "... saying why"
    else
        skip "bash is not installed"; skip "bash is not installed"
    fi
else
    for k in 1 2 3 4 5 6; do skip "no MPI (or a sanitizer build)"; done
fi
done_testing
