#!/bin/sh
# bench/bench_traj_csv.sh OPE: the trajectory workload end to end from the file a user
# has: a 1.4 GB CSV of 100,000 episodes x 20 steps (a 20-state, 4-action Dirichlet
# MDP, 10 candidate policies: 47 columns), generated once into $TMPDIR and kept;
# `ope info` (the loader alone) and `ope eval` with tis, pdis, wtis and wpdis for the
# 10 policies with B = 1000 bootstrap intervals: in memory, --stream (windows of whole
# episodes, one pass) and, when mpirun is there, mpirun -np 2 (--threads 1 each); then
# with --ci t --matrix=3 in memory and --stream (which reads the file twice); dm, dr,
# wdr and mis with --ci t, in memory and --stream (a pass for the models first); dm, dr
# and wdr with the lstd value model, likewise; the same log cut into 4 files, one
# process against mpirun -np 2.
# Wall-clock seconds, and the peak memory of the in-memory and streamed runs.
set -eu
OPE=$1
f=${TMPDIR:-/tmp}/ope-bench-traj-100k.csv
if [ ! -s "$f" ]; then
    "$OPE" gen mdp dirichlet states=20 actions=4 --episodes 100000 --horizon 20 \
        --candidates 10 --seed 1 -q -o "$f" --force
fi
now() { date +%s.%N; }
mb=$(( $(wc -c < "$f") / 1000000 ))
E="--estimators tis,pdis,wtis,wpdis --n-boot 1000 -f json"
# rss CMD...: CMD's peak resident memory in MB (GNU time), its output discarded.
rss() {
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1 | awk '{ printf "%.0f", $1 / 1024 }'
    else "$@" >/dev/null; echo "?"; fi
}
t0=$(now); "$OPE" info "$f" >/dev/null; t1=$(now)
# shellcheck disable=SC2086
m1=$(rss "$OPE" eval "$f" $E); t2=$(now)
# shellcheck disable=SC2086
m2=$(rss "$OPE" eval "$f" --stream $E); t3=$(now)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v mb="$mb" -v f="$f" -v m1="$m1" -v m2="$m2" 'BEGIN {
    printf "%s (%d MB): ope info %.2f s (%.0f MB/s); ope eval tis,pdis,wtis,wpdis x 10 policies, B = 1000: in memory %.2f s, %s MB; --stream %.2f s, %s MB\n",
        f, mb, b - a, mb / (b - a), c - b, m1, d - c, m2 }'
# pair LABEL ARGS...: ope eval ARGS in memory, then --stream: wall seconds and peak MB.
pair() {
    label=$1; shift
    ta=$(now); ma=$(rss "$OPE" eval "$f" "$@"); tb=$(now)
    mb_=$(rss "$OPE" eval "$f" --stream "$@"); tc=$(now)
    awk -v a="$ta" -v b="$tb" -v c="$tc" -v m1="$ma" -v m2="$mb_" -v l="$label" 'BEGIN {
        printf "  %s: in memory %.2f s, %s MB; --stream %.2f s, %s MB\n", l, b - a, m1, c - b, m2 }'
}
# The t intervals with --matrix: streamed, the file is read again for the contributions
# given the sums and the differences' statistics.
# shellcheck disable=SC2086
pair "--ci t --matrix=3 (streamed: two passes)" --ci t --matrix=3 $E
# The estimators that fit a model on the whole log (dm, dr, wdr: tabular FQE; mis), with
# t intervals (no refit per resample): streamed, a pass for the models, then the
# estimators', then the contributions'.
# shellcheck disable=SC2086
pair "dm,dr,wdr,mis --ci t (streamed: three passes)" --estimators dm,dr,wdr,mis --ci t -f json
# The linear value models (lstd: LSTD's system per policy, from sums gathered in the
# models' pass), dm, dr and wdr with t intervals. At --gamma 0.95: this log's episodes
# all end by the horizon, so at gamma 1 LSTD's stationary fixed point does not exist
# (refused, 65).
pair "dm,dr,wdr --value-model lstd --gamma 0.95 --ci t" --estimators dm,dr,wdr \
    --value-model lstd --gamma 0.95 --ci t -f json
if command -v mpirun >/dev/null 2>&1; then
    t4=$(now)
    # shellcheck disable=SC2086
    mpirun --allow-run-as-root --oversubscribe -np 2 "$OPE" eval "$f" --threads 1 $E \
        >/dev/null 2>&1 && t5=$(now) &&
        awk -v a="$t4" -v b="$t5" 'BEGIN { printf "  mpirun -np 2 (--threads 1 each): %.2f s\n", b - a }'
    # The same log cut into 4 files of about 500,000 rows (inside episodes of 20 rows),
    # read as one log:
    # one process of one thread, then 2 ranks of one thread that share its episodes out
    # across the files; B = 1000, then --ci t --matrix=3 (two passes).
    if [ ! -s "$f.part3" ]; then
        awk -v p="$f.part" 'NR == 1 { for (k = 0; k < 4; k++) print > (p k); next }
            { r = NR - 2; print > (p (r < 500003 ? 0 : r < 1000011 ? 1 : r < 1500007 ? 2 : 3)) }' "$f"
    fi
    parts="$f.part0 $f.part1 $f.part2 $f.part3"
    for ci in "--n-boot 1000" "--ci t --matrix=3"; do
        t6=$(now)
        # shellcheck disable=SC2086
        "$OPE" eval $parts --stream --threads 1 --estimators tis,pdis,wtis,wpdis $ci -f json \
            >/dev/null && t7=$(now)
        # shellcheck disable=SC2086
        mpirun --allow-run-as-root --oversubscribe -np 2 "$OPE" eval $parts --threads 1 \
            --estimators tis,pdis,wtis,wpdis $ci -f json >/dev/null 2>&1 && t8=$(now) &&
            awk -v a="$t6" -v b="$t7" -v c="$t8" -v l="$ci" 'BEGIN {
                printf "  4 files, %s: --stream --threads 1 %.2f s; mpirun -np 2 (--threads 1 each) %.2f s\n", l, b - a, c - b }'
    done
fi
