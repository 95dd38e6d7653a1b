#!/bin/sh
# t/0543-tui-columns.sh: the column picker of the workbench's tables. `C` numbers every
# header while it asks which columns to show ("2,3,8-10"); the table then shows those
# alone, `x` exports those alone, a re-run (r) keeps them as it keeps the sort, a bad
# list changes nothing and says why, and an empty line shows every column again. The
# Selection view has it too, and Help lists the key. tmux.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
$OPE gen bandit --rows 2000 --seed 4 -o "$TMP/log.csv" 2>/dev/null
S=ope-cols-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
row() { sed -n "$1p" "$TMP/screen"; }
# The Estimates table's header is row 3 (row 1 the tabs, row 2 the settings line); its
# ten columns, in viz/tui_views.c's order: policy estimator value lower upper truth
# rel.err ESS "max w" "mean w". 130 columns show them all.
tmux new-session -d -s "$S" -x 130 -y 40 "cd '$TMP' && TERM=xterm NO_COLOR=1 '$OPE' tui log.csv --seed 1; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" || fail "the evaluation finishes"
tmux send-keys -t "$S" 2; sleep 0.3; screen
row 3 | grep -q '^policy  *estimator  *value  *lower  *upper  *truth  *rel.err  *ESS  *max w  *mean w' \
    && pass "every column at first" || { fail "every column at first"; diag "$(row 3)"; }

tmux send-keys -t "$S" C
wait_for "columns (1-10; empty: all): 1-10" && pass "C asks, suggesting the columns shown (1-10)" \
    || { fail "C asks"; diag "$(tail -n 1 "$TMP/screen")"; }
row 3 | grep -q '^1 policy  *2 estimator  *3 value' && row 3 | grep -q '10 mean w' \
    && pass "while it asks, every header carries its number" || { fail "numbered headers"; diag "$(row 3)"; }
# Typing replaces the suggestion: estimator, value, ESS, max w, mean w.
tmux send-keys -t "$S" 2,3,8-10 Enter
wait_for "5 of 10 columns shown" && pass "the status line says 5 of 10 columns are shown" \
    || { fail "status after C"; diag "$(tail -n 1 "$TMP/screen")"; }
row 3 | grep -q '^estimator  *value  *ESS  *max w  *mean w *$' \
    && pass "the table shows estimator, value, ESS, max w and mean w alone" \
    || { fail "the chosen columns"; diag "$(row 3)"; }
row 4 | grep -q '^dm  ' && pass "the rows are cut the same way (dm first)" || { fail "rows"; diag "$(row 4)"; }

# x exports what is shown: the CSV's header is the five columns.
tmux send-keys -t "$S" x; sleep 0.3; tmux send-keys -t "$S" cols.csv Enter
wait_for "wrote cols.csv"
[ "$(head -n 1 "$TMP/cols.csv" 2>/dev/null)" = "estimator,value,ESS,max w,mean w" ] \
    && pass "x exports the shown columns" || { fail "x exports the shown columns"; diag "$(head -n 2 "$TMP/cols.csv")"; }

# A bad list: nothing changes, the status line says why.
tmux send-keys -t "$S" C; sleep 0.3; tmux send-keys -t "$S" 3,12 Enter
wait_for "'12' is not a column" && pass "a column past the last is refused by name" \
    || { fail "bad list"; diag "$(tail -n 1 "$TMP/screen")"; }
row 3 | grep -q '^estimator  *value  *ESS  *max w  *mean w *$' && pass "... and the columns stay" \
    || { fail "columns after a bad list"; diag "$(row 3)"; }

# r re-runs the evaluation (B 200, seed 5); the columns stay, as the sort does.
tmux send-keys -t "$S" r; sleep 0.3
tmux send-keys -t "$S" Enter; sleep 0.3
tmux send-keys -t "$S" Enter; sleep 0.3
tmux send-keys -t "$S" 200 Enter; sleep 0.3
tmux send-keys -t "$S" 5 Enter
wait_for "evaluation finished" && tmux send-keys -t "$S" j
wait_for "B=200 seed=5" && pass "r re-ran with B = 200, seed 5" || { fail "the re-run"; diag "$(tail -n 1 "$TMP/screen")"; }
row 3 | grep -q '^estimator  *value  *ESS  *max w  *mean w *$' \
    && pass "after the re-run the table shows the same five columns" || { fail "columns after r"; diag "$(row 3)"; }

# Clearing: Ctrl-U empties the suggestion, Enter shows every column.
tmux send-keys -t "$S" C; sleep 0.3; tmux send-keys -t "$S" C-u; sleep 0.2; tmux send-keys -t "$S" Enter
wait_for "every column shown" && pass "an empty line shows every column" || fail "an empty line"
row 3 | grep -q '^policy  *estimator  *value  *lower' && row 3 | grep -q 'mean w' \
    && pass "policy and lower are back" || { fail "after clearing"; diag "$(row 3)"; }

# Selection (view 4): its header is below the note and a blank row.
tmux send-keys -t "$S" 4; sleep 0.3
tmux send-keys -t "$S" C; sleep 0.3
wait_for "columns (1-12; empty: all)" && pass "Selection: C asks for one of its 12 columns" || fail "Selection: C"
tmux send-keys -t "$S" 1,2,12 Enter; sleep 0.3; screen
# The header is the first row from row 4 on that starts with "estimator" (the note
# above it wraps to the width).
hdr=$(sed -n '4,$p' "$TMP/screen" | grep -m1 '^estimator ')
echo "$hdr" | grep -q '^estimator  *chosen policy  *ranking *$' \
    && pass "Selection: estimator, chosen policy and ranking alone" || { fail "Selection columns"; diag "$hdr"; }

# Views without a table say so; Help lists the key.
tmux send-keys -t "$S" 1 C; sleep 0.3
wait_for "this view has no table" && pass "C in the Data view: no table" || fail "C without a table"
tmux send-keys -t "$S" '?'
wait_for "C  columns shown (1-3,7; empty: all)" && pass "Help lists C" || fail "Help lists C"
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
done_testing
