#!/bin/sh
# t/1509-gate-lift-names.sh: issue 19 review: policy names come from the data; the
# verdict lines of `ope gate` (name and reason, which names an --against policy) and
# the lift table of `ope eval --lift` printed them raw, so ESC [ 2 J in a name cleared
# the terminal. They show control bytes as \xNN, as every other table does (t/1450).
. "$OPE_SRCDIR/t/lib.sh"
plan 8
esc=$(printf '\033')
no_esc() {
    if grep -q "$esc" "$TMP/out" "$TMP/err"; then fail "$1: a raw ESC reached the terminal"
    else pass "$1: no raw ESC"; fi
}
# Two policies, "ESC[2Jevil" (always action 0) and "ok" (always action 1).
{ printf 'action,reward,pscore,pi.\033[2Jevil.0,pi.\033[2Jevil.1,pi.ok.0,pi.ok.1\n'
  i=0; while [ $i -lt 30 ]; do printf '0,1,0.5,1,0,0,1\n1,0,0.5,1,0,0,1\n'; i=$((i + 1)); done
} > "$TMP/esc.csv"
pc='^pi\.(?<policy>.*)\.(?<action>[0-9]+)$'
evil=$(printf '\033[2Jevil')

expect_status 0 "gate a policy whose name holds ESC [ 2 J (it always wins: PASS)" \
    "$OPE" gate "$TMP/esc.csv" --policy-columns "$pc" --policy "$evil" --n-boot 50
expect_grep "$TMP/out" 'PASS \x1b[2Jevil: ' "the verdict shows the name escaped"
no_esc "gate"
expect_status 0 "gate it against the other policy" \
    "$OPE" gate "$TMP/esc.csv" --policy-columns "$pc" --policy ok --against "$evil" --n-boot 50 \
    --min-lift -2
expect_grep "$TMP/out" 'over policy \x1b[2Jevil' "the reason shows the baseline escaped"
no_esc "gate --against"
"$OPE" eval "$TMP/esc.csv" --policy-columns "$pc" --n-boot 50 --estimators ipw --lift \
    >"$TMP/out" 2>"$TMP/err"
expect_grep "$TMP/out" 'policy \x1b[2Jevil: lift over the logged policy' \
    "eval --lift: the lift table's heading escaped"
no_esc "eval --lift"
done_testing
