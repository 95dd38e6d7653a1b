#!/bin/sh
# t/0361-segments-errors.sh: every refusal of `ope eval --by` is a usage error (exit
# 64) that names the log and says what to do: an unknown column, a numeric column
# without --bins, --bins on a categorical column, too many levels, --bins out of
# range or without --by, a trajectory log.
. "$OPE_SRCDIR/t/lib.sh"

$OPE gen bandit --rows 300 --seed 1 -q -o "$TMP/g.csv"

expect_status 64 "an unknown column" $OPE eval "$TMP/g.csv" --by nosuch --n-boot 10
expect_grep "$TMP/err" "g.csv: --by nosuch: no context column of that name (the log's: x0, x1, x2, x3, x4;" \
    "names the file and lists the context columns"

expect_status 64 "a numeric column without --bins" $OPE eval "$TMP/g.csv" --by x2 --n-boot 10
expect_grep "$TMP/err" "g.csv: --by x2: a numeric context column; add --bins K" "says to add --bins"

expect_status 64 "--bins 1" $OPE eval "$TMP/g.csv" --by x2 --bins 1
expect_grep "$TMP/err" "--bins expects an integer from 2 to 64, got '1'" "says the range"
expect_status 64 "--bins without --by" $OPE eval "$TMP/g.csv" --bins 4 --n-boot 10
expect_grep "$TMP/err" "--bins 4: give --by COLUMN too" "says --by is missing"

# A categorical column of 65 levels (one per row, with 65 rows of a 2-action log).
{
    echo "action,reward,pscore,user,pi.new.0,pi.new.1"
    i=0
    while [ $i -lt 65 ]; do echo "$((i % 2)),1,0.5,u$i,0.5,0.5"; i=$((i + 1)); done
} > "$TMP/users.csv"
expect_status 64 "65 levels" $OPE eval "$TMP/users.csv" --context-columns '^user$' --by user \
    --estimators ipw --n-boot 10
expect_grep "$TMP/err" "users.csv: --by user: 65 levels, more than 64 segments" "too many levels"
expect_status 64 "--bins on a categorical column" $OPE eval "$TMP/users.csv" \
    --context-columns '^user$' --by user --bins 3 --estimators ipw --n-boot 10
expect_grep "$TMP/err" "users.csv: --by user: a categorical context column: its levels are the segments" \
    "--bins does not apply to levels"

expect_status 64 "a trajectory log" $OPE eval "$DATA/good/traj.csv" --by state --n-boot 10
expect_grep "$TMP/err" "traj.csv: --by state: segments are for bandit logs; this is a trajectory log" \
    "a trajectory log is refused by name"
done_testing
