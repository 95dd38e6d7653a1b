#!/bin/sh
# t/1512-help-views.sh: `ope help tui` and the man page name every view the workbench's
# tab bar has. The view list is taken from the README's captured tab bar (a tmux
# capture of the real screen), not from the help text. Before, both stopped at
# "8 Train": the Segments view (9) and its `b` key were missing.
. "$OPE_SRCDIR/t/lib.sh"

bar=$(grep -m1 '^     ope  1 Data' "$OPE_SRCDIR/README.md")
[ -n "$bar" ] && pass "the README has the captured tab bar" || fail "no tab bar in the README"
"$OPE" help tui > "$TMP/help" 2>&1
# Help wraps its prose, so look at it as one line.
tr '\n' ' ' < "$TMP/help" | tr -s ' ' > "$TMP/help1"
tr '\n' ' ' < "$OPE_SRCDIR/doc/ope.1.in" | tr -s ' ' > "$TMP/man1"
views=$(printf '%s\n' "$bar" | sed 's/^ *ope *//' | sed 's/  */ /g' | sed 's/ \([0-9]\) /\n\1 /g')
n=0
printf '%s\n' "$views" > "$TMP/views"
while read -r num name; do
    [ -n "$num" ] || continue
    n=$((n + 1))
    grep -qF "$num $name" "$TMP/help1" && pass "ope help tui names view $num $name" \
        || fail "ope help tui lacks view $num $name"
    grep -qF "$num $name" "$TMP/man1" && pass "the man page names view $num $name" \
        || fail "the man page lacks view $num $name"
done < "$TMP/views"
[ "$n" -eq 9 ] && pass "nine views in the README's tab bar" || fail "views: $n"
grep -q 'b there asks' "$TMP/help1" && pass "ope help tui says what b does" || fail "b undocumented"

# The README's captured Estimates table is the demo's: every estimator's value and
# interval there equal the batch summary `ope tui` prints when piped (the same
# evaluation). Before, dm's interval was a stale [0.00610137, 0.00618916].
"$OPE" tui 2>/dev/null | awk '$1 != "estimator" && NF >= 4 { print $1, $2, $3, $4 }' > "$TMP/real"
sed -n '/^     ope  1 Data/,/evaluation finished/p' "$OPE_SRCDIR/README.md" |
    awk '$1 == "bts" { print $2, $3, $4, $5 }' > "$TMP/readme"
[ -s "$TMP/readme" ] || fail "no captured rows in the README"
while read -r est v lo hi; do
    grep -qxF "$est $v $lo $hi" "$TMP/real" && pass "README capture: $est $v [$lo, $hi] is real" \
        || { fail "README capture: $est $v [$lo, $hi]"; diag "$(grep "^$est " "$TMP/real")"; }
done < "$TMP/readme"

# The Help view lists each view's own keys (tui_views' keys_help: Chart's p, Explore's
# v, ...), which no Help showed before. The expected keys are the ones these views
# answer to (t/0530, t/0538 and this file's ope help tui check press them).
if command -v tmux >/dev/null 2>&1; then
    S=ope-helpkeys-$$
    tmux new-session -d -s "$S" -x 100 -y 70 "cd '$TMP' && LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm NO_COLOR=1 '$OPE' tui; echo EXITED \$?; sleep 30"
    i=0
    while [ $i -lt 100 ]; do tmux_screen "$S" "$TMP/screen"; grep -q "evaluation finished" "$TMP/screen" && break; sleep 0.2; i=$((i + 1)); done
    tmux send-keys -t "$S" 7; sleep 0.5; tmux_screen "$S" "$TMP/screen"
    for want in "3 Chart       p  cycle: all policies / one policy" \
                "6 Explore     v      regret / executed value chart" \
                "5 Learn       m      next experiment" "8 Train       e      next environment" \
                "9 Segments    b  segment by a context column"; do
        grep -qF "$want" "$TMP/screen" && pass "Help view: $want" || fail "Help view lacks: $want"
    done
    tmux send-keys -t "$S" q
else
    skip "the Help view (no tmux)"
fi
done_testing
