#!/bin/sh
# t/0414-mpi-traj-files.sh: under mpirun a trajectory log given as several plain files
# is shared out among the ranks as one file is (ope/app/trajshare.c): every rank
# indexes every file, takes the mark at its share of all their rows, and begins at the
# first new episode after it, on into the next files if need be; a range may begin and
# end inside a file and span several. What must hold:
#   - `ope eval`'s JSON under 2, 3 and 5 ranks is the single process's (t/jsonclose,
#     1e-12), with files cut inside episodes, a header-only file, a BOM, CR LF and a
#     last line without its line end among them; with t intervals and --matrix; with
#     dm, dr and wdr's fitted value model; on 12 small files (ranges over several
#     files) and on 3 episodes in 3 files under 4 ranks (empty ranges);
#   - the log's SHA-256 is that of the files' bytes in order, as one process says;
#   - the ranks read apart: a bad row in the last file is refused with the single
#     process's status and message, said by the last rank (a log every rank read whole
#     has no rank to name);
#   - an episode of the first file back in the last is refused (65), the message naming
#     both files, as one process says it (and one back within the first file, naming
#     none); a differing header in the last file, an empty file, and a later file that
#     is missing or a directory are refused with the single process's status and first
#     message line; a file that grows while the ranks read their ranges is refused (65).
# Skipped without MPI, and in sanitizer builds, as t/0383.
. "$OPE_SRCDIR/t/lib.sh"
. "$OPE_SRCDIR/t/mpi-lib.sh"
mpi_ready
plan 17

E="--estimators tis,pdis,wtis,wpdis --n-boot 200"
# 3000 episodes of 7 steps (21,000 rows, 6 marks of the index), cut inside episodes
# into 3 files: rows [0, 7002), [7002, 15009), [15009, 21000).
"$OPE" gen mdp riverswim --episodes 3000 --horizon 7 --seed 4 -q -o "$TMP/traj.csv" || exit 1
# cut_rows LOG NAME BOUNDS...: the rows of LOG cut at BOUNDS into $TMP/NAME.0, NAME.1, ...,
# each with the header.
cut_rows() {
    log=$1; name=$2; shift 2
    awk -v p="$TMP/$name" -v b="$*" 'BEGIN { nb = split(b, cut, " ") }
        NR == 1 { h = $0; next }
        { r = NR - 2; k = 0; while (k < nb && r >= cut[k + 1]) k++
          if (!(k in seen)) { print h > (p "." k); seen[k] = 1 }
          print > (p "." k) }' "$log"
}
cut_rows "$TMP/traj.csv" p 7002 15009
P="$TMP/p.0 $TMP/p.1 $TMP/p.2"
# shellcheck disable=SC2086
same_json_files "3 files cut inside episodes, under 2, 3 and 5 ranks: one process's JSON" \
    "2 3 5" $P $E

"$OPE" eval $P $E -f json > "$TMP/one.json" 2>/dev/null
$mpi -np 3 "$OPE" eval $P $E -f json > "$TMP/np3.json" 2>/dev/null
want=$(cat "$TMP/p.0" "$TMP/p.1" "$TMP/p.2" | sha256sum | cut -c1-64)
if grep -q "\"sha256\":\"$want\"" "$TMP/np3.json" && grep -q "\"sha256\":\"$want\"" "$TMP/one.json"
then pass "the log's SHA-256: of the files' bytes in order, under mpirun as alone"
else fail "the log's SHA-256"; diag "want $want" "$(grep -o '"sha256":"[0-9a-f]*"' "$TMP/np3.json")"; fi

# The same rows with a header-only file, a BOM, CR LF and no last line end among them.
head -1 "$TMP/traj.csv" > "$TMP/h.csv"
printf '\357\273\277' > "$TMP/bom.csv" && cat "$TMP/p.1" >> "$TMP/bom.csv"
sed 's/$/\r/' "$TMP/p.2" > "$TMP/crlf.csv"
head -c -1 "$TMP/p.0" > "$TMP/nonl.csv"
Q="$TMP/nonl.csv $TMP/h.csv $TMP/bom.csv $TMP/crlf.csv"
# shellcheck disable=SC2086
same_json_files "a header-only file, a BOM, CR LF, no last line end: one process's JSON" \
    "2 3 5" $Q $E
# shellcheck disable=SC2086
same_json_files "--ci t --lift --matrix=4 under 2 and 3 ranks: one process's JSON" "2 3" \
    $P --estimators tis,wpdis --ci t --lift --matrix=4
# shellcheck disable=SC2086
same_json_files "dm, dr and wdr's fitted value model under 2 and 3 ranks: one process's JSON" \
    "2 3" $P --estimators dm,dr,wdr,tis --gamma 0.9 --n-boot 100 --policy mix33 --policy mix78

# 12 files of 250 episodes of 7 steps: a range spans several files; 3 episodes in 3
# files under 4 ranks leave ranges empty.
"$OPE" gen mdp riverswim --episodes 3000 --horizon 7 --seed 9 -q -o "$TMP/t12.csv" || exit 1
cut_rows "$TMP/t12.csv" m 1750 3500 5250 7000 8750 10500 12250 14000 15750 17500 19250
M=""
k=0
while [ $k -lt 12 ]; do M="$M $TMP/m.$k"; k=$((k + 1)); done
# shellcheck disable=SC2086
same_json_files "12 files, ranges over several: under 3 and 5 ranks, one process's JSON" \
    "3 5" $M $E
