#!/bin/sh
# t/1507-report-zero-lift.sh: issue 19 review: the report's Decision paragraph says
# what the data settle. When the chosen candidate's lift is exactly 0 (here policy a
# plays the logged action with probability 1 everywhere: its weights are all 1, so
# every estimator's lift is 0 on every resample) the paragraph ended after "0 of 2
# estimators' lift intervals lie above 0." without a word on what that means; the
# rows-to-settle formula N (h / lift)^2 has no value at lift 0. And the `ope gate`
# command the paragraph suggests is code with the policy name shell-quoted: it was
# text (its backticks escaped, "\`ope gate ...\`" in the Markdown) with the name raw,
# so a name with a space gave a command that gates another policy.
. "$OPE_SRCDIR/t/lib.sh"
plan 6
# The logger always takes action 0 (pscore 1); a copies it, b splits 0.5/0.5 and so
# puts half its mass on the never-logged action 1 (its ipw is half the logged value).
awk 'BEGIN { print "action,reward,pscore,x0,pi.a.0,pi.a.1,pi.b.0,pi.b.1"; srand(1)
             for (i = 0; i < 300; i++) { x = rand(); r = (rand() < 0.3 + 0.3 * x)
                 printf "0,%d,1,%.4f,1,0,0.5,0.5\n", r, x } }' > "$TMP/p1.csv"
expect_status 0 "report" env OPE_REPORT_DATE=2026-01-01 "$OPE" report "$TMP/p1.csv" \
    --estimators ipw,dr --n-boot 100 --no-charts -o "$TMP/r.md"
expect_grep "$TMP/r.md" "**Decision: a** +0 (+0%) over the logged policy" "a is chosen, lift 0"
expect_grep "$TMP/r.md" "The lift is estimated at exactly 0: if it stays there, no amount of data would make the interval exclude 0" \
    "and the paragraph says what a zero lift means"

# "my policy" always takes action 0, which always pays 1 (action 1 pays 0): lift +0.5.
{ echo 'action,reward,pscore,x0,pi.my policy.0,pi.my policy.1'
  i=0; while [ $i -lt 100 ]; do echo '0,1,0.5,1,1,0'; echo '1,0,0.5,2,1,0'; i=$((i + 1)); done
} > "$TMP/sp.csv"
pc='^pi\.(?<policy>.*)\.(?<action>[0-9]+)$'
OPE_REPORT_DATE=2026-01-01 "$OPE" report "$TMP/sp.csv" --policy-columns "$pc" \
    --estimators ipw,dr --n-boot 100 --no-charts -o "$TMP/sp.md" >/dev/null 2>"$TMP/err"
expect_grep "$TMP/sp.md" "so \`ope gate LOG --policy 'my policy' --estimator dr --alpha 0.025 --n-boot 100\` would pass" \
    "the gate command: a code span, the name quoted, the report's --n-boot"
# Pasted into a shell with LOG replaced (and the log's policy pattern), it passes.
cmd=$(sed -n "s/.*so \`ope gate LOG \(.*\)\` would pass.*/\1/p" "$TMP/sp.md")
expect_status 0 "the suggested command runs and passes" \
    sh -c "\"\$1\" gate \"\$0\" --policy-columns '$pc' $cmd" "$TMP/sp.csv" "$OPE"
expect_grep "$TMP/out" "PASS my policy:" "for the policy named"
done_testing
