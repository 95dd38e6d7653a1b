#!/bin/sh
# t/0397-traj-shards.sh: a trajectory log evaluated in shards (ope eval SHARD
# --save-state S --row-offset E, E the shard's first episode in the whole log; ope merge)
# and under mpirun (each rank reads its own range of the file, whole episodes, and the
# ranks merge their parts), issue 17. Both give the in-memory JSON to 1e-12 relative (t/jsonclose): the bootstrap
# draws are keyed by the global episode numbers, the sums are order-free, se comes from
# merged co-moments. Shards in any order, --truth given to the merge, mpirun with 1, 2
# and 3 ranks, and with --ci t --matrix (the ranks' later passes). Refused: a missing or overlapping shard (naming the episodes), a bandit
# shard with a trajectory one, other settings, a damaged or truncated state (65); a
# model's estimator or --ci t in a shard, td's value model under mpirun (64, no hang).
. "$OPE_SRCDIR/t/lib.sh"
plan 47
close="$OPE_BUILDDIR/t/jsonclose"
OPE_TEST_WINDOW=4096
export OPE_TEST_WINDOW
E="--estimators tis,pdis,wtis,wpdis"

"$OPE" gen mdp gridworld --episodes 12000 --candidates 4 --gamma 0.95 --seed 7 -q \
    -o "$TMP/g.csv" --truth "$TMP/truth.csv" || exit 1
# norm FILE: the JSON without the input's path and digest (they name the shards).
norm() { sed 's/"path":"[^"]*","sha256":"[^"]*",//' "$1"; }
# Shards of episodes [0, 3000), [3000, 7001), [7001, 12000): each file its header and
# whole episodes (an episode starts at step 0).
awk -F, -v dir="$TMP" 'NR == 1 { for (k = 0; k < 3; k++) print > (dir "/s" k ".csv"); next }
    $2 == 0 { e++ } { k = e <= 3000 ? 0 : e <= 7001 ? 1 : 2; print > (dir "/s" k ".csv") }' \
    "$TMP/g.csv"
set -- 0 3000 7001
k=0
for off in "$@"; do
    # shellcheck disable=SC2086
    "$OPE" eval "$TMP/s$k.csv" $E --save-state "$TMP/s$k.state" --row-offset "$off" -q ||
        echo "# shard $k failed"
    k=$((k + 1))
done
# shellcheck disable=SC2086
"$OPE" eval "$TMP/g.csv" $E -f json > "$TMP/mem.json"
norm "$TMP/mem.json" > "$TMP/a"
merged() {
    desc=$1; want=$2; shift 2
    "$OPE" merge "$@" -f json > "$TMP/m.json" 2>"$TMP/err"; s=$?
    norm "$TMP/m.json" > "$TMP/b"
    if [ $s -eq 0 ] && "$close" "$want" "$TMP/b" 2>"$TMP/cmp"; then pass "$desc"
    else fail "$desc"; diag "status $s" "$(cat "$TMP/cmp" "$TMP/err")"; fi
}
merged "3 shards merged: the in-memory JSON" "$TMP/a" "$TMP/s0.state" "$TMP/s1.state" \
    "$TMP/s2.state"
merged "the states in another order" "$TMP/a" "$TMP/s2.state" "$TMP/s0.state" "$TMP/s1.state"
# shellcheck disable=SC2086
"$OPE" eval "$TMP/g.csv" $E --truth "$TMP/truth.csv" -f json > "$TMP/t.json"
norm "$TMP/t.json" > "$TMP/at"
merged "--truth given to ope merge" "$TMP/at" "$TMP/s0.state" "$TMP/s1.state" "$TMP/s2.state" \
    --truth "$TMP/truth.csv"
expect_status 0 "the merged table" "$OPE" merge "$TMP/s0.state" "$TMP/s1.state" "$TMP/s2.state"
expect_grep "$TMP/out" "12000" "it counts every shard's episodes"

# Refused when merged, 65.
expect_status 65 "a shard left out" "$OPE" merge "$TMP/s0.state" "$TMP/s2.state"
expect_grep "$TMP/err" "episodes 3000 to 7000 of the log are in no state" "it names the episodes"
# shellcheck disable=SC2086
"$OPE" eval "$TMP/s1.csv" $E --save-state "$TMP/s1x.state" --row-offset 2000 -q
expect_status 65 "overlapping shards" "$OPE" merge "$TMP/s0.state" "$TMP/s1x.state" \
    "$TMP/s2.state"
