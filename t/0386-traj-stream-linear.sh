#!/bin/sh
# t/0386-traj-stream-linear.sh: the linear value models (--value-model linear-fqe and
# lstd) of dm, dr and wdr on a trajectory log read in windows (issue 17). Both are
# solved from sums (estimators/lintab.h) that a pass before the estimators' gathers:
# per action the Gram matrices of phi over every row and over the rows with an outcome,
# sum phi r, and per policy M = sum psi psi'^T (linear-fqe, whose backward recursion's
# right-hand side is M theta_{t+1}); per policy LSTD's system sum psi (psi - gamma
# psi')^T and sum psi r. The log in memory fits from the same sums, in the same
# chunks of episodes, so streamed and in-memory JSON agree to the last digit in one
# process; under mpirun the ranks' sums merge in rank order. td and gtd2, which iterate
# over the transitions in order, stream too (t/0412).
#
# Checked: a hand-made log whose models are derived below (closed form), both models,
# streamed; linear-fqe on one-hot features with the default ridge against tabular FQE
# (the same model as the ridge goes to 0); stream against memory (t/jsonclose, 1e-12)
# with bootstrap and t intervals, s* features and one-hot states, .zst, standard input;
# mpirun -np 2 and 3 (1e-9: the ranks' sums merge in another order, which moves the
# values by 1e-13, and a lift of 1e-5, the difference of two values near 0.03, keeps
# 1e-10 of that; skipped without MPI and in sanitizer builds); the sums past the budget
# (65), a linear model in a shard (64).
. "$OPE_SRCDIR/t/lib.sh"
plan 17
close="$OPE_BUILDDIR/t/jsonclose"
OPE_TEST_WINDOW=4096
export OPE_TEST_WINDOW

# ---- a hand-made log, gamma 0.9, pi_e(a|s) = 1/2 everywhere --------------------------
# e0: (s0, a0, r 1) -> (s1, a1, r 2, done);  e1: (s0, a1, r 3, done).
# One-hot phi; the ridge (1e-6) moves the values by about 1e-6.
# Every step has an observed outcome (a next row, or done), so both models fit
#   Q(s1, a1) = 2, Q(s1, a0) = 0 (unseen), V(s1) = (2 + 0) / 2 = 1,
#   Q(s0, a0) = 1 + g V(s1) = 1.9, Q(s0, a1) = 3, V(s0) = (1.9 + 3) / 2 = 2.45:
# lstd as the stationary fixed point, linear-fqe backward from the horizon T = 2 (its
# Q_1(s1, a1) = 2 at step 1, Q_0(s0, .) at step 0). dm = V(s0) (both start in s0).
# dr per episode, sum_t g^t [rho_t (r_t - Q(s_t, a_t)) + rho_{t-1} V(s_t)], pscore 1/2
# so every weight is 1: e0: (1 - 1.9) + 2.45 + g [(2 - 2) + 1] = 2.45; e1: 2.45. dr = 2.45.
printf 'episode,step,state,action,reward,pscore,done,pi.e.0,pi.e.1\n0,0,0,0,1,0.5,0,0.5,0.5
0,1,1,1,2,0.5,1,0.5,0.5\n1,0,0,1,3,0.5,1,0.5,0.5\n' > "$TMP/hand.csv"
for vm in linear-fqe lstd; do
    "$OPE" eval "$TMP/hand.csv" --stream --estimators dm,dr --value-model $vm --gamma 0.9 \
        --ci none -f csv > "$TMP/hand.out" 2>"$TMP/err"
    if awk -F, '$2 == "dm" { dm = $4 } $2 == "dr" { dr = $4 }
                function ok(d) { return d < 1e-5 && d > -1e-5 }
                END { exit !(ok(dm - 2.45) && ok(dr - 2.45)) }' "$TMP/hand.out"; then
        pass "a hand-made log, $vm streamed: dm = dr = 2.45 as derived"
    else fail "the hand-made log, $vm"; diag "$(cat "$TMP/hand.out" "$TMP/err")"; fi
