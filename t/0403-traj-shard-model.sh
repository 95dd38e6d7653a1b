#!/bin/sh
# t/0403-traj-shard-model.sh: the shards of a trajectory log fit dm, dr, wdr and mis's
# models together (issue 17), in one round: each shard saves its part of the models'
# pass (ope eval SHARD --save-state P --model-state FIT: its tables of sums), ope merge
# PARTS --model-state FIT adds them into the fit, each shard saves its evaluation with
# the fit, and ope merge STATES --model-state FIT is the whole log's result. Expected:
# the in-memory JSON of the whole log to 1e-12 relative (t/jsonclose), as for MPI ranks
# (t/0399): every part of the models is a sum (fqetab.h, lintab.h, mistab.h), the
# bootstrap draws are keyed by the global episode numbers, and dm's and mis's refits on
# every resample are solved from the fit's per-replicate tables. Tabular FQE with mis
# and the bootstrap, lstd below gamma 1, standard input; refused: merging without the
# fit or with another, a shard with other options or not among the fit's, parts merged
# twice, td in a shard, damaged fits.
. "$OPE_SRCDIR/t/lib.sh"
plan 44
close="$OPE_BUILDDIR/t/jsonclose"
OPE_TEST_WINDOW=4096
export OPE_TEST_WINDOW

"$OPE" gen mdp gridworld --episodes 6000 --candidates 3 --gamma 0.95 --seed 11 -q \
    -o "$TMP/g.csv" || exit 1
norm() { sed 's/"path":"[^"]*","sha256":"[^"]*",//' "$1"; }
# Shards of episodes [0, 1500), [1500, 3501), [3501, 6000).
awk -F, -v dir="$TMP" 'NR == 1 { for (k = 0; k < 3; k++) print > (dir "/s" k ".csv"); next }
    $2 == 0 { e++ } { k = e <= 1500 ? 0 : e <= 3501 ? 1 : 2; print > (dir "/s" k ".csv") }' \
    "$TMP/g.csv"
OFF="0 1500 3501"

# rounds NAME OPTS...: the shards' parts, the fit, the shards' states and their merge,
# into $TMP/NAME.json (status of the last step in $s; the first failure is said).
rounds() {
    name=$1; shift
    rm -f "$TMP/$name.fit"
    k=0; s=0
    for off in $OFF; do
        "$OPE" eval "$TMP/s$k.csv" "$@" --save-state "$TMP/$name.p$k" --row-offset "$off" \
            --model-state "$TMP/$name.fit" 2>"$TMP/err.p$k" || { s=1; diag "part $k"; }
        k=$((k + 1))
    done
    "$OPE" merge "$TMP/$name.p2" "$TMP/$name.p0" "$TMP/$name.p1" \
        --model-state "$TMP/$name.fit" > "$TMP/round.out" 2>"$TMP/err" ||
        { s=1; diag "fit: $(cat "$TMP/err")"; }
    k=0
    for off in $OFF; do
        "$OPE" eval "$TMP/s$k.csv" "$@" --save-state "$TMP/$name.e$k" --row-offset "$off" \
            --model-state "$TMP/$name.fit" -q || { s=1; diag "state $k"; }
        k=$((k + 1))
    done
    "$OPE" merge "$TMP/$name.e1" "$TMP/$name.e2" "$TMP/$name.e0" \
        --model-state "$TMP/$name.fit" -f json > "$TMP/$name.json" 2>"$TMP/err" ||
        { s=1; diag "merge: $(cat "$TMP/err")"; }
}
# same DESC NAME OPTS...: the rounds' result is the in-memory one.
same() {
    desc=$1; name=$2; shift 2
    rounds "$name" "$@"
    "$OPE" eval "$TMP/g.csv" "$@" -f json > "$TMP/mem.json" 2>"$TMP/err.mem"
    norm "$TMP/mem.json" > "$TMP/a"
    norm "$TMP/$name.json" > "$TMP/b"
    if [ $s -eq 0 ] && "$close" "$TMP/a" "$TMP/b" 2>"$TMP/cmp"; then pass "$desc"
    else fail "$desc"; diag "$(cat "$TMP/cmp" "$TMP/err.mem" | head -5)"; fi
}

E="--estimators tis,wpdis,dm,dr,wdr,mis --n-boot 100"
# shellcheck disable=SC2086
same "tabular FQE and mis with the bootstrap: the in-memory JSON" fq $E
expect_grep "$TMP/err.p1" "saved episodes 1500 to 3500's part of the models' pass" \
    "a shard says it saved its part of the models' pass"
expect_grep "$TMP/round.out" "merged 3 shards' parts of the trajectory log's models (the models' tables, 6000 episodes)" \
    "ope merge says it fitted the models"
expect_grep "$TMP/round.out" "run every shard again with --model-state" "... and what comes next"
if grep -q '"model":{"kind":"fqe"' "$TMP/fq.json" && grep -q '"dm"' "$TMP/fq.json" &&
   grep -q '"mis"' "$TMP/fq.json"; then pass "the result has dm and mis, with FQE's model"
