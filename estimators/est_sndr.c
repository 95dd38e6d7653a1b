/* estimators/est_sndr.c: self-normalised DR, (1/n) sum_i q̂_pi(x_i) +
 * sum_i w_i (r_i - q̂(x_i, a_i)) / sum_i w_i: a mean plus a ratio of sums. */
#include "config.h"
#include "estimators/estimator.h"

#include <math.h>

static double raw_weight(double w, const double *param)
{
    (void)param;
    return w;
}

static void sndr_terms(const struct est_bandit_in *in, const double *param, size_t lo,
                       size_t hi, double *const *t)
{
    (void)param;
    for (size_t i = lo; i < hi; i++) {
        t[0][i - lo] = in->qhat_pi[i];
        t[1][i - lo] = in->w[i] * (in->r[i] - in->qhat_a[i]);
        t[2][i - lo] = in->w[i];
    }
}

static double sndr_combine(const double *sums, double n)
{
    if (!(n > 0) || !(sums[2] > 0))
        return NAN;
    return sums[0] / n + sums[1] / sums[2];
}

/* c_i = q̂_pi(x_i) + w_i (r_i - q̂_i) / mean(w). */
static double sndr_contrib(const double *ti, const double *sums, double n)
{
    return sums[2] > 0 ? ti[0] + ti[1] * n / sums[2] : NAN;
}

const struct est_desc est_sndr_desc = {
    "sndr", "Self-normalised doubly robust",
    "(1/n) sum_i [qhat_pi(x_i) + (w_i / mean w) (r_i - qhat(x_i, a_i))]",
    "Kallus & Uehara 2019; Open Bandit Pipeline (Saito et al. 2021)",
    EST_BANDIT, 1, 0, { { 0 } }, 3, sndr_terms, sndr_combine, sndr_contrib, raw_weight
};
