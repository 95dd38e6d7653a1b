#!/bin/sh
# t/0415-mpi-members-split.sh: under mpirun a compressed log whose members have an
# index (datasets/members.h: BGZF, as bgzip writes it; zstd frames that say their
# size) has its first pass split by members (datasets/blog_stream_split.c,
# members_split): each rank decompresses only its share of the members, from the
# first row after the first line end in its first member to the first row after the
# next rank's, and the ranks place their shares by their counts. The files are made by
# t/memberize (small members, so that a 40,000-row log has hundreds). What must hold,
# checked with t/streamfacts on every rank against the single process:
#   - the whole log's facts on every rank (rows, roles, levels in order, every value
#     and line of a whole pass), and the single process's facts of the plain CSV;
#   - the shares are split by members, start on the grid, meet, and end with the log,
#     and their windows in rank order are the single process's;
#   - quoted line breaks in every row, so that a rank's first line end is most often
#     inside a field: the rank before it ends inside a quote, and the ranks read the
#     log whole instead (the shares then "rows"), with the same facts;
#   - a gzip file with a member that is not BGZF's splits by bytes instead; four BGZF
#     files concatenated (empty members between them) split as evenly as one;
# and `ope eval`'s JSON under 2 and 3 ranks equals the single process's (t/jsonclose,
# 1e-12), with the reward model fitted, and with the later passes seeking into the
# file (no copy of the parsed rows); a bad value in a later rank's share, and a quote
# that never closes, are refused with the single process's status and first line.
# Skipped without MPI, and in sanitizer builds, as t/0404.
. "$OPE_SRCDIR/t/lib.sh"
. "$OPE_SRCDIR/t/mpi-lib.sh"
mpi_ready
plan 29
mz="$OPE_BUILDDIR/t/memberize"

# The logs of t/0404 (mpi_cat_logs), and odd.csv: a BOM, CR LF, blank lines, a quoted
# level holding a line break.
mpi_cat_logs
mpi_odd_log
"$mz" gz 20000 < "$TMP/q.csv" > "$TMP/q.csv.gz"
"$mz" gz 7000 < "$TMP/odd.csv" > "$TMP/odd.csv.gz"
"$mz" zst 30000 < "$TMP/odd.csv" > "$TMP/odd.csv.zst"
# x2 moved to the last column, each level in quotes as 50 lines: the first line end
# after a member boundary is a row's own about once in 200.
awk -F, '{ v = $6
    if (NR > 1) { t = v; for (i = 1; i < 50; i++) t = t "\n" v; v = "\"" t "\"" }
    line = $1; for (i = 2; i <= NF; i++) if (i != 6) line = line "," $i
    print line "," v }' "$TMP/cat.csv" > "$TMP/nl.csv"
"$mz" gz 3000 < "$TMP/nl.csv" > "$TMP/nl.csv.gz"
# 6,000 rows: 2 chunks, so 5 ranks leave shares empty.
head -6001 "$TMP/q.csv" | "$mz" gz 20000 > "$TMP/small.csv.gz"
# Four BGZF files concatenated (each ending with bgzip's empty member): one BGZF file,
# shared out as evenly as one.
{ head -10001 "$TMP/q.csv" | "$mz" gz 20000
  for k in 0 1 2; do tail -n +$((10002 + k * 10000)) "$TMP/q.csv" | head -10000 |
      "$mz" gz 20000; done; } > "$TMP/cat4.csv.gz"
# BGZF, then a member of gzip's own (no 'BC' field): no index.
head -20001 "$TMP/q.csv" | "$mz" gz 20000 > "$TMP/mixed.csv.gz"
tail -n +20002 "$TMP/q.csv" | gzip -1 >> "$TMP/mixed.csv.gz"
if gzip -t "$TMP/q.csv.gz" && zstd -t -q "$TMP/odd.csv.zst" 2>/dev/null &&
   [ "$(gzip -dc "$TMP/odd.csv.gz" | cksum)" = "$(cksum < "$TMP/odd.csv")" ]; then
    pass "t/memberize writes BGZF and zstd frames that gzip and zstd read"
else fail "t/memberize's files do not read"; fi

facts_all "2 3 5" "$TMP/q.csv" plain -- "$TMP/q.csv.gz" q -- "$TMP/odd.csv.gz" odd \
    -- "$TMP/odd.csv.zst" oddz -- "$TMP/nl.csv.gz" nl -- "$TMP/small.csv.gz" small \
    -- "$TMP/mixed.csv.gz" mixed -- "$TMP/cat4.csv.gz" cat4
if cmp -s "$TMP/alone/plain.0" "$TMP/alone/q.0"; then
    pass "BGZF alone: the plain CSV's facts"
