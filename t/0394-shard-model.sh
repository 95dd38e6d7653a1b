#!/bin/sh
# t/0394-shard-model.sh: shards run apart fit the reward model together, in rounds
# (issue 17: ope eval SHARD --save-state P --model-state FIT, ope merge P... --model-state
# FIT), and the merge of their evaluation states is one ope eval over the whole log.
# Why 1e-12 relative and not the bits: every sum of the fit is the MPI ranks' (each
# shard's sums of a pass merged in row order, as t/0379 checks for ranks), so the
# coefficients match the in-memory fit's where its sums are sequential and to rounding
# elsewhere; the evaluation's merge is t/0384's (the sd from co-moments). Seen: 1e-14.
# The log is t/0393's kind: positions, a categorical context of 300 levels (solved as
# a block), one of 5, one whose levels appear only in the last shard -- each shard
# numbers its levels in its own order, which the fit must map to the whole log's --
# and the shards start anywhere. Then every way a round can go wrong, refused with
# the documented status and no file changed.
. "$OPE_SRCDIR/t/lib.sh"
close="$OPE_BUILDDIR/t/jsonclose"

"$OPE" gen bandit --rows 30000 --actions 4 --seed 11 -q -o "$TMP/raw.csv" || exit 1
# Positions and categorical contexts (t/lib.sh): x7's levels first seen after row
# 24,000, in the last shard only.
add_contexts "$TMP/raw.csv" "$TMP/log.csv" 24000
cut_log "$TMP/log.csv" "$TMP/sh" 0 9000 21001
norm() { sed 's/"path":"[^"]*","sha256":"[^"]*"/"path":"-","sha256":"-"/' "$1"; }

# same DESC REL ARGS...: the rounds over the shards against ope eval of the whole log, to
# REL relative.
same() {
    desc=$1; rel=$2; shift 2
    "$OPE" eval "$TMP/log.csv" "$@" -f json > "$TMP/whole" 2>/dev/null
    if shard_rounds "$TMP/sh" "$@" && norm "$TMP/result" > "$TMP/a" && norm "$TMP/whole" > "$TMP/b" &&
        "$close" "$TMP/a" "$TMP/b" "$rel" 2>"$TMP/cmp"; then pass "$desc ($rounds rounds)"
    else fail "$desc"; diag "round $rounds: $(head -c 400 "$TMP/why")" \
        "$(head -c 300 "$TMP/cmp" 2>/dev/null)"; fi
}
all=dm,dr,sndr,switch-dr,dr-os,sg-dr,ipw
# --matrix: the differences between close policies are small numbers made from large
# ones, so their relative rounding is larger (seen: 2.3e-12 on a bound of 8e-5, 2e-16
# absolute).
same "logistic, every model estimator, t intervals, --matrix" 1e-10 --estimators $all \
    --ci t --matrix
logistic=$rounds
expect_grep "$TMP/result" '"model":{"kind":"logistic","folds":3' \
    "... the result reports the fitted model"
same "ridge, bootstrap intervals with --against" 1e-12 --estimators dm,dr --reward-model ridge \
    --against uniform --n-boot 200
# means, spread, normal equations, held-out error, influence, then the evaluation
[ "$rounds" -eq 6 ] && pass "ridge: 5 passes and the evaluation's round" \
    || fail "ridge took $rounds rounds"
[ "$logistic" -gt "$rounds" ] && pass "logistic: a round per Newton pass ($logistic)" \
    || fail "logistic took $logistic rounds"
same "5 folds, another seed, lambda 0.3, no dm (no influence pass)" 1e-12 --estimators dr,sndr \
    --folds 5 --seed 3 --model-lambda 0.3 --ci t
same "one fold (fit and predict on every row)" 1e-12 --estimators dm,dr --folds 1 --ci t
# Windows of 4096 rows: each shard's windows recoded to the fit's levels one by one.
export OPE_TEST_WINDOW=4096
same "windows of 4096 rows in every shard" 1e-12 --estimators dm,dr,sndr --ci t
unset OPE_TEST_WINDOW
expect_grep "$TMP/said" '"pass_name":"model: influence","fitted":true,"next":"evaluation"}' \
    "ope merge says when the model is fitted"

