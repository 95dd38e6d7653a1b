#!/bin/sh
# bench/bench_stream.sh OPE [MEMBERIZE]: a bandit log evaluated in memory and streamed
# (issue 17), end to end from the file on disk, with wall time and peak resident
# memory (/usr/bin/time). The logs come from `ope gen bandit` (10 actions, 10 policies) with
# the true q.* columns renamed qhat.* (so the model-based estimators read the model
# from the log, as MPI ranks and shards need), generated once into $TMPDIR:
#   - 1,000,000 rows, 9 estimator settings, B = 1000: in memory, then --stream;
#   - the same streamed on 1 thread, and split between 2 MPI ranks of 1 thread each
#     (when mpirun and an MPI build are there), also as a .gz and a .zst, and as a
#     BGZF .gz (in members of 64 KB, as bgzip writes: by MEMBERIZE, t/memberize, or
#     bgzip when there is no MEMBERIZE), which the ranks split by its members;
#   - the same cut into 2 shard files saved at once (--save-state) and merged; with
#     --ci hoeffding --matrix, streamed and by the 2 shards in their 2 rounds;
#   - the 1,000,000 rows without qhat.* columns, dm, dr and sndr with the reward model
#     fitted (logistic, 3 folds), in memory and streamed (the fit's own passes), and by
#     2 shards in rounds (--model-state);
#   - 10,000,000 rows as a .csv.gz, streamed, and as a BGZF .csv.gz, streamed on 1
#     thread and split between 2 MPI ranks of 1 thread each (OPE_BENCH_STREAM_BIG=0
#     skips them: they take a few minutes each to make).
set -eu
OPE=$1
dir=${TMPDIR:-/tmp}
# The BGZF writer: t/memberize, or bgzip (Debian's tabix), or none.
if [ -n "${2:-}" ] && [ -x "$2" ]; then bgzf="$2 gz 65280"
elif command -v bgzip >/dev/null 2>&1; then bgzf="bgzip -l 1 -c"
else bgzf=""; fi
est=ipw,snipw,dm,dr,sndr,switch-dr,dr-os,sg-ipw,ipw:clip=10
pols=greedy,eps:0.1,eps:0.2,eps:0.4,softmax:1,softmax:2,softmax:4,uniform,softmax:-1,softmax:-2
make_log() {    # ROWS OUT [FILTER]: the log, through FILTER (cat, gzip -1) when given
    [ -s "$2" ] && return 0
    "$OPE" gen bandit --rows "$1" --actions 10 --policies "$pols" --seed 7 -q -o - |
        sed '1s/,q\./,qhat./g' | ${3:-cat} > "$2.tmp"
    mv "$2.tmp" "$2"
}
run() {         # LABEL ARGS...: wall s and peak MB of one evaluation
    label=$1; shift
    /usr/bin/time -f '%e %M' -o "$dir/ope-bench-stream.time" "$OPE" eval "$@" \
        --estimators "$est" --n-boot 1000 -f json > "$dir/ope-bench-stream.json"
    read -r wall kb < "$dir/ope-bench-stream.time"
    printf '%-46s %7.2f s %7.0f MB\n' "$label" "$wall" "$((kb / 1024))"
}
one=$dir/ope-bench-stream-1m.csv
make_log 1000000 "$one"
echo "1,000,000 rows x 10 actions, 10 policies x 9 settings, B = 1000:"
run "  in memory" "$one"
run "  --stream" "$one" --stream
# Across processes (Open MPI): 1 process with 1 thread against 2 ranks with 1 thread
# each (the 2 cores either way); skipped without mpirun or an MPI build.
if command -v mpirun >/dev/null 2>&1 && "$OPE" --version >/dev/null 2>&1 &&
   mpirun --allow-run-as-root --oversubscribe -np 2 "$OPE" eval --help >/dev/null 2>&1; then
    run "  --stream --threads 1" "$one" --stream --threads 1
    mpi_ok=1
    run_mpi() {
        label=$1; shift
        /usr/bin/time -f '%e %M' -o "$dir/ope-bench-stream.time" mpirun --allow-run-as-root \
            --oversubscribe "$@" --estimators "$est" --n-boot 1000 -f json \
            > "$dir/ope-bench-stream.json"
        read -r wall kb < "$dir/ope-bench-stream.time"
        # (the peak that time sees is mpirun's own, not the ranks')
        printf '%-46s %7.2f s\n' "$label" "$wall"
    }
    run_mpi "  mpirun -np 2, --threads 1 each" -np 2 "$OPE" eval "$one" --threads 1
    # The same log compressed: each rank inflates it from its start up to the end of
    # its share, parsing only the share (the first pass split by bytes).
    for z in "gz gzip -1" "zst zstd -q -1"; do
        set -- $z
        ext=.$1; shift
        zlog=$one$ext
        command -v "$1" >/dev/null 2>&1 || continue
        [ -s "$zlog" ] || { "$@" -c "$one" > "$zlog.tmp" && mv "$zlog.tmp" "$zlog"; }
        run "  $ext: --stream --threads 1" "$zlog" --stream --threads 1
        run_mpi "  $ext: mpirun -np 2, --threads 1 each" -np 2 "$OPE" eval "$zlog" --threads 1
    done
    # BGZF: its members have an index, so each rank decompresses only its own share.
    if [ -n "$bgzf" ]; then
        zlog=$one.bgzf.gz
        [ -s "$zlog" ] || { $bgzf < "$one" > "$zlog.tmp" && mv "$zlog.tmp" "$zlog"; }
        run "  BGZF .gz: --stream --threads 1" "$zlog" --stream --threads 1
        run_mpi "  BGZF .gz: mpirun -np 2, --threads 1 each" -np 2 "$OPE" eval "$zlog" \
            --threads 1
    fi
