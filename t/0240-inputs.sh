#!/bin/sh
# t/0240-inputs.sh: inputs as people have them. A gzip or zstd copy of a log, the log
# on standard input ("-", /dev/stdin), through a FIFO or a process substitution must
# give exactly the plain file's results (the CSV output does not name the input, so
# it must be byte-identical) and the right kind of log; compression formats ope does
# not read, and a truncated gzip file, fail with exit 65 and a message naming them.
. "$OPE_SRCDIR/t/lib.sh"
cd "$TMP" || exit 1

# A hang is a failure, not a stuck test run.
run() { if command -v timeout >/dev/null 2>&1; then timeout 120 "$@"; else "$@"; fi; }
same() {    # same DESC FILE: FILE equals the plain run's output of its kind
    if cmp -s "$2" "$3"; then pass "$1"; else fail "$1"; diag "$(diff "$2" "$3" | head -5)"; fi
}

$OPE gen bandit --rows 1500 --seed 7 -o b.csv >/dev/null 2>&1
$OPE gen mdp riverswim --episodes 60 --candidates 3 --seed 5 -o t.csv >/dev/null 2>&1
ev() { run $OPE eval "$@" --n-boot 40 --format csv; }
ev b.csv > b.ref 2>/dev/null
ev t.csv > t.ref 2>/dev/null
[ -s b.ref ] && [ -s t.ref ] && pass "plain bandit and trajectory logs evaluate" ||
    fail "plain bandit and trajectory logs evaluate"

# Compressed copies: detected by their magic bytes, so the name does not matter.
gzip -c b.csv > b.csv.gz; gzip -c t.csv > t.data
ev b.csv.gz > out 2>err; same "gzip bandit log: same results" out b.ref
ev t.data > out 2>err; same "gzip trajectory log without a .gz name: same results" out t.ref
if command -v zstd >/dev/null 2>&1; then
    zstd -q -c b.csv > b.csv.zst; zstd -q -c t.csv > t.csv.zst
    ev b.csv.zst > out 2>err; same "zstd bandit log: same results" out b.ref
    ev t.csv.zst > out 2>err; same "zstd trajectory log: same results" out t.ref
    # A skippable frame first (magic 50 2a 4d 18, 4 bytes of length, its bytes), as
    # pzstd writes one: zstd, not CSV (it was read as a header of binary bytes).
    { printf '\120\052\115\030\004\000\000\000abcd'; cat b.csv.zst; } > skip.zst
    ev skip.zst > out 2>err; same "zstd with a skippable frame first: same results" out b.ref
else
    skip "zstd not installed"; skip "zstd not installed"; skip "zstd not installed"
fi

# Standard input, /dev/stdin, a FIFO, a process substitution: opened once, and the
# kind comes from the header (a trajectory log on stdin is one).
ev - < t.csv > out 2>err; same "trajectory log on stdin (-): evaluated as trajectories" out t.ref
cat b.csv | ev - > out 2>err; same "bandit log piped to -" out b.ref
gzip -c t.csv | ev /dev/stdin > out 2>err; same "gzip trajectory log piped to /dev/stdin" out t.ref
mkfifo fifo && { cat t.csv > fifo & }
ev fifo > out 2>err; same "trajectory log through a FIFO (no hang)" out t.ref
wait
# The workbench opens its input once too (its batch summary when not on a terminal):
# a FIFO gives the same table as the file, the digest taken while it is read.
run $OPE tui t.csv --n-boot 40 > tui.ref 2>/dev/null
rm -f fifo2; mkfifo fifo2 && { cat t.csv > fifo2 & }
run $OPE tui fifo2 --n-boot 40 > out 2>err
sed 1d out > out.body; sed 1d tui.ref > tui.body
if cmp -s out.body tui.body && head -1 out | grep -q "trajectories log"; then
    pass "ope tui on a FIFO: the file's summary, the right kind, no hang"
else
    fail "ope tui on a FIFO"; diag "$(head -5 out)" "$(cat err)"
fi
wait
if command -v bash >/dev/null 2>&1; then
    OPE="$OPE" run bash -c '$OPE eval <(gzip -dc b.csv.gz) --n-boot 40 --format csv' > out 2>err
    same "process substitution <(gzip -dc ...)" out b.ref
else
    skip "bash not installed"
fi

# ope info reads the same way: the trajectory log through a pipe is one, with the
# column roles of its header (read once).
run $OPE info t.csv --format csv 2>/dev/null | sed 1,2d > info.ref
gzip -c t.csv | run $OPE info - --format csv 2>err | sed 1,2d > out
same "ope info on a gzip trajectory log from stdin: the plain file's summary" out info.ref
grep -q "kind,trajectories" out && pass "ope info: the kind comes from the header" ||
    fail "ope info: the kind comes from the header"

