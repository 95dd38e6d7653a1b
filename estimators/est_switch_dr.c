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
    "switch-dr", "Switch doubly robust",
    "(1/n) sum_i [qhat_pi(x_i) + w_i 1{w_i <= tau} (r_i - qhat(x_i, a_i))]",
    "Wang, Agarwal & Dudik 2017",
    EST_BANDIT, 1, 1,
    { { "tau", 50, 0, INFINITY, "weights above tau use the model only (default 50)" } },
    1, switch_terms, est_combine_mean, est_contrib_mean, switch_weight
};
