/* estimators/est_mis.c: tabular marginalised importance sampling (Xie et al. 2019),
 * (1/n) sum_i sum_t gamma^t ŵ_t(s_{i,t}) w_{i,t} r_{i,t}, ŵ_t = d̂_t^{pi_e} / d̂_t^{pi_b}.
 * With the empirical time-indexed model of Xie et al., the state-marginal ratio obeys
 *     ŵ_0(s) = 1,  ŵ_{t+1}(s') = mean over trajectories in s' at t+1 of ŵ_t(s_t) w_t,
 * since d̂_t^{pi_b}(s) = n_t(s)/n and the pi_e transition is estimated by weighting the
 * logged transitions with w_t. The current step's action ratio w_{i,t} multiplies the
 * reward (forgetting it is a published mistake). Finished episodes leave the counts. */
#include "config.h"
#include "estimators/traj.h"

#include <stdlib.h>

static int mis_build(const struct traj_in *in, const double *param, struct traj_terms *out,
                     struct ope_error *err)
{
    (void)param;
    const struct tlog *L = in->log;
    if (!L->state || L->n_states <= 0)
        return ope_fail(err, OPE_EDATA, "mis needs a tabular state column (state); this log "
                        "has only state features: use pdis or dr instead");
    size_t S = (size_t)L->n_states, n = L->n_episodes;
    double *wh = ope_malloc(S * sizeof *wh, err), *acc = ope_malloc(S * sizeof *acc, err);
    double *cnt = ope_malloc(S * sizeof *cnt, err);
    double *cur = ope_malloc((n ? n : 1) * sizeof *cur, err); /* ŵ_t(s_{i,t}) w_{i,t} */
    if (!wh || !acc || !cnt || !cur || traj_terms_alloc(out, n, 1, 0, err) != 0) {
        free(wh), free(acc), free(cnt), free(cur);
        return -1;
    }
    double g = 1.0;
    for (int t = 0; t < in->T; t++) {
        for (size_t s = 0; s < S; s++)
            acc[s] = cnt[s] = 0.0;
        for (size_t i = 0; i < n; i++) {
            size_t j = L->ep_start[i] + (size_t)t;
            if (j >= L->ep_start[i + 1])
                continue;
            size_t s = (size_t)L->state[j];
            acc[s] += t == 0 ? 1.0 : cur[i];
            cnt[s] += 1.0;
        }
        for (size_t s = 0; s < S; s++)
            wh[s] = cnt[s] > 0 ? acc[s] / cnt[s] : 0.0;
        for (size_t i = 0; i < n; i++) {
            size_t j = L->ep_start[i] + (size_t)t;
            if (j >= L->ep_start[i + 1])
                continue;
            double x = wh[L->state[j]] * in->w[j];
            out->num[i] += g * x * L->reward[j];
            cur[i] = x;
        }
        g *= in->gamma;
    }
    free(wh), free(acc), free(cnt), free(cur);
    return 0;
}

const struct est_desc est_mis_desc = {
    .name = "mis",
    .title = "Marginalised importance sampling (tabular)",
    .formula = "(1/n) sum_i sum_t gamma^t ŵ_t(s_{i,t}) w_{i,t} r_{i,t}",
    .citation = "Xie et al. 2019; needs a tabular state; finished episodes contribute reward 0",
    .card = {
        .assumes = "a tabular state that is Markov",
        .fails = "biased when the state is not Markov or too coarse; rare states make the ratio "
            "noisy",
        .discussion = "A tabular state that is Markov: the state distribution ratio estimated "
            "from the empirical model replaces the product of past weights, so the variance "
            "grows only polynomially with the horizon.",
        .reference = "T. Xie, Y. Ma, Y.-X. Wang. Towards optimal off-policy evaluation for "
            "reinforcement learning with marginalized importance sampling. NeurIPS 2019.",
    },
    .kind = EST_TRAJ,
    .traj_build = mis_build,
    .ci_caveat = "the interval treats the estimated state ratios as fixed (they are not "
        "re-estimated per resample; measured coverage of a 95% t or bootstrap interval "
        "15-91%, doc/coverage.md): treat it as a lower bound on the uncertainty",
};