# A 2-row log in two 1-row shards: the default 3 folds become 2 (the means' pass is
# made again), as in memory; --position-base: each shard would guess its own.
head -n 3 "$TMP/log.csv" > "$TMP/two.csv"
cut_log "$TMP/two.csv" "$TMP/tw" 0 1
"$OPE" eval "$TMP/two.csv" --estimators dm,dr --ci t -f json > "$TMP/whole" 2>/dev/null
if shard_rounds "$TMP/tw" --estimators dm,dr --ci t --position-base 0 && norm "$TMP/result" > "$TMP/a" &&
    norm "$TMP/whole" > "$TMP/b" && "$close" "$TMP/a" "$TMP/b" 2>"$TMP/cmp"; then
    pass "2 rows in 2 shards: 2 folds, as in memory"
else fail "2 rows in 2 shards"; diag "$(head -c 300 "$TMP/why")" "$(head -c 300 "$TMP/cmp")"; fi
expect_grep "$TMP/result" '"folds":2' "... reported as 2 folds"

# ---- a round gone wrong: refused, the fit's state unchanged ----------------------------
E="--estimators dm,dr --ci t"
# round DIR: every shard's part of the next pass (p0.state ...) in $TMP.
round() {
    k=0
    while read -r f off; do
        # shellcheck disable=SC2086
        "$OPE" eval "$f" --save-state "$TMP/p$k.state" --row-offset "$off" $E \
            --model-state "$TMP/fit.state" --force -q
        k=$((k + 1))
    done < "$1/offsets"
}
rm -f "$TMP/fit.state"
round "$TMP/sh"
P="$TMP/p0.state $TMP/p1.state $TMP/p2.state"
# shellcheck disable=SC2086
expect_status 64 "parts merged without --model-state: 64" "$OPE" merge $P
expect_grep "$TMP/err" "give --model-state FILE" "... saying what to give"
# shellcheck disable=SC2086
expect_status 0 "the first round merged" "$OPE" merge $P --model-state "$TMP/fit.state"
expect_grep "$TMP/out" "merged pass 1 of the reward model's fit (model: means); run every" \
    "... saying which pass, and that the shards run again"
cp "$TMP/p0.state" "$TMP/old.state"
cp "$TMP/fit.state" "$TMP/fit.keep"
round "$TMP/sh"
# unchanged DESC: the fit's state is as it was before the refusal.
unchanged() {
    if cmp -s "$TMP/fit.state" "$TMP/fit.keep"; then pass "... $1"
    else fail "... $1: the fit's state changed"; fi
}
expect_status 65 "a part of an earlier round: 65" "$OPE" merge "$TMP/old.state" \
    "$TMP/p1.state" "$TMP/p2.state" --model-state "$TMP/fit.state"
expect_grep "$TMP/err" "from an earlier round" "... saying so"
unchanged "and the fit's state unchanged"
expect_status 65 "a shard's part left out: 65" "$OPE" merge "$TMP/p0.state" "$TMP/p1.state" \
    --model-state "$TMP/fit.state"
expect_grep "$TMP/err" "begun with 3 shards, and 2 parts are merged" "... naming the counts"
# shellcheck disable=SC2086
expect_status 65 "a shard run with another --seed: 65" "$OPE" eval "$TMP/sh/1.csv" \
    --save-state "$TMP/x.state" --row-offset 9000 $E --seed 5 --model-state "$TMP/fit.state"
expect_grep "$TMP/err" "seed=5" "... naming the setting"
# shellcheck disable=SC2086
expect_status 65 "a shard at another row: 65" "$OPE" eval "$TMP/sh/1.csv" \
    --save-state "$TMP/x.state" --row-offset 9001 $E --model-state "$TMP/fit.state"
expect_grep "$TMP/err" "fit.state) has at row 9000, given --row-offset 9001: give it --row-offset 9000" \
    "... naming the row the fit has it at"
# shellcheck disable=SC2086
expect_status 65 "--row-offset left out in a later round: 65" "$OPE" eval "$TMP/sh/2.csv" \
    --save-state "$TMP/x.state" $E --model-state "$TMP/fit.state"
expect_grep "$TMP/err" "(or none: it defaults to 0): give it --row-offset 21001" \
    "... saying which to give (not to start again)"
