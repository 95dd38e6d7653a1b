#!/bin/sh
# t/1562-memory-limit-fraction.sh: --memory-limit takes a fraction with K, M or G
# (1.5G, 0.5M: binary multiples, rounded down to a whole byte); they were refused as
# bad values. A fraction of a byte (1.5) is refused with a message saying a plain
# number counts whole bytes; the other bad values (-1, 10X, G, empty, 1., .5G, one
# that comes to 0 bytes) say what is accepted. Where the limit falls is seen through
# ope eval, which streams a log larger than it (a log without qhat.* columns then
# warns that the model estimators are left out), at a byte either side of its size.
. "$OPE_SRCDIR/t/lib.sh"
plan 27
"$OPE" gen bandit --rows 3 --actions 2 --seed 1 -q -o "$TMP/log.csv" || exit 1
S=$(wc -c < "$TMP/log.csv" | tr -d ' ')

for v in 1.5G 0.5M 0.25k 2G; do
    expect_status 0 "--memory-limit $v: accepted" "$OPE" info "$TMP/log.csv" --memory-limit "$v"
done

expect_status 64 "--memory-limit 1.5 (a fraction of a byte): refused" \
    "$OPE" info "$TMP/log.csv" --memory-limit 1.5
expect_grep "$TMP/err" "--memory-limit 1.5: a number of bytes is whole (a fraction needs K, M or G" \
    "saying a plain number is whole bytes"
for v in -1 10X G "" 1. .5G 1.5KB 0x10 1e3; do
    expect_status 64 "--memory-limit '$v': refused" "$OPE" info "$TMP/log.csv" --memory-limit "$v"
    expect_grep "$TMP/err" "digits with an optional fraction (512M, 1.5G, 0.5M), got '$v'" \
        "'$v': the message says what is accepted"
done
expect_status 64 "--memory-limit 0.0001K (0.1 byte): refused" \
    "$OPE" info "$TMP/log.csv" --memory-limit 0.0001K
expect_grep "$TMP/err" "comes to 0 bytes" "saying it comes to 0 bytes"

# streams LIMIT: 1 when ope eval reads the log in windows under --memory-limit LIMIT
# (--by is refused then, naming the limit: segments gather their rows in memory).
streams() {
    "$OPE" eval "$TMP/log.csv" --ci none --by x0 --memory-limit "$1" 2>&1 |
        grep -c "is past --memory-limit"
}
# A limit of S - 0.05 bytes is rounded down to S - 1 (streams), S + 0.05 to S (does
# not), written in K, M and G.
bad=""
for unit in K:1024 M:1048576 G:1073741824; do
    u=${unit%%:*}; m=${unit#*:}
    lo=$(awk -v s="$S" -v m="$m" 'BEGIN { printf "%.13f", (s - 0.05) / m }')
    hi=$(awk -v s="$S" -v m="$m" 'BEGIN { printf "%.13f", (s + 0.05) / m }')
    [ "$(streams "$lo$u")" = 1 ] || bad="$bad $lo$u (below $S bytes) did not stream;"
    [ "$(streams "$hi$u")" = 0 ] || bad="$bad $hi$u (above $S bytes) streamed;"
done
if [ -z "$bad" ]; then pass "fractions fall on the right byte (K, M, G)"; else
    fail "fractions fall on the right byte (K, M, G)"; diag "$bad"; fi
done_testing
