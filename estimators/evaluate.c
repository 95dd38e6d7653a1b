/* estimators/evaluate.c: the bandit evaluation engine (see evaluate.h). Per policy it
 * prepares three row vectors (weight, q̂ at the logged action, q̂ under pi_e); every
 * estimator turns them into term vectors in row chunks, so nothing of size
 * n x estimators is ever stored. The bootstrap (evboot.c) draws Poisson(1) counts
 * keyed by (seed, row, replicate) — identical whatever the thread count — and
 * applies each row's count to every estimator and policy in the same pass. The
 * per-estimator passes behind the table run as independent tasks on the threads. */
#include "config.h"
#include "estimators/evaluate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/evboot.h"
#include "estimators/ci.h"
#include "ope/base/rng.h"
#include "ope/base/sum.h"
#include "ope/base/threads.h"

#define CHUNK 2048          /* rows per chunk: term buffers stay in cache */

void eval_opts_init(struct eval_opts *o)
{
    memset(o, 0, sizeof *o);
    o->alpha = 0.05;
    o->ci = CI_BOOTSTRAP;
    o->n_boot = 1000;
    o->seed = 12345;
    o->bound_lo = NAN;
    o->bound_hi = NAN;
    rm_opts_init(&o->model);
}

/* Row vectors of one policy. */
struct pol_in {
    double *w, *qa, *qpi;
};

static void pol_in_release(struct pol_in *pi)
{
    free(pi->w);
    free(pi->qa);
    free(pi->qpi);
}

static int pol_in_build(const struct blog *log, double **qhat, size_t p, struct pol_in *pi,
                        struct ope_error *err)
{
    size_t n = log->n;
    memset(pi, 0, sizeof *pi);
    pi->w = ope_malloc((n ? n : 1) * sizeof *pi->w, err);
    if (!pi->w)
        return -1;
    double **prob = log->policy[p].prob;
    for (size_t i = 0; i < n; i++)
        pi->w[i] = prob[log->action[i]][i] / log->pscore[i];
    if (!qhat)
        return 0;
    pi->qa = ope_malloc((n ? n : 1) * sizeof *pi->qa, err);
    pi->qpi = ope_malloc((n ? n : 1) * sizeof *pi->qpi, err);
    if (!pi->qa || !pi->qpi) {
        pol_in_release(pi);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        pi->qa[i] = qhat[log->action[i]][i];
        double s = 0;
        for (int a = 0; a < log->n_actions; a++)
            s += prob[a][i] * qhat[a][i];
        pi->qpi[i] = s;
    }
    return 0;
}

static void in_of(const struct blog *log, const struct pol_in *pi, struct est_bandit_in *in)
{
    in->n = log->n;
    in->w = pi->w;
    in->r = log->reward;
    in->qhat_a = pi->qa;
    in->qhat_pi = pi->qpi;
}

/* Point estimate: compensated sums of the terms, then combine. */
static double point_sums(const struct est_spec *s, const struct est_bandit_in *in, double *sums,
                         double *buf)
{
    const struct est_desc *d = s->d;
    struct ope_sum acc[EST_MAX_TERMS];
    double *t[EST_MAX_TERMS];
    for (size_t k = 0; k < d->n_terms; k++) {
        ope_sum_init(&acc[k]);
        t[k] = buf + k * CHUNK;
    }
    for (size_t lo = 0; lo < in->n; lo += CHUNK) {
        size_t hi = lo + CHUNK < in->n ? lo + CHUNK : in->n;
        d->terms(in, s->param, lo, hi, t);
        for (size_t k = 0; k < d->n_terms; k++)
            for (size_t i = 0; i < hi - lo; i++)
                ope_sum_add(&acc[k], t[k][i]);
    }
    for (size_t k = 0; k < d->n_terms; k++)
        sums[k] = ope_sum_value(&acc[k]);
    return d->combine(sums, (double)in->n);
}

/* Per-row contributions c_i (mean = estimate) into c. */
static void contributions(const struct est_spec *s, const struct est_bandit_in *in,
                          const double *sums, double *c, double *buf)
{
    const struct est_desc *d = s->d;
    double *t[EST_MAX_TERMS];
    for (size_t k = 0; k < d->n_terms; k++)
        t[k] = buf + k * CHUNK;
    for (size_t lo = 0; lo < in->n; lo += CHUNK) {
        size_t hi = lo + CHUNK < in->n ? lo + CHUNK : in->n;
        d->terms(in, s->param, lo, hi, t);
        for (size_t i = 0; i < hi - lo; i++) {
            double ti[EST_MAX_TERMS];
            for (size_t k = 0; k < d->n_terms; k++)
                ti[k] = t[k][i];
            c[lo + i] = d->contrib(ti, sums, (double)in->n);
        }
    }
}

