/* estimators/est_wdr.c: weighted doubly robust (Thomas & Brunskill 2016): dr with
 * rho_{i,t} replaced by rho_{i,t} / mean_j rho_{j,t} at each step (rho_{-1} = 1).
 * Regrouped so each normalisation appears once: slot t < T holds
 *     rho_t (r_t - Q̂_t) + gamma rho_t V̂_{t+1}   over   rho_t   (coefficient gamma^t),
 * and the last slot holds V̂_0 over 1, which is the same sum as the formula. */
#include "config.h"
#include "estimators/traj.h"

static int wdr_build(const struct traj_in *in, const double *param, struct traj_terms *out,
                     struct ope_error *err)
{
    (void)param;
    const struct tlog *L = in->log;
    if (!in->v || !in->qa)
        return ope_fail(err, OPE_ESOFTWARE, "wdr: no value model was fitted");
    size_t T = (size_t)in->T, K = T + 1;
    if (traj_terms_alloc(out, L->n_episodes, K, 1, err) != 0)
        return -1;
    traj_discounts(in->gamma, T, out->coef);
    out->coef[T] = 1.0;
    for (size_t i = 0; i < L->n_episodes; i++) {
        size_t j0 = L->ep_start[i], len = L->ep_start[i + 1] - j0;
        double r = 1.0;
        for (size_t t = 0; t < T; t++) {
            if (t < len) {
                size_t j = j0 + t;
                r = in->rho[j];
                double vnext = t + 1 < len ? in->v[j + 1] : 0.0;
                out->num[i * K + t] = r * (L->reward[j] - in->qa[j] + in->gamma * vnext);
            }
            out->den[i * K + t] = r;  /* padding: weight carried over */
        }
        out->num[i * K + T] = len ? in->v[j0] : 0.0;
        out->den[i * K + T] = 1.0;
    }
    return 0;
}

const struct est_desc est_wdr_desc = {
    .name = "wdr",
    .title = "Weighted doubly robust",
    .formula = "dr with rho_{i,t} / mean_j rho_{j,t} at each step",
    .citation = "Thomas & Brunskill 2016; short episodes padded with weight carried over, "
        "reward 0 (SCOPE-RL)",
    .card = {
        .assumes = "as dr, with the cumulative weights self-normalised at every step",
        .fails = "biased (consistent) in small samples; much more stable than dr",
        .discussion = "As dr, with the cumulative weights self-normalised at every step: biased "
            "but consistent, and much more stable.",
        .reference = "P. S. Thomas, E. Brunskill. Data-efficient off-policy policy evaluation "
            "for reinforcement learning. ICML 2016.",
    },
    .kind = EST_TRAJ,
    .traj_build = wdr_build,
    .needs_model = 1,
};
