#!/bin/sh
# t/1440-audit-files.sh: nothing partial is left behind (issue 20, items 10-11): a
# catchable fatal signal while an output's temporary file exists removes it, then
# ends the process as the signal would (exit 128+N); a file name of 250 characters
# gets a temporary file although ".NAME.ope-PID.XXXXXX" would pass the 255-byte limit.
# OPE_TEST_WRITE_SLEEP (outfile.h) holds each write so the signal lands mid-write.
. "$OPE_SRCDIR/t/lib.sh"
plan 14
$OPE gen bandit --rows 300 --seed 2 -q -o "$TMP/b.csv"

# kill_mid SIGNAL STATUS DESC CMD...: run CMD in DIR=$TMP/k with writes held, wait for
# its temporary file, send SIGNAL; the status is STATUS and $TMP/k ends up empty.
kill_mid() {
    sig=$1; want=$2; desc=$3; shift 3
    rm -rf "$TMP/k"; mkdir "$TMP/k"
    OPE_TEST_WRITE_SLEEP=30 "$@" >/dev/null 2>&1 &
    pid=$!
    i=0
    while [ -z "$(ls -A "$TMP/k")" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done
    [ -n "$(ls -A "$TMP/k")" ] || diag "no temporary file appeared"
    kill -"$sig" $pid
    wait $pid
    got=$?
    [ $got -eq "$want" ] && pass "$desc: exit $want" ||
        { fail "$desc: exit $got, wanted $want"; }
    left=$(ls -A "$TMP/k")
    [ -z "$left" ] && pass "$desc: nothing left behind" ||
        { fail "$desc: left $left"; }
}
kill_mid TERM 143 "SIGTERM during gen bandit" "$OPE" gen bandit --rows 100 -q -o "$TMP/k/g.csv"
kill_mid HUP 129 "SIGHUP during gen bandit" "$OPE" gen bandit --rows 100 -q -o "$TMP/k/g.csv"
kill_mid TERM 143 "SIGTERM during gen mdp" \
    "$OPE" gen mdp riverswim --episodes 5 -q -o "$TMP/k/m.csv"
kill_mid TERM 143 "SIGTERM during report's commit" "$OPE" report "$TMP/b.csv" -o "$TMP/k/r.html"
kill_mid HUP 129 "SIGHUP during ingest" \
    "$OPE" ingest --regex '^(?<action>\d+),(?<reward>[^,]*),(?<pscore>[^,]*)' "$TMP/b.csv" \
    -o "$TMP/k/i.csv"
# A shell without job control starts background jobs with SIGINT and SIGQUIT ignored; an
# ignored signal stays ignored; env --default-signal (coreutils 8.31) restores it.
if env --default-signal=INT true 2>/dev/null; then
    kill_mid INT 130 "SIGINT during gen bandit" \
        env --default-signal=INT "$OPE" gen bandit --rows 100 -q -o "$TMP/k/g.csv"
else
    skip "env --default-signal is missing"; skip "env --default-signal is missing"
fi

# 11. 250 characters: the longest name of the tests' file systems is 255 bytes, and
# ".NAME.ope-PID.XXXXXX" adds up to 23.
long=$(printf 'a%.0s' $(seq 246)).csv
mkdir "$TMP/l"
expect_status 0 "gen bandit -o a 250-character name" \
    "$OPE" gen bandit --rows 50 -q -o "$TMP/l/$long"
[ "$(ls -A "$TMP/l")" = "$long" ] && pass "writes it and nothing else" ||
    { fail "the directory holds: $(ls -A "$TMP/l")"; }
