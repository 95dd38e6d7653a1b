#!/bin/sh
# t/1532-eval-threads-big.sh: the phases of a bandit evaluation that run on threads
# (each policy's row vectors, by blocks of 65536 rows; the held-out error's per-row
# terms; the statistics tasks, each policy's own first) give the same bytes on any
# number of threads: a log with more rows than one block, five policies, every
# estimator, JSON and CSV, on 1, 2 and 3 threads (3 splits the blocks unevenly).
. "$OPE_SRCDIR/t/lib.sh"

expect_status 0 "gen bandit: 70001 rows (two blocks)" \
    $OPE gen bandit --rows 70001 --actions 3 --contexts 2 --seed 8 -q -o "$TMP/log.csv"
for fmt in json csv; do
    for t in 1 2 3; do
        expect_status 0 "eval --threads $t -f $fmt" \
            $OPE eval "$TMP/log.csv" --n-boot 40 --threads $t -f $fmt
        cp "$TMP/out" "$TMP/out.$t.$fmt"
    done
    if cmp -s "$TMP/out.1.$fmt" "$TMP/out.2.$fmt" && cmp -s "$TMP/out.1.$fmt" "$TMP/out.3.$fmt"
    then pass "$fmt: the same bytes on 1, 2 and 3 threads"
    else fail "$fmt: the same bytes on 1, 2 and 3 threads"; fi
done
expect_grep "$TMP/out.1.json" '"heldout_error":' "the JSON reports the model's held-out error"
# The ridge model (continuous rewards) takes the other branch of the held-out error.
expect_status 0 "gen bandit: continuous rewards" \
    $OPE gen bandit --rows 70001 --actions 3 --contexts 2 --reward continuous --seed 8 -q \
    -o "$TMP/cont.csv"
for t in 1 3; do
    expect_status 0 "ridge eval --threads $t" \
        $OPE eval "$TMP/cont.csv" --n-boot 40 --threads $t -f json
    cp "$TMP/out" "$TMP/cont.$t.json"
done
expect_grep "$TMP/cont.1.json" '"error":"mse"' "continuous rewards take the ridge model (mse)"
if cmp -s "$TMP/cont.1.json" "$TMP/cont.3.json"; then pass "ridge: the same bytes on 1 and 3 threads"
else fail "ridge: the same bytes on 1 and 3 threads"; fi
done_testing
