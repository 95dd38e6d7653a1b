#!/bin/sh
# t/0379-mpi-eval.sh: `mpirun -np N ope eval` (issue 17) splits a bandit log among N
# ranks, each reading its own rows (whole chunks of 4096), and merges the ranks' pass
# states, so its JSON is the single process's: the accumulator's sums are order-free
# (the same bits, so values and bootstrap intervals are exact) and the compensated
# means, the sd and the weights' moments are merged by Chan et al.'s update, which
# moves them by rounding alone -- hence the comparison to 1e-12 relative (t/jsonclose;
# the texts outside the numbers must be equal). Compared: in memory, --stream, and 1,
# 2 and 3 ranks (ope eval also --threads 2, and 3 shards saved apart and merged), with
# every interval method that splits (t, Hoeffding, Bernstein, the bootstrap), the
# differences matrix, --against, rm's fold; ope select; -o written by
# rank 0 alone. Then the failures, each with its status, its message on rank 0's
# standard error and no hang (every run is under a timeout): --ci cs (one ordered
# fold), a command that does not split, a rank that cannot open its file (MPMD), a
# rank whose file has other rows, a bad row in the last rank's share.
# Skipped without MPI, and in sanitizer builds (Open MPI's own allocations are not
# instrumented), as t/0377.
. "$OPE_SRCDIR/t/lib.sh"
. "$OPE_SRCDIR/t/mpi-lib.sh"
mpi_ready
plan 29
mpi="timeout 300 mpirun --allow-run-as-root --oversubscribe"
close="$OPE_BUILDDIR/t/jsonclose"

# 50,000 rows: 13 chunks of 4096 (the last partial), so 3 ranks get 4, 4 and 5 of them
# and a window (16 chunks) is cut at each rank's end. The true q.* columns serve as
# qhat.* so the model estimators run too.
"$OPE" gen bandit --rows 50000 --actions 4 --seed 5 -q -o "$TMP/raw.csv" || exit 1
sed '1s/,q\./,qhat./g' "$TMP/raw.csv" > "$TMP/q.csv"

