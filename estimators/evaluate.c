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
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/accum.h"
#include "estimators/evboot.h"
#include "estimators/ci.h"
#include "estimators/diag.h"
#include "ope/base/rng.h"
#include "ope/base/sum.h"
#include "ope/base/threads.h"

#define CHUNK ACC_CHUNK     /* rows per chunk: term buffers stay in cache */

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

/* Row vectors of one policy: weight, pi_e at the logged action, q̂ at it, q̂ under pi_e. */
struct pol_in {
    double *w, *pa, *qa, *qpi;
};

static void pol_in_release(struct pol_in *pi)
{
    free(pi->w);
    free(pi->pa);
    free(pi->qa);
    free(pi->qpi);
}

static int pol_in_build(const struct blog *log, double **qhat, size_t p, struct pol_in *pi,
                        struct ope_error *err)
{
    size_t n = log->n;
    memset(pi, 0, sizeof *pi);
    pi->w = ope_malloc((n ? n : 1) * sizeof *pi->w, err);
    pi->pa = ope_malloc((n ? n : 1) * sizeof *pi->pa, err);
    if (!pi->w || !pi->pa) {
        pol_in_release(pi);
        return -1;
    }
    double **prob = log->policy[p].prob;
    for (size_t i = 0; i < n; i++) {
        pi->pa[i] = prob[log->action[i]][i];
        pi->w[i] = pi->pa[i] / log->pscore[i];
    }
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
    in->pi_a = pi->pa;
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

/* The accumulated sums of every (policy, estimator) term column over the rows
 * (accum.h): point[K] and, when B > 0, the replicates' rep[B * K] and rep_n[B].
 * *col_of gets the first column of (p, e) at [p * n_spec + e]. */
struct sums {
    size_t K, B;
    double *point, *rep, *rep_n;
    size_t *col;
};

static void sums_release(struct sums *x)
{
    free(x->point);
    free(x->rep);
    free(x->rep_n);
    free(x->col);
}

static int accumulate(const struct blog *log, const struct eval_opts *o,
                      const struct pol_in *pin, size_t n_pol, size_t B, struct sums *x,
                      struct ope_error *err)
{
    memset(x, 0, sizeof *x);
    struct est_bandit_in *in = ope_calloc(n_pol ? n_pol : 1, sizeof *in, err);
    if (!in)
        return -1;
    for (size_t p = 0; p < n_pol; p++)
        in_of(log, &pin[p], &in[p]);
    struct acc_state st;
    memset(&st, 0, sizeof st);
    int rc = -1;
    struct evboot *ev = evboot_new(in, n_pol, o->spec, o->n_spec, B, o->threads, err);
    if (!ev || acc_init(&st, evboot_source(ev)->K, B, err) != 0)
        goto out;
    size_t K = st.K;
    x->K = K;
    x->B = B;
    x->point = ope_malloc((K + 1) * sizeof *x->point, err);
    x->rep = ope_malloc((B * K + 1) * sizeof *x->rep, err);
    x->rep_n = ope_malloc((B + 1) * sizeof *x->rep_n, err);
    x->col = ope_malloc((n_pol * o->n_spec + 1) * sizeof *x->col, err);
    if (!x->point || !x->rep || !x->rep_n || !x->col ||
        acc_run(&st, evboot_source(ev), o->seed, o->threads, o->progress, err) != 0)
        goto out;
    acc_finalize(&st, x->point, x->rep, x->rep_n);
    for (size_t p = 0; p < n_pol; p++)
        for (size_t e = 0; e < o->n_spec; e++)
            x->col[p * o->n_spec + e] = evboot_col(ev, p, e);
    rc = 0;
out:
    if (rc != 0)
        sums_release(x);
    acc_release(&st);
    evboot_free(ev);
    free(in);
    return rc;
}

/* Replicate b of estimator e on policy p into vals[(p * n_spec + e) * B + b]. */
static void replicates(const struct eval_opts *o, size_t n_pol, const struct sums *x,
                       double *vals)
{
    for (size_t p = 0; p < n_pol; p++)
        for (size_t e = 0; e < o->n_spec; e++) {
            const struct est_desc *d = o->spec[e].d;
            size_t c = x->col[p * o->n_spec + e];
            for (size_t b = 0; b < x->B; b++)
                vals[(p * o->n_spec + e) * x->B + b] =
                    d->combine(x->rep + b * x->K + c, x->rep_n[b]);
        }
}

int eval_bootstrap_values(const struct blog *log, const struct eval_opts *o, double **qhat,
                          const size_t *pol, size_t n_pol, double *vals, struct ope_error *err)
{
    struct pol_in *pin = ope_calloc(n_pol ? n_pol : 1, sizeof *pin, err);
    if (!pin)
        return -1;
    int rc = 0;
    struct sums x;
    for (size_t p = 0; p < n_pol && rc == 0; p++)
        rc = pol_in_build(log, qhat, pol[p], &pin[p], err);
    if (rc == 0)
        rc = accumulate(log, o, pin, n_pol, (size_t)o->n_boot, &x, err);
    if (rc == 0) {
        replicates(o, n_pol, &x, vals);
        sums_release(&x);
    }
    for (size_t p = 0; p < n_pol; p++)
        pol_in_release(&pin[p]);
    free(pin);
    return rc;
}

/* ---- the evaluation -------------------------------------------------------------- */

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
    int applies;                    /* 0: the estimator does not apply (why says so) */
    char why[160];
    double value;
    struct ci_stats st;             /* of the per-row contributions */
    double mean_w, max_w, ess;      /* set when the estimator has a weight function */
};

