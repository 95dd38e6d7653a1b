#!/bin/sh
# t/0409-traj-shard-intervals.sh: the t, Hoeffding and Bernstein intervals of a
# trajectory log's shards (issue 17). A ratio estimator's contributions are linearised
# at the whole log's sums, and --matrix's pairs are the whole log's top candidates, so
# the shards find those first, in a round: each saves its first pass (ope eval SHARD
# --ci t --save-state P --model-state FIT), ope merge PARTS --model-state FIT adds them
# up into FIT, each shard then saves the statistics of its episodes' contributions at
# those sums, and ope merge STATES --model-state FIT is the whole log's result. With dm,
# dr and wdr the models' round comes first. Expected: the in-memory JSON of the whole
# log to 1e-12 relative (t/jsonclose): the first pass is the merge of the shards' parts
# (sums to rounding, as t/0397's bootstrap states), the contributions' mean, sd and
# range merge as MPI ranks merge them (Chan et al.'s pairwise update; min and max
# exactly), and the in-memory run forms the same contributions (traj_contrib_sums).
# Refused: a shard without --model-state, the sums merged twice, states merged without
# the fit or with a shard left out, a shard with other options than the fit's, parts of
# two rounds together, a damaged state.
. "$OPE_SRCDIR/t/lib.sh"
plan 38
close="$OPE_BUILDDIR/t/jsonclose"
OPE_TEST_WINDOW=4096
export OPE_TEST_WINDOW

"$OPE" gen mdp gridworld --episodes 6000 --candidates 4 --gamma 0.95 --seed 13 -q \
    -o "$TMP/g.csv" || exit 1
norm() { sed 's/"path":"[^"]*","sha256":"[^"]*",//' "$1"; }
# Shards of episodes [0, 1500), [1500, 3501), [3501, 6000).
awk -F, -v dir="$TMP" 'NR == 1 { for (k = 0; k < 3; k++) print > (dir "/s" k ".csv"); next }
    $2 == 0 { e++ } { k = e <= 1500 ? 0 : e <= 3501 ? 1 : 2; print > (dir "/s" k ".csv") }' \
    "$TMP/g.csv"
OFF="0 1500 3501"

# round NAME TAG OPTS...: every shard saves $TMP/NAME.TAGk given the fit; then, unless
# TAG is e (the evaluations), ope merge adds them into the fit (output in round.out).
# A failure sets s=1 and is said.
round() {
    name=$1; tag=$2; shift 2
    k=0
    for off in $OFF; do
        "$OPE" eval "$TMP/s$k.csv" "$@" --save-state "$TMP/$name.$tag$k" --row-offset "$off" \
            --model-state "$TMP/$name.fit" 2>"$TMP/err.$tag$k" ||
            { s=1; diag "$tag $k: $(cat "$TMP/err.$tag$k")"; }
        k=$((k + 1))
    done
    [ "$tag" = e ] && return
    "$OPE" merge "$TMP/$name.${tag}2" "$TMP/$name.${tag}0" "$TMP/$name.${tag}1" \
        --model-state "$TMP/$name.fit" > "$TMP/round.out" 2>"$TMP/err" ||
        { s=1; diag "merge $tag: $(cat "$TMP/err")"; }
    cp "$TMP/round.out" "$TMP/round.$tag.out"
}
# same DESC NAME ROUNDS OPTS...: ROUNDS (m: the models', p: the sums', then e) run, the
# states merged into $TMP/NAME.json, which must be the in-memory JSON.
same() {
    desc=$1; name=$2; rounds=$3; shift 3
    rm -f "$TMP/$name.fit"
    s=0
    for tag in $rounds e; do round "$name" "$tag" "$@"; done
    "$OPE" merge "$TMP/$name.e1" "$TMP/$name.e2" "$TMP/$name.e0" \
        --model-state "$TMP/$name.fit" -f json > "$TMP/$name.json" 2>"$TMP/err" ||
        { s=1; diag "merge: $(cat "$TMP/err")"; }
    "$OPE" eval "$TMP/g.csv" "$@" -f json > "$TMP/mem.json" 2>"$TMP/err.mem"
    norm "$TMP/mem.json" > "$TMP/a"
    norm "$TMP/$name.json" > "$TMP/b"
    if [ $s -eq 0 ] && "$close" "$TMP/a" "$TMP/b" 2>"$TMP/cmp"; then pass "$desc"
    else fail "$desc"; diag "$(cat "$TMP/cmp" "$TMP/err.mem" | head -5)"; fi
}

E="--estimators tis,pdis,wtis,wpdis"
# shellcheck disable=SC2086
same "--ci t --matrix=4, 3 shards: the in-memory JSON" t p $E --ci t --matrix=4
expect_grep "$TMP/err.p1" "saved episodes 1500 to 3500's first pass, its part of the round" \
    "a shard says it saved its part of the sums round"
expect_grep "$TMP/round.out" "merged 3 shards' first passes (the whole log's sums, 6000 episodes)" \
    "ope merge says it merged the sums"
