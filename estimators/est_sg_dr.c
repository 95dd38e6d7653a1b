/* estimators/est_sg_dr.c: sub-Gaussian doubly robust (Metelli, Russo & Restelli 2021,
 * as the Open Bandit Pipeline's SubGaussianDoublyRobust): dr whose weight w becomes
 * w / (1 - lambda + lambda w) in the correction term only; q̂_pi is not weighted. */
#include "config.h"
#include "estimators/estimator.h"

#include <math.h>

static double sg_weight(double w, const double *param)
{
    double lambda = param[0];
    if (w <= 0)
        return 0.0;     /* w = 0 with lambda = 1 would be 0/0; the shrunk weight of 0 is 0 */
    return w / (1.0 - lambda + lambda * w);
}

/* Row i: q̂_pi(x_i) + w'_i (r_i - q̂(x_i, a_i)); the value is their mean over all rows. */
static void sg_dr_terms(const struct est_bandit_in *in, const double *param, size_t lo,
                        size_t hi, double *const *t)
{
    for (size_t i = lo; i < hi; i++)
        t[0][i - lo] = in->qhat_pi[i] + sg_weight(in->w[i], param) * (in->r[i] - in->qhat_a[i]);
}

const struct est_desc est_sg_dr_desc = {
    .name = "sg-dr",
    .title = "Sub-Gaussian doubly robust",
    .formula = "(1/n) sum_i [qhat_pi(x_i) + (w_i / (1 - lambda + lambda w_i)) (r_i - qhat(x_i, "
        "a_i))]",
    .citation = "Metelli, Russo & Restelli 2021; Open Bandit Pipeline (SubGaussianDoublyRobust)",
    .card = {
        .assumes = "as dr; the power-mean correction of the weights gives sub-Gaussian tails",
        .fails = "biased (towards dm) for large lambda; lambda = 0 is dr, lambda = 1 gives every "
            "row the policy can take weight 1",
        .discussion = "As dr, with each weight in the correction term shrunk by the power mean "
            "w / (1 - lambda + lambda w): the estimate gets sub-Gaussian tails at the price of a "
            "bias towards the reward model that grows with lambda (0 is dr). Intervals: the "
            "bootstrap and the t, Hoeffding and Bernstein bounds use the per-row terms, as for "
            "dr.",
        .reference = "A. M. Metelli, A. Russo, M. Restelli. Subgaussian and differentiable "
            "importance sampling for off-policy evaluation and learning. NeurIPS 2021; Y. Saito "
            "et al. Open Bandit Dataset and Pipeline. NeurIPS Datasets and Benchmarks 2021.",
    },
    .kind = EST_BANDIT,
    .needs_model = 1,
    .n_params = 1,
    .param = { { "lambda", 0.01, 0, 1,
                 "correction in [0, 1]; 0 = dr (default 0.01, as sg-ipw; OBP's is 0)" } },
    .n_terms = 1,
    .terms = sg_dr_terms,
    .combine = est_combine_mean,
    .contrib = est_contrib_mean,
    .weight = sg_weight,
};