/* The bootstrap replicates of the policies' row vectors (evboot.h). */
static int run_bootstrap(const struct blog *log, const struct eval_opts *o,
                         const struct pol_in *pin, size_t n_pol, double *vals,
                         struct ope_error *err)
{
    struct est_bandit_in *in = ope_calloc(n_pol ? n_pol : 1, sizeof *in, err);
    if (!in)
        return -1;
    for (size_t p = 0; p < n_pol; p++)
        in_of(log, &pin[p], &in[p]);
    int rc = evboot_run(in, n_pol, o, vals, err);
    free(in);
    return rc;
}

int eval_bootstrap_values(const struct blog *log, const struct eval_opts *o, double **qhat,
                          const size_t *pol, size_t n_pol, double *vals, struct ope_error *err)
{
    struct pol_in *pin = ope_calloc(n_pol ? n_pol : 1, sizeof *pin, err);
    if (!pin)
        return -1;
    int rc = 0;
    for (size_t p = 0; p < n_pol && rc == 0; p++)
        rc = pol_in_build(log, qhat, pol[p], &pin[p], err);
    if (rc == 0)
        rc = run_bootstrap(log, o, pin, n_pol, vals, err);
    for (size_t p = 0; p < n_pol; p++)
        pol_in_release(&pin[p]);
    free(pin);
    return rc;
}

/* ---- the evaluation -------------------------------------------------------------- */

/* Share of pi_e's probability mass on actions never logged (at that position). */
static double unsupported_mass(const struct blog *log, size_t p, const unsigned char *logged)
{
    struct ope_sum s;
    ope_sum_init(&s);
    int A = log->n_actions;
    for (size_t i = 0; i < log->n; i++) {
        int pos = log->position ? log->position[i] : 0;
        double m = 0;
        for (int a = 0; a < A; a++)
            if (!logged[(size_t)pos * (size_t)A + (size_t)a])
                m += log->policy[p].prob[a][i];
        ope_sum_add(&s, m);
    }
    return log->n ? ope_sum_value(&s) / (double)log->n : NAN;
}

static int dup_str(char **dst, const char *s, struct ope_error *err)
{
    *dst = ope_strdup(s, err);
    return *dst ? 0 : -1;
}

/* The passes over the rows behind the table: per (policy, estimator) the point
 * estimate, its contributions' summary and weight diagnostics; per policy the raw
 * weights' summary, the truth and the unsupported mass. They are independent, so
 * they run as tasks on the threads; the results are assembled in order afterwards. */
struct est_stats {
    double value;
    struct ci_stats st;             /* of the per-row contributions */
    double mean_w, max_w, ess;      /* set when the estimator has a weight function */
};

struct pol_stats {
    struct ci_stats ws;             /* raw importance weights */
    double s2;                      /* plain sum of their squares */
    double truth, unsupported;
};

struct stats_ctx {
    const struct blog *log;
    const struct eval_opts *o;
    const size_t *pol;
    const struct pol_in *pin;
    const unsigned char *logged;
    struct est_stats *es;           /* [n_pol * n_spec] */
    struct pol_stats *ps;           /* [n_pol] */
    int failed;
};

static void est_stats_of(struct stats_ctx *x, size_t p, size_t e, struct est_stats *es)
{
    const struct est_spec *s = &x->o->spec[e];
    const struct blog *log = x->log;
    const double *w = x->pin[p].w;
    double *buf = malloc(EST_MAX_TERMS * CHUNK * sizeof *buf);
    double *c = malloc(log->n * sizeof *c);
    if (buf && c) {
        struct est_bandit_in in;
        in_of(log, &x->pin[p], &in);
        double sums[EST_MAX_TERMS];
        es->value = point_sums(s, &in, sums, buf);
        contributions(s, &in, sums, c, buf);
        ci_stats_of(c, log->n, &es->st);
        if (s->d->weight) {
            struct ope_sum sw, sw2;
            ope_sum_init(&sw);
            ope_sum_init(&sw2);
            double wmax = 0;
            for (size_t i = 0; i < log->n; i++) {
                double v = s->d->weight(w[i], s->param);
                ope_sum_add(&sw, v);
                ope_sum_add(&sw2, v * v);
                wmax = v > wmax ? v : wmax;
            }
            double s1 = ope_sum_value(&sw), s2 = ope_sum_value(&sw2);
            es->mean_w = s1 / (double)log->n;
            es->max_w = wmax;
            es->ess = s2 > 0 ? s1 * s1 / s2 : 0.0;
        }
    }
    if (!buf || !c)
        x->failed = 1;
    free(buf);
    free(c);
}