expect_grep "$TMP/err" "overlap" "it says they overlap"
# shellcheck disable=SC2086
"$OPE" eval "$TMP/s1.csv" $E --n-boot 500 --save-state "$TMP/s1b.state" --row-offset 3000 -q
expect_status 65 "a shard saved with other settings" "$OPE" merge "$TMP/s0.state" \
    "$TMP/s1b.state" "$TMP/s2.state"
expect_grep "$TMP/err" "n_boot" "it names the setting"
"$OPE" gen bandit --rows 5000 --seed 2 -q -o "$TMP/b.csv"
"$OPE" eval "$TMP/b.csv" --estimators ipw --save-state "$TMP/b.state" --row-offset 12000 -q
expect_status 65 "a bandit log's shard with trajectory shards" "$OPE" merge "$TMP/s0.state" \
    "$TMP/s1.state" "$TMP/s2.state" "$TMP/b.state"
size=$(wc -c < "$TMP/s1.state")
head -c $((size - 100)) "$TMP/s1.state" > "$TMP/cut.state"
expect_status 65 "a truncated state" "$OPE" merge "$TMP/s0.state" "$TMP/cut.state" "$TMP/s2.state"
cp "$TMP/s1.state" "$TMP/flip.state"
flip_byte "$TMP/flip.state" $((size / 2))
expect_status 65 "a state with a byte changed" "$OPE" merge "$TMP/s0.state" "$TMP/flip.state" \
    "$TMP/s2.state"
# The same shard's file given twice (with two offsets: no gap to see).
# shellcheck disable=SC2086
"$OPE" eval "$TMP/s0.csv" $E --save-state "$TMP/s0x.state" --row-offset 3000 -q
expect_status 65 "one shard's file saved twice at two offsets" "$OPE" merge "$TMP/s0.state" \
    "$TMP/s0x.state"
expect_grep "$TMP/err" "were saved from the same bytes" "it says so"
# A shard cut mid-episode: its first row is not step 0.
awk -F, 'NR == 1 || NR > 3' "$TMP/s1.csv" > "$TMP/mid.csv"
expect_status 65 "a shard cut mid-episode" "$OPE" eval "$TMP/mid.csv" $E \
    --save-state "$TMP/x.state" --row-offset 3000
expect_grep "$TMP/err" "a trajectory log's shard holds whole episodes" "it says where to cut"
# An off-by-one cut: shard 0's last episode again at the start of shard 1 (the offsets
# follow each other, so only the episode ids tell).
awk -F, 'NR > 1 && $2 == 0 { last = "" } NR > 1 { last = last $0 "\n" }
    END { printf "%s", last }' "$TMP/s0.csv" > "$TMP/tail.csv"
{ head -n 1 "$TMP/s1.csv"; cat "$TMP/tail.csv"; tail -n +2 "$TMP/s1.csv"; } > "$TMP/dup.csv"
"$OPE" eval "$TMP/dup.csv" $E --save-state "$TMP/dup.state" --row-offset 3000 -q
expect_status 65 "an episode at the end of one shard and the start of the next" "$OPE" merge \
    "$TMP/s0.state" "$TMP/dup.state"
expect_grep "$TMP/err" "both hold episode" "it names the episode"
# ... and anywhere else: shard 0's last episode again at the end of the last shard (not
# adjacent: the states keep a digest of every episode id, which the merge compares).
{ cat "$TMP/s2.csv"; cat "$TMP/tail.csv"; } > "$TMP/dup2.csv"
"$OPE" eval "$TMP/dup2.csv" $E --save-state "$TMP/dup2.state" --row-offset 7001 -q
expect_status 65 "an episode in two shards that are not adjacent" "$OPE" merge \
    "$TMP/s0.state" "$TMP/s1.state" "$TMP/dup2.state"
expect_grep "$TMP/err" "both hold an episode with the same id" "... said, naming the shards"
expect_grep "$TMP/err" "s0.state and $TMP/dup2.state both hold" "... in the log's order"
# The same state resealed without its digests (a crafted state hiding the episode): its
# count of digests must be its episodes'. The header's count sits right before the
# digests, after the last episode id (as written: shard 2's last id).
state_io
cat > "$TMP/strip.py" <<'PY'
import struct, sys, stateio
head, p = stateio.load(sys.argv[1])
last = sys.argv[3].encode()
at = p.find(struct.pack('<I', len(last)) + last) + 4 + len(last)
n, = struct.unpack_from('<Q', p, at)
assert n > 0
p[at:at + 8 + 16 * n] = struct.pack('<Q', 0)
stateio.save(sys.argv[2], head, p)
PY
lastid=$(tail -n 1 "$TMP/dup2.csv" | cut -d, -f1)
python3 "$TMP/strip.py" "$TMP/dup2.state" "$TMP/strip.state" "$lastid"
expect_status 65 "a state resealed without its episode id digests" "$OPE" merge \
    "$TMP/s0.state" "$TMP/s1.state" "$TMP/strip.state"
