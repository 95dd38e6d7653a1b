#!/bin/sh
# t/0383-mpi-firstpass.sh: under mpirun the first pass of a streamed log is split among
# the ranks (datasets/blog_stream_split.c: each rank reads and checks its own share of
# the rows, then the ranks merge their facts and first errors in rank order), and must
# give exactly what the single whole-log first pass gives. Two witnesses:
#   - t/streamfacts on every rank against the single process: the log's rows, actions,
#     positions, the columns' roles, every categorical column's levels in order, and a
#     SHA-256 of every value of every window of a whole pass (so a level's code, a
#     position's base or a mark off by one shows);
#   - `ope eval`: its JSON under 1, 2, 3 and 5 ranks equal to the single process's
#     (t/jsonclose, 1e-12), and a bad log's status and first message line equal to the
#     single process's (after the "rank R: " that rank 0 puts before the failing
#     rank's message; mpirun adds its own notice after that line).
# The shares of the 150,000 rows (37 chunks of 4096; blog_stream_part gives part k the
# chunks [k 37 / N, (k + 1) 37 / N)): 2 ranks [0, 73728) [73728, 150000); 3 ranks
# [0, 49152) [49152, 98304) [98304, 150000); 5 ranks from 0, 28672, 57344, 90112,
# 118784. Row r is on line r + 2. A whole-log batch is 65,536 rows (t/streamfacts'
# window of 4096, 16 windows), so a column that turns categorical past row 65,536 is
# "late" for the single process too.
# Skipped without MPI, and in sanitizer builds, as t/0379.
. "$OPE_SRCDIR/t/lib.sh"
. "$OPE_SRCDIR/t/mpi-lib.sh"
mpi_ready
plan 36

"$OPE" gen bandit --rows 150000 --actions 3 --contexts 4 --policies greedy,uniform \
    --seed 11 -q -o "$TMP/raw.csv" || exit 1
sed '1s/,q\./,qhat./g' "$TMP/raw.csv" > "$TMP/q.csv"

# Categorical columns (fields 4..7 are x0..x3; NR = row + 2):
#   x1 whole numbers (row mod 7) until "blue" at row 80000 and "green" at row 140000:
#      categorical only in rank 1's share of 2 (rank 0 collects its levels again), and
#      late for the single process;
#   x2 "a"/"b" from the first row, then "mid" first at row 100000 and "new" first at
#      row 120000 (rank 2's share of 3, ranks 3 and 4 of 5);
#   x3 numbers until "late" at row 145000: in rank 1's second batch of 2.
awk -F, 'BEGIN { OFS = "," } NR > 1 { r = NR - 2
    $5 = r % 7; if (r == 80000) $5 = "blue"; if (r == 140000) $5 = "green"
    $6 = (r % 2) ? "a" : "b"; if (r >= 100000 && r % 3 == 0) $6 = "mid"
    if (r >= 120000 && r % 5 == 0) $6 = "new"
    if (r == 145000) $7 = "late" } { print }' "$TMP/q.csv" > "$TMP/cat.csv"
# Positions: 1..3, and a 0 only at row 125000 (rank 2's share of 3): the detected base
# is 0 for the whole log, 1 for the shares before it.
awk -F, 'BEGIN { OFS = "," } NR == 1 { print $0 ",position"; next }
    { r = NR - 2; print $0 "," (r == 125000 ? 0 : 1 + r % 3) }' "$TMP/q.csv" > "$TMP/pos.csv"
# The records csv.c reads that are not one per line: a BOM, CR LF line ends, blank
# lines (in rank 0's and rank 1's shares), a quoted level holding a line break; then
# the same gzipped (its first pass split by bytes: t/0404).
awk 'NR == 1 { printf "\357\273\277" } { r = NR - 2
    if (r == 60000 || r == 100001) printf "\r\n"
    if (r == 90000) sub(/,b,/, ",\"two\nlines\",")
    printf "%s\r\n", $0 }' "$TMP/cat.csv" > "$TMP/odd.csv"

# A compressed log: its first pass split by bytes (t/0404), the same facts.
gzip -1 -c "$TMP/odd.csv" > "$TMP/odd.csv.gz"
facts_all "2 3 5" "$TMP/q.csv" q -- "$TMP/cat.csv" cat -- "$TMP/pos.csv" pos -- \
    "$TMP/pos.csv" posb --position-base 1 -- "$TMP/odd.csv" odd -- "$TMP/odd.csv.gz" oddgz
