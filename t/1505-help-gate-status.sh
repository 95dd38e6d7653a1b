#!/bin/sh
# t/1505-help-gate-status.sh: issue 19 review: `ope help formats` lists the exit
# statuses; those of `ope gate`'s verdicts (1 FAIL, 2 UNDECIDABLE, which a deployment
# pipeline reads) were only in the README, the man page and `ope help gate`.
. "$OPE_SRCDIR/t/lib.sh"
plan 5
expect_status 0 "ope help formats" "$OPE" help formats
expect_grep "$TMP/out" "ope gate adds its verdicts: 0 PASS, 1 FAIL, 2 UNDECIDABLE" \
    "the gate's verdict statuses are listed"
# The commands that refuse --risk (they show no return distributions) do not list it
# among their options, as the shared block of eval's options did.
for c in gate select plan; do
    "$OPE" help $c | grep -q -- '^  --risk' && fail "ope help $c lists --risk" ||
        pass "ope help $c: no --risk entry"
done
done_testing
