#!/bin/sh
# t/0532-tui-traj.sh: the workbench on a trajectory log takes `ope eval`'s evaluation
# options (--truth, --gamma, --value-model, --policy, ...) and evaluates with them what
# `ope eval` does; its r dialog adds the discount and the value model for such a log.
# The reference numbers are those of `ope eval` with the same options: the workbench
# must show the same table, estimate for estimate.
. "$OPE_SRCDIR/t/lib.sh"

cd "$TMP" || exit 1
$OPE gen mdp riverswim --episodes 300 --candidates 3 --gamma 0.9 --seed 3 -o rs.csv \
    --truth rs-truth.csv 2>/dev/null

# --- piped: the batch summary is the eval table ----------------------------------------
$OPE eval rs.csv --truth rs-truth.csv --gamma 0.9 > eval-09.txt 2>/dev/null
expect_status 0 "ope tui --truth --gamma in a pipe" $OPE tui rs.csv --truth rs-truth.csv --gamma 0.9
cmp -s "$TMP/out" eval-09.txt && pass "its summary is ope eval's table with the same options" \
    || { fail "its summary is ope eval's table"; diag "$(diff "$TMP/out" eval-09.txt | head -20)"; }
expect_grep "$TMP/out" "(ground truth 0.79911)" "the truth file's exact value is shown"
expect_grep "$TMP/out" "rel.err" "with the relative error"
# The options are used, not just accepted: without them the summary differs.
$OPE tui rs.csv > plain.txt 2>/dev/null
cmp -s plain.txt eval-09.txt && fail "--truth --gamma change the summary" \
    || pass "--truth --gamma change the summary"
$OPE eval rs.csv --policy mix0 --value-model lstd --estimators dm,dr --seed 3 --ci t \
    --gamma 0.9 > eval-pol.txt 2>/dev/null
$OPE tui rs.csv --policy mix0 --value-model lstd -e dm,dr -s 3 --ci t --gamma 0.9 \
    > tui-pol.txt 2>/dev/null
cmp -s tui-pol.txt eval-pol.txt && grep -q "policy mix0" tui-pol.txt &&
    ! grep -q "policy mix100" tui-pol.txt && pass "--policy, --value-model, -e, -s, --ci as eval's" \
    || fail "--policy, --value-model, -e, -s, --ci as eval's"
expect_status 64 "an unknown value model fails before the workbench opens" \
    $OPE tui rs.csv --value-model magic
expect_grep "$TMP/err" "--value-model: expected fqe" "and says which ones exist"
expect_status 66 "an unreadable truth file too" $OPE tui rs.csv --truth missing.csv
expect_status 64 "--risk is refused (the workbench does not show distributions)" \
    $OPE tui rs.csv --risk

if ! command -v tmux >/dev/null 2>&1; then
    skip "tmux is not installed"; done_testing; exit $?
fi

# eval's table as the rows of the Estimates view's CSV export: policy, estimator, value,
# lower, upper, truth, rel.err, ESS, max w, mean w (the policy's truth is in its header).
as_rows() {
    awk '/^policy / { pol = $2; tr = "-"; if (match($0, /ground truth [^)]*/))
                          tr = substr($0, RSTART + 13, RLENGTH - 13); next }
         /^  estimator / || /^  warning:/ || !/^  / { next }
         { printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", pol, $1, $2, $3, $4, tr, $5, $6, $7, $8 }' "$1"
}
S=ope-traj-$$
screen() { tmux_screen "$S" "$TMP/screen"; }
wait_for() {   # wait_for TEXT: up to 20 s
    i=0
    while [ $i -lt 100 ]; do screen; grep -qF -- "$1" "$TMP/screen" && return 0; sleep 0.2; i=$((i + 1)); done
    return 1
}
clear12() { tmux send-keys -t "$S" BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace; }
# export NAME: x in the Estimates view, to NAME.
export_as() {
    tmux send-keys -t "$S" 2 x; sleep 0.3
    clear12; clear12; tmux send-keys -t "$S" "$1" Enter
    wait_for "wrote $1"
}
# same_rows FILE EVAL DESC: the export FILE (header dropped) has the rows of EVAL.
same_rows() {
    tail -n +2 "$1" > got.rows; as_rows "$2" > want.rows
    if [ -s want.rows ] && cmp -s got.rows want.rows; then pass "$3"; else
        fail "$3"; diag "$(diff got.rows want.rows | head -20)"; fi
}
# settings GAMMA VM: r, the four prompts every log has accepted as they are, then the
# discount and the value model of a trajectory log.
settings() {
    tmux send-keys -t "$S" r; sleep 0.3
    for k in 1 2 3 4; do tmux send-keys -t "$S" Enter; sleep 0.3; done
    screen; grep -qF "discount gamma (0 to 1): $3" "$TMP/screen" && pass "r asks for the discount ($3)" \
        || fail "r asks for the discount ($3)"
    clear12; tmux send-keys -t "$S" "$1" Enter; sleep 0.3
    screen; grep -qF "value model (fqe, linear-fqe, lstd, td, gtd2):" "$TMP/screen" \
        && pass "then for the value model" || fail "then for the value model"
    clear12; tmux send-keys -t "$S" "$2" Enter
}