cut_log "$TMP/two.csv" "$TMP/tw" 0 1
# shellcheck disable=SC2086
expect_status 65 "a shard the fit does not have: 65" "$OPE" eval "$TMP/tw/1.csv" \
    --save-state "$TMP/x.state" --row-offset 5 $E --model-state "$TMP/fit.state"
expect_grep "$TMP/err" "start at rows 0, 9000, 21001" "... naming the fit's shards"
awk -F, 'BEGIN { OFS = "," } NR == 5 { $2 = 1 - $2 } { print }' "$TMP/sh/1.csv" > "$TMP/ch.csv"
# shellcheck disable=SC2086
expect_status 65 "a shard changed since the fit began: 65" "$OPE" eval "$TMP/ch.csv" \
    --save-state "$TMP/x.state" --row-offset 9000 $E --model-state "$TMP/fit.state"
expect_grep "$TMP/err" "if it changed since the fit began, start the fit again" "... saying so"
[ ! -e "$TMP/x.state" ] && pass "... and no part written" || fail "a part was written"
expect_status 65 "the fit's state given as a state to merge: 65" "$OPE" merge \
    "$TMP/fit.state" "$TMP/p1.state" --model-state "$TMP/other.state"
expect_grep "$TMP/err" "give it as --model-state" "... saying where it goes"
"$OPE" eval "$TMP/sh/1.csv" --save-state "$TMP/e1.state" --row-offset 9000 \
    --estimators ipw --ci t -q
expect_status 65 "a part and an evaluation state merged together: 65" "$OPE" merge \
    "$TMP/p0.state" "$TMP/e1.state" --model-state "$TMP/fit.state"
expect_grep "$TMP/err" "not both" "... saying so"
unchanged "after every refusal"
cp "$TMP/fit.state" "$TMP/bad.state"
flip_byte "$TMP/bad.state" 300
# shellcheck disable=SC2086
expect_status 65 "a damaged fit's state: 65" "$OPE" eval "$TMP/sh/0.csv" \
    --save-state "$TMP/x.state" $E --model-state "$TMP/bad.state"
expect_grep "$TMP/err" "SHA-256 does not match" "... caught by its checksum"
expect_status 64 "--model-state without --save-state: 64" "$OPE" eval "$TMP/sh/0.csv" \
    --model-state "$TMP/fit.state"
expect_status 64 "--model-state the same file as --save-state: 64" "$OPE" eval \
    "$TMP/sh/0.csv" --save-state "$TMP/fit.state" --model-state "$TMP/fit.state"
# shellcheck disable=SC2086
expect_status 64 "-o the same file as --model-state: 64" "$OPE" merge $P \
    --model-state "$TMP/fit.state" -o "$TMP/fit.state" --force
mkdir -p "$TMP/adir"
# shellcheck disable=SC2086
expect_status 64 "a directory as --model-state: 64" "$OPE" eval "$TMP/sh/0.csv" \
    --save-state "$TMP/x.state" $E --model-state "$TMP/adir"
expect_grep "$TMP/err" "a directory, not a file" "... saying so"
unchanged "and the fit's state still unchanged"
# The round's report: on standard output whatever -q says; -f json: one object.
# shellcheck disable=SC2086
expect_status 0 "the second round merged, -q -f json" "$OPE" merge $P \
    --model-state "$TMP/fit.state" -q -f json
expect_grep "$TMP/out" '"pass":2,"pass_name":"model: spread","fitted":false,"next":"pass"}' \
    "... its report as a JSON object"

# Evaluation states made with different fits do not merge (their settings name it);
# ridge, whose fit takes 6 rounds to logistic's 11: the model is not what is checked.
shard_rounds "$TMP/sh" --estimators dm --ci t --reward-model ridge
cp "$TMP/sh/0.csv.state" "$TMP/a.state"
shard_rounds "$TMP/sh" --estimators dm --ci t --reward-model ridge --model-lambda 0.5
expect_status 65 "evaluation states of two fits: 65" "$OPE" merge "$TMP/a.state" \
    "$TMP/sh/1.csv.state" "$TMP/sh/2.csv.state"
expect_grep "$TMP/err" "model_lambda=1 in" "... naming the setting that differs"