else fail "the result has dm and mis"; fi
# The states name the fit, and a state of a shard is read in the merge with it only.
expect_status 64 "the states merged without the fit: refused" "$OPE" merge "$TMP/fq.e0" \
    "$TMP/fq.e1" "$TMP/fq.e2"
expect_grep "$TMP/err" "give ope merge its state, --model-state FIT" "it says to give the fit"
expect_status 64 "the parts merged again into a made fit: refused" "$OPE" merge \
    "$TMP/fq.p0" "$TMP/fq.p1" "$TMP/fq.p2" --model-state "$TMP/fq.fit"
expect_grep "$TMP/err" "models are fitted already" "it says the models are fitted"
expect_status 64 "parts without --model-state: refused" "$OPE" merge "$TMP/fq.p0" \
    "$TMP/fq.p1" "$TMP/fq.p2"
# (the last shard left out: no gap between the two, so only the fit tells)
expect_status 65 "two of the fit's three shards' states: refused" "$OPE" merge "$TMP/fq.e0" \
    "$TMP/fq.e1" --model-state "$TMP/fq.fit"
expect_grep "$TMP/err" "made from 3 shards, and 2 states are merged: the shard at episode 3501" \
    "it names the shard left out"
expect_status 65 "a part merged with an evaluation state: refused" "$OPE" merge \
    "$TMP/fq.p0" "$TMP/fq.e1" --model-state "$TMP/x.fit"

# Without --estimators the shards run the in-memory default list, models and all.
same "no --estimators: the in-memory default list" df --ci none
if grep -q '"estimator":"mis"' "$TMP/df.json" && grep -q '"estimator":"wdr"' "$TMP/df.json"
then pass "... with dm, dr, wdr and mis"; else fail "the default list has the models'"; fi
"$OPE" eval "$TMP/s1.csv" --ci none --save-state "$TMP/x.state" --row-offset 1500 \
    --model-state "$TMP/df.fit" 2>"$TMP/err"
expect_grep "$TMP/err" "makes the result from every shard's state, given --model-state" \
    "a shard's evaluation says the merge takes the fit"

# lstd (stationary, below gamma 1) with --ci none; and mis alone, from standard input.
# shellcheck disable=SC2086
same "lstd at gamma 0.95: the in-memory JSON" ls --estimators dm,dr,wdr --value-model lstd \
    --gamma 0.95 --ci none
if grep -q '"model":{"kind":"lstd"' "$TMP/ls.json"; then pass "... with lstd's model named"
else fail "lstd named"; fi
rm -f "$TMP/mi.fit"
# piped SUFFIX: every shard from standard input, saved to $TMP/mi.SUFFIXk.
piped() {
    k=0
    for off in $OFF; do
        "$OPE" eval - --estimators mis,wpdis --n-boot 50 --save-state "$TMP/mi.$1$k" \
            --row-offset "$off" --model-state "$TMP/mi.fit" -q < "$TMP/s$k.csv"
        k=$((k + 1))
    done
}
piped p
"$OPE" merge "$TMP/mi.p0" "$TMP/mi.p1" "$TMP/mi.p2" --model-state "$TMP/mi.fit" -f json \
    > "$TMP/round.json"
expect_grep "$TMP/round.json" '"fitted":true' "mis's fit from standard input: fitted (json)"
piped e
"$OPE" merge "$TMP/mi.e0" "$TMP/mi.e1" "$TMP/mi.e2" --model-state "$TMP/mi.fit" -f json \
    > "$TMP/mi.json"
"$OPE" eval "$TMP/g.csv" --estimators mis,wpdis --n-boot 50 -f json > "$TMP/mem.json"
norm "$TMP/mem.json" > "$TMP/a"
norm "$TMP/mi.json" > "$TMP/b"
if "$close" "$TMP/a" "$TMP/b" 2>"$TMP/cmp"; then pass "mis from standard input: in-memory JSON"
else fail "mis from standard input"; diag "$(head -5 "$TMP/cmp")"; fi

# Refused: another fit, other options, a shard the fit was not made from.
# shellcheck disable=SC2086
expect_status 65 "the states merged with another fit: refused" "$OPE" merge "$TMP/fq.e0" \
    "$TMP/fq.e1" "$TMP/fq.e2" --model-state "$TMP/ls.fit"
expect_grep "$TMP/err" "but the states were evaluated with the fit" "it names both fits"
# shellcheck disable=SC2086
expect_status 65 "a shard with another seed than the fit's: refused" "$OPE" eval \
    "$TMP/s1.csv" $E --seed 9 --save-state "$TMP/x.state" --row-offset 1500 \
    --model-state "$TMP/fq.fit"
expect_grep "$TMP/err" "other settings than the fit" "it says the settings differ"
expect_grep "$TMP/err" "seed=" "... naming the setting"
# shellcheck disable=SC2086
expect_status 65 "a shard at another offset than the fit's: refused" "$OPE" eval \
    "$TMP/s1.csv" $E --save-state "$TMP/x.state" --row-offset 1501 --model-state "$TMP/fq.fit"
