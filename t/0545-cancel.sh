#!/bin/sh
# t/0545-cancel.sh: Ctrl-C in the middle of a bootstrap stops the evaluation cleanly:
# status 130, "evaluation cancelled", nothing written, no crash. The engine once
# released its sums twice on this path (a double free, status 134) after a merge of
# the accumulator and the phase driver.
. "$OPE_SRCDIR/t/lib.sh"
plan 8

$OPE gen bandit --rows 20000 --seed 4 -q -o "$TMP/b.csv"
$OPE gen mdp riverswim --episodes 2000 --candidates 3 --seed 4 -q -o "$TMP/t.csv"

# interrupt NAME LOG ARGS...: start `ope eval`, send SIGINT after 1.5 s.
interrupt() {
    name=$1; log=$2; shift 2
    "$OPE" eval "$log" -q -o "$TMP/$name.out.json" "$@" >"$TMP/out" 2>"$TMP/err" &
    pid=$!
    sleep 1.5
    kill -INT "$pid" 2>/dev/null
    wait "$pid"; st=$?
    [ "$st" -eq 130 ] && pass "$name: SIGINT during the bootstrap exits 130" ||
        { fail "$name: SIGINT during the bootstrap exits 130"; diag "status $st" "$(cat "$TMP/err")"; }
    # A slow (sanitizer) build may still be fitting the reward model at 1.5 s, which
    # says "reward model: cancelled": either way the message says so.
    expect_grep "$TMP/err" "cancelled" "$name: it says the evaluation was cancelled"
    grep -q "double free\|AddressSanitizer\|runtime error" "$TMP/err" &&
        fail "$name: no memory error on the way out" || pass "$name: no memory error on the way out"
    [ ! -e "$TMP/$name.out.json" ] && pass "$name: no output file is left" ||
        fail "$name: an output file was left"
}
interrupt bandit "$TMP/b.csv" --n-boot 1000000
interrupt trajectory "$TMP/t.csv" --n-boot 2000000 --estimators tis,pdis
done_testing
