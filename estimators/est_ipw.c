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

const struct est_desc est_ipw_desc = {
    "ipw", "Inverse propensity weighting", "(1/n) sum_i min(w_i, clip) r_i",
    "Horvitz & Thompson 1952; Strehl et al. 2010 (clipping)",
    EST_BANDIT, 0, 1,
    { { "clip", INFINITY, 0, INFINITY, "largest weight used (default: no clipping)" } },
    1, ipw_terms, est_combine_mean, est_contrib_mean, ipw_weight
};
