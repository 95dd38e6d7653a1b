#!/bin/sh
# t/1420-cli-values.sh: values that once ran silently as something else, or failed
# for the wrong reason (the hostile review of the command-line layer): a long
# estimator spec was cut and its number read as another one, a parameter or a
# --policy given twice, a seed past 2^64-1 clamped; gnuplot's two-line warning about a
# small canvas taken for an error; rm's "stochastic" reason printing 1 for
# 0.9999999999999999.
. "$OPE_SRCDIR/t/lib.sh"
plan 23
$OPE gen bandit --rows 500 --seed 1 -q -o "$TMP/b.csv"

long=$(printf '%0247d' 7)
expect_status 64 "a spec longer than 255 characters is refused" \
    "$OPE" eval "$TMP/b.csv" --estimators "sg-dr:lambda=$long"
expect_grep "$TMP/err" "estimator spec too long: 'sg-dr:lambda=0000" "and the message quotes it"
expect_status 64 "a parameter given twice is refused" \
    "$OPE" eval "$TMP/b.csv" --estimators 'sg-dr:lambda=0.5,lambda=0.2'
expect_grep "$TMP/err" "estimator 'sg-dr': lambda given twice" "and named"
expect_status 64 "--policy given twice is refused" \
    "$OPE" eval "$TMP/b.csv" --policy greedy --policy greedy
expect_grep "$TMP/err" "--policy greedy given twice" "and named"
expect_status 64 "--seed 2^64 is refused, not clamped" \
    "$OPE" eval "$TMP/b.csv" --seed 18446744073709551616
expect_grep "$TMP/err" "--seed expects a whole number from 0 to 2^64-1" "with the range"
expect_status 0 "--seed 2^64-1 is the largest seed" \
    "$OPE" eval "$TMP/b.csv" --seed 18446744073709551615 --n-boot 20 --policy greedy
expect_status 64 "help estimators --names with an extra word" \
    "$OPE" help estimators --names extra
expect_grep "$TMP/err" "unexpected argument 'extra'" "names the extra word"
expect_status 64 "ope plot without a kind" "$OPE" plot
expect_grep "$TMP/err" "sharpe or train" "lists every chart kind of the table"

expect_status 64 "--alpha 2 is a usage error" "$OPE" eval "$TMP/b.csv" --alpha 2
[ "$(grep -c 'alpha' "$TMP/err")" -eq 1 ] && pass "and it is said once" ||
    { fail "the --alpha message is printed more than once"; diag "$(cat "$TMP/err")"; }

# --truth on a bandit log is used, not ignored: the file's value is the ground truth
# and the relative error follows (|0.5 - value| / 0.5); a missing file is exit 66.
printf 'policy,value\ngreedy,0.5\n' > "$TMP/truth.csv"
expect_status 0 "eval --truth on a bandit log" \
    "$OPE" eval "$TMP/b.csv" --truth "$TMP/truth.csv" --policy greedy --estimators ipw --ci none --format json
expect_grep "$TMP/out" '"ground_truth":0.5' "the truth file's value is the policy's ground truth"
expect_status 66 "a missing truth file is an error for a bandit log too" \
    "$OPE" eval "$TMP/b.csv" --truth "$TMP/nowhere.csv"
expect_grep "$TMP/err" "nowhere.csv: cannot open" "and names the file"

# A command that reads bandit logs only refuses a trajectory log, whatever its source.
$OPE gen mdp riverswim --episodes 20 --seed 1 -q -o "$TMP/rs.csv"
expect_status 65 "plot weights on a trajectory log" "$OPE" plot weights "$TMP/rs.csv" --term dumb
expect_grep "$TMP/err" "rs.csv:1: this is a trajectory log" "says it is a trajectory log"

# rm's reason keeps every digit when six would print 1.
printf 'action,reward,pscore,pi.e.0,pi.e.1\n0,1,0.5,0.9999999999999999,0.0000000000000001\n1,0,0.5,0.9999999999999999,0.0000000000000001\n' > "$TMP/near.csv"
"$OPE" eval "$TMP/near.csv" --estimators rm --ci none >"$TMP/out" 2>&1
expect_grep "$TMP/out" "probability 0.99999999999999989" "rm's reason shows 0.9999999999999999, not 1"

if command -v gnuplot >/dev/null 2>&1; then
    "$OPE" eval "$TMP/b.csv" --n-boot 20 --format json -o "$TMP/e.json"
    expect_status 0 "a canvas gnuplot finds small is drawn (its warning is no error)" \
        "$OPE" plot estimates --from-json "$TMP/e.json" --term dumb --size 80x15
else
    skip "gnuplot is not installed"
fi
done_testing