expect_grep "$TMP/round.out" "run every shard again with --model-state" "... and what comes next"
expect_grep "$TMP/err.e2" "saved the state of episodes 3501 to 5999" \
    "a shard's contributions: saved as its evaluation's state"
if grep -q '"ci":"t"' "$TMP/t.json" && grep -q '"differences"' "$TMP/t.json"; then
    pass "the result has t intervals and the differences"
else fail "t intervals and differences in the result"; fi
# shellcheck disable=SC2086
same "--ci hoeffding: the in-memory JSON" h p $E --ci hoeffding --alpha 0.1
# shellcheck disable=SC2086
same "--ci bernstein: the in-memory JSON" b p $E --ci bernstein
# A policy whose every trajectory weight is 0 (anti100 on this log: empty support):
# its estimates are undefined, and their contributions not numbers, in the shards'
# states as in memory; the merge takes them as they are.
"$OPE" gen mdp dirichlet states=20 actions=4 --episodes 900 --horizon 20 --candidates 10 \
    --seed 1 -q -o "$TMP/d.csv"
awk -F, -v dir="$TMP" 'NR == 1 { for (k = 0; k < 3; k++) print > (dir "/u" k ".csv"); next }
    $2 == 0 { e++ } { k = e <= 300 ? 0 : e <= 600 ? 1 : 2; print > (dir "/u" k ".csv") }' \
    "$TMP/d.csv"
rm -f "$TMP/u.fit"
s=0
for tag in p e; do
    k=0
    for off in 0 300 600; do
        "$OPE" eval "$TMP/u$k.csv" $E --ci t --save-state "$TMP/u.$tag$k" --row-offset "$off" \
            --model-state "$TMP/u.fit" -q || s=1
        k=$((k + 1))
    done
    [ $tag = p ] && { "$OPE" merge "$TMP/u.p0" "$TMP/u.p1" "$TMP/u.p2" \
        --model-state "$TMP/u.fit" > /dev/null || s=1; }
done
"$OPE" merge "$TMP/u.e0" "$TMP/u.e1" "$TMP/u.e2" --model-state "$TMP/u.fit" -f json \
    > "$TMP/u.json" 2>"$TMP/err" || s=1
"$OPE" eval "$TMP/d.csv" $E --ci t -f json > "$TMP/mem.json"
norm "$TMP/mem.json" > "$TMP/a"
norm "$TMP/u.json" > "$TMP/b"
if [ $s -eq 0 ] && grep -q '"value":null' "$TMP/b" && "$close" "$TMP/a" "$TMP/b" 2>"$TMP/cmp"
then pass "a policy with empty support (undefined estimates): the in-memory JSON"
else fail "a policy with empty support"; diag "$(cat "$TMP/err" "$TMP/cmp" | head -5)"; fi

# The models first (lstd below gamma 1), then the sums.
same "dm, dr, wdr (lstd) with --ci t: the in-memory JSON" ls "m p" --estimators dm,dr,wdr,wpdis \
    --value-model lstd --gamma 0.95 --ci t --matrix
expect_grep "$TMP/round.m.out" "for its part of the round that finds the whole log's sums" \
    "the models' merge says the sums round is next"
expect_grep "$TMP/err.p0" "its part of the round that finds the whole log's sums" \
    "after the models' round, the sums round"
# -f json says what the shards save next.
rm -f "$TMP/j.fit" "$TMP/k.fit"
"$OPE" merge "$TMP/t.p0" "$TMP/t.p1" "$TMP/t.p2" --model-state "$TMP/j.fit" -f json \
    > "$TMP/j.out" 2>&1
expect_grep "$TMP/j.out" '"fitted":true,"next":"evaluation"}' "the sums merged: next, evaluation (json)"
"$OPE" merge "$TMP/ls.m0" "$TMP/ls.m1" "$TMP/ls.m2" --model-state "$TMP/k.fit" -f json \
    > "$TMP/k.out" 2>&1
expect_grep "$TMP/k.out" '"next":"sums"' "the models merged with --ci t: next, the sums (json)"

# Refused.
expect_status 64 "a shard with --ci t without --model-state: refused" "$OPE" eval \
    "$TMP/s0.csv" $E --ci t --save-state "$TMP/x.state"
expect_grep "$TMP/err" "give every shard --model-state FIT" "it points to --model-state"
expect_status 64 "the sums round merged again: refused" "$OPE" merge "$TMP/t.p0" "$TMP/t.p1" \
    "$TMP/t.p2" --model-state "$TMP/t.fit"
expect_grep "$TMP/err" "holds the whole log's sums already" "it says the sums are in"
expect_status 64 "the states merged without the fit: refused" "$OPE" merge "$TMP/t.e0" \
    "$TMP/t.e1" "$TMP/t.e2"
expect_grep "$TMP/err" "give ope merge its state, --model-state FIT" "it says to give the fit"
expect_status 65 "two of the fit's three shards' states: refused" "$OPE" merge "$TMP/t.e0" \
    "$TMP/t.e1" --model-state "$TMP/t.fit"
