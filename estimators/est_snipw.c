/* estimators/est_snipw.c: self-normalised IPW, sum_i w_i r_i / sum_i w_i: a ratio of
 * two sums, so the bootstrap recomputes both per resample. */
#include "config.h"
#include "estimators/estimator.h"

#include <math.h>

static double raw_weight(double w, const double *param)
{
    (void)param;
    return w;
}

static void snipw_terms(const struct est_bandit_in *in, const double *param, size_t lo,
                        size_t hi, double *const *t)
{
    (void)param;
    for (size_t i = lo; i < hi; i++) {
        t[0][i - lo] = in->w[i] * in->r[i];
        t[1][i - lo] = in->w[i];
    }
}

static double snipw_combine(const double *sums, double n)
{
    (void)n;
    return sums[1] > 0 ? sums[0] / sums[1] : NAN;
}

/* The linearised (delta-method) contribution c_i = V + w_i (r_i - V) / mean(w), with
 * V = sum w r / sum w: its mean is V, and its variance is the delta-method variance of
 * the ratio, which accounts for the denominator being estimated too. The plain
 * w_i r_i / mean(w) has the same mean but the variance of an unnormalised ipw, so its
 * intervals were needlessly wide (doc/coverage.md). */
static double snipw_contrib(const double *ti, const double *sums, double n)
{
    if (!(sums[1] > 0))
        return NAN;
    double v = sums[0] / sums[1];
    return v + (ti[0] - ti[1] * v) * n / sums[1];
}

const struct est_desc est_snipw_desc = {
    .name = "snipw",
    .title = "Self-normalised IPW",
    .formula = "sum_i w_i r_i / sum_i w_i",
    .citation = "Swaminathan & Joachims 2015",
    .card = {
        .assumes = "as ipw; the weights' mean is estimated instead of assumed to be 1",
        .fails = "slightly biased in small samples; robust to a few huge weights and to "
            "propensities off by a constant",
        .discussion = "As ipw, but the weights' mean is estimated rather than assumed to be 1: "
            "a small bias in small samples, much less variance, and robust to propensities that "
            "are off by a constant factor.",
        .reference = "A. Swaminathan, T. Joachims. The self-normalized estimator for "
            "counterfactual learning. NeurIPS 2015.",
    },
    .kind = EST_BANDIT,
    .weights_only = EST_WEIGHTS_UNIT,
    .n_terms = 2,
    .terms = snipw_terms,
    .combine = snipw_combine,
    .contrib = snipw_contrib,
    .weight = raw_weight,
};
