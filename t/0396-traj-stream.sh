#!/bin/sh
# t/0396-traj-stream.sh: `ope eval --stream` on a trajectory log (issue 17) reads it in
# windows of whole episodes, in one pass, and gives the in-memory JSON: the estimates
# and bootstrap intervals bit for bit (the accumulator's chunks and draws are the
# whole log's), se to rounding (a self-normalised estimator's comes from the terms'
# co-moments: t/jsonclose at 1e-12 relative). Checked with windows of 4096 episodes on
# a log whose episodes have 1 to 30 steps, in the sampler's order and sorted by length
# (so the longest episode comes last and the per-step slots of wpdis grow window by
# window), with 1 and 2 threads, --gamma, --policy, --truth, .gz and .zst, two files of
# one log, and past --memory-limit; the t, Hoeffding and Bernstein intervals (the log
# read again for the contributions and the differences). What a stream cannot do is refused with status 64
# before anything is read; bad rows fail with the in-memory message and status.
# The logs' returns vary, so every se is far from 0 (an se of 0 is rounding noise in
# both runs, which no relative tolerance compares).
. "$OPE_SRCDIR/t/lib.sh"
plan 34
close="$OPE_BUILDDIR/t/jsonclose"
OPE_TEST_WINDOW=4096
export OPE_TEST_WINDOW

"$OPE" gen mdp gridworld --episodes 12000 --candidates 4 --gamma 0.95 -q \
    -o "$TMP/g.csv" --truth "$TMP/truth.csv" || exit 1
# The same episodes, shortest first (sorted by length, then id).
head -1 "$TMP/g.csv" > "$TMP/head"
awk -F, 'NR > 1 { n[$1]++ } END { for (e in n) printf "%06d %s\n", n[e], e }' "$TMP/g.csv" |
    sort > "$TMP/len"
awk 'NR == FNR { order[++k] = $2; next }
     FNR > 1 { split($0, f, ","); rows[f[1]] = rows[f[1]] $0 "\n" }
     END { for (i = 1; i <= k; i++) printf "%s", rows[order[i]] }' "$TMP/len" "$TMP/g.csv" \
    > "$TMP/body"
cat "$TMP/head" "$TMP/body" > "$TMP/gs.csv"

# same DESC FILE... -- ARGS: eval in memory and with --stream, the same JSON.
same() {
    desc=$1; shift
    files=""
    while [ "$1" != -- ]; do files="$files $1"; shift; done
    shift
    # shellcheck disable=SC2086 # paths from $TMP have no spaces
    "$OPE" eval $files "$@" -f json >"$TMP/whole" 2>"$TMP/whole.err"; s1=$?
    # shellcheck disable=SC2086
    "$OPE" eval $files --stream "$@" -f json >"$TMP/win" 2>"$TMP/win.err"; s2=$?
    if [ $s1 -eq 0 ] && [ $s2 -eq 0 ] && "$close" "$TMP/whole" "$TMP/win" 2>"$TMP/why"; then
        pass "$desc"
    else fail "$desc"; diag "status $s1 / $s2" "$(cat "$TMP/why")" \
        "$(head -c 300 "$TMP/win.err")"; fi
}
E="--estimators tis,pdis,wtis,wpdis"
# shellcheck disable=SC2086
same "tis, pdis, wtis, wpdis with bootstrap intervals" "$TMP/g.csv" -- $E
# shellcheck disable=SC2086
same "episodes shortest first: wpdis's slots grow" "$TMP/gs.csv" -- $E
# shellcheck disable=SC2086
same "no intervals" "$TMP/gs.csv" -- $E --ci none
# shellcheck disable=SC2086
same "one thread" "$TMP/gs.csv" -- $E --threads 1 --n-boot 200
# shellcheck disable=SC2086
same "--gamma 0.9, two policies, --truth" "$TMP/g.csv" -- $E --gamma 0.9 \
    --policy mix33 --policy mix100 --truth "$TMP/truth.csv"
# shellcheck disable=SC2086
same "--lift and --against" "$TMP/g.csv" -- $E --lift --against mix33 --n-boot 300
# The t, Hoeffding and Bernstein intervals: a second pass over the file for the ratio
# estimators' contributions linearised at the whole log's ratios, and a third for the
# paired differences of --matrix (24 pairs here): the in-memory numbers.
# shellcheck disable=SC2086
same "--ci t, --lift, --matrix=4: a second and a third pass" "$TMP/gs.csv" -- $E --ci t \
    --lift --matrix=4 --gamma 0.9
