#!/bin/sh
# t/1490-closed-stdout.sh: a standard output whose reader has gone (`ope ... | head
# -c1`) ends every command quietly with the documented status: 73, "standard output
# cannot be written" (`ope help formats`, doc/ope.1.in), or the command's own failure
# status if it had one (gate's verdict), and nothing on standard error but what the
# command prints there when all goes well (before, eval, info, report -o -, gen -o -
# and explore -o - said "cannot write to standard output" or "write failed: Broken
# pipe", and --version and --help ended with 0). Every command of `ope help` that
# writes to standard output, in each of its formats.
. "$OPE_SRCDIR/t/lib.sh"

"$OPE" gen bandit --rows 3000 --seed 1 -q -o "$TMP/log.csv" || { echo "Bail out! gen"; exit 1; }
"$OPE" gen mdp riverswim --episodes 30 --seed 1 -q -o "$TMP/traj.csv" || { echo "Bail out! gen mdp"; exit 1; }
printf 'a=1 r=0 p=0.5\na=2 r=1 p=0.5\n' > "$TMP/raw.txt"
log="$TMP/log.csv"
cd "$TMP" || exit 1

# closed ARGS...: run ope with a standard output whose only reader has closed it
# before ope starts (deterministic: every write gets EPIPE); its status goes to
# $TMP/st, its standard error to $TMP/err. The reader is a process of its own, and ope
# starts only once it has exited: a reader shell that had closed its standard input
# but not yet exited could still hold the pipe open (a small output then went into
# the pipe's buffer with status 0, once, on a loaded machine).
closed() {
    rm -f "$TMP/st" "$TMP/ready" "$TMP/rpid"
    { while [ ! -e "$TMP/ready" ]; do sleep 0.01; done
      while kill -0 "$(cat "$TMP/rpid")" 2>/dev/null; do sleep 0.01; done
      "$OPE" "$@" 2>"$TMP/err"; echo $? >"$TMP/st"; } |
        sh -c 'exec 0<&-; echo $$ > "$1/rpid.tmp"; mv "$1/rpid.tmp" "$1/rpid"; : > "$1/ready"' sh "$TMP"
}
# check WANT DESC ARGS...: closed, then the status is WANT and every line of standard
# error is one the same command prints with its output going to /dev/null.
check() {
    want=$1; desc=$2; shift 2
    "$OPE" "$@" >/dev/null 2>"$TMP/err.ok"
    closed "$@"
    got=$(cat "$TMP/st")
    extra=$(grep -vxF -f "$TMP/err.ok" "$TMP/err" 2>/dev/null)
    [ -s "$TMP/err.ok" ] || extra=$(cat "$TMP/err")
    if [ "$got" = "$want" ] && [ -z "$extra" ]; then pass "$desc: status $want, quietly"
    else fail "$desc"; diag "status $got, wanted $want" "stderr: $(head -c 400 "$TMP/err")"; fi
}

for f in table json csv; do
    check 73 "eval --format $f" eval "$log" --estimators ipw,dr --ci t --format $f
    check 73 "info --format $f" info "$log" --format $f
    check 73 "select --format $f" select "$log" --estimators ipw,snipw --format $f
done
check 73 "eval -o -" eval "$log" --estimators ipw --ci t -o -
check 73 "eval, a trajectory log" eval "$TMP/traj.csv" --estimators tis,wpdis --ci t
check 73 "plan" plan "$log" --estimators ipw --width 0.1
check 73 "plan --format json" plan "$log" --estimators ipw --width 0.1 --format json
# gate's verdict is its status: PASS (0) becomes 73 when the verdict could not be
# written; FAIL (1) stays 1 (a failure already).
check 73 "gate, a PASS" gate "$log" --policy greedy --estimator ipw --ci t --min-lift -1
check 1 "gate, a FAIL keeps its status" gate "$log" --policy uniform --estimator ipw --ci t --min-lift 0.5
check 73 "gen bandit -o -" gen bandit --rows 100 --seed 2 -o -
check 73 "gen mdp -o -" gen mdp riverswim --episodes 5 --seed 2 -o -
check 73 "gen mdp --list" gen mdp --list
check 73 "ingest to standard output" ingest --regex 'a=(?<action>\d) r=(?<reward>\d) p=(?<pscore>[0-9.]+)' "$TMP/raw.txt"
check 73 "report -o - (HTML)" report "$log" --estimators ipw --no-charts -o -
check 73 "demo --print" demo --print
check 73 "explore (the summary)" explore stepmix --env riverswim --episodes 20
check 73 "explore -o - (the record)" explore stepmix --env riverswim --episodes 20 -o -
check 73 "train npg (the summary)" train npg --env riverswim --iterations 2
check 73 "train npg -o - (the policy file)" train npg --env riverswim --iterations 2 -o -
check 73 "train npg --format json" train npg --env riverswim --iterations 2 --format json
check 73 "train prdc-lqr" train prdc-lqr --episodes 20
check 73 "tui piped (the batch summary)" tui "$log" --estimators ipw --ci t
check 73 "help" help
for topic in formats eval tui estimators; do check 73 "help $topic" help $topic; done
check 73 "eval --help" eval --help
check 73 "--help" --help
check 73 "--version" --version
if command -v gnuplot >/dev/null 2>&1; then
    check 73 "plot --term dumb" plot estimates "$log" --estimators ipw --ci t --term dumb
    check 73 "plot -o - (SVG)" plot weights "$log" -o -
else
    skip "plot --term dumb (no gnuplot)"; skip "plot -o - (no gnuplot)"
fi

# The usual way: `| head -c1`. Whether the rest of the output still fitted in the
# pipe when head left is a race, so the status is 0 or 73; never a message.
for c in "eval $log --estimators ipw,dr --ci t --format json" "info $log" "help formats" \
         "gen bandit --rows 2000 --seed 3 -o -"; do
    rm -f "$TMP/st"
    { "$OPE" $c -q 2>"$TMP/err"; echo $? >"$TMP/st"; } | head -c1 >/dev/null
    st=$(cat "$TMP/st")
    { [ "$st" = 0 ] || [ "$st" = 73 ]; } && [ ! -s "$TMP/err" ] && pass "ope $c -q | head -c1: status $st, nothing on stderr" \
        || { fail "ope $c | head -c1"; diag "status $st" "$(head -c 300 "$TMP/err")"; }
done

# The help and the manual list status 73 for this, and every status ope can return.
"$OPE" help formats >"$TMP/help" 2>&1
for s in 0 64 65 66 69 70 73 130; do
    grep -q "^ *$s " "$TMP/help" || { fail "ope help formats lists status $s"; continue; }
    pass "ope help formats lists status $s"
done
grep -q "reader" "$TMP/help" && pass "ope help formats says what a closed standard output gives" \
    || fail "ope help formats: the closed standard output"
man="$OPE_SRCDIR/doc/ope.1.in"
for s in 0 64 65 66 69 70 73 130; do
    sed -n '/^\.SH EXIT STATUS/,/^\.SH FILES/p' "$man" | grep -q "\b$s\b" \
        && pass "doc/ope.1.in lists status $s" || fail "doc/ope.1.in lists status $s"
done
done_testing
