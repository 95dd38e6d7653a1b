/* estimators/est_mis.c: tabular marginalised importance sampling (Xie et al. 2019),
 * (1/n) sum_i sum_t gamma^t ŵ_t(s_{i,t}) w_{i,t} r_{i,t}, ŵ_t = d̂_t^{pi_e} / d̂_t^{pi_b}.
 * With the empirical time-indexed model of Xie et al., the state-marginal ratio obeys
 *     ŵ_0(s) = 1,  ŵ_{t+1}(s') = mean over trajectories in s' at t+1 of ŵ_t(s_t) w_t,
 * since d̂_t^{pi_b}(s) = n_t(s)/n and the pi_e transition is estimated by weighting the
 * logged transitions with w_t. The current step's action ratio w_{i,t} multiplies the
 * reward (forgetting it is a published mistake). Finished episodes leave the counts. */
#include "config.h"
#include "estimators/traj.h"

#include <math.h>
#include <stdlib.h>

#include "ope/base/sum.h"

/* The per-episode terms num[i] = sum_t gamma^t ŵ_t(s_{i,t}) w_{i,t} r_{i,t}, with the
 * ratios ŵ_t estimated on episodes counted m[i] times (m NULL: once each). scratch:
 * 3 S + n doubles. */
static void mis_terms(const struct traj_in *in, const double *m, double *num, double *scratch)
{
    const struct tlog *L = in->log;
    size_t S = (size_t)L->n_states, n = L->n_episodes;
    double *wh = scratch, *acc = wh + S, *cnt = acc + S, *cur = cnt + S; /* cur: ŵ_t w_t */
    for (size_t i = 0; i < n; i++)
        num[i] = 0.0;
    double g = 1.0;
    for (int t = 0; t < in->T; t++) {
        for (size_t s = 0; s < S; s++)
            acc[s] = cnt[s] = 0.0;
        for (size_t i = 0; i < n; i++) {
            size_t j = L->ep_start[i] + (size_t)t;
            double mi = m ? m[i] : 1.0;
            if (j >= L->ep_start[i + 1] || mi == 0.0)
                continue;
            size_t s = (size_t)L->state[j];
            acc[s] += mi * (t == 0 ? 1.0 : cur[i]);
            cnt[s] += mi;
        }
        for (size_t s = 0; s < S; s++)
            wh[s] = cnt[s] > 0 ? acc[s] / cnt[s] : 0.0;
        for (size_t i = 0; i < n; i++) {
            size_t j = L->ep_start[i] + (size_t)t;
            if (j >= L->ep_start[i + 1])
                continue;
            double x = wh[L->state[j]] * in->w[j];
            num[i] += g * x * L->reward[j];
            cur[i] = x;
        }
        g *= in->gamma;
    }
}

static size_t mis_scratch(const struct traj_in *in)
{
    return 3 * (size_t)in->log->n_states + 2 * in->log->n_episodes + 1;
}

static int mis_build(const struct traj_in *in, const double *param, struct traj_terms *out,
                     struct ope_error *err)
{
    (void)param;
    const struct tlog *L = in->log;
    if (!L->state || L->n_states <= 0)
        return ope_fail(err, OPE_EDATA, "mis needs a tabular state column (state); this log "
                        "has only state features: use pdis or dr instead");
    double *scratch = ope_malloc(mis_scratch(in) * sizeof *scratch, err);
    if (!scratch || traj_terms_alloc(out, L->n_episodes, 1, 0, err) != 0) {
        free(scratch);
        return -1;
    }
    mis_terms(in, NULL, out->num, scratch);
    free(scratch);
    return 0;
}

/* The ratios re-estimated on the resample (Xie et al.'s estimator applied to it), then
 * the m-weighted mean of the terms. */
static double mis_resample(const struct traj_in *in, const double *param, const double *m,
                           double *scratch)
{
    (void)param;
    size_t n = in->log->n_episodes, S = (size_t)in->log->n_states;
    double *num = scratch + 3 * S + n;
    mis_terms(in, m, num, scratch);
    struct ope_sum v;
    ope_sum_init(&v);
    double mass = 0.0;
    for (size_t i = 0; i < n; i++) {
        ope_sum_add(&v, m[i] * num[i]);
        mass += m[i];
    }
    return mass > 0 ? ope_sum_value(&v) / mass : NAN;
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
    .traj_resample = mis_resample,
    .traj_resample_scratch = mis_scratch,
    /* Shown where the ratios are not re-estimated: the t, Hoeffding and Bernstein
     * intervals (the bootstrap refits them, traj_resample). */
    .ci_caveat = "the t, Hoeffding and Bernstein intervals treat the estimated state ratios "
        "as fixed (measured coverage 15-91%, doc/coverage.md; --ci bootstrap re-estimates "
        "them on every resample): treat them as a lower bound on the uncertainty",
};
