/* estimators/evaluate_traj.c: trajectory evaluation (evaluate_traj.h). Per policy it
 * computes the per-step weights and the value model once, builds every estimator's
 * per-trajectory terms (traj.h), and resamples whole trajectories for the bootstrap:
 * the Poisson(1) counts are a pure function of (seed, trajectory, replicate), so the
 * intervals do not depend on the number of threads. */
#include "config.h"
#include "estimators/evaluate_traj.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/ci.h"
#include "estimators/traj.h"
#include "ope/rng.h"
#include "ope/sum.h"
#include "ope/threads.h"

void traj_opts_init(struct traj_opts *t)
{
    memset(t, 0, sizeof *t);
    vm_opts_init(&t->vm);
    t->gamma = NAN;
}

double eval_traj_count(uint64_t seed, size_t i, size_t b)
{
    uint64_t key = ope_rng_key(seed, OPE_RNG_BOOTSTRAP, 0);
    uint64_t rowkey = ope_mix64(key + i * UINT64_C(0x9e3779b97f4a7c15));
    uint64_t salt = (b / 2) * UINT64_C(0xc2b2ae3d27d4eb4f) + UINT64_C(0x165667b19e3779f9);
    uint64_t u = ope_mix64(rowkey ^ salt);
    return (double)ope_poisson1_from_u32(b % 2 == 0 ? (uint32_t)(u >> 32) : (uint32_t)u);
}

struct boot_ctx {
    const struct traj_terms *terms;     /* [n_pol * n_spec] */
    size_t n_terms, n;
    size_t B;
    uint64_t seed;
    double *vals;                       /* [k * B + b] */
    int failed;
};

/* One replicate: draw the counts of every trajectory, evaluate every term set. */
static void boot_task(void *arg, size_t b)
{
    struct boot_ctx *c = arg;
    double *m = malloc((c->n ? c->n : 1) * sizeof *m);
    if (!m) {
        c->failed = 1;
        return;
    }
    for (size_t i = 0; i < c->n; i++)
        m[i] = eval_traj_count(c->seed, i, b);
    for (size_t k = 0; k < c->n_terms; k++)
        c->vals[k * c->B + b] = traj_value(&c->terms[k], m);
    free(m);
}

static int policy_indices(const struct tlog *log, const struct eval_opts *o, size_t *pol,
                          struct ope_error *err)
{
    size_t n_pol = o->policies ? o->n_policies : log->n_policies;
    for (size_t k = 0; k < n_pol; k++) {
        if (!o->policies) {
            pol[k] = k;
            continue;
        }
        int idx = tlog_policy_index(log, o->policies[k]);
        if (idx < 0)
            return ope_fail(err, OPE_EUSAGE, "no policy '%s' in %s", o->policies[k],
                            log->path ? log->path : "the log");
        pol[k] = (size_t)idx;
    }
    return 0;
}

static void interval(const struct eval_opts *o, const double *c, size_t n, double *boot,
                     struct res_estimate *re)
{
    struct ci_stats st;
    ci_stats_of(c, n, &st);
    re->se = st.sd / sqrt((double)n);
    double a = isnan(o->bound_lo) ? st.min : o->bound_lo;
    double b = isnan(o->bound_hi) ? st.max : o->bound_hi;
    switch (o->ci) {
    case CI_T:
        ci_t(&st, o->alpha, &re->lower, &re->upper);
        break;
    case CI_HOEFFDING:
        ci_hoeffding(&st, a, b, o->alpha, &re->lower, &re->upper);
        break;
    case CI_BERNSTEIN:
        ci_bernstein(&st, a, b, o->alpha, &re->lower, &re->upper);
        break;
    case CI_BOOTSTRAP:
        ci_percentile(boot, (size_t)o->n_boot, o->alpha, &re->lower, &re->upper);
        break;
    default:
        break;
    }
}

