#!/bin/sh
# t/1506-gate-agreement-count.sh: issue 19 review: gate settings no data can honour.
# `--require-agreement K` with K above the number of evaluated estimators can never be
# met, so every run was UNDECIDABLE (exit 2, "the data cannot support a verdict")
# whatever the data: a pipeline misconfigured so would wait for data forever. And a
# bootstrap bound at one-sided level a needs a B >= 1 replicates in its tail: at
# --alpha 1e-6 with B = 1000 the "99.9999% lower bound" (printed "100%") was simply
# the smallest replicate, whose level is about 1 / B. Both are usage errors (64).
. "$OPE_SRCDIR/t/lib.sh"
plan 9
"$OPE" gen bandit --rows 500 --seed 3 --policies greedy,uniform -o "$TMP/log.csv" \
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
expect_status 64 "--alpha 1e-6 with 1000 replicates: usage error" \
    "$OPE" gate "$TMP/log.csv" --policy greedy --estimators dr --alpha 1e-6
expect_grep "$TMP/err" "give --n-boot 1000000 or more, or --ci t" "says what would do"
# Holm's first step is at alpha / m: 0.05 / 2 with 30 replicates is 0.75 of one.
expect_status 64 "two policies at 0.05 with 30 replicates: usage error" \
    "$OPE" gate "$TMP/log.csv" --policy greedy --policy uniform --estimators dr --n-boot 30
# t intervals have no replicates to run out of.
expect_status 0 "--alpha 1e-6 with --ci t" \
    "$OPE" gate "$TMP/log.csv" --policy greedy --estimators dr --alpha 1e-6 --ci t
done_testing