# shellcheck disable=SC2086
same "--ci hoeffding: the contributions' observed range" "$TMP/g.csv" -- $E --ci hoeffding \
    --matrix=4
if tr -d ' \n' < "$TMP/win" | grep -q '"differences":\[{[^]]*"ci":{"lower":-\{0,1\}[0-9]'; then
    pass "the differences have intervals"
else fail "no intervals of the differences"; fi
# shellcheck disable=SC2086
same "--ci bernstein, one thread" "$TMP/g.csv" -- $E --ci bernstein --threads 1
gzip -c "$TMP/gs.csv" > "$TMP/gs.csv.gz"
zstd -q -c "$TMP/gs.csv" > "$TMP/gs.csv.zst"
"$OPE" eval "$TMP/gs.csv" $E -f json > "$TMP/mem.json"
for z in gz zst; do
    # shellcheck disable=SC2086
    "$OPE" eval "$TMP/gs.csv.$z" --stream $E -f json > "$TMP/z.json" 2>"$TMP/err"
    grep -v sha256 "$TMP/mem.json" > "$TMP/a"; grep -v sha256 "$TMP/z.json" > "$TMP/b"
    if "$close" "$TMP/a" "$TMP/b" 2>"$TMP/why"; then pass "a .$z file: the same"
    else fail "a .$z file differs"; diag "$(cat "$TMP/why" "$TMP/err")"; fi
done
# Standard input, a FIFO, and a gzip stream on standard input: read once, as they come
# (nothing copied to a temporary file), the same estimates (the digest of a compressed
# stream is of its bytes as given).
for how in stdin fifo gzip; do
    case $how in
    stdin) "$OPE" eval - --stream $E -f json < "$TMP/gs.csv" > "$TMP/p.json" 2>"$TMP/err" ;;
    fifo) rm -f "$TMP/fifo"; mkfifo "$TMP/fifo"
          cat "$TMP/gs.csv" > "$TMP/fifo" &
          "$OPE" eval "$TMP/fifo" --stream $E -f json > "$TMP/p.json" 2>"$TMP/err"; wait ;;
    gzip) "$OPE" eval - --stream $E -f json < "$TMP/gs.csv.gz" > "$TMP/p.json" 2>"$TMP/err" ;;
    esac
    sed 's/"path":"[^"]*","sha256":"[^"]*",//' "$TMP/mem.json" > "$TMP/a"
    sed 's/"path":"[^"]*","sha256":"[^"]*",//' "$TMP/p.json" > "$TMP/b"
    if "$close" "$TMP/a" "$TMP/b" 2>"$TMP/why" && ! grep -q "copied" "$TMP/p.json"; then
        pass "$how: the same, nothing copied"
    else fail "$how differs"; diag "$(cat "$TMP/why" "$TMP/err")"; fi
done
# --ci t from standard input and a FIFO: copied to a temporary file as the first pass
# reads it, read again from the copy (said, and the copy removed), the same numbers.
"$OPE" eval "$TMP/gs.csv" $E --ci t --matrix=3 -f json > "$TMP/mem-t.json"
mkdir -p "$TMP/spill"
for how in stdin fifo; do
    case $how in
    stdin) TMPDIR="$TMP/spill" "$OPE" eval - --stream $E --ci t --matrix=3 -f json \
               < "$TMP/gs.csv" > "$TMP/p.json" 2>"$TMP/err" ;;
    fifo) rm -f "$TMP/fifo"; mkfifo "$TMP/fifo"
          cat "$TMP/gs.csv" > "$TMP/fifo" &
          TMPDIR="$TMP/spill" "$OPE" eval "$TMP/fifo" --stream $E --ci t --matrix=3 -f json \
              > "$TMP/p.json" 2>"$TMP/err"; wait ;;
    esac
    sed 's/"path":"[^"]*","sha256":"[^"]*",//; s/"warnings":\[[^]]*\]//' "$TMP/mem-t.json" \
        > "$TMP/a"
    sed 's/"path":"[^"]*","sha256":"[^"]*",//; s/"warnings":\[[^]]*\]//' "$TMP/p.json" > "$TMP/b"
    if "$close" "$TMP/a" "$TMP/b" 2>"$TMP/why" &&
       grep -q "can be read only once: it was copied to a temporary file" "$TMP/p.json" &&
       [ -z "$(ls "$TMP/spill")" ]; then
        pass "--ci t, $how: copied, read again, the same; the copy removed"
    else fail "--ci t, $how"; diag "$(cat "$TMP/why" "$TMP/err")" "$(ls "$TMP/spill")"; fi
