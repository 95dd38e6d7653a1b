#!/bin/sh
# t/0356-plan-stream.sh: `ope plan` on a log read in windows (issue 17): --stream, or a
# log past --memory-limit, is evaluated as ope eval --stream evaluates it, and the
# plan (from the estimates' t-interval spreads) is the one of the log read whole.
# --explore sums over the kept log's rows: with --stream refused (64), past
# --memory-limit the log is read whole as before. A trajectory log's estimators left
# out by the stream's default list are said on standard error (the plan's table has no
# place for it).
. "$OPE_SRCDIR/t/lib.sh"
plan 7
close="$OPE_BUILDDIR/t/jsonclose"
OPE_TEST_WINDOW=4096
export OPE_TEST_WINDOW

"$OPE" gen bandit --rows 20000 --actions 4 --seed 6 --policies softmax:2,uniform -q \
    -o "$TMP/b.csv" || exit 1
"$OPE" plan "$TMP/b.csv" --width 0.01 -f json > "$TMP/whole.json" 2>/dev/null
"$OPE" plan "$TMP/b.csv" --width 0.01 --stream -f json > "$TMP/win.json" 2>"$TMP/err"
if grep -q '"rows_for_width"' "$TMP/whole.json" &&
   "$close" "$TMP/whole.json" "$TMP/win.json" 2>"$TMP/why"; then
    pass "a bandit log with --stream: the plan of the log read whole"
else fail "bandit --stream"; diag "$(cat "$TMP/why" "$TMP/err")" "$(head -c 300 "$TMP/whole.json")"; fi

"$OPE" gen mdp riverswim --episodes 9000 --horizon 8 --seed 2 -q -o "$TMP/t.csv" || exit 1
P="--estimators tis,wpdis,dr --policy mix100 --policy mix78 -f json"
# shellcheck disable=SC2086
"$OPE" plan "$TMP/t.csv" $P > "$TMP/tw.json" 2>/dev/null
# shellcheck disable=SC2086
"$OPE" plan "$TMP/t.csv" $P --memory-limit 100K > "$TMP/ts.json" 2>"$TMP/err"
if "$close" "$TMP/tw.json" "$TMP/ts.json" 2>"$TMP/why"; then
    pass "a trajectory log past --memory-limit: streamed, the same plan"
else fail "trajectory past --memory-limit"; diag "$(cat "$TMP/why" "$TMP/err")"; fi
"$OPE" plan "$TMP/t.csv" --stream > /dev/null 2>"$TMP/err"
expect_grep "$TMP/err" "ope plan: warning: dm, dr, wdr and mis left out: read in windows" \
    "the stream's default estimators: those left out are said"

expect_status 64 "--explore with --stream: refused (64)" "$OPE" plan "$TMP/b.csv" --stream \
    --explore 0.1
expect_grep "$TMP/err" "--explore reads the log's rows after the evaluation" "says why"
expect_status 64 "--risk: refused (a plan shows no distributions)" "$OPE" plan "$TMP/t.csv" \
    --risk --stream
"$OPE" plan "$TMP/b.csv" --explore 0.1 --memory-limit 10K -f json > "$TMP/ex.json" 2>"$TMP/err"
if grep -q '"explore"' "$TMP/ex.json"; then
    pass "--explore past --memory-limit: read whole, explored"
else fail "--explore past --memory-limit"; diag "$(head -c 300 "$TMP/ex.json" "$TMP/err")"; fi
done_testing
