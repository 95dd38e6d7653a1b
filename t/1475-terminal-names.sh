#!/bin/sh
# t/1475-terminal-names.sh: issue 20, items 12 and 14: names from the data reach the
# terminal with their control bytes shown as \xNN everywhere, not only in the tables
# of info, eval and select: in error messages and warnings, in the workbench's views
# and status line (a newline in a policy name ran the rest of its row into the rows
# below), and in reports (Markdown is read with cat). The names: a policy "two
# <newline> lines", a policy "ESC [ 2 J evil" (clears the screen) and an ignored
# column "ESC ] 0 ; pwned BEL" (sets the window title).
. "$OPE_SRCDIR/t/lib.sh"
esc=$(printf '\033')
pc='(?s)^pi\.(?<policy>.+)\.(?<action>\d)$'
no_raw() {      # no_raw DESC FILE...: no ESC or BEL byte in the files
    d=$1; shift
    if cat "$@" | tr -d '\n' | LC_ALL=C grep -q "[$esc$(printf '\007')]"; then
        fail "$d"; else pass "$d"; fi
}
{
    printf 'action,reward,pscore,"\033]0;pwned\007",pi.good.0,pi.good.1,'
    printf '"pi.two\nlines.0","pi.two\nlines.1","pi.\033[2Jevil.0","pi.\033[2Jevil.1"\n'
    i=0
    while [ $i -lt 300 ]; do
        printf '%s,%s,0.5,1,0.3,0.7,0.8,0.2,0.5,0.5\n' $((i % 2)) $((i % 3 == 0)); i=$((i + 1))
    done
} > "$TMP/names.csv"

# 12. Error messages quote names from the data: escaped like the tables.
printf 'action,reward,pscore,"pi.\033[2Jbad.0","pi.\033[2Jbad.1"\n0,1,0.5,0.5,0.4\n' > "$TMP/sum.csv"
expect_status 65 "a policy whose probabilities do not sum to 1 (its name holds ESC [ 2 J)" \
    "$OPE" eval "$TMP/sum.csv" --policy-columns "$pc"
expect_grep "$TMP/err" "the probabilities of policy '\x1b[2Jbad' sum to 0.9" "the message shows it escaped"
no_raw "no raw ESC in the message" "$TMP/err"
expect_status 64 "plot weights of a policy the log lacks, named with ESC" \
    "$OPE" plot weights "$TMP/names.csv" --policy-columns "$pc" --policy "$(printf 'no\033[2J')"
expect_grep "$TMP/err" "has no policy 'no\x1b[2J'" "the usage message shows it escaped"
no_raw "no raw ESC in it" "$TMP/err"

# The eval table's warnings, and the Markdown and HTML reports.
expect_status 0 "eval on the log" "$OPE" eval "$TMP/names.csv" --policy-columns "$pc" --n-boot 10
expect_grep "$TMP/out" "policy two\x0alines" "the policy with a newline is one line"
no_raw "eval: no raw ESC or BEL" "$TMP/out" "$TMP/err"
if command -v gnuplot >/dev/null 2>&1; then charts=""; else charts=--no-charts; fi
expect_status 0 "a Markdown report" "$OPE" report "$TMP/names.csv" --policy-columns "$pc" \
    --n-boot 10 $charts -o "$TMP/r.md"
no_raw "the Markdown report has no raw ESC or BEL" "$TMP/r.md"
# the name's newline is a space in Markdown (it would end the table row)
expect_grep "$TMP/r.md" "| two lines |" "and the newline does not break its table row"
expect_status 0 "an HTML report" "$OPE" report "$TMP/names.csv" --policy-columns "$pc" \
    --n-boot 10 $charts -o "$TMP/r.html"
no_raw "the HTML report has no raw ESC or BEL" "$TMP/r.html"

# 14. The workbench: every view that shows a name keeps each row one row.
if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed (17 tests)"
    _n=$((_n + 16))
    done_testing
    exit $?
fi
S=ope-test-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
tmux new-session -d -s "$S" -x 130 -y 45 "cd '$TMP' && TERM=xterm '$OPE' tui names.csv --policy-columns '$pc' --seed 1 --n-boot 20; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" && pass "the workbench evaluates the log" || fail "no result"
# Estimates: "two\x0alines" on each of its rows, followed by the next policy's rows; no
# row starts with "lines" (what the newline used to push onto the next row).
grep -q '^two\\x0alines  *rm ' "$TMP/screen" && grep -A1 '^two\\x0alines  *rm ' "$TMP/screen" |
    grep -q '^\\x1b\[2Jevil  *dm ' && pass "Estimates: the newline is \x0a and the rows follow in order" ||
    { fail "Estimates: rows garbled"; diag "$(cat "$TMP/screen")"; }
