#!/bin/sh
# t/1450-audit-terminal.sh: issue 20, items 8 and 12: the duplicate-column check is
# linear (200,000 columns took 49 s when every pair was compared), and names from
# the data reach the terminal with their control bytes escaped (\xNN), as error
# messages already were: ESC ] 0 ; ... BEL sets the window title, ESC [ 2 J clears
# the screen.
. "$OPE_SRCDIR/t/lib.sh"
plan 10
esc=$(printf '\033')

# 8. 200,000 context columns and a repeated name at the end: refused (65) naming
# both columns, within a generous 30 s.
# Written a field at a time: building the 200,000-field line by concatenation is
# quadratic in awk (3.5 minutes).
awk 'BEGIN { n = 200000; printf "action,reward,pscore"
             for (i = 0; i < n; i++) printf ",x%d", i
             printf ",x7\n0,1,0.5"
             for (i = 0; i < n; i++) printf ",0"
             printf ",0\n" }' > "$TMP/dup.csv"
expect_status 65 "a duplicate among 200,000 columns is exit 65" \
    timeout 30 "$OPE" info "$TMP/dup.csv"
expect_grep "$TMP/err" "dup.csv:1: column name 'x7' appears twice (columns 11 and 200004)" \
    "and names both columns"

# 12. An ignored column's name in ope info, a policy name in the eval and select tables.
{ printf 'action,reward,pscore,\033]0;pwned\007,pi.\033[2Jevil.0,pi.\033[2Jevil.1\n'
  for i in 1 2 3 4 5 6; do printf '0,1,0.5,1,1,0\n1,0,0.5,2,0,1\n'; done; } > "$TMP/esc.csv"
pc='^pi\.(?<policy>.*)\.(?<action>[0-9]+)$'
no_esc() {
    if grep -q "$esc" "$TMP/out" "$TMP/err"; then fail "$1: a raw ESC reached the terminal"
    else pass "$1: no raw ESC"; fi
}
expect_status 0 "info on a log whose column names hold escapes" "$OPE" info "$TMP/esc.csv"
expect_grep "$TMP/out" '\x1b]0;pwned\x07 ignored' "info shows the ignored column escaped"
no_esc "info"
expect_status 0 "eval with a policy name holding ESC [ 2 J" \
    "$OPE" eval "$TMP/esc.csv" --n-boot 10 --policy-columns "$pc"
expect_grep "$TMP/out" 'policy \x1b[2Jevil' "eval's table shows the name escaped"
no_esc "eval"
"$OPE" select "$TMP/esc.csv" --policy-columns "$pc" >"$TMP/out" 2>"$TMP/err"
expect_grep "$TMP/out" '\x1b[2Jevil' "select's table shows the name escaped"
no_esc "select"
