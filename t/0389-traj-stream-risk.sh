#!/bin/sh
# t/0389-traj-stream-risk.sh: --risk and --ci cs on a trajectory log read in windows
# (issue 17). The return distributions sort every episode's return, so the estimators'
# pass keeps each episode's return and each policy's trajectory weight
# (estimators/trajret.h), gathered across MPI ranks in the log's episode order: the
# tis and self-normalised distributions are then the in-memory ones bit for bit. The
# doubly robust one fits a model of every state and action's return from all their
# rewards, which the windows do not keep: it is left out with one warning. A
# trajectory log has no confidence sequence: --ci cs read in windows says so as the
# log in memory does.
#
# Checked: a hand-made log whose distributions are derived below (closed form),
# streamed; the "risk" of every policy streamed against in memory (byte for byte,
# the in-memory dr left out) over several windows, from a .zst file, standard input,
# past --memory-limit and under mpirun -np 2 and 3 (a plain file shared out by ranges,
# and a .zst read whole by every rank, which folds every N-th window; skipped without
# MPI and in sanitizer builds); the budget (65), a shard's --save-state (64), ope select
# --risk (64: it shows no distributions, and would only keep the returns); --ci cs
# streamed against in memory, refused in a shard (64).
. "$OPE_SRCDIR/t/lib.sh"
plan 18
close="$OPE_BUILDDIR/t/jsonclose"
OPE_TEST_WINDOW=4096
export OPE_TEST_WINDOW

# ---- a hand-made log: pi_e(a|s) = 1/2 everywhere, gamma 0.5 --------------------------
# e0: (a0, r 1, pscore 1/2)                      rho = 1,   G = 1
# e1: (a1, r 0, pscore 1/4)                      rho = 2,   G = 0
# e2: (a0, r 2, pscore 1/2)                      rho = 1,   G = 2
# e3: (a0, r 1, pscore 1/2), (a1, r 1, pscore 1) rho = 1/2, G = 1 + 0.5 = 1.5
# Returns ascending 0, 1, 1.5, 2 with weights 2, 1, 1/2, 1 (sum 4.5, n 4; their mean
# 1.125 is within 3 standard errors of 1, so TIS is not withheld).
# tis: F = 2/4, 3/4, 3.5/4, 4.5/4 -> clipped to 1: masses 1/2, 1/4, 1/8, 1/8:
#   mean 0.6875, E[G^2] = 1/4 + 2.25/8 + 4/8 = 1.03125, variance 0.55859375,
#   CVaR_0.6 = (1/2 * 0 + 0.1 * 1) / 0.6 = 1/6, IQR = Q(3/4) - Q(1/4) = 1 - 0 = 1.
# sn:  masses 4/9, 2/9, 1/9, 2/9: mean 7.5/9 = 5/6, variance 12.25/9 - 25/36 = 2/3,
#   CVaR_0.6 = (0.6 - 4/9) / 0.6 = 7/27, IQR = 1.5 - 0 = 1.5.
printf 'episode,step,state,action,reward,pscore,pi.e.0,pi.e.1\n0,0,0,0,1,0.5,0.5,0.5
1,0,0,1,0,0.25,0.5,0.5\n2,0,0,0,2,0.5,0.5,0.5\n3,0,0,0,1,0.5,0.5,0.5\n3,1,1,1,1,1,0.5,0.5\n' \
    > "$TMP/hand.csv"
"$OPE" eval "$TMP/hand.csv" --stream --estimators tis --gamma 0.5 --risk=0.6 --ci none \
    -f json > "$TMP/hand.json" 2>"$TMP/err"
# The fields of method M's distribution: mean variance cvar iqr, one line.
fields() {
    grep '"risk":' "$1" | sed 's/.*{"method":"'"$2"'",//; s/,"cdf".*//' |
        awk -F'[:,]' '{ print $2, $4, $6, $10 }'
}
if fields "$TMP/hand.json" tis | awk '
       function ok(x, y) { return x - y < 1e-12 && y - x < 1e-12 }
       { exit !(ok($1, 0.6875) && ok($2, 0.55859375) && ok($3, 1 / 6) && ok($4, 1)) }' &&
   fields "$TMP/hand.json" sn | awk '
       function ok(x, y) { return x - y < 1e-12 && y - x < 1e-12 }
       { exit !(ok($1, 5 / 6) && ok($2, 2 / 3) && ok($3, 7 / 27) && ok($4, 1.5)) }' &&
   grep -q '"F":\[0.5,0.75,0.875,1\]' "$TMP/hand.json"; then
    pass "a hand-made log, streamed: tis and sn distributions as derived"
else fail "the hand-made log"; diag "$(fields "$TMP/hand.json" tis)" \
    "$(fields "$TMP/hand.json" sn)" "$(cat "$TMP/err")"; fi
grep -c "no doubly robust return distribution: it fits a model" "$TMP/hand.json" \
    > "$TMP/n" 2>/dev/null
if [ "$(cat "$TMP/n")" = 1 ]; then pass "dr left out, said once"
else fail "dr's warning"; diag "$(grep -c 'doubly robust' "$TMP/hand.json")"; fi

