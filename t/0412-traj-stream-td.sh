#!/bin/sh
# t/0412-traj-stream-td.sh: the value models td and gtd2 of dm, dr and wdr on a
# trajectory log read in windows (ope eval --stream, issue 17). They iterate over the
# transitions in order for 200 epochs, each policy's iterate, trace and average carried
# from one window to the next (estimators/vmtd.h): the first epoch reads the log and
# keeps the columns td reads in a scratch file, the others read that, and the fit is exactly what the log in memory fits, so the JSON agrees to 1e-12 (the
# engine's streamed sums; the model itself is bit for bit, t/0910). LSTD's fixed point,
# which they head for, is gathered from sums in the models' pass and checks them, as in
# memory (t/0940).
#
# Checked: a hand-made log whose fixed point is derived below; stream against memory
# with windows of 4096 episodes (3 windows), one-hot states and s* features, bootstrap
# and t intervals, standard input (copied for the passes after the epochs), without the
# scratch file (the log parsed in every epoch); a window cut
# into chunks by a small memory budget (where the log in memory, which keeps every
# transition's rows, is refused and says --stream); every refusal the log in memory
# makes, made the same way (gamma 1 without absorbing ends, no observed outcome, td
# diverging, gtd2 short of its fixed point); mpirun -np 2 and 3 (the ranks' ranges in
# a chain), a .gz under mpirun (each rank fits alone), refusals under mpirun; td in a
# shard (64).
. "$OPE_SRCDIR/t/lib.sh"
plan 28
close="$OPE_BUILDDIR/t/jsonclose"
OPE_TEST_WINDOW=4096
export OPE_TEST_WINDOW

