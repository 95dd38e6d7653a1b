#!/bin/sh
# t/1340-train-pg.sh: `ope train ALGO --env` and `ope train --compare` from the command
# line: the help listing, the policy file and curve CSV, the summary's agreement with
# the curve, seeds and threads, offline data for HNPG, CoPG, the learning-curve chart,
# the Train view, and every usage / data / write / interrupt error with its status.
. "$OPE_SRCDIR/t/lib.sh"
plan 36

expect_status 0 "help runs" "$OPE" help train
for a in reinforce npg npg-igt hnpg props copg; do
    expect_grep "$TMP/out" "  $a " "help lists $a"
done
expect_grep "$TMP/out" "Fatkhullin, Barakat, Kireeva & He, ICML 2023" "help cites N-PG-IGT"
expect_grep "$TMP/out" "Zhou, Sekhari, Song & Sun, ICLR 2024" "help cites HNPG"

cd "$TMP" || exit 1
expect_status 0 "reinforce on riverswim writes a policy and its curve" \
    "$OPE" train reinforce --env riverswim --iterations 50 -q -o pol.csv
expect_status 0 "the policy file loads as a behaviour policy (S = 6, A = 2, rows sum to 1)" \
    "$OPE" gen mdp riverswim --behavior file:pol.csv --episodes 5 -q -o x.csv
# 50 updates: rows for iterations 0..50 after the header.
[ "$(wc -l < pol_curve.csv)" -eq 52 ] && pass "the curve next to -o has 51 rows" ||
    fail "pol_curve.csv has $(wc -l < pol_curve.csv) lines"
expect_grep pol_curve.csv "algorithm,run,iteration,true_value,grad_norm,samples" "curve header"
# The table's final value (6 digits) is the curve's last true value: the same number.
"$OPE" train reinforce --env riverswim --iterations 50 -q --curve c1.csv > t1.txt
last=$(tail -n 1 c1.csv | cut -d, -f4)
table=$(awk '$1 == "reinforce" && $2 ~ /^[0-9]+$/ { print $4 }' t1.txt)
awk -v a="$last" -v b="$table" 'BEGIN { exit !(a - b < 1e-5 * b && b - a < 1e-5 * b) }' &&
    pass "summary final value = last true_value of the curve ($table)" ||
    fail "summary $table, curve $last"
# Row 0 is the uniform policy: no gradient yet (empty cell), no samples.
expect_grep c1.csv "reinforce,0,0,0.04378902313724" "row 0: the uniform policy's exact value"

# Run r uses seed S + r: --seed 3 alone repeats run 2 of --seed 1 --runs 3.
"$OPE" train npg --env riverswim --iterations 20 --seed 1 --runs 3 -q --curve c3.csv >/dev/null
"$OPE" train npg --env riverswim --iterations 20 --seed 3 -q --curve c4.csv >/dev/null
grep '^npg,2,' c3.csv | cut -d, -f3- > a.txt
grep '^npg,0,' c4.csv | cut -d, -f3- > b.txt
cmp -s a.txt b.txt && pass "run r of seed S = run 0 of seed S + r" || fail "seeds differ"
"$OPE" train hnpg --env riverswim --iterations 20 --runs 4 --threads 1 -q --curve t1.csv >/dev/null
"$OPE" train hnpg --env riverswim --iterations 20 --runs 4 --threads 4 -q --curve t4.csv >/dev/null
cmp -s t1.csv t4.csv && pass "curves do not depend on the thread count" || fail "threads differ"

# HNPG with offline data on the hard chain (t/1330 has the seeds and the comparison).
"$OPE" gen mdp chain n=8 actions=4 --behavior mix:0.5 --episodes 100 -q -o off.csv
expect_status 0 "hnpg --offline on the chain" "$OPE" train hnpg --env chain n=8 actions=4 \
    --offline off.csv --iterations 50
v=$(awk '$1 == "hnpg" && $2 ~ /^[0-9]+$/ { print $4 }' "$TMP/out")
awk -v v="$v" 'BEGIN { exit !(v > 0.9 * 13) }' && pass "it reaches 90% of V* = 13 ($v)" ||
    fail "hnpg with offline data: $v"

expect_status 0 "--compare runs every algorithm on the same seeds" "$OPE" train --compare \
    --env riverswim --episodes 400 --runs 2 -q -o curves.csv
for a in reinforce npg npg-igt hnpg props; do grep -q "^$a,1," curves.csv || miss=$a; done
[ -z "$miss" ] && pass "the compare curves have every algorithm and both runs" ||
    fail "no curve for $miss"
expect_grep "$TMP/out" "sampling error" "the summary shows PROPS's sampling error"
expect_status 0 "copg on its toy bandit" "$OPE" train copg --iterations 300 -q -o copg.csv
expect_grep copg.csv "state,p.0,p.1,p.2,p.3,p.4,p.5,p.6,p.7,p.8,p.9" "copg: a 1-state policy file"

if "$OPE" plot train curves.csv --term dumb > plot.txt 2>&1; then
    grep -q "environment steps sampled" plot.txt && pass "ope plot train draws the curves" ||
        fail "ope plot train: $(head -c 300 plot.txt)"
else
    skip "gnuplot is not available"
fi

expect_status 64 "--env is required" "$OPE" train npg --iterations 5
expect_status 64 "unknown environment" "$OPE" train npg --env nowhere
expect_status 64 "--exact is for reinforce and npg" "$OPE" train hnpg --env riverswim --exact
expect_status 64 "props is tabular only" "$OPE" train props --env riverswim --policy linear:2
expect_status 64 "a bad --policy" "$OPE" train npg --env riverswim --policy linear:0
expect_status 66 "a missing offline file" "$OPE" train hnpg --env riverswim --offline nope.csv
expect_status 65 "offline data from another environment" "$OPE" train hnpg --env riverswim \
    --offline off.csv
expect_grep "$TMP/err" "off.csv:" "the message names the file and line"
expect_status 73 "an existing -o without --force" "$OPE" train npg --env riverswim \
    --iterations 2 -q -o pol.csv
OPE_TEST_WRITE_LIMIT=10 "$OPE" train npg --env riverswim --iterations 2 -q --curve w.csv \
    >/dev/null 2>&1
st=$?
[ $st -eq 73 ] && [ ! -e w.csv ] && pass "a failed write: status 73, no partial file" ||
    fail "write failure: status $st"
timeout --preserve-status -s INT 0.5 "$OPE" train npg-igt --env riverswim \
    --iterations 4000000 -q >/dev/null 2>&1
st=$?
[ $st -eq 130 ] && pass "SIGINT cancels a long run (status 130)" || fail "SIGINT: status $st"
done_testing