# Shards whose smallest positions differ number them from different bases.
cut_log "$TMP/two.csv" "$TMP/tw" 0 1
"$OPE" eval "$TMP/tw/0.csv" --save-state "$TMP/b0.state" --estimators ipw --ci t -q
"$OPE" eval "$TMP/tw/1.csv" --save-state "$TMP/b1.state" --row-offset 1 --estimators ipw \
    --ci t -q
expect_status 65 "shards whose position bases differ: 65" "$OPE" merge "$TMP/b0.state" \
    "$TMP/b1.state"
expect_grep "$TMP/err" "the same --position-base" "... saying what to give"

# An empty shard (a header alone): refused, saying it can be left out.
head -n 1 "$TMP/log.csv" > "$TMP/empty.csv"
# shellcheck disable=SC2086
expect_status 65 "a shard of no rows: 65" "$OPE" eval "$TMP/empty.csv" --save-state \
    "$TMP/x.state" $E --model-state "$TMP/fit.state"
expect_grep "$TMP/err" "a shard without rows adds nothing to the merge: leave it out" \
    "... saying it can be left out"
# --model-state with estimators that fit no model: said, not silently ignored.
rm -f "$TMP/x.state"
expect_status 0 "--model-state with ipw alone: the shard's state saved" "$OPE" eval \
    "$TMP/sh/0.csv" --save-state "$TMP/x.state" --estimators ipw --ci t \
    --model-state "$TMP/nofit.state"
expect_grep "$TMP/err" "--model-state $TMP/nofit.state is not used" "... with a note"

# The models' memory: refused before they are allocated, in memory as in rounds.
OPE_TEST_MODEL_BUDGET=100000 "$OPE" eval "$TMP/log.csv" --estimators dm --ci t \
    >/dev/null 2>"$TMP/err"
[ $? -eq 65 ] && pass "a model over the memory budget: 65" || fail "over the budget: not 65"
expect_grep "$TMP/err" "for their normal equations, more than the fit may take" \
    "... saying what it needs"

# A shard's part of a wide model grows with the shard's rows, not with the log's
# levels (what MPI ranks exchange too): 3,000 rows with a level of their own each, in
# 3 shards of 1,000, ridge. Each of the 15 (fold, action) models holds q^2 + m q + m
# sums for its m levels and q other columns, 16 bytes each; written whole, one shard
# of these 1,000 rows alone made a 1.9 MB part (measured), and the 3,000 levels of the
# whole log make it larger. A shard's model meets about 1000 x 2/3 / 5 = 133 levels,
# whose q + 1 sums and b entry are written sparse, 24 bytes a pair: under 1 MB for the
# 15 models (0.6 MB seen). The same fit as one ope eval, to 1e-12.
awk -F, 'NR == 1 { print $0 ",x9"; next } NR <= 3001 { print $0 ",u" NR }' "$TMP/raw.csv" \
    > "$TMP/wide.csv"
cut_log "$TMP/wide.csv" "$TMP/wd" 0 1000 2000
W="--estimators dm,dr --reward-model ridge --ci t"
# shellcheck disable=SC2086
"$OPE" eval "$TMP/wide.csv" $W -f json > "$TMP/whole" 2>/dev/null
rm -f "$TMP/fit.state" "$TMP/result"
biggest=0
for round in 1 2 3 4 5 6; do
    while read -r f off; do
        # shellcheck disable=SC2086
        "$OPE" eval "$f" --save-state "$f.state" --row-offset "$off" --model-state \
            "$TMP/fit.state" --force -q $W 2>"$TMP/why" || break 2
        size=$(wc -c < "$f.state")
        [ "$size" -gt "$biggest" ] && biggest=$size
    done < "$TMP/wd/offsets"
    # shellcheck disable=SC2046
    "$OPE" merge $(awk '{ print $1 ".state" }' "$TMP/wd/offsets") --model-state \
        "$TMP/fit.state" -f json -o "$TMP/result" >/dev/null 2>"$TMP/why" || break
    [ -e "$TMP/result" ] && break
done
if [ -e "$TMP/result" ] && norm "$TMP/result" > "$TMP/a" && norm "$TMP/whole" > "$TMP/b" &&
    "$close" "$TMP/a" "$TMP/b" 1e-12 2>"$TMP/cmp"; then
    pass "a model of 3,000 levels fitted by 3 shards: one ope eval's result"
