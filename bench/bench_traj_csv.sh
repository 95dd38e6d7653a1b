#!/bin/sh
# bench/bench_traj_csv.sh OPE: the trajectory workload end to end from the file a user
# has: a 1.4 GB CSV of 100,000 episodes x 20 steps (a 20-state, 4-action Dirichlet
# MDP, 10 candidate policies: 47 columns), generated once into $TMPDIR and kept;
# `ope info` (the loader alone) and `ope eval` with tis, pdis, wtis and wpdis for the
# 10 policies with B = 1000 bootstrap intervals. Wall-clock seconds.
set -eu
OPE=$1
f=${TMPDIR:-/tmp}/ope-bench-traj-100k.csv
if [ ! -s "$f" ]; then
    "$OPE" gen mdp dirichlet states=20 actions=4 --episodes 100000 --horizon 20 \
        --candidates 10 --seed 1 -q -o "$f" --force
fi
now() { date +%s.%N; }
mb=$(( $(wc -c < "$f") / 1000000 ))
t0=$(now); "$OPE" info "$f" >/dev/null; t1=$(now)
"$OPE" eval "$f" --estimators tis,pdis,wtis,wpdis --n-boot 1000 -f json >/dev/null; t2=$(now)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v mb="$mb" -v f="$f" 'BEGIN {
    printf "%s (%d MB): ope info %.2f s (%.0f MB/s); ope eval tis,pdis,wtis,wpdis x 10 policies, B = 1000: %.2f s\n",
        f, mb, b - a, mb / (b - a), c - b }'
