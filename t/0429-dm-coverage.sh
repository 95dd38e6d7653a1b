#!/bin/sh
# t/0429-dm-coverage.sh: the bandit dm interval carries the fitted reward model's
# error (its delta-method influence, rm_crossfit_infl), so it covers: a CI-sized
# coverage run, and the qhat.* columns case, whose error ope cannot know, is flagged.
. "$OPE_SRCDIR/t/lib.sh"

# 30 logs of 2,000 rows (the generator's defaults: 5 actions, 0/1 rewards, softmax
# behaviour, 5 policies), t intervals: 150 intervals. Measured: 127 of these 150
# (85%; over 400 logs of 5,000 rows 90-95% per policy, over 200 of 500 rows 77-92%: the
# fit's bias weighs more on small logs). The old fitted-once interval covered 23-32%
# per policy in this setting (doc/coverage.md, bandit-binary-2000), about 40 of 150.
# Requiring 105 (70%) is 4 binomial sd (3.6 at p = 0.85) below the measured count and
# far above the old one.
covered=0; s=1
while [ $s -le 30 ]; do
    $OPE gen bandit -n 2000 -s $s -q -o "$TMP/c.csv" --force
    $OPE eval "$TMP/c.csv" --estimators dm --ci t -f csv -q > "$TMP/c.out" 2>/dev/null
    # policy,estimator,params,value,lower,upper,truth,...
    covered=$((covered + $(awk -F, '$2 == "dm" { c += ($5 != "" && $5 <= $7 && $7 <= $6) } END { print c + 0 }' "$TMP/c.out")))
    s=$((s + 1))
done
[ $covered -ge 105 ] && pass "dm's t interval covers ($covered of 150)" ||
    fail "dm's t interval covers ($covered of 150)"

# The same log with its q.* columns given as qhat.*: no model is fitted, so the interval
# cannot hold the columns' error, and the table says so.
sed '1s/\(^\|,\)q\./\1qhat./g' "$TMP/c.csv" > "$TMP/qh.csv"
expect_status 0 "eval dm with qhat columns" $OPE eval "$TMP/qh.csv" --estimators dm --ci t \
    --policy greedy
expect_grep "$TMP/out" "the interval ignores the error of the log's qhat" \
    "qhat.* columns: the interval is flagged"
done_testing
