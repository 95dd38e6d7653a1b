#!/bin/sh
# t/1506-gate-agreement-count.sh: issue 19 review: `ope gate --require-agreement K`
# with K above the number of evaluated estimators can never be met, so every run was
# UNDECIDABLE (exit 2, "the data cannot support a verdict") whatever the data: a
# pipeline misconfigured so would wait for data forever. It is a usage error (64).
. "$OPE_SRCDIR/t/lib.sh"
plan 5
"$OPE" gen bandit --rows 500 --seed 3 --policies greedy -o "$TMP/log.csv" \
    >/dev/null 2>&1 || fail "gen"
expect_status 64 "3 required of 2 estimators: usage error" \
    "$OPE" gate "$TMP/log.csv" --policy greedy --estimators ipw,dr --require-agreement 3 \
    --n-boot 50
expect_grep "$TMP/err" "--require-agreement 3: only 2 estimators are evaluated" "says why"
# All of the log's kind (10 bandit estimators): 11 is too many, 2 is fine.
expect_status 64 "11 of the 10 bandit estimators: usage error" \
    "$OPE" gate "$TMP/log.csv" --policy greedy --require-agreement 11 --n-boot 50
expect_status 0 "2 of 2 (greedy's lift is about +0.2 on 500 rows: PASS)" \
    "$OPE" gate "$TMP/log.csv" --policy greedy --estimators ipw,dr --require-agreement 2 \
    --n-boot 50
expect_grep "$TMP/out" "PASS greedy" "the verdict"
done_testing
