#!/bin/sh
# t/0411-shard-bandit-intervals.sh: a bandit log's shards take --ci hoeffding and
# bernstein (issue 17). Those intervals take the observed range of the contributions
# (and of the lift's and the differences' per-row terms) linearised at the whole log's
# sums, which no shard has: the shards find the sums first, in a round of the fit's
# loop (ope eval SHARD --save-state P --model-state FIT saves its first pass; ope merge
# PARTS --model-state FIT merges them into FIT), then save their rows' contributions'
# statistics at those sums, and ope merge adds them in row order. The result is one
# ope eval over the whole log. Why 1e-12 relative and not the bits: the sums are merged
# from the shards' chunks in row order (t/0384), so the linearisation point, and every
# contribution, is the single run's to rounding; min and max are then exact functions
# of those contributions. Seen: 7e-14. With a reward model and --matrix 1e-10, as
# t/0394: a relative error of a value near its truth, and differences of close
# policies, are small numbers made from large ones (seen: 1.2e-12 on 1.5e-4, 2e-16
# absolute).
#
# --matrix compares the whole log's top K candidates, and an estimate is undefined
# when every weight it uses is 0 on the whole log, which a shard cannot know from its
# own rows: a policy undefined on the whole log is undefined on each shard, so each
# shard keeps its top K + u (u: those undefined on its rows alone). The "never" log
# makes that matter: its policy puts no mass on any logged action, so ipw's sums give
# it 0, above every other policy once the rewards are shifted below 0; the whole log
# calls it undefined and compares the next three. Without the + u the merge finds a
# pair no shard kept (seen, when the code was broken on purpose).
. "$OPE_SRCDIR/t/lib.sh"
close="$OPE_BUILDDIR/t/jsonclose"

"$OPE" gen bandit --rows 30000 --actions 4 --seed 11 -q -o "$TMP/log.csv" || exit 1
cut_log "$TMP/log.csv" "$TMP/sh" 0 9000 21001
norm() { sed 's/"path":"[^"]*","sha256":"[^"]*"/"path":"-","sha256":"-"/' "$1"; }

# same DESC LOG DIR REL ARGS...: the rounds over the shards in DIR against ope eval of
# LOG, to REL relative.
same() {
    desc=$1; log=$2; dir=$3; rel=$4; shift 4
    "$OPE" eval "$log" "$@" -f json > "$TMP/whole" 2>/dev/null
    if shard_rounds "$dir" "$@" && norm "$TMP/result" > "$TMP/a" && norm "$TMP/whole" > "$TMP/b" &&
        "$close" "$TMP/a" "$TMP/b" "$rel" 2>"$TMP/cmp"; then pass "$desc ($rounds rounds)"
    else fail "$desc"; diag "round $rounds: $(head -c 400 "$TMP/why")" \
        "$(head -c 300 "$TMP/cmp" 2>/dev/null)"; fi
}

same "hoeffding: ipw, snipw, sg-ipw with --matrix" "$TMP/log.csv" "$TMP/sh" 1e-12 \
    --estimators ipw,snipw,sg-ipw --ci hoeffding --matrix
[ "$rounds" -eq 2 ] && pass "... the sums round, then the evaluation's" \
    || fail "hoeffding took $rounds rounds"
expect_grep "$TMP/result" '"ci":"hoeffding"' "... the result's intervals are Hoeffding's"
expect_grep "$TMP/said" "rows 9000 to 21000's first pass, its part of the round that finds the whole log's sums for --ci hoeffding" \
    "... the shards say what they saved"
expect_grep "$TMP/said" '"pass_name":"the whole log'"'"'s sums","fitted":true,"next":"evaluation"}' \
    "... ope merge -f json says the evaluation is next"
same "bernstein with --bounds and --matrix=4" "$TMP/log.csv" "$TMP/sh" 1e-12 \
    --estimators ipw,snipw --ci bernstein --bounds 0,20 --matrix=4 --alpha 0.1
same "bernstein, ridge model (dm, dr, snipw), --matrix=4" "$TMP/log.csv" "$TMP/sh" 1e-10 \
    --estimators dm,dr,snipw --ci bernstein --matrix=4 --reward-model ridge
# means, spread, normal equations, held-out error, influence; the sums; the evaluation
[ "$rounds" -eq 7 ] && pass "... 5 passes of the model, the sums round, the evaluation's" \
    || fail "ridge and bernstein took $rounds rounds"
expect_grep "$TMP/said" '"pass_name":"model: influence","fitted":true,"next":"sums"}' \
    "... ope merge says the sums round follows the model"
expect_grep "$TMP/result" '"model":{"kind":"ridge"' "... the result reports the fitted model"

