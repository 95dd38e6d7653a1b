/* estimators/est_wtis.c: weighted (self-normalised) trajectory-wise IS,
 * sum_i rho_{i,T-1} G_i / sum_i rho_{i,T-1}: one ratio slot. */
#include "config.h"
#include "estimators/traj.h"

static int wtis_build(const struct traj_in *in, const double *param, struct traj_terms *out,
                      struct ope_error *err)
{
    (void)param;
    const struct tlog *L = in->log;
    if (traj_terms_alloc(out, L->n_episodes, 1, 1, err) != 0)
        return -1;
    for (size_t i = 0; i < L->n_episodes; i++) {
        double G = 0.0, g = 1.0;
        for (size_t j = L->ep_start[i]; j < L->ep_start[i + 1]; j++) {
            G += g * L->reward[j];
            g *= in->gamma;
        }
        double r = traj_final_rho(in, i);
        out->num[i] = r * G;
        out->den[i] = r;
    }
    return 0;
}

const struct est_desc est_wtis_desc = {
    .name = "wtis",
    .title = "Weighted trajectory-wise IS",
    .formula = "sum_i rho_{i,T-1} G_i / sum_i rho_{i,T-1}",
    .citation = "Precup et al. 2000; short episodes padded with weight carried over, reward 0 "
        "(SCOPE-RL)",
    .card = {
        .assumes = "as tis, self-normalised by the total trajectory weight",
        .fails = "biased (consistent) in small samples; undefined when every weight is 0",
        .discussion = "As tis, self-normalised by the total trajectory weight: biased but "
            "consistent, with much less variance.",
        .reference = "D. Precup, R. S. Sutton, S. Singh. Eligibility traces for off-policy "
            "policy evaluation. ICML 2000.",
    },
    .kind = EST_TRAJ,
    .weights_only = EST_WEIGHTS_UNIT,
    .traj_build = wtis_build,
};
