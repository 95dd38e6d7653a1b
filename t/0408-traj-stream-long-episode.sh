#!/bin/sh
# t/0408-traj-stream-long-episode.sh: a trajectory log streamed in windows with one
# episode of 600 steps among episodes of 20. A policy that disagrees with the logger
# gives that episode weights below the smallest normal double (1e-310 and less), and
# the co-moments behind a self-normalised estimator's se scale each variable by a
# power of 2 near its largest magnitude: 2^1062 there, past a double, made the scale
# infinite and wpdis's se 0 in the stream, silently (found by an attack with bad
# input). The scale is now capped at 2^1000, and the streamed JSON must equal the
# in-memory one (t/jsonclose, 1e-12), with --ci bootstrap (the co-moments' se) and
# --ci t (the second pass's). A shard's state held those co-moments as NaN, and its
# merge refused it as damaged: the merge of the log's one shard must now be the
# in-memory result.
. "$OPE_SRCDIR/t/lib.sh"
cd "$TMP" || exit 1
plan 5
close="$OPE_BUILDDIR/t/jsonclose"

$OPE gen mdp riverswim --episodes 300 --seed 1 -q -o t.csv || exit 1
# Episodes 100..129 made one episode of 600 steps, not done until its end.
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "episode") ce = i;
        if ($i == "step") cs = i; if ($i == "done") cd = i } print; next }
    { if ($ce >= 100 && $ce < 130) { $ce = 100; $cs = k++; if (cd) $cd = 0 } print }' \
    t.csv > long.csv
n=$(awk -F, 'NR > 1 && $1 == 100' long.csv | wc -l)
[ "$n" -eq 600 ] || diag "episode 100 has $n steps, not 600"
for ci in bootstrap t; do
    $OPE eval long.csv --estimators wtis,wpdis --ci $ci --n-boot 50 -f json > mem.json 2>/dev/null
    $OPE eval long.csv --estimators wtis,wpdis --ci $ci --n-boot 50 --stream -f json \
        > str.json 2>/dev/null
    if [ -s mem.json ] && "$close" mem.json str.json 2> cmp; then
        pass "--ci $ci: the stream's JSON is the in-memory one"
    else fail "--ci $ci: the stream's JSON is the in-memory one"; diag "$(cat cmp)"; fi
done
# Some se of the bootstrap run is that of weights below 1e-300 (not a trivial check).
$OPE eval long.csv --estimators wpdis --ci bootstrap --n-boot 50 --stream -f json > s.json 2>/dev/null
grep -q '"se":0[,}]' s.json && fail "no se of 0" || pass "no se of 0"
$OPE eval t.csv --estimators wpdis --ci bootstrap --n-boot 50 -f json > short.json 2>/dev/null
cmp -s short.json s.json && fail "the long episode changes the result" ||
    pass "the long episode changes the result"
$OPE eval long.csv --estimators wtis,wpdis --ci bootstrap --n-boot 50 -f json > mem.json 2>/dev/null
$OPE eval long.csv --estimators wtis,wpdis --ci bootstrap --n-boot 50 --save-state l.state -q \
    2>/dev/null
$OPE merge l.state -f json > merged.json 2> err
if [ -s mem.json ] && "$close" mem.json merged.json 2> cmp; then
    pass "its one shard's state merges to the in-memory JSON"
else fail "its one shard's state merges to the in-memory JSON"; diag "$(cat err cmp)"; fi
