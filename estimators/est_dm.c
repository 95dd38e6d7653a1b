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
    "dm", "Direct method", "(1/n) sum_i qhat_pi(x_i)",
    "Beygelzimer & Langford 2009; Dudik, Langford & Li 2011",
    EST_BANDIT, 1, 0, { { 0 } }, 1, dm_terms, est_combine_mean, est_contrib_mean, NULL
};
