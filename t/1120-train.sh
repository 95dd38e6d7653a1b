#!/bin/sh
# t/1120-train.sh: `ope train` from the command line: policy files that load, columns
# appended to a log that `ope info`, `ope eval` and `ope select` accept, the help
# listing, and every usage / data / write error with its exit status.
. "$OPE_SRCDIR/t/lib.sh"

"$OPE" gen mdp dirichlet --behavior eps:0.3 --episodes 300 --candidates 3 -q \
    -o "$TMP/log.csv" --truth "$TMP/truth.csv" || { echo "Bail out! gen mdp failed"; exit 1; }

expect_status 0 "help lists the algorithms" "$OPE" help train
for a in bc fqi cevi prdc; do expect_grep "$TMP/out" "  $a " "help lists $a"; done
expect_grep "$TMP/out" "Ran, Li, Zhang, Zhang & Yu, ICML 2023" "help cites PRDC"

expect_status 0 "cevi -o with candidates" "$OPE" train cevi --data "$TMP/log.csv" \
    --pessimism 0.5 --candidates 0,0.5 -o "$TMP/cevi.csv" --env dirichlet -q
expect_grep "$TMP/out" "exact value" "--env prints the exact value of each policy"
# The written files are policy files: gen mdp reads them as a behaviour policy (and
# checks S = 10, A = 3 and every row's sum).
expect_status 0 "the policy file loads" "$OPE" gen mdp dirichlet \
    --behavior "file:$TMP/cevi.csv" --episodes 5 -q -o "$TMP/x.csv"
expect_status 0 "the T = 0.5 candidate loads" "$OPE" gen mdp dirichlet \
    --behavior "file:$TMP/cevi_t0p5.csv" --episodes 5 -q -o "$TMP/y.csv"

cp "$TMP/log.csv" "$TMP/orig.csv"
ok=0
for a in bc fqi cevi prdc; do
    "$OPE" train $a --data "$TMP/log.csv" --append-to "$TMP/log.csv" --name "t$a" -q \
        --iterations 50 2>"$TMP/err" || { ok=1; cat "$TMP/err"; }
done
[ $ok -eq 0 ] && pass "four algorithms append pi.NAME.* columns" || fail "append failed"
expect_status 0 "ope info accepts the grown log" "$OPE" info "$TMP/log.csv"
expect_grep "$TMP/out" "tprdc" "ope info lists the new policy"
expect_status 0 "ope eval runs on it" "$OPE" eval "$TMP/log.csv" --estimators pdis,wpdis \
    --ci none --policy tcevi --policy tbc
expect_status 0 "ope select ranks the trained candidates" "$OPE" select "$TMP/log.csv" \
    --estimators wpdis --ci none
expect_grep "$TMP/out" "tfqi" "the selection lists them"

expect_status 64 "a name already in the log is refused" "$OPE" train bc \
    --data "$TMP/orig.csv" --append-to "$TMP/log.csv" --name tbc
expect_status 64 "an unknown algorithm is a usage error" "$OPE" train nope \
    --data "$TMP/orig.csv" -o "$TMP/n.csv"
expect_status 73 "an existing -o file needs --force" "$OPE" train bc \
    --data "$TMP/orig.csv" -o "$TMP/cevi.csv"
# A write that fails midway leaves the appended-to log exactly as it was.
cp "$TMP/orig.csv" "$TMP/w.csv"
OPE_TEST_WRITE_LIMIT=1000 "$OPE" train bc --data "$TMP/orig.csv" --append-to "$TMP/w.csv" \
    --name w -q 2>"$TMP/err"; st=$?
if [ $st -eq 73 ] && cmp -s "$TMP/w.csv" "$TMP/orig.csv"; then
    pass "a failed write exits 73 and leaves the log untouched"
else fail "failed write: status $st"; cat "$TMP/err"; fi

# --truth: exact values of the trained policies appended to the truth file, so that
# `ope select` scores them against the truth (the offline loop of the README).
cp "$TMP/orig.csv" "$TMP/loop.csv"; cp "$TMP/truth.csv" "$TMP/loop-truth.csv"
expect_status 0 "train fqi --truth" "$OPE" train fqi --data "$TMP/loop.csv" --append-to "$TMP/loop.csv" \
    --name fqi --candidates 1 --env dirichlet --truth "$TMP/loop-truth.csv" -q
