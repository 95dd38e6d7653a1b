#!/bin/sh
# t/0529-against.sh: the lift over another candidate (`--against POLICY`, issue "From
# estimates to decisions", items 1-2): V(pi_A) - V(pi_B) by the same estimator, its
# interval the percentile interval of the replicates' differences on the same
# resamples (paired), in `ope eval --lift` and `ope gate`.
. "$OPE_SRCDIR/t/lib.sh"

$OPE gen bandit -n 5000 -s 3 -q -o "$TMP/b.csv"
expect_status 0 "eval --against" $OPE eval "$TMP/b.csv" --policy greedy --policy softmax2 \
    --against softmax2 --estimators ipw,dr -f csv
cp "$TMP/out" "$TMP/a.csv"
# policy,estimator,params,value,lower,upper,truth,se,ess,max_weight,mean_weight,lift,...
for est in ipw dr; do
    awk -F, -v e=$est '$2 == e { v[$1] = $4; l[$1] = $12 }
        END { d = v["greedy"] - v["softmax2"]; exit !(l["greedy"] == d && l["softmax2"] == "") }' \
        "$TMP/a.csv" && pass "$est: lift = V(greedy) - V(softmax2), none for the baseline itself" ||
        fail "$est: lift = V(greedy) - V(softmax2)"
done
expect_status 0 "json" $OPE eval "$TMP/b.csv" --policy greedy --policy softmax2 \
    --against softmax2 --estimators dr -f json
expect_grep "$TMP/out" '"lift_against":"softmax2"' "json names the baseline"
expect_status 0 "table" $OPE eval "$TMP/b.csv" --policy greedy --policy softmax2 \
    --against softmax2 --estimators dr --lift
expect_grep "$TMP/out" "policy greedy: lift over policy softmax2 (its estimate by the same estimator), paired intervals" \
    "the lift table names the baseline"
expect_status 64 "--against needs the bootstrap" $OPE eval "$TMP/b.csv" --policy greedy \
    --policy softmax2 --against softmax2 --ci t
expect_grep "$TMP/err" "paired on the bootstrap resamples: use --ci bootstrap" "... and says so"
expect_status 64 "--against an unevaluated policy" $OPE eval "$TMP/b.csv" --policy greedy \
    --against softmax2
expect_grep "$TMP/err" "--against softmax2: not among the evaluated policies (add --policy softmax2)" \
    "... is named, with the fix"

# The gate: greedy beats softmax2 (true values from the q.* columns: greedy 0.7749,
# softmax2 0.6128, uniform 0.5352 on this log), uniform does not.
expect_status 0 "gate greedy against softmax2: PASS" $OPE gate "$TMP/b.csv" --policy greedy \
    --against softmax2
expect_grep "$TMP/out" "PASS greedy: dr lift +" "PASS line"
expect_grep "$TMP/out" "over policy softmax2" "... over the named baseline"
expect_status 1 "gate uniform against softmax2: FAIL" $OPE gate "$TMP/b.csv" --policy uniform \
    --against softmax2
expect_status 64 "gated against itself" $OPE gate "$TMP/b.csv" --policy greedy --against greedy
expect_status 0 "gate json" $OPE gate "$TMP/b.csv" --policy greedy --against softmax2 -f json
expect_grep "$TMP/out" '"settings":{"against":"softmax2"' "gate json names the baseline"

# Coverage of the true difference, sized for CI: 40 logs of 2000 rows, dr, B = 200,
# greedy against softmax2; the truth of each is the mean over rows of
# sum_a pi(a|x) q(x,a) (the ground_truth the evaluation prints). A paired 95% interval
# should cover about 95%: 40 logs, binomial sd 1.4 logs; at least 32 (80%, 4 sd below)
# fails an honest interval with probability below 1e-4.
covered=0; s=1
while [ $s -le 40 ]; do
    $OPE gen bandit -n 2000 -s $s -q -o "$TMP/c.csv" --force
    $OPE eval "$TMP/c.csv" --policy greedy --policy softmax2 --against softmax2 \
        --estimators dr --n-boot 200 --seed $s -f csv -q > "$TMP/c.out" 2>/dev/null
    covered=$((covered + $(awk -F, '$2 == "dr" { t[$1] = $7; lo[$1] = $13; hi[$1] = $14 }
        END { d = t["greedy"] - t["softmax2"]; print (lo["greedy"] <= d && d <= hi["greedy"]) }' \
        "$TMP/c.out")))
    s=$((s + 1))
done
[ $covered -ge 32 ] && pass "the paired interval covers the true difference ($covered of 40)" ||
    fail "the paired interval covers the true difference ($covered of 40)"
done_testing
