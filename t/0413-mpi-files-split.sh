#!/bin/sh
# t/0413-mpi-files-split.sh: under mpirun a bandit log given as several regular files
# has its first pass split by files (datasets/blog_stream_split.c, files_split): the
# files are shared out in order, by size (a compressed file weighs four times its
# bytes); each rank reads, checks and counts the rows of its own files only, and the
# ranks merge their facts and first errors in rank order. A rank's range of the later
# passes is its files' rows moved to the grid of 4096 rows (from the first row of the
# grid in its files to the first in the next rank's), read back from what its first
# pass kept (its files' rows and up to 4095 rows of the files after them), or parsed
# from a mark it noted. What must hold, checked with t/streamfacts on every rank
# against the single process:
#   - the whole log's facts (rows, actions, columns' roles, levels in order, every
#     value of a whole pass, the SHA-256 of the files' bytes in order) on every rank;
#   - the shares (blog_stream_share) are split by files, start at row 0 on the grid,
#     meet, and end at the log's last row; a share may be empty (5 ranks, few files);
#   - a pass over each rank's share, its windows in rank order, is the single
#     process's pass, window for window (each window's values hashed), with and
#     without the kept rows ($OPE_TEST_NO_STREAM_CACHE);
# and `ope eval`'s JSON under 2, 3 and 5 ranks equals the single process's (t/jsonclose,
# 1e-12), given qhat.* columns or fitting the reward model; a bad value, a probability
# sum and a differing header in a later rank's files, and an empty file, are refused
# with the single process's status and first message line.
# Skipped without MPI, and in sanitizer builds, as t/0383.
. "$OPE_SRCDIR/t/lib.sh"
. "$OPE_SRCDIR/t/mpi-lib.sh"
mpi_ready
command -v zstd >/dev/null 2>&1 || skip_all "zstd is not installed (apt-get install zstd)"
plan 21

# 40,000 rows (10 chunks of the grid); in cat.csv x1 turns categorical at row 30000
# (in the last files only) and x2 gains a level at 25000 (mpi_cat_logs). odd.csv adds
# CR LF, blank lines and a quoted level holding a line break (rows 5000, 21000, 32000).
mpi_cat_logs
awk '{ r = NR - 2
    if (r == 5000 || r == 21000) printf "\r\n"
    if (r == 32000) sub(/,b,/, ",\"two\nlines\",")
    printf "%s\r\n", $0 }' "$TMP/cat.csv" > "$TMP/odd.csv"

# cut_log LOG NAME: the log cut into 5 files of one log, $TMP/NAME.0 .. NAME.4, each with
# the header: rows [0, 10000) plain, [10000, 10007) gzip, none (the header alone),
# [10007, 25000) gzip, [25000, 40000) zstd; $files (joined by +) and $args (by spaces)
# name them.
cut_log() {
    log=$1; name=$2
    head -1 "$log" > "$TMP/h"
    awk -v p="$TMP/$name" -v h="$(cat "$TMP/h")" 'NR == 1 { next }
        { r = NR - 2; k = r < 10000 ? 0 : r < 10007 ? 1 : r < 25000 ? 3 : 4
          print > (p "." k ".body") }' "$log"
    cat "$TMP/h" "$TMP/$name.0.body" > "$TMP/$name.0"
    cat "$TMP/h" "$TMP/$name.1.body" | gzip -1 > "$TMP/$name.1"
    cat "$TMP/h" > "$TMP/$name.2"
    cat "$TMP/h" "$TMP/$name.3.body" | gzip -1 > "$TMP/$name.3"
    cat "$TMP/h" "$TMP/$name.4.body" | zstd -q -1 > "$TMP/$name.4"
    files="$TMP/$name.0+$TMP/$name.1+$TMP/$name.2+$TMP/$name.3+$TMP/$name.4"
    args="$TMP/$name.0 $TMP/$name.1 $TMP/$name.2 $TMP/$name.3 $TMP/$name.4"
}
cut_log "$TMP/q.csv" q; qfiles=$files; qargs=$args
cut_log "$TMP/cat.csv" cat; catfiles=$files
# Three files of about 13,000 rows: 5 ranks leave shares empty.
awk -v p="$TMP/three" 'NR == 1 { for (k = 0; k < 3; k++) print > (p "." k); next }
    { print > (p "." int((NR - 2) / 13334)) }' "$TMP/q.csv"
