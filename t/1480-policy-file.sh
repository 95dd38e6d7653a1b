#!/bin/sh
# t/1480-policy-file.sh: `--policy NAME=FILE` (formats.md, "Tabular policy file"): a
# trajectory log's evaluation policy read from a policy file, looked up by each step's
# state. The reference is the same policy given as pi.NAME.* columns: `ope gen mdp
# --policy-dir` writes both from one policy (both round-trip the doubles exactly), so
# the estimates must agree bit for bit. Then every refusal, with its status and message.
. "$OPE_SRCDIR/t/lib.sh"

mkdir "$TMP/pol" "$TMP/np"
"$OPE" gen mdp riverswim --episodes 200 --candidates 3 --seed 7 -o "$TMP/rs.csv" \
    --policy-dir "$TMP/pol" -q || { echo "Bail out! gen"; exit 1; }
# The same log without its pi.* columns (episode..done are the first 7), under the
# same base name so the JSON's path agrees.
cut -d, -f1-7 "$TMP/rs.csv" >"$TMP/np/rs.csv"
head -1 "$TMP/np/rs.csv" | grep -q 'pi\.' && { echo "Bail out! cut kept a pi column"; exit 1; }

# --- bit-identical to the columns, for every candidate, JSON (all 17 digits) --------
for p in $(ls "$TMP/pol" | sed -n 's/\.csv$//p' | grep -v behavior); do
    (cd "$TMP" && "$OPE" eval rs.csv --policy "$p" --format json --n-boot 200) \
        | grep -v sha256 >"$TMP/cols.json"
    (cd "$TMP/np" && "$OPE" eval rs.csv --policy "$p=../pol/$p.csv" --format json --n-boot 200) \
        | grep -v sha256 >"$TMP/file.json"
    if [ -s "$TMP/cols.json" ] && cmp -s "$TMP/cols.json" "$TMP/file.json"; then
        pass "$p: the policy file gives the estimates of the pi.$p.* columns, bit for bit"
    else fail "$p: the policy file gives the estimates of the pi.$p.* columns, bit for bit"
        diag "$(diff "$TMP/cols.json" "$TMP/file.json" | head -5)"; fi
done

# --- alongside the log's columns: the --policy options list what is evaluated, in order
expect_status 0 "a log policy and a file policy together" \
    "$OPE" eval "$TMP/rs.csv" --policy mix0 --policy other=$TMP/pol/anti100.csv \
    --estimators tis --ci none
[ "$(grep '^policy' "$TMP/out" | tr '\n' ' ')" = "policy mix0 policy other " ] \
    && pass "both are evaluated, in the order given, and no other" \
    || { fail "both are evaluated, in the order given, and no other"; diag "$(cat "$TMP/out")"; }
# Several files: each one its own candidate.
expect_status 0 "two policy files" "$OPE" eval "$TMP/np/rs.csv" --policy a=$TMP/pol/mix0.csv \
    --policy b=$TMP/pol/mix0.csv --estimators tis --ci none
[ "$(grep -c '^policy' "$TMP/out")" = 2 ] && pass "two files, two policies" \
    || fail "two files, two policies"

# --- refusals -----------------------------------------------------------------------
expect_status 66 "a missing policy file is exit 66" \
    "$OPE" eval "$TMP/np/rs.csv" --policy f="$TMP/nope.csv"
expect_grep "$TMP/err" "nope.csv: cannot open" "... naming the file"

# Row 3 sums to 1.1: formats.md wants 1 within 1e-6; the error names file:line:column.
printf 'state,p.0,p.1\n0,0.5,0.5\n1,0.5,0.6\n' >"$TMP/bad.csv"
expect_status 65 "a bad row of the policy file is exit 65" \
    "$OPE" eval "$TMP/np/rs.csv" --policy f="$TMP/bad.csv"
expect_grep "$TMP/err" "bad.csv:3:3: the probabilities of state 1 sum to 1.1" "... naming file:line:column"

# RiverSwim has 6 states; a file for states 0..1 cannot give pi(.|2). The first step in
# state 2 is found from the log itself (line = its row + 1 for the header).
printf 'state,p.0,p.1\n0,0.5,0.5\n1,0.5,0.5\n' >"$TMP/small.csv"
line=$(awk -F, 'NR > 1 && $3 == 2 { print NR; exit }' "$TMP/np/rs.csv")
expect_status 65 "a state the policy file lacks is exit 65" \
    "$OPE" eval "$TMP/np/rs.csv" --policy f="$TMP/small.csv"
expect_grep "$TMP/err" "rs.csv:$line: column 'state': state 2 is not in the policy file" \
    "... naming the log's line and the state"

printf 'state,p.0,p.1,p.2\n0,0.5,0.5,0\n' >"$TMP/a3.csv"
expect_status 65 "a policy with another number of actions is exit 65" \
    "$OPE" eval "$TMP/np/rs.csv" --policy f="$TMP/a3.csv"
expect_grep "$TMP/err" "the file has 3 actions (p.0..p.2) but" "... naming both counts"

expect_status 64 "a name the log already has is refused" \
    "$OPE" eval "$TMP/rs.csv" --policy mix0="$TMP/pol/mix0.csv"
expect_grep "$TMP/err" "already has a policy 'mix0'" "... saying so"
expect_status 64 "a NAME that is not a policy name is refused" \
    "$OPE" eval "$TMP/np/rs.csv" --policy 1x="$TMP/pol/mix0.csv"

