/* estimators/evaluate.c: the bandit evaluation engine (see evaluate.h). Per policy it
 * prepares three row vectors (weight, q̂ at the logged action, q̂ under pi_e); every
 * estimator turns them into term vectors in row chunks, so nothing of size
 * n x estimators is ever stored. The bootstrap draws Poisson(1) counts keyed by
 * (seed, row, replicate) — identical whatever the thread count — and applies each
 * row's count to every estimator and policy in the same pass. */
#include "config.h"
#include "estimators/evaluate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/ci.h"
#include "ope/rng.h"
#include "ope/sum.h"
#include "ope/threads.h"

#define CHUNK 2048          /* rows per chunk: term buffers stay in cache */
#define REP_BLOCK 16        /* bootstrap replicates per task (even: two per hash) */

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

static void pol_in_free(struct pol_in *pi)
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
        pol_in_free(pi);
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

/* ---- bootstrap ----------------------------------------------------------------- */

struct boot_ctx {
    const struct blog *log;
    const struct eval_opts *o;
    const struct pol_in *pin;       /* [n_pol] */
    size_t n_pol;
    size_t n_terms_total;           /* K */
    double *vals;                   /* [(p * n_spec + e) * B + b] */
    uint64_t key;
    int failed;
};

/* Poisson(1) CDF scaled to 2^32 (the table of ope/rng.c, built the same way). */
static void poisson1_cdf(uint32_t cdf[19])
{
    double p = exp(-1.0), c = 0.0;
    for (int k = 0; k < 19; k++) {
        c += p;
        double v = c * 4294967296.0;
        cdf[k] = v >= 4294967295.0 ? 4294967295u : (uint32_t)v;
        p /= (double)(k + 1);
    }
}

/* Inversion without unpredictable branches: K <= 4 covers 99.6% of draws. */
static inline double poisson1(const uint32_t *cdf, uint32_t u)
{
    int k = (u >= cdf[0]) + (u >= cdf[1]) + (u >= cdf[2]) + (u >= cdf[3]);
    if (__builtin_expect(k == 4, 0))
        while (k < 19 && u >= cdf[k])
            k++;
    return (double)k;
}

/* One bootstrap task: replicates [b0, b0 + REP_BLOCK) over every row. The count of
 * row i in replicate b comes from h = mix(mix(key + i C0) ^ (b/2) C1 + C2): its high
 * half for even b, its low half for odd b — a pure function of (seed, i, b), so the
 * replicates do not depend on the threads or the chunking. */
static void boot_task(void *arg, size_t task)
{
    struct boot_ctx *c = arg;
    const struct eval_opts *o = c->o;
    size_t B = (size_t)o->n_boot, n = c->log->n, K = c->n_terms_total;
    size_t b0 = task * REP_BLOCK, nb = b0 + REP_BLOCK <= B ? REP_BLOCK : B - b0;
    double *terms = malloc(K * CHUNK * sizeof *terms);
    double *cnt = malloc(REP_BLOCK * CHUNK * sizeof *cnt);
    uint64_t *rowkey = malloc(CHUNK * sizeof *rowkey);
    struct ope_sum *acc = malloc(REP_BLOCK * K * sizeof *acc);
    double *count_sum = calloc(REP_BLOCK, sizeof *count_sum);
    uint32_t cdf[19];
    poisson1_cdf(cdf);
    if (!terms || !cnt || !rowkey || !acc || !count_sum) {
        c->failed = 1;
        goto done;
    }
    for (size_t j = 0; j < nb * K; j++)
        ope_sum_init(&acc[j]);
    for (size_t lo = 0; lo < n; lo += CHUNK) {
        if (ope_progress_cancelled(o->progress))
            break;
        size_t hi = lo + CHUNK < n ? lo + CHUNK : n, m = hi - lo;
        /* Terms of every (policy, estimator) for this chunk. */
        size_t k = 0;
        for (size_t p = 0; p < c->n_pol; p++) {
            struct est_bandit_in in;
            in_of(c->log, &c->pin[p], &in);
            for (size_t e = 0; e < o->n_spec; e++) {
                const struct est_desc *d = o->spec[e].d;
                double *t[EST_MAX_TERMS];
                for (size_t q = 0; q < d->n_terms; q++)
                    t[q] = terms + (k + q) * CHUNK;
                d->terms(&in, o->spec[e].param, lo, hi, t);
                k += d->n_terms;
            }
        }
        for (size_t i = 0; i < m; i++)
            rowkey[i] = ope_mix64(c->key + (lo + i) * UINT64_C(0x9e3779b97f4a7c15));
        /* Counts of this chunk's rows in each replicate of the block, two per hash. */
        for (size_t b = 0; b < nb; b += 2) {
            uint64_t salt = ((b0 + b) / 2) * UINT64_C(0xc2b2ae3d27d4eb4f) +
                            UINT64_C(0x165667b19e3779f9);
            double *ca = cnt + b * CHUNK, *cb = cnt + (b + 1) * CHUNK;
            double sa = 0, sb = 0;
            for (size_t i = 0; i < m; i++) {
                uint64_t u = ope_mix64(rowkey[i] ^ salt);
                ca[i] = poisson1(cdf, (uint32_t)(u >> 32));
                cb[i] = poisson1(cdf, (uint32_t)u);
                sa += ca[i];
                sb += cb[i];
            }
            count_sum[b] += sa;
            if (b + 1 < nb)
                count_sum[b + 1] += sb;
        }
        for (size_t b = 0; b < nb; b++) {
            const double *cb = cnt + b * CHUNK;
            for (size_t q = 0; q < K; q++) {
                const double *tq = terms + q * CHUNK;
                /* Four partial sums in a fixed order: no dependency chain, and the
                 * same result on every run. */
                double d0 = 0, d1 = 0, d2 = 0, d3 = 0;
                size_t i = 0;
                for (; i + 4 <= m; i += 4) {
                    d0 += cb[i] * tq[i];
                    d1 += cb[i + 1] * tq[i + 1];
                    d2 += cb[i + 2] * tq[i + 2];
                    d3 += cb[i + 3] * tq[i + 3];
                }
                for (; i < m; i++)
                    d0 += cb[i] * tq[i];
                ope_sum_add(&acc[b * K + q], (d0 + d1) + (d2 + d3));
            }
        }
    }
    for (size_t b = 0; b < nb; b++) {
        size_t k = 0;
        for (size_t p = 0; p < c->n_pol; p++)
            for (size_t e = 0; e < o->n_spec; e++) {
                const struct est_desc *d = o->spec[e].d;
                double sums[EST_MAX_TERMS];
                for (size_t q = 0; q < d->n_terms; q++)
                    sums[q] = ope_sum_value(&acc[b * K + k + q]);
                k += d->n_terms;
                c->vals[(p * o->n_spec + e) * B + b0 + b] = d->combine(sums, count_sum[b]);
            }
    }
done:
    free(terms);
    free(cnt);
    free(rowkey);
    free(acc);
    free(count_sum);
}