# split DESC CMD ARGS...: CMD (eval or select) of ARGS in memory, and under mpirun with
# 1, 2 and 3 ranks (and --stream alone; for eval also --threads 2 and 3 shards saved
# with --save-state and merged): the same JSON to 1e-12.
split() {
    desc=$1; shift
    "$OPE" "$@" -f json >"$TMP/mem" 2>"$TMP/mem.err" || { fail "$desc: in memory"; return; }
    bad=""
    for np in 0 1 2 3; do
        if [ $np -eq 0 ]; then "$OPE" "$@" --stream -f json >"$TMP/np" 2>"$TMP/np.err"
        else $mpi -np $np "$OPE" "$@" -f json >"$TMP/np" 2>"$TMP/np.err"; fi
        s=$?
        if [ $s -ne 0 ] || ! "$close" "$TMP/mem" "$TMP/np" 2>"$TMP/cmp"; then
            bad="$bad np=$np (status $s: $(head -c 300 "$TMP/np.err") $(cat "$TMP/cmp"))"
        fi
    done
    # ope eval: --threads 2, and 3 shards saved apart and merged (t/0384): the same
    # JSON but for the input's path and digest, which name the shards. (A shard fits
    # no reward model: not for the log without qhat.* columns.)
    if [ "$1" = eval ]; then
        "$OPE" "$@" --threads 2 -f json >"$TMP/np" 2>"$TMP/np.err" &&
            "$close" "$TMP/mem" "$TMP/np" 2>"$TMP/cmp" || bad="$bad threads 2: $(cat "$TMP/cmp")"
    fi
    if [ "$1" = eval ] && [ "$2" != "$TMP/raw.csv" ] && ! echo "$*" | grep -Eq 'hoeffding|bernstein'; then
        cmd=$1; log=$2; shift 2
        cut_log "$log" "$TMP/sh" 0 12000 31234
        rm -f "$TMP/sh"/*.state
        while read -r f off; do
            "$OPE" eval "$f" --save-state "$f.state" --row-offset "$off" "$@" -q 2>"$TMP/np.err" ||
                bad="$bad save $f: $(head -c 300 "$TMP/np.err")"
        done < "$TMP/sh/offsets"
        "$OPE" merge "$TMP/sh"/*.state -f json > "$TMP/np" 2>"$TMP/np.err" ||
            bad="$bad merge: $(head -c 300 "$TMP/np.err")"
        blank='s/"path":"[^"]*","sha256":"[^"]*"/"path":"-","sha256":"-"/'
        sed "$blank" "$TMP/mem" > "$TMP/mem.b"; sed "$blank" "$TMP/np" > "$TMP/np.b"
        "$close" "$TMP/mem.b" "$TMP/np.b" 2>"$TMP/cmp" || bad="$bad 3 shards: $(cat "$TMP/cmp")"
    fi
    if [ -z "$bad" ]; then pass "$desc"; else fail "$desc"; diag "$bad"; fi
}
split "every estimator, t intervals, the differences matrix" eval "$TMP/q.csv" --ci t --matrix
split "bootstrap intervals, --against, rm" eval "$TMP/q.csv" --against uniform \
    --estimators ipw,snipw,dr,rm,switch-dr
split "hoeffding intervals" eval "$TMP/q.csv" --ci hoeffding --estimators ipw,snipw,dr
split "bernstein intervals" eval "$TMP/q.csv" --ci bernstein --estimators ipw,dm,sndr
split "ope select" select "$TMP/q.csv" --estimators ipw,dr
# Without qhat.* columns the ranks fit the reward model together: every pass of the fit
# (rmstream.h) merges the ranks' sums in rank order, so each rank holds the single
# process's model (its sums to rounding, as the evaluation's).
split "a fitted logistic model (no qhat.* columns), t intervals, the matrix" eval \
    "$TMP/raw.csv" --ci t --matrix --estimators dm,dr,sndr,switch-dr,dr-os,sg-dr,ipw
split "a fitted ridge model, 5 folds, bootstrap" eval "$TMP/raw.csv" --reward-model ridge \
    --folds 5 --estimators dm,dr --n-boot 200
split "ope select with a fitted model" select "$TMP/raw.csv" --estimators ipw,dr,dm

# The comparison can fail: another seed moves the bootstrap intervals.
"$OPE" eval "$TMP/q.csv" -f json > "$TMP/a" 2>/dev/null
$mpi -np 2 "$OPE" eval "$TMP/q.csv" --seed 7 -f json > "$TMP/b" 2>/dev/null
if "$close" "$TMP/a" "$TMP/b" 2>/dev/null; then fail "another seed is told apart"
else pass "another seed is told apart"; fi

# -o: rank 0 writes the file; the others write nothing (no stray temporary files).
mkdir "$TMP/o"
expect_status 0 "-o under 3 ranks" $mpi -np 3 "$OPE" eval "$TMP/q.csv" --estimators ipw \
    -f json -o "$TMP/o/r.json"
"$OPE" eval "$TMP/q.csv" --estimators ipw -f json > "$TMP/one.json" 2>/dev/null
if "$close" "$TMP/one.json" "$TMP/o/r.json" 2>"$TMP/cmp"; then pass "-o holds the result"
else fail "-o holds the result"; diag "$(cat "$TMP/cmp")"; fi
if [ "$(ls -A "$TMP/o")" = r.json ]; then pass "only the result in the directory"
else fail "only the result in the directory"; diag "$(ls -A "$TMP/o")"; fi
if [ ! -s "$TMP/out" ]; then pass "nothing on standard output with -o"
else fail "nothing on standard output with -o"; fi

# Refusals (status 64), said once by rank 0.
expect_status 64 "--ci cs across ranks: refused" $mpi -np 2 "$OPE" eval "$TMP/q.csv" --ci cs
expect_grep "$TMP/err" "a confidence sequence folds every row in order" "the refusal says why"
expect_status 64 "ope info across ranks: refused" $mpi -np 2 "$OPE" info "$TMP/q.csv"
expect_grep "$TMP/err" "'info' does not run across MPI ranks" "it names the command"
if [ "$(grep -c 'does not run across' "$TMP/err")" -eq 1 ]; then pass "said once"
else fail "said once"; diag "$(cat "$TMP/err")"; fi

# Ranks fitting the reward model with other options (MPMD): refused at the fit's first
# exchange, naming the option, before any pass of the evaluation.
expect_status 64 "ranks with other --folds: refused" \
    $mpi -np 1 "$OPE" eval "$TMP/raw.csv" --estimators dm : -np 1 "$OPE" eval "$TMP/raw.csv" \
    --estimators dm --folds 4
expect_grep "$TMP/err" "rank 1 runs with folds=4, rank 0 with folds=3 (default)" \
    "the message names the option"

# A rank that cannot open its file (MPMD: rank 1 is given a missing path): every rank
# stops with rank 1's message and status, none waits.
expect_status 66 "a rank that cannot read its input: status 66" \
    $mpi -np 1 "$OPE" eval "$TMP/q.csv" : -np 1 "$OPE" eval "$TMP/missing.csv"
expect_grep "$TMP/err" "rank 1: " "the message names the rank"
expect_grep "$TMP/err" "missing.csv" "and the file"

# A rank whose file has other rows.
head -30001 "$TMP/q.csv" > "$TMP/short.csv"
expect_status 65 "a rank reading another log: status 65" \
    $mpi -np 1 "$OPE" eval "$TMP/q.csv" : -np 1 "$OPE" eval "$TMP/short.csv"
expect_grep "$TMP/err" "every MPI rank must read the same log" "the message says why"

# A bad value in the last rank's rows: the error is blog_load's, at its line.
awk -F, 'NR == 48000 { OFS = ","; $2 = "oops" } { print }' "$TMP/q.csv" > "$TMP/bad.csv"
expect_status 65 "a bad row in rank 2's share: status 65" $mpi -np 3 "$OPE" eval "$TMP/bad.csv"
expect_grep "$TMP/err" "bad.csv:48000:" "the message names the line"

# The weights' range check (datasets/logrange.h) over the whole log: a pscore of
# 1e-320 in rank 2's share, and a weight of about 1e51 in rank 0's rows that only the
# reward of 1e100 in rank 2's rows makes too large (past 6e145 for 50,000 rows): the
# single process's status and message, word for word.
weight() {
    desc=$1; prog=$2
    awk -F, "$prog" OFS=, "$TMP/q.csv" > "$TMP/w.csv"
    "$OPE" eval "$TMP/w.csv" >/dev/null 2>"$TMP/e1"; s1=$?
    $mpi -np 3 "$OPE" eval "$TMP/w.csv" >/dev/null 2>"$TMP/e2"; s2=$?
    # (rank 0 prefixes the failing rank; mpirun adds its own notice after the line)
    if [ $s1 -eq 65 ] && [ $s2 -eq 65 ] &&
       head -1 "$TMP/e2" | sed 's/^ope: rank [0-9]*: /ope: /' | cmp -s "$TMP/e1" -; then
        pass "$desc"
    else fail "$desc: status $s1 / $s2"; diag "$(cat "$TMP/e1" "$TMP/e2")"; fi
}
weight "a weight past the limit in rank 2's share" 'NR == 48000 { $3 = "1e-320" } { print }'
weight "a weight too large only for another rank's reward" \
    'NR == 100 { $3 = "1e-52" } NR == 48000 { $2 = "1e100" } { print }'
done_testing
