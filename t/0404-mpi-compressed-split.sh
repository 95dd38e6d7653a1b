#!/bin/sh
# t/0404-mpi-compressed-split.sh: under mpirun a compressed log (.gz, .zst) has its
# first pass split by bytes (datasets/blog_stream_split.c, bytes_split): each rank
# reads the log from its start, passes over the rows before its share without parsing
# them, parses its share, which ends at the first row of the grid (4096 rows) whose
# previous row begins past (rank + 1) / N of the decompressed bytes (as rank 0 saw the
# file expand at its header), and stops there. What must hold, checked with
# t/streamfacts on every rank against the single process:
#   - the whole log's facts (rows, actions, columns' roles, levels in order, every
#     value of a whole pass) on every rank, as for a plain file (t/0383);
#   - the shares (blog_stream_share) are split by bytes, start at row 0, meet, and end
#     at the log's last row; a share may be empty (a small log on 5 ranks);
#   - a pass over each rank's share, its windows in rank order, is the single
#     process's pass, window for window (each window's values hashed);
# and `ope eval`'s JSON under 2 and 3 ranks equals the single process's (t/jsonclose,
# 1e-12); a bad value in a later rank's share, and a quote that never closes, are
# refused with the single process's status and first message line.
# Skipped without MPI, and in sanitizer builds, as t/0383.
. "$OPE_SRCDIR/t/lib.sh"
. "$OPE_SRCDIR/t/mpi-lib.sh"
mpi_ready
command -v zstd >/dev/null 2>&1 || skip_all "zstd is not installed (apt-get install zstd)"
plan 20

# 40,000 rows (10 chunks of the grid: shares of 2, 3 and 5 ranks of about 20,000,
# 13,000 and 8,000 rows); in cat.csv x1 turns categorical at row 30000 (in the last
# shares only) and x2 gains a level at 25000 (mpi_cat_logs). Then the records csv.c
# reads that are not one per line: a BOM, CR LF, blank lines, a quoted level holding a
# line break (rows 5000, 21000, 32000: in the first, middle and last shares).
mpi_cat_logs
mpi_odd_log
gzip -1 -c "$TMP/q.csv" > "$TMP/q.csv.gz"
gzip -1 -c "$TMP/odd.csv" > "$TMP/odd.csv.gz"
zstd -q -1 -c "$TMP/odd.csv" > "$TMP/odd.csv.zst"
# Two gzip members (as `cat a.gz b.gz` makes): the second begins mid-log.
head -20001 "$TMP/cat.csv" | gzip -1 > "$TMP/two.csv.gz"
tail -n +20002 "$TMP/cat.csv" | gzip -1 >> "$TMP/two.csv.gz"
# 6,000 rows: 2 chunks, so 5 ranks leave shares empty.
head -6001 "$TMP/q.csv" | gzip -1 > "$TMP/small.csv.gz"

facts_all "2 3 5" "$TMP/q.csv.gz" q -- "$TMP/odd.csv.gz" odd -- "$TMP/odd.csv.zst" oddz \
    -- "$TMP/two.csv.gz" two -- "$TMP/small.csv.gz" small
same_facts "gzip: the facts of every rank" q "2 3 5"
same_shares "gzip: shares split by bytes, their windows the whole pass's" q "2 3 5" bytes
same_facts "gzip, BOM, CR LF, blank lines, a quoted line break, late levels" odd "2 3 5"
expect_grep "$TMP/alone/odd.0" "levels x1: [0] [1] [2] [3] [4] [5] [6] [blue]" \
    "x1's levels: the numbers first, then blue"
expect_grep "$TMP/alone/odd.0" "rows 40000 " "every row counted"
same_shares "... its shares and windows" odd "2 3 5" bytes
same_facts "zstd: the same" oddz "2 3 5"
same_shares "... its shares and windows" oddz "2 3 5" bytes
same_facts "two gzip members" two "2 3 5"
same_shares "... its shares and windows" two "2 3 5" bytes
same_facts "a log of 2 chunks on up to 5 ranks" small "2 3 5"
same_shares "... some shares empty, the others the whole pass" small "2 3 5" bytes empty
# The shares follow the bytes, planned so that the ranks take about as long: rank 1
# decompresses rank 0's bytes too, so (gzip: decompression a quarter of the time)
# rank 0's share ends past 4/7 of the bytes (22,857 rows of an even log: on the grid,
# row 24,576), not in the middle (row 20,480).
set -- $(grep '^share' "$TMP/np2/q.share.0")
if [ "${3:-0}" -gt 20480 ] && [ "${3:-0}" -le 28672 ]; then
    pass "2 ranks: rank 0's share ends past the middle (row ${3:-})"
else fail "2 ranks: rank 0's share is $*"; fi

same_json "ope eval of a gzip log: the single process's JSON" "$TMP/odd.csv.gz" "2 3"
same_json "ope eval of a zstd log: the same" "$TMP/odd.csv.zst" "2 3"
same_json "ope eval of a small log on more ranks than chunks" "$TMP/small.csv.gz" "2 3"

awk -F, 'BEGIN { OFS = "," } NR == 36002 { $2 = "oops" } { print }' "$TMP/q.csv" |
    gzip -1 > "$TMP/bad1.csv.gz"
refused_alike "a bad reward in the last rank's share" "$TMP/bad1.csv.gz" "2 3"
expect_grep "$TMP/e1.first" "bad1.csv.gz:36002:" "(the single process names its line)"
# A quote opened at row 12000 that never closes: the ranks after it cannot find
# their shares, and the whole-log first pass reports it.
awk 'NR == 12002 { sub(/,b,/, ",\"open,") } { print }' "$TMP/cat.csv" |
    gzip -1 > "$TMP/bad2.csv.gz"
refused_alike "a quote that never closes" "$TMP/bad2.csv.gz" "2 3"
expect_grep "$TMP/e1.first" "never" "(the single process says the quote never ends)"
done_testing