done

# ---- logs: RiverSwim with one-hot states, and with s* features ----------------------
"$OPE" gen mdp riverswim --episodes 10000 --horizon 8 --seed 5 -q -o "$TMP/g.csv" || exit 1
# s0 = state / 5 and s1 = the state's parity: phi = (s0, s1, 1).
awk -F, -v OFS=, 'NR == 1 { print $0, "s0", "s1"; next } { print $0, $3 / 5, $3 % 2 }' \
    "$TMP/g.csv" > "$TMP/f.csv"

# linear-fqe on one-hot states with the default ridge is tabular FQE to about 1e-6.
"$OPE" eval "$TMP/g.csv" --stream --estimators dm --value-model linear-fqe --gamma 0.9 \
    --ci none -f csv > "$TMP/lin.out" 2>"$TMP/err"
"$OPE" eval "$TMP/g.csv" --estimators dm --value-model fqe --gamma 0.9 --ci none -f csv \
    > "$TMP/fqe.out" 2>/dev/null
if [ -s "$TMP/lin.out" ] && paste -d, "$TMP/lin.out" "$TMP/fqe.out" | awk -F, '
       NR > 1 { n = NF / 2; d = $4 - $(n + 4); if (d > 1e-5 || d < -1e-5) bad++; m++ }
       END { exit !(m >= 10 && !bad) }'; then
    pass "linear-fqe, one-hot, streamed: tabular FQE's dm for every policy"
else fail "linear-fqe against fqe"; diag "$(head -3 "$TMP/lin.out" "$TMP/fqe.out" "$TMP/err")"; fi

# Nearly collinear features over a long horizon: s_i = ((state + i) mod 7) / 7, i =
# 0..6, sum to 3 (the constant's direction), so their Gram matrix has eigenvalues at the
# ridge (1e-6). The backward recursion multiplies any rounding in M theta_{t+1} along
# those directions by about 1 / ridge at each of its 200 steps: M's sums must keep their
# digits (summed plainly over 800,000 rows they did not, and dm came out 0.70 or
# 1e12). The features span the 6 states' one-hot, so linear-fqe is tabular FQE.
"$OPE" gen mdp riverswim --episodes 2000 --horizon 200 --seed 2 -q -o "$TMP/long.csv" || exit 1
# (Printed to 6 digits, so they sum to 3 only nearly.)
awk -F, -v OFS=, 'NR == 1 { printf "%s", $0; for (i = 0; i < 7; i++) printf ",s%d", i; print ""; next }
    { printf "%s", $0; for (i = 0; i < 7; i++) printf ",%.6g", (($3 + i) % 7) / 7; print "" }' \
    "$TMP/long.csv" > "$TMP/c7.csv"
C="--estimators dm --gamma 0.9 --ci none --policy mix33 -f csv"
# shellcheck disable=SC2086
"$OPE" eval "$TMP/c7.csv" $C --value-model fqe > "$TMP/c7.fqe" 2>/dev/null
for how in "" --stream; do
    # shellcheck disable=SC2086
    "$OPE" eval "$TMP/c7.csv" $how $C --value-model linear-fqe > "$TMP/c7.lin" 2>"$TMP/err"
    if paste -d, "$TMP/c7.lin" "$TMP/c7.fqe" | awk -F, 'NR == 2 { n = NF / 2; d = $4 - $(n + 4)
           exit !($4 > 0 && d < 1e-5 && d > -1e-5) }'; then
        pass "collinear features, horizon 200, linear-fqe ${how:-in memory}: tabular FQE's dm"
    else fail "collinear features, linear-fqe ${how:-in memory}"
        diag "$(cat "$TMP/c7.lin" "$TMP/c7.fqe" "$TMP/err")"; fi
done

# The policies the log has support for: where every weight is 0, dr's se is rounding
# noise around 0 (1e-12), which no two summation orders share.
E="--estimators dm,dr,wdr,tis --gamma 0.9 --n-boot 100 --policy mix33 --policy mix78 --policy mix100"
# shellcheck disable=SC2086
stream_same "linear-fqe, one-hot, bootstrap intervals: the in-memory JSON" "$TMP/g.csv" $E \
    --value-model linear-fqe