done
# Two files of one log, cut between episodes.
cut_at=$(awk -F, 'NR > 90000 && $2 == 0 { print NR; exit }' "$TMP/gs.csv")
head -n $((cut_at - 1)) "$TMP/gs.csv" > "$TMP/p1.csv"
{ head -1 "$TMP/gs.csv"; tail -n +"$cut_at" "$TMP/gs.csv"; } > "$TMP/p2.csv"
# shellcheck disable=SC2086
same "two files of one log" "$TMP/p1.csv" "$TMP/p2.csv" -- $E
# shellcheck disable=SC2086
same "two files of one log, --ci t: both read again" "$TMP/p1.csv" "$TMP/p2.csv" -- $E --ci t
# Past --memory-limit with estimators a stream takes: streamed (the same JSON); with one
# that fits a model (dm, dr, wdr, mis) it is read whole, as before.
# shellcheck disable=SC2086
"$OPE" eval "$TMP/gs.csv" $E --memory-limit 1M -f json > "$TMP/auto.json" 2>"$TMP/err"
if "$close" "$TMP/mem.json" "$TMP/auto.json"; then pass "past --memory-limit: streamed, same"
else fail "past --memory-limit: different"; fi
# shellcheck disable=SC2086
"$OPE" eval "$TMP/gs.csv" $E --ci t -f json > "$TMP/mem-t.json"
# shellcheck disable=SC2086
"$OPE" eval "$TMP/gs.csv" $E --ci t --memory-limit 1M -f json > "$TMP/auto.json" 2>"$TMP/err"
if "$close" "$TMP/mem-t.json" "$TMP/auto.json"; then pass "past --memory-limit, --ci t: the same"
else fail "past --memory-limit, --ci t: different"; fi
"$OPE" eval "$TMP/g.csv" --estimators tis,dr --n-boot 50 -f json > "$TMP/mem-dr.json"
"$OPE" eval "$TMP/g.csv" --memory-limit 1M --estimators tis,dr --n-boot 50 -f json \
    > "$TMP/all.json" 2>"$TMP/err"
if "$close" "$TMP/mem-dr.json" "$TMP/all.json" 2>"$TMP/why"; then
    pass "past --memory-limit with dr: streamed (its model in a pass of its own), the same"
else fail "past --memory-limit with dr"; diag "$(cat "$TMP/why" "$TMP/err")"; fi
# Without --estimators a stream runs those it can, and says what it left out.
"$OPE" eval "$TMP/g.csv" --stream --n-boot 50 > "$TMP/out" 2>&1
expect_grep "$TMP/out" "dm, dr, wdr and mis left out: read in windows (--stream, mpirun), the default" \
    "the default estimators: the model's are left out, and said"

# Weights far from 1 (a horizon of 800 with policies that rarely agree with the
# logger: trajectory weights down to 1e-229, whose squares underflow double precision):
# the co-moments are formed scaled, the same se as in memory -- to 1e-8 here: mix0's
# wtis is nearly one trajectory's return, its contributions equal to 8 digits (se
# 3.2e-6 of 84), so the in-memory two-pass sd, from differences of such numbers, is
# itself good to about 1e-10 only (the bandit shards' reward + 1e6 case, t/0388).
"$OPE" gen mdp riverswim --horizon 800 --episodes 300 --candidates 3 -q -o "$TMP/r800.csv"
# shellcheck disable=SC2086
"$OPE" eval "$TMP/r800.csv" $E -f json > "$TMP/w1" 2>/dev/null
# shellcheck disable=SC2086
"$OPE" eval "$TMP/r800.csv" --stream $E -f json > "$TMP/w2" 2>/dev/null
if "$close" "$TMP/w1" "$TMP/w2" 1e-8 2>"$TMP/why"; then pass "horizon 800, weights down to 1e-229"
else fail "horizon 800, weights down to 1e-229"; diag "$(cat "$TMP/why")"; fi
# Their co-moments grow as the square of the horizon: past the memory budget, refused.
# shellcheck disable=SC2086
OPE_TEST_MODEL_BUDGET=50000000 "$OPE" eval "$TMP/r800.csv" --stream $E >/dev/null 2>"$TMP/err"
s=$?
if [ $s -eq 65 ] && grep -q "1601 of them for wpdis at horizon 800" "$TMP/err" &&
   grep -q "use --ci t (whose second pass keeps no co-moments)" "$TMP/err"; then
    pass "wpdis's co-moments past the memory budget: refused (65), saying how much and what to do"
