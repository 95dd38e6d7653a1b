/* estimators/est_ipw.c: inverse propensity weighting, (1/n) sum_i min(w_i, clip) r_i:
 * unbiased when pi_b > 0 wherever pi_e > 0 and clip is infinite. */
#include "config.h"
#include "estimators/estimator.h"

#include <math.h>

static double ipw_weight(double w, const double *param)
{
    return w < param[0] ? w : param[0];
}

static void ipw_terms(const struct est_bandit_in *in, const double *param, size_t lo, size_t hi,
                      double *const *t)
{
    for (size_t i = lo; i < hi; i++)
        t[0][i - lo] = ipw_weight(in->w[i], param) * in->r[i];
}

/* min(w, clip) r with w in [0, wmax] and r in [rlo, rhi]: the extremes are at the
 * ends of both ranges. */
static void ipw_cs_range(const double *param, double wmax, double rlo, double rhi, double *lo,
                         double *hi)
{
    double w = ipw_weight(wmax, param);
    *lo = fmin(0.0, w * rlo);
    *hi = fmax(0.0, w * rhi);
}

const struct est_desc est_ipw_desc = {
    .name = "ipw",
    .title = "Inverse propensity weighting",
    .formula = "(1/n) sum_i min(w_i, clip) r_i",
    .citation = "Horvitz & Thompson 1952; Strehl et al. 2010 (clipping)",
    .card = {
        .assumes = "pi_b > 0 wherever pi_e > 0, and the logged propensities are correct",
        .fails = "variance explodes when pi_b rarely takes what pi_e likes (huge weights); "
            "clipping trades it for bias",
        .discussion = "The logged propensities are correct and the logged policy gives every "
            "action the evaluated policy can take a positive probability (overlap). Unbiased, "
            "but its variance grows with the weights; clipping trades variance for bias.",
        .reference = "D. G. Horvitz, D. J. Thompson. A generalization of sampling without "
            "replacement from a finite universe. JASA 47, 1952; A. Strehl, J. Langford, L. Li, "
            "S. Kakade. Learning from logged implicit exploration data. NeurIPS 2010.",
    },
    .kind = EST_BANDIT,
    .weights_only = EST_WEIGHTS_UNIT,
    .n_params = 1,
    .param = { { "clip", INFINITY, 0, INFINITY, "largest weight used (default: no clipping)" } },
    .n_terms = 1,
    .terms = ipw_terms,
    .combine = est_combine_mean,
    .contrib = est_contrib_mean,
    .weight = ipw_weight,
    .cs_range = ipw_cs_range,
};
