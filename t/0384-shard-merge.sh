#!/bin/sh
# t/0384-shard-merge.sh: `ope eval SHARD --save-state S --row-offset R` and `ope merge
# S1 S2 ...` (issue 17: shards evaluated apart, by a job array or GNU parallel) give
# what one `ope eval` over the whole log gives. Why the comparison is to 1e-12 relative
# and not to the bits: the accumulator's chunks are counted from each shard's first
# row (a shard may start anywhere), so its sums are the same numbers added in another
# grouping, and the sd comes from the co-moments of the per-row terms (each
# contribution is affine in them given the whole log's sums: sd^2 = v' C v), not from
# the contributions themselves -- both move results by rounding alone (seen: 1e-14).
# The bootstrap draws are the same (keyed by the global row number), so bootstrap
# intervals agree too. The texts outside the numbers must be equal (t/jsonclose), but
# for the input's path and digest, which name the shards.
# Then what a state cannot carry (refused when saved, 64), and every way a set of
# states can be wrong (refused when merged, 65, naming the files).
. "$OPE_SRCDIR/t/lib.sh"
close="$OPE_BUILDDIR/t/jsonclose"

# 50,000 rows with the true q.* columns as qhat.* so the model estimators run too.
"$OPE" gen bandit --rows 50000 --actions 4 --seed 5 -q -o "$TMP/raw.csv" || exit 1
sed '1s/,q\./,qhat./g' "$TMP/raw.csv" > "$TMP/q.csv"

norm() { sed 's/"path":"[^"]*","sha256":"[^"]*"/"path":"-","sha256":"-"/' "$1"; }

# same DESC LOG "STARTS" EVAL-OPTIONS...: every shard saved, merged in reverse order
# (ope merge puts them in row order), against ope eval LOG in memory.
same() {
    desc=$1; log=$2; starts=$3; shift 3
    cut_log "$log" "$TMP/sh" $starts
    bad=""
    while read -r f off; do
        "$OPE" eval "$f" --save-state "$f.state" --row-offset "$off" "$@" -q 2>"$TMP/save.err" ||
            bad="$bad save $f: $(head -c 300 "$TMP/save.err")"
    done < "$TMP/sh/offsets"
    states=$(awk '{ print $1 ".state" }' "$TMP/sh/offsets" | sort -r)
    # shellcheck disable=SC2086
    "$OPE" merge $states -f json > "$TMP/merged" 2>"$TMP/merge.err" ||
        bad="$bad merge: $(head -c 300 "$TMP/merge.err")"
    "$OPE" eval "$log" "$@" -f json > "$TMP/whole" 2>/dev/null || bad="$bad (the whole log)"
    norm "$TMP/merged" > "$TMP/a"
    norm "$TMP/whole" > "$TMP/b"
    if [ -z "$bad" ] && "$close" "$TMP/a" "$TMP/b" 2>"$TMP/cmp"; then pass "$desc"
    else fail "$desc"; diag "$bad $(cat "$TMP/cmp" 2>/dev/null)"; fi
}
same "every estimator, t intervals, the differences: 2 shards on a chunk boundary" \
    "$TMP/q.csv" "0 8192" --ci t --matrix
same "... 4 shards anywhere (one of 1 row)" "$TMP/q.csv" "0 5000 5001 33333" --ci t --matrix
same "... one shard: the whole log" "$TMP/q.csv" "0" --ci t --matrix
same "bootstrap intervals, --against, rm, switch-dr" "$TMP/q.csv" "0 17000 40001" \
    --against uniform --estimators ipw,snipw,dr,rm,switch-dr --n-boot 300 --seed 9
same "--alpha, two policies, --matrix=2" "$TMP/q.csv" "0 12345 30000" \
    --ci t --alpha 0.1 --policy uniform --policy greedy --estimators ipw,dm,sndr --matrix=2
# (Their default estimators leave out those that fit a model, with a warning that the
# whole log's run does not have: t/0393 checks it.)
same "a log without qhat.* columns: the model-free estimators" \
    "$TMP/raw.csv" "0 25000" --estimators ipw,snipw,sg-ipw,rm --ci t

# Positions: a policy's mass on (position, action) pairs that no row shows, when the
# pair is seen in one shard only (then it is supported) and in none (then it is not).
awk -F, 'BEGIN { OFS = "," } NR == 1 { print $0, "position"; next }
    { p = NR % 2; if (p == 1 && ($1 == 1 || ($1 == 0 && NR > 300))) p = 0; print $0, p }' \
    "$TMP/q.csv" > "$TMP/pos.csv"
