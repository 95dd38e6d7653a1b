/* estimators/est_dr.c: doubly robust, (1/n) sum_i [q̂_pi(x_i) + w_i (r_i - q̂(x_i, a_i))]
 * with optional weight clipping: unbiased if either the weights or q̂ are right. */
#include "config.h"
#include "estimators/estimator.h"

#include <math.h>

static double dr_weight(double w, const double *param)
{
    return w < param[0] ? w : param[0];
}

static void dr_terms(const struct est_bandit_in *in, const double *param, size_t lo, size_t hi,
                     double *const *t)
{
    for (size_t i = lo; i < hi; i++)
        t[0][i - lo] = in->qhat_pi[i] + dr_weight(in->w[i], param) * (in->r[i] - in->qhat_a[i]);
}

/* q̂_pi + min(w, clip) (r - q̂) with q̂ and r in [rlo, rhi]: the correction is at most
 * the clipped weight times the reward range either way. */
static void dr_cs_range(const double *param, double wmax, double rlo, double rhi, double *lo,
                        double *hi)
{
    double w = dr_weight(wmax, param);
    *lo = rlo - w * (rhi - rlo);
    *hi = rhi + w * (rhi - rlo);
}

const struct est_desc est_dr_desc = {
    .name = "dr",
    .title = "Doubly robust",
    .formula = "(1/n) sum_i [qhat_pi(x_i) + min(w_i, clip) (r_i - qhat(x_i, a_i))]",
    .citation = "Dudik, Langford & Li 2011",
    .card = {
        .assumes = "either the weights or q̂ are right (doubly robust)",
        .fails = "still inherits the weights' variance when q̂ is poor and overlap is poor",
        .discussion = "Either the propensities or the reward model is right (doubly robust); it "
            "still inherits the weights' variance when overlap is poor and the model is poor.",
        .reference = "M. Dudík, J. Langford, L. Li. Doubly robust policy evaluation and "
            "learning. ICML 2011.",
    },
    .kind = EST_BANDIT,
    .needs_model = 1,
    .n_params = 1,
    .param = { { "clip", INFINITY, 0, INFINITY, "largest weight used (default: no clipping)" } },
    .n_terms = 1,
    .terms = dr_terms,
    .combine = est_combine_mean,
    .contrib = est_contrib_mean,
    .weight = dr_weight,
    .cs_range = dr_cs_range,
};
