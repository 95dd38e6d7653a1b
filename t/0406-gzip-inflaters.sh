#!/bin/sh
# t/0406-gzip-inflaters.sh: gzip is inflated by ISA-L's igzip when the build has it,
# else (or with OPE_ZLIB=1) by zlib (datasets/input.c). Both must read the same
# streams to the same rows and refuse the same ones with exit 65: every case below
# runs with each, and the results (or statuses) must agree, and match the plain log's.
# The gzip header is read by ope itself (igzip reads one only given whole), so the
# cases include every optional header field, a header CRC, and a member whose header
# straddles one read of the raw bytes (256 KB).
. "$OPE_SRCDIR/t/lib.sh"
cd "$TMP" || exit 1

plan 27

run() { if command -v timeout >/dev/null 2>&1; then timeout 120 "$@"; else "$@"; fi; }
ev() { run $OPE eval "$@" --n-boot 40 --format csv; }

$OPE gen bandit --rows 1500 --seed 7 -o b.csv >/dev/null 2>&1
ev b.csv > b.ref 2>/dev/null
[ -s b.ref ] && pass "the plain log evaluates" || fail "the plain log evaluates"

# both DESC FILE: the file read by each inflater gives the plain log's results.
both() {
    ev "$2" > out.ig 2> err.ig; rig=$?
    OPE_ZLIB=1 ev "$2" > out.zl 2> err.zl; rzl=$?
    if [ $rig -eq 0 ] && [ $rzl -eq 0 ] && cmp -s out.ig b.ref && cmp -s out.zl b.ref; then
        pass "$1"
    else
        fail "$1"; diag "status $rig / $rzl: $(head -c 300 err.ig) / $(head -c 300 err.zl)"
    fi
}
# refused DESC FILE [WORDS]: each inflater refuses it with 65, no output, the same
# message up to the parenthesis (zlib names some faults more closely), WORDS in it.
refused() {
    ev "$2" > out.ig 2> err.ig; rig=$?
    OPE_ZLIB=1 ev "$2" > out.zl 2> err.zl; rzl=$?
    a=$(sed 's/ (.*//' err.ig); b=$(sed 's/ (.*//' err.zl)
    if [ $rig -eq 65 ] && [ $rzl -eq 65 ] && [ ! -s out.ig ] && [ ! -s out.zl ] &&
       [ "$a" = "$b" ] && grep -q "the gzip stream is truncated or corrupt" err.ig &&
       { [ -z "${3:-}" ] || { grep -qF "$3" err.ig && grep -qF "$3" err.zl; }; }; then
        pass "$1"
    else
        fail "$1"; diag "status $rig / $rzl: $(head -c 300 err.ig) / $(head -c 300 err.zl)"
    fi
}

gzip -c < b.csv > plain.gz
both "gzip -c (no name in the header)" plain.gz
cp b.csv named.csv && gzip -f named.csv
both "gzip FILE (the name in the header)" named.csv.gz
gzip -1 -c < b.csv > fast.gz; gzip -9 -c < b.csv > best.gz
both "gzip -1" fast.gz
both "gzip -9" best.gz
head -n 1 b.csv > h.csv; tail -n +2 b.csv > rows.csv
{ gzip -c h.csv; gzip -c rows.csv; } > two.gz
both "two members" two.gz
{ : | gzip -c; gzip -c b.csv; : | gzip -c; } > empties.gz
both "empty members before and after" empties.gz
{ cat plain.gz; head -c 1000 /dev/zero; } > zeros.gz
both "zero bytes after the last member" zeros.gz

# Every optional header field (FEXTRA "xy", FNAME "b.csv", FCOMMENT "hi") and the
# header CRC: flags 0x1e. The CRC16 is the low two bytes of the CRC-32 of the 23
# header bytes before it (RFC 1952, 2.3.1): 0xb58d, computed with Python's
# zlib.crc32; gzip -t accepts the file. The deflate data and trailer are gzip's own
# (its output after the 10-byte header it writes without a name).
hdr='\037\213\010\036\000\000\000\000\000\377\002\000xyb.csv\000hi\000'
{ printf "$hdr"; printf '\215\265'; tail -c +11 plain.gz; } > fields.gz
both "every optional header field and a header CRC" fields.gz
{ printf "$hdr"; printf '\214\265'; tail -c +11 plain.gz; } > badhcrc.gz
refused "a wrong header CRC: refused by both" badhcrc.gz "header crc mismatch"