struct pol_stats {
    struct diag_weights w;          /* raw importance weights */
    double truth, unsupported;
};

struct stats_ctx {
    const struct blog *log;
    const struct eval_opts *o;
    const size_t *pol;
    const struct pol_in *pin;
    const struct diag_support *support;
    const struct sums *sums;        /* the accumulated point sums */
    struct est_stats *es;           /* [n_pol * n_spec] */
    struct pol_stats *ps;           /* [n_pol] */
    atomic_int failed;              /* set by any task out of memory */
};

static void est_stats_of(struct stats_ctx *x, size_t p, size_t e, struct est_stats *es)
{
    const struct est_spec *s = &x->o->spec[e];
    const struct blog *log = x->log;
    const double *w = x->pin[p].w;
    double *buf = malloc(EST_MAX_TERMS * CHUNK * sizeof *buf);
    double *c = malloc(log->n * sizeof *c);
    struct est_bandit_in in;
    in_of(log, &x->pin[p], &in);
    es->applies = !s->d->applies || s->d->applies(&in, s->param, es->why, sizeof es->why);
    if (!es->applies) {
        es->value = es->mean_w = es->max_w = es->ess = NAN;
        ci_stats_of(NULL, 0, &es->st);
    } else if (buf && c) {
        const double *sums = x->sums->point + x->sums->col[p * x->o->n_spec + e];
        es->value = s->d->combine(sums, (double)log->n);
        contributions(s, &in, sums, c, buf);
        ci_stats_of(c, log->n, &es->st);
        if (s->d->weight) {
            struct diag_acc acc;
            struct diag_weights dw;
            diag_acc_init(&acc);
            for (size_t i = 0; i < log->n; i++)
                diag_acc_add(&acc, s->d->weight(w[i], s->param));
            diag_acc_result(&acc, &dw);
            es->mean_w = dw.mean;
            es->max_w = dw.max;
            es->ess = dw.ess;
        }
    }
    if (!buf || !c)
        atomic_store(&x->failed, 1);
    free(buf);
    free(c);
}

static void pol_stats_of(const struct stats_ctx *x, size_t p, struct pol_stats *ps)
{
    const struct blog *log = x->log;
    const double *w = x->pin[p].w;
    ps->truth = log->q ? blog_policy_truth(log, x->pol[p]) : NAN;
    ps->unsupported = diag_unsupported_blog(x->support, log, x->pol[p]);
    diag_weights_of(w, log->n, &ps->w);
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
    struct sums sums;
    memset(&sums, 0, sizeof sums);
    struct est_stats *es = NULL;
    struct pol_stats *ps = NULL;
    struct diag_support support = { NULL, 0, 0 };
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
    if (!pin || !es || !ps || diag_support_blog(&support, log, err) != 0)
        goto fail;
    for (size_t p = 0; p < n_pol; p++)
        if (pol_in_build(log, need_model ? qhat : NULL, pol[p], &pin[p], err) != 0)
            goto fail;

    size_t B = o->ci == CI_BOOTSTRAP ? (size_t)o->n_boot : 0;
    if (accumulate(log, o, pin, n_pol, B, &sums, err) != 0)
        goto fail;
    if (B) {
        vals = ope_malloc(n_pol * o->n_spec * B * sizeof *vals, err);
        if (!vals)
            goto fail;
        replicates(o, n_pol, &sums, vals);
    }

    struct stats_ctx sx = { log, o, pol, pin, &support, &sums, es, ps, 0 };
    if (ope_parallel_for(n_pol * (o->n_spec + 1), o->threads, stats_task, &sx, NULL, NULL) != 0)
        goto fail;
    if (atomic_load(&sx.failed)) {
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
            if (!x->applies) {
                /* No number at all: the reason is the result (estimator.h). */
                re->se = re->lower = re->upper = NAN;
                res_warn(r, rp, "%s does not apply: %s", s->label, x->why);
            } else if (s->d->weight) {
                re->mean_weight = x->mean_w;
                re->max_weight = x->max_w;
                re->ess = x->ess;
            }
            if (!isnan(rp->truth) && rp->truth != 0)
                re->rel_error = fabs(re->value - rp->truth) / fabs(rp->truth);
            if (isnan(re->value) && x->applies)
                res_warn(r, rp, DIAG_UNDEFINED_FMT, s->label);
        }
        /* Warnings from the raw weights, shared by every weight-based estimator. */
        diag_res_warn(r, rp, &ps[p].w, rp->unsupported, DIAG_ROWS);
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
    diag_support_release(&support);
    sums_release(&sums);
    free(pol);
    if (fitted)
        blog_matrix_free(fitted, log->n_actions);
    return r;
}