else fail "the memory budget: status $s"; diag "$(cat "$TMP/err")"; fi

# With --ci t a second pass forms the contributions, so no co-moments are kept: the
# same log within that budget, the in-memory JSON.
# shellcheck disable=SC2086
"$OPE" eval "$TMP/r800.csv" $E --ci t --matrix=3 -f json > "$TMP/w1" 2>/dev/null
# shellcheck disable=SC2086
OPE_TEST_MODEL_BUDGET=50000000 "$OPE" eval "$TMP/r800.csv" --stream $E --ci t --matrix=3 \
    -f json > "$TMP/w2" 2>"$TMP/err"; s=$?
if [ $s -eq 0 ] && "$close" "$TMP/w1" "$TMP/w2" 2>"$TMP/why"; then
    pass "horizon 800 with --ci t: no co-moments, within the budget, the same"
else fail "horizon 800 with --ci t: status $s"; diag "$(cat "$TMP/why" "$TMP/err")"; fi

# ... but every window of the second pass is laid out at the whole log's horizon: past
# the budget that is refused (65), saying which estimator and how much.
# shellcheck disable=SC2086
OPE_TEST_MODEL_BUDGET=2000000 "$OPE" eval "$TMP/r800.csv" --stream $E --ci t >/dev/null \
    2>"$TMP/err"; s=$?
if [ $s -eq 65 ] && grep -q "800 terms an episode for wpdis at horizon 800: 3.7 MB" "$TMP/err"
then pass "--ci t, windows at horizon 800 past the budget: refused (65), saying how much"
else fail "--ci t past the budget: status $s"; diag "$(cat "$TMP/err")"; fi

# Refused before reading, status 64.
expect_status 64 "--ci cs with --save-state" "$OPE" eval "$TMP/g.csv" --save-state "$TMP/cs.state" $E --ci cs
expect_status 64 "--risk with --save-state" "$OPE" eval "$TMP/g.csv" --save-state "$TMP/risk.state" $E --risk
expect_status 64 "--policy NAME=FILE with --stream" "$OPE" eval "$TMP/g.csv" --stream $E \
    --policy x="$TMP/truth.csv"

# A state id of 10^8 past the first window: refused (65) before any table is sized by
# it (the rows read ahead are not checked yet), not an out-of-memory failure.
awk -F, -v OFS=, 'NR == 150001 { $3 = 99999999 } { print }' "$TMP/gs.csv" > "$TMP/sbig.csv"
# shellcheck disable=SC2086
expect_status 65 "state id 10^8 on line 150001: refused" "$OPE" eval "$TMP/sbig.csv" --stream $E
expect_grep "$TMP/err" "sbig.csv:150001: state id 99999999; a log read in windows" "naming the line"

# Bad rows past the first window: the in-memory status and message.
bad() {
    desc=$1; file=$2
    # shellcheck disable=SC2086
    "$OPE" eval "$file" $E 2>"$TMP/e1" >/dev/null; s1=$?
    # shellcheck disable=SC2086
    "$OPE" eval "$file" --stream $E 2>"$TMP/e2" >/dev/null; s2=$?
    if [ $s1 -eq 65 ] && [ $s2 -eq 65 ] && cmp -s "$TMP/e1" "$TMP/e2"; then pass "$desc"
    else fail "$desc: $s1 / $s2"; diag "$(cat "$TMP/e1" "$TMP/e2")"; fi
}
awk -F, 'NR == 150001 { $6 = "1.5" } { print }' OFS=, "$TMP/gs.csv" > "$TMP/b1.csv"
bad "a pscore of 1.5 on line 150001: the same message" "$TMP/b1.csv"
# An episode of the first window comes back at the end.
{ cat "$TMP/gs.csv"; sed -n 2p "$TMP/gs.csv"; } > "$TMP/b2.csv"
bad "an episode that comes back after 12,000 others: the same message" "$TMP/b2.csv"
done_testing
