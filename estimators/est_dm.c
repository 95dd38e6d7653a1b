/* estimators/est_dm.c: the direct method, (1/n) sum_i q̂_pi(x_i): no weights, as good
 * as the reward model. */
#include "config.h"
#include "estimators/estimator.h"

static void dm_terms(const struct est_bandit_in *in, const double *param, size_t lo, size_t hi,
                     double *const *t)
{
    (void)param;
    for (size_t i = lo; i < hi; i++)
        t[0][i - lo] = in->qhat_pi[i];
}

const struct est_desc est_dm_desc = {
    .name = "dm",
    .title = "Direct method",
    .formula = "(1/n) sum_i qhat_pi(x_i)",
    .citation = "Beygelzimer & Langford 2009; Dudik, Langford & Li 2011",
    .card = {
        .assumes = "the reward model q̂ is right",
        .fails = "biased exactly as much as q̂ is wrong; no weights, so tiny variance",
        .discussion = "The reward model q̂ is right: the estimate is off by exactly the model's "
            "error, and the narrow interval does not include that error.",
        .reference = "A. Beygelzimer, J. Langford. The offset tree for learning with partial "
            "labels. KDD 2009; M. Dudík, J. Langford, L. Li. Doubly robust policy evaluation "
            "and learning. ICML 2011.",
    },
    .kind = EST_BANDIT,
    .needs_model = 1,
    .ci_caveat = "the interval ignores the reward model's own error (the model is fitted "
        "once; measured coverage of a 95% t or bootstrap interval 23-85%, doc/coverage.md): "
        "treat it as a lower bound on the uncertainty",
    .n_terms = 1,
    .terms = dm_terms,
    .combine = est_combine_mean,
    .contrib = est_contrib_mean,
};