else fail "BGZF alone: other facts"; diag "$(diff "$TMP/alone/plain.0" "$TMP/alone/q.0" | head)"; fi
same_facts "BGZF: the facts of every rank" q "2 3 5"
same_shares "BGZF: shares split by members, their windows the whole pass's" q "2 3 5" members
same_facts "BGZF, BOM, CR LF, blank lines, a quoted line break, late levels" odd "2 3 5"
expect_grep "$TMP/alone/odd.0" "rows 40000 " "every row counted"
same_shares "... its shares and windows" odd "2 3 5" members
same_facts "zstd frames: the same" oddz "2 3 5"
same_shares "... its shares and windows" oddz "2 3 5" members
same_facts "a line break in every row's quotes: the same facts" nl "2 3 5"
same_shares "... read whole by every rank, not split" nl "2 3 5" rows
same_facts "a log of 2 chunks on up to 5 ranks" small "2 3 5"
same_shares "... some shares empty" small "2 3 5" members empty
same_shares "a member not BGZF's: split by bytes" mixed "2 3" bytes
same_shares "4 BGZF files concatenated: split by members" cat4 "2 3" members
set -- $(grep '^share' "$TMP/np2/cat4.share.0")
if [ "${3:-0}" -ge 16384 ] && [ "${3:-0}" -le 24576 ]; then
    pass "... rank 0 of 2 takes about half the rows (${3:-})"
else fail "... rank 0 of 2 has the share $*"; fi

same_json "ope eval of a BGZF log: the single process's JSON" "$TMP/odd.csv.gz" "2 3"
same_json "ope eval of zstd frames: the same" "$TMP/odd.csv.zst" "2 3"
"$mz" gz 20000 < "$TMP/raw.csv" > "$TMP/raw.csv.gz"
same_json_files "the reward model fitted by the ranks" "2 3" "$TMP/raw.csv.gz" \
    --estimators dm,dr --ci t
OPE_TEST_NO_STREAM_CACHE=1 same_json_files "later passes that seek into the members" "2 3" \
    "$TMP/q.csv.gz" --ci t --matrix

# An index that lies (t/memberize's lies; the log has about 300 members of 20,000
# bytes, the boundaries of 2 ranks near member 150, of 3 near 100 and 200): a member
# whose trailer's length is short, which gzip -t refuses, is refused as one process
# refuses it, wherever the ranks stop reading; a 'BC' field that covers the next
# member too, a file gzip reads well, gives the single process's result, read whole
# (the member it hides is met where no index member begins), with the later passes'
# seeks too (the index is then not used).
for k in 99 149 199; do
    "$mz" gz 20000 "isize:$k:700" < "$TMP/q.csv" > "$TMP/isize$k.csv.gz"
    "$mz" gz 20000 "span:$k" < "$TMP/q.csv" > "$TMP/span$k.csv.gz"
done
refused_alike "a member's length short, before rank 1 of 2" "$TMP/isize149.csv.gz" "2"
refused_files "... before rank 1 of 3" "3" "$TMP/isize99.csv.gz"
refused_files "... before rank 2 of 3" "3" "$TMP/isize199.csv.gz"
same_json_files "a 'BC' field over two members: the single process's JSON" "2 3" \
    "$TMP/span149.csv.gz"
OPE_TEST_NO_STREAM_CACHE=1 same_json_files "... with the later passes' seeks" "2 3" \
    "$TMP/span99.csv.gz" --ci t

# ope gen bandit -o *.gz writes BGZF: the plain file's bytes, the same whatever the
# threads (each task compresses its own rows), split by members.
"$OPE" gen bandit --rows 30000 --actions 3 --seed 5 -q -o "$TMP/g.csv"
OPE_THREADS=1 "$OPE" gen bandit --rows 30000 --actions 3 --seed 5 -q -o "$TMP/g1.csv.gz"
OPE_THREADS=2 "$OPE" gen bandit --rows 30000 --actions 3 --seed 5 -q -o "$TMP/g.csv.gz"
if gzip -dc "$TMP/g.csv.gz" | cmp -s - "$TMP/g.csv" && cmp -s "$TMP/g.csv.gz" "$TMP/g1.csv.gz"; then
    pass "ope gen -o *.gz: the plain file's bytes, on 1 thread as on 2"
else fail "ope gen -o *.gz: other bytes"; fi
(cd "$TMP" && $mpi -np 2 "$OPE_BUILDDIR/t/streamfacts" g.csv.gz gen) 2>/dev/null
kind=$(grep '^share' "$TMP/gen.share.1" 2>/dev/null)
case $kind in
    *members) same_json "... split by members, the single process's JSON" "$TMP/g.csv.gz" "2" ;;
    *) fail "... split by members (rank 1: ${kind:-none})" ;;
esac

awk -F, 'BEGIN { OFS = "," } NR == 36002 { $2 = "oops" } { print }' "$TMP/q.csv" |
    "$mz" gz 20000 > "$TMP/bad1.csv.gz"
refused_alike "a bad reward in the last rank's share" "$TMP/bad1.csv.gz" "2 3"
awk 'NR == 12002 { sub(/,b,/, ",\"open,") } { print }' "$TMP/cat.csv" |
    "$mz" gz 20000 > "$TMP/bad2.csv.gz"
refused_alike "a quote that never closes" "$TMP/bad2.csv.gz" "2 3"
done_testing