# A bandit log: the file is for trajectory logs, said as such (not "no policy 'f=...'").
"$OPE" gen bandit --rows 50 --seed 1 -o "$TMP/b.csv" -q
expect_status 64 "a policy file on a bandit log is a usage error" \
    "$OPE" eval "$TMP/b.csv" --policy f="$TMP/pol/mix0.csv"
expect_grep "$TMP/err" "it does not apply to" "... saying it is for trajectory logs"
grep -q "no policy 'f=" "$TMP/err" && fail "... not 'no policy NAME=FILE'" \
    || pass "... not 'no policy NAME=FILE'"
expect_status 64 "ope plot weights (bandit logs only) refuses it" \
    "$OPE" plot weights "$TMP/b.csv" --policy f="$TMP/pol/mix0.csv" --term dumb -o -
expect_grep "$TMP/err" "it does not apply to the bandit logs this chart reads" "... saying why"
expect_status 64 "select --replicates refuses it" \
    "$OPE" select --env riverswim --replicates 2 --policy f="$TMP/pol/mix0.csv"

# The other commands of the option group take it: select over files, and the TUI's
# batch summary (standard output not a terminal) is ope eval's table.
expect_status 0 "ope select takes it" "$OPE" select "$TMP/np/rs.csv" "$TMP/np/rs.csv" \
    --policy a="$TMP/pol/mix0.csv" --policy b="$TMP/pol/mix100.csv" --estimators tis,pdis
"$OPE" eval "$TMP/np/rs.csv" --policy a="$TMP/pol/mix0.csv" --estimators tis --ci none \
    >"$TMP/eval.txt" 2>&1
"$OPE" tui "$TMP/np/rs.csv" --policy a="$TMP/pol/mix0.csv" -e tis --ci none \
    >"$TMP/tui.txt" 2>&1 </dev/null
cmp -s "$TMP/eval.txt" "$TMP/tui.txt" && pass "ope tui takes it (its batch summary is eval's)" \
    || { fail "ope tui takes it (its batch summary is eval's)"; diag "$(head -5 "$TMP/tui.txt")"; }

# The workbench's report of such a session names the file in its command line, and
# that command gives the same tables (as t/0532 does for the other settings).
if command -v tmux >/dev/null 2>&1; then
    S=ope-test-$$
    wait_for() {   # wait_for TEXT: up to 20 s
        i=0
        while [ $i -lt 100 ]; do
            tmux_screen "$S" "$TMP/screen"
            grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
        return 1
    }
    tmux new-session -d -s "$S" -x 130 -y 40 "cd '$TMP/np' && TERM=xterm OPE_REPORT_DATE=2000-01-01T00:00:00Z '$OPE' tui rs.csv --policy a=../pol/mix0.csv --n-boot 50; echo EXITED \$?; sleep 30"
    wait_for "evaluation finished" && pass "the workbench evaluates the file's policy" \
        || fail "the workbench evaluates the file's policy"
    tmux send-keys -t "$S" 7 x; sleep 0.3; tmux send-keys -t "$S" Enter
    wait_for "wrote ope-report.html" && pass "x writes a report" || fail "x writes a report"
    cmd=$(sed -n 's/^<pre>\(ope report .*\)<\/pre>$/\1/p' "$TMP/np/ope-report.html" | head -1)
    case "$cmd" in
    *"--policy a=../pol/mix0.csv "*) pass "its command line has --policy a=../pol/mix0.csv" ;;
    *) fail "its command line has --policy a=../pol/mix0.csv"; diag "$cmd" ;;
    esac
    cmd=$(printf '%s' "$cmd" | sed 's/-o ope-report.html$/-o cli.html/')
    (cd "$TMP/np" && OPE_REPORT_DATE=2000-01-01T00:00:00Z sh -c "$(printf '%s' "$cmd" | sed "s|^ope |'$OPE' |")") 2>/dev/null
    grep '^<tr>' "$TMP/np/ope-report.html" >"$TMP/tui-tr"; grep '^<tr>' "$TMP/np/cli.html" >"$TMP/cli-tr"
    [ -s "$TMP/tui-tr" ] && cmp -s "$TMP/tui-tr" "$TMP/cli-tr" && pass "that command gives the same tables" \
        || fail "that command gives the same tables"
    tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
    tmux kill-session -t "$S" 2>/dev/null
    rm -f "$TMP/np/ope-report.html" "$TMP/np/cli.html"
else
    for i in 1 2 3 4 5; do skip "tmux is not installed"; done
fi

# ope info recommends the policy file only for a log with a state column.
expect_status 0 "info on a log without policies" "$OPE" info "$TMP/np/rs.csv"
expect_grep "$TMP/out" "--policy NAME=FILE" "info recommends --policy NAME=FILE with a state column"
cut -d, -f1,2,4- "$TMP/np/rs.csv" | sed '1s/$/,s0/; 2,$s/$/,0.5/' >"$TMP/nostate.csv"
expect_status 0 "info on a log with features and no state" "$OPE" info "$TMP/nostate.csv"
grep -q "NAME=FILE" "$TMP/out" && fail "... where it does not recommend it" \
    || pass "... where it does not recommend it"
[ -z "$(ls -A "$TMP/np" "$TMP/pol" | grep '^\.')" ] && pass "no temporary file left" \
    || fail "no temporary file left"
done_testing
