#!/bin/sh
# t/1481-mdp-limit.sh: the memory limit of the tabular environments (#20 item 9). The
# MDPs are dense: P(s'|s,a) is S*A*S doubles, so chain n=10000 actions=64, inside the
# parameter ranges, needs 10000*64*10000*8 = 51.2 GB. ope refuses an MDP
# whose tables pass 8 GiB (S*S*A > 2^30) before allocating anything, with exit 64
# naming the environment, its parameters, the bytes and the limit; an allocation that
# fails below the limit names the environment and its parameters too.
. "$OPE_SRCDIR/t/lib.sh"

# 10000 * 64 * 10000 * 8 = 51,200,000,000 bytes = 51.2 GB.
expect_status 64 "chain n=10000 actions=64 is refused (exit 64)" \
    "$OPE" gen mdp chain n=10000 actions=64 -o "$TMP/c.csv"
expect_grep "$TMP/err" "chain n=10000 actions=64" "... naming the environment and parameters"
expect_grep "$TMP/err" "needs 51.2 GB" "... the bytes needed (10000*64*10000*8)"
expect_grep "$TMP/err" "limit of 8 GiB" "... and the limit"
[ -e "$TMP/c.csv" ] && fail "... and writes nothing" || pass "... and writes nothing"
# The boundary: S*S*A <= 2^30 = 1073741824. n=10000: 11 actions are 1.1e9 (refused),
# 10 are 1e9 (accepted; not run here: 8 GB).
expect_status 64 "chain n=10000 actions=11 (S*S*A = 1.1e9 > 2^30) is refused" \
    "$OPE" gen mdp chain n=10000 actions=11 -o "$TMP/c.csv"
# The refusal comes before any allocation: it holds under a 1 GB address-space limit.
# (A sanitizer build reserves more than that at start: then the check is skipped.)
if (ulimit -v 1000000 && "$OPE" --version) >/dev/null 2>&1; then
    (ulimit -v 1000000; exec "$OPE" gen mdp chain n=10000 actions=64 -o "$TMP/c.csv") \
        2>"$TMP/err"; rc=$?
    [ $rc -eq 64 ] && pass "refused before allocating (1 GB address space: exit 64)" \
        || { fail "refused before allocating (1 GB address space: exit 64)"; diag "rc $rc"; }
    # Under the limit but over what the process may have: 4096*4096*64*8 = 8.59 GB, at
    # the limit exactly; the failed allocation names the MDP, status 70.
    (ulimit -v 1000000; exec "$OPE" gen mdp chain n=4096 actions=64 -o "$TMP/c.csv") \
        2>"$TMP/err"; rc=$?
    [ $rc -eq 70 ] && pass "an allocation failure below the limit is exit 70" \
        || { fail "an allocation failure below the limit is exit 70"; diag "rc $rc"; }
    expect_grep "$TMP/err" "chain n=4096 actions=64 seed=1 reward=1 (S=4096, A=64: 8.59 GB" \
        "... naming the environment, its parameters and the bytes"
    [ -e "$TMP/c.csv" ] && fail "... and writes nothing" || pass "... and writes nothing"
else
    skip "no address-space limit here (sanitizer build?)"
    skip "no address-space limit here"; skip "no address-space limit here"
    skip "no address-space limit here"
fi
# The other commands build environments through the same function.
expect_status 64 "ope explore refuses it too" \
    "$OPE" explore ucbvi --env chain --param n=10000 --param actions=64 --episodes 2
expect_grep "$TMP/err" "needs 51.2 GB" "... with the same message"
# Documented where the environments are: ope gen mdp --help and --list.
"$OPE" gen mdp --help >"$TMP/help" 2>&1
expect_grep "$TMP/help" "8 GiB" "ope gen mdp --help states the limit"
"$OPE" help gen >"$TMP/help" 2>&1
expect_grep "$TMP/help" "would pass 8 GiB (S*S*A > 2^30)" "ope help gen states it"
"$OPE" gen mdp --list >"$TMP/list" 2>&1
expect_grep "$TMP/list" "at n=10000 at most 10 actions" "--list states the chain's limit"
ls -A "$TMP" | grep -q '^\.' && fail "no temporary file left" || pass "no temporary file left"
done_testing
