#!/bin/sh
# t/0547-tui-million.sh: `ope tui` on a log of 1,000,000 rows shows its loading frame
# with the bytes read within a second of starting (the log streams in on a worker; no
# pass over the file comes first), then the workbench with all the rows. t/0535 checks
# the frame, the bar and Ctrl-C on 120,000 rows; this one the time at a million.
# The log is made cheaply: 64 distinct rows of 10 actions and 4 policies (43 columns,
# about 190 bytes a row) repeated, gzip-compressed (about 5 MB instead of 190; the
# reader takes gzip by its magic bytes, and the frame's size is the file's). tmux.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1 || ! command -v gzip >/dev/null 2>&1; then
    skip "tmux or gzip is not installed"; done_testing; exit $?
fi
# Row r: action r mod 10, reward floor(r / 10) mod 2, pscore 0.1 (a uniform logger);
# policy p puts 0.55 on action (r + p) mod 10 and 0.05 on the nine others.
awk 'BEGIN {
    h = "action,reward,pscore"
    for (p = 0; p < 4; p++) for (a = 0; a < 10; a++) h = h ",pi.p" p "." a
    print h
    for (r = 0; r < 64; r++) {
        s = (r % 10) "," (int(r / 10) % 2) ",0.1"
        for (p = 0; p < 4; p++) for (a = 0; a < 10; a++) s = s "," (a == (r + p) % 10 ? "0.55" : "0.05")
        row[r] = s
    }
    for (i = 0; i < 1000000; i++) print row[i % 64]
}' | gzip -1 > "$TMP/million.csv.gz"
S=ope-million-$$
screen() { tmux capture-pane -p -t "$S" > "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 60 s
    i=0
    while [ $i -lt 300 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
# ms: milliseconds since t0 (GNU date's %N).
ms() { echo $((($(date +%s%N) - t0) / 1000000)); }
t0=$(date +%s%N)
tmux new-session -d -s "$S" -x 80 -y 24 "cd '$TMP' && TERM=xterm NO_COLOR=1 '$OPE' tui million.csv.gz --estimators ipw --ci none; echo EXITED \$?; sleep 60"
# Poll every 20 ms for the bytes read (or, on a fast machine, the finished load).
seen=""; i=0
while [ $i -lt 250 ]; do
    screen
    if grep -q "MB read\|1000000 rows" "$TMP/screen"; then seen=$(ms); break; fi
    sleep 0.02; i=$((i + 1))
done
if [ -n "$seen" ] && [ "$seen" -le 1000 ]; then pass "progress on screen $seen ms after the start"
else fail "no progress within 1 s (${seen:-none} ms)"; diag "$(cat "$TMP/screen")"; fi
grep -q "MB read" "$TMP/screen" && grep -q "ope: loading million.csv.gz (" "$TMP/screen" \
    && pass "the loading frame: the log's name, size and the bytes read" \
    || skip "the load was over before the frame was captured"
wait_for "evaluation finished" && pass "the workbench follows" || fail "no estimates"
expect_grep "$TMP/screen" "1000000 rows" "all 1,000,000 rows were loaded"
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
done_testing
