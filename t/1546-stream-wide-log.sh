#!/bin/sh
# t/1546-stream-wide-log.sh: a wide log (two policies over 1,000 actions: 2,003
# columns) read in windows. Windows were 65,536 rows whatever the width, so the
# stream reserved 65,536 x 2,007 x 8 bytes (1 GB) for a 20 MB log and failed (out of
# memory, 70) under an address-space limit the same log read whole fits in. Now a
# window is cut to about 64 MB of columns (a multiple of 4096 rows), and the estimates
# are the in-memory ones.
. "$OPE_SRCDIR/t/lib.sh"
# Where ope cannot start under a 400 MB address-space limit at all (a sanitizer build
# reserves terabytes of shadow memory), skip, as t/0430 does.
printf 'action,reward,pscore,pi.e.0,pi.e.1\n0,1,0.5,1,0\n1,0,0.5,1,0\n' > "$TMP/tiny.csv"
if ! (ulimit -v 400000 && exec "$OPE" eval "$TMP/tiny.csv" --estimators ipw \
        --n-boot 10) >/dev/null 2>&1; then
    echo "1..0 # SKIP ope does not start under a 400 MB address-space limit (sanitizers)"
    exit 0
fi
plan 3

# 5,000 rows; pi.e puts all its mass on action i mod 1000, pi.f on action 0.
awk 'BEGIN { srand(7); A = 1000; printf "action,reward,pscore"
    for (a = 0; a < A; a++) printf ",pi.e.%d", a
    for (a = 0; a < A; a++) printf ",pi.f.%d", a
    print ""
    for (i = 0; i < 5000; i++) {
        printf "%d,%d,%.6f", int(rand() * A), rand() < 0.3, 1 / A
        for (b = 0; b < A; b++) printf ",%d", b == i % A
        for (b = 0; b < A; b++) printf ",%d", b == 0
        print ""
    } }' > "$TMP/wide.csv"

# 400 MB of address space: the log read whole fits; so must the stream.
( ulimit -v 400000 && "$OPE" eval "$TMP/wide.csv" --estimators ipw,snipw -f json ) \
    > "$TMP/a" 2>"$TMP/e1"; s1=$?
( ulimit -v 400000 && "$OPE" eval "$TMP/wide.csv" --stream --estimators ipw,snipw -f json ) \
    > "$TMP/b" 2>"$TMP/e2"; s2=$?
if [ $s1 -eq 0 ]; then pass "read whole in 400 MB"
else fail "read whole: status $s1"; diag "$(cat "$TMP/e1")"; fi
if [ $s2 -eq 0 ]; then pass "streamed in 400 MB"
else fail "streamed: status $s2"; diag "$(cat "$TMP/e2")"; fi
# Two windows of 4096 rows and less: the same JSON but for se, which is the same to
# 1e-12 (ope help eval), not bit for bit, across windows.
sed 's/"se":[^,]*,//g' "$TMP/a" > "$TMP/a2"
sed 's/"se":[^,]*,//g' "$TMP/b" > "$TMP/b2"
if [ -s "$TMP/a2" ] && cmp -s "$TMP/a2" "$TMP/b2"; then pass "the same estimates"
else fail "the estimates differ"; diag "$(cmp "$TMP/a2" "$TMP/b2")"; fi
done_testing
