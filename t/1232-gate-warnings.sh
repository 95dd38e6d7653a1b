#!/bin/sh
# t/1232-gate-warnings.sh: `ope gate` prints, under its verdict, the warnings `ope eval`
# gives the gated policies and the log, and carries them in its JSON: a verdict on a
# 3-row log (effective sample size 1) used to come with no word of doubt.
. "$OPE_SRCDIR/t/lib.sh"

$OPE gen bandit --rows 3 --seed 1 -q -o "$TMP/tiny.csv"
$OPE gate "$TMP/tiny.csv" --policy greedy >"$TMP/out" 2>"$TMP/err"
st=$?
[ $st -le 2 ] && pass "a verdict (status $st)" || fail "status $st"
expect_grep "$TMP/out" "  warning: greedy: few effective samples: effective sample size 1.0 of 3 rows" \
    "the table: the policy's effective-sample warning under the verdict"
expect_grep "$TMP/out" "probability mass is on actions never logged" "and its unsupported mass"
$OPE eval "$TMP/tiny.csv" --policy greedy --estimators dr -f json -o "$TMP/e.json" -q
$OPE gate "$TMP/tiny.csv" --policy greedy -f json >"$TMP/g.json" 2>/dev/null
if command -v python3 >/dev/null 2>&1; then
    python3 - "$TMP/e.json" "$TMP/g.json" <<'PY' && pass "JSON: the policy's warnings are eval's" || fail "JSON warnings"
import json, sys
e = json.load(open(sys.argv[1])); g = json.load(open(sys.argv[2]))
ew = e["policies"][0]["warnings"]; gw = g["policies"][0]["warnings"]
assert gw == ew, (gw, ew)
assert isinstance(g["warnings"], list)
PY
else
    skip "python3 is not installed"
fi
# A log with good overlap: no warnings.
$OPE gen bandit --rows 5000 --seed 2 -q -o "$TMP/big.csv"
$OPE gate "$TMP/big.csv" --policy eps0_2 >"$TMP/out2" 2>/dev/null
grep -q "warning" "$TMP/out2" && fail "warnings on a well-overlapped log" || pass "none on a well-overlapped log"
done_testing
