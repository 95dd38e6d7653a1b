/* estimators/est_rm.c: the replay method (Li, Chu, Langford & Wang 2011, as the Open
 * Bandit Pipeline's ReplayMethod): the mean reward over the rows where a deterministic
 * evaluation policy picks the logged action, sum_i m_i r_i / sum_i m_i with
 * m_i = 1{pi_e(a_i | x_i) = 1}. It does not apply to a stochastic policy. */
#include "config.h"
#include "estimators/estimator.h"

#include <math.h>
#include <stdio.h>

static void rm_terms(const struct est_bandit_in *in, const double *param, size_t lo, size_t hi,
                     double *const *t)
{
    (void)param;
    for (size_t i = lo; i < hi; i++) {
        double m = in->pi_a[i] == 1.0 ? 1.0 : 0.0;
        t[0][i - lo] = m * in->r[i];
        t[1][i - lo] = m;
    }
}

/* NaN when no row matches (OBP returns 0 there: a number that means nothing). */
static double rm_combine(const double *sums, double n)
{
    (void)n;
    return sums[1] > 0 ? sums[0] / sums[1] : NAN;
}

/* The linearised (delta-method) contribution c_i = V + m_i (r_i - V) / mean(m), with
 * V = sum m r / sum m, as snipw's: its mean is V and its variance is the delta-method
 * variance of the ratio. OBP's round rewards m_i r_i / mean(m) have the same mean but
 * ignore that the number of matches is random too: their t interval covered 100% at
 * twice the width the spread of the estimates asks for (doc/coverage.md). */
static double rm_contrib(const double *ti, const double *sums, double n)
{
    if (!(sums[1] > 0))
        return NAN;
    double v = sums[0] / sums[1];
    return v + (ti[0] - ti[1] * v) * n / sums[1];
}

/* A policy is stochastic here when it gives a logged action a probability strictly
 * between 0 and 1; replaying then keeps only some of the actions it would take. On
 * the rows it keeps (pi_e = 1, so pscore = 1 / w) the logging probabilities must be
 * equal for the replayed rows to be a fair sample (uniform logging); when they are
 * not, rm still gives its number, with that caveat. Folded window by window (a log
 * read in passes): acc = (any kept row, smallest and largest pscore of the kept rows). */
static int rm_applies_fold(const struct est_bandit_in *in, const double *param, double *acc,
                           char *why, size_t n)
{
    (void)param;
    if (!in) {
        double lo = acc[0] ? acc[1] : INFINITY, hi = acc[0] ? acc[2] : 0;
        if (hi > 0 && hi - lo > 1e-9 * hi)
            snprintf(why, n, "the logging policy is not uniform on the replayed rows (pscore "
                     "from %.4g to %.4g), so rm is biased; snipw weighs the same rows "
                     "correctly", lo, hi);
        return 1;
    }
    for (size_t i = 0; i < in->n; i++)
        if (in->pi_a[i] > 0.0 && in->pi_a[i] < 1.0) {
            /* All the digits when six would round to 1 (0.9999999999999999). */
            snprintf(why, n, "the policy is stochastic (it gives the logged action of row %zu "
                     "probability %.*g); the replay method needs a deterministic policy",
                     in->row0 + i + 1, in->pi_a[i] > 0.9999995 ? 17 : 6, in->pi_a[i]);
            return 0;
        }
    for (size_t i = 0; i < in->n; i++)
        if (in->pi_a[i] == 1.0 && in->w[i] > 0) {
            double p = 1.0 / in->w[i];
            acc[1] = !acc[0] || p < acc[1] ? p : acc[1];
            acc[2] = !acc[0] || p > acc[2] ? p : acc[2];
            acc[0] = 1;
        }
    return 1;
}

static void rm_applies_merge(double *acc, const double *from)
{
    if (!from[0])
        return;
    acc[1] = !acc[0] || from[1] < acc[1] ? from[1] : acc[1];
    acc[2] = !acc[0] || from[2] > acc[2] ? from[2] : acc[2];
    acc[0] = 1;
}

static int rm_applies(const struct est_bandit_in *in, const double *param, char *why, size_t n)
{
    double acc[EST_APPLIES_ACC] = { 0 };
    return rm_applies_fold(in, param, acc, why, n) && rm_applies_fold(NULL, param, acc, why, n);
}

const struct est_desc est_rm_desc = {
    .name = "rm",
    .title = "Replay method",
    .formula = "sum_i 1{pi_e(a_i|x_i) = 1} r_i / sum_i 1{pi_e(a_i|x_i) = 1}",
    .citation = "Li, Chu, Langford & Wang 2011; Open Bandit Pipeline (ReplayMethod)",
    .card = {
        .assumes = "a deterministic evaluation policy and a uniformly random logging policy",
        .fails = "biased when the logging policy is not uniform; does not apply to a stochastic "
            "policy (no number is shown)",
        .discussion = "The evaluation policy is deterministic and the log was collected by "
            "choosing actions uniformly at random: then the rows where the policy picks the "
            "logged action are a fair sample of its rewards. With a non-uniform logging policy "
            "it is biased (it is snipw with the propensities taken as equal); it does not apply "
            "to a stochastic policy, so ope shows no number then, and it is undefined when no "
            "row matches (OBP returns 0). Intervals: the bootstrap recomputes the ratio on each "
            "resample; the t, Hoeffding and Bernstein bounds use the linearised (delta-method) "
            "terms V + m_i (r_i - V) / mean(m), as snipw's (not OBP's round rewards m_i r_i / "
            "mean(m), whose interval is about twice too wide).",
        .reference = "L. Li, W. Chu, J. Langford, X. Wang. Unbiased offline evaluation of "
            "contextual-bandit-based news article recommendation algorithms. WSDM 2011; Y. Saito "
            "et al. Open Bandit Dataset and Pipeline. NeurIPS Datasets and Benchmarks 2021.",
    },
    .kind = EST_BANDIT,
    .n_terms = 2,
    .terms = rm_terms,
    .combine = rm_combine,
    .contrib = rm_contrib,
    .applies = rm_applies,
    .applies_fold = rm_applies_fold,
    .applies_merge = rm_applies_merge,
};