tmux new-session -d -s "$S" -x 150 -y 45 "cd '$TMP' && TERM=xterm OPE_REPORT_DATE=2000-01-01T00:00:00Z '$OPE' tui rs.csv --truth rs-truth.csv --gamma 0.9; echo EXITED \$?; sleep 30"
wait_for "evaluation finished" && pass "the workbench evaluates the trajectory log" || fail "no result"
expect_grep "$TMP/screen" "300 episodes, gamma 0.9, value model" "the Estimates header names the discount"
tmux send-keys -t "$S" j
wait_for "| bootstrap a=0.05 B=1000 seed=12345 gamma=0.9 |" \
    && pass "the status line shows the discount given" || fail "status line with gamma"
export_as e09.csv && pass "x exports the estimates" || fail "x exports the estimates"
same_rows e09.csv eval-09.txt "the estimates, truth and relative errors are ope eval's (gamma 0.9)"

# r with gamma 0.5: a new evaluation with the new discount.
$OPE eval rs.csv --truth rs-truth.csv --gamma 0.5 > eval-05.txt 2>/dev/null
cmp -s eval-05.txt eval-09.txt && fail "gamma 0.5 gives other estimates than 0.9" \
    || pass "gamma 0.5 gives other estimates than 0.9"
settings 0.5 fqe 0.9
wait_for "300 episodes, gamma 0.5" && pass "r re-runs with gamma 0.5" || fail "r re-runs with gamma 0.5"
tmux send-keys -t "$S" j
wait_for "seed=12345 gamma=0.5 |" && pass "the status line follows" || fail "status line gamma=0.5"
export_as e05.csv
same_rows e05.csv eval-05.txt "the new estimates are ope eval --gamma 0.5's"

# r with the value model lstd (the discount prompt now holds 0.5).
$OPE eval rs.csv --truth rs-truth.csv --gamma 0.5 --value-model lstd > eval-lstd.txt 2>/dev/null
settings 0.5 lstd 0.5
wait_for "value model lstd" && pass "r re-runs with the value model lstd" || fail "r with lstd"
tmux send-keys -t "$S" j
wait_for "gamma=0.5 value-model=lstd |" && pass "the status line names the value model" \
    || fail "status line value-model"
export_as elstd.csv
same_rows elstd.csv eval-lstd.txt "the estimates are ope eval --value-model lstd's"

# A report of the session names the settings, and its command recomputes the tables.
tmux send-keys -t "$S" 7 x; sleep 0.3; tmux send-keys -t "$S" Enter
wait_for "wrote ope-report.html" && pass "x writes a report of the session" || fail "no report"
cmd=$(sed -n 's/^<pre>\(ope report .*\)<\/pre>$/\1/p' ope-report.html | head -1)
case "$cmd" in
*"--gamma 0.5 --value-model lstd --truth rs-truth.csv -o ope-report.html") pass "its command line has gamma, value model and truth" ;;
*) fail "its command line has gamma, value model and truth"; diag "$cmd" ;;
esac
cmd=$(printf '%s' "$cmd" | sed 's/-o ope-report.html$/-o cli.html/')
OPE_REPORT_DATE=2000-01-01T00:00:00Z sh -c "$(printf '%s' "$cmd" | sed "s|^ope |'$OPE' |")" 2>/dev/null
grep '^<tr>' ope-report.html > tui-tr; grep '^<tr>' cli.html > cli-tr
[ -s tui-tr ] && cmp -s tui-tr cli-tr && pass "that command gives the same tables" \
    || { fail "that command gives the same tables"; diag "$cmd" "$(diff tui-tr cli-tr | head -10)"; }
tmux send-keys -t "$S" q; wait_for "EXITED 0" && pass "q quits with status 0" || fail "q quits"
tmux kill-session -t "$S" 2>/dev/null
done_testing
