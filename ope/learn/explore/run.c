/* ope/learn/explore/run.c: the episode loop shared by every exploration algorithm (plan,
 * decide, play on the true MDP, learn, record exact values) and R x algorithms runs
 * in parallel with per-task result slots, so results never depend on the threads. */
#include "config.h"
#include "ope/learn/explore/run.h"
#include "datasets/mdp.h"
#include "ope/base/rng.h"
#include "ope/base/sum.h"
#include "ope/base/threads.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const struct xpl_algo *const xpl_registry[] = {
    &xpl_stepmix, &xpl_epsmix, &xpl_ucbvi, &xpl_cucbvi, &xpl_baseline, NULL
};

const struct xpl_algo *xpl_find(const char *name)
{
    for (size_t i = 0; xpl_registry[i]; i++)
        if (strcmp(xpl_registry[i]->name, name) == 0)
            return xpl_registry[i];
    return NULL;
}

int xpl_violates(double value, double tau)
{
    return value < tau - 1e-9 * (1.0 + fabs(tau));
}

/* Index drawn from p[0..n-1] with the uniform u (the last non-zero entry absorbs
 * rounding). */
static int draw(const double *p, int n, double u)
{
    double acc = 0.0;
    int last = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] <= 0.0)
            continue;
        acc += p[i];
        last = i;
        if (u < acc)
            return i;
    }
    return last;
}

/* Play episode k: the uniforms come from stream (seed, OPE_RNG_EXPLORE, 0) at
 * (k, j), j counting draws in the episode (0: the coin, 1: the initial state, then
 * three per step), so every algorithm with the same seed sees the same randomness.
 * Returns the number of steps that ran pi-bar. */
static int play(const struct xpl_config *c, struct xpl_model *x, const int *greedy,
                uint64_t key, uint64_t k, double rho)
{
    const struct mdp *m = c->m;
    int S = m->n_states, A = m->n_actions, H = m->horizon, n_opt = 0;
    uint64_t j = 1;
    int s = draw(m->mu0, S, ope_u01(ope_rng_at(key, k, j++)));
    for (int h = 0; h < H && !m->terminal[s]; h++, j += 3) {
        double u_mix = ope_u01(ope_rng_at(key, k, j));
        double u_act = ope_u01(ope_rng_at(key, k, j + 1));
        double u_next = ope_u01(ope_rng_at(key, k, j + 2));
        int a;
        if (rho > 0.0 && (rho >= 1.0 || u_mix < rho)) {
            a = greedy[(size_t)h * (size_t)S + (size_t)s];
            n_opt++;
        } else
            a = draw(c->pb + (size_t)s * (size_t)A, A, u_act);
        size_t sa = (size_t)s * (size_t)A + (size_t)a;
        int s2 = draw(m->P + sa * (size_t)S, S, u_next);
        double r = m->Rsas ? m->Rsas[sa * (size_t)S + (size_t)s2] : m->R[sa];
        xpl_model_observe(x, s, a, r, s2);
        s = s2;
    }
    return n_opt;
}