static int run_bootstrap(const struct blog *log, const struct eval_opts *o,
                         const struct pol_in *pin, size_t n_pol, double *vals,
                         struct ope_error *err)
{
    struct boot_ctx c = { log, o, pin, n_pol, 0, vals,
                          ope_rng_key(o->seed, OPE_RNG_BOOTSTRAP, 0), 0 };
    for (size_t e = 0; e < o->n_spec; e++)
        c.n_terms_total += o->spec[e].d->n_terms;
    c.n_terms_total *= n_pol;
    size_t tasks = ((size_t)o->n_boot + REP_BLOCK - 1) / REP_BLOCK;
    if (ope_parallel_for(tasks, o->threads, boot_task, &c, o->progress, "bootstrap") != 0 ||
        ope_progress_cancelled(o->progress))
        return ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
    if (c.failed)
        return ope_fail_oom(err);
    return 0;
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
        pol_in_free(&pin[p]);
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
    double *buf = NULL, *c = NULL, *vals = NULL;
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
    buf = ope_malloc(EST_MAX_TERMS * CHUNK * sizeof *buf, err);
    c = ope_malloc(log->n * sizeof *c, err);
    size_t A = (size_t)log->n_actions, L = (size_t)(log->n_positions > 0 ? log->n_positions : 1);
    logged = ope_calloc(A * L, 1, err);
    if (!pin || !buf || !c || !logged)
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

    int range_warned = 0;
    for (size_t p = 0; p < n_pol; p++) {
        struct res_policy *rp = &r->pol[p];
        const struct blog_policy *bp = &log->policy[pol[p]];
        if (dup_str(&rp->name, bp->name, err) != 0)
            goto fail;
        rp->truth = log->q ? blog_policy_truth(log, pol[p]) : NAN;
        rp->unsupported = unsupported_mass(log, pol[p], logged);
        struct est_bandit_in in;
        in_of(log, &pin[p], &in);
        /* Raw weight diagnostics for the policy's warnings. */
        struct ci_stats ws;
        ci_stats_of(pin[p].w, log->n, &ws);
        for (size_t e = 0; e < o->n_spec; e++) {
            const struct est_spec *s = &o->spec[e];
            struct res_estimate *re = &rp->est[e];
            if (dup_str(&re->estimator, s->d->name, err) != 0 ||
                dup_str(&re->label, s->label, err) != 0 ||
                dup_str(&re->params_json, s->params_json, err) != 0)
                goto fail;
            double sums[EST_MAX_TERMS];
            re->value = point_sums(s, &in, sums, buf);
            contributions(s, &in, sums, c, buf);
            struct ci_stats st;
            ci_stats_of(c, log->n, &st);
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
                struct ope_sum sw, sw2;
                ope_sum_init(&sw);
                ope_sum_init(&sw2);
                double wmax = 0;
                for (size_t i = 0; i < log->n; i++) {
                    double w = s->d->weight(pin[p].w[i], s->param);
                    ope_sum_add(&sw, w);
                    ope_sum_add(&sw2, w * w);
                    wmax = w > wmax ? w : wmax;
                }
                double s1 = ope_sum_value(&sw), s2 = ope_sum_value(&sw2);
                re->mean_weight = s1 / (double)log->n;
                re->max_weight = wmax;
                re->ess = s2 > 0 ? s1 * s1 / s2 : 0.0;
            }
            if (!isnan(rp->truth) && rp->truth != 0)
                re->rel_error = fabs(re->value - rp->truth) / fabs(rp->truth);
            if (isnan(re->value))
                res_warn(r, rp, "%s is undefined on this log (a zero denominator)", s->label);
        }
        /* Warnings from the raw weights, shared by every weight-based estimator. */
        double s2 = 0;
        for (size_t i = 0; i < log->n; i++)
            s2 += pin[p].w[i] * pin[p].w[i];
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
            pol_in_free(&pin[p]);
    free(pin);
    free(buf);
    free(c);
    free(vals);
    free(logged);
    free(pol);
    if (fitted)
        blog_matrix_free(fitted, log->n_actions);
    return r;
}
