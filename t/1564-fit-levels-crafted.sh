#!/bin/sh
# t/1564-fit-levels-crafted.sh: crafted states of a reward model's fit. A fit state
# (ope merge --model-state) holds the joined level names of each categorical column
# and, in its merged means' pass, how many levels the models have. A shard codes its rows by the names, so a
# state whose lists are longer than the counts sent codes past the models' columns: a
# resealed state with 50,000 names put before a column's crashed ope eval (SIGSEGV, a
# heap overflow in rmn_add; a hostile-input helper's finding), and 5 names shifted
# every code silently. Both must be refused as damage (65), the SHA-256 being no guard
# against a crafted state. Then a part of the held-out pass with an error sum below 0.
# Needs python3 to reseal the states.
. "$OPE_SRCDIR/t/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "1..0 # SKIP python3 is not installed"; exit 0; }
plan 8
cd "$TMP" || exit 1
"$OPE" gen bandit --rows 4000 --seed 3 -q -o g.csv || exit 1
awk -F, 'BEGIN { OFS = "," } NR == 1 { print $0, "x9"; next } { print $0, "lev" NR - 1 }' \
    g.csv > cat.csv
head -n 2001 cat.csv > a.csv
{ head -n 1 cat.csv; tail -n +2002 cat.csv; } > b.csv
E="--policy greedy --estimators dr --ci t -q --force"
for round in 1 2; do        # the means' and the spread's passes
    # shellcheck disable=SC2086
    "$OPE" eval a.csv --save-state a.state --model-state fit.state $E &&
        "$OPE" eval b.csv --save-state b.state --row-offset 2000 --model-state fit.state $E &&
        "$OPE" merge a.state b.state --model-state fit.state -q > /dev/null || exit 1
done
cp fit.state good.fit
# stateio.py (t/lib.sh's state_io): load(IN) gives a state's container head and its
# payload to change, save(OUT, HEAD, P) writes them back with a valid SHA-256.
state_io
# extra N: the fit's state with N level names put before x9's (the fit's blocks: the
# tag, an 80-byte head, the number of categorical columns, then per column its name
# and its levels).
extra() {
    python3 - "$1" <<'PY'
import struct, sys
import stateio
n_extra = int(sys.argv[1])
head, p = stateio.load('good.fit')
o = p.find(b'ope model fit 2') + 15 + 80
o += 8                                          # the number of categorical columns
nl, = struct.unpack_from('<I', p, o)
o += 4 + nl                                     # the column's name
n, = struct.unpack_from('<Q', p, o)
fake = b''.join(struct.pack('<I', len(s)) + s for s in (b'fake%d' % i for i in range(n_extra)))
p[o:o + 8] = struct.pack('<Q', n + n_extra)
p[o + 8:o + 8] = fake
stateio.save('fit.state', head, p)
PY
}
# shellcheck disable=SC2086
expect_status 0 "the fit as made: the next round's part saved" "$OPE" eval a.csv \
    --save-state a.state --model-state fit.state $E
for n in 50000 5; do
    extra $n || exit 1
    # shellcheck disable=SC2086
    expect_status 65 "$n level names more than the means' pass counted: 65" "$OPE" eval a.csv \
        --save-state a.state --model-state fit.state $E
    expect_grep "$TMP/err" "damaged state: its categorical levels are not those its means' pass counted" \
        "... refused as damage"
done

# A part of the held-out pass whose error sum is below 0 (squared errors: never): 65 at
# the merge (a crafted part's gave a held-out error of -249.7, exit 0). Ridge: the
# means', spread's and normal equations' rounds, then the held-out pass's parts. A
# part's blocks: the tag "ope model pass 2", the pass (u64), the fit's digest (u32 64
# and the hex), the 80-byte head, then the pass's own: its stage (u64 3), the error sum.
rm -f fit.state
R="--policy greedy --estimators dm --reward-model ridge --ci t -q --force"
for round in 1 2 3 4; do
    # shellcheck disable=SC2086
    "$OPE" eval a.csv --save-state a.state --model-state fit.state $R &&
        "$OPE" eval b.csv --save-state b.state --row-offset 2000 --model-state fit.state $R ||
        exit 1
    [ $round -eq 4 ] || "$OPE" merge a.state b.state --model-state fit.state -q >/dev/null ||
        exit 1
done
cp fit.state fit4.state
python3 - <<'PY' || exit 1
import struct, stateio
head, p = stateio.load('a.state')
o = p.find(b'ope model pass 2') + 16 + 8 + 4 + 64 + 80
assert struct.unpack_from('<Q', p, o)[0] == 3       # the held-out pass
struct.pack_into('<d', p, o + 8, -1e6)
stateio.save('a.state', head, p)
PY
expect_status 65 "a held-out pass's part with an error sum below 0: 65" "$OPE" merge a.state \
    b.state --model-state fit.state
expect_grep "$TMP/err" "a.state: damaged state" "... refused as damage"
cmp -s fit.state fit4.state && pass "... and the fit's state unchanged" ||
    fail "the fit's state changed"
done_testing
