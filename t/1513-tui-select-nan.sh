#!/bin/sh
# t/1513-tui-select-nan.sh: the Selection view ranks an undefined estimate (NaN: tis
# when every trajectory weight of a policy is 0) last, as `ope select` does. Before,
# the view's sort left the NaN first, so on this log tis "chose" anti100 (estimate
# nan, P(best) 0, truth 0.0439) while its regret@1 of 0 came from the real choice,
# mix100. The expected choice is read from `ope select`, not from the view. And the
# Segments view of this trajectory log neither offers nor asks for a column. tmux.
. "$OPE_SRCDIR/t/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi
cd "$TMP" || exit 1
"$OPE" gen mdp riverswim --episodes 200 --candidates 3 --gamma 0.9 --seed 3 -q -o rs.csv \
    --truth rs-truth.csv || { echo "Bail out! gen mdp"; exit 1; }
opts="--truth rs-truth.csv --gamma 0.9 --estimators tis,dr --n-boot 200"
# The premise: anti100 is the first policy and its tis is undefined.
"$OPE" eval rs.csv $opts --format csv > eval.csv 2>/dev/null
grep -q '^anti100,tis,' eval.csv && pass "anti100 is there" || fail "premise: anti100"
head -2 eval.csv | tail -1 | grep -q '^anti100,' && pass "anti100 comes first" || fail "premise: order"
want=$("$OPE" select rs.csv $opts 2>/dev/null | awk '$1 == "tis" { print $NF; exit }')
[ -n "$want" ] && [ "$want" != anti100 ] && pass "ope select: tis chooses $want" \
    || fail "premise: ope select's tis choice '$want'"

S=ope-selnan-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
tmux new-session -d -s "$S" -x 120 -y 30 "cd '$TMP' && LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm NO_COLOR=1 '$OPE' tui rs.csv $opts; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" || fail "the workbench opens"
tmux send-keys -t "$S" 4; wait_for "chosen policy" || fail "Selection view"
row=$(grep '^tis ' "$TMP/screen")
[ "$(printf '%s\n' "$row" | awk '{ print $2 }')" = "$want" ] \
    && pass "Selection: tis chooses $want, as ope select does" \
    || { fail "Selection: tis's choice"; diag "$row"; }
grep -qi 'nan' "$TMP/screen" && fail "a nan on screen" || pass "no nan on screen"
# The Segments view of a trajectory log says it has none to offer, and b refuses at
# once (before, it asked for a column and bins and only then refused).
tmux send-keys -t "$S" 9; wait_for "Segments are for bandit logs" \
    && pass "Segments: a trajectory log is told it has no segments" \
    || { fail "Segments text"; diag "$(sed -n 2,4p "$TMP/screen")"; }
grep -q "Press b" "$TMP/screen" && fail "Segments offers b" || pass "Segments does not offer b"
tmux send-keys -t "$S" b; sleep 0.5
wait_for "segments are for bandit logs; this is a trajectory log" \
    && ! grep -q "segment by context column" "$TMP/screen" \
    && pass "b refuses before asking" || { fail "b on a trajectory log"; diag "$(tail -1 "$TMP/screen")"; }
tmux send-keys -t "$S" Escape
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
done_testing