grep -q '^lines' "$TMP/screen" && fail "a row starts with the name's second line" ||
    pass "no row starts with the name's second line"
tmux send-keys -t "$S" 1; wait_for "Columns and roles"
expect_grep "$TMP/screen" '  \x1b]0;pwned\x07             ignored' "Data: the ignored column escaped, aligned"
expect_grep "$TMP/screen" '  policy two\x0alines mean weight' "Data: the policy's weights line"
tmux send-keys -t "$S" 4; wait_for "chosen policy"
grep -q '^dr  *two\\x0alines  ' "$TMP/screen" && pass "Selection: the chosen policy escaped" ||
    { fail "Selection"; diag "$(cat "$TMP/screen")"; }
# The Warnings of the Data view name the policies; Help stays readable after.
tmux send-keys -t "$S" 1 G; sleep 0.5; screen
expect_grep "$TMP/screen" 'warning: two\x0alines: rm does not apply' "Data: a warning names the policy escaped"
title=$(tmux display-message -p -t "$S" '#{pane_title}')
case $title in *pwned*) fail "the window title was set from the data ($title)" ;;
    *) pass "the window title was not set from the data" ;; esac
# The Chart view draws the names (gnuplot shows control bytes as spaces).
if command -v gnuplot >/dev/null 2>&1; then
    tmux send-keys -t "$S" 3; wait_for "evaluation policy"
    expect_grep "$TMP/screen" "two lines" "Chart: the policy's name is a tick label"
else
    skip "gnuplot is not installed"
fi
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits cleanly" || fail "q did not quit"

# 12. CSV keeps names exact for programs, but on a terminal (as ls does) its control
# bytes but newlines and tabs (a quoted CSV cell may hold them) are shown as \xNN too;
# through a pipe the bytes are unchanged.
tmux new-session -d -s "$S-csv" -x 200 -y 45 "cd '$TMP' && '$OPE' eval names.csv --policy-columns '$pc' --n-boot 10 --format csv; echo EXITED \$?; sleep 30"
S=$S-csv
wait_for "EXITED 0" && pass "eval --format csv on a terminal" || fail "eval --format csv on a terminal"
expect_grep "$TMP/screen" '\x1b[2Jevil,dm,' "ESC in a name is escaped on the terminal"
title=$(tmux display-message -p -t "$S" '#{pane_title}')
case $title in *pwned*|*evil*) fail "the CSV set the window title ($title)" ;;
    *) pass "the CSV on a terminal set no window title" ;; esac
"$OPE" eval "$TMP/names.csv" --policy-columns "$pc" --n-boot 10 --format csv > "$TMP/piped.csv"
LC_ALL=C grep -q "$esc\[2Jevil" "$TMP/piped.csv" && pass "through a pipe the CSV keeps the bytes" ||
    fail "the piped CSV lost the name's bytes"
# The same for ingest's CSV of a raw log line holding ESC ] 0 ; pwned BEL. (The sessions
# stay until the server is killed on exit: killing the last one ends the server, and a
# session created just then can be lost with it.)
printf 'a=1 r=0 p=0.5 x=\033]0;pwned\007\n' > "$TMP/raw.log"
re='^a=(?<action>\d) r=(?<reward>\d) p=(?<pscore>[0-9.]+) x=(?<x0>.*)$'
printf '%s\n' "$re" > "$TMP/re.txt"
tmux new-session -d -s "$S-in" -x 200 -y 45 "cd '$TMP' && '$OPE' ingest --regex \"\$(cat re.txt)\" raw.log -o -; echo EXITED \$?; sleep 30"
S=$S-in
wait_for "EXITED 0" && pass "ingest to a terminal" || fail "ingest to a terminal"
expect_grep "$TMP/screen" '1,0,0.5,\x1b]0;pwned\x07' "the raw line's ESC and BEL are escaped"
title=$(tmux display-message -p -t "$S" '#{pane_title}')
case $title in *pwned*) fail "ingest set the window title ($title)" ;;
    *) pass "ingest on a terminal set no window title" ;; esac
done_testing