same "positions: unsupported mass" "$TMP/pos.csv" "0 20000" --ci t --estimators ipw,dr
um=$(grep -o '"unsupported_mass":[0-9.e-]*' "$TMP/merged" | sort -u | wc -l)
[ "$um" -gt 1 ] && pass "... which is not 0 everywhere" || fail "... the mass is all 0 ($um)"

# --truth is the merge's.
printf 'policy,value\ngreedy,0.5\n' > "$TMP/truth.csv"
cut_log "$TMP/q.csv" "$TMP/tr" 0 30000
"$OPE" eval "$TMP/tr/0.csv" --save-state "$TMP/t0.state" --estimators ipw --ci t -q
"$OPE" eval "$TMP/tr/1.csv" --save-state "$TMP/t1.state" --row-offset 30000 --estimators ipw \
    --ci t -q
"$OPE" merge "$TMP/t0.state" "$TMP/t1.state" --truth "$TMP/truth.csv" -f json > "$TMP/m" 2>/dev/null
"$OPE" eval "$TMP/q.csv" --estimators ipw --ci t --truth "$TMP/truth.csv" -f json > "$TMP/w" 2>/dev/null
norm "$TMP/m" > "$TMP/a"; norm "$TMP/w" > "$TMP/b"
if "$close" "$TMP/a" "$TMP/b" 2>"$TMP/cmp"; then pass "--truth given to ope merge"
else fail "--truth given to ope merge"; diag "$(cat "$TMP/cmp")"; fi
expect_status 0 "the table" "$OPE" merge "$TMP/t0.state" "$TMP/t1.state" --lift --matrix
expect_grep "$TMP/out" "50000 rows" "it counts every shard's rows"
expect_grep "$TMP/out" "lift" "--lift shows the lift table"

# The comparison can fail: a shard saved with the wrong offset moves the bootstrap
# draws (the merge cannot tell: the rows still follow each other).
cut_log "$TMP/q.csv" "$TMP/w2" 0 4096
"$OPE" eval "$TMP/w2/0.csv" --save-state "$TMP/w0.state" --estimators ipw -q
"$OPE" eval "$TMP/w2/1.csv" --save-state "$TMP/w1.state" --row-offset 4096 --estimators ipw -q
"$OPE" merge "$TMP/w0.state" "$TMP/w1.state" -f json > "$TMP/good" 2>/dev/null
"$OPE" eval "$TMP/w2/1.csv" --save-state "$TMP/w1.state" --row-offset 4096 --estimators ipw \
    --seed 99 --force -q
"$OPE" merge "$TMP/w0.state" "$TMP/w1.state" -f json > /dev/null 2>"$TMP/err"
expect_grep "$TMP/err" "seed=99" "a shard saved with another seed is refused, naming the setting"

# ---- refused when saved (64) ----
expect_status 64 "--ci cs: refused" "$OPE" eval "$TMP/w2/0.csv" --save-state "$TMP/x.state" --ci cs
expect_grep "$TMP/err" "--ci cs folds every row in order" "the refusal says why"
# (they take a round for the whole log's sums first: t/0411)
expect_status 64 "--ci hoeffding without --model-state: refused" "$OPE" eval \
    "$TMP/w2/0.csv" --save-state "$TMP/x.state" --ci hoeffding --bounds 0,5
expect_grep "$TMP/err" "give every shard --model-state FIT" "it says what to give"
expect_status 64 "--ci bernstein without --model-state: refused" "$OPE" eval "$TMP/w2/0.csv" \
    --save-state "$TMP/x.state" --ci bernstein
expect_status 64 "a model estimator without qhat.* columns: refused" "$OPE" eval "$TMP/raw.csv" \
    --save-state "$TMP/x.state" --estimators dr
expect_status 64 "-o with --save-state: refused" "$OPE" eval "$TMP/w2/0.csv" \
    --save-state "$TMP/x.state" -o "$TMP/x.json"
expect_grep "$TMP/err" "give it to ope merge" "it points at ope merge"
expect_status 64 "--row-offset alone: refused" "$OPE" eval "$TMP/w2/0.csv" --row-offset 5
expect_status 64 "--by with --save-state: refused" "$OPE" eval "$TMP/w2/0.csv" \
    --save-state "$TMP/x.state" --by x0 --bins 2
