#!/bin/sh
# t/1548-memory-limit-sign.sh: --memory-limit takes digits and an optional K, M or G.
# A leading blank or sign was let through by strtoull: " -1" wrapped to 2^64 - 1 bytes
# (never stream) and was accepted, as were " 5M" and "+5M". Now they are usage
# errors (64) like "-1"; plain values still work.
. "$OPE_SRCDIR/t/lib.sh"
plan 7

"$OPE" gen bandit --rows 500 --actions 3 --seed 4 -q -o "$TMP/log.csv" || exit 1
for v in " -1" " 5M" "+5M" "-1"; do
    expect_status 64 "--memory-limit '$v': refused" \
        "$OPE" info "$TMP/log.csv" --memory-limit "$v"
done
expect_grep "$TMP/err" "--memory-limit expects a positive number of bytes" "saying what it takes"
expect_status 0 "--memory-limit 5M: accepted" "$OPE" info "$TMP/log.csv" --memory-limit 5M
expect_status 0 "--memory-limit 1 (streams): accepted" \
    "$OPE" eval "$TMP/log.csv" --memory-limit 1 --estimators ipw
done_testing
