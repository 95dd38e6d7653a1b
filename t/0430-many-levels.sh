#!/bin/sh
# t/0430-many-levels.sh: a categorical context with thousands of levels (issue 16,
# item 7). The reward model eliminates its one-hot block instead of solving the p x p
# normal equations (rmodel_normal.h), so it fits in little memory; with
# --model-lambda 0 that form does not apply and such a design is refused, with a hint.
. "$OPE_SRCDIR/t/lib.sh"
plan 6

# 15,000 rows, 3 uniformly logged actions, a numeric context x0 and a categorical x1
# of 5,000 levels (row i at level (7919 i + i/3) mod 5000: every level has 3 rows);
# a 0/1 reward, so the model is logistic.
awk -v n=15000 -v L=5000 'BEGIN {
    print "action,reward,pscore,x0,x1,pi.uni.0,pi.uni.1,pi.uni.2,pi.first.0,pi.first.1,pi.first.2"
    for (i = 0; i < n; i++) {
        lv = (i * 7919 + int(i / 3)) % L; a = (i * 5 + int(i / 7)) % 3
        s = (lv * 13 + a * 5 + i % 11) % 17
        printf "%d,%d,%.17g,%.4f,c%d,0.25,0.25,0.5,1,0,0\n", a, s < 6, 1 / 3,
               ((i * 37) % 101) / 50 - 1, lv
    }
}' > "$TMP/levels.csv"
head -3 "$TMP/levels.csv" | tail -2 > "$TMP/rows"
{ head -1 "$TMP/levels.csv"; cat "$TMP/rows" "$TMP/rows"; } > "$TMP/tiny.csv"

expect_status 0 "eval fits a reward model on 5,000 levels" \
    "$OPE" eval "$TMP/levels.csv" --n-boot 50 --threads 1
expect_grep "$TMP/out" "reward model: logistic, 3-fold cross-fitted" "and reports it"

# The dense normal equations of p = 1 + 1 + 5000 = 5002 columns are a p x p matrix of
# doubles, 5002^2 * 8 bytes = 200 MB, before the compensated accumulators (twice
# that) and the solver's copies; the block form needs about q (q + levels) with q = 2
# dense columns, a few hundred kB. So a 150 MB address-space limit leaves room for ope
# but not for one dense Gram matrix. Where ope cannot run even a four-row log under
# that limit (a sanitizer build reserves terabytes of shadow memory), skip.
limit=150000
if (ulimit -v $limit; exec "$OPE" eval "$TMP/tiny.csv" --n-boot 10 --threads 1) \
        >/dev/null 2>&1; then
    (ulimit -v $limit; exec "$OPE" eval "$TMP/levels.csv" --n-boot 50 --threads 1) \
        >"$TMP/out" 2>"$TMP/err"
    got=$?
    [ $got -eq 0 ] && pass "5,000 levels fit under a 150 MB address-space limit" ||
        { fail "5,000 levels under a 150 MB limit: exit $got"; diag "$(head -c 400 "$TMP/err")"; }
    expect_grep "$TMP/out" "reward model: logistic, 3-fold cross-fitted" \
        "and the limited run reports the model"
else
    skip "ope does not start under a 150 MB limit"
    skip "ope does not start under a 150 MB limit"
fi

# Without a penalty a level's diagonal entry may be 0 and the intercept is collinear
# with the levels: the dense form is the only one, and 5,002 columns are too many.
expect_status 65 "--model-lambda 0 refuses 5,000 levels" \
    "$OPE" eval "$TMP/levels.csv" --n-boot 50 --model-lambda 0
expect_grep "$TMP/err" "above 0, one categorical column may have any number of levels" \
    "and says that a penalty would let it fit"
