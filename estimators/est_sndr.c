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

/* Linearised as snipw's ratio (est_snipw.c): with C = sum w (r - q̂) / sum w,
 * c_i = q̂_pi(x_i) + C + w_i (r_i - q̂_i - C) / mean(w); mean(c) is the estimate. */
static double sndr_contrib(const double *ti, const double *sums, double n)
{
    if (!(sums[2] > 0))
        return NAN;
    double cr = sums[1] / sums[2];
    return ti[0] + cr + (ti[1] - ti[2] * cr) * n / sums[2];
}

const struct est_desc est_sndr_desc = {
    .name = "sndr",
    .title = "Self-normalised doubly robust",
    .formula = "(1/n) sum_i [qhat_pi(x_i) + (w_i / mean w) (r_i - qhat(x_i, a_i))]",
    .citation = "Kallus & Uehara 2019; Open Bandit Pipeline (Saito et al. 2021)",
    .card = {
        .assumes = "as dr, with the correction term self-normalised",
        .fails = "small-sample bias of the normalisation; usually lower variance than dr",
        .discussion = "As dr, with the correction term self-normalised by the mean weight: a "
            "small-sample bias, usually less variance than dr.",
        .reference = "N. Kallus, M. Uehara. Intrinsically efficient, stable, and bounded "
            "off-policy evaluation for reinforcement learning. NeurIPS 2019; Y. Saito et al. "
            "Open Bandit Dataset and Pipeline. NeurIPS Datasets and Benchmarks 2021.",
    },
    .kind = EST_BANDIT,
    .needs_model = 1,
    .n_terms = 3,
    .terms = sndr_terms,
    .combine = sndr_combine,
    .contrib = sndr_contrib,
    .weight = raw_weight,
};
