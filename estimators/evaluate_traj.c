/* estimators/evaluate_traj.c: trajectory evaluation (evaluate_traj.h). Per policy it
 * computes the per-step weights and the value model once, builds every estimator's
 * per-trajectory terms (traj.h), keeps the point estimate and the moments of the
 * contributions, and packs the terms as columns of one episode x column matrix; the
 * bootstrap (trajboot.h) then draws each replicate's Poisson(1) counts once -- a pure
 * function of (seed, trajectory, replicate) -- and applies them to every column of
 * every policy and estimator at once, so the intervals do not depend on the number
 * of threads. */
#include "config.h"
#include "estimators/evaluate_traj.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/accum.h"
#include "estimators/ci.h"
#include "estimators/diag.h"
#include "estimators/traj.h"
#include "estimators/trajboot.h"
#include "ope/base/rng.h"
#include "ope/base/sum.h"
#include "ope/base/threads.h"

void traj_opts_init(struct traj_opts *t)
{
    memset(t, 0, sizeof *t);
    vm_opts_init(&t->vm);
    t->gamma = NAN;
}

double eval_traj_count(uint64_t seed, size_t i, size_t b)
{
    return (double)acc_count(acc_rowkey(acc_key(seed), i), b);
}

/* Where one estimator's terms sit in a policy's block of columns: K numerator
 * columns, then K denominator columns when it has them (ratio slots). */
struct slot_layout {
    size_t off, K;
    int den;
};

/* Copy the terms of one (policy, estimator) into columns col.. of S (trajboot.h). */
static void pack(const struct traj_terms *t, double *S, size_t col)
{
    size_t n = t->n, K = t->K;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < K; k++) {
            S[trajboot_at(n, i, col + k)] = t->num[i * K + k];
            if (t->den)
                S[trajboot_at(n, i, col + K + k)] = t->den[i * K + k];
        }
}

/* A replicate's value from its column sums (traj_value_sums). */
static double rep_value(const double *sums, double msum, const struct slot_layout *L,
                        size_t col, const double *coef)
{
    return traj_value_sums(coef, L->K, sums + col, L->den ? sums + col + L->K : NULL, msum);
}

/* The point estimate from the terms: each slot's sums accumulated as an acc_state
 * would accumulate its column (so a stream fed chunk by chunk gets the same bits).
 * scratch: 2 K doubles. */
