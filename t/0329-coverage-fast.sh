#!/bin/sh
# t/0329-coverage-fast.sh: the coverage matrix of doc/coverage.md (make coverage) cut
# down to a test: every estimator with the t and bootstrap intervals, on the settings
# where an honest 95% interval must keep its promise (n = 5,000, good overlap).
. "$OPE_SRCDIR/t/lib.sh"

# Settings: a subset of bench/coverage.sh's, with the same seeds (1..N), so a figure
# here is comparable with the document's. Bandit: 5,000 rows from a uniform logger
# (--beta 0: every weight at most 5), binary and continuous rewards, all five
# policies. Trajectories: 500 episodes of horizon 10, gamma 0.9, on RiverSwim and the
# random dirichlet MDP, the policy mix100 (the optimal one, which the eps:0.3
# behaviour follows most of the time). Hoeffding and Bernstein are left out: they are
# conservative by design. B = 200 bootstrap replicates keeps it fast (the document
# uses 500); a log takes about 0.15 s (bandit) or 0.06 s (trajectories), so the test
# takes about 30 s, and a sanitizer build (3-10 times slower) a few minutes.
NB=80      # bandit logs per setting (5,000 rows each: most of the run time)
NT=100     # trajectory logs per setting
B=200

# evaluate SETTING SEED EVAL-ARGS...: append one line per (method, estimate) of
# $TMP/log.csv to $TMP/rows: setting,method,policy,estimator,params,value,lower,
# upper,truth,...
evaluate() {
    set_=$1 seed=$2
    shift 2
    for m in t bootstrap; do
        $OPE eval "$TMP/log.csv" "$@" --ci $m --n-boot $B --seed "$seed" --threads 1 \
            -q -f csv >"$TMP/eval.csv" || return 1
        awk -v p="$set_,$m," 'NR > 1 { print p $0 }' "$TMP/eval.csv" >>"$TMP/rows"
    done
}

: >"$TMP/rows"
ok=1
for reward in binary continuous; do
    s=1
    while [ $s -le $NB ] && [ $ok = 1 ]; do
        $OPE gen bandit -n 5000 --beta 0 --reward $reward -s $s -q --force \
            -o "$TMP/log.csv" && evaluate bandit-$reward $s || ok=0
        s=$((s + 1))
    done
done
for env in riverswim dirichlet; do
    s=1
    while [ $s -le $NT ] && [ $ok = 1 ]; do
        $OPE gen mdp $env --episodes 500 --horizon 10 --candidates 4 --gamma 0.9 \
            --seed $s --threads 1 -q --force -o "$TMP/log.csv" --truth "$TMP/truth.csv" &&
            evaluate $env $s --gamma 0.9 --truth "$TMP/truth.csv" --policy mix100 || ok=0
        s=$((s + 1))
    done
done
[ $ok = 1 ] && pass "generated and evaluated the logs" ||
    fail "generated and evaluated the logs"

