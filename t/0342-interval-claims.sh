#!/bin/sh
# t/0342-interval-claims.sh: what ope says of its intervals after issue 16. sg-ipw's
# interval is flagged (biased towards 0 by design; sg-dr's is not), the help names the
# linearised terms of every self-normalised estimator, and the report's Methods says
# what each interval assumes, which estimators' intervals are known not to cover, and
# what coverage was measured.
. "$OPE_SRCDIR/t/lib.sh"

expect_status 0 "gen bandit" $OPE gen bandit -n 800 -s 3 -q -o "$TMP/b.csv"
expect_status 0 "json, t intervals" $OPE eval "$TMP/b.csv" --estimators sg-ipw,sg-dr,rm \
    --ci t --format json
# Five policies, each estimate on a line of its own.
n=$(grep '"estimator":"sg-ipw",' "$TMP/out" | grep -c '"ci_warning":"biased towards 0 by design')
[ "$n" = 5 ] && pass "json: ci_warning on every sg-ipw estimate" || fail "json: $n sg-ipw"
n=$(grep -E '"estimator":"(sg-dr|rm)",' "$TMP/out" | grep -c '"ci_warning"')
[ "$n" = 0 ] && pass "json: none on sg-dr or rm" || fail "json: $n on sg-dr or rm"
expect_status 0 "table" $OPE eval "$TMP/b.csv" --estimators sg-ipw --ci bootstrap --n-boot 50
expect_grep "$TMP/out" "warning: sg-ipw:lambda=0.01: biased towards 0 by design" \
    "table: the bootstrap interval of sg-ipw is flagged too (the bias is not resampled)"

expect_status 0 "help intervals" $OPE help intervals
expect_grep "$TMP/out" "V + m (r - V) / mean(m) for rm" "help: rm's linearised terms"
expect_grep "$TMP/out" "and step for wtis, wpdis and wdr" "help: the trajectory ratios'"
expect_grep "$TMP/out" "  sg-ipw (bandit): biased towards 0" "help: sg-ipw is known not to cover"
grep -q "^  rm (bandit)\|^  wtis\|^  wpdis" "$TMP/out" && fail "help: rm, wtis or wpdis flagged" ||
    pass "help: rm, wtis and wpdis are not flagged"

# The report's Methods (Markdown: plain text to grep).
expect_status 0 "report" $OPE report "$TMP/b.csv" --estimators snipw,sg-ipw --ci t \
    -o "$TMP/r.md"
sed -n '/^## Methods/,/^## Reproducibility/p' "$TMP/r.md" >"$TMP/methods"
expect_grep "$TMP/methods" "linearised (delta-method) terms" "report: what the t interval uses"
expect_grep "$TMP/methods" "Intervals known not to cover: biased towards 0 by design" \
    "report: sg-ipw's caveat in its entry"
n=$(grep -c "Intervals known not to cover" "$TMP/methods")
[ "$n" = 1 ] && pass "report: and no caveat for snipw" || fail "report: $n caveats"
expect_grep "$TMP/methods" "Measured coverage (doc/coverage.md" "report: the measured coverage"
expect_status 0 "report, no intervals" $OPE report "$TMP/b.csv" --estimators snipw --ci none \
    -o "$TMP/n.md"
grep -q "Measured coverage" "$TMP/n.md" && fail "report --ci none: measured coverage shown" ||
    pass "report --ci none: no coverage paragraph"
done_testing