"$OPE" gen mdp riverswim --episodes 40 --candidates 2 --seed 2 -q -o "$TMP/traj.csv" 2>/dev/null
expect_status 64 "a trajectory log's shard with dr (a model): refused" "$OPE" eval \
    "$TMP/traj.csv" --save-state "$TMP/x.state" --estimators tis,dr
expect_grep "$TMP/err" "dr fits its value model on the whole trajectory log" "it says why"
[ ! -e "$TMP/x.state" ] && pass "no state written by a refusal" || fail "a state was left"
expect_status 73 "an existing state is not replaced without --force" "$OPE" eval \
    "$TMP/w2/0.csv" --save-state "$TMP/w0.state" --estimators ipw
expect_status 0 "... and is with --force" "$OPE" eval "$TMP/w2/0.csv" \
    --save-state "$TMP/w0.state" --estimators ipw --force -q

# ---- refused when merged (65), naming the files ----
cut_log "$TMP/q.csv" "$TMP/c" 0 10000 20000
for k in 0 1 2; do
    off=$(awk -v k=$k 'NR == k + 1 { print $2 }' "$TMP/c/offsets")
    "$OPE" eval "$TMP/c/$k.csv" --save-state "$TMP/c$k.state" --row-offset "$off" \
        --estimators ipw,snipw --ci t -q
done
expect_status 0 "three states merge" "$OPE" merge "$TMP/c0.state" "$TMP/c1.state" "$TMP/c2.state"
expect_status 65 "a shard left out: refused" "$OPE" merge "$TMP/c0.state" "$TMP/c2.state"
expect_grep "$TMP/err" "rows 10000 to 19999 of the log are in no state" "it names the rows missing"
expect_status 65 "the first shard left out: refused" "$OPE" merge "$TMP/c1.state" "$TMP/c2.state"
expect_grep "$TMP/err" "c1.state: its rows start at row 10000" "it names the file"
expect_status 65 "a shard given twice: refused" "$OPE" merge "$TMP/c0.state" "$TMP/c1.state" \
    "$TMP/c1.state" "$TMP/c2.state"
expect_grep "$TMP/err" "the same shard given twice" "it says so"
"$OPE" eval "$TMP/c/1.csv" --save-state "$TMP/c1x.state" --row-offset 9000 \
    --estimators ipw,snipw --ci t -q
expect_status 65 "a wrong --row-offset (overlap): refused" "$OPE" merge "$TMP/c0.state" \
    "$TMP/c1x.state" "$TMP/c2.state"
expect_grep "$TMP/err" "overlap" "it says they overlap"
"$OPE" eval "$TMP/c/1.csv" --save-state "$TMP/c1e.state" --row-offset 10000 --estimators ipw \
    --ci t -q
expect_status 65 "another estimator list: refused" "$OPE" merge "$TMP/c0.state" \
    "$TMP/c1e.state" "$TMP/c2.state"
expect_grep "$TMP/err" "estimators=" "it names the setting"
n=$(wc -c < "$TMP/c1.state")
head -c $((n - 100)) "$TMP/c1.state" > "$TMP/trunc.state"
expect_status 65 "a truncated state: refused" "$OPE" merge "$TMP/c0.state" "$TMP/trunc.state" \
    "$TMP/c2.state"
expect_grep "$TMP/err" "trunc.state" "it names the file"
cp "$TMP/c1.state" "$TMP/flip.state"
flip_byte "$TMP/flip.state" $((n / 2))
expect_status 65 "a damaged state (one byte): refused" "$OPE" merge "$TMP/c0.state" \
    "$TMP/flip.state" "$TMP/c2.state"
expect_grep "$TMP/err" "flip.state" "it names the file"
expect_status 65 "a CSV given as a state: refused" "$OPE" merge "$TMP/c/0.csv"
expect_status 66 "a missing state: status 66" "$OPE" merge "$TMP/nope.state"
expect_status 64 "no state: usage" "$OPE" merge
expect_status 0 "ope help merge" "$OPE" help merge
expect_grep "$TMP/out" "--row-offset" "the help says how shards are saved"
expect_status 0 "ope help formats" "$OPE" help formats
expect_grep "$TMP/out" "State file (ope eval SHARD --save-state" "it describes the state file"
done_testing
