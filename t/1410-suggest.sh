#!/bin/sh
# t/1410-suggest.sh: a misspelt name anywhere gets a "did you mean": estimators (from
# the registry), environments, algorithms of explore and train, help topics; and a
# name that is not close to anything gets none.
. "$OPE_SRCDIR/t/lib.sh"
plan 18
$OPE gen bandit --rows 500 --seed 1 -q -o "$TMP/b.csv"
sug() {   # sug DESC WANT ope-args...: exit 64 and the suggestion in the message
    desc=$1; sugg=$2; shift 2
    expect_status 64 "$desc: usage error" "$OPE" "$@"
    expect_grep "$TMP/err" "did you mean '$sugg'?" "$desc: suggests '$sugg'"
}
sug "estimator sgdr" sg-dr eval "$TMP/b.csv" --estimators sgdr
sug "estimator ipww" ipw eval "$TMP/b.csv" --estimators ipww,dr
sug "environment riverswm" riverswim gen mdp riverswm -o "$TMP/m.csv"
sug "explore algorithm stepmx" stepmix explore stepmx --env riverswim
sug "train algorithm bcc" bc train bcc --data "$TMP/b.csv" -o "$TMP/p.csv"
sug "train algorithm npgg" npg train npgg --env riverswim
sug "help topic estimator" estimators help estimator
sug "help topic format" formats help format
expect_status 64 "a far-off estimator name" "$OPE" eval "$TMP/b.csv" --estimators zzzzzz
if grep -q "did you mean" "$TMP/err"; then fail "no suggestion for a far-off name"; else
    pass "no suggestion for a far-off name"; fi
done_testing