static int point_value(const struct traj_terms *t, double *scratch, double *value,
                       struct ope_error *err)
{
    size_t K = t->K;
    if (acc_point_rows(t->num, t->n, K, scratch, err) != 0 ||
        (t->den && acc_point_rows(t->den, t->n, K, scratch + K, err) != 0))
        return -1;
    *value = traj_value_sums(t->coef, K, scratch, t->den ? scratch + K : NULL, (double)t->n);
    return 0;
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

static void interval(const struct eval_opts *o, const struct ci_stats *st, double *boot,
                     struct res_estimate *re)
{
    re->se = st->sd / sqrt((double)st->n);
    double a = isnan(o->bound_lo) ? st->min : o->bound_lo;
    double b = isnan(o->bound_hi) ? st->max : o->bound_hi;
    switch (o->ci) {
    case CI_T:
        ci_t(st, o->alpha, &re->lower, &re->upper);
        break;
    case CI_HOEFFDING:
        ci_hoeffding(st, a, b, o->alpha, &re->lower, &re->upper);
        break;
    case CI_BERNSTEIN:
        ci_bernstein(st, a, b, o->alpha, &re->lower, &re->upper);
        break;
    case CI_BOOTSTRAP:
        ci_percentile(boot, (size_t)o->n_boot, o->alpha, &re->lower, &re->upper);
        break;
    default:
        break;
    }
}

/* Weight diagnostics of the trajectory weights rho_{i,T-1}. */
static void diagnostics(const struct tlog *log, const double *rho, struct diag_weights *dw)
{
    struct diag_acc acc;
    diag_acc_init(&acc);
    for (size_t i = 0; i < log->n_episodes; i++) {
        size_t e = log->ep_start[i + 1];
        diag_acc_add(&acc, e > log->ep_start[i] ? rho[e - 1] : 1.0);
    }
    diag_acc_result(&acc, dw);
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

/* Per (policy, estimator) results kept after its terms are released. */
struct pe_result {
    double value;
    struct ci_stats st;
    double *coef;       /* [K] */
};

struct res_eval *eval_traj_ex(const struct tlog *log, const struct eval_opts *o,
                              const struct traj_opts *to, struct ope_error *err)
{
    size_t n_pol = o->policies ? o->n_policies : log->n_policies, N = log->n_episodes;
    size_t n_steps = log->n_steps, ns = o->n_spec;
    size_t B = o->ci == CI_BOOTSTRAP ? (size_t)o->n_boot : 0;
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
        if (o->spec[e].d->kind != EST_TRAJ || !o->spec[e].d->traj_build) {
            ope_fail(err, OPE_EUSAGE, "'%s' is not a trajectory estimator", o->spec[e].label);
            return NULL;
        }
    struct res_eval *r = res_eval_new(n_pol, ns);
    size_t *pol = ope_calloc(n_pol ? n_pol : 1, sizeof *pol, err);
    struct traj_terms *terms = ope_calloc(ns + 1, sizeof *terms, err);
    struct pe_result *pe = ope_calloc(n_pol * ns + 1, sizeof *pe, err);
    struct slot_layout *lay = ope_calloc(ns + 1, sizeof *lay, err);
    struct diag_weights *dg = ope_calloc(n_pol + 1, sizeof *dg, err);
    struct diag_support support = { NULL, 0, 0 };
    double *w = ope_malloc((n_steps + 1) * sizeof *w, err);
    double *rho = ope_malloc((n_steps + 1) * sizeof *rho, err);
    double *qa = ope_malloc((n_steps + 1) * sizeof *qa, err);
    double *v = ope_malloc((n_steps + 1) * sizeof *v, err);
    double *c = ope_malloc((N + 1) * sizeof *c, err), *vals = NULL;
    double *S = NULL, *sums = NULL, *msum = NULL;
    size_t Wp = 0, W = 0;
    if (!r) {
        ope_fail_oom(err);
        goto fail;
    }
    if (!pol || !terms || !pe || !lay || !dg || !w || !rho || !qa || !v || !c ||
        policy_indices(log, o, pol, err) || diag_support_tlog(&support, log, err) != 0)
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
        if (traj_weights(log, pol[p], w, rho, err) != 0)
            goto fail;
        diagnostics(log, rho, &dg[p]);
        if (need_model && vm_fit(log, pol[p], gamma, &to->vm, qa, v, err) != 0)
            goto fail;
        struct traj_in in = { log, pol[p], log->horizon, gamma, w, rho,
                              need_model ? qa : NULL, need_model ? v : NULL };
        for (size_t e = 0; e < ns; e++)
            if (o->spec[e].d->traj_build(&in, o->spec[e].param, &terms[e], err) != 0)
                goto fail;
        if (p == 0) {
            /* The layout depends on the horizon and the estimators only. */
            for (size_t e = 0; e < ns; e++) {
                lay[e] = (struct slot_layout){ Wp, terms[e].K, terms[e].den != NULL };
                Wp += terms[e].K * (terms[e].den ? 2 : 1);
            }
            W = (n_pol * Wp + TRAJBOOT_PAD - 1) / TRAJBOOT_PAD * TRAJBOOT_PAD;
            if (B && !(S = ope_calloc(N * W + 1, sizeof *S, err)))
                goto fail;
        }
        for (size_t e = 0; e < ns; e++) {
            struct traj_terms *tt = &terms[e];
            struct pe_result *x = &pe[p * ns + e];
            if (tt->K != lay[e].K || (tt->den != NULL) != lay[e].den) {
                ope_fail(err, OPE_ESOFTWARE, "%s: terms of different shapes across policies",
                         o->spec[e].label);
                goto fail;
            }
            double *sc = ope_malloc((2 * tt->K + 1) * sizeof *sc, err);
            if (!sc || point_value(tt, sc, &x->value, err) != 0) {
                free(sc);
                goto fail;
            }
            free(sc);
            traj_contrib(tt, c);
            ci_stats_of(c, N, &x->st);
            x->coef = ope_malloc(tt->K * sizeof *x->coef + 1, err);
            if (!x->coef)
                goto fail;
            memcpy(x->coef, tt->coef, tt->K * sizeof *x->coef);
            if (S)
                pack(tt, S, p * Wp + lay[e].off);
            traj_terms_release(tt);
        }
        if (ope_progress_cancelled(o->progress)) {
            ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
            goto fail;
        }
    }
    if (B) {
        vals = ope_malloc((n_pol * ns * B + 1) * sizeof *vals, err);
        sums = ope_malloc((B * W + 1) * sizeof *sums, err);
        msum = ope_malloc((B + 1) * sizeof *msum, err);
        if (!vals || !sums || !msum ||
            trajboot_sums(S, N, W, o->seed, B, o->threads, o->progress, sums, msum, err) != 0)
            goto fail;
        free(S);
        S = NULL;
        for (size_t p = 0; p < n_pol; p++)
            for (size_t e = 0; e < ns; e++)
                for (size_t b = 0; b < B; b++)
                    vals[(p * ns + e) * B + b] = rep_value(sums + b * W, msum[b], &lay[e],
                                                           p * Wp + lay[e].off,
                                                           pe[p * ns + e].coef);
    }
    for (size_t p = 0; p < n_pol; p++) {
        struct res_policy *rpol = &r->pol[p];
        if (set_str(&rpol->name, log->policy[pol[p]].name, err) != 0)
            goto fail;
        rpol->truth = to->truth ? to->truth[p] : NAN;
        for (size_t e = 0; e < ns; e++) {
            const struct est_spec *s = &o->spec[e];
            struct res_estimate *re = &rpol->est[e];
            if (set_str(&re->estimator, s->d->name, err) != 0 ||
                set_str(&re->label, s->label, err) != 0 ||
                set_str(&re->params_json, s->params_json, err) != 0)
                goto fail;
            re->value = pe[p * ns + e].value;
            interval(o, &pe[p * ns + e].st, vals ? vals + (p * ns + e) * B : NULL, re);
            if (strcmp(s->d->name, "dm") != 0) {
                re->ess = dg[p].ess;
                re->max_weight = dg[p].max;
                re->mean_weight = dg[p].mean;
            }
            if (!isnan(rpol->truth) && rpol->truth != 0)
                re->rel_error = fabs(re->value - rpol->truth) / fabs(rpol->truth);
            if (isnan(re->value))
                res_warn(r, rpol, DIAG_UNDEFINED_FMT, s->label);
        }
        rpol->unsupported = diag_unsupported_tlog(&support, log, pol[p]);
        diag_res_warn(r, rpol, &dg[p], rpol->unsupported, DIAG_TRAJECTORIES);
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
        for (size_t k = 0; k < ns; k++)
            traj_terms_release(&terms[k]);
    if (pe)
        for (size_t k = 0; k < n_pol * ns; k++)
            free(pe[k].coef);
    free(terms), free(pe), free(lay), free(dg), free(pol), free(w), free(rho), free(qa);
    free(v), free(c), free(vals), free(S), free(sums), free(msum);
    diag_support_release(&support);
    return r;
}
