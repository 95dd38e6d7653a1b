/* estimators/est_tis.c: trajectory-wise importance sampling,
 * (1/n) sum_i rho_{i,T-1} G_i with G_i = sum_t gamma^t r_{i,t}. */
#include "config.h"
#include "estimators/traj.h"

static int tis_build(const struct traj_in *in, const double *param, struct traj_terms *out,
                     struct ope_error *err)
{
    (void)param;
    const struct tlog *L = in->log;
    if (traj_terms_alloc(out, L->n_episodes, 1, 0, err) != 0)
        return -1;
    for (size_t i = 0; i < L->n_episodes; i++) {
        double G = 0.0, g = 1.0;
        for (size_t j = L->ep_start[i]; j < L->ep_start[i + 1]; j++) {
            G += g * L->reward[j];
            g *= in->gamma;
        }
        /* Padded steps carry the weight over, so rho_{i,T-1} is the last real one. */
        out->num[i] = traj_final_rho(in, i) * G;
    }
    return 0;
}

const struct est_desc est_tis_desc = {
    .name = "tis",
    .title = "Trajectory-wise importance sampling",
    .formula = "(1/n) sum_i rho_{i,T-1} G_i",
    .citation = "Precup et al. 2000; short episodes padded with weight carried over, reward 0 "
        "(SCOPE-RL)",
    .card = {
        .assumes = "correct propensities at every step and overlap along whole trajectories",
        .fails = "variance grows exponentially with the horizon (a product of T weights)",
        .discussion = "Correct propensities at every step and overlap along whole trajectories. "
            "Unbiased, but the product of per-step weights makes the variance grow "
            "exponentially with the horizon.",
        .reference = "D. Precup, R. S. Sutton, S. Singh. Eligibility traces for off-policy "
            "policy evaluation. ICML 2000.",
    },
    .kind = EST_TRAJ,
    .weights_only = EST_WEIGHTS_UNIT,
    .traj_build = tis_build,
};
