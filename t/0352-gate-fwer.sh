#!/bin/sh
# t/0352-gate-fwer.sh: a simulation (issue "From estimates to decisions"): Holm's
# correction keeps the family-wise error rate of a multi-policy `ope gate` at alpha.
# Every log is generated (ope gen bandit, seeds 1..R) with three close candidates
# (softmax:3, 3.3, 3.6) and gated with the threshold --min-lift set to the largest of
# their true lifts, so one candidate is exactly at the threshold and the other two just
# below: every PASS is a false one. The family-wise error is the share of logs with at
# least one PASS.
. "$OPE_SRCDIR/t/lib.sh"

R=${OPE_FWER_LOGS:-200}
ROWS=1500
ALPHA=0.05
: > "$TMP/runs"
s=1
while [ $s -le $R ]; do
    $OPE gen bandit -n $ROWS -s $s --policies softmax:3,softmax:3.3,softmax:3.6 -q \
        -o "$TMP/log.csv" --force
    # The true lifts on the log's contexts, from its q.* columns: the behaviour policy
    # is softmax(q) (ope gen bandit --beta 1), so V(pi_b) = mean_i sum_a softmax(q_i)_a
    # q_ia and V(pi_e) = mean_i sum_a pi_e(a|x_i) q_ia. Columns: 9-13 q.0..4, then five
    # per candidate. The threshold is the largest lift, printed with 17 digits.
    T=$(awk -F, 'NR > 1 {
            z = 0; for (a = 0; a < 5; a++) z += exp($(9 + a))
            for (a = 0; a < 5; a++) {
                q = $(9 + a); vb += exp(q) / z * q
                for (p = 0; p < 3; p++) v[p] += $(14 + 5 * p + a) * q
            }
            n++ }
        END { m = v[0]; for (p = 1; p < 3; p++) if (v[p] > m) m = v[p]
              printf "%.17g", (m - vb) / n }' "$TMP/log.csv")
    $OPE gate "$TMP/log.csv" --policy softmax3 --policy softmax3_3 --policy softmax3_6 \
        --estimators dr --ci t --alpha $ALPHA --min-lift "$T" -q > "$TMP/gate" 2>&1
    holm=$(grep -c '^  PASS ' "$TMP/gate")
    # Without the correction (OPE_FWER_UNCORRECTED=1, a third more time): each
    # candidate's own one-sided 95% lower bound (the lower end of the two-sided 90% t
    # interval of its lift) above the threshold. Measured once at R = 200: 10 logs
    # (0.050) against Holm's 1 (0.005).
    raw=$holm
    if [ -n "${OPE_FWER_UNCORRECTED:-}" ]; then
        $OPE eval "$TMP/log.csv" --estimators dr --ci t --alpha 0.1 -f csv -q > "$TMP/e.csv"
        raw=$(awk -F, -v t="$T" 'NR > 1 && $13 > t { k++ } END { print k + 0 }' "$TMP/e.csv")
    fi
    echo "$s $holm $raw" >> "$TMP/runs"
    s=$((s + 1))
done
# The rates and the band. If the family-wise error rate is at most alpha, the number of
# logs with a false PASS is Binomial(R, p), p <= 0.05, whose SE at p = 0.05 and R = 200
# is sqrt(0.05 * 0.95 / 200) = 0.0154: the observed rate must stay under alpha + 3 SE
# (0.096 at R = 200), a bound a correct gate crosses with probability about 0.2%.
# What it can and cannot catch: a bound at the wrong level or too narrow (two-sided
# where one-sided is meant, a lost correction with a lost factor of 2, an interval
# that ignores the pairing's variance) pushes the rate at the candidate sitting at
# the threshold above alpha; but here the other two sit about 1.3 and 2.7 standard
# errors below it (gaps 0.008 and 0.017, se of the lift about 0.0065), so even
# uncorrected bounds measured 0.050: this setting shows Holm's gate within alpha, not
# that the correction is needed (t/0527-gate.sh checks Holm's step-down levels).
awk -v a=$ALPHA -v R=$R '{ h += ($2 > 0); u += ($3 > 0) }
    END { se = sqrt(a * (1 - a) / R); lim = a + 3 * se
          printf "holm %d %.4f uncorrected %d %.4f limit %.4f\n", h, h / R, u, u / R, lim }' \
    "$TMP/runs" > "$TMP/rate"
read -r _ h fh _ u fu _ lim < "$TMP/rate"
diag "$R logs of $ROWS rows: Holm's gate passed a candidate in $h ($fh); the band is $lim"
[ -n "${OPE_FWER_UNCORRECTED:-}" ] &&
    diag "without the correction $u logs ($fu) would have had a false PASS"
awk -v f="$fh" -v l="$lim" 'BEGIN { exit !(f <= l) }' &&
    pass "Holm's family-wise error rate $fh <= alpha + 3 SE = $lim" ||
    fail "Holm's family-wise error rate $fh > $lim"
# Holm tests at alpha / 3 first and never above alpha, so it can only pass where the
# uncorrected one-sided bounds pass too.
awk '$2 > $3 { bad = 1 } END { exit bad }' "$TMP/runs" &&
    pass "no log where Holm passes more candidates than the uncorrected bounds" ||
    fail "Holm passed more than the uncorrected bounds"
done_testing
