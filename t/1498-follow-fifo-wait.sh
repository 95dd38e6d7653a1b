#!/bin/sh
# t/1498-follow-fifo-wait.sh: a FIFO nobody opens for writing. Opening it waits for a
# writer however long (--idle is for regular files; documented), so Ctrl-C is the way
# out: it interrupted the open() and ended `ope eval --follow` with "cannot open:
# Interrupted system call" and status 66, where Ctrl-C during --follow is a clean end
# (status 0); `ope gate --sequential` now ends as a cancelled gate (130).
. "$OPE_SRCDIR/t/lib.sh"

mkfifo "$TMP/fifo" || { skip "no mkfifo"; done_testing; exit; }

# run_int NAME CMD...: start CMD, Ctrl-C it after 1 s, give it 30 s to end.
run_int() {
    name=$1; shift
    "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    pid=$!
    sleep 1
    kill -INT $pid
    t=0
    while kill -0 $pid 2>/dev/null && [ $t -lt 300 ]; do sleep 0.1; t=$((t + 1)); done
    if kill -0 $pid 2>/dev/null; then kill $pid; fi
    wait $pid; st=$?
}

run_int eval $OPE eval "$TMP/fifo" --follow --idle 1 --estimators ipw
[ $st -eq 0 ] && pass "eval --follow on a FIFO without a writer: Ctrl-C ends it with 0" \
    || { fail "eval --follow on a FIFO without a writer: Ctrl-C ends it with 0"; diag "status $st" "$(cat "$TMP/eval.err")"; }
grep -q "Interrupted system call" "$TMP/eval.err" && fail "no 'Interrupted system call'" \
    || pass "no 'Interrupted system call'"

run_int gate $OPE gate "$TMP/fifo" --policy new --sequential --estimator ipw
[ $st -eq 130 ] && pass "gate --sequential on it: Ctrl-C cancels the gate (130)" \
    || { fail "gate --sequential on it: Ctrl-C cancels the gate (130)"; diag "status $st" "$(cat "$TMP/gate.err")"; }
expect_grep "$TMP/gate.err" "gate cancelled" "and says so"
done_testing
