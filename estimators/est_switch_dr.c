/* estimators/est_switch_dr.c: switch-DR (Wang et al. 2017): the DR correction only on
 * rows whose weight is at most tau, the model alone elsewhere. */
#include "config.h"
#include "estimators/estimator.h"

#include <math.h>

static double switch_weight(double w, const double *param)
{
    return w <= param[0] ? w : 0.0;
}

static void switch_terms(const struct est_bandit_in *in, const double *param, size_t lo,
                         size_t hi, double *const *t)
{
    for (size_t i = lo; i < hi; i++)
        t[0][i - lo] = in->qhat_pi[i] +
                       switch_weight(in->w[i], param) * (in->r[i] - in->qhat_a[i]);
}

const struct est_desc est_switch_dr_desc = {
    .name = "switch-dr",
    .title = "Switch doubly robust",
    .formula = "(1/n) sum_i [qhat_pi(x_i) + w_i 1{w_i <= tau} (r_i - qhat(x_i, a_i))]",
    .citation = "Wang, Agarwal & Dudik 2017",
    .card = {
        .assumes = "rows with weight above tau are better served by the model alone",
        .fails = "bias from q̂ on the switched-off rows; tau trades variance for that bias",
        .discussion = "Rows whose weight exceeds tau are better served by the reward model "
            "alone: below tau it is dr, above it dm; tau trades the model's bias for the "
            "weights' variance.",
        .reference = "Y.-X. Wang, A. Agarwal, M. Dudík. Optimal and adaptive off-policy "
            "evaluation in contextual bandits. ICML 2017.",
    },
    .kind = EST_BANDIT,
    .needs_model = 1,
    .n_params = 1,
    .param = { { "tau", 50, 0, INFINITY, "weights above tau use the model only (default 50)" } },
    .n_terms = 1,
    .terms = switch_terms,
    .combine = est_combine_mean,
    .contrib = est_contrib_mean,
    .weight = switch_weight,
};
