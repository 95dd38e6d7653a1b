#!/bin/sh
# t/1220-report-tui.sh: the workbench's x key writes a report of the session: in a
# view without a table it offers ope-report.html, in a table view a name ending in
# .md gives the Markdown report, and the status line says what was written.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
$OPE gen bandit --rows 1000 --seed 4 -o "$TMP/log.csv" 2>/dev/null
S=ope-report-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
tmux new-session -d -s "$S" -x 130 -y 40 "cd '$TMP' && TERM=xterm OPE_REPORT_DATE=2000-01-01T00:00:00Z '$OPE' tui log.csv --seed 1; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" && pass "the evaluation finishes" || fail "no result"
# The Help view has no table: x offers a report.
tmux send-keys -t "$S" 7 x; wait_for "export a report of the session" &&
    pass "x in a view without a table offers a report" || fail "x offers a report"
tmux send-keys -t "$S" Enter; wait_for "wrote ope-report.html" &&
    pass "the status line says it wrote ope-report.html" || fail "no report written"
[ -s "$TMP/ope-report.html" ] && pass "the file is there" || fail "the file is missing"
expect_grep "$TMP/ope-report.html" "<pre>ope report log.csv --ci bootstrap --alpha 0.05 --n-boot 1000 --seed 1 --reward-model auto --folds 3 -o ope-report.html</pre>" "its command line carries the session's settings"
expect_grep "$TMP/ope-report.html" "2000-01-01T00:00:00Z" "and the date"
if command -v xmllint >/dev/null 2>&1; then
    xmllint --noout "$TMP/ope-report.html" && pass "it is well-formed" || fail "not well-formed"
else
    skip "xmllint is not installed"
fi
# The command it shows recomputes the same tables from the shell.
(cd "$TMP" && OPE_REPORT_DATE=2000-01-01T00:00:00Z $OPE report log.csv --ci bootstrap --alpha 0.05 \
    --n-boot 1000 --seed 1 --reward-model auto --folds 3 -o cli.html 2>/dev/null)
grep '^<tr>' "$TMP/ope-report.html" > "$TMP/tui-rows"
grep '^<tr>' "$TMP/cli.html" > "$TMP/cli-rows"
[ -s "$TMP/tui-rows" ] && cmp -s "$TMP/tui-rows" "$TMP/cli-rows" &&
    pass "every table equals the one of that command" || fail "the tables differ from the command's"
# A table view: the CSV default stays, a .md name writes the Markdown report.
tmux send-keys -t "$S" 2 x; wait_for "export (.csv: this table" && pass "x in the Estimates view" ||
    fail "x in the Estimates view"
tmux send-keys -t "$S" C-u; tmux send-keys -t "$S" BSpace BSpace BSpace BSpace BSpace BSpace BSpace \
    BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace s.md Enter
wait_for "wrote s.md" && pass "a .md name writes the Markdown report" || fail "no Markdown report"
expect_grep "$TMP/s.md" "## Estimates" "with its sections"
# Again without --force: refused, the TUI keeps running.
tmux send-keys -t "$S" 7 x Enter; wait_for "already exists" && pass "an existing report is not replaced" ||
    fail "existing report"
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
tmux kill-session -t "$S" 2>/dev/null
done_testing
