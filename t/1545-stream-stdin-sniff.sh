#!/bin/sh
# t/1545-stream-stdin-sniff.sh: standard input read with --stream is sniffed as a
# file is. A trajectory log there was a data error (65, "this reads bandit logs")
# where the same log as a file is a usage error (64, "drop --stream"); an empty input
# had another message than the whole reading's. Now the same status and message as a
# file's (eval, select, info) and as the whole reading's for an empty input.
. "$OPE_SRCDIR/t/lib.sh"
plan 8

"$OPE" gen mdp riverswim --episodes 5 --horizon 3 -q -o "$TMP/rs.csv" || exit 1
for cmd in eval select info; do
    expect_status 64 "ope $cmd - --stream, a trajectory log: 64" \
        "$OPE" $cmd - --stream < "$TMP/rs.csv"
done
expect_grep "$TMP/err" "-: --stream reads bandit logs; this is a trajectory log" \
    "the message says why and what to do"
: > "$TMP/empty.csv"
"$OPE" eval - < "$TMP/empty.csv" 2>"$TMP/e1"; s1=$?
"$OPE" eval - --stream < "$TMP/empty.csv" 2>"$TMP/e2"; s2=$?
if [ $s1 -eq 65 ] && [ $s2 -eq 65 ] && cmp -s "$TMP/e1" "$TMP/e2"; then
    pass "an empty standard input: 65 and the whole reading's message"
else fail "empty: $s1 / $s2"; diag "$(cat "$TMP/e1" "$TMP/e2")"; fi
"$OPE" info - < "$TMP/empty.csv" 2>"$TMP/e1"; s1=$?
"$OPE" info - --stream < "$TMP/empty.csv" 2>"$TMP/e2"; s2=$?
if [ $s1 -eq 65 ] && [ $s2 -eq 65 ] && cmp -s "$TMP/e1" "$TMP/e2"; then
    pass "ope info: the same"
else fail "info empty: $s1 / $s2"; diag "$(cat "$TMP/e1" "$TMP/e2")"; fi
# A bandit log on standard input still streams, header and all.
"$OPE" gen bandit --rows 2000 --actions 3 --seed 4 -q -o "$TMP/log.csv" || exit 1
"$OPE" eval "$TMP/log.csv" --estimators ipw,snipw -f json 2>/dev/null |
    grep -v '"warnings"\|sha256\|"path"\|"file"' > "$TMP/a"
"$OPE" eval - --stream --estimators ipw,snipw -f json < "$TMP/log.csv" 2>/dev/null |
    grep -v '"warnings"\|sha256\|"path"\|"file"' > "$TMP/b"
if [ -s "$TMP/a" ] && cmp -s "$TMP/a" "$TMP/b"; then pass "a bandit log on standard input: the same estimates"
else fail "bandit stdin differs"; diag "$(diff "$TMP/a" "$TMP/b" | head -5)"; fi
sha=$(sha256sum < "$TMP/log.csv" | cut -c1-64)
"$OPE" eval - --stream --estimators ipw -f json < "$TMP/log.csv" > "$TMP/c" 2>/dev/null
expect_grep "$TMP/c" "\"sha256\":\"$sha\"" "and the sha256 of its bytes, header included"
done_testing