static void pol_stats_of(const struct stats_ctx *x, size_t p, struct pol_stats *ps)
{
    const struct blog *log = x->log;
    const double *w = x->pin[p].w;
    ps->truth = log->q ? blog_policy_truth(log, x->pol[p]) : NAN;
    ps->unsupported = unsupported_mass(log, x->pol[p], x->logged);
    ci_stats_of(w, log->n, &ps->ws);
    double s2 = 0;
    for (size_t i = 0; i < log->n; i++)
        s2 += w[i] * w[i];
    ps->s2 = s2;
}

/* Task t: policy t / (n_spec + 1); its estimator t % (n_spec + 1), or the policy's
 * own statistics for the last one. */
static void stats_task(void *arg, size_t t)
{
    struct stats_ctx *x = arg;
    size_t per = x->o->n_spec + 1, p = t / per, e = t % per;
    if (e == x->o->n_spec)
        pol_stats_of(x, p, &x->ps[p]);
    else
        est_stats_of(x, p, e, &x->es[p * x->o->n_spec + e]);
}

struct res_eval *eval_bandit(const struct blog *log, const struct eval_opts *o,
                             struct ope_error *err)
{
    size_t n_pol = o->policies ? o->n_policies : log->n_policies;
    if (log->n_policies == 0) {
        ope_fail(err, OPE_EUSAGE, "%s: the log has no evaluation policy columns (pi.NAME.A); "
                 "add them, or name the columns with --policy-columns",
                 log->path ? log->path : "log");
        return NULL;
    }
    if (log->n < 2) {
        ope_fail(err, OPE_EDATA, "%s: %zu row(s); at least 2 are needed to evaluate",
                 log->path ? log->path : "log", log->n);
        return NULL;
    }
    size_t *pol = ope_calloc(n_pol ? n_pol : 1, sizeof *pol, err);
    if (!pol)
        return NULL;
    for (size_t k = 0; k < n_pol; k++) {
        if (!o->policies) {
            pol[k] = k;
            continue;
        }
        int idx = blog_policy_index(log, o->policies[k]);
        if (idx < 0) {
            char names[512] = "";
            for (size_t q = 0; q < log->n_policies; q++) {
                size_t l = strlen(names);
                snprintf(names + l, sizeof names - l, "%s%s", q ? ", " : "", log->policy[q].name);
            }
            ope_fail(err, OPE_EUSAGE, "no policy '%s' in %s; it has: %s", o->policies[k],
                     log->path ? log->path : "the log", names);
            free(pol);
            return NULL;
        }
        pol[k] = (size_t)idx;
    }

    struct res_eval *r = res_eval_new(n_pol, o->n_spec);
    double **qhat = log->qhat, **fitted = NULL;
    struct pol_in *pin = NULL;
    double *vals = NULL;
    struct est_stats *es = NULL;
    struct pol_stats *ps = NULL;
    unsigned char *logged = NULL;
    if (!r) {
        ope_fail_oom(err);
        goto fail;
    }
    r->rows = log->n;
    r->kind = "bandit";
    r->n_actions = log->n_actions;
    r->alpha = o->alpha;
    snprintf(r->ci, sizeof r->ci, "%s", ci_method_name((enum ci_method)o->ci));
    r->n_boot = o->ci == CI_BOOTSTRAP ? o->n_boot : 0;
    r->seed = o->seed;
    r->threads = o->threads;
    r->behavior_value = blog_mean_reward(log);
    if (log->path && dup_str(&r->path, log->path, err) != 0)
        goto fail;

    int need_model = 0;
    for (size_t e = 0; e < o->n_spec; e++)
        need_model |= o->spec[e].d->needs_model;
    if (need_model && !qhat) {
        ope_progress_report(o->progress, 0.0, "reward model");
        fitted = rm_crossfit_progress(log, &o->model, &r->model, o->progress, err);
        if (!fitted)
            goto fail;
        qhat = fitted;
    } else if (need_model) {
        snprintf(r->model.kind, sizeof r->model.kind, "qhat-columns");
    }
    if (ope_progress_cancelled(o->progress)) {
        ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
        goto fail;
    }

