#!/bin/sh
# t/1505-help-gate-status.sh: issue 19 review: `ope help formats` lists the exit
# statuses; those of `ope gate`'s verdicts (1 FAIL, 2 UNDECIDABLE, which a deployment
# pipeline reads) were only in the README, the man page and `ope help gate`.
. "$OPE_SRCDIR/t/lib.sh"
plan 2
expect_status 0 "ope help formats" "$OPE" help formats
expect_grep "$TMP/out" "ope gate adds its verdicts: 0 PASS, 1 FAIL, 2 UNDECIDABLE" \
    "the gate's verdict statuses are listed"
done_testing