# A piped input still gets its digest: the SHA-256 of the bytes as given.
if command -v sha256sum >/dev/null 2>&1; then
    want=$(sha256sum < b.csv.gz | cut -d' ' -f1)
    cat b.csv.gz | run $OPE eval - --n-boot 40 --format json > out 2>err
    expect_grep out "\"sha256\":\"$want\"" "a gzip log on stdin: digest of the gzip bytes"
    want=$(sha256sum < b.csv.gz | cut -d' ' -f1)
    run $OPE eval b.csv.gz --n-boot 40 --format json > out 2>err
    expect_grep out "\"sha256\":\"$want\"" "a gzip file: digest of the file as given"
else
    skip "sha256sum not installed"; skip "sha256sum not installed"
fi

# Formats recognised by their magic bytes (bzip2 "BZh", xz FD 37 7A 58 5A 00) but
# not read: exit 65 (a data error: the file was read) and what to do.
printf 'BZh91AY&SY\001\002\003' > log.bz2
expect_status 65 "bzip2 input: exit 65" run $OPE eval log.bz2
expect_grep err "log.bz2: bzip2-compressed input is not supported" "bzip2: named and refused"
expect_grep err "decompress it first" "bzip2: says what to do"
printf '\3757zXZ\000\000\004' > log.xz
expect_status 65 "xz input on stdin: exit 65" sh -c "$OPE eval - < log.xz"
expect_grep err "-: xz-compressed input is not supported" "xz: named and refused"

# A gzip file cut short: exit 65 with the file's name, never a partial result.
size=$(wc -c < b.csv.gz)
head -c $((size / 2)) b.csv.gz > cut.csv.gz
expect_status 65 "truncated gzip: exit 65" run $OPE eval cut.csv.gz --n-boot 40
expect_grep err "cut.csv.gz: the gzip stream is truncated or corrupt" "truncated gzip: named"
[ -s out ] && fail "truncated gzip: no output" || pass "truncated gzip: no output"
if command -v zstd >/dev/null 2>&1; then
    size=$(wc -c < b.csv.zst)
    head -c $((size / 2)) b.csv.zst > cut.zst
    expect_status 65 "truncated zstd: exit 65" run $OPE eval cut.zst --n-boot 40
    expect_grep err "cut.zst: the zstd stream is truncated or corrupt" "truncated zstd: named"
else
    skip "zstd not installed"; skip "zstd not installed"
fi
# Two gzip members are one stream (cat a.gz b.gz), as gzip -d reads them.
head -n 1 b.csv > h.csv; tail -n +2 b.csv > rows.csv
{ gzip -c h.csv; gzip -c rows.csv; } > two.gz
ev two.gz > out 2>err; same "a gzip file of two members: same results" out b.ref
# Zero bytes after the last member (a tape's padding) are ignored, as gzip -d ignores
# them; data after them is refused (it was "incorrect header check" for both).
{ cat b.csv.gz; head -c 1000 /dev/zero; } > padded.gz
ev padded.gz > out 2>err; same "a gzip file padded with 1,000 zero bytes: same results" out b.ref
{ cat b.csv.gz; head -c 300000 /dev/zero; } > padded2.gz
ev padded2.gz > out 2>err; same "... and with 300,000 (past one read of 256 KB)" out b.ref
{ cat b.csv.gz; head -c 10 /dev/zero; gzip -c rows.csv; } > padded3.gz
expect_status 65 "a gzip member after the zero bytes: 65" run $OPE eval padded3.gz --n-boot 40
expect_grep err "padded3.gz: the gzip stream is truncated or corrupt (data after the zero bytes that follow its end)" \
    "... saying so"

# A compressed input is decompressed on a thread of its own, a few blocks of 1 MB
# ahead of the reader (datasets/input.c): results, digests and errors must be those
# of the reading without it (OPE_NO_READAHEAD=1), on a log of several blocks.
$OPE gen bandit --rows 40000 --seed 9 -o big.csv >/dev/null 2>&1
gzip -1 -c big.csv > big.csv.gz
ev big.csv > big.ref 2>/dev/null
ev big.csv.gz > out 2>err; same "a gzip log of several blocks: the plain file's results" out big.ref
OPE_NO_READAHEAD=1 ev big.csv.gz > out 2>err
same "... and without the read-ahead" out big.ref
run $OPE eval big.csv --stream --n-boot 40 --format csv > big.sref 2>/dev/null
run $OPE eval big.csv.gz --stream --n-boot 40 --format csv > out 2>err
same "... streamed (every pass reads it again)" out big.sref
# Two gzip files of one log: the thread of each hashes its bytes into the log's digest.
head -n 20001 big.csv > bp1.csv; { head -n 1 big.csv; tail -n +20002 big.csv; } > bp2.csv
gzip -1 -c bp1.csv > bp1.csv.gz; gzip -1 -c bp2.csv > bp2.csv.gz
ev bp1.csv.gz bp2.csv.gz > out 2>err; same "two gzip files of one log: the whole log's results" out big.ref
if command -v sha256sum >/dev/null 2>&1; then
    want=$(cat bp1.csv.gz bp2.csv.gz | sha256sum | cut -d' ' -f1)
    run $OPE eval bp1.csv.gz bp2.csv.gz --n-boot 40 --format json > out 2>err
    expect_grep out "\"sha256\":\"$want\"" "... and the digest of their bytes in order"
