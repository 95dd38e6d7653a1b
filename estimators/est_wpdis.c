/* estimators/est_wpdis.c: weighted per-decision IS,
 * sum_t gamma^t [ sum_i rho_{i,t} r_{i,t} / sum_i rho_{i,t} ]: one ratio slot per step.
 * Padding matters here: a finished episode keeps its last weight in the denominators
 * of the later steps (reward 0), the SCOPE-RL convention. */
#include "config.h"
#include "estimators/traj.h"

static int wpdis_build(const struct traj_in *in, const double *param, struct traj_terms *out,
                       struct ope_error *err)
{
    (void)param;
    const struct tlog *L = in->log;
    size_t T = (size_t)in->T;
    if (traj_terms_alloc(out, L->n_episodes, T, 1, err) != 0)
        return -1;
    traj_discounts(in->gamma, T, out->coef);
    for (size_t i = 0; i < L->n_episodes; i++) {
        size_t j0 = L->ep_start[i], len = L->ep_start[i + 1] - j0;
        double r = 1.0;
        for (size_t t = 0; t < T; t++) {
            if (t < len) {
                r = in->rho[j0 + t];
                out->num[i * T + t] = r * L->reward[j0 + t];
            }
            out->den[i * T + t] = r;
        }
    }
    return 0;
}

const struct est_desc est_wpdis_desc = {
    .name = "wpdis",
    .title = "Weighted per-decision IS",
    .formula = "sum_t gamma^t sum_i rho_{i,t} r_{i,t} / sum_i rho_{i,t}",
    .citation = "Precup et al. 2000; short episodes padded with weight carried over, reward 0 "
        "(SCOPE-RL)",
    .card = {
        .assumes = "as pdis, self-normalised at every step",
        .fails = "biased (consistent) in small samples; usually the most stable IS estimator",
        .discussion = "As pdis, self-normalised at every step: biased but consistent, usually "
            "the most stable importance sampling estimator.",
        .reference = "D. Precup, R. S. Sutton, S. Singh. Eligibility traces for off-policy "
            "policy evaluation. ICML 2000.",
    },
    .kind = EST_TRAJ,
    .weights_only = EST_WEIGHTS_STEP,
    .traj_build = wpdis_build,
};