# shellcheck disable=SC2086
stream_same "linear-fqe, s* features, --ci t (a third pass)" "$TMP/f.csv" $E --value-model linear-fqe \
    --ci t
# shellcheck disable=SC2086
stream_same "lstd, one-hot, --ci t --threads 1" "$TMP/g.csv" $E --value-model lstd --ci t --threads 1
# shellcheck disable=SC2086
stream_same "lstd, s* features, bootstrap intervals" "$TMP/f.csv" $E --value-model lstd
# shellcheck disable=SC2086
"$OPE" eval "$TMP/f.csv" $E --value-model lstd -f json > "$TMP/m1" 2>/dev/null
strip() { sed 's/"path":"[^"]*","sha256":"[^"]*"//; s/,"[^"]*it was copied to a temporary[^"]*"//; s/"[^"]*it was copied to a temporary[^"]*",\{0,1\}//' "$1"; }
strip "$TMP/m1" > "$TMP/m1s"
# shellcheck disable=SC2086
"$OPE" eval - --stream $E --value-model lstd -f json < "$TMP/f.csv" > "$TMP/in.json" 2>"$TMP/err"
strip "$TMP/in.json" > "$TMP/m2s"
if "$close" "$TMP/m1s" "$TMP/m2s" 2>"$TMP/why" && grep -q "it was copied" "$TMP/in.json"; then
    pass "lstd from standard input: copied for the later passes, the same"
else fail "lstd from standard input"; diag "$(cat "$TMP/why" "$TMP/err")"; fi

# ---- refusals -------------------------------------------------------------------------
# 36 states one-hot, 2 actions, 3 policies: 3 x 72^2 x 48 bytes of LSTD's systems.
awk -F, -v OFS=, 'NR > 1 { $3 = $3 + 6 * ($1 % 6) } { print }' "$TMP/g.csv" > "$TMP/wide.csv"
# shellcheck disable=SC2086
OPE_TEST_MODEL_BUDGET=600000 expect_status 65 "lstd's sums past the memory budget: refused (65)" \
    "$OPE" eval "$TMP/wide.csv" --stream $E --value-model lstd
expect_grep "$TMP/err" "the lstd value model's sums take" "says how much, and what to do"
# shellcheck disable=SC2086
expect_status 64 "linear-fqe in a shard: refused (64)" "$OPE" eval "$TMP/g.csv" $E \
    --value-model linear-fqe --save-state "$TMP/x.state"

# ---- mpirun -------------------------------------------------------------------------
if ! command -v mpirun >/dev/null 2>&1 || ! grep -q '^#define HAVE_MPI 1' "$OPE_BUILDDIR/config.h" ||
   grep -q '^OPE_CFLAGS = .*-fsanitize' "$OPE_BUILDDIR/Makefile"; then
    for k in 1 2 3 4; do skip "mpirun: no MPI build, or a sanitizer build"; done
else
    mpi="timeout 300 mpirun --allow-run-as-root --oversubscribe"
    for vm in linear-fqe lstd; do
        # shellcheck disable=SC2086
        "$OPE" eval "$TMP/f.csv" $E --value-model $vm -f json > "$TMP/m.json" 2>/dev/null
        for np in 2 3; do
            # shellcheck disable=SC2086
            $mpi -np $np "$OPE" eval "$TMP/f.csv" $E --value-model $vm -f json \
                > "$TMP/p.json" 2>"$TMP/err"; s=$?
            if [ $s -eq 0 ] && "$close" "$TMP/m.json" "$TMP/p.json" 1e-9 2>"$TMP/cmp"; then
                pass "mpirun -np $np, $vm: the in-memory JSON"
            else fail "mpirun -np $np, $vm"; diag "status $s" "$(cat "$TMP/cmp" "$TMP/err" | head -5)"; fi
        done
    done
fi
done_testing