threefiles="$TMP/three.0+$TMP/three.1+$TMP/three.2"
# The odd records: cut where no record holds a line break.
awk -v p="$TMP/odd" 'NR == 1 { h = $0; print > (p ".0"); next }
    { r = NR - 2; k = r < 20000 ? 0 : 1
      if (k && !started) { print h > (p ".1"); started = 1 }
      print > (p "." k) }' "$TMP/odd.csv"
oddfiles="$TMP/odd.0+$TMP/odd.1"

facts_all "2 3 5" "$qfiles" q -- "$catfiles" cat -- "$threefiles" three -- "$oddfiles" odd
same_facts "five files (plain, gzip, a header alone, zstd): every rank's facts" q "2 3 5"
expect_grep "$TMP/alone/q.0" "rows 40000 " "every row counted"
expect_grep "$TMP/alone/q.0" "digest $(cat "$TMP/q.0" "$TMP/q.1" "$TMP/q.2" "$TMP/q.3" \
    "$TMP/q.4" | sha256sum | cut -c1-64)" "the digest is of the files' bytes in order"
same_shares "... shares split by files on the grid, their windows the whole pass's" q \
    "2 3 5" files empty
same_facts "categorical columns: levels in order on every rank" cat "2 3 5"
expect_grep "$TMP/alone/cat.0" "levels x1: [0] [1] [2] [3] [4] [5] [6] [blue]" \
    "x1's levels: the numbers first, then blue"
same_shares "... its shares and windows" cat "2 3 5" files empty
same_facts "three files on up to 5 ranks" three "2 3 5"
same_shares "... some shares empty, the others the whole pass" three "2 3 5" files empty
same_facts "CR LF, blank lines, a quoted line break" odd "2 3"
same_shares "... its shares and windows" odd "2 3" files
# Without the rows kept by the first pass every pass parses its range from the mark
# the rank noted.
OPE_TEST_NO_STREAM_CACHE=1; export OPE_TEST_NO_STREAM_CACHE
facts_all "2 3" "$qfiles" q
unset OPE_TEST_NO_STREAM_CACHE
same_shares "without the kept rows: the same windows, parsed from the marks" q "2 3" files

# shellcheck disable=SC2086
same_json_files "ope eval of five files: the single process's JSON" "2 3 5" $qargs
expect_grep "$TMP/mem" "\"sha256\":\"$(cat "$TMP/q.0" "$TMP/q.1" "$TMP/q.2" "$TMP/q.3" \
    "$TMP/q.4" | sha256sum | cut -c1-64)\"" "... naming the files' digest"
# The reward model fitted in passes over the ranges (3 folds, logistic: Newton's passes).
awk -F, 'BEGIN { OFS = "," } NR > 1 { $2 = ($2 > 0.5) ? 1 : 0 } { print }' "$TMP/raw.csv" \
    > "$TMP/fit.csv"
cut_log "$TMP/fit.csv" fit
# shellcheck disable=SC2086
same_json_files "... fitting the reward model (logistic, 3 folds)" "2 3" $args \
    --estimators dm,dr --reward-model logistic

# A bad reward in the last file (row 36000), a probability sum in the fourth (row
# 20000) and a bad reward in the last: every row reads before a sum is checked.
awk -F, 'BEGIN { OFS = "," } NR == 36002 { $2 = "oops" } { print }' "$TMP/q.csv" \
    > "$TMP/b1.csv"
cut_log "$TMP/b1.csv" b1
# shellcheck disable=SC2086
refused_files "a bad reward in the last rank's files" "2 3" $args
expect_grep "$TMP/e1.first" "b1.4:11002:" "(the single process names the file and line)"
awk -F, 'BEGIN { OFS = "," } NR == 20002 { $14 = 0.5 } NR == 36002 { $2 = "oops" }
    { print }' \
    "$TMP/q.csv" > "$TMP/b2.csv"
cut_log "$TMP/b2.csv" b2
# shellcheck disable=SC2086
refused_files "a sum in one rank's files, a bad value in a later one's: the bad value" \
    "2 3" \
    $args
head -1 "$TMP/q.csv" | sed 's/reward/payoff/' > "$TMP/other.csv"
tail -n +2 "$TMP/q.3.body" >> "$TMP/other.csv"
refused_files "a later file with another header" "2 3" "$TMP/q.0" "$TMP/q.1" \
    "$TMP/other.csv"
expect_grep "$TMP/e1.first" "the header differs" "(the single process names the header)"
: > "$TMP/empty.csv"
refused_files "an empty file among them" "2 3" "$TMP/q.0" "$TMP/empty.csv" "$TMP/q.3"
done_testing