same_facts "plain log: the facts of every rank" q "2 3 5"
same_facts "categorical columns: levels in order on every rank" cat "2 3 5"
expect_grep "$TMP/alone/cat.0" "levels x1: [0] [1] [2] [3] [4] [5] [6] [blue] [green]" \
    "x1's levels: the numbers first, then blue and green"
expect_grep "$TMP/alone/cat.0" "levels x2: [b] [a] [mid] [new]" "x2's levels in order"
expect_grep "$TMP/alone/cat.0" "[late]" "x3 turned categorical late"
same_facts "positions: the base of the whole log on every rank" pos "2 3 5"
expect_grep "$TMP/alone/pos.0" "positions 4 " "positions 0..3: base 0"
same_facts "an explicit --position-base 1 refuses the 0 at row 125000" posb "2 3 5"
expect_grep "$TMP/alone/posb.0" \
    "pos.csv:125002: column 'position': saw position 0 below the position base 1" \
    "the refusal names its line"
same_facts "BOM, CR LF, blank lines, a quoted line break" odd "2 3 5"
expect_grep "$TMP/alone/odd.0" "rows 150000 " "every row counted"
same_facts "the same log gzipped" oddgz "2 3 5"
same_json "ope eval: categorical columns" "$TMP/cat.csv" "1 2 3 5"
same_json "ope eval: positions" "$TMP/pos.csv" "1 2 3 5"
same_json "ope eval: BOM, CR LF, blank lines, quotes" "$TMP/odd.csv" "1 2 3 5"

# bad DESC AWK-PROGRAM: a log the single process refuses ($TMP/badK.csv, K counting the
# calls); 2 and 3 ranks give its status and first message line. Every rank of 3 and 5
# of t/streamfacts gives its error: checked for all of them at the end (bad_facts).
nbad=0
bad() {
    desc=$1; prog=$2
    nbad=$((nbad + 1))
    log="$TMP/bad$nbad.csv"
    awk -F, "$prog" OFS=, "$TMP/q.csv" > "$log"
    eval "bad_desc_$nbad=\$desc"
    refused_alike "$desc" "$log" "2 3"
}
bad "a bad reward in rank 0's share" 'NR == 1002 { $2 = "oops" } { print }'
bad "a bad pscore in rank 1's share" 'NR == 60002 { $3 = "2" } { print }'
# Once the first pass is merged every rank holds that error alike: the job's, said as
# one process says it (it was "rank 0: ...", though rank 1 read the row).
if head -1 "$TMP/e2" | grep -q "^ope: [^ ]*bad2.csv:60002:"; then
    pass "... said without a rank"
else fail "a bad row in rank 1's share: $(head -1 "$TMP/e2")"; fi
bad "a bad action in the last rank's share" 'NR == 140002 { $1 = "x" } { print }'
# A probability sum in rank 1's share and a bad reward in rank 2's: every row reads
# before any sum is checked, so the reward's error comes first.
bad "a sum in rank 1, a bad value in rank 2: the bad value" \
    'NR == 60002 { $14 = 0.5 } NR == 140002 { $2 = "oops" } { print }'
expect_grep "$TMP/e1.first" "bad4.csv:140002:" "(the single process names the bad value)"
# Sums in ranks 1 and 2: the first in the file; an action past the per-action columns
# in rank 2 and a sum in rank 0: the actions are checked before the sums.
bad "sums in ranks 1 and 2: the first" \
    'NR == 60002 { $14 = 0.5 } NR == 140002 { $14 = 0.5 } { print }'
bad "an action past the columns in rank 2, a sum in rank 0: the action" \
    'NR == 1002 { $14 = 0.5 } NR == 140002 { $1 = 7 } { print }'
expect_grep "$TMP/e1.first" "bad6.csv:140002: action 7" "(the single process names the action)"
# Every bad log's facts: every rank of 3 and 5 gives the single process's error.
set --
k=1
while [ $k -le $nbad ]; do
    [ $k -gt 1 ] && set -- "$@" --
    set -- "$@" "$TMP/bad$k.csv" "bad$k"
    k=$((k + 1))
done
facts_all "3 5" "$@"
k=1
while [ $k -le $nbad ]; do
    eval "desc=\$bad_desc_$k"
    same_facts "$desc: every rank's error" "bad$k" "3 5"
    expect_grep "$TMP/alone/bad$k.0" "error 65 " "... a data error (65)"
    k=$((k + 1))
done
done_testing