expect_grep "$TMP/err" "episode id digests for" "... as damaged"
# The default estimators: the model's are left out, said when saved and by the merge.
"$OPE" eval "$TMP/s0.csv" --save-state "$TMP/d0.state" 2>"$TMP/err"
expect_grep "$TMP/err" "dm, dr, wdr and mis left out of the state" "left out: said when saved"
"$OPE" eval "$TMP/s1.csv" --save-state "$TMP/d1.state" --row-offset 3000 -q
"$OPE" eval "$TMP/s2.csv" --save-state "$TMP/d2.state" --row-offset 7001 -q
"$OPE" merge "$TMP/d0.state" "$TMP/d1.state" "$TMP/d2.state" -f json > "$TMP/d.json" 2>&1
expect_grep "$TMP/d.json" "dm, dr, wdr and mis left out" "... and in the merged result"

# A shard whose trajectory weights overflow (pscores of 1e-300): refused when saved
# (65), as the merge of its log would be, not saved for a merge to find damaged.
awk -F, -v OFS=, 'NR > 1 && $1 == 5 && $2 == 2 { $6 = "1e-300" } { print }' "$TMP/s0.csv" \
    > "$TMP/tiny.csv"
# shellcheck disable=SC2086
expect_status 65 "a shard whose weights overflow: refused when saved" "$OPE" eval \
    "$TMP/tiny.csv" $E --save-state "$TMP/x.state"
expect_grep "$TMP/err" "overflow double precision" "it says why"

# Refused when saved, 64.
expect_status 64 "a shard with wdr (a model)" "$OPE" eval "$TMP/s0.csv" --estimators tis,wdr \
    --save-state "$TMP/x.state"
expect_status 64 "a shard with --ci t, no --model-state" "$OPE" eval "$TMP/s0.csv" $E --ci t \
    --save-state "$TMP/x.state"
expect_grep "$TMP/err" "give every shard --model-state FIT" "it says why"

# A self-normalised estimator whose first shard has no weight: wtis of anti100 (every
# return the same, so its se is 0 up to rounding), the first shard one episode of
# weight 0. That shard has no ratio to centre the co-moments on; it used to keep 0 as
# its pilot and the merged se came out 1.6e-10 (4.7e-17 in memory).
"$OPE" gen mdp gridworld --episodes 3000 --candidates 4 --seed 7 -q -o "$TMP/w.csv"
awk -F, -v dir="$TMP" 'NR == 1 { for (k = 0; k < 3; k++) print > (dir "/w" k ".csv"); next }
    $2 == 0 { e++ } { k = e <= 1 ? 0 : e <= 1777 ? 1 : 2; print > (dir "/w" k ".csv") }' \
    "$TMP/w.csv"
"$OPE" eval "$TMP/w0.csv" --estimators wtis --policy anti100 --save-state "$TMP/w0.state" -q
"$OPE" eval "$TMP/w1.csv" --estimators wtis --policy anti100 --save-state "$TMP/w1.state" \
    --row-offset 1 -q
"$OPE" eval "$TMP/w2.csv" --estimators wtis --policy anti100 --save-state "$TMP/w2.state" \
    --row-offset 1777 -q
"$OPE" merge "$TMP/w0.state" "$TMP/w1.state" "$TMP/w2.state" -f json > "$TMP/w.json"
# (one policy and one estimator: the JSON's only "se")
se=$(tr ',' '\n' < "$TMP/w.json" | sed -n 's/^"se":\(.*\)/\1/p' | head -1)
if [ -n "$se" ] && awk -v s="$se" 'BEGIN { exit !(s < 1e-14 && s > -1e-14) }'; then
    pass "a first shard of weight 0: the se of constant returns stays 0 ($se)"
else fail "a first shard of weight 0: se $se"; fi

# mpirun: the ranks share the windows (skipped without MPI, and in sanitizer builds, as
# t/0379).
if ! command -v mpirun >/dev/null 2>&1 || ! grep -q '^#define HAVE_MPI 1' "$OPE_BUILDDIR/config.h" ||
   grep -q '^OPE_CFLAGS = .*-fsanitize' "$OPE_BUILDDIR/Makefile"; then
    for k in 1 2 3 4 5 6 7 8 9 10 11 12 13 14; do skip "mpirun: no MPI build, or a sanitizer build"; done
