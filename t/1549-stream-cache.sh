#!/bin/sh
# t/1549-stream-cache.sh: a streamed evaluation parses its log once and reads the
# parsed batches back from a temporary file for the later passes (the reward model's,
# the sums', the statistics'). The results must be the bits the passes give when each
# parses the log again (--reparse), with a context column that turns
# categorical in a later batch (the cache then starts at the first later pass), when
# $TMPDIR cannot hold it, and to 1e-12 the log read whole; nothing is left in $TMPDIR.
# A copy that fails a read gives way to the log, with the same numbers and a warning.
. "$OPE_SRCDIR/t/lib.sh"

# 150,000 rows: three batches of the stream. z is a number until row 140,000, then a
# word on every other row.
"$OPE" gen bandit --rows 150000 --actions 3 --seed 11 -q -o "$TMP/gen.csv" || exit 1
awk -F, 'BEGIN { OFS = "," } NR == 1 { print $0, "z"; next }
    { print $0, (NR > 140001 && NR % 2 ? "w" NR % 7 : (NR % 13) / 4) }' "$TMP/gen.csv" > "$TMP/late.csv"
args="--estimators ipw,snipw,dm,dr --n-boot 200 --ci t --seed 5"

# eval_json NAME LOG TMPDIR [OPTION...]: ope eval LOG --stream $args OPTION... as JSON
# into $TMP/NAME.json.
eval_json() {
    _name=$1; _log=$2; _tmp=$3; shift 3
    # shellcheck disable=SC2086
    TMPDIR=$_tmp "$OPE" eval "$_log" --stream $args "$@" -f json -o "$TMP/$_name.json" \
        --force 2>"$TMP/$_name.err"
}
same_bits() {   # A B DESC
    if [ -s "$TMP/$1.json" ] && cmp -s "$TMP/$1.json" "$TMP/$2.json"; then pass "$3"
    else fail "$3"; diag "$(head -c 300 "$TMP/$1.err")" "$(head -c 300 "$TMP/$2.err")"; fi
}

mkdir "$TMP/tmp"
for log in gen late; do
    eval_json "$log-cache" "$TMP/$log.csv" "$TMP/tmp"
    eval_json "$log-parse" "$TMP/$log.csv" "$TMP/tmp" --reparse
    same_bits "$log-cache" "$log-parse" "$log.csv: the cached passes give --reparse's bits"
    eval_json "$log-notmp" "$TMP/$log.csv" "$TMP/missing"
    same_bits "$log-cache" "$log-notmp" "$log.csv: no \$TMPDIR, no cache: the same bits, status 0"
done
# A file size limit (ulimit -f) smaller than the cache: past it a write would raise
# SIGXFSZ and end the process; the cache stops before it instead.
(ulimit -f 10000 && eval_json "gen-fsize" "$TMP/gen.csv" "$TMP/tmp"); st=$?
if [ $st -eq 0 ]; then same_bits "gen-cache" "gen-fsize" "ulimit -f 10000: the cache stops, the same bits"
else fail "ulimit -f 10000: status $st"; diag "$(head -c 300 "$TMP/gen-fsize.err")"; fi
# Standard input is copied to a temporary file for the later passes, which the cache
# cannot replace (the first pass may end before it): past the limit the copy is refused
# (73, saying so) -- it ended the process by SIGXFSZ and left the copy in $TMPDIR.
(ulimit -f 2000 && TMPDIR="$TMP/tmp" exec "$OPE" eval - --stream --estimators ipw \
    < "$TMP/gen.csv" > /dev/null 2>"$TMP/stdin-fsize.err"); st=$?
if [ $st -eq 73 ] && grep -q "standard input would pass the file size limit (ulimit -f" \
    "$TMP/stdin-fsize.err"; then pass "standard input past ulimit -f: 73, saying which limit"
else fail "standard input past ulimit -f: status $st"; diag "$(head -c 300 "$TMP/stdin-fsize.err")"; fi
# A copy that fails a read (EIO, through the test seams): the pass parses the log from
# that batch on (the parsed rows' copy), or reads the rest of it from the log (the
# reward model's copy); the same numbers, and a warning naming the failure. Only the
# warnings differ from the cached run's JSON.
nowarn() { sed 's/^ "warnings":\[.*\]/ "warnings":[-]/' "$TMP/$1.json" | grep -v '^  *"warning' > "$TMP/$1.nw"; }
for seam in STREAM_CACHE MODEL_CACHE; do
    for k in 1 3; do
        eval "OPE_TEST_${seam}_READ_ERROR=$k; export OPE_TEST_${seam}_READ_ERROR"
        eval_json "gen-$seam-$k" "$TMP/gen.csv" "$TMP/tmp"; st=$?
        unset "OPE_TEST_${seam}_READ_ERROR"
        nowarn "gen-cache"; nowarn "gen-$seam-$k"
        if [ $st -eq 0 ] && cmp -s "$TMP/gen-cache.nw" "$TMP/gen-$seam-$k.nw" &&
           grep -q "could not be read back (Input/output error): .* again from there" \
               "$TMP/gen-$seam-$k.json"; then
            pass "$seam: read $k fails (EIO): the same numbers, and a warning"
        else fail "$seam: read $k fails: status $st"
            diag "$(head -c 300 "$TMP/gen-$seam-$k.err")" \
                "$(diff "$TMP/gen-cache.nw" "$TMP/gen-$seam-$k.nw" | head -5)"; fi
    done
done
# ope select shows the estimates, not the result's warnings, but says those of how the
# log was read on standard error: both copies' failures among them.
for seam in STREAM_CACHE MODEL_CACHE; do
    eval "OPE_TEST_${seam}_READ_ERROR=2; export OPE_TEST_${seam}_READ_ERROR"
    TMPDIR="$TMP/tmp" "$OPE" select "$TMP/gen.csv" --stream --estimators dm,dr \
        >/dev/null 2>"$TMP/select-$seam.err"; st=$?
    unset "OPE_TEST_${seam}_READ_ERROR"
    said="^ope select: warning: .*could not be read back (Input/output error): .* again"
    if [ $st -eq 0 ] && grep -q "$said from there" "$TMP/select-$seam.err"; then
        pass "$seam: ope select says the failed copy"
    else fail "$seam: ope select: status $st"; diag "$(head -c 400 "$TMP/select-$seam.err")"; fi
done
if [ -z "$(ls -A "$TMP/tmp")" ]; then pass "nothing is left in \$TMPDIR"
else fail "nothing is left in \$TMPDIR"; diag "$(ls -la "$TMP/tmp")"; fi
# shellcheck disable=SC2086
stream_same "late.csv: streamed (cached) as read whole, to 1e-12" "$TMP/late.csv" $args
done_testing
