#!/bin/sh
# t/0387-shard-hostile.sh: `ope merge` on crafted states. A state's SHA-256 catches
# accidents only: anyone can seal a payload of their choosing with a valid checksum,
# so the reader must refuse (65, naming the file) every count, row number and value a
# real `ope eval --save-state` cannot have, before it sizes an allocation by it or
# computes with it. The states are made real (two shards of a 40-row log, ipw and
# snipw, one policy: a fixed layout), then one field is rewritten and the state
# sealed again; each offset is checked to hold the value it should before it is
# changed, so a change of layout fails here loudly instead of testing nothing.
. "$OPE_SRCDIR/t/lib.sh"
plan 28

"$OPE" gen bandit --rows 40 --actions 3 --seed 1 -q -o "$TMP/g.csv" || exit 1
head -21 "$TMP/g.csv" > "$TMP/a.csv"
{ head -1 "$TMP/g.csv"; tail -n +22 "$TMP/g.csv"; } > "$TMP/b.csv"
opts="--ci t --estimators ipw,snipw --policy eps0_2 -q"
# shellcheck disable=SC2086
"$OPE" eval "$TMP/a.csv" --save-state "$TMP/a.state" --row-offset 0 $opts || exit 1
# shellcheck disable=SC2086
"$OPE" eval "$TMP/b.csv" --save-state "$TMP/b.state" --row-offset 20 $opts || exit 1

# oct HEX: the bytes as printf's octal escapes.
oct() {
    awk '{ for (i = 1; i < length($0); i += 2) {
               h = index("0123456789abcdef", substr($0, i, 1)) - 1
               l = index("0123456789abcdef", substr($0, i + 1, 1)) - 1
               printf "\\%03o", h * 16 + l } }'
}
# u64 FILE OFF: the little-endian u64 at OFF (from the end of the payload when < 0).
size_of() { wc -c < "$1" | tr -d ' '; }
at() { if [ "$2" -lt 0 ]; then echo $(($(size_of "$1") - 32 + $2)); else echo "$2"; fi; }
u64() { od -An -t u8 -j "$(at "$1" "$2")" -N 8 "$1" | tr -d ' '; }
# craft IN OUT OFF HEX: IN with the 8 bytes at OFF (from the payload's end when < 0)
# set to HEX (16 digits, little-endian), sealed again (its SHA-256 is of every byte
# before it).
# shellcheck disable=SC2059 # the formats are octal escapes made by oct, on purpose
craft() {
    off=$(at "$1" "$3"); n=$(size_of "$1")
    { head -c "$off" "$1"; printf "$(echo "$4" | oct)"
      head -c $((n - 32)) "$1" | tail -c +$((off + 9)); } > "$2.body"
    { cat "$2.body"; printf "$(sha256sum "$2.body" | cut -c1-64 | oct)"; } > "$2"
    rm -f "$2.body"
}
le() { printf '%016x' "$1" | sed 's/\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)/\8\7\6\5\4\3\2\1/'; }

# The layout from the payload's end: the moments of snipw (d = 3: 2 counts, 3 means,
# 6 co-moments: 88 bytes) after ipw's (d = 2: 56 bytes), after the shard's bases (ipw's
# pivot, constant and 1 coefficient, snipw's with 2: 24 + 32), the weights' diagnostics
# (2 x 88), policy eps0_2's truth, weights and 1 x 3 cells (16 + 88 + 48) after the
# cells' shape (16); before it the two verdicts (44 each) and the support (1 x 3 flags).
mom0=-144; mom1=-88; cells=$((-144 - 56 - 176 - 152 - 16)); sup=$((cells - 88 - 40))
ok=1
for chk in "$mom0 2" "$mom1 3" "$cells 1" "$((cells + 8)) 3" "$sup 1" "$((sup + 8)) 3"; do
    # shellcheck disable=SC2086 # "OFFSET VALUE", split on purpose
    set -- $chk
    [ "$(u64 "$TMP/b.state" "$1")" = "$2" ] || { ok=0; diag "at $1: $(u64 "$TMP/b.state" "$1"), not $2"; }
done
craft "$TMP/b.state" "$TMP/same.state" "$mom0" "$(le 2)"
if [ "$ok" = 1 ] && cmp -s "$TMP/b.state" "$TMP/same.state"; then
    pass "the state's layout is the one this test rewrites"
else fail "the state's layout is not the one this test rewrites: update the offsets"; fi

# refused NAME OFF VALUE-HEX DESC MESSAGE: b.state with one field rewritten is refused
# (65) after a.state, naming it in MESSAGE.
refused() {
    craft "$TMP/b.state" "$TMP/$1" "$2" "$3"
    "$OPE" merge "$TMP/a.state" "$TMP/$1" >"$TMP/out" 2>"$TMP/err"
    st=$?
    if [ "$st" = 65 ] && grep -qF -- "$1: $5" "$TMP/err"; then pass "$4"
    else fail "$4"; diag "exit $st: $(head -c 400 "$TMP/err")"; fi
}