# A member whose header straddles a read of 256 KB: empty members padded by FEXTRA
# fields (22 bytes each besides the field) put the data member's header at offsets
# around 262144, so each byte of its 10 fixed ones in turn is the first of a read.
empty_member() {    # empty_member X: an empty member with an FEXTRA field of X bytes
    printf '\037\213\010\004\000\000\000\000\000\377'
    printf "\\$(printf %03o $(($1 % 256)))\\$(printf %03o $(($1 / 256)))"
    head -c "$1" /dev/zero | tr '\000' p
    : | gzip -c | tail -c +11
}
ok=0
for at in 262134 262137 262140 262142 262143 262144 262145 262146; do
    { for k in 1 2 3 4; do empty_member 60000; done
      empty_member $((at - 4 * 60022 - 22)); cat plain.gz; } > strad.gz
    [ "$(($(wc -c < strad.gz) - $(wc -c < plain.gz)))" -eq "$at" ] || continue
    ev strad.gz > o1 2>/dev/null && OPE_ZLIB=1 ev strad.gz > o2 2>/dev/null &&
        ev - < strad.gz > o3 2>/dev/null && cmp -s o1 b.ref && cmp -s o2 b.ref &&
        cmp -s o3 b.ref && ok=$((ok + 1))
done
[ $ok -eq 8 ] && pass "a header across a 256 KB read: 8 offsets, file and stdin, both" ||
    fail "a header across a 256 KB read: $ok of 8 offsets"

# What both refuse.
size=$(wc -c < plain.gz)
for cut in 5 10 11 $((size / 2)) $((size - 4)) $((size - 1)); do
    head -c $cut plain.gz > cut$cut.gz
done
refused "cut inside the fixed header" cut5.gz "the file ends inside it"
refused "cut after the fixed header" cut10.gz
refused "cut after one byte of deflate data" cut11.gz
refused "cut in the middle" cut$((size / 2)).gz "the file ends inside it"
refused "cut inside the trailer" cut$((size - 4)).gz
refused "cut before the last byte" cut$((size - 1)).gz
{ head -c $((size - 8)) plain.gz; printf '\000\000\000\000'; tail -c 4 plain.gz; } > badcrc.gz
refused "a wrong CRC-32 in the trailer" badcrc.gz "incorrect data check"
{ cat plain.gz; printf hello; } > garbage.gz
refused "bytes after the end that are not a member" garbage.gz \
    "data after its end that is not another gzip member"
{ cat plain.gz; head -c 10 /dev/zero; printf x; } > zgarb.gz
refused "data after the zero bytes" zgarb.gz "data after the zero bytes that follow its end"
{ head -c 2 plain.gz; printf '\007'; tail -c +4 plain.gz; } > method.gz
refused "a compression method other than deflate" method.gz "unknown compression method"
{ head -c 3 plain.gz; printf '\040'; tail -c +5 plain.gz; } > flags.gz
refused "reserved header flags set" flags.gz "unknown header flags set"
# A flipped bit in the deflate data: the blocks or the CRC-32 catch it.
{ head -c $((size / 3)) plain.gz; printf '\377'; tail -c +$((size / 3 + 2)) plain.gz; } > flip.gz
refused "a byte of the deflate data changed" flip.gz
# Standard input, through each inflater, and the read-ahead off.
ev - < named.csv.gz > out 2>/dev/null; cmp -s out b.ref && pass "stdin" || fail "stdin"
OPE_ZLIB=1 OPE_NO_READAHEAD=1 ev - < named.csv.gz > out 2>/dev/null
cmp -s out b.ref && pass "stdin, zlib, no read-ahead" || fail "stdin, zlib, no read-ahead"
# A BOM split between members of a byte or two: still a BOM (the reader takes 3 bytes
# before it looks), through each inflater, without the read-ahead too.
{ printf '\357\273'; } | gzip -1 > bom.gz
{ printf '\277'; cat b.csv; } | gzip -1 >> bom.gz
both "a BOM in two members" bom.gz
OPE_NO_READAHEAD=1 ev bom.gz > out 2>/dev/null
cmp -s out b.ref && pass "... without the read-ahead" || fail "... without the read-ahead"