expect_grep "$TMP/err" "has at episode 1500, given --row-offset 1501" "it names the offset"
expect_status 64 "td's value model in a shard: refused" "$OPE" eval "$TMP/s0.csv" \
    --estimators dm --value-model td --gamma 0.9 --save-state "$TMP/x.state" \
    --model-state "$TMP/td.fit"
expect_grep "$TMP/err" "use --value-model lstd" "it points to lstd"
expect_status 64 "a model's estimator in a shard without --model-state: refused" "$OPE" eval \
    "$TMP/s0.csv" --estimators tis,dm --save-state "$TMP/x.state"
expect_grep "$TMP/err" "given --model-state FIT" "it points to --model-state"
# A shard's evaluation state is no fit.
expect_status 65 "an evaluation state as --model-state: refused" "$OPE" eval "$TMP/s0.csv" \
    --estimators tis,dm --save-state "$TMP/x.state" --model-state "$TMP/fq.e0"
expect_grep "$TMP/err" "not a model's fit" "it says what it is"
# Crafted fits (resealed: the SHA-256 only catches accidents) are refused by what no
# log gives, before any table is used (65): the value model's horizon set to 1 while
# mis's is the log's (its ratios were laid out by the first: a heap overflow), copy 0's
# episodes set to 0 (the solver returned before filling the model: dm read memory
# never written), and lstd's horizon set to 10^6 (sized by it alone, 1.6 GB and 80 s
# for a linear-fqe fit). The fit's blocks: the shards' header, the tag, the value
# model, ridge, episodes and steps, whether it has models and their length, then tabular FQE's tables (S, T, per state the
# episode it was first seen in and P x A probabilities, then per copy the episodes...)
# or the linear model's (its width + 1, then p and T).
state_io
cat > "$TMP/craft.py" <<'PY'
import struct, sys, stateio
src, dst, what = sys.argv[1], sys.argv[2], sys.argv[3]
head, p = stateio.load(src)
tag = b'ope traj model fit 2'
# past the tag and kind, ridge, episodes, steps, and the tables' flag and length
t = p.find(tag) + len(tag) + 48
hdr = open(sys.argv[4]).readline().strip().split(',')
P = len({c.split('.')[1] for c in hdr if c.startswith('pi.')})
A = len({c.split('.')[2] for c in hdr if c.startswith('pi.')})
S, = struct.unpack_from('<Q', p, t)
if what == 'horizon1':
    struct.pack_into('<Q', p, t + 8, 1)
elif what == 'mass0':
    struct.pack_into('<d', p, t + 16 + S * (8 + P * A * 8), 0.0)
elif what == 'linT':
    struct.pack_into('<Q', p, t + 16, 1000000)
stateio.save(dst, head, p)
PY
for c in "fq horizon1 mis's tables are for a horizon of" \
         "fq mass0 tabular FQE's tables hold what no log of" \
         "ls linT the linear model's tables hold what no log of"; do
    # shellcheck disable=SC2086
    set -- $c
    name=$1; what=$2; shift 2
    python3 "$TMP/craft.py" "$TMP/$name.fit" "$TMP/crafted.fit" "$what" "$TMP/g.csv"
    if [ "$name" = fq ]; then opts=$E; else opts="--estimators dm,dr,wdr --value-model lstd --gamma 0.95 --ci none"; fi
    # shellcheck disable=SC2086
    expect_status 65 "a fit crafted ($what): refused" "$OPE" eval "$TMP/s1.csv" $opts \
        --save-state "$TMP/x.state" --row-offset 1500 --model-state "$TMP/crafted.fit"
    expect_grep "$TMP/err" "$*" "... by what no log gives"
done
# Another log's shard given the fit (riverswim's: 2 actions): told by its settings,
# not found damaged.
"$OPE" gen mdp riverswim --episodes 50 --candidates 3 --seed 2 -q -o "$TMP/river.csv"
# shellcheck disable=SC2086
expect_status 65 "another log's shard: refused" "$OPE" eval "$TMP/river.csv" $E \
    --save-state "$TMP/x.state" --row-offset 1500 --model-state "$TMP/fq.fit"
expect_grep "$TMP/err" "other settings than the fit" "... as other settings"
# A shard changed since the fit was made (its last row in a state no shard had): its
# bytes are what is said, not "the log changed while it was read".
awk -F, -v OFS=, -v last="$(wc -l < "$TMP/s1.csv")" 'NR == last { $3 = 99 } { print }' \
    "$TMP/s1.csv" > "$TMP/changed.csv"
# shellcheck disable=SC2086
expect_status 65 "a shard changed since the fit: refused" "$OPE" eval "$TMP/changed.csv" $E \
    --save-state "$TMP/x.state" --row-offset 1500 --model-state "$TMP/fq.fit"
expect_grep "$TMP/err" "if it changed since the fit began, start the fit again" \
    "... by its bytes"
# Damaged: a flipped byte in the fit is found by its checksum (65), never used.
cp "$TMP/fq.fit" "$TMP/bad.fit"
flip_byte "$TMP/bad.fit" 5000
# shellcheck disable=SC2086
expect_status 65 "a damaged fit: refused" "$OPE" eval "$TMP/s0.csv" $E \
    --save-state "$TMP/x.state" --model-state "$TMP/bad.fit"
