#!/bin/sh
# fuzz/shard-seeds.sh OPE: remake the seeds of fuzz/shard_fuzz with the ope at OPE, when
# a state's layout changes: fuzz/corpus/shard_fuzz/ (payloads: the container's header
# and checksum are the harness's to add) and fuzz/shard_seeds.h (the valid states the
# harness merges the input with). The log: rows of `ope gen bandit --rows 40 --actions
# 3 --seed 1`; the evaluation: --ci t --policy eps0_2 (ipw,snipw for the states, dm
# for the reward model's fit, whose one shard is rows 0-19); and a trajectory log's
# two shards, alone, fitting their models together, and finding the whole log's sums
# for their t intervals together (below).
set -eu
ope=$1
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
"$ope" gen bandit --rows 40 --actions 3 --seed 1 -q -o log.csv
head -n 21 log.csv > a.csv
(head -n 1 log.csv; tail -n +22 log.csv) > b.csv
"$ope" eval a.csv --save-state rows0-19 --ci t --estimators ipw,snipw --policy eps0_2 -q
"$ope" eval b.csv --save-state rows20-39 --row-offset 20 --ci t --estimators ipw,snipw \
    --policy eps0_2 -q
fit="--ci t --estimators dm --policy eps0_2 --model-state fit"
# shellcheck disable=SC2086
"$ope" eval a.csv --save-state part1 $fit -q
"$ope" merge part1 --model-state fit > /dev/null
cp fit fit1
# shellcheck disable=SC2086
"$ope" eval a.csv --save-state part2 $fit -q
# and on to the first Newton pass: a part of normal equations (sf_put_sums' arrays)
"$ope" merge part2 --model-state fit > /dev/null
# shellcheck disable=SC2086
"$ope" eval a.csv --save-state part3 $fit -q

# A trajectory log's shards: episodes 0-19 and 20-39 of `ope gen mdp riverswim
# --episodes 40 --horizon 6 --candidates 2 --seed 1`, tis and wpdis with B = 10.
"$ope" gen mdp riverswim --episodes 40 --horizon 6 --candidates 2 --seed 1 -q -o traj.csv
awk -F, 'NR == 1 { print > "t0.csv"; print > "t1.csv"; next }
    $2 == 0 { e++ } { print > (e <= 20 ? "t0.csv" : "t1.csv") }' traj.csv
"$ope" eval t0.csv --save-state traj0-19 --estimators tis,wpdis --n-boot 10 -q
"$ope" eval t1.csv --save-state traj20-39 --row-offset 20 --estimators tis,wpdis --n-boot 10 -q
# ... whose models (dm's tabular FQE, mis's ratios, B = 10) the two shards fit together:
# their parts, the fit, and their states evaluated with it.
tf="--estimators wpdis,dm,mis --n-boot 10 --model-state tfit"
# shellcheck disable=SC2086
"$ope" eval t0.csv --save-state tpart0-19 $tf -q
# shellcheck disable=SC2086
"$ope" eval t1.csv --save-state tpart20-39 --row-offset 20 $tf -q
"$ope" merge tpart0-19 tpart20-39 --model-state tfit > /dev/null
# shellcheck disable=SC2086
"$ope" eval t0.csv --save-state tstate0-19 $tf -q
# shellcheck disable=SC2086
"$ope" eval t1.csv --save-state tstate20-39 --row-offset 20 $tf -q

# ... and their t intervals (with --matrix's differences): the sums round's parts, the
# fit that holds the whole log's sums, and the states of their contributions.
ts="--estimators tis,wpdis --ci t --matrix --model-state sfit"
# shellcheck disable=SC2086
"$ope" eval t0.csv --save-state spart0-19 $ts -q
# shellcheck disable=SC2086
"$ope" eval t1.csv --save-state spart20-39 --row-offset 20 $ts -q
"$ope" merge spart0-19 spart20-39 --model-state sfit > /dev/null
# shellcheck disable=SC2086
"$ope" eval t0.csv --save-state cstate0-19 $ts -q
# shellcheck disable=SC2086
"$ope" eval t1.csv --save-state cstate20-39 --row-offset 20 $ts -q