# ---- a log of several windows: streamed against in memory ---------------------------
"$OPE" gen mdp riverswim --episodes 10000 --horizon 8 --seed 7 -q -o "$TMP/g.csv" || exit 1
E="--estimators tis,wpdis --risk --n-boot 50"
# Each policy's distributions, the in-memory dr left out (it is the last one; a policy
# whose only distribution it is has none left, and no "risk" then).
risks() { grep '"risk":' "$1" | sed -e 's/,{"method":"dr".*\]}}\]/]/' -e '/"risk":\[{"method":"dr"/d'; }
# shellcheck disable=SC2086
"$OPE" eval "$TMP/g.csv" $E -f json > "$TMP/mem.json" 2>"$TMP/err" || exit 1
risks "$TMP/mem.json" > "$TMP/r1"
if [ "$(grep -c '"method":"dr"' "$TMP/mem.json")" -gt 0 ] &&
   [ "$(grep -c '"method":"tis"' "$TMP/r1")" -gt 5 ]; then
    pass "in memory: tis, sn and dr distributions"
else fail "in memory"; diag "$(head -c 300 "$TMP/r1")"; fi
# same DESC OUT: OUT's distributions are the in-memory ones, byte for byte.
same() {
    risks "$2" > "$TMP/r2"
    if [ -s "$TMP/r2" ] && cmp -s "$TMP/r1" "$TMP/r2" && ! grep -q '"method":"dr"' "$2"; then
        pass "$1"
    else fail "$1"; diag "$(diff "$TMP/r1" "$TMP/r2" | head -c 400)" "$(head -c 300 "$TMP/err")"; fi
}
# shellcheck disable=SC2086
"$OPE" eval "$TMP/g.csv" --stream $E -f json > "$TMP/s.json" 2>"$TMP/err"
same "--stream, 3 windows: tis and sn bit for bit" "$TMP/s.json"
# shellcheck disable=SC2086
"$OPE" eval "$TMP/g.csv" --stream --threads 1 --ci t $E -f json > "$TMP/s.json" 2>"$TMP/err"
same "--stream --threads 1 --ci t (the file read twice)" "$TMP/s.json"
if command -v zstd >/dev/null 2>&1; then
    zstd -q -c "$TMP/g.csv" > "$TMP/g.csv.zst"
    # shellcheck disable=SC2086
    "$OPE" eval "$TMP/g.csv.zst" --stream $E -f json > "$TMP/s.json" 2>"$TMP/err"
    same "a .zst file" "$TMP/s.json"
else
    skip "no zstd"
fi
# shellcheck disable=SC2086
"$OPE" eval - --stream $E -f json < "$TMP/g.csv" > "$TMP/s.json" 2>"$TMP/err"
same "standard input" "$TMP/s.json"
# shellcheck disable=SC2086
"$OPE" eval "$TMP/g.csv" --memory-limit 1M $E -f json > "$TMP/s.json" 2>"$TMP/err"
same "past --memory-limit: streamed with --risk named" "$TMP/s.json"

# ---- refusals ------------------------------------------------------------------------
# shellcheck disable=SC2086
OPE_TEST_MODEL_BUDGET=300000 expect_status 65 "returns past the memory budget: refused (65)" \
    "$OPE" eval "$TMP/g.csv" --stream $E
expect_grep "$TMP/err" "--risk keeps every episode's return and weights (96 bytes an episode for 10 policies)" \
    "says how much an episode takes, and what to do"
# shellcheck disable=SC2086
expect_status 64 "--risk with --save-state: refused (64)" "$OPE" eval "$TMP/g.csv" $E \
    --save-state "$TMP/x.state"
expect_grep "$TMP/err" "which a shard's state does not hold" "says why"
# shellcheck disable=SC2086
expect_status 64 "ope select --risk: refused (it shows no distributions)" "$OPE" select \
    "$TMP/g.csv" $E --stream

# ---- --ci cs ------------------------------------------------------------------------
"$OPE" eval "$TMP/g.csv" --estimators tis,pdis,wtis --ci cs -f json > "$TMP/c1" 2>/dev/null
"$OPE" eval "$TMP/g.csv" --stream --estimators tis,pdis,wtis --ci cs -f json > "$TMP/c2" \
    2>"$TMP/err"
if "$close" "$TMP/c1" "$TMP/c2" 2>"$TMP/why" &&
   grep -q "tis: no confidence sequence" "$TMP/c2"; then
    pass "--ci cs streamed: what the log in memory gives (no sequence, said)"
else fail "--ci cs streamed"; diag "$(cat "$TMP/why" "$TMP/err")"; fi
expect_status 64 "--ci cs with --save-state: refused (64)" "$OPE" eval "$TMP/g.csv" \
    --estimators tis --ci cs --save-state "$TMP/x.state"

# ---- mpirun --------------------------------------------------------------------------
if ! command -v mpirun >/dev/null 2>&1 || ! grep -q '^#define HAVE_MPI 1' "$OPE_BUILDDIR/config.h" ||
   grep -q '^OPE_CFLAGS = .*-fsanitize' "$OPE_BUILDDIR/Makefile"; then
    for k in 1 2 3; do skip "mpirun: no MPI build, or a sanitizer build"; done
else
    mpi="timeout 300 mpirun --allow-run-as-root --oversubscribe"
    for np in 2 3; do
        # shellcheck disable=SC2086
        $mpi -np $np "$OPE" eval "$TMP/g.csv" $E -f json > "$TMP/s.json" 2>"$TMP/err"
        same "mpirun -np $np, ranges of a plain file: bit for bit" "$TMP/s.json"
    done
    if [ -f "$TMP/g.csv.zst" ]; then
        # shellcheck disable=SC2086
        $mpi -np 2 "$OPE" eval "$TMP/g.csv.zst" $E -f json > "$TMP/s.json" 2>"$TMP/err"
        same "mpirun -np 2 on a .zst (every 2nd window a rank's): in episode order" "$TMP/s.json"
    else
        skip "no zstd"
    fi
fi
done_testing
