#!/bin/sh
# t/0730-gen-mdp.sh: `ope gen mdp`: the trajectory CSV obeys the trajectory rules of
# formats.md, the truth file's behavior row matches the on-policy mean return, output
# is deterministic per seed (and thread count), and bad usage / failed writes behave.
. "$OPE_SRCDIR/t/lib.sh"
plan 40

expect_status 0 "--list exits 0" "$OPE" gen mdp --list
for e in riverswim chain gridworld dirichlet; do
    expect_grep "$TMP/out" "$e:" "--list shows $e"
done
expect_grep "$TMP/out" "r_left" "--list shows the parameters"
# main.c answers `--help` anywhere after a command with that command's help (gen's).
expect_status 0 "--help exits 0" "$OPE" gen mdp --help
expect_grep "$TMP/out" "mdp" "--help mentions the mdp generator"

L=$TMP/log.csv T=$TMP/truth.csv
mkdir "$TMP/pol"
expect_status 0 "riverswim: 20000 episodes, 5 candidates" \
    "$OPE" gen mdp riverswim --episodes 20000 --candidates 5 --seed 7 -o "$L" --truth "$T" \
    --policy-dir "$TMP/pol" --threads 1
expect_grep "$TMP/err" "steps/s" "a summary with the sampling rate goes to stderr"
diag "$(cat "$TMP/err")"
hdr='episode,step,state,action,reward,pscore,done,pi.anti100.0,pi.anti100.1,pi.anti50.0,pi.anti50.1,pi.mix0.0,pi.mix0.1,pi.mix50.0,pi.mix50.1,pi.mix100.0,pi.mix100.1'
if [ "$(head -1 "$L")" = "$hdr" ]; then pass "the header is episode..done then pi.NAME.a"; else
    fail "the header"; diag "$(head -1 "$L")"; fi

# Trajectory rules: episodes contiguous with steps 0,1,.. and no gaps; states 0..5,
# actions 0..1, pscore in (0, 1], done only on a last step, each policy's row sums to 1.
awk -F, 'NR == 1 { ep = "none"; next }
    { if ($1 != ep) { if (seen[$1]++) bad = bad " episode " $1 " not contiguous";
                      if ($2 != 0) bad = bad " episode " $1 " starts at " $2; ep = $1 }
      else if ($2 != step + 1) bad = bad " gap at line " NR;
      if (lastdone && $1 == prevep) bad = bad " step after done at line " NR;
      step = $2; prevep = $1; lastdone = ($7 == 1)
      if ($3 < 0 || $3 > 5 || $4 < 0 || $4 > 1) bad = bad " state/action at line " NR
      if (!($6 > 0 && $6 <= 1)) bad = bad " pscore at line " NR
      for (k = 8; k < NF; k += 2) { s = $k + $(k + 1); if (s < 1 - 1e-6 || s > 1 + 1e-6) bad = bad " sum at line " NR }
      if (bad != "") { print bad; exit 1 } }
    END { if (NR - 1 != 400000) { print "rows " NR - 1; exit 1 } }' "$L" >"$TMP/awk" 2>&1
if [ $? -eq 0 ]; then pass "the log obeys the trajectory rules (400000 rows)"; else
    fail "the log obeys the trajectory rules"; diag "$(head -c 400 "$TMP/awk")"; fi

# The shared loader (tlog_load, behind `ope info`) applies every rule of formats.md.
expect_status 0 "ope info loads the log" "$OPE" info "$L"
expect_grep "$TMP/out" "trajectories" "... as a trajectory log"

if [ "$(head -2 "$T" | tr '\n' ' ')" = "policy,value behavior,$(sed -n 2p "$T" | cut -d, -f2) " ] \
   && [ "$(wc -l <"$T")" -eq 7 ]; then pass "truth: header, behavior row first, 5 candidates"; else
    fail "truth file shape"; diag "$(cat "$T")"; fi
expect_grep "$T" "mix100,3.39663697615" "truth: the optimal candidate's exact value (as in t/0710)"
expect_grep "$T" "anti100,0.1" "truth: always-left is worth 20 * 0.005"

# The behaviour value against the on-policy mean return of the 20000 episodes: within
# 4 standard errors (a false alarm with probability 6e-5; the seed is fixed).
vb=$(sed -n 2p "$T" | cut -d, -f2)
check_mean() {
    awk -F, -v vb="$2" -v g="$3" 'NR == 1 { next }
        { if ($2 == 0) { if (NR > 2) { s += G; ss += G * G; n++ } G = 0; d = 1 }
          G += d * $5; d *= g }
        END { s += G; ss += G * G; n++; m = s / n; se = sqrt((ss / n - m * m) / (n - 1));
              printf "mean %.6f se %.6f truth %.6f\n", m, se, vb;
              exit (m - vb > 4 * se || vb - m > 4 * se) }' "$1"
}
if check_mean "$L" "$vb" 1 >"$TMP/mean"; then pass "behavior row within 4 SE of the mean return"; else
    fail "behavior row within 4 SE of the mean return"; fi