fi
# Shards run apart (ope eval --save-state, then ope merge): the log cut into 2 files of
# 500,000 rows, saved by 2 processes of 1 thread at once (a job array on the 2 cores),
# then merged; the wall time of the saves and of the merge.
part=$dir/ope-bench-stream-1m.part
if [ ! -s "${part}1.csv" ]; then
    awk -v p="$part" 'NR == 1 { print > (p "0.csv"); print > (p "1.csv"); next }
        { print > (p (NR <= 500001 ? "0" : "1") ".csv") }' "$one"
fi
/usr/bin/time -f '%e' -o "$dir/ope-bench-stream.time" sh -c '
    "$1" eval "$2" --save-state "$4.0" --force --threads 1 --estimators "$5" --n-boot 1000 -q &
    "$1" eval "$3" --save-state "$4.1" --force --threads 1 --row-offset 500000 \
        --estimators "$5" --n-boot 1000 -q &
    wait' sh "$OPE" "${part}0.csv" "${part}1.csv" "$dir/ope-bench-stream.state" "$est"
read -r wall < "$dir/ope-bench-stream.time"
printf '%-46s %7.2f s\n' "  2 shards saved at once, --threads 1 each" "$wall"
/usr/bin/time -f '%e %M' -o "$dir/ope-bench-stream.time" "$OPE" merge \
    "$dir/ope-bench-stream.state.0" "$dir/ope-bench-stream.state.1" -f json \
    > "$dir/ope-bench-stream.json"
read -r wall kb < "$dir/ope-bench-stream.time"
printf '%-46s %7.2f s %7.0f MB\n' "  ope merge of their states" "$wall" "$((kb / 1024))"
# The same 2 files as one log: one process of one thread, then 2 ranks of one thread,
# each taking one file (the first pass split by files).
run "  2 files: --stream --threads 1" "${part}0.csv" "${part}1.csv" --stream --threads 1
if [ -n "${mpi_ok:-}" ]; then
    run_mpi "  2 files: mpirun -np 2, --threads 1 each" -np 2 "$OPE" eval "${part}0.csv" \
        "${part}1.csv" --threads 1
