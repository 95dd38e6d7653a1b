#!/bin/sh
# t/1540-stream-trajectory-options.sh: --risk, --gamma and --value-model are for
# trajectory logs; on a bandit log read whole they are refused (status 64). Read in
# windows (--stream, past --memory-limit, or standard input with --stream) they were
# silently ignored (status 0, the plain estimates): now the same refusal and message.
. "$OPE_SRCDIR/t/lib.sh"
plan 10

# 5,000 rows: two windows of 4096 rows would not matter, the refusal comes first.
"$OPE" gen bandit --rows 5000 --actions 3 --seed 4 -q -o "$TMP/log.csv" || exit 1

# refused OPTION...: whole, --stream, past --memory-limit 1K: status 64 each, and the
# same message as the whole reading.
refused() {
    "$OPE" eval "$TMP/log.csv" "$@" >/dev/null 2>"$TMP/e1"; s1=$?
    "$OPE" eval "$TMP/log.csv" --stream "$@" >/dev/null 2>"$TMP/e2"; s2=$?
    "$OPE" eval "$TMP/log.csv" --memory-limit 1K "$@" >/dev/null 2>"$TMP/e3"; s3=$?
    if [ $s1 -eq 64 ] && [ $s2 -eq 64 ] && [ $s3 -eq 64 ] && cmp -s "$TMP/e1" "$TMP/e2" &&
       cmp -s "$TMP/e1" "$TMP/e3"; then pass "$* on a bandit log: 64 read whole or streamed"
    else fail "$*: status $s1 / $s2 / $s3"; diag "$(cat "$TMP/e1" "$TMP/e2" "$TMP/e3")"; fi
}
refused --risk
refused --risk=0.2
refused --gamma 0.9
refused --value-model lstd
expect_grep "$TMP/e2" "--value-model: the discount and the value model are for trajectory logs" \
    "and it says why"

# Standard input is known to be a bandit log once the stream has read its header.
expect_status 64 "--risk on standard input with --stream" \
    "$OPE" eval - --stream --risk < "$TMP/log.csv"
expect_grep "$TMP/err" "--risk: return distributions are for trajectory logs; - is a bandit log" \
    "the same message"
expect_status 64 "--gamma on standard input with --stream" \
    "$OPE" eval - --stream --gamma 0.5 < "$TMP/log.csv"
# A trajectory log on standard input streams (t/0396), --risk with it (t/0389): not
# refused as a bandit log's option.
"$OPE" gen mdp riverswim --episodes 5 --horizon 3 -q -o "$TMP/rs.csv" || exit 1
"$OPE" eval - --stream --risk < "$TMP/rs.csv" >"$TMP/out" 2>"$TMP/err"
expect_grep "$TMP/out" "return distribution (CVaR at alpha 0.1):" \
    "a trajectory log on standard input: --risk streams, not called a bandit log"
# A value model asked for while the streamed default list has no estimator to use it.
"$OPE" eval "$TMP/rs.csv" --stream --value-model lstd --gamma 0.9 --ci t >"$TMP/out" 2>&1
expect_grep "$TMP/out" "--value-model lstd is not used: read in windows" \
    "--value-model with the streamed default list: said unused, and how to use it"
done_testing