# ---- a hand-made log, gamma 0.9, pi_e(a|s) = 1/2 everywhere --------------------------
# e0: (s0, a0, r 1) -> (s1, a1, r 2, done);  e1: (s0, a1, r 3, done). One-hot phi, so
# each transition moves one cell of Q. TD(0) over the three transitions in order, 200
# epochs at step 0.1 / (1 + ep / 10), the iterates of epochs 100..199 averaged, is
# computed independently below (python, the cells by name); dm = V(s0) = (Q(s0, a0) +
# Q(s0, a1)) / 2 of that average (both episodes start in s0). It is 2.2314, short of
# LSTD's 2.45 (t/0386) after the step sizes' sum of about 3.6, within td's 25%.
printf 'episode,step,state,action,reward,pscore,done,pi.e.0,pi.e.1\n0,0,0,0,1,0.5,0,0.5,0.5
0,1,1,1,2,0.5,1,0.5,0.5\n1,0,0,1,3,0.5,1,0.5,0.5\n' > "$TMP/hand.csv"
want=$(python3 -c '
g = 0.9
Q = {"s0a0": 0.0, "s0a1": 0.0, "s1a0": 0.0, "s1a1": 0.0}
avg, n = dict(Q), 0
for ep in range(200):
    al = 0.1 / (1 + 0.1 * ep)
    Q["s0a0"] += al * (1 + g * (0.5 * Q["s1a0"] + 0.5 * Q["s1a1"]) - Q["s0a0"])
    Q["s1a1"] += al * (2 - Q["s1a1"])
    Q["s0a1"] += al * (3 - Q["s0a1"])
    if ep >= 100:
        n += 1
        for k in Q:
            avg[k] += (Q[k] - avg[k]) / n
print(repr((avg["s0a0"] + avg["s0a1"]) / 2))')
"$OPE" eval "$TMP/hand.csv" --stream --estimators dm,dr --value-model td --gamma 0.9 \
    --ci none -f csv > "$TMP/hand.out" 2>"$TMP/err"
"$OPE" eval "$TMP/hand.csv" --estimators dm,dr --value-model td --gamma 0.9 \
    --ci none -f csv > "$TMP/hand.mem" 2>/dev/null
if awk -F, -v w="$want" '$2 == "dm" { d = $4 - w } END { exit !(w > 2.2 && d < 1e-12 && d > -1e-12) }' \
       "$TMP/hand.out" && cmp -s "$TMP/hand.out" "$TMP/hand.mem"; then
    pass "a hand-made log, td streamed: dm = $want as computed by hand, the in-memory CSV byte for byte"
else fail "the hand-made log (want $want)"; diag "$(cat "$TMP/hand.out" "$TMP/hand.mem" "$TMP/err")"; fi

# ---- logs: RiverSwim with one-hot states, and with s* features ----------------------
"$OPE" gen mdp riverswim --episodes 10000 --horizon 8 --seed 5 -q -o "$TMP/g.csv" || exit 1
# s0 = state / 5 and s1 = the state's parity: phi = (s0, s1, 1).
awk -F, -v OFS=, 'NR == 1 { print $0, "s0", "s1"; next } { print $0, $3 / 5, $3 % 2 }' \
    "$TMP/g.csv" > "$TMP/f.csv"
E="--estimators dm,dr,wdr,tis --gamma 0.9 --n-boot 100 --policy mix33 --policy mix78 --policy mix100"
# shellcheck disable=SC2086
stream_same "td, one-hot, 3 windows, bootstrap intervals: the in-memory JSON" "$TMP/g.csv" $E \
    --value-model td
cp "$TMP/whole" "$TMP/td-g.json"
# shellcheck disable=SC2086
stream_same "td, s* features, --ci t (the intervals' pass after the epochs)" "$TMP/f.csv" $E \
    --value-model td --ci t
# shellcheck disable=SC2086
stream_same "td with --threads 1" "$TMP/g.csv" $E --value-model td --threads 1
# The first epoch keeps the windows td reads in a scratch file, and the others read
# them back; without it every epoch parses the log again, to the same result.
# (On a smaller log: 200 parses of the large one take 15 s.)
"$OPE" gen mdp riverswim --episodes 1000 --horizon 8 --seed 6 -q -o "$TMP/s.csv" || exit 1
# shellcheck disable=SC2086
"$OPE" eval "$TMP/s.csv" $E --value-model td -f json > "$TMP/s.json" 2>/dev/null
# shellcheck disable=SC2086
OPE_TEST_NO_STREAM_CACHE=1 "$OPE" eval "$TMP/s.csv" --stream $E --value-model td -f json \
    > "$TMP/nc.json" 2>"$TMP/err"
# (the run says it parsed the log in every epoch, and why)
sed 's/"[^"]*epochs parsed the log 200 times[^"]*",\{0,1\}//; s/,\]/]/' "$TMP/nc.json" \
    > "$TMP/ncs.json"
if "$close" "$TMP/s.json" "$TMP/ncs.json" 2>"$TMP/why" &&
   grep -q "td's epochs parsed the log 200 times: no scratch copy" "$TMP/nc.json"; then
    pass "td streamed without the windows' scratch copy (the log parsed in every epoch, said): the same"
else fail "td without the scratch copy"; diag "$(cat "$TMP/why" "$TMP/err")"; fi
# GTD2 converges slowly: on the hand-made log it is within its bound.
stream_same "gtd2 on the hand-made log" "$TMP/hand.csv" --estimators dm,dr --value-model gtd2 \
    --gamma 0.9 --ci t

strip() { sed 's/"path":"[^"]*","sha256":"[^"]*"//; s/,"[^"]*it was copied to a temporary[^"]*"//; s/"[^"]*it was copied to a temporary[^"]*",\{0,1\}//' "$1"; }
strip "$TMP/td-g.json" > "$TMP/m1s"
# shellcheck disable=SC2086
"$OPE" eval - --stream $E --value-model td -f json < "$TMP/g.csv" > "$TMP/in.json" 2>"$TMP/err"
strip "$TMP/in.json" > "$TMP/m2s"
if "$close" "$TMP/m1s" "$TMP/m2s" 2>"$TMP/why" && grep -q "it was copied" "$TMP/in.json"; then
    pass "td from standard input: copied, its epochs read from the copy, the same"
else fail "td from standard input"; diag "$(cat "$TMP/why" "$TMP/err")"; fi
# shellcheck disable=SC2086
"$OPE" eval "$TMP/g.csv" --memory-limit 1K $E --value-model td -f json > "$TMP/ml.json" 2>"$TMP/err"
if "$close" "$TMP/td-g.json" "$TMP/ml.json" 2>"$TMP/why"; then
    pass "td past --memory-limit: streamed, the same"
else fail "td past --memory-limit"; diag "$(cat "$TMP/why" "$TMP/err")"; fi

# ---- a small memory budget ----------------------------------------------------------
# 80,000 transitions of 2 actions x 6 states: the log in memory keeps 16 x 12 bytes of
# each (15 MB), past a budget of 600,000 bytes: refused, pointing at --stream, which cuts
# each window into chunks of 150,000 bytes (781 transitions) and fits the same model.
# shellcheck disable=SC2086
OPE_TEST_MODEL_BUDGET=600000 expect_status 65 "td in memory past the budget: refused (65)" \
    "$OPE" eval "$TMP/g.csv" $E --value-model td
expect_grep "$TMP/err" "or --stream, which keeps one window's rows at a time" "... pointing at --stream"
# shellcheck disable=SC2086
OPE_TEST_MODEL_BUDGET=600000 "$OPE" eval "$TMP/g.csv" --stream $E --value-model td -f json \
    > "$TMP/small.json" 2>"$TMP/err"
if "$close" "$TMP/td-g.json" "$TMP/small.json" 2>"$TMP/why"; then
    pass "td streamed within that budget, windows cut into chunks: the in-memory JSON"
else fail "td in chunks"; diag "$(cat "$TMP/why" "$TMP/err")"; fi

# A chunk holds whole episodes: one episode of 5,000 steps takes 960,000 bytes of dense
# rows (16 x 5000 x 12), past that budget alone: refused, naming the episode's length.
"$OPE" gen mdp riverswim --episodes 3 --horizon 5000 --seed 3 -q -o "$TMP/long.csv" || exit 1
OPE_TEST_MODEL_BUDGET=600000 expect_status 65 "td streamed, one episode past the budget: refused (65)" \
    "$OPE" eval "$TMP/long.csv" --stream --estimators dm --value-model td --gamma 0.9
expect_grep "$TMP/err" "for an episode of 5000 steps of width 12, past the memory budget" \
    "... saying how much, for which episode"

# ---- what the log in memory refuses, refused the same way ---------------------------
# refused OUT DESC LOG ARGS: status 65 with and without --stream, the same message.
refused() {
    _rf_desc=$1; _rf_log=$2; shift 2
    "$OPE" eval "$_rf_log" "$@" >/dev/null 2>"$TMP/e1"; _rf_s1=$?
    "$OPE" eval "$_rf_log" --stream "$@" >/dev/null 2>"$TMP/e2"; _rf_s2=$?
    if [ $_rf_s1 -eq 65 ] && [ $_rf_s2 -eq 65 ] && cmp -s "$TMP/e1" "$TMP/e2"; then
        pass "$_rf_desc: refused (65) as in memory"
    else fail "$_rf_desc"; diag "status $_rf_s1 / $_rf_s2" "$(cat "$TMP/e1" "$TMP/e2")"; fi
    cp "$TMP/e2" "$TMP/err"
}
"$OPE" gen mdp riverswim --episodes 400 --candidates 4 --seed 2 -q -o "$TMP/rs.csv" || exit 1
# At gamma 1 RiverSwim's episodes all end by the horizon: LSTD's point does not exist.
for m in td gtd2; do
    refused "$m at gamma 1 with no absorbing ends" "$TMP/rs.csv" --estimators dm \
        --value-model $m --ci none
done
expect_grep "$TMP/err" "gtd2 heads for LSTD's fixed point, and the linear system is singular" \
    "... saying why"
# Episodes of one step, cut by the horizon: no transition has an outcome.
awk -F, 'NR == 1 || $2 == 0' "$TMP/rs.csv" > "$TMP/one.csv"
refused "td with no observed outcome" "$TMP/one.csv" --estimators dm --value-model td \
    --gamma 0.9 --ci none
expect_grep "$TMP/err" "no step of the log has an observed outcome" "... saying why"
# A feature s0 = state / 5 at gamma 0.99: td drifts to 1e13 (t/0940).
awk -F, 'BEGIN { OFS = "," } NR == 1 { $3 = "s0"; print; next } { $3 = $3 * 0.2; print }' \
    "$TMP/rs.csv" > "$TMP/f01.csv"
refused "td diverging" "$TMP/f01.csv" --estimators dm,dr --value-model td --gamma 0.99 \
    --ci none --policy mix100
expect_grep "$TMP/err" "td diverged: its values reach" "... saying so"
refused "gtd2 short of its fixed point" "$TMP/rs.csv" --estimators dm --value-model gtd2 \
    --gamma 0.95 --ci none

# ---- where it is still refused --------------------------------------------------------
expect_status 64 "td in a shard: refused (64)" "$OPE" eval "$TMP/g.csv" --estimators dm \
    --value-model td --save-state "$TMP/x.state" --model-state "$TMP/x.fit"
expect_grep "$TMP/err" "which shards cannot do together" "... saying why"
# ---- mpirun -------------------------------------------------------------------------
# Ranks with their own byte ranges of a plain file pass the iteration on from rank to
# rank in every epoch; with a compressed file every rank reads the whole log and fits
# alone. Either way the iteration is the single process's: the JSON agrees to 1e-9
# (LSTD's sums, which check td, and the estimators' sums merge in rank order, as in
# t/0386).
if ! command -v mpirun >/dev/null 2>&1 || ! grep -q '^#define HAVE_MPI 1' "$OPE_BUILDDIR/config.h" ||
   grep -q '^OPE_CFLAGS = .*-fsanitize' "$OPE_BUILDDIR/Makefile"; then
    for k in 1 2 3 4 5; do skip "mpirun: no MPI build, or a sanitizer build"; done
else
    mpi="timeout 300 mpirun --allow-run-as-root --oversubscribe"
    for np in 2 3; do
        # shellcheck disable=SC2086
        $mpi -np $np "$OPE" eval "$TMP/g.csv" $E --value-model td -f json > "$TMP/p.json" \
            2>"$TMP/err"; s=$?
        if [ $s -eq 0 ] && "$close" "$TMP/td-g.json" "$TMP/p.json" 1e-9 2>"$TMP/cmp"; then
            pass "mpirun -np $np, td, the ranks' ranges in a chain: the in-memory JSON"
        else fail "mpirun -np $np, td"; diag "status $s" "$(cat "$TMP/cmp" "$TMP/err" | head -5)"; fi
    done
    gzip -c "$TMP/g.csv" > "$TMP/g.csv.gz"
    # shellcheck disable=SC2086
    $mpi -np 2 "$OPE" eval "$TMP/g.csv.gz" $E --value-model td -f json > "$TMP/z.json" \
        2>"$TMP/err"; s=$?
    strip "$TMP/z.json" > "$TMP/zs"
    if [ $s -eq 0 ] && "$close" "$TMP/m1s" "$TMP/zs" 1e-9 2>"$TMP/cmp"; then
        pass "mpirun -np 2, td on a .gz (every rank reads it whole and fits alone): the same"
    else fail "mpirun -np 2, td, .gz"; diag "status $s" "$(cat "$TMP/cmp" "$TMP/err" | head -5)"; fi
    "$OPE" eval "$TMP/rs.csv" --estimators dm --value-model gtd2 --gamma 0.95 --ci none \
        >/dev/null 2>"$TMP/e1"
    $mpi -np 2 "$OPE" eval "$TMP/rs.csv" --estimators dm --value-model gtd2 --gamma 0.95 \
        --ci none >/dev/null 2>"$TMP/err"; s=$?
    if [ $s -eq 65 ] && [ "$(head -1 "$TMP/err")" = "$(head -1 "$TMP/e1")" ]; then
        pass "mpirun -np 2, gtd2 short of its fixed point: the single process's refusal (65)"
    else fail "mpirun -np 2, gtd2"; diag "status $s" "$(head -2 "$TMP/err" "$TMP/e1")"; fi
    $mpi -np 2 "$OPE" eval "$TMP/one.csv" --estimators dm --value-model td --gamma 0.9 \
        --ci none >/dev/null 2>"$TMP/err"; s=$?
    if [ $s -eq 65 ] && grep -q "no step of the log has an observed outcome" "$TMP/err"; then
        pass "mpirun -np 2, no observed outcome: refused (65), no hang"
    else fail "mpirun -np 2, no outcome"; diag "status $s" "$(head -2 "$TMP/err")"; fi
fi
done_testing
