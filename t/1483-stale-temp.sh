#!/bin/sh
# t/1483-stale-temp.sh: temporary files of a writer that was killed outright (#20 item
# 10). An output is written to ".NAME.ope-PID.XXXXXX" next to it (outfile.c); SIGKILL
# leaves that file behind, and the next run writing the same NAME removes every such
# file whose PID no longer exists (kill(PID, 0) fails with ESRCH), that is a regular
# file and is owned by the same user -- and nothing else. --force keeps the replaced
# file's permission bits.
. "$OPE_SRCDIR/t/lib.sh"

mkdir "$TMP/k"
OPE_TEST_WRITE_SLEEP=30 "$OPE" gen bandit --rows 100 -q -o "$TMP/k/g.csv" &
pid=$!
i=0
while [ -z "$(ls -A "$TMP/k")" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done
kill -KILL $pid; wait $pid 2>/dev/null
left=$(ls -A "$TMP/k")
case $left in
.g.csv.ope-$pid.??????) pass "SIGKILL leaves .g.csv.ope-$pid.XXXXXX (the pid in the name)" ;;
*) fail "SIGKILL leaves .g.csv.ope-PID.XXXXXX"; diag "left: $left" ;;
esac

# Beside it: a file of a pid past any pid_max (4194304 at most on Linux: ESRCH), which
# goes too; one of a live process (this shell's sleep), one of another target, one
# whose tail is not six characters, a directory and a symbolic link named like a stale
# file, (as root) one owned by another user, and one whose pid is gone but that is
# locked (flock) as a writer in another pid namespace holds its file: all stay.
sleep 60 >/dev/null 2>&1 & live=$!
: >"$TMP/k/.g.csv.ope-999999999.abcdef"
: >"$TMP/k/.g.csv.ope-$live.abcdef"
: >"$TMP/k/.h.csv.ope-999999999.abcdef"
: >"$TMP/k/.g.csv.ope-999999999.abc"
mkdir "$TMP/k/.g.csv.ope-999999998.abcdef"
ln -s "$TMP/k/.h.csv.ope-999999999.abcdef" "$TMP/k/.g.csv.ope-999999997.abcdef"
locked=""
if command -v flock >/dev/null 2>&1; then
    : >"$TMP/k/.g.csv.ope-999999995.abcdef"
    flock "$TMP/k/.g.csv.ope-999999995.abcdef" sleep 60 >/dev/null 2>&1 & holder=$!
    locked=.g.csv.ope-999999995.abcdef
    sleep 0.3
fi
other=""
if [ "$(id -u)" = 0 ]; then
    : >"$TMP/k/.g.csv.ope-999999996.abcdef"
    chown 12345 "$TMP/k/.g.csv.ope-999999996.abcdef" && other=".g.csv.ope-999999996.abcdef"
fi
expect_status 0 "the next run writes the same target" \
    "$OPE" gen bandit --rows 100 -q -o "$TMP/k/g.csv"
kill $live 2>/dev/null
[ -n "$locked" ] && kill $holder 2>/dev/null
[ ! -e "$TMP/k/$left" ] && pass "... and removes the killed writer's file" \
    || fail "... and removes the killed writer's file"
[ ! -e "$TMP/k/.g.csv.ope-999999999.abcdef" ] && pass "... and that of a pid that does not exist" \
    || fail "... and that of a pid that does not exist"
for keep in ".g.csv.ope-$live.abcdef" .h.csv.ope-999999999.abcdef .g.csv.ope-999999999.abc \
            .g.csv.ope-999999998.abcdef .g.csv.ope-999999997.abcdef $other $locked; do
    [ -e "$TMP/k/$keep" ] || [ -L "$TMP/k/$keep" ] && pass "... and keeps $keep" \
        || fail "... and keeps $keep"
done
[ -n "$other" ] || skip "not root: no file of another user"
[ -n "$locked" ] || skip "no flock(1): no locked file"
# A live writer holds the lock on its own temporary file.
if command -v flock >/dev/null 2>&1; then
    mkdir "$TMP/w"
    OPE_TEST_WRITE_SLEEP=30 "$OPE" gen bandit --rows 100 -q -o "$TMP/w/g.csv" &
    w=$!
    i=0
    while [ -z "$(ls -A "$TMP/w")" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done
    flock -n "$TMP/w/$(ls -A "$TMP/w")" true && fail "a live writer holds the lock on its file" \
        || pass "a live writer holds the lock on its file"
    kill $w; wait $w 2>/dev/null
else
    skip "no flock(1)"
fi
[ -s "$TMP/k/g.csv" ] && pass "the target is written" || fail "the target is written"

# --force keeps the permission bits of the file it replaces; a new file is 0644.
mkdir "$TMP/m"
"$OPE" gen bandit --rows 20 -q -o "$TMP/m/a.csv"
[ "$(stat -c %a "$TMP/m/a.csv")" = 644 ] && pass "a new file is 0644" \
    || fail "a new file is 0644 (got $(stat -c %a "$TMP/m/a.csv"))"
for mode in 444 600 640; do
    chmod $mode "$TMP/m/a.csv"
    expect_status 0 "--force replaces a $mode file" \
        "$OPE" gen bandit --rows 30 -q -o "$TMP/m/a.csv" --force
    [ "$(stat -c %a "$TMP/m/a.csv")" = $mode ] && pass "... which stays $mode" \
        || fail "... which stays $mode (got $(stat -c %a "$TMP/m/a.csv"))"
done
[ "$(wc -l <"$TMP/m/a.csv")" = 31 ] && pass "... with the new content (30 rows)" \
    || fail "... with the new content (30 rows)"
[ -z "$(ls -A "$TMP/m" | grep '^\.')" ] && pass "no temporary file left" \
    || fail "no temporary file left: $(ls -A "$TMP/m")"

# A chart: gnuplot writes its own temporary file, named and locked the same way
# (ope_outfile_temp_for), so a killed `ope plot` leaves one that the next plot of the
# same chart removes; a live writer's stays.
if command -v gnuplot >/dev/null 2>&1; then
    mkdir "$TMP/p"
    sleep 60 >/dev/null 2>&1 & live=$!
    "$OPE" gen bandit --rows 200 -q -o "$TMP/p/log.csv"
    : >"$TMP/p/.c.svg.ope-999999999.abcdef"
    : >"$TMP/p/.c.svg.ope-$live.abcdef"
    expect_status 0 "plot next to a stale chart temporary" \
        "$OPE" plot weights "$TMP/p/log.csv" -o "$TMP/p/c.svg"
    [ ! -e "$TMP/p/.c.svg.ope-999999999.abcdef" ] && pass "the dead plot's temporary is removed" \
        || fail "the dead plot's temporary is removed"
    [ -e "$TMP/p/.c.svg.ope-$live.abcdef" ] && pass "a live writer's stays" \
        || fail "a live writer's stays"
    [ "$(ls -A "$TMP/p" | grep -c '^\.')" = 1 ] && pass "the plot leaves nothing of its own" \
        || fail "the plot leaves nothing of its own: $(ls -A "$TMP/p")"
else
    skip "gnuplot is not installed"
fi
kill $live 2>/dev/null
done_testing
