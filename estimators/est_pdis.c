/* estimators/est_pdis.c: per-decision importance sampling,
 * (1/n) sum_i sum_t gamma^t rho_{i,t} r_{i,t}: each reward is weighted only by the
 * actions taken up to it. */
#include "config.h"
#include "estimators/traj.h"

static int pdis_build(const struct traj_in *in, const double *param, struct traj_terms *out,
                      struct ope_error *err)
{
    (void)param;
    const struct tlog *L = in->log;
    if (traj_terms_alloc(out, L->n_episodes, 1, 0, err) != 0)
        return -1;
    for (size_t i = 0; i < L->n_episodes; i++) {
        double s = 0.0, g = 1.0;
        for (size_t j = L->ep_start[i]; j < L->ep_start[i + 1]; j++) {
            s += g * in->rho[j] * L->reward[j];
            g *= in->gamma;
        }
        out->num[i] = s;    /* padded steps have reward 0: nothing to add */
    }
    return 0;
}

const struct est_desc est_pdis_desc = {
    .name = "pdis",
    .title = "Per-decision importance sampling",
    .formula = "(1/n) sum_i sum_t gamma^t rho_{i,t} r_{i,t}",
    .citation = "Precup et al. 2000; short episodes padded with weight carried over, reward 0 "
        "(SCOPE-RL)",
    .card = {
        .assumes = "as tis; each reward is weighted only by the steps before it",
        .fails = "still unbiased but high-variance over long horizons, less so than tis",
        .discussion = "As tis, but each reward is weighted only by the steps before it, which "
            "lowers the variance; still unbiased.",
        .reference = "D. Precup, R. S. Sutton, S. Singh. Eligibility traces for off-policy "
            "policy evaluation. ICML 2000.",
    },
    .kind = EST_TRAJ,
    .weights_only = EST_WEIGHTS_STEP,
    .traj_build = pdis_build,
};