"$OPE" gen mdp riverswim --episodes 3 --horizon 7 --seed 2 -q -o "$TMP/three.csv" || exit 1
cut_rows "$TMP/three.csv" e 7 14
# shellcheck disable=SC2086
same_json_files "3 episodes in 3 files under 4 ranks (empty ranges): one process's JSON" \
    "4" "$TMP/e.0" "$TMP/e.1" "$TMP/e.2" $E

# A bad reward in the last file (row 20000 of 21,000): the last rank reads it.
awk -F, -v OFS=, 'NR == 4993 { $5 = "x" } { print }' "$TMP/p.2" > "$TMP/bad.csv"
B="$TMP/p.0 $TMP/p.1 $TMP/bad.csv"
# shellcheck disable=SC2086
refused_files "a bad reward in the last file: one process's status and message" "2 3" $B $E
# shellcheck disable=SC2086
$mpi -np 3 "$OPE" eval $B $E > /dev/null 2>"$TMP/err"
if head -1 "$TMP/err" | grep -q "^ope: rank 2: $TMP/bad.csv:4993:"; then
    pass "... said by rank 2, which read the last file's end: the ranks read apart"
else fail "the bad row's rank"; diag "$(head -1 "$TMP/err")"; fi

# The first file's first episode back at the start of the last file.
awk -F, -v OFS=, 'NR >= 2 && NR <= 8 { $1 = "0" } { print }' "$TMP/p.2" > "$TMP/back.csv"
# shellcheck disable=SC2086
$mpi -np 3 "$OPE" eval "$TMP/p.0" "$TMP/p.1" "$TMP/back.csv" $E > /dev/null 2>"$TMP/err"; s=$?
if [ $s -eq 65 ] && head -1 "$TMP/err" | grep -q "$TMP/back.csv:2:1: column 'episode': episode '0' appears again after other episodes (it started on line 2 of $TMP/p.0)"
then pass "an episode of the first file back in the last: refused (65), naming both files"
else fail "a returning episode: status $s"; diag "$(head -1 "$TMP/err")"; fi
# shellcheck disable=SC2086
refused_files "... the single process's status and message" "2 3" "$TMP/p.0" "$TMP/p.1" \
    "$TMP/back.csv" $E
# The same within the first file (rank 0 finds it): no file named for where it began,
# as one reader says it.
awk -F, -v OFS=, 'NR >= 6000 && NR <= 6006 { $1 = "0" } { print }' "$TMP/p.0" > "$TMP/back0.csv"
# shellcheck disable=SC2086
refused_files "an episode back within the first file: one process's message" "2 3" \
    "$TMP/back0.csv" "$TMP/p.1" "$TMP/p.2" $E
# A later file that is missing, or a directory: one reader's "cannot open" (66).
# shellcheck disable=SC2086
refused_files "a later file missing: one process's status and message" "2" "$TMP/p.0" \
    "$TMP/p.1" "$TMP/nothere.csv" $E
# shellcheck disable=SC2086
refused_files "a later file a directory: one process's status and message" "2" "$TMP/p.0" \
    "$TMP" $E

sed '1s/reward/rew/' "$TMP/p.2" > "$TMP/hd.csv"
# shellcheck disable=SC2086
refused_files "a differing header in the last file: one process's status and message" \
    "2 3 5" "$TMP/p.0" "$TMP/p.1" "$TMP/hd.csv" $E
: > "$TMP/z.csv"
# shellcheck disable=SC2086
refused_files "an empty file among them: one process's status and message" "2 3" \
    "$TMP/p.0" "$TMP/z.csv" "$TMP/p.1" $E

# A file that changes while the ranks read their ranges (found from the index taken
# before): refused (65), not a result with the digest of bytes no rank read. Each
# block of 1 MB read waits 5 s (OPE_TEST_READ_SLEEP_MS); the last file grows once a
# rank has one of the files open (the files' sizes and times, taken before, are what
# the ranks compare with at the end of their ranges).
cp "$TMP/p.0" "$TMP/c.0" && cp "$TMP/p.1" "$TMP/c.1" && cp "$TMP/p.2" "$TMP/c.2"
OPE_TEST_READ_SLEEP_MS=5000 $mpi -np 2 "$OPE" eval "$TMP/c.0" "$TMP/c.1" "$TMP/c.2" \
    --estimators tis -f json -o "$TMP/c.json" 2>"$TMP/cerr" &
job=$!
k=0
while [ $k -lt 600 ]; do
    for p in $(pgrep -f "ope eval $TMP/c.0"); do
        ls -l "/proc/$p/fd" 2>/dev/null | grep -q "$TMP/c\.[12]" && k=600
    done
    [ $k -ge 600 ] || { sleep 0.1; k=$((k + 1)); }
done
tail -7 "$TMP/p.2" | sed 's/^[0-9]*,/99999,/' >> "$TMP/c.2"
wait $job; s=$?
if [ $s -eq 65 ] && [ ! -e "$TMP/c.json" ] &&
   grep -q "the log changed while it was read (while the ranks read it" "$TMP/cerr"
then pass "a file grown while the ranks read it: refused (65), nothing written"
else fail "a file changed under the ranks: status $s"; diag "$(head -2 "$TMP/cerr")"; fi
