#!/bin/sh
# t/0528-plan.sh: `ope plan` (issue "From estimates to decisions", item 4): the rows an
# estimate needs for a target width, checked by simulation -- a log of the planned size
# drawn from the same generator gives about the planned width (the issue asks within
# 15%) -- plus the lift formula, the exploration what-if and the refusals.
. "$OPE_SRCDIR/t/lib.sh"

$OPE gen bandit -n 2000 -s 1 -q -o "$TMP/a.csv"
expect_status 0 "plan" $OPE plan "$TMP/a.csv" --policy greedy --estimators ipw,dr \
    --width 0.05 -f csv
# policy,estimator,sd,half_width,rows_for_width,lift,lift_target,rows_for_lift
cp "$TMP/out" "$TMP/plan.csv"
# n_W = 2000 (half / 0.025)^2, computed here from the printed half-width.
awk -F, 'NR > 1 { w = 2000 * ($4 / 0.025) ^ 2; if (w != int(w)) w = int(w) + 1;
                  if ($5 != w) bad = 1 } END { exit bad }' "$TMP/plan.csv" &&
    pass "rows for width = n (half / (W/2))^2" || fail "rows for width"
# Lift: ((z_0.95 + z_0.8) sd_lift / lift)^2 with z_0.95 = 1.644854, z_0.8 = 0.841621;
# sd_lift is not printed, so check the scaling instead: --lift halved -> rows x 4.
$OPE plan "$TMP/a.csv" --policy greedy --estimators dr --lift 0.1 -f csv -q > "$TMP/l1.csv"
$OPE plan "$TMP/a.csv" --policy greedy --estimators dr --lift 0.05 -f csv -q > "$TMP/l2.csv"
r1=$(awk -F, 'NR == 2 { print $8 }' "$TMP/l1.csv"); r2=$(awk -F, 'NR == 2 { print $8 }' "$TMP/l2.csv")
awk -v a="$r1" -v b="$r2" 'BEGIN { exit !(b >= 4 * a - 4 && b <= 4 * a + 4) }' &&
    pass "rows to detect a lift scale as 1/lift^2 ($r1, $r2)" || fail "lift scaling ($r1, $r2)"

# The simulation: for each estimator, a log of the planned size (seed 2, the same
# generator) is evaluated with t intervals; its greedy interval's full width must be
# within 15% of the 0.05 planned (the width's own sampling spread at these sizes is a
# few percent: the sd of a sample sd is about sd / sqrt(2n)).
for est in ipw dr; do
    rows=$(awk -F, -v e=$est 'NR > 1 && $2 == e { print $5 }' "$TMP/plan.csv")
    $OPE gen bandit -n "$rows" -s 2 -q -o "$TMP/b.csv" --force
    $OPE eval "$TMP/b.csv" --policy greedy --estimators $est --ci t -f csv -q > "$TMP/e.csv"
    w=$(awk -F, 'NR == 2 { print $6 - $5 }' "$TMP/e.csv")
    awk -v w="$w" 'BEGIN { exit !(w > 0.05 * 0.85 && w < 0.05 * 1.15) }' &&
        pass "$est: a log of the planned $rows rows gives width $w (planned 0.05)" ||
        fail "$est: a log of the planned $rows rows gives width $w (planned 0.05)"
done

expect_status 0 "table with --explore" $OPE plan "$TMP/a.csv" --policy greedy --estimators ipw \
    --explore 0.1,0.5
expect_grep "$TMP/out" "ipw if the log had been collected by (1 - eps) pi_b + eps pi_e" \
    "the exploration what-if is shown"
# More exploration towards the candidate never needs more rows for ipw here: its
# weights pi_e / mu' shrink as mu' moves towards pi_e.
awk '/^  greedy +0.1 /{a=$4} /^  greedy +0.5 /{b=$4} END { exit !(a > 0 && b > 0 && b <= a) }' \
    "$TMP/out" && pass "more exploration, fewer rows" || fail "more exploration, fewer rows"
expect_status 0 "json" $OPE plan "$TMP/a.csv" --policy greedy --estimators dr --width 0.05 -f json
expect_grep "$TMP/out" '"command":"plan"' "json"
expect_status 64 "--ci hoeffding" $OPE plan "$TMP/a.csv" --ci hoeffding
expect_status 64 "--width 0" $OPE plan "$TMP/a.csv" --width 0
expect_status 64 "--explore 2" $OPE plan "$TMP/a.csv" --explore 2
$OPE gen mdp riverswim --episodes 200 --candidates 2 --seed 1 -q -o "$TMP/t.csv"
expect_status 0 "trajectories: episodes" $OPE plan "$TMP/t.csv" --estimators pdis --width 0.5
expect_grep "$TMP/out" "200 episodes" "... counted in episodes"
expect_status 64 "--explore on trajectories" $OPE plan "$TMP/t.csv" --explore 0.1
done_testing