    pin = ope_calloc(n_pol, sizeof *pin, err);
    es = ope_calloc(n_pol * o->n_spec + 1, sizeof *es, err);
    ps = ope_calloc(n_pol + 1, sizeof *ps, err);
    size_t A = (size_t)log->n_actions, L = (size_t)(log->n_positions > 0 ? log->n_positions : 1);
    logged = ope_calloc(A * L, 1, err);
    if (!pin || !es || !ps || !logged)
        goto fail;
    for (size_t i = 0; i < log->n; i++)
        logged[(size_t)(log->position ? log->position[i] : 0) * A + (size_t)log->action[i]] = 1;
    for (size_t p = 0; p < n_pol; p++)
        if (pol_in_build(log, need_model ? qhat : NULL, pol[p], &pin[p], err) != 0)
            goto fail;

    if (o->ci == CI_BOOTSTRAP) {
        vals = ope_malloc(n_pol * o->n_spec * (size_t)o->n_boot * sizeof *vals, err);
        if (!vals || run_bootstrap(log, o, pin, n_pol, vals, err) != 0)
            goto fail;
    }

    struct stats_ctx sx = { log, o, pol, pin, logged, es, ps, 0 };
    if (ope_parallel_for(n_pol * (o->n_spec + 1), o->threads, stats_task, &sx, NULL, NULL) != 0)
        goto fail;
    if (sx.failed) {
        ope_fail_oom(err);
        goto fail;
    }
    int range_warned = 0;
    for (size_t p = 0; p < n_pol; p++) {
        struct res_policy *rp = &r->pol[p];
        const struct blog_policy *bp = &log->policy[pol[p]];
        if (dup_str(&rp->name, bp->name, err) != 0)
            goto fail;
        rp->truth = ps[p].truth;
        rp->unsupported = ps[p].unsupported;
        const struct ci_stats ws = ps[p].ws;    /* raw weights, for the warnings */
        for (size_t e = 0; e < o->n_spec; e++) {
            const struct est_spec *s = &o->spec[e];
            const struct est_stats *x = &es[p * o->n_spec + e];
            struct res_estimate *re = &rp->est[e];
            if (dup_str(&re->estimator, s->d->name, err) != 0 ||
                dup_str(&re->label, s->label, err) != 0 ||
                dup_str(&re->params_json, s->params_json, err) != 0)
                goto fail;
            re->value = x->value;
            struct ci_stats st = x->st;
            re->se = st.sd / sqrt((double)log->n);
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
                ci_percentile(vals + (p * o->n_spec + e) * (size_t)o->n_boot,
                              (size_t)o->n_boot, o->alpha, &re->lower, &re->upper);
                break;
            default:
                break;
            }
            if ((o->ci == CI_HOEFFDING || o->ci == CI_BERNSTEIN) && isnan(o->bound_lo) &&
                !range_warned) {
                range_warned = 1;
                res_warn(r, NULL, "%s intervals use the observed range of the contributions "
                         "(no --bounds given), so their guarantee is only heuristic",
                         ci_method_name((enum ci_method)o->ci));
            }
            if (s->d->weight) {
                re->mean_weight = x->mean_w;
                re->max_weight = x->max_w;
                re->ess = x->ess;
            }
            if (!isnan(rp->truth) && rp->truth != 0)
                re->rel_error = fabs(re->value - rp->truth) / fabs(rp->truth);
            if (isnan(re->value))
                res_warn(r, rp, "%s is undefined on this log (a zero denominator)", s->label);
        }
        /* Warnings from the raw weights, shared by every weight-based estimator. */
        double s2 = ps[p].s2;
        double ess = s2 > 0 ? (ws.mean * (double)log->n) * (ws.mean * (double)log->n) / s2 : 0;
        if (ess < 0.01 * (double)log->n)
            res_warn(r, rp, "poor overlap: effective sample size %.1f of %zu rows (max weight "
                     "%.4g); weight-based estimates are unreliable", ess, log->n, ws.max);
        if (fabs(ws.mean - 1.0) > 0.1)
            res_warn(r, rp, "mean importance weight %.4g is far from 1: wrong propensities, "
                     "or poor overlap", ws.mean);
        if (rp->unsupported > 1e-12)
            res_warn(r, rp, "%.3g%% of the policy's probability mass is on actions never "
                     "logged (at that position): no weight-based estimator can see it",
                     100 * rp->unsupported);
    }
    ope_progress_report(o->progress, 1.0, "done");
    goto out;
fail:
    res_eval_free(r);
    r = NULL;
out:
    if (pin)
        for (size_t p = 0; p < n_pol; p++)
            pol_in_release(&pin[p]);
    free(pin);
    free(es);
    free(ps);
    free(vals);
    free(logged);
    free(pol);
    if (fitted)
        blog_matrix_free(fitted, log->n_actions);
    return r;
}