grep -q '^fqi,' "$TMP/loop-truth.csv" && grep -q '^fqi_t1,' "$TMP/loop-truth.csv" \
    && pass "truth rows for the learned policy and its candidate" || fail "truth rows missing"
expect_status 0 "select scores the trained policies" "$OPE" select "$TMP/loop.csv" --truth "$TMP/loop-truth.csv" --format json
expect_grep "$TMP/out" '"fqi_t1":' "the trained candidate is ranked"
cp "$TMP/loop-truth.csv" "$TMP/before.csv"
expect_status 64 "a name the truth file lists is refused" "$OPE" train bc --data "$TMP/orig.csv" \
    --name fqi -o "$TMP/notwritten.csv" --env dirichlet --truth "$TMP/loop-truth.csv" -q
[ ! -e "$TMP/notwritten.csv" ] && cmp -s "$TMP/before.csv" "$TMP/loop-truth.csv" \
    && pass "nothing written when the truth file refuses" || fail "outputs written despite the refusal"
expect_status 64 "--truth without --env" "$OPE" train bc --data "$TMP/orig.csv" -o "$TMP/x.csv" --truth "$TMP/t2.csv"

# A state never logged with --pessimism: every action scores -inf there; the policy is
# uniform in that state (never NaN) at every temperature.
printf 'episode,step,state,action,reward,pscore,done\n0,0,0,0,1,0.5,0\n0,1,2,1,0,0.5,1\n1,0,0,1,0,0.5,0\n1,1,2,0,1,0.5,1\n' > "$TMP/hole.csv"
expect_status 0 "cevi with a never-logged state" "$OPE" train cevi --data "$TMP/hole.csv" --pessimism 1 --candidates 1 -o "$TMP/hole-pol.csv" -q
grep -qi nan "$TMP/hole-pol.csv" "$TMP/hole-pol_t1.csv" && fail "NaN in a policy file" || pass "no NaN in the policy files"
grep -q '^1,0.5,0.5$' "$TMP/hole-pol_t1.csv" && pass "the unlogged state is uniform" || fail "unlogged state: $(grep '^1,' "$TMP/hole-pol_t1.csv")"
# Refusals come before the first write: an existing variant file leaves no -o file.
: > "$TMP/var_t1.csv"
expect_status 73 "an existing variant file is refused" "$OPE" train bc --data "$TMP/hole.csv" -o "$TMP/var.csv" --candidates 1 -q
[ ! -e "$TMP/var.csv" ] && pass "... and nothing else was written" || fail "var.csv written before the refusal"

# prdc-lqr: PRDC's continuous case on the 1-D LQR at several beta. The values are exact
# (Lyapunov), so the checks are facts about the learned gains, not about noise: no
# policy beats the Riccati optimum, and on mixed data PRDC at every beta is closer to it
# than behaviour cloning, which averages the good and the uncontrolled episodes.
expect_status 0 "prdc-lqr runs" "$OPE" train prdc-lqr --betas 1,2,4 --format csv
[ "$(wc -l < "$TMP/out")" -eq 6 ] && pass "csv: header + bc + 3 beta + unregularised" || fail "csv rows $(wc -l < "$TMP/out")"
awk -F, 'NR > 1 && $5 < -1e-12 { bad = 1 } END { exit bad }' "$TMP/out" \
    && pass "no gap below 0: nothing beats the Riccati optimum" || fail "negative gap"
awk -F, '$1 == "behaviour clone" { bc = $4 } $1 == "prdc" { if (p == "" || $4 < p) p = $4 }
         END { exit !(p > bc) }' "$TMP/out" \
    && pass "every PRDC beta beats behaviour cloning's true value" || fail "prdc not above bc"
expect_status 0 "prdc-lqr table" "$OPE" train prdc-lqr --episodes 50
expect_grep "$TMP/out" "optimal gain" "names the optimum"
expect_grep "$TMP/out" "mean NN dist" "reports the nearest-neighbour distance"
expect_status 0 "prdc-lqr json" "$OPE" train prdc-lqr --episodes 50 --format json
expect_grep "$TMP/out" '"optimal_value":' "json carries the optimum"
expect_status 64 "prdc-lqr: bad --betas" "$OPE" train prdc-lqr --betas 1,-2
expect_status 64 "prdc-lqr: stray argument" "$OPE" train prdc-lqr extra
done_testing