/* Weight diagnostics of the trajectory weights rho_{i,T-1}. */
static void diagnostics(const struct tlog *log, const double *rho, struct res_estimate *re)
{
    struct ope_sum s1, s2;
    ope_sum_init(&s1);
    ope_sum_init(&s2);
    double mx = 0;
    for (size_t i = 0; i < log->n_episodes; i++) {
        size_t e = log->ep_start[i + 1];
        double w = e > log->ep_start[i] ? rho[e - 1] : 1.0;
        ope_sum_add(&s1, w);
        ope_sum_add(&s2, w * w);
        mx = w > mx ? w : mx;
    }
    double a = ope_sum_value(&s1), b = ope_sum_value(&s2);
    re->mean_weight = a / (double)log->n_episodes;
    re->max_weight = mx;
    re->ess = b > 0 ? a * a / b : 0.0;
}

static int set_str(char **dst, const char *s, struct ope_error *err)
{
    *dst = ope_strdup(s, err);
    return *dst ? 0 : -1;
}

struct res_eval *eval_traj(const struct tlog *log, const struct eval_opts *o,
                           struct ope_error *err)
{
    struct traj_opts to;
    traj_opts_init(&to);
    return eval_traj_ex(log, o, &to, err);
}

struct res_eval *eval_traj_ex(const struct tlog *log, const struct eval_opts *o,
                              const struct traj_opts *to, struct ope_error *err)
{
    size_t n_pol = o->policies ? o->n_policies : log->n_policies, N = log->n_episodes;
    size_t n_steps = log->n_steps, ns = o->n_spec;
    double gamma = isnan(to->gamma) ? log->gamma : to->gamma;
    if (log->n_policies == 0) {
        ope_fail(err, OPE_EUSAGE, "%s: the log has no evaluation policy columns (pi.NAME.A)",
                 log->path ? log->path : "log");
        return NULL;
    }
    if (N < 2) {
        ope_fail(err, OPE_EDATA, "%s: %zu episode(s); at least 2 are needed to evaluate",
                 log->path ? log->path : "log", N);
        return NULL;
    }
    for (size_t e = 0; e < ns; e++)
        if (!traj_est_of(o->spec[e].d)) {
            ope_fail(err, OPE_EUSAGE, "'%s' is not a trajectory estimator", o->spec[e].label);
            return NULL;
        }
    struct res_eval *r = res_eval_new(n_pol, ns);
    size_t *pol = ope_calloc(n_pol ? n_pol : 1, sizeof *pol, err);
    struct traj_terms *terms = ope_calloc(n_pol * ns + 1, sizeof *terms, err);
    double *w = ope_malloc((n_steps + 1) * sizeof *w, err);
    double *rho = ope_malloc((n_pol * n_steps + 1) * sizeof *rho, err);
    double *qa = ope_malloc((n_steps + 1) * sizeof *qa, err);
    double *v = ope_malloc((n_steps + 1) * sizeof *v, err);
    double *c = ope_malloc((N + 1) * sizeof *c, err), *vals = NULL;
    if (!r) {
        ope_fail_oom(err);
        goto fail;
    }
    if (!pol || !terms || !w || !rho || !qa || !v || !c || policy_indices(log, o, pol, err))
        goto fail;
    r->rows = n_steps;
    r->episodes = N;
    r->kind = "trajectories";
    r->n_actions = log->n_actions;
    r->gamma = gamma;
    r->behavior_value = tlog_mean_return(log, gamma);
    r->alpha = o->alpha;
    snprintf(r->ci, sizeof r->ci, "%s", ci_method_name((enum ci_method)o->ci));
    r->n_boot = o->ci == CI_BOOTSTRAP ? o->n_boot : 0;
    r->seed = o->seed;
    r->threads = o->threads;
    if (log->path && set_str(&r->path, log->path, err) != 0)
        goto fail;
    int need_model = 0;
    for (size_t e = 0; e < ns; e++)
        need_model |= o->spec[e].d->needs_model;
    if (need_model)
        snprintf(r->model.kind, sizeof r->model.kind, "%s", vm_kind_name(to->vm.kind));
    for (size_t p = 0; p < n_pol; p++) {
        double *rp = rho + p * n_steps;
        if (traj_weights(log, pol[p], w, rp, err) != 0)
            goto fail;
        if (need_model && vm_fit(log, pol[p], gamma, &to->vm, qa, v, err) != 0)
            goto fail;
        struct traj_in in = { log, pol[p], log->horizon, gamma, w, rp,
                              need_model ? qa : NULL, need_model ? v : NULL };
        for (size_t e = 0; e < ns; e++)
            if (traj_est_of(o->spec[e].d)->build(&in, o->spec[e].param, &terms[p * ns + e],
                                                 err) != 0)
                goto fail;
        if (ope_progress_cancelled(o->progress)) {
            ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
            goto fail;
        }
    }
    if (o->ci == CI_BOOTSTRAP) {
        vals = ope_malloc((n_pol * ns * (size_t)o->n_boot + 1) * sizeof *vals, err);
        if (!vals)
            goto fail;
        struct boot_ctx bc = { terms, n_pol * ns, N, (size_t)o->n_boot, o->seed, vals, 0 };
        if (ope_parallel_for((size_t)o->n_boot, o->threads, boot_task, &bc, o->progress,
                             "bootstrap") != 0 || ope_progress_cancelled(o->progress)) {
            ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
            goto fail;
        }
        if (bc.failed) {
            ope_fail_oom(err);
            goto fail;
        }
    }
    for (size_t p = 0; p < n_pol; p++) {
        struct res_policy *rpol = &r->pol[p];
        if (set_str(&rpol->name, log->policy[pol[p]].name, err) != 0)
            goto fail;
        rpol->truth = to->truth ? to->truth[p] : NAN;
        for (size_t e = 0; e < ns; e++) {
            const struct est_spec *s = &o->spec[e];
            struct res_estimate *re = &rpol->est[e];
            struct traj_terms *tt = &terms[p * ns + e];
            if (set_str(&re->estimator, s->d->name, err) != 0 ||
                set_str(&re->label, s->label, err) != 0 ||
                set_str(&re->params_json, s->params_json, err) != 0)
                goto fail;
            re->value = traj_value(tt, NULL);
            traj_contrib(tt, c);
            interval(o, c, N, vals ? vals + (p * ns + e) * (size_t)o->n_boot : NULL, re);
            if (strcmp(s->d->name, "dm") != 0)
                diagnostics(log, rho + p * n_steps, re);
            if (!isnan(rpol->truth) && rpol->truth != 0)
                re->rel_error = fabs(re->value - rpol->truth) / fabs(rpol->truth);
            if (isnan(re->value))
                res_warn(r, rpol, "%s is undefined on this log (a zero denominator)", s->label);
        }
        struct res_estimate tmp;
        diagnostics(log, rho + p * n_steps, &tmp);
        if (tmp.ess < 0.01 * (double)N)
            res_warn(r, rpol, "poor overlap: effective sample size %.1f of %zu trajectories "
                     "(max trajectory weight %.4g)", tmp.ess, N, tmp.max_weight);
    }
    if ((o->ci == CI_HOEFFDING || o->ci == CI_BERNSTEIN) && isnan(o->bound_lo))
        res_warn(r, NULL, "%s intervals use the observed range of the contributions (no "
                 "--bounds given), so their guarantee is only heuristic",
                 ci_method_name((enum ci_method)o->ci));
    goto out;
fail:
    res_eval_free(r);
    r = NULL;
out:
    if (terms)
        for (size_t k = 0; k < n_pol * ns; k++)
            traj_terms_release(&terms[k]);
    free(terms), free(pol), free(w), free(rho), free(qa), free(v), free(c), free(vals);
    return r;
}
