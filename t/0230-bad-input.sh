#!/bin/sh
# t/0230-bad-input.sh: every rule of formats.md, broken one at a time. Each file in
# t/data/bad breaks exactly one rule; `ope info` must exit with the documented status
# (65 bad data, 64 usage, 66 unreadable) and name file:line:column and the column.
. "$OPE_SRCDIR/t/lib.sh"

# file | exit status | expected substring of stderr | extra options
CASES=$(cat <<'END'
missing-pscore.csv|65|missing-pscore.csv:1: no column 'pscore' for the pscore role|
pscore-zero.csv|65|pscore-zero.csv:3:5: column 'pscore': saw '0', expected a probability in (0, 1]|
pscore-above-one.csv|65|pscore-above-one.csv:3:5: column 'pscore': saw '1.7'|
pscore-negative.csv|65|pscore-negative.csv:2:5: column 'pscore': saw '-0.5'|
pscore-text.csv|65|pscore-text.csv:3:5: column 'pscore': saw 'abc'|
reward-nan.csv|65|reward-nan.csv:2:3: column 'reward': saw 'nan', expected a finite number|
reward-inf.csv|65|reward-inf.csv:3:3: column 'reward': saw '-inf'|
reward-empty.csv|65|reward-empty.csv:2:3: column 'reward': saw an empty field|
action-negative.csv|65|action-negative.csv:2:1: column 'action': saw '-1'|
action-fraction.csv|65|action-fraction.csv:3:1: column 'action': saw '2.5'|
action-too-large.csv|65|action-too-large.csv:3:1: column 'action': saw '2', expected an action from 0 to 1 (--n-actions 2)|--n-actions 2
policy-sum.csv|65|policy-sum.csv:3: the probabilities of policy 'e' sum to 0.9|
policy-negative.csv|65|policy-negative.csv:2:9: column 'pi.e.0': saw '-0.1', expected a probability in [0, 1]|
policy-action-too-large.csv|65|column 'pi.e.2' is for action 2 but --n-actions is 2|--n-actions 2
ragged-short.csv|65|ragged-short.csv:3: the row has 2 fields but the header has 3 (column 'pscore'|
ragged-long.csv|65|ragged-long.csv:2:9: the row has 4 fields but the header has 3|
unterminated-quote.csv|65|unterminated-quote.csv:3:3:|
bad-utf8.csv|65|bad-utf8.csv:2:3: column 'reward': saw '\xff\xfe'|
duplicate-column.csv|65|duplicate-column.csv:1: column name 'reward' appears twice (columns 2 and 4)|
header-only.csv|65|header-only.csv: no data rows after the header|
empty.csv|65|empty.csv: the file is empty|
qhat-nan.csv|65|qhat-nan.csv:2:13: column 'qhat.1': saw 'NaN', expected a finite number|
qhat-missing-action.csv|65|qhat-missing-action.csv:2: no qhat column for action 1|
context-inf.csv|65|context-inf.csv:3:9: column 'x0': saw 'inf'|
context-empty.csv|65|context-empty.csv:2:9: column 'x0': saw an empty field|
position-below-base.csv|65|position-below-base.csv:3: column 'position': saw position 0 below the position base 1|--position-base 1
position-no-column.csv|65|position-no-column.csv:1: column 'pi.e.0@1' names a position but the log has no position column|
position-text.csv|65|position-text.csv:2:9: column 'position': saw 'left'|
traj-step-gap.csv|65|traj-step-gap.csv:3:3: column 'step': saw step 2 after step 0 of episode '1', expected 1|
traj-noncontiguous.csv|65|traj-noncontiguous.csv:4:1: column 'episode': episode '1' appears again after other episodes (it started on line 2)|
traj-step-start.csv|65|traj-step-start.csv:3:3: column 'step': episode '2' starts at step 1, expected 0|
traj-missing-state.csv|65|traj-missing-state.csv:1: no column 'state' for the state role and no state feature columns|
traj-done-middle.csv|65|traj-done-middle.csv:3: episode '1' goes on after done=1 on line 2|
traj-done-value.csv|65|traj-done-value.csv:2:15: column 'done': saw '2', expected 0 or 1|
traj-episode-empty.csv|65|traj-episode-empty.csv:3:1: column 'episode': saw an empty field|
traj-pscore-zero.csv|65|traj-pscore-zero.csv:2:11: column 'pscore': saw '0'|
traj-policy-sum.csv|65|traj-policy-sum.csv:2: the probabilities of policy 'e' sum to 1.1|
traj-position-suffix.csv|65|traj-position-suffix.csv:1: column 'pi.e.0@1': a trajectory log has no positions|
no-such-file.csv|66|no-such-file.csv|
missing-pscore.csv|65|missing-pscore.csv:1: no column 'propensity' for the pscore role (from --map)|--map pscore=propensity
pscore-zero.csv|64|--policy-columns '(': missing closing parenthesis at offset 1|--policy-columns (
pscore-zero.csv|64|--policy-columns '^pi\.(\d+)$': the pattern needs the named groups|--policy-columns ^pi\.(\d+)$
pscore-zero.csv|64|--map: unknown role 'price'|--map price=pscore
pscore-zero.csv|64|--n-actions expects an integer from 1 to 1000000, got 'many'|--n-actions many
END
)

n=$(printf '%s\n' "$CASES" | wc -l)
plan $((2 * n + 4))

printf '%s\n' "$CASES" | {
    while IFS='|' read -r file code msg opts; do
        # shellcheck disable=SC2086  # opts are split on purpose (none contain spaces)
        expect_status "$code" "$file${opts:+ ($opts)}: exit status $code" \
            "$OPE" info $opts "$DATA/bad/$file"
        expect_grep "$TMP/err" "$msg" "$file${opts:+ ($opts)}: the message names the place"
    done
    # The message also suggests a fix.
    expect_status 65 "pscore-zero.csv again" "$OPE" info "$DATA/bad/pscore-zero.csv"
    expect_grep "$TMP/err" "fix the column or map another one with --map pscore=COLUMN" \
        "a bad value suggests --map"
    # The good twin of the BOM + CRLF rule: a UTF-8 BOM and CR LF line ends are fine.
    expect_status 0 "bom-crlf.csv loads" "$OPE" info "$DATA/good/bom-crlf.csv"
    expect_grep "$TMP/out" "rows                 2" "bom-crlf.csv has two rows"
    done_testing
}