int xpl_run(const struct xpl_config *cfg, const struct xpl_algo *alg, uint64_t seed,
            struct xpl_record *rec, struct ope_progress *progress, struct ope_error *err)
{
    const struct mdp *m = cfg->m;
    size_t S = (size_t)m->n_states;
    struct xpl_model *x = xpl_model_new(m, err);
    int *greedy = x ? ope_calloc((size_t)m->horizon * S, sizeof *greedy, err) : NULL;
    double *work = greedy ? ope_malloc(2 * S * sizeof *work, err) : NULL;
    if (!work) {
        free(greedy);
        xpl_model_free(x);
        return -1;
    }
    struct xpl_state st = {cfg, x, greedy, (1.0 - cfg->alpha) * cfg->Vb, 0, 0.0, 0};
    /* Records hold exact values: the baseline branch is worth the exact value of pb,
     * which is cfg->Vb itself unless the learner only knows an estimate (offline). */
    double vb = xpl_eval_true(m, m->horizon, 0.0, NULL, cfg->pb, work);
    double tau_exact = (1.0 - cfg->alpha) * vb;
    uint64_t key = ope_rng_key(seed, OPE_RNG_EXPLORE, 0);
    struct ope_sum regret;             /* compensated cumulative regret */
    ope_sum_init(&regret);
    int rc = 0;
    for (long k = 0; k < cfg->K; k++) {
        if ((k & 255) == 0 && ope_progress_cancelled(progress)) {
            rc = ope_fail(err, OPE_EINTERRUPTED, "explore: cancelled");
            break;
        }
        st.k = k;
        xpl_model_refresh(x);
        if (alg->needs_plan)
            xpl_plan_optimistic(x, &cfg->bonus, greedy);
        struct xpl_decision d = {XPL_MIX_EPISODE, 0.0, NAN};
        alg->decide(&st, &d);
        struct xpl_record *r = &rec[k];
        r->mix = d.mix;
        r->lower = d.lower;
        if (d.mode == XPL_MIX_STEP) {
            r->optimistic = play(cfg, x, greedy, key, (uint64_t)k, d.mix);
            r->value = r->value_real =
                d.mix > 0.0 ? xpl_eval_true(m, m->horizon, d.mix, greedy, cfg->pb, work)
                            : vb;
        } else {
            int opt = d.mix > 0.0 && ope_u01(ope_rng_at(key, (uint64_t)k, 0)) < d.mix;
            double vbar = d.mix > 0.0
                              ? xpl_eval_true(m, m->horizon, 1.0, greedy, cfg->pb, work)
                              : 0.0;
            play(cfg, x, greedy, key, (uint64_t)k, opt ? 1.0 : 0.0);
            r->optimistic = opt;
            r->value = d.mix * vbar + (1.0 - d.mix) * vb;
            if (d.mix >= 1.0)
                r->value = vbar;
            r->value_real = opt ? vbar : vb;
            if (alg->after)
                alg->after(&st, &d, opt);
        }
        r->violated = (unsigned char)xpl_violates(r->value, st.tau);
        r->violated_real = (unsigned char)xpl_violates(r->value_real, st.tau);
        r->violated_exact = (unsigned char)xpl_violates(r->value, tau_exact);
        ope_sum_add(&regret, cfg->Vstar - r->value);
        r->regret = ope_sum_value(&regret);
    }
    free(work);
    free(greedy);
    xpl_model_free(x);
    return rc;
}

struct many_ctx {
    const struct xpl_config *cfg;
    const struct xpl_algo *const *algs;
    uint64_t seed0;
    long R;
    struct xpl_record *rec;
    struct ope_progress *progress;
    int *status;                /* per task: 0 ok, else the error status */
    struct ope_error *errs;     /* per task */
};

static void many_task(void *vctx, size_t t)
{
    struct many_ctx *c = vctx;
    size_t i = t / (size_t)c->R, r = t % (size_t)c->R;
    if (xpl_run(c->cfg, c->algs[i], c->seed0 + r, c->rec + t * (size_t)c->cfg->K, c->progress,
                &c->errs[t]) < 0)
        c->status[t] = c->errs[t].status ? c->errs[t].status : OPE_ESOFTWARE;
}

int xpl_run_many(const struct xpl_config *cfg, const struct xpl_algo *const *algs,
                 size_t n_algs, uint64_t seed0, long R, int n_threads,
                 struct xpl_record *rec, struct ope_progress *progress, struct ope_error *err)
{
    size_t n = n_algs * (size_t)R;
    int *status = ope_calloc(n, sizeof *status, err);
    struct ope_error *errs = status ? ope_calloc(n, sizeof *errs, err) : NULL;
    if (!errs) {
        free(status);
        return -1;
    }
    struct many_ctx c = {cfg, algs, seed0, R, rec, progress, status, errs};
    int rc = ope_parallel_for(n, n_threads, many_task, &c, progress, "explore");
    if (rc < 0)
        ope_fail(err, OPE_EINTERRUPTED, "explore: cancelled");
    for (size_t t = 0; rc == 0 && t < n; t++)
        if (status[t]) {        /* the first failing task, in task order */
            *err = errs[t];
            rc = -1;
        }
    free(errs);
    free(status);
    return rc;
}