# Shifted rewards and a policy with no overlap anywhere (above).
awk -F, -v OFS=, 'NR == 1 { print $0, "pi.never.0,pi.never.1,pi.never.2,pi.never.3"; next }
    { $2 = $2 - 1; t = ($1 + 1) % 4; s = $0
      for (k = 0; k < 4; k++) s = s "," (k == t ? 1 : 0); print s }' \
    "$TMP/log.csv" > "$TMP/never.csv"
cut_log "$TMP/never.csv" "$TMP/nv" 0 9000 21001
same "a policy undefined on the whole log, ranked first by its sums" "$TMP/never.csv" \
    "$TMP/nv" 1e-12 --estimators ipw,snipw --ci bernstein --matrix=3
expect_grep "$TMP/result" '"a":"eps0_2","b":"softmax2"' "... the third pair is compared"
# A policy with overlap only after the first shard: undefined on its rows alone.
awk -F, -v OFS=, 'NR == 1 { print $0, "pi.late.0,pi.late.1,pi.late.2,pi.late.3"; next }
    { t = ($1 + 1) % 4; if (NR - 2 >= 9000 && $2 == 1) t = $1; s = $0
      for (k = 0; k < 4; k++) s = s "," (k == t ? 1 : 0); print s }' \
    "$TMP/log.csv" > "$TMP/late.csv"
cut_log "$TMP/late.csv" "$TMP/lt" 0 9000 21001
same "a policy with overlap only after the first shard, the best" "$TMP/late.csv" \
    "$TMP/lt" 1e-12 --estimators ipw,snipw,sg-ipw --ci hoeffding --matrix=3
expect_grep "$TMP/result" '"a":"late","b":"greedy"' "... compared with the next"

# ---- what goes wrong, refused with the documented status ----------------------------
# shards PREFIX FIT ARGS...: the three shards of $TMP/sh saved to $TMP/PREFIX{0,1,2} with
# --model-state FIT and the shards' settings (hoeffding, ipw and snipw) and ARGS.
shards() {
    _p=$1; _fit=$2; shift 2
    while read -r f off; do
        "$OPE" eval "$f" --save-state "$TMP/$_p$(basename "$f" .csv)" --row-offset "$off" \
            --model-state "$_fit" --ci hoeffding --estimators ipw,snipw -q --force "$@" ||
            exit 1
    done < "$TMP/sh/offsets"
}
S0="$TMP/sh/0.csv"
expect_status 64 "a shard with --ci hoeffding and no --model-state: 64" "$OPE" eval "$S0" \
    --save-state "$TMP/x.state" --ci hoeffding --estimators ipw
expect_grep "$TMP/err" "give every shard --model-state FIT" "... saying what to give"
[ ! -e "$TMP/x.state" ] && pass "... and no state written" || fail "a state was written"
rm -f "$TMP/fit.state"
shards p "$TMP/fit.state"
expect_status 64 "the sums' parts merged without --model-state: 64" "$OPE" merge \
    "$TMP/p0" "$TMP/p1" "$TMP/p2"
expect_grep "$TMP/err" "the round that finds the whole log's sums" "... naming the round"
expect_status 65 "a part left out of the sums round: 65" "$OPE" merge "$TMP/p0" "$TMP/p2" \
    --model-state "$TMP/fit.state"
[ ! -e "$TMP/fit.state" ] && pass "... and no fit written" || fail "a fit was written"
expect_status 0 "the sums round merged" "$OPE" merge "$TMP/p0" "$TMP/p1" "$TMP/p2" \
    --model-state "$TMP/fit.state"
expect_grep "$TMP/out" "merged 3 shards' first passes (the whole log's sums, 30000 rows)" \
    "... counting the shards and rows"
expect_status 64 "the round merged again: 64" "$OPE" merge "$TMP/p0" "$TMP/p1" "$TMP/p2" \
    --model-state "$TMP/fit.state"
expect_grep "$TMP/err" "holds the whole log's sums already" "... saying so"
expect_status 65 "a shard run with other settings than the sums': 65" "$OPE" eval \
    "$TMP/sh/1.csv" --save-state "$TMP/c1" --row-offset 9000 \
    --model-state "$TMP/fit.state" --ci hoeffding --estimators ipw,snipw --alpha 0.1
expect_grep "$TMP/err" "alpha=0.1" "... naming the setting"
shards c "$TMP/fit.state"
expect_status 64 "the contributions merged without --model-state: 64" "$OPE" merge \
    "$TMP/c0" "$TMP/c1" "$TMP/c2"
expect_grep "$TMP/err" "give ope merge the fit's state that holds them" "... saying what to give"
expect_status 65 "a contributions' state left out: 65" "$OPE" merge "$TMP/c0" \
    "$TMP/c1" --model-state "$TMP/fit.state"
