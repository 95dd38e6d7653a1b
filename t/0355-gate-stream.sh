#!/bin/sh
# t/0355-gate-stream.sh: `ope gate` on a log read in windows (issue 17): --stream, or
# a log past --memory-limit, is evaluated as ope eval --stream evaluates it, and each
# of Holm's rounds after the first reads the file again (the same bytes, checked by
# SHA-256), so the verdicts and their JSON are those of the log read whole. Standard
# input cannot be read again: refused (64) when a second round comes, and gating one
# policy from it streams. --sequential reads rows as they come: --stream with it is
# refused (64).
. "$OPE_SRCDIR/t/lib.sh"
plan 10
close="$OPE_BUILDDIR/t/jsonclose"
OPE_TEST_WINDOW=4096
export OPE_TEST_WINDOW

# Three candidates on 30,000 rows: softmax2 passes in the first round (alpha / 3), so
# a second round (alpha / 2) is needed for the other two.
"$OPE" gen bandit --rows 30000 --actions 4 --seed 3 --policies softmax:2,softmax:1,uniform \
    -q -o "$TMP/b.csv" || exit 1
G="--policy softmax2 --policy softmax1 --policy uniform --estimator dr -f json"
# shellcheck disable=SC2086
"$OPE" gate "$TMP/b.csv" $G > "$TMP/whole.json" 2>/dev/null
if grep -q '"name":"softmax2","verdict":"pass"' "$TMP/whole.json" &&
   grep -q '"name":"softmax1","verdict":"fail"' "$TMP/whole.json"; then
    pass "read whole: softmax2 passes the first round, the others are tested again"
else fail "the whole log's verdicts"; diag "$(head -c 600 "$TMP/whole.json")"; fi
# shellcheck disable=SC2086
"$OPE" gate "$TMP/b.csv" $G --stream > "$TMP/win.json" 2>"$TMP/err"
if "$close" "$TMP/whole.json" "$TMP/win.json" 2>"$TMP/why"; then
    pass "--stream, two rounds (the file read again): the same JSON"
else fail "--stream"; diag "$(cat "$TMP/why" "$TMP/err")"; fi
# shellcheck disable=SC2086
"$OPE" gate "$TMP/b.csv" $G --memory-limit 100K > "$TMP/lim.json" 2>"$TMP/err"
if "$close" "$TMP/whole.json" "$TMP/lim.json" 2>"$TMP/why"; then
    pass "past --memory-limit: streamed, the same JSON"
else fail "past --memory-limit"; diag "$(cat "$TMP/why" "$TMP/err")"; fi

# A trajectory log: the windows of episodes.
"$OPE" gen mdp riverswim --episodes 9000 --horizon 8 --seed 2 -q -o "$TMP/t.csv" || exit 1
T="--policy mix100 --policy mix78 --policy mix33 --estimator wdr --estimators wdr,dr -f json"
# shellcheck disable=SC2086
"$OPE" gate "$TMP/t.csv" $T > "$TMP/tw.json" 2>/dev/null
# shellcheck disable=SC2086
"$OPE" gate "$TMP/t.csv" $T --stream > "$TMP/ts.json" 2>"$TMP/err"
if grep -q '"verdict":"pass"' "$TMP/tw.json" && "$close" "$TMP/tw.json" "$TMP/ts.json" 2>"$TMP/why"
then pass "a trajectory log with --stream: the same JSON"
else fail "a trajectory log with --stream"; diag "$(cat "$TMP/why" "$TMP/err")"; fi

# shellcheck disable=SC2086
expect_status 64 "standard input, a second round: refused (64)" "$OPE" gate - $G --stream \
    < "$TMP/b.csv"
expect_grep "$TMP/err" "which standard input or a pipe cannot give: save it to a file" \
    "says why, and what to do"
expect_status 64 "--sequential with --stream: refused (64)" "$OPE" gate "$TMP/b.csv" \
    --policy softmax1 --sequential --stream
# A gate shows no return distributions: --risk would only keep every episode's return.
expect_status 64 "--risk: refused (64)" "$OPE" gate "$TMP/t.csv" --policy mix100 --risk --stream
# --require-agreement runs the default list, which streamed has no dr (the gate's
# default estimator): said, with the fix.
expect_status 64 "--require-agreement on a streamed trajectory log, no dr: 64" "$OPE" gate \
    "$TMP/t.csv" --policy mix100 --stream --require-agreement 2
expect_grep "$TMP/err" "add it, e.g. --estimators tis,pdis,wtis,wpdis,dr, or gate on" \
    "... saying how to add it"
done_testing
