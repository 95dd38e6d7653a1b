#!/bin/sh
# t/0388-shard-numerics.sh: `ope merge` against one `ope eval --stream` on logs that
# strain the merged sd (sd^2 = v' C v from the shards' co-moments, evstream_state.c):
# importance weights of 10^6 (pscore 1e-6 on a row in 997) and rewards all equal (sd
# 0 for the lift of several estimators) agree to 1e-9 relative (seen: 1e-13). Rewards
# offset by 10^6 make snipw's terms (w r, w) nearly proportional: from the raw terms'
# co-moments v' C v cancelled 13 digits and the merged sd was 3% (snipw) to 9% (sndr)
# off the single run's (a difference's half-width 40%). Each shard now keeps its own
# contribution in place of one of the terms (struct evs_basis), so the sd comes from
# well-conditioned moments: merged = streamed to 1e-8 (the lifts are differences of
# numbers near 10^6 whose last bits differ with the grouping of the sums: 1e-10
# absolute, 1e-9 relative), and no warning of lost digits.
. "$OPE_SRCDIR/t/lib.sh"
close="$OPE_BUILDDIR/t/jsonclose"
plan 5

"$OPE" gen bandit --rows 6000 --actions 4 --seed 5 -q -o "$TMP/raw.csv" || exit 1
awk -F, 'BEGIN { OFS = "," } NR > 1 && NR % 997 == 0 { $3 = 1e-6 } { print }' \
    "$TMP/raw.csv" > "$TMP/tinyp.csv"
awk -F, 'BEGIN { OFS = "," } NR > 1 { $2 = 1 } { print }' "$TMP/raw.csv" > "$TMP/equal.csv"
awk -F, 'BEGIN { OFS = "," } NR > 1 { $2 = $2 + 1e6 } { print }' "$TMP/raw.csv" > "$TMP/offset.csv"

# shards LOG: LOG's rows 0-2999 and 3000-5999 saved and merged into $TMP/merged,
# LOG streamed whole into $TMP/whole (JSON, --ci t), the paths and digests blanked.
norm() { sed 's/"path":"[^"]*","sha256":"[^"]*"/"path":"-","sha256":"-"/' "$1"; }
shards() {
    rm -f "$TMP/s0.state" "$TMP/s1.state"
    head -3001 "$1" > "$TMP/s0.csv"
    { head -1 "$1"; tail -n +3002 "$1"; } > "$TMP/s1.csv"
    # (the estimators without a reward model: a shard fits none, a whole run does)
    e=ipw,snipw,sg-ipw,rm
    "$OPE" eval "$TMP/s0.csv" --save-state "$TMP/s0.state" --row-offset 0 --ci t -q \
        --estimators $e &&
    "$OPE" eval "$TMP/s1.csv" --save-state "$TMP/s1.state" --row-offset 3000 --ci t -q \
        --estimators $e &&
    "$OPE" merge "$TMP/s1.state" "$TMP/s0.state" -f json > "$TMP/m.json" &&
    "$OPE" eval "$1" --stream --ci t --estimators $e -f json > "$TMP/w.json" || return 1
    norm "$TMP/m.json" > "$TMP/merged"
    norm "$TMP/w.json" > "$TMP/whole"
}
# same LOG DESC [SED [TOL]]: merged = streamed to TOL (1e-9), both texts passed
# through SED first.
same() {
    if shards "$TMP/$1.csv" 2>"$TMP/err" && sed -E "${3:-p;d}" "$TMP/merged" > "$TMP/a" &&
        sed -E "${3:-p;d}" "$TMP/whole" > "$TMP/b" &&
        "$close" "$TMP/a" "$TMP/b" "${4:-1e-9}" 2>"$TMP/cmp"
    then pass "$2"; else fail "$2"; diag "$(cat "$TMP/err" "$TMP/cmp" | head -c 600)"; fi
}
same tinyp "weights up to 10^6: merged = streamed to 1e-9"
# Where the single run's sd is 0 (snipw's contributions are all 1 when every reward
# is: so are the differences between policies), v' C v leaves rounding: an interval of
# +-4e-10 around a difference of 0. Numbers below 1e-9 in size count as 0 here, and
# the merge's warning that those differences' sd is rounding alone (true: it is 0) is
# left out.
same equal "rewards all equal (sd 0): merged = streamed to 1e-9 (to 1e-9 absolute near 0)" \
    's/-?[0-9.]+e-(09|[1-9][0-9]|[1-3][0-9][0-9])([^0-9]|$)/0\2/g; s/"merged from shards[^"]*",?//g'

same offset "rewards + 10^6: merged = streamed to 1e-8" "p;d" 1e-8
if grep -q "lost more than 6" "$TMP/merged"; then fail "... with no warning of lost digits"
    diag "$(grep -o 'merged from shards[^"]*' "$TMP/merged" | head -2)"
else pass "... with no warning of lost digits"; fi
if grep -q "lost more than 6" "$TMP/whole"; then fail "the single run has no such warning"
else pass "the single run has no such warning"; fi
done_testing