expect_grep "$TMP/err" "is left out" "... naming it"
# Another round's sums: the same shards, another seed for the fit's file.
cp "$TMP/fit.state" "$TMP/fit1.state"
rm -f "$TMP/fit2.state"
shards q "$TMP/fit2.state" --seed 7
"$OPE" merge "$TMP/q0" "$TMP/q1" "$TMP/q2" --model-state "$TMP/fit2.state" > /dev/null || exit 1
expect_status 65 "the contributions merged with another round's sums: 65" "$OPE" merge \
    "$TMP/c0" "$TMP/c1" "$TMP/c2" --model-state "$TMP/fit2.state"
expect_grep "$TMP/err" "but the states were saved at the sums" "... saying so"
expect_status 0 "the contributions merged with their sums" "$OPE" merge "$TMP/c0" \
    "$TMP/c1" "$TMP/c2" --model-state "$TMP/fit1.state" -f json -o "$TMP/r.json"
"$OPE" eval "$TMP/log.csv" --ci hoeffding --estimators ipw,snipw -f json > "$TMP/whole"
norm "$TMP/r.json" > "$TMP/a"; norm "$TMP/whole" > "$TMP/b"
"$close" "$TMP/a" "$TMP/b" 1e-12 && pass "... the whole log's result" \
    || fail "the merged result differs"
# A state crafted (resealed: the SHA-256 only catches accidents) with statistics that
# pass each on its own but do not add up: the first contribution's sum of the middle
# shard (12001 rows) moved by 1000. The payload holds the shard's rows, then the first
# statistic: its count (the rows again), then its compensated sum.
state_io
cat > "$TMP/craft.py" <<'PY'
import struct, sys, stateio
head, p = stateio.load(sys.argv[1])
at = p.find(struct.pack('<QQ', 12001, 12001)) + 16
assert at > 16
s, = struct.unpack_from('<d', p, at)
struct.pack_into('<d', p, at, s + 1000.0)
stateio.save(sys.argv[2], head, p)
PY
python3 "$TMP/craft.py" "$TMP/c1" "$TMP/crafted.state"
expect_status 65 "a state crafted with contributions that do not add up: 65" "$OPE" merge \
    "$TMP/c0" "$TMP/crafted.state" "$TMP/c2" --model-state "$TMP/fit1.state" \
    -o "$TMP/r3.json"
expect_grep "$TMP/err" "do not add up to the whole log's estimate" "... saying so"
[ ! -e "$TMP/r3.json" ] && pass "... and no result written" || fail "a result was written"
# A trajectory log's sums round given the bandit log's fit: refused, the fit kept.
"$OPE" gen mdp riverswim --episodes 40 --horizon 6 --seed 3 -q -o "$TMP/traj.csv" || exit 1
awk -F, 'NR == 1 { print > "'"$TMP"'/t0.csv"; print > "'"$TMP"'/t1.csv"; next }
    $2 == 0 { e++ } { print > (e <= 20 ? "'"$TMP"'/t0.csv" : "'"$TMP"'/t1.csv") }' "$TMP/traj.csv"
cp "$TMP/fit1.state" "$TMP/keep.state"
expect_status 65 "a trajectory shard given a bandit log's sums: 65" "$OPE" eval "$TMP/t0.csv" \
    --save-state "$TMP/z0" --model-state "$TMP/fit1.state" --ci hoeffding --estimators tis
expect_grep "$TMP/err" "is the fit of a bandit log's reward model or sums" "... saying whose"
"$OPE" eval "$TMP/t0.csv" --save-state "$TMP/z0" --model-state "$TMP/tf.state" --ci hoeffding \
    --estimators tis -q || exit 1
"$OPE" eval "$TMP/t1.csv" --save-state "$TMP/z1" --row-offset 20 --model-state "$TMP/tf.state" \
    --ci hoeffding --estimators tis -q || exit 1
expect_status 65 "a trajectory log's sums parts merged into a bandit log's fit: 65" "$OPE" \
    merge "$TMP/z0" "$TMP/z1" --model-state "$TMP/fit1.state"
cmp -s "$TMP/fit1.state" "$TMP/keep.state" && pass "... and the fit is kept" \
    || fail "the bandit log's fit changed"
# A model's estimators given a fit of sums alone: refused at once, not at the merge.
expect_status 64 "dr given a fit of sums without a model: 64" "$OPE" eval "$TMP/sh/0.csv" \
    --save-state "$TMP/x.state" --model-state "$TMP/fit1.state" --ci hoeffding \
    --estimators dr --reward-model ridge
expect_grep "$TMP/err" "start a new fit for these estimators" "... saying what to do"
# A damaged state: a byte of its statistics flipped is caught by its SHA-256.
cp "$TMP/c1" "$TMP/bad.state"
flip_byte "$TMP/bad.state" $(($(wc -c < "$TMP/bad.state") - 20))
expect_status 65 "a damaged contributions' state: 65" "$OPE" merge "$TMP/c0" \
    "$TMP/bad.state" "$TMP/c2" --model-state "$TMP/fit1.state" -o "$TMP/r2.json"
[ ! -e "$TMP/r2.json" ] && pass "... and no result written" || fail "a result was written"
done_testing
