#!/bin/sh
# t/1486-nul-bytes.sh: a NUL byte anywhere in a log is refused with its place and
# the byte shown as \x00, never taken as the end of a string: in a header name (it
# used to cut 'psc\0ore' to 'psc' and then report a missing pscore column), in a
# number, at the end of a row, inside a quoted field; in a bandit and in a trajectory
# log. Status 65 (bad data) each time.
. "$OPE_SRCDIR/t/lib.sh"

$OPE gen bandit --rows 30 --seed 2 -q -o "$TMP/log.csv"
$OPE gen mdp riverswim --episodes 3 --horizon 4 --candidates 2 --seed 2 -q -o "$TMP/traj.csv"
# awk cannot write a NUL portably: it writes \001, which tr turns into \000.
nul_in_header() {   # FILE OUT: "pscore" -> "psc<NUL>ore"
    awk 'NR == 1 { sub(/pscore/, "psc\001ore") } { print }' "$1" | tr '\001' '\000' > "$2"
}
nul_in_header "$TMP/log.csv" "$TMP/h.csv"
nul_in_header "$TMP/traj.csv" "$TMP/th.csv"
awk -F, -v OFS=, 'NR == 4 { $2 = $2 "\001" } { print }' "$TMP/log.csv" | tr '\001' '\000' > "$TMP/num.csv"
awk 'NR == 6 { $0 = $0 "\001" } { print }' "$TMP/log.csv" | tr '\001' '\000' > "$TMP/end.csv"
awk -F, -v OFS=, 'NR == 8 { $1 = "\"" $1 "\001\"" } { print }' "$TMP/log.csv" | tr '\001' '\000' > "$TMP/quoted.csv"

expect_status 65 "a NUL in a bandit header name: status 65" $OPE info "$TMP/h.csv"
expect_grep "$TMP/err" "h.csv:1:" "... at line 1"
expect_grep "$TMP/err" "'psc\\x00ore' holds a NUL byte" "... showing the whole name with the byte"
expect_status 65 "the same in a trajectory header" $OPE info "$TMP/th.csv"
expect_grep "$TMP/err" "'psc\\x00ore' holds a NUL byte" "... the same message"
expect_status 65 "a NUL inside a number" $OPE info "$TMP/num.csv"
expect_grep "$TMP/err" "num.csv:4:" "... at its line"
expect_grep "$TMP/err" '\x00' "... shown as \\x00"
expect_status 65 "a NUL at the end of a row" $OPE info "$TMP/end.csv"
expect_grep "$TMP/err" "end.csv:6:" "... at its line"
expect_status 65 "a NUL inside a quoted field" $OPE info "$TMP/quoted.csv"
expect_grep "$TMP/err" "quoted.csv:8:1:" "... at its line and column"
done_testing
