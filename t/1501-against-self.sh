#!/bin/sh
# t/1501-against-self.sh: issue 19 review: `ope eval --against B` leaves B's own lift
# undefined (a lift over itself); the project's rule is that an undefined number comes
# with a warning saying why, never a silent '-'. When B is the only evaluated policy
# there is nothing to compare: a usage error, as `ope gate --against` gives.
. "$OPE_SRCDIR/t/lib.sh"
plan 6

"$OPE" gen bandit --rows 300 --seed 4 --policies greedy,uniform -o "$TMP/log.csv" \
    >/dev/null 2>&1 || fail "gen"

expect_status 64 "--against the only --policy: usage error" \
    "$OPE" eval "$TMP/log.csv" --policy greedy --against greedy --lift --n-boot 50
expect_grep "$TMP/err" "--against greedy is the only evaluated policy" "says why"

expect_status 0 "--against one of two policies" \
    "$OPE" eval "$TMP/log.csv" --policy greedy --policy uniform --against uniform --lift \
    --estimators ipw,dr --n-boot 50
expect_grep "$TMP/out" "warning: no lift for uniform: it is the --against baseline" \
    "the baseline's undefined lift is explained in the table"
"$OPE" eval "$TMP/log.csv" --policy greedy --policy uniform --against uniform \
    --estimators ipw,dr --n-boot 50 --format json > "$TMP/j" 2>"$TMP/err"
expect_grep "$TMP/j" "no lift for uniform: it is the --against baseline" \
    "and in the JSON's warnings"
# greedy's lift over uniform is still there (a number, not null).
grep -q '"lift":-\{0,1\}[0-9]' "$TMP/j" && pass "the other policy's lift is a number" \
    || fail "the other policy's lift is a number"
done_testing