# Counts that fit their limits but not the state: 2^28 positions x 3 actions of
# support flags (a 768 MiB allocation and as many reads before the fix), 5,000,000
# positions x 3 actions of mass cells (264 MB). A damaged count is refused before it
# sizes anything: run with 160 MB of address space (not under a sanitizer, which
# reserves terabytes), where the old allocation failed as out of memory.
lim=""
grep -q '^OPE_CFLAGS = .*-fsanitize' "$OPE_BUILDDIR/Makefile" || lim="ulimit -v 163840;"
big() {
    craft "$TMP/b.state" "$TMP/$1" "$2" "$(le "$3")"
    (eval "$lim" exec "$OPE" merge "$TMP/a.state" "$TMP/$1") >"$TMP/out" 2>"$TMP/err"
    st=$?
    if [ "$st" = 65 ] && grep -qF "$1: damaged state" "$TMP/err"; then pass "$4"
    else fail "$4"; diag "exit $st: $(head -c 400 "$TMP/err")"; fi
}
big sup.state "$sup" 268435456 "2^28 positions of support flags: refused as damage, nothing allocated"
big cells.state "$cells" 5500000 "5,500,000 positions of mass cells: refused as damage, nothing allocated"

# Row counts that do not add up (before, each was merged as it said: a first pass of
# 1,000 rows made a 1,020-row result of 40 rows' states; moments over 1,000,000 rows
# a tenth of the sd), and moments that are not numbers (an infinite or negative sum of
# squares gave an sd of 0: a zero-width interval).
# The header's rows: after the log's path, its SHA-256 (a string of 64) and row0.
b="$TMP/b.csv"
head_rows=$(($(grep -abo -F "$b" "$TMP/b.state" | head -1 | cut -d: -f1) + ${#b} + 4 + 64 + 8))
[ "$(u64 "$TMP/b.state" "$head_rows")" = 20 ] || diag "the header's rows are not at $head_rows"
refused rows.state "$head_rows" "$(le 5)" "a header of 5 rows over a first pass of 20: refused" \
    "damaged state: its first pass holds 20 rows, its header 5"
refused n.state $((mom0 + 8)) "$(le 1000000)" "ipw's moments over 1,000,000 rows of 20: refused" \
    "damaged state: the moments of ipw are not those of its 20 rows (1000000 rows"
refused mean.state $((mom0 + 24)) 000000000000f87f "a NaN among ipw's means: refused" \
    "damaged state: the moments of ipw"
refused inf.state $((mom0 + 40)) 000000000000f07f "an infinite co-moment: refused" \
    "damaged state: the moments of ipw"
refused neg.state $((mom1 + 80)) 000000000000f0bf "a sum of squares of -1: refused" \
    "damaged state: the moments of snipw"
# The shard's contribution that stands for a term must be a finite combination of it
# (snipw's constant, after ipw's 24 bytes and its own pivot, made NaN).
refused basis.state $((mom0 - 56 + 32)) 000000000000f87f "a NaN in a shard's basis: refused" \
    "damaged state: the contribution that stands for a term of snipw"
# NaN where a real state has finite sums: the logged policy's reward sum (before, the
# merge printed the behaviour value as null) and the truth sum (ground truth null).
refused rsum.state $((sup - 40)) 000000000000f87f "a NaN reward sum in pass 1: refused" \
    "damaged state"
refused truth.state $((cells + 16)) 000000000000f87f "a NaN truth sum: refused" \
    "damaged state"
# The options block of the first state rebuilds the evaluation; the settings text the
# states are compared by must be what it gives. An alpha of 0.1 under a text saying
# 0.05 was taken (fuzz/shard_fuzz found 1.5e-93: infinite intervals).
alpha=$(($(grep -abo snipw "$TMP/a.state" | sed -n 2p | cut -d: -f1) + 5 + 8 + 4 + 6))
craft "$TMP/a.state" "$TMP/alpha.state" "$alpha" 9a9999999999b93f
"$OPE" merge "$TMP/alpha.state" "$TMP/b.state" >"$TMP/out" 2>"$TMP/err"
if [ $? = 65 ] && grep -qF "alpha.state: damaged state: its options are not the settings it names" "$TMP/err"
then pass "options that are not the settings text (alpha 0.1 under 0.05): refused"
else fail "options that are not the settings text (alpha 0.1 under 0.05): refused"; diag "$(head -c 400 "$TMP/err")"; fi

# --save-state onto the shard's own log: refused before it is read, naming the option's
# path (the message said "-o b.csv", an option not given).
cp "$TMP/b.csv" "$TMP/self.csv"
# shellcheck disable=SC2086
expect_status 64 "--save-state onto its own input: refused" \
    "$OPE" eval "$TMP/self.csv" --save-state "$TMP/self.csv" --row-offset 20 --force $opts
expect_grep "$TMP/err" "self.csv: the output names a file this command reads" "... naming the path, not -o"

# A file larger than any state (a sparse 70 GB one): refused by its size, before a
# byte is read (it used to be read until memory ran out).
if truncate -s 70G "$TMP/huge.state" 2>/dev/null; then
    expect_status 65 "a 70 GB file given as a state: 65 at once" "$OPE" merge \
        "$TMP/huge.state" "$TMP/a.state"
    expect_grep "$TMP/err" "huge.state: not an ope state file (larger than any state)" \
        "... saying so"
    rm -f "$TMP/huge.state"
else
    skip "this file system cannot hold a sparse 70 GB file"
    skip "(the same)"
fi

# A real state with a tail appended (4 GB of zeros, sparse): refused from its header,
# before the tail is read (it was read whole, 28 s and 4 GB, then refused by its
# SHA-256), naming the bytes too many; one cut short is said to be truncated.
cp "$TMP/a.state" "$TMP/tail.state"
if truncate -s 4G "$TMP/tail.state" 2>/dev/null; then
    expect_status 65 "a state with 4 GB appended: 65 at once" sh -c \
        "$lim exec \"\$0\" merge \"\$1\" \"\$2\"" "$OPE" "$TMP/tail.state" "$TMP/b.state"
    expect_grep "$TMP/err" "tail.state: damaged state: $((4294967296 - $(wc -c < "$TMP/a.state"))) bytes after the end of the state it holds ($(wc -c < "$TMP/a.state") bytes)" \
        "... saying how many bytes follow it"
else
    skip "this file system cannot hold a sparse 4 GB file"
    skip "(the same)"
fi
# Headers that cannot be a state's, each file given a 2 GB sparse tail: refused from
# the first bytes, in 160 MB of address space (each was read whole before: 11-33 s and
# 2.1 GB, a helper found).
if command -v python3 >/dev/null 2>&1 && truncate -s 1K "$TMP/probe" 2>/dev/null; then
    python3 - "$TMP" <<'PY'
import os, struct, sys
d = sys.argv[1]
g = open(os.path.join(d, 'a.state'), 'rb').read()
kl, = struct.unpack_from('<I', g, 16)
sl, = struct.unpack_from('<I', g, 20 + kl)
po = 24 + kl + sl
def put(name, b):
    open(os.path.join(d, name), 'wb').write(b)
b = bytearray(g); struct.pack_into('<Q', b, po, 1 << 40); put('len.state', b)
b = bytearray(g); struct.pack_into('<I', b, 16, 0xffffffff); put('kind.state', b)
put('magic.state', b'NOTASTATE')
b = bytearray(g); struct.pack_into('<I', b, 8, 7); put('ver.state', b)
put('eight.state', b'OPESTATE\x01\x00')
PY
    for f in len kind magic ver; do truncate -s 2G "$TMP/$f.state"; done
    hdr() {     # FILE MESSAGE DESC
        (eval "$lim" exec "$OPE" merge "$TMP/$1" "$TMP/b.state") >"$TMP/out" 2>"$TMP/err"
        st=$?
        if [ "$st" = 65 ] && grep -qF "$1: $2" "$TMP/err"; then pass "$3"
        else fail "$3"; diag "exit $st: $(head -c 300 "$TMP/err")"; fi
    }
    hdr len.state "not an ope state file (larger than any state)" \
        "a payload length of 2^40 (2 GB file): refused from the header"
    hdr kind.state "damaged state: its header gives its kind a length of 4294967295 bytes" \
        "a kind of 4 GB: refused from the header"
    hdr magic.state "not an ope state file (it does not begin with OPESTATE)" \
        "no OPESTATE (2 GB file): refused from the first bytes"
    hdr ver.state "a state of format version 7" "another version (2 GB file): refused from the header"
    hdr eight.state "truncated state" "10 bytes beginning OPESTATE: truncated, not 'no OPESTATE'"
    rm -f "$TMP"/len.state "$TMP"/kind.state "$TMP"/magic.state "$TMP"/ver.state
    # Through a pipe: read to the declared end and one byte more, not to the pipe's end
    # (200 MB of zeros after it, in 160 MB of address space).
    { cat "$TMP/a.state"; head -c 200000000 /dev/zero; } |
        (eval "$lim" exec "$OPE" merge /dev/stdin "$TMP/b.state") >"$TMP/out" 2>"$TMP/err"
    st=$?
    if [ "$st" = 65 ] && grep -qF "damaged state: bytes after the end of the state it holds" "$TMP/err"
    then pass "a state followed by 200 MB of zeros on a pipe: refused at the first byte past it"
    else fail "a state then 200 MB of zeros on a pipe"; diag "exit $st: $(head -c 300 "$TMP/err")"; fi
else
    for k in 1 2 3 4 5 6; do skip "python3 or sparse files missing"; done
fi
head -c "$(($(wc -c < "$TMP/a.state") - 40))" "$TMP/a.state" > "$TMP/short.state"
expect_status 65 "a state cut short: 65" "$OPE" merge "$TMP/short.state" "$TMP/b.state"
expect_grep "$TMP/err" "short.state: truncated state" "... said to be truncated"
rm -f "$TMP/tail.state" "$TMP/short.state"

expect_status 0 "the two real states still merge (in as little memory)" sh -c "$lim exec \"\$0\" merge \"\$1\" \"\$2\"" "$OPE" "$TMP/a.state" "$TMP/b.state"
expect_grep "$TMP/out" "40 rows" "... over their 40 rows"
done_testing
