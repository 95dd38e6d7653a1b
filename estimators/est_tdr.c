/* estimators/est_tdr.c: the trajectory doubly robust estimator of Jiang & Li 2016,
 * (1/n) sum_i sum_t gamma^t [ rho_{i,t} (r_{i,t} - Q̂_t(s,a)) + rho_{i,t-1} V̂_t(s) ],
 * rho_{i,-1} = 1. Unbiased whatever Q̂ is (the control variate has mean zero). */
#include "config.h"
#include "estimators/traj.h"

static int tdr_build(const struct traj_in *in, const double *param, struct traj_terms *out,
                     struct ope_error *err)
{
    (void)param;
    const struct tlog *L = in->log;
    if (!in->v || !in->qa)
        return ope_fail(err, OPE_ESOFTWARE, "dr: no value model was fitted");
    if (traj_terms_alloc(out, L->n_episodes, 1, 0, err) != 0)
        return -1;
    for (size_t i = 0; i < L->n_episodes; i++) {
        double s = 0.0, g = 1.0, prev = 1.0;
        for (size_t j = L->ep_start[i]; j < L->ep_start[i + 1]; j++) {
            s += g * (in->rho[j] * (L->reward[j] - in->qa[j]) + prev * in->v[j]);
            prev = in->rho[j];
            g *= in->gamma;
        }
        out->num[i] = s;    /* padded steps: r = Q̂ = V̂ = 0, nothing to add */
    }
    return 0;
}

const struct est_desc est_tdr_desc = {
    .name = "dr",
    .title = "Doubly robust (per-decision)",
    .formula = "(1/n) sum_i sum_t gamma^t [rho_t (r_t - Q̂_t) + rho_{t-1} V̂_t], rho_{-1} = 1",
    .citation = "Jiang & Li 2016; short episodes padded with weight carried over, reward 0 "
        "(SCOPE-RL)",
    .card = {
        .assumes = "either the per-step propensities or the value model is right",
        .fails = "inherits pdis's variance where the value model is poor",
        .discussion = "Either the per-step propensities or the value model is right; it uses "
            "the model as a control variate for pdis.",
        .reference = "N. Jiang, L. Li. Doubly robust off-policy value evaluation for "
            "reinforcement learning. ICML 2016.",
    },
    .kind = EST_TRAJ,
    .traj_build = tdr_build,
    .needs_model = 1,
};