diag "$(cat "$TMP/mean")"

if [ -f "$TMP/pol/behavior.csv" ] && [ -f "$TMP/pol/mix50.csv" ] \
   && [ "$(head -1 "$TMP/pol/mix100.csv")" = "state,p.0,p.1" ] && [ "$(wc -l <"$TMP/pol/mix0.csv")" -eq 7 ]; then
    pass "--policy-dir writes behavior.csv and NAME.csv policy files"; else
    fail "--policy-dir"; ls "$TMP/pol"; fi

# Determinism: same seed -> same bytes, whatever the thread count; another seed differs.
"$OPE" gen mdp riverswim --episodes 20000 --candidates 5 --seed 7 -o "$TMP/b.csv" --threads 3 -q
if cmp -s "$L" "$TMP/b.csv"; then pass "same seed, 3 threads: identical log"; else fail "same seed: identical log"; fi
"$OPE" gen mdp riverswim --episodes 20000 --candidates 5 --seed 8 -o "$TMP/c.csv" -q
if cmp -s "$L" "$TMP/c.csv"; then fail "another seed: another log"; else pass "another seed: another log"; fi

# Gridworld with gamma 0.9: episodes end in pits/goal with done = 1, and the discounted
# behaviour value matches the discounted mean return within 4 SE.
expect_status 0 "gridworld, gamma 0.9, behaviour softmax:1" \
    "$OPE" gen mdp gridworld slip=0.2 --behavior softmax:1 --gamma 0.9 --episodes 20000 \
    --candidates 3 -o "$TMP/g.csv" --truth "$TMP/gt.csv" -q
if awk -F, '$7 == 1 { d++ } END { exit !(d > 1000) }' "$TMP/g.csv"; then
    pass "gridworld: many episodes end with done = 1"; else fail "gridworld: done = 1 rows"; fi
vb=$(sed -n 2p "$TMP/gt.csv" | cut -d, -f2)
if check_mean "$TMP/g.csv" "$vb" 0.9 >"$TMP/mean"; then pass "gridworld: discounted behavior value within 4 SE"; else
    fail "gridworld: discounted behavior value within 4 SE"; fi
diag "$(cat "$TMP/mean")"

# Behaviour from a policy file, good and bad.
expect_status 0 "--behavior file:POLICY.csv" \
    "$OPE" gen mdp riverswim --behavior "file:$TMP/pol/mix50.csv" --episodes 10 -o "$TMP/f.csv" -q
printf 'state,p.0,p.1\n0,0.5,0.6\n1,1,0\n2,1,0\n3,1,0\n4,1,0\n5,1,0\n' >"$TMP/bad.csv"
expect_status 65 "a policy file with a row summing to 1.1: status 65" \
    "$OPE" gen mdp riverswim --behavior "file:$TMP/bad.csv" -o "$TMP/f2.csv"
expect_grep "$TMP/err" "bad.csv:2:3:" "... and the message names file:line:column"
if [ ! -e "$TMP/f2.csv" ]; then pass "no output after the error"; else fail "no output after the error"; fi

# Usage errors (64).
expect_status 64 "unknown environment" "$OPE" gen mdp nosuch -o "$TMP/x.csv"
expect_status 64 "parameter out of range" "$OPE" gen mdp riverswim n=1 -o "$TMP/x.csv"
expect_status 64 "unknown parameter" "$OPE" gen mdp riverswim --param speed=3 -o "$TMP/x.csv"
expect_status 64 "no -o" "$OPE" gen mdp riverswim
expect_status 64 "bad behaviour spec" "$OPE" gen mdp riverswim --behavior softmax:0 -o "$TMP/x.csv"
expect_status 64 "--episodes 0" "$OPE" gen mdp riverswim --episodes 0 -o "$TMP/x.csv"
expect_status 64 "--gamma 1.5" "$OPE" gen mdp riverswim --gamma 1.5 -o "$TMP/x.csv"

# Existing outputs and failing writes (73), never a partial file.
expect_status 73 "an existing log without --force" "$OPE" gen mdp riverswim --episodes 10 -o "$L"
if [ "$(wc -l <"$L")" -eq 400001 ]; then pass "... leaves it untouched"; else fail "... leaves it untouched"; fi
expect_status 0 "--force replaces it" "$OPE" gen mdp riverswim --episodes 10 -o "$L" --force -q
expect_status 73 "a write failing midway: status 73" \
    env OPE_TEST_WRITE_LIMIT=5000 "$OPE" gen mdp riverswim --episodes 1000 -o "$TMP/w.csv" -q
if [ ! -e "$TMP/w.csv" ] && [ -z "$(ls -A "$TMP" | grep -v -e '^[a-z0-9]*\.csv$' -e '^pol$' -e '^out$' -e '^err$' -e '^awk$' -e '^mean$')" ]; then
    pass "... and leaves neither the file nor a temporary behind"; else
    fail "... and leaves neither the file nor a temporary behind"; ls -A "$TMP"; fi
done_testing