fi
# --ci hoeffding --matrix: streamed, then by the same 2 shards, which find the whole
# log's sums in a round of their own (both saved at once, then merged into a fit's
# state) before their contributions' round; the wall time of both rounds.
run "  --stream --ci hoeffding --matrix" "$one" --stream --ci hoeffding --matrix
rm -f "$dir/ope-bench-stream.hfit" "$dir/ope-bench-stream.hjson"
/usr/bin/time -f '%e' -o "$dir/ope-bench-stream.time" sh -c '
    for round in sums contributions; do
        "$1" eval "$2" --save-state "$4.0" --force --threads 1 --model-state "$5" \
            --estimators "$7" --ci hoeffding --matrix -q &
        "$1" eval "$3" --save-state "$4.1" --force --threads 1 --row-offset 500000 \
            --model-state "$5" --estimators "$7" --ci hoeffding --matrix -q &
        wait
        "$1" merge "$4.0" "$4.1" --model-state "$5" -f json -o "$6" -q > /dev/null ||
            exit 1
    done
    [ -e "$6" ]' sh "$OPE" "${part}0.csv" "${part}1.csv" "$dir/ope-bench-stream.hstate" \
    "$dir/ope-bench-stream.hfit" "$dir/ope-bench-stream.hjson" "$est"
read -r wall < "$dir/ope-bench-stream.time"
printf '%-46s %7.2f s\n' "  2 shards, --ci hoeffding --matrix, 2 rounds" "$wall"
# The reward model fitted: the same log with the qhat.* columns named q.* again (the
# truth), so ope fits its own model; in memory, then in passes over the file.
raw=$dir/ope-bench-stream-1m-raw.csv
[ -s "$raw" ] || { sed '1s/,qhat\./,q./g' "$one" > "$raw.tmp" && mv "$raw.tmp" "$raw"; }
echo "the same log without qhat.* columns, dm,dr,sndr with the reward model fitted:"
all_est=$est
est=dm,dr,sndr
run "  in memory" "$raw"
run "  --stream" "$raw" --stream
# Shards fitting the model together (--model-state): the raw log cut into 2 files of
# 500,000 rows; each round saves both parts at once (--threads 1 each) and merges
# them, until ope merge writes the result: the rounds and their total wall time.
rpart=$dir/ope-bench-stream-1m-raw.part
if [ ! -s "${rpart}1.csv" ]; then
    awk -v p="$rpart" 'NR == 1 { print > (p "0.csv"); print > (p "1.csv"); next }
        { print > (p (NR <= 500001 ? "0" : "1") ".csv") }' "$raw"
fi
rm -f "$dir/ope-bench-stream.fit" "$dir/ope-bench-stream.json"
/usr/bin/time -f '%e' -o "$dir/ope-bench-stream.time" sh -c '
    n=0
    while [ ! -e "$6" ] && [ $n -lt 40 ]; do
        n=$((n + 1))
        "$1" eval "$2" --save-state "$4.0" --force --threads 1 --model-state "$5" \
            --estimators dm,dr,sndr --n-boot 1000 -q &
        "$1" eval "$3" --save-state "$4.1" --force --threads 1 --row-offset 500000 \
            --model-state "$5" --estimators dm,dr,sndr --n-boot 1000 -q &
        wait
        "$1" merge "$4.0" "$4.1" --model-state "$5" -f json -o "$6" -q > /dev/null || exit 1
    done
    echo $n > "$5.rounds"' sh "$OPE" "${rpart}0.csv" "${rpart}1.csv" "$dir/ope-bench-stream.rstate" \
    "$dir/ope-bench-stream.fit" "$dir/ope-bench-stream.json"
read -r wall < "$dir/ope-bench-stream.time"
printf '%-46s %7.2f s\n' "  2 shards fitting it in $(cat "$dir/ope-bench-stream.fit.rounds") rounds" "$wall"
est=$all_est
if [ "${OPE_BENCH_STREAM_BIG:-1}" != 0 ]; then
    big=$dir/ope-bench-stream-10m.csv.gz
    make_log 10000000 "$big" "gzip -1"
    echo "10,000,000 rows (.csv.gz), the same settings:"
    run "  --stream" "$big" --stream
    if [ -n "$bgzf" ]; then
        bigb=$dir/ope-bench-stream-10m.bgzf.csv.gz
        make_log 10000000 "$bigb" "$bgzf"
        run "  BGZF .csv.gz: --stream --threads 1" "$bigb" --stream --threads 1
        if [ -n "${mpi_ok:-}" ]; then
            run_mpi "  BGZF .csv.gz: mpirun -np 2, --threads 1 each" -np 2 "$OPE" eval \
                "$bigb" --threads 1
        fi
    fi
fi
