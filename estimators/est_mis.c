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

#include "estimators/mistab.h"
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

/* Above MIS_TAB_MAX_CELLS (step, state, next state) cells the ratios are estimated
 * from the episodes (mis_terms) instead of the tables a log read in windows keeps. */
static int use_table(const struct traj_in *in)
{
    size_t S = (size_t)in->log->n_states, T = (size_t)(in->T > 0 ? in->T : 1);
    return S <= MIS_TAB_MAX_CELLS / T / (S ? S : 1);
}

/* Per resample, the tables are cleared and solved whole (T S^2 cells) where the
 * episodes cost their steps: the tables only when they are not much larger (the
 * values then agree with a log read in windows to the last digit; else to rounding). */
static int resample_by_table(const struct traj_in *in)
{
    size_t S = (size_t)in->log->n_states, T = (size_t)(in->T > 0 ? in->T : 1);
    return use_table(in) && T * S * S <= 2 * in->log->n_steps + 4096;
}

static size_t mis_scratch(const struct traj_in *in)
{
    size_t S = (size_t)in->log->n_states, n = in->log->n_episodes;
    size_t rows = 3 * S + 2 * n + 1;
    if (use_table(in)) {
        size_t tab = mis_tab_bound_size(S, in->T) + 2 * S + 1;
        return tab > rows ? tab : rows;
    }
    return rows;
}

/* The ratios' tables of the episodes counted m[i] times (m NULL: once each) on the
 * scratch (mis_scratch doubles), as a log read in windows gathers them. */
static void table_of(const struct traj_in *in, const double *m, struct mis_tab *tab,
                     double *scratch)
{
    const struct tlog *L = in->log;
    struct ope_error err = { 0 };
    double one = 1.0;
    mis_tab_bind(tab, (size_t)L->n_states, in->T, scratch);
    for (size_t i = 0; i < L->n_episodes; i++)
        if (mis_tab_add(tab, L, i, 0, in->w, m ? &m[i] : &one, &err) != 0)
            break;      /* not reached: the states and steps are the log's */
}

/* The terms with the whole log's ratios: given (a window of a log read in windows),
 * from the tables, or from the episodes. */
static int given_terms(const struct traj_in *in, double *num, struct ope_error *err)
{
    const struct tlog *L = in->log;
    size_t S = in->ratio_S;
    for (size_t i = 0; i < L->n_episodes; i++) {
        double g = 1.0, x = 0.0;
        for (size_t j = L->ep_start[i]; j < L->ep_start[i + 1]; j++) {
            size_t t = j - L->ep_start[i], s = (size_t)L->state[j];
            if (s >= S || (int)t >= in->T)
                return ope_fail(err, OPE_ESOFTWARE, "mis: a step beyond the ratios' table");
            x += g * (in->ratio[t * S + s] * in->w[j]) * L->reward[j];
            g *= in->gamma;
        }
        num[i] = x;
    }
    return 0;
}

static int mis_build(const struct traj_in *in, const double *param, struct traj_terms *out,
                     struct ope_error *err)
{
    (void)param;
    const struct tlog *L = in->log;
    if (!L->state || L->n_states <= 0)
        return ope_fail(err, OPE_EDATA, "mis needs a tabular state column (state); this log "
                        "has only state features: use pdis or dr instead");
    if (traj_terms_alloc(out, L->n_episodes, 1, 0, err) != 0)
        return -1;
    if (in->ratio)
        return given_terms(in, out->num, err);
    size_t S = (size_t)L->n_states, T = (size_t)(in->T > 0 ? in->T : 1);
    double *scratch = ope_malloc((mis_scratch(in) + T * S) * sizeof *scratch, err);
    if (!scratch)
        return -1;
    if (!use_table(in)) {
        mis_terms(in, NULL, out->num, scratch);
        free(scratch);
        return 0;
    }
    struct mis_tab tab;
    double *wh = scratch + mis_scratch(in);
    table_of(in, NULL, &tab, scratch);
    mis_tab_solve(&tab, 0, 0, in->gamma, wh, scratch + mis_tab_bound_size(S, in->T));
    struct traj_in with = *in;
    with.ratio = wh;
    with.ratio_S = S;
    int rc = given_terms(&with, out->num, err);
    free(scratch);
    return rc;
}

/* The ratios re-estimated on the resample (Xie et al.'s estimator applied to it), then
 * the m-weighted mean of the terms. */
static double mis_resample(const struct traj_in *in, const double *param, const double *m,
                           double *scratch)
{
    (void)param;
    size_t n = in->log->n_episodes, S = (size_t)in->log->n_states;
    if (resample_by_table(in)) {
        struct mis_tab tab;
        table_of(in, m, &tab, scratch);
        return mis_tab_solve(&tab, 0, 0, in->gamma, NULL,
                             scratch + mis_tab_bound_size(S, in->T));
    }
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
    /* Every term carries the first step's action ratio: none positive, none seen. */
    .weights_only = EST_WEIGHTS_STEP,
    /* Shown where the ratios are not re-estimated: the t, Hoeffding and Bernstein
     * intervals (the bootstrap refits them, traj_resample). */
    .ci_caveat = "the t, Hoeffding and Bernstein intervals treat the estimated state ratios "
        "as fixed (measured coverage 15-91%, doc/coverage.md; --ci bootstrap re-estimates "
        "them on every resample): treat them as a lower bound on the uncertainty",
};