# A bandit log's --ci hoeffding (with --matrix over two policies): the shards' parts of
# the sums round, the fit that holds the whole log's sums, and the states of their
# contributions at them.
bs="--ci hoeffding --matrix --estimators ipw,snipw --policy eps0_2 --policy greedy --model-state bfit"
# shellcheck disable=SC2086
"$ope" eval a.csv --save-state bpart0-19 $bs -q
# shellcheck disable=SC2086
"$ope" eval b.csv --save-state bpart20-39 --row-offset 20 $bs -q
"$ope" merge bpart0-19 bpart20-39 --model-state bfit > /dev/null
# shellcheck disable=SC2086
"$ope" eval a.csv --save-state bstate0-19 $bs -q
# shellcheck disable=SC2086
"$ope" eval b.csv --save-state bstate20-39 --row-offset 20 $bs -q

# payload FILE: the payload of a state container (statefile.h), as decimal bytes.
payload() {
    od -An -v -tu1 "$1" | awk '
        { for (i = 1; i <= NF; i++) b[n++] = $i }
        function u32(o) { return b[o] + 256 * (b[o + 1] + 256 * (b[o + 2] + 256 * b[o + 3])) }
        END {
            o = 16; o += 4 + u32(o); o += 4 + u32(o)        # kind, settings
            len = u32(o); o += 8
            for (i = 0; i < len; i++) print b[o + i]
        }'
}
# settings FILE: the settings text of a state container, as a C string.
settings() {
    od -An -v -tu1 "$1" | awk '
        { for (i = 1; i <= NF; i++) b[n++] = $i }
        function u32(o) { return b[o] + 256 * (b[o + 1] + 256 * (b[o + 2] + 256 * b[o + 3])) }
        END {
            o = 16; o += 4 + u32(o); len = u32(o); o += 4; line = ""
            for (i = 0; i < len; i++) {
                c = b[o + i]
                if (c == 10) { printf "    \"%s\\n\"\n", line; line = "" }
                else line = line sprintf("%c", c)
            }
            if (line != "") printf "    \"%s\"\n", line
        }'
}
# carray NAME FILE: the payload of FILE as a C array.
carray() {
    echo "static const unsigned char $1[] = {"
    payload "$2" | awk '{ printf "%s0x%02x,", (NR % 16 == 1 ? "    " : " "), $1
                          if (NR % 16 == 0) print "" } END { if (NR % 16) print "" }'
    echo "};"
}
out=$src/fuzz/corpus/shard_fuzz
rm -f "$out"/*
for f in rows0-19 rows20-39 part1 fit1 part2 part3 traj0-19 traj20-39 tpart0-19 tpart20-39 \
         tfit spart0-19 spart20-39 sfit cstate0-19 cstate20-39 bpart0-19 bpart20-39 bfit \
         bstate0-19 bstate20-39; do
    payload $f | LC_ALL=C awk '{ printf "%c", $1 }' > "$out/$f"
done
{
    echo "/* fuzz/shard_seeds.h: made by fuzz/shard-seeds.sh (do not edit): the valid"
    echo " * payloads and settings fuzz/shard_fuzz.c seals and merges the input with. */"
    echo "static const char shard_settings[] ="
    settings rows0-19
    echo "    ;"
    echo "static const char fit_settings[] ="
    settings part1
    echo "    ;"
    carray valid_shard rows0-19
    carray valid_fit1 fit1
    carray valid_part2 part2
    echo "static const char traj_settings[] ="
    settings traj0-19
    echo "    ;"
    carray valid_traj traj0-19
    echo "static const char tpart_settings[] ="
    settings tpart0-19
    echo "    ;"
    carray valid_tpart tpart0-19
    echo "static const char tstate_settings[] ="
    settings tstate0-19
    echo "    ;"
    carray valid_tstate0 tstate0-19
    carray valid_tstate1 tstate20-39
    echo "static const char spart_settings[] ="
    settings spart0-19
    echo "    ;"
    carray valid_spart spart0-19
    carray valid_sfit sfit
    echo "static const char cstate_settings[] ="
    settings cstate0-19
    echo "    ;"
    carray valid_cstate0 cstate0-19
    carray valid_cstate1 cstate20-39
    echo "static const char bpart_settings[] ="
    settings bpart0-19
    echo "    ;"
    carray valid_bpart bpart0-19
    carray valid_bfit bfit
    echo "static const char bstate_settings[] ="
    settings bstate0-19
    echo "    ;"
    carray valid_bstate0 bstate0-19
    carray valid_bstate1 bstate20-39
} > "$src/fuzz/shard_seeds.h"