else
    mpi="timeout 300 mpirun --allow-run-as-root --oversubscribe"
    for np in 1 2 3; do
        # shellcheck disable=SC2086
        $mpi -np $np "$OPE" eval "$TMP/g.csv" $E -f json > "$TMP/np.json" 2>"$TMP/err"; s=$?
        if [ $s -eq 0 ] && "$close" "$TMP/mem.json" "$TMP/np.json" 2>"$TMP/cmp"; then
            pass "mpirun -np $np: the in-memory JSON"
        else fail "mpirun -np $np"; diag "status $s" "$(cat "$TMP/cmp" "$TMP/err" | head -5)"; fi
    done
    # --ci t and --matrix: the ranks' second pass over their ranges, the statistics
    # merged in rank order. The ranges begin at any episode, so the sums agree to
    # rounding; a paired difference's bound near 0 (wtis anti100 - anti33: -0.00096 =
    # 0.0336 - 0.0345) loses two digits of that to cancellation: 1e-10.
    # shellcheck disable=SC2086
    "$OPE" eval "$TMP/g.csv" $E --ci t --lift --matrix=4 -f json > "$TMP/mem-t.json"
    for np in 2 3; do
        # shellcheck disable=SC2086
        $mpi -np $np "$OPE" eval "$TMP/g.csv" $E --ci t --lift --matrix=4 -f json \
            > "$TMP/np.json" 2>"$TMP/err"; s=$?
        if [ $s -eq 0 ] && "$close" "$TMP/mem-t.json" "$TMP/np.json" 1e-10 2>"$TMP/cmp"; then
            pass "mpirun -np $np --ci t --matrix=4: the in-memory JSON"
        else fail "mpirun -np $np --ci t"; diag "status $s" "$(cat "$TMP/cmp" "$TMP/err" | head -5)"; fi
    done
    # 4097 episodes: the second rank's part is one episode, shorter than the log's
    # longest (its part is laid out for its own episodes, the merge grows it).
    "$OPE" gen mdp gridworld --episodes 4097 --candidates 3 --seed 3 -q -o "$TMP/g4097.csv"
    # shellcheck disable=SC2086
    "$OPE" eval "$TMP/g4097.csv" $E -f json > "$TMP/m1.json"
    # shellcheck disable=SC2086
    $mpi -np 2 "$OPE" eval "$TMP/g4097.csv" $E -f json > "$TMP/m2.json" 2>"$TMP/err"; s=$?
    if [ $s -eq 0 ] && "$close" "$TMP/m1.json" "$TMP/m2.json" 1e-9 2>"$TMP/cmp"; then
        pass "mpirun -np 2, a rank with one short episode: the in-memory JSON"
    else fail "mpirun -np 2 on 4097 episodes: status $s"; diag "$(cat "$TMP/cmp" "$TMP/err" | head -4)"; fi
    # The ranks share the file out by ranges of whole episodes: a bad row is read by
    # the rank whose range holds it (rank 2 of 3 for line 150001 of 183281), with the
    # single process's message; an episode of rank 0's range that comes back in rank
    # 2's is found across ranks and refused as one process refuses it.
    awk -F, 'NR == 150001 { $6 = "1.5" } { print }' OFS=, "$TMP/g.csv" > "$TMP/b1.csv"
    # shellcheck disable=SC2086
    $mpi -np 3 "$OPE" eval "$TMP/b1.csv" $E > /dev/null 2>"$TMP/err"; s=$?
    if [ $s -eq 65 ] && grep -q "rank 2: .*b1.csv:150001:19: column 'pscore': saw '1.5'" "$TMP/err"
    then pass "mpirun -np 3: a bad row in rank 2's range, the single process's message"
    else fail "mpirun -np 3, bad row: status $s"; diag "$(head -2 "$TMP/err")"; fi
    { cat "$TMP/g.csv"; sed -n 2p "$TMP/g.csv"; } > "$TMP/b2.csv"
    # shellcheck disable=SC2086
    $mpi -np 3 "$OPE" eval "$TMP/b2.csv" $E > /dev/null 2>"$TMP/err"; s=$?
    if [ $s -eq 65 ] && grep -q "b2.csv:$(($(wc -l < "$TMP/g.csv") + 1)):1: column 'episode': episode '[^']*' appears again after other episodes (it started on line 2)" "$TMP/err"
    then pass "mpirun -np 3: an episode of rank 0's range back in rank 2's: refused (65)"
    else fail "mpirun -np 3, returning episode: status $s"; diag "$(head -2 "$TMP/err")"; fi
    # The episode's rows come back from step 1 (one reader says "appears again" first),
    # and a quote that never closes on line 20000 (the ranges cannot be found: every
    # rank reads the whole log, whose loader names the line and column): both the
    # single process's message.
    { cat "$TMP/g.csv"; grep "^$(sed -n 2p "$TMP/g.csv" | cut -d, -f1)," "$TMP/g.csv" |
        tail -n +2; } > "$TMP/b3.csv"
    awk -F, -v OFS=, 'NR == 20000 { $5 = "1\"2" } { print }' "$TMP/g.csv" > "$TMP/b4.csv"
    for b in b3 b4; do
        # shellcheck disable=SC2086
        "$OPE" eval "$TMP/$b.csv" $E > /dev/null 2>"$TMP/e1"
        # shellcheck disable=SC2086
        $mpi -np 3 "$OPE" eval "$TMP/$b.csv" $E > /dev/null 2>"$TMP/err"; s=$?
        one=$(head -1 "$TMP/e1" | sed 's/^ope: //')
        if [ $s -eq 65 ] && [ "$(head -1 "$TMP/err" | sed 's/^ope: //; s/^rank [0-9]: //')" = "$one" ]
        then pass "mpirun -np 3, $b: the single process's message"
        else fail "mpirun -np 3, $b: status $s"; diag "$(head -1 "$TMP/e1")" "$(head -1 "$TMP/err")"; fi
    done
    # wpdis's co-moments at horizon 4000 (2.2 GB a rank) cannot be gathered (MPI moves
    # at most 2 GB at once): refused before they are formed, saying what to use.
    "$OPE" gen mdp riverswim --horizon 4000 --episodes 20 --candidates 3 -q -o "$TMP/r4k.csv"
    $mpi -np 2 "$OPE" eval "$TMP/r4k.csv" --estimators wpdis > /dev/null 2>"$TMP/err"; s=$?
    if [ $s -eq 65 ] && grep -q "past the 2 GB MPI moves at once; use --ci t" "$TMP/err"; then
        pass "mpirun -np 2, co-moments past MPI's 2 GB: refused (65), saying what to use"
    else fail "mpirun, co-moments past 2 GB: status $s"; diag "$(head -2 "$TMP/err")"; fi
    # Three episodes and four ranks: two ranges are empty.
    "$OPE" gen mdp gridworld --episodes 3 --candidates 2 --seed 5 -q -o "$TMP/three.csv"
    # shellcheck disable=SC2086
    $mpi -np 4 "$OPE" eval "$TMP/three.csv" $E -f json > "$TMP/three.json" 2>"$TMP/err"; s=$?
    if [ $s -eq 0 ] && grep -q '"episodes":3' "$TMP/three.json"; then
        pass "mpirun -np 4 on 3 episodes: empty ranges, every episode once"
    else fail "mpirun -np 4 on 3 episodes: status $s"; diag "$(head -2 "$TMP/err")"; fi
    # Weights that overflow in one rank's range: the single process's range message
    # (the ranks check the whole log's range before they exchange parts).
    # shellcheck disable=SC2086
    "$OPE" eval "$TMP/tiny.csv" $E --stream > /dev/null 2>"$TMP/e1"
    # shellcheck disable=SC2086
    $mpi -np 2 "$OPE" eval "$TMP/tiny.csv" $E > /dev/null 2>"$TMP/err"; s=$?
    if [ $s -eq 65 ] && [ "$(head -1 "$TMP/err")" = "$(head -1 "$TMP/e1")" ] &&
       grep -q "overflow double precision" "$TMP/err"; then
        pass "mpirun -np 2, weights that overflow: the single process's message (65)"
    else fail "mpirun -np 2, overflow: status $s"; diag "$(head -1 "$TMP/err")"; fi
    $mpi -np 2 "$OPE" eval "$TMP/g.csv" --estimators tis,dr --value-model td --gamma 0.9 \
        --ci none -f csv > "$TMP/td2.csv" 2>"$TMP/err"; s=$?
    "$OPE" eval "$TMP/g.csv" --estimators tis,dr --value-model td --gamma 0.9 --ci none \
        -f csv > "$TMP/td1.csv" 2>/dev/null; s1=$?
    if [ $s -eq $s1 ] && [ -s "$TMP/td1.csv" ] &&
       paste -d, "$TMP/td1.csv" "$TMP/td2.csv" | awk -F, 'NR > 1 { n = NF / 2; d = $4 - $(n + 4)
           if (d > 1e-9 || d < -1e-9) bad++ } END { exit bad > 0 }'; then
        pass "mpirun with dr and td's value model: the single process's values"
    else fail "mpirun with td: status $s"; diag "$(head -3 "$TMP/err")"; fi
fi
done_testing
