#!/bin/sh
# t/0220-info.sh: `ope info` on the shipped Open Bandit Dataset sample and on small
# logs: the numbers it reports, its three formats, and its usage errors.
. "$OPE_SRCDIR/t/lib.sh"
plan 20

OBD="$OPE_SRCDIR/data/obd/random/men/men.csv"
MAP="--map action=item_id --map reward=click --map pscore=propensity_score"
# shellcheck disable=SC2086
expect_status 0 "info on the OBD random/men sample" "$OPE" info $MAP \
    --context-columns '^user_feature_\d+$' "$OBD"
expect_grep "$TMP/out" "rows                 10000" "10000 rows"
expect_grep "$TMP/out" "actions              34" "34 items in the men campaign"
expect_grep "$TMP/out" "positions            3" "3 positions (1..3 in the file)"
# uniform logging over 34 items: pscore = 1/34 on every row, so mean 1/pscore = 34
expect_grep "$TMP/out" "inverse_pscore_mean  34" "mean 1/pscore is A = 34"
# 46 clicks in 10000 rows (grep -c of ',1,0.0294' on the click column would say so)
expect_grep "$TMP/out" "reward_mean          0.0046" "click rate 0.0046"
expect_grep "$TMP/out" "user_feature_3        context (categorical, 8 levels)" \
    "hashed user features are categorical"
expect_grep "$TMP/out" "ignored (unnamed)" "the unnamed index column is ignored"

# shellcheck disable=SC2086
expect_status 0 "json format" "$OPE" info $MAP --format json "$OBD"
expect_grep "$TMP/out" '"rows": 10000,' "json rows"
expect_grep "$TMP/out" '"positions": 3,' "json positions"
# shellcheck disable=SC2086
expect_status 0 "csv format" "$OPE" info $MAP -f csv "$OBD"
expect_grep "$TMP/out" "summary,,actions,34" "csv actions"

# A policy on small.csv: weights w = 1/.5, .5/.25, .3/.25, 0 = 2, 2, 1.2, 0;
# mean 5.2/4 = 1.3, ESS = 5.2^2 / (4 + 4 + 1.44) = 2.86441
expect_status 0 "info on small.csv" "$OPE" info "$DATA/good/small.csv"
expect_grep "$TMP/out" "  e              1.3 2.86441          2" "policy weights by hand"
expect_status 0 "info on a trajectory log" "$OPE" info -f json "$DATA/good/traj.csv"
expect_grep "$TMP/out" '"episodes": 2,' "two episodes"

expect_status 64 "unknown format" "$OPE" info --format xml "$DATA/good/small.csv"
expect_status 64 "no file" "$OPE" info
expect_status 64 "two files" "$OPE" info "$DATA/good/small.csv" "$DATA/good/small.csv"
done_testing
