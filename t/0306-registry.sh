#!/bin/sh
# t/0306-registry.sh: every estimator of the registry (`ope help estimators --names`)
# shows in `ope help estimators`, in the estimator lists of `ope help eval`, in the
# man page's list, and in the Methods section of a report on a log of its kind. The
# Learn view's list is checked by t/0305-registry.c.
. "$OPE_SRCDIR/t/lib.sh"

expect_status 0 "ope help estimators --names" $OPE help estimators --names
cp "$TMP/out" "$TMP/names"
n=$(wc -l < "$TMP/names")
[ "$n" -ge 10 ] && pass "the registry lists $n estimators" || fail "the registry lists estimators ($n)"
grep -qv '^\(bandit\|trajectory\) [a-z][a-z0-9-]*$' "$TMP/names" &&
    fail "each line is KIND NAME" || pass "each line is KIND NAME"
expect_status 0 "ope help estimators" $OPE help estimators
cp "$TMP/out" "$TMP/cards"
expect_status 0 "ope help eval" $OPE help eval
cp "$TMP/out" "$TMP/eval-help"
expect_status 64 "ope help estimators takes only --names" $OPE help estimators --bogus

# The eval section of the man page (built from doc/ope.1.in with the registry's names),
# from its .B eval line to the next .TP.
sed -n '/^\.B eval /,/^\.TP/p' "$OPE_BUILDDIR/doc/ope.1" > "$TMP/man-eval"

# A report per kind, with every estimator of that kind (the default).
$OPE gen bandit --rows 400 --seed 2 -o "$TMP/b.csv" 2>/dev/null
$OPE gen mdp riverswim --episodes 40 --candidates 2 --seed 2 -o "$TMP/t.csv" 2>/dev/null
expect_status 0 "a bandit report" $OPE report "$TMP/b.csv" --n-boot 20 -o "$TMP/b.html"
expect_status 0 "a trajectory report" $OPE report "$TMP/t.csv" --n-boot 20 -o "$TMP/t.html"
# The Methods section runs from its heading to the Reproducibility heading.
sed -n '/id="methods"/,/id="reproducibility"/p' "$TMP/b.html" > "$TMP/b-methods"
sed -n '/id="methods"/,/id="reproducibility"/p' "$TMP/t.html" > "$TMP/t-methods"

while read -r kind name; do
    grep -q "^  $name: " "$TMP/cards" && pass "help estimators: the card of $kind $name" ||
        fail "help estimators: the card of $kind $name"
    # The lists of `ope help eval` are comma separated, wrapped at spaces.
    tr ' \n' '\n\n' < "$TMP/eval-help" | sed 's/[,;]$//; s/\[.*//' | grep -qx -- "$name" &&
        pass "help eval: lists $name" || fail "help eval: lists $name"
    man_name=$(printf '%s' "$name" | sed 's/-/\\-/g')   # roff spells a hyphen \-
    grep -qF -- "\\fB$man_name\\fR" "$TMP/man-eval" && pass "man page: eval lists $kind $name" ||
        fail "man page: eval lists $kind $name"
    if [ "$kind" = bandit ]; then m="$TMP/b-methods"; else m="$TMP/t-methods"; fi
    grep -q "<h3[^>]*>$name: " "$m" && pass "report Methods: $kind $name" ||
        fail "report Methods: $kind $name"
done < "$TMP/names"
done_testing