expect_grep "$TMP/err" "made from 3 shards, and 2 states are merged" "it names the shard left out"
# shellcheck disable=SC2086
expect_status 65 "a shard with another interval than the fit's: refused" "$OPE" eval \
    "$TMP/s1.csv" $E --ci bernstein --save-state "$TMP/x.state" --row-offset 1500 \
    --model-state "$TMP/t.fit"
expect_grep "$TMP/err" "ci=" "... naming the setting"
expect_status 65 "a sums part with a models' part: refused" "$OPE" merge "$TMP/ls.p0" \
    "$TMP/ls.m1" --model-state "$TMP/y.fit"
expect_grep "$TMP/err" "of the models' round: merge the parts of one round" "it names both rounds"
expect_status 65 "a sums part with an evaluation state: refused" "$OPE" merge "$TMP/t.e0" \
    "$TMP/t.p1" --model-state "$TMP/y.fit"
expect_grep "$TMP/err" "t.p1 is a shard's part of the round that finds the whole log's sums" \
    "it says which is the part"
expect_status 66 "sums parts made with a models' fit, given another path: refused" "$OPE" merge \
    "$TMP/ls.p0" "$TMP/ls.p1" "$TMP/ls.p2" --model-state "$TMP/none.fit"
expect_grep "$TMP/err" "parts of the sums round were made with the models' fit" "it says so"
# (h.fit's blocks are t.fit's: the first pass does not depend on the interval, so the
# digests agree and the merge would be the same; ls.fit's differ)
expect_status 65 "the states merged with another fit: refused" "$OPE" merge "$TMP/t.e0" \
    "$TMP/t.e1" "$TMP/t.e2" --model-state "$TMP/ls.fit"
expect_grep "$TMP/err" "but the states were evaluated with the fit" "it names both fits"
cp "$TMP/t.e1" "$TMP/bad.e1"
printf 'X' | dd of="$TMP/bad.e1" bs=1 seek=400 conv=notrunc 2>/dev/null
expect_status 65 "a state with a byte changed: refused" "$OPE" merge "$TMP/t.e0" \
    "$TMP/bad.e1" "$TMP/t.e2" --model-state "$TMP/t.fit"
# A state of contributions crafted (resealed: the SHA-256 only catches accidents) with
# a range no contributions have: wtis's (statistic 4: the third estimator of the first
# policy, after tis's and pdis's two each) minimum set past its maximum. The payload,
# past the tag: the shard's episodes, the statistics and the pairs (3 x 8 bytes), then
# per statistic its count, compensated sum (2 x 8), minimum, maximum, squared deviations.
state_io
cat > "$TMP/craft.py" <<'PY'
import struct, sys, stateio
head, p = stateio.load(sys.argv[1])
tag = b'ope traj contributions 1'
at = p.find(tag) + len(tag) + 24 + 4 * 48
n, = struct.unpack_from('<Q', p, at)
assert n > 0
hi, = struct.unpack_from('<d', p, at + 32)
struct.pack_into('<d', p, at + 24, hi + 1.0)
stateio.save(sys.argv[2], head, p)
PY
python3 "$TMP/craft.py" "$TMP/h.e1" "$TMP/crafted.e1"
expect_status 65 "a state of contributions crafted with min > max: refused" "$OPE" merge \
    "$TMP/h.e0" "$TMP/crafted.e1" "$TMP/h.e2" --model-state "$TMP/h.fit"
expect_grep "$TMP/err" "damaged state" "... as damaged"
# A shard the fit was not made from, whose episode is longer than the whole log's: told
# so, not "the log changed".
{ cat "$TMP/s2.csv"; awk -F, 'NR > 1 && $1 != prev { n++; prev = $1 } n == 1' "$TMP/s2.csv" |
  awk -F, 'BEGIN { OFS = "," } { $1 = 999999; print }' > "$TMP/one.csv";
  awk -F, 'BEGIN { OFS = "," } { print; if (NR == 1) for (k = 0; k < 60; k++) { $2 = k + 1; print } }' \
      "$TMP/one.csv" | awk -F, 'BEGIN { OFS = "," } { $2 = NR - 1; print }'; } > "$TMP/long.csv"
expect_status 65 "a new shard with a longer episode: refused" "$OPE" eval "$TMP/long.csv" $E \
    --ci t --matrix=4 --save-state "$TMP/x.state" --row-offset 6000 --model-state "$TMP/t.fit"
expect_grep "$TMP/err" "but the shards of the fit" "... as not among the fit's shards"
# The fit made from the parts of two shards only: the third's state is not among them.
rm -f "$TMP/two.fit"
"$OPE" merge "$TMP/t.p0" "$TMP/t.p1" --model-state "$TMP/two.fit" > /dev/null 2>&1
expect_status 65 "a shard the sums were not made from: refused" "$OPE" eval "$TMP/s2.csv" \
    $E --ci t --matrix=4 --save-state "$TMP/x.state" --row-offset 3501 \
    --model-state "$TMP/two.fit"
