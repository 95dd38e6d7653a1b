#!/bin/sh
# t/1545-stream-stdin-sniff.sh: standard input read with --stream is sniffed as a
# file is. A trajectory log there was a data error (65, "this reads bandit logs")
# where the same log as a file was a usage error; now both stream (eval, select,
# info: the bandit stream hands the reader over once its header is read), with the
# file's results. An empty input had another message than the whole reading's: now
# the same.
. "$OPE_SRCDIR/t/lib.sh"
plan 8

"$OPE" gen mdp riverswim --episodes 5 --horizon 3 -q -o "$TMP/rs.csv" || exit 1
for cmd in eval select info; do
    # shellcheck disable=SC2086
    "$OPE" $cmd "$TMP/rs.csv" --stream --estimators tis,wpdis --ci bootstrap -f json \
        > "$TMP/f" 2>/dev/null
    [ $cmd = info ] && "$OPE" info "$TMP/rs.csv" -f json > "$TMP/f"
    if [ $cmd = info ]; then
        "$OPE" info - --stream -f json < "$TMP/rs.csv" > "$TMP/s" 2>"$TMP/err"; st=$?
    else
        # shellcheck disable=SC2086
        "$OPE" $cmd - --stream --estimators tis,wpdis --ci bootstrap -f json < "$TMP/rs.csv" \
            > "$TMP/s" 2>"$TMP/err"; st=$?
    fi
    sed 's/"path":"[^"]*","sha256":"[^"]*",//; s/"file": "[^"]*"//' "$TMP/f" > "$TMP/a"
    sed 's/"path":"[^"]*","sha256":"[^"]*",//; s/"file": "[^"]*"//' "$TMP/s" > "$TMP/b"
    if [ $st -eq 0 ] && cmp -s "$TMP/a" "$TMP/b"; then
        pass "ope $cmd - --stream, a trajectory log: the file's result"
    else fail "ope $cmd - --stream, a trajectory log: status $st"
        diag "$(head -c 300 "$TMP/err")" "$(diff "$TMP/a" "$TMP/b" | head -4)"; fi
done
if grep -q "copied" "$TMP/err"; then fail "nothing copied to a temporary file"
else pass "nothing copied to a temporary file"; fi
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