else fail "3,000 levels in 3 shards"; diag "$(head -c 300 "$TMP/why")"; fi
[ "$biggest" -gt 0 ] && [ "$biggest" -lt 1000000 ] &&
    pass "... and no shard's part is over 1 MB ($biggest bytes)" ||
    fail "a shard's part of a 3,000-level model is $biggest bytes"

# Evaluation states merged with --model-state: the fit must be the one they were
# evaluated with (another went unnoticed: the option was ignored).
states=$(awk '{ print $1 ".state" }' "$TMP/wd/offsets")
# shellcheck disable=SC2086
expect_status 0 "evaluation states with their own fit: merged" "$OPE" merge $states \
    --model-state "$TMP/fit.state" -f json
rm -f "$TMP/other.fit"
# shellcheck disable=SC2086
"$OPE" eval "$TMP/wd/0.csv" --save-state "$TMP/o.part" --model-state "$TMP/other.fit" \
    --force -q $W 2>/dev/null && "$OPE" merge "$TMP/o.part" --model-state "$TMP/other.fit" \
    -q >/dev/null 2>&1
# shellcheck disable=SC2086
expect_status 65 "... with another fit: 65" "$OPE" merge $states --model-state "$TMP/other.fit"
expect_grep "$TMP/err" "but the states were evaluated with the fit" "... naming both fits"
# shellcheck disable=SC2086
expect_status 66 "... with a fit that does not exist: 66" "$OPE" merge $states \
    --model-state "$TMP/none.fit"
# Two of the three shards' states with their fit: the model saw the third shard's rows,
# so the result would be neither the whole log's nor theirs.
# shellcheck disable=SC2046,SC2086
expect_status 65 "... two of the fit's three shards: 65" "$OPE" merge \
    $(echo $states | cut -d' ' -f1,2) --model-state "$TMP/fit.state"
expect_grep "$TMP/err" "made from 3 shards, and 2 states are merged: the shard at row" \
    "... naming the shard left out"
# Without --model-state that is not known: merged, with a warning that says so.
# shellcheck disable=SC2086
expect_status 0 "... the states without --model-state: merged" "$OPE" merge $states -f json
expect_grep "$TMP/out" "give ope merge --model-state FIT to check that every shard it was made from is merged" \
    "... with a warning that the shards are not checked"
"$OPE" eval "$TMP/wd/0.csv" --save-state "$TMP/plain.state" --estimators ipw --ci t --force \
    -q 2>/dev/null
expect_status 0 "states made without a fit, given --model-state: merged" "$OPE" merge \
    "$TMP/plain.state" --model-state "$TMP/fit.state"
expect_grep "$TMP/out" "--model-state $TMP/fit.state is not used: these states were evaluated without" \
    "... saying the option is not used"

# A round merged with standard output closed: 73, and said on standard error that the
# fit moved on all the same (a retry is told its parts are of an earlier round).
rm -f "$TMP/c.fit"
# shellcheck disable=SC2086
"$OPE" eval "$TMP/wd/0.csv" --save-state "$TMP/c.part" --model-state "$TMP/c.fit" --force \
    -q $W 2>/dev/null
"$OPE" merge "$TMP/c.part" --model-state "$TMP/c.fit" >&- 2>"$TMP/err"
[ $? -eq 73 ] && [ -s "$TMP/c.fit" ] && pass "a round with standard output closed: 73, the fit written" ||
    fail "a round with standard output closed"
expect_grep "$TMP/err" "merged pass 1 of the reward model's fit (model: means), but standard output could not be written" \
    "... saying the pass was merged"

# --model-state naming a symbolic link: ope merge would refuse to replace it after the
# round's shards had all run, so every shard refuses it at once (64).
ln -s "$TMP/fit.state" "$TMP/link.fit"
rm -f "$TMP/l.part"
# shellcheck disable=SC2086
expect_status 64 "--model-state a symbolic link: 64 before the shard runs" "$OPE" eval \
    "$TMP/wd/0.csv" --save-state "$TMP/l.part" --model-state "$TMP/link.fit" --force -q $W
expect_grep "$TMP/err" "link.fit: a symbolic link; ope merge replaces the fit's state by a rename" \
    "... saying why"
[ ! -e "$TMP/l.part" ] && pass "... and no part saved" || fail "a part was saved"
done_testing