else
    skip "sha256sum not installed"
fi
size=$(wc -c < big.csv.gz)
head -c $((size * 3 / 4)) big.csv.gz > bigcut.gz
expect_status 65 "a gzip log cut after several blocks: exit 65" run $OPE eval bigcut.gz --n-boot 40
cp err err.ra
OPE_NO_READAHEAD=1 run $OPE eval bigcut.gz --n-boot 40 > /dev/null 2> err.no
if cmp -s err.ra err.no && grep -q "bigcut.gz: the gzip stream is truncated or corrupt" err.ra; then
    pass "... with the message of the reading without the read-ahead"
else
    fail "a cut gzip log: other messages"; diag "$(cat err.ra)" "$(cat err.no)"
fi

# Several files for one log: the rows of each after the first's header, in order.
# Split at line 1001 (the bandit log has 1500 rows; the trajectory log 60 episodes of
# 20 steps, so line 1001 ends episode 50): the parts must give the whole file's result.
head -n 1001 b.csv > p1.csv; { head -n 1 b.csv; tail -n +1002 b.csv; } > p2.csv
gzip -c p2.csv > p2.csv.gz
ev p1.csv p2.csv.gz > out 2>err; same "two files (plain + gzip) = the whole bandit log" out b.ref
head -n 1001 t.csv > q1.csv; { head -n 1 t.csv; tail -n +1002 t.csv; } > q2.csv
cat q2.csv | ev q1.csv - > out 2>err; same "a file and stdin = the whole trajectory log" out t.ref
if command -v sha256sum >/dev/null 2>&1; then
    want=$(cat p1.csv p2.csv.gz | sha256sum | cut -d' ' -f1)
    run $OPE eval p1.csv p2.csv.gz --n-boot 40 --format json > out 2>err
    expect_grep out "\"sha256\":\"$want\"" "several files: the digest of their bytes in order"
    expect_grep out '"path":"p1.csv p2.csv.gz"' "several files: all named in the result"
else
    skip "sha256sum not installed"; skip "sha256sum not installed"
fi
{ head -n 1 b.csv | sed 's/,reward,/,rew,/'; tail -n +1002 b.csv; } > h2.csv
expect_status 65 "a file with another header: exit 65" run $OPE eval p1.csv h2.csv
expect_grep err "h2.csv:1: the header differs from p1.csv's at column" "the header check names both files"
expect_grep err "'rew' here, 'reward' there" "and the first differing column"
[ -s out ] && fail "a refused header: no output" || pass "a refused header: no output"
: > none.csv
expect_status 65 "an empty second file: exit 65" run $OPE eval p1.csv none.csv
expect_grep err "none.csv: the file is empty; expected the header of p1.csv" "the empty file is named"
# Errors in the second file name it and its own line: a bad action on its line 6
# (checked as read) and a policy whose probabilities do not sum to 1 on its line 8
# (checked once the log is whole).
sed '6s/^[0-9]*,/x,/' p2.csv > e2.csv
expect_status 65 "a bad value in the second file: exit 65" run $OPE eval p1.csv e2.csv
expect_grep err "e2.csv:6:1: column 'action': saw 'x'" "named with the second file's line"
# An action past the per-action columns (checked once the log is whole) on the second
# file's line 7: it named the first file (p1.csv:7).
awk -F, -v OFS=, 'NR == 7 { $1 = 9 } { print }' p2.csv > a2.csv
expect_status 65 "an action past the columns in the second file: exit 65" run $OPE eval p1.csv a2.csv
expect_grep err "a2.csv:7: action 9, but the per-action columns" "... named with the second file's line"
run $OPE eval p1.csv a2.csv --stream > /dev/null 2> err
expect_grep err "a2.csv:7: action 9, but the per-action columns" "... streamed too"
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "pi.greedy.0") c = i }
    NR == 8 { $c = ($c == "0.5") ? "0.25" : "0.5" } { print }' p2.csv > s2.csv
expect_status 65 "a bad policy sum in the second file: exit 65" run $OPE eval p1.csv s2.csv
expect_grep err "s2.csv:8: the probabilities of policy 'greedy'" "a check after reading names the right file and line"

done_testing