# Per (setting, method, policy, estimator) over its N logs: C logs covered the truth
# (a log without an interval counts as not covered), the mean width W, and the
# standard deviation S of the error (value - truth) across logs.
#
# Thresholds. C is binomial(N, p) for a pair whose coverage is p. A pair "covers below
# 90%" when p < 0.90: fail when C < 0.90 N - 3 sqrt(N 0.90 0.10) (for N = 80: C < 63.95,
# i.e. below 80%; for N = 100: below 81%), which a pair with p >= 0.90 does with
# probability under 0.2% (normal approximation), and a pair at the nominal 95% almost
# never (6 SEs away). Likewise "above 99.5%": fail when C > 0.995 N + 3 sqrt(N 0.995
# 0.005); at these N that bound is above N, so the count cannot show over-coverage,
# and the width does instead. For an unbiased, normal estimate a 95% interval is
# 2 z_0.975 S wide; one as wide as 2 z_0.9975 S (ratio 2.807 / 1.960 = 1.432) covers
# 99.5%. The sample S of N errors has relative standard error 1 / sqrt(2 (N - 1))
# (normal errors), so fail when W / (2 1.960 S) > 1.432 (1 + 3 / sqrt(2 (N - 1)))
# (N = 80: ratio above 1.77).
#
# Not checked as honest:
# 1. Flagged by ope eval itself (the ci_caveat of the registry entry; `ope help
#    intervals`, "Known not to cover"): dm on bandit logs (the model's variance is in
#    the interval, its bias is not), sg-ipw (biased towards 0 by design: a weight of 5
#    becomes 4.81, about one standard error here; 80-91% on greedy and eps0_2), dr-os
#    (biased towards dm by design: 91-96%, below 92% on greedy and eps0_2 with
#    continuous rewards), and
#    dm's and mis's t intervals on trajectory logs (the model or the ratios are fitted
#    once; RiverSwim's dm t interval would have zero width, so none is printed).
# 2. rm on a stochastic policy: it does not apply (no estimate, and ope eval says so).
# Checked since issue 16 linearised their terms (they were listed here as known):
# rm's t interval (100% on greedy, twice too wide: OBP's round rewards m r / mean(m))
# and wtis's and wpdis's t intervals on the dirichlet MDP (100%, 7-8 times too wide:
# the full-sample-denominator terms). Group 3 (measured, reported, not flagged) is
# empty; the skip below lists any pair put back into it.
awk -F, '
    function known(s, m, p, e) {
        if (s ~ /^bandit/ && e == "dm") return 1
        if (s !~ /^bandit/ && m == "t" && (e == "dm" || e == "mis")) return 1
        if (s ~ /^bandit/ && (e == "sg-ipw" || e == "dr-os")) return 1
        if (s ~ /^bandit/ && e == "rm" && p != "greedy") return 1
        return 0
    }
    { k = $1 " " $2 " " $3 " " $4; if (!(k in n)) order[++nk] = k; n[k]++
      if ($6 != "" && $7 != "" && $8 != "") {
          c[k] += ($7 <= $9 && $9 <= $8); w[k] += $8 - $7; nw[k]++ }
      if ($6 != "") { e = $6 - $9; se[k] += e; se2[k] += e * e; ne[k]++ } }
    END {
        for (i = 1; i <= nk; i++) {
            k = order[i]; N = n[k]
            split(k, f, " ")
            kn = known(f[1], f[2], f[3], f[4])
            lo = 0.90 * N - 3 * sqrt(N * 0.90 * 0.10)
            hi = 0.995 * N + 3 * sqrt(N * 0.995 * 0.005)
            W = nw[k] ? w[k] / nw[k] : 0
            S = ne[k] > 1 ? sqrt((se2[k] - se[k] * se[k] / ne[k]) / (ne[k] - 1)) : 0
            r = S > 0 ? W / (2 * 1.959964 * S) : 0
            rmax = 1.432 * (1 + 3 / sqrt(2 * (N - 1)))
            why = ""
            if (c[k] + 0 < lo) why = "covers below 90%"
            else if (c[k] + 0 > hi) why = "covers above 99.5%"
            else if (r > rmax) why = sprintf("too wide (ratio %.2f > %.2f)", r, rmax)
            printf "%s %s %s %s %d %d %.1f %.3g %.2f %s|%s\n", f[1], f[2], f[3], f[4],
                   kn, N, 100 * c[k] / N, W, r, why == "" ? "ok" : "FAIL", why
        }
    }' "$TMP/rows" >"$TMP/pairs"

# One test per (setting, method) over its honest pairs.
for set_ in bandit-binary bandit-continuous riverswim dirichlet; do
    for m in t bootstrap; do
        awk -v s=$set_ -v m=$m '$1 == s && $2 == m && $5 == 0' "$TMP/pairs" >"$TMP/these"
        total=$(wc -l <"$TMP/these")
        bad=$(grep -c ' FAIL|' "$TMP/these")
        lowest=$(sort -k7,7n "$TMP/these" | awk 'NR == 1 { print $3 " " $4 " " $7 "%" }')
        if [ "$total" -gt 0 ] && [ "$bad" -eq 0 ]; then
            pass "$set_ $m: $total honest pairs cover 90-99.5% (lowest: $lowest)"
        else
            fail "$set_ $m: $bad of $total honest pairs outside 90-99.5%"
            grep ' FAIL|' "$TMP/these" | while read -r a b p e k N cov W r v; do
                diag "$p $e: coverage $cov% of $N logs, mean width $W, width/(3.92 sd) $r: ${v#*|}"
            done
        fi
    done
done

# The known ones of group 3 (none at present), with their numbers.
awk '$5 == 2' "$TMP/pairs" >"$TMP/known"
while read -r s m p e k N cov W r v; do
    skip "known, not flagged by ope eval: $s $m $p $e covers $cov% of $N logs (width/(3.92 sd) $r)"
done <"$TMP/known"
# The pairs fixed by issue 16 are among the checked ones (not left out by known()).
for pe in "bandit-binary t greedy rm" "dirichlet t mix100 wtis" "dirichlet t mix100 wpdis"; do
    grep -q "^$pe 0 " "$TMP/pairs" && pass "checked as honest: $pe ($(grep "^$pe 0 " \
        "$TMP/pairs" | awk '{ print $7 "% of " $6 " logs, width/(3.92 sd) " $9 }'))" ||
        fail "checked as honest: $pe"
done
# The check can fail: trajectory dm's t interval (the value model fitted once; with
# RiverSwim's one start state no interval at all) fails it.
grep -q '^riverswim t mix100 dm 1 .* FAIL|covers below 90%' "$TMP/pairs" &&
    pass "the check catches trajectory dm's known under-coverage (t, fitted once)" ||
    fail "the check catches trajectory dm's known under-coverage (t, fitted once)"
done_testing
