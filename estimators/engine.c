/* estimators/engine.c: the evaluation driver of engine.h. The phases are the same for
 * every kind of log; the source (struct eng_kind) supplies the rows. The point and
 * bootstrap sums come from one accumulator run, so the results never depend on the
 * number of threads; the passes behind the table (contributions, weights) are
 * independent tasks whose results are assembled in order afterwards. */
#include "config.h"
#include "estimators/engine.h"

#include <float.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/bootk.h"
#include "estimators/ops.h"
#include "ope/base/threads.h"

/* Idempotent: accumulate releases on failure and its caller releases again. */
void eng_sums_release(struct eng_sums *x)
{
    free(x->point);
    free(x->rep);
    free(x->rep_n);
    x->point = x->rep = x->rep_n = NULL;
}

static int cancelled(const struct eval_opts *o, struct ope_error *err)
{
    if (!ope_progress_cancelled(o->progress))
        return 0;
    return ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
}

/* Prepare every policy, in order. */
static int prepare_all(struct eng *g, struct ope_error *err)
{
    if (g->kind->prepare_all)
        return g->kind->prepare_all(g, err) != 0 || cancelled(g->o, err) != 0 ? -1 : 0;
    for (size_t p = 0; p < g->n_pol; p++)
        if (g->kind->prepare(g, p, g->pol[p], err) != 0 || cancelled(g->o, err) != 0)
            return -1;
    return 0;
}

/* Run the source through the accumulator (accum.h) and finish its sums. */
static int accumulate(struct eng *g, struct eng_sums *x, struct ope_error *err)
{
    memset(x, 0, sizeof *x);
    const struct acc_source *src = g->kind->source(g, err);
    if (!src)
        return -1;
    struct acc_state st;
    memset(&st, 0, sizeof st);
    size_t K = src->K, B = g->B;
    int rc = -1;
    x->K = K;
    x->point = ope_malloc((K + 1) * sizeof *x->point, err);
    x->rep = ope_malloc((B * K + 1) * sizeof *x->rep, err);
    x->rep_n = ope_malloc((B + 1) * sizeof *x->rep_n, err);
    if (acc_init(&st, K, B, err) != 0 || !x->point || !x->rep || !x->rep_n)
        goto out;
    /* A source without point partials and no replicates leaves nothing to run. */
    if ((src->point || B) &&
        acc_run(&st, src, g->o->seed, g->o->threads, g->o->progress, err) != 0)
        goto out;
    acc_finalize(&st, x->point, x->rep, x->rep_n);
    if (!src->point)
        g->kind->point(g, x->point);
    rc = 0;
out:
    if (rc != 0)
        eng_sums_release(x);
    acc_release(&st);
    if (g->kind->end_source)
        g->kind->end_source(g);
    return rc;
}

/* ---- the lift's other term: the logged policy on the same resamples ------------- */

/* A one-column source over the baseline b[n]: replicate sums of m_{b,i} b_i and of
 * the counts by the bootstrap kernel (bootk.h: fixed arithmetic, so any split of the
 * chunks gives the same bits). */
static void base_boot(void *ctx, void *scratch, size_t lo, size_t m, const uint64_t *rowkey,
                      uint64_t b0, size_t nb, double *dot, uint64_t *cnt)
{
    (void)scratch;
    const double *x = (const double *)ctx + lo;
    struct bootk_job j = { m, rowkey, 1, &x, b0, nb, dot, cnt };
    bootk_chunk(&j);
}

/* V(pi_b) on each of the B replicates: the baseline's replicate sum over the
 * replicate's row count, with the counts of the estimates' replicates (same seed,
 * same global rows), so the lift's two terms are paired. A separate one-column
 * accumulation leaves the estimates' own sums untouched. */
static int base_replicates(struct eng *g, const double *base, double *out,
                           struct ope_error *err)
{
    struct acc_source src = { g->n, 1, 32, 0, (void *)base, NULL, base_boot, g->rowid };
    struct acc_state st;
    memset(&st, 0, sizeof st);
    double *rep = ope_malloc((g->B + 1) * sizeof *rep, err);
    double *rn = ope_malloc((g->B + 1) * sizeof *rn, err);
    int rc = -1;
    if (rep && rn && acc_init(&st, 1, g->B, err) == 0 &&
        acc_run(&st, &src, g->o->seed, g->o->threads, g->o->progress, err) == 0) {
        acc_finalize(&st, NULL, rep, rn);
        for (size_t b = 0; b < g->B; b++)
            out[b] = rn[b] > 0 ? rep[b] / rn[b] : NAN;
        rc = 0;
    }
    acc_release(&st);
    free(rep);
    free(rn);
    return rc;
}

/* Replicate b of estimator e on policy p into vals[(p * n_spec + e) * B + b]. */
static void replicates(struct eng *g, const struct eng_sums *x, double *vals)
{
    size_t ns = g->o->n_spec;
    for (size_t p = 0; p < g->n_pol; p++)
        for (size_t e = 0; e < ns; e++) {
            size_t c = g->kind->col(g, p, e);
            for (size_t b = 0; b < g->B; b++)
                vals[(p * ns + e) * g->B + b] =
                    g->kind->value(g, p, e, x->rep + b * x->K + c, x->rep_n[b]);
        }
}

static int need_model(const struct eval_opts *o)
{
    int need = 0;
    for (size_t e = 0; e < o->n_spec; e++)
        need |= o->spec[e].d->needs_model;
    return need;
}

int eng_replicates(struct eng *g, const struct eval_opts *o, const size_t *pol, size_t n_pol,
                   double *vals, struct ope_error *err)
{
    g->o = o;
    g->pol = pol;
    g->n_pol = n_pol;
    g->need_model = need_model(o);
    g->B = (size_t)o->n_boot;
    struct eng_sums x;
    if (g->kind->setup(g, NULL, err) != 0 || prepare_all(g, err) != 0 ||
        accumulate(g, &x, err) != 0)
        return -1;
    replicates(g, &x, vals);
    eng_sums_release(&x);
    return g->kind->refit ? g->kind->refit(g, vals, err) : 0;
}

/* ---- the statistics behind the table ------------------------------------------- */

struct stats_ctx {
    struct eng *g;
    const struct eng_sums *sums;
    struct eng_res *es;             /* [n_pol * n_spec] */
    struct eng_pol *ps;             /* [n_pol] */
    atomic_int failed;              /* set by any task out of memory */
};

/* Tasks 0 .. n_pol - 1: each policy's own statistics (its weights, truth and
 * unsupported mass: the longest tasks, so they start first and the estimators' fill
 * the other threads meanwhile); then task n_pol + p n_spec + e: estimator e of policy
 * p. Each task writes its own slot, so the order changes no result. */
static void stats_task(void *arg, size_t t)
{
    struct stats_ctx *x = arg;
    struct eng *g = x->g;
    size_t ns = g->o->n_spec;
    if (t < g->n_pol) {
        g->kind->pol_stats(g, t, g->pol[t], &x->ps[t]);
        return;
    }
    size_t p = (t - g->n_pol) / (ns ? ns : 1), e = (t - g->n_pol) % (ns ? ns : 1);
    struct eng_res *r = &x->es[p * ns + e];
    const double *sums = x->sums->point + g->kind->col(g, p, e);
    if (g->kind->est_stats(g, p, e, sums, &r->s) != 0)
        atomic_store(&x->failed, 1);
    r->value = r->s.applies && !r->s.undefined ? g->kind->value(g, p, e, sums, (double)g->n)
                                               : NAN;
}

/* ---- rank probabilities: P(best) and P(top k) from the paired replicates ----- */

/* Every estimate's p_top from the replicates of all the policies under the same
 * estimator (estimators/ops.h: ops_rank_probs). The replicates share their Poisson
 * counts across policies, so replicate b compares the policies on one resample.
 * Called before the intervals sort each estimate's replicates in place. */
static int rank_probs(struct eng *g, const double *vals, struct res_eval *r,
                      struct ope_error *err)
{
    size_t M = g->n_pol, ns = g->o->n_spec;
    double *pt = ope_malloc((M * M + 1) * sizeof *pt, err);
    if (!pt)
        return -1;
    int rc = 0;
    for (size_t e = 0; e < ns && rc == 0; e++) {
        ops_rank_probs(vals + e * g->B, M, g->B, ns * g->B, pt);
        for (size_t p = 0; p < M && rc == 0; p++) {
            double *dst = ope_malloc(M * sizeof *dst, err);
            if (!dst) {
                rc = -1;
                break;
            }
            memcpy(dst, pt + p * M, M * sizeof *dst);
            r->pol[p].est[e].p_top = dst;
        }
    }
    free(pt);
    return rc;
}

/* ---- the evaluation ------------------------------------------------------------- */

static int dup_str(char **dst, const char *s, struct ope_error *err)
{
    *dst = ope_strdup(s, err);
    return *dst ? 0 : -1;
}

/* The interval of one estimate: the percentile interval of its replicates, or one of
 * the contributions' intervals (bounds: the given range, else the observed one). */
static size_t interval(const struct eval_opts *o, const struct ci_stats *st, double *boot,
                       struct res_estimate *re)
{
    size_t dropped = 0;
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
        dropped = (size_t)o->n_boot -
                  ci_percentile(boot, (size_t)o->n_boot, o->alpha, &re->lower, &re->upper);
        break;
    default:
        break;
    }
    return dropped;     /* replicates left out: undefined on their resample */
}

/* The percentile interval of x[b] - y[b] over the B paired replicates (the same
 * resamples for both terms, so their shared noise cancels); diff: B doubles of scratch. */
static void paired_percentile(const double *x, const double *y, size_t B, double alpha,
                              double *diff, double *lo, double *hi)
{
    for (size_t b = 0; b < B; b++)
        diff[b] = x[b] - y[b];
    ci_percentile(diff, B, alpha, lo, hi);
}

/* The paired interval of a difference between two estimates: the percentile interval
 * of the replicates' differences x[b] - y[b] with bootstrap intervals, else the
 * contributions' interval of the per-row differences, whose statistics are st (NULL:
 * none). --bounds are of the contributions, not of their differences: the differences'
 * interval uses their observed range. The one step behind the lift over the logged
 * policy, the lift over another candidate (--against) and the candidates' differences. */
static void paired_ci(const struct eval_opts *o, const struct ci_stats *st, const double *x,
                      const double *y, size_t B, double *diff, double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (o->ci == CI_BOOTSTRAP) {
        if (x && y && diff)
            paired_percentile(x, y, B, o->alpha, diff, lo, hi);
        return;
    }
    if (!st)
        return;
    struct res_estimate t;
    t.lower = t.upper = NAN;
    struct eval_opts oo = *o;
    oo.bound_lo = oo.bound_hi = NAN;
    interval(&oo, st, NULL, &t);
    *lo = t.lower;
    *hi = t.upper;
}

/* The lift of one estimate over the logged policy (value vb on the same rows) and
 * its paired interval (base: V(pi_b) per replicate; lift_st: the per-row differences
 * c_i - r_i). Called before interval() sorts the replicates. */
static void lift(const struct eval_opts *o, const struct eng_res *x, const double *boot,
                 const double *base, double vb, size_t B, double *diff,
                 struct res_estimate *re)
{
    if (!x->s.applies || isnan(x->value) || isnan(vb) || !x->s.lift_st.n)
        return;
    re->lift = x->value - vb;
    re->relative_lift = vb != 0 ? re->lift / fabs(vb) : NAN;
    if (o->ci == CI_CS) {
        re->lift_lower = x->s.cs ? x->s.cs_lift_lo : NAN;
        re->lift_upper = x->s.cs ? x->s.cs_lift_hi : NAN;
        return;
    }
    paired_ci(o, &x->s.lift_st, boot, base, B, diff, &re->lift_lower, &re->lift_upper);
}

/* One estimate of the results from its statistics, with its warnings. */
static int fill_estimate(struct eng *g, struct res_eval *r, struct res_policy *rp,
                         const struct est_spec *s, const struct eng_res *x, double *boot,
                         const double *base, double *diff, struct res_estimate *re,
                         struct ope_error *err)
{
    lift(g->o, x, boot, base, r->behavior_value, g->B, diff, re);
    if (dup_str(&re->estimator, s->d->name, err) != 0 ||
        dup_str(&re->label, s->label, err) != 0 ||
        dup_str(&re->params_json, s->params_json, err) != 0)
        return -1;
    re->value = x->value;
    re->se = x->s.st.sd / sqrt((double)g->n);
    size_t dropped = interval(g->o, &x->s.st, boot, re);
    if (g->o->ci == CI_CS) {
        re->lower = x->s.cs ? x->s.cs_lo : NAN;
        re->upper = x->s.cs ? x->s.cs_hi : NAN;
        if (x->s.cs && x->s.cs_outside && x->s.applies)
            res_warn(r, rp, "%s: %zu contribution(s) fall outside the range [%.6g, %.6g] its "
                     "confidence sequence assumes (clamped): the guarantee does not hold; "
                     "give --bounds A,B", s->label, x->s.cs_outside, x->s.cs_a, x->s.cs_b);
    }
    if (dropped && !isnan(re->value) && x->s.applies)
        res_warn(r, rp, "%s: %zu of %d bootstrap replicates are undefined (a zero "
                 "denominator in the resample) and are left out of its interval",
                 s->label, dropped, g->o->n_boot);
    if (!x->s.applies) {
        /* No number at all: the reason is the result (estimator.h). */
        re->se = re->lower = re->upper = NAN;
        res_warn(r, rp, "%s does not apply: %s", s->label, x->s.why);
    } else {
        if (x->s.why[0] && !isnan(re->value))   /* applies, with a caveat */
            res_warn(r, rp, "%s: %s", s->label, x->s.why);
        if (x->s.weighted) {
            re->mean_weight = x->s.mean_w;
            re->max_weight = x->s.max_w;
            re->ess = x->s.ess;
        }
        /* (dr and wdr too: with no overlap their contributions are the model's alone.) */
        if ((s->d->ci_caveat || s->d->needs_model) && !x->s.refit && !isnan(re->lower)) {
            /* A zero-width interval of a fitted model (FQE with one start state) says
             * nothing: no interval, and why, rather than a false certainty. The
             * bootstrap's resample means of equal contributions (sum k_i c / sum k_i)
             * differ from c by rounding only: within 64 ulps of the value is zero. */
            if (re->upper - re->lower <= 64 * DBL_EPSILON * fabs(re->value)) {
                re->lower = re->upper = NAN;
                res_warn(r, rp, "%s: no interval: every contribution is the same, and the "
                         "model's own error is not in them", s->label);
            } else if (s->d->ci_caveat && !x->s.why[0]) {
                /* (a caveat of the estimator's own on this log, dm's on qhat.* columns,
                 * says what the interval holds instead of the registry's, which is
                 * written for the model ope fits) */
                re->ci_warning = s->d->ci_caveat;
            }
        }
    }
    if (!isnan(rp->truth) && rp->truth != 0)
        re->rel_error = fabs(re->value - rp->truth) / fabs(rp->truth);
    /* Undefined (a zero denominator, or no weight to estimate from): one rule for
     * both kinds of log, with the source's reason when it gave one. */
    if (isnan(re->value) && x->s.applies) {
        re->se = re->lower = re->upper = NAN;
        if (x->s.why[0])
            res_warn(r, rp, "%s is undefined on this log: %s", s->label, x->s.why);
        else
            res_warn(r, rp, DIAG_UNDEFINED_FMT, s->label);
    }
    return 0;
}

/* --against: the lift of every (policy, estimator) over policy a's estimate by the same
 * estimator, paired on the same resamples: the percentile interval of the replicates'
 * differences. Into out[(p * n_spec + e) * 4 + 0..3]: lift, lower, upper, relative.
 * Run before interval() sorts the replicates. */
static void against_lifts(const struct eng *g, const struct eng_res *es, size_t a,
                          const double *vals, double *diff, double *out)
{
    size_t ns = g->o->n_spec, B = g->B;
    for (size_t p = 0; p < g->n_pol; p++)
        for (size_t e = 0; e < ns; e++) {
            double *o = out + (p * ns + e) * 4;
            double va = es[a * ns + e].value, v = es[p * ns + e].value;
            o[0] = o[1] = o[2] = o[3] = NAN;
            if (p == a || isnan(v) || isnan(va))
                continue;       /* the baseline itself: no lift over itself */
            o[0] = v - va;
            o[3] = va != 0 ? o[0] / fabs(va) : NAN;
            paired_ci(g->o, NULL, vals + (p * ns + e) * B, vals + (a * ns + e) * B, B, diff,
                      &o[1], &o[2]);
        }
}

/* --ci cs: an estimator with no confidence sequence is said once, and what the
 * sequences assume once for the log. */
static void cs_warn(const struct eng *g, struct res_eval *r, const struct eng_res *es)
{
    size_t ns = g->o->n_spec;
    int any = 0;
    for (size_t e = 0; e < ns; e++) {
        int none = 0;
        for (size_t p = 0; p < g->n_pol; p++) {
            const struct eng_res *x = &es[p * ns + e];
            none |= x->s.applies && !isnan(x->value) && !x->s.cs;
            any |= x->s.cs;
        }
        if (none)
            res_warn(r, NULL, "%s: no confidence sequence: --ci cs needs a mean of bounded "
                     "per-row terms of a bandit log (ipw, dr)", g->o->spec[e].label);
    }
    if (any && isnan(g->o->bound_lo))
        res_warn(r, NULL, "cs: confidence sequences over the rows in log order, valid at "
                 "every look; they assume importance weights up to the largest "
                 "max_a pi_e(a|x)/pscore over the rows and rewards (and q-hat) in [0, 1], or "
                 "in their observed range when some reward is outside it; --bounds A,B "
                 "gives the contributions' range instead");
}

/* The (at most K) policies with the largest defined estimates by estimator e, best
 * first; equal estimates keep the policies' order. Returns how many. */
static size_t top_policies(const struct eng_res *es, size_t ns, size_t M, size_t e, size_t K,
                           size_t *top)
{
    size_t k = 0;
    for (size_t p = 0; p < M; p++) {
        double v = es[p * ns + e].value;
        if (isnan(v))
            continue;
        size_t i = k < K ? k++ : K;
        while (i > 0 && es[top[i - 1] * ns + e].value < v) {
            if (i < K)
                top[i] = top[i - 1];
            i--;
        }
        if (i < K)
            top[i] = p;
    }
    return k;
}

int eng_diff_pairs(const struct eng *g, const struct eng_res *es, struct res_diff **d,
                   size_t *n_d, struct ope_error *err)
{
    size_t ns = g->o->n_spec, M = g->n_pol;
    size_t K = g->o->matrix_k < M ? g->o->matrix_k : M;
    *d = NULL;
    *n_d = 0;
    if (K < 2 || !ns)
        return 0;
    size_t *top = ope_malloc(K * sizeof *top, err);
    *d = ope_calloc(ns * K * (K - 1) / 2, sizeof **d, err);
    int rc = top && *d ? 0 : -1;
    for (size_t e = 0; e < ns && rc == 0; e++) {
        size_t k = top_policies(es, ns, M, e, K, top);
        for (size_t i = 0; i < k; i++)
            for (size_t j = i + 1; j < k; j++) {
                struct res_diff *x = &(*d)[(*n_d)++];
                x->a = top[i], x->b = top[j], x->e = e;
                x->diff = es[x->a * ns + e].value - es[x->b * ns + e].value;
            }
    }
    free(top);
    return rc;
}

/* The statistics of every pair's per-row differences c_i(a) - c_i(b) from the
 * source's contributions, once per top policy of each estimator: the in-memory side
 * of eng_kind.diff_stats, for the n_d pairs of differences() in their order. */
static int diff_stats_mem(struct eng *g, const struct eng_res *es, const struct eng_sums *x,
                          size_t n_d, size_t K, struct ci_stats *st, struct ope_error *err)
{
    size_t ns = g->o->n_spec, M = g->n_pol, n = g->n;
    size_t *top = ope_malloc(K * sizeof *top, err);
    double *c = ope_malloc((K + 1) * n * sizeof *c, err);
    int rc = top && c ? 0 : -1;
    size_t t = 0;
    for (size_t e = 0; e < ns && rc == 0 && t < n_d; e++) {
        size_t k = top_policies(es, ns, M, e, K, top);
        for (size_t i = 0; i < k && rc == 0; i++)
            if (g->kind->contrib(g, top[i], e, x->point + g->kind->col(g, top[i], e),
                                 c + i * n) != 0)
                rc = ope_fail_oom(err);
        for (size_t i = 0; i < k && rc == 0; i++)
            for (size_t j = i + 1; j < k; j++, t++) {
                double *dc = c + K * n;
                for (size_t r = 0; r < n; r++)
                    dc[r] = c[i * n + r] - c[j * n + r];
                ci_stats_of(dc, n, &st[t]);
            }
    }
    free(top);
    free(c);
    return rc;
}

/* The paired differences among each estimator's top matrix_k policies (result.h:
 * res_diff), with the paired step of the lift: the replicates' differences, or the
 * per-row differences of the two policies' contributions (from the source's contrib,
 * or its diff_stats). Run before interval() sorts the replicates; diff: B doubles. */
static int differences(struct eng *g, const struct eng_res *es, const struct eng_sums *x,
                       const double *vals, double *diff, struct res_eval *r,
                       struct ope_error *err)
{
    size_t ns = g->o->n_spec, M = g->n_pol, B = g->B;
    size_t K = g->o->matrix_k < M ? g->o->matrix_k : M;
    r->matrix_k = g->o->matrix_k;
    if (K < 2 || !ns)
        return 0;
    /* --ci cs has no sequence for a difference: its intervals stay empty. */
    int rows = g->o->ci != CI_BOOTSTRAP && g->o->ci != CI_NONE && g->o->ci != CI_CS &&
               (g->kind->contrib || g->kind->diff_stats);
    struct ci_stats *st = NULL;
    int rc = eng_diff_pairs(g, es, &r->diffs, &r->n_diffs, err);
    if (rc == 0 && rows && r->n_diffs) {
        st = ope_malloc(r->n_diffs * sizeof *st, err);
        if (!st)
            rc = -1;
        else if (g->kind->diff_stats)
            rc = g->kind->diff_stats(g, x, r->diffs, r->n_diffs, st, err);
        else
            rc = diff_stats_mem(g, es, x, r->n_diffs, K, st, err);
    }
    for (size_t t = 0; t < r->n_diffs && rc == 0; t++) {
        struct res_diff *d = &r->diffs[t];
        size_t a = d->a, b = d->b, e = d->e;
        paired_ci(g->o, st ? &st[t] : NULL, vals ? vals + (a * ns + e) * B : NULL,
                  vals ? vals + (b * ns + e) * B : NULL, B, diff, &d->lower, &d->upper);
    }
    free(st);
    return rc;
}

/* The results of every policy, in order. */
static int fill_results(struct eng *g, struct res_eval *r, const struct eng_res *es,
                        const struct eng_pol *ps, double *vals, const double *base,
                        double *diff, struct ope_error *err)
{
    const struct eval_opts *o = g->o;
    size_t ns = o->n_spec;
    for (size_t p = 0; p < g->n_pol; p++) {
        struct res_policy *rp = &r->pol[p];
        if (dup_str(&rp->name, g->kind->policy_name(g, g->pol[p]), err) != 0)
            return -1;
        rp->truth = ps[p].truth;
        rp->unsupported = ps[p].unsupported;
        for (size_t e = 0; e < ns; e++)
            if (fill_estimate(g, r, rp, &o->spec[e], &es[p * ns + e],
                              vals ? vals + (p * ns + e) * g->B : NULL, base, diff,
                              &rp->est[e], err) != 0)
                return -1;
        /* Warnings from the policy's weights, shared by every weight-based estimator. */
        diag_res_warn(r, rp, &ps[p].w, rp->unsupported, g->kind->unit);
    }
    /* An interval known not to cover is said once per estimator (every estimate of it
     * carries ci_warning too): the same words for every policy would bury the rest. */
    for (size_t e = 0; e < ns; e++) {
        int shown = 0;
        for (size_t p = 0; p < g->n_pol; p++)
            shown |= r->pol[p].est[e].ci_warning != NULL;
        if (shown)
            res_warn(r, NULL, "%s: %s", o->spec[e].label, o->spec[e].d->ci_caveat);
    }
    if (o->ci == CI_CS)
        cs_warn(g, r, es);
    if ((o->ci == CI_HOEFFDING || o->ci == CI_BERNSTEIN) && isnan(o->bound_lo) &&
        g->n_pol * ns > 0)
        res_warn(r, NULL, "%s intervals use the observed range of the contributions "
                 "(no --bounds given), so their guarantee is only heuristic",
                 ci_method_name((enum ci_method)o->ci));
    return 0;
}

/* The policies to evaluate: o->policies by name, or every policy of the log. */
static size_t *choose_policies(struct eng *g, const struct eval_opts *o, size_t *n_pol,
                               struct ope_error *err)
{
    *n_pol = o->policies ? o->n_policies : g->n_log_policies;
    size_t *pol = ope_calloc(*n_pol ? *n_pol : 1, sizeof *pol, err);
    for (size_t k = 0; pol && k < *n_pol; k++) {
        int idx = o->policies ? g->kind->policy_index(g, o->policies[k], err) : (int)k;
        if (idx < 0) {
            free(pol);
            return NULL;
        }
        pol[k] = (size_t)idx;
    }
    return pol;
}

/* --against names one of the evaluated policies, and not the only one. 0, or -1 with
 * err. */
static int against_check(struct eng *g, const struct eval_opts *o, struct ope_error *err)
{
    if (!o->against)
        return 0;
    size_t a = 0;
    while (a < g->n_pol && strcmp(g->kind->policy_name(g, g->pol[a]), o->against) != 0)
        a++;
    if (a == g->n_pol)
        return ope_fail(err, OPE_EUSAGE, "--against %s: not among the evaluated policies "
                        "(add --policy %s)", o->against, o->against);
    if (g->n_pol == 1)
        return ope_fail(err, OPE_EUSAGE, "--against %s is the only evaluated policy: a lift "
                        "over itself is nothing (add the --policy to compare with it)",
                        o->against);
    return 0;
}

/* The header of the results: the kind's fields and the options. */
static int describe(struct eng *g, struct res_eval *r, struct ope_error *err)
{
    const struct eval_opts *o = g->o;
    g->kind->describe(g, r);
    r->alpha = o->alpha;
    snprintf(r->ci, sizeof r->ci, "%s", ci_method_name((enum ci_method)o->ci));
    r->n_boot = o->ci == CI_BOOTSTRAP ? o->n_boot : 0;
    r->seed = o->seed;
    r->threads = o->threads;
    return g->path ? dup_str(&r->path, g->path, err) : 0;
}

struct res_eval *eng_run(struct eng *g, const struct eval_opts *o, struct ope_error *err)
{
    g->o = o;
    if (g->kind->check(g, err) != 0)
        return NULL;
    for (size_t e = 0; e < o->n_spec; e++)
        if (o->spec[e].d->kind != g->kind->kind) {
            ope_fail(err, OPE_EUSAGE, "'%s' is not a %s estimator", o->spec[e].label,
                     g->kind->noun);
            return NULL;
        }
    if (o->against && o->ci != CI_BOOTSTRAP) {
        ope_fail(err, OPE_EUSAGE, "--against %s: a lift over another candidate is paired on "
                 "the bootstrap resamples: use --ci bootstrap", o->against);
        return NULL;
    }
    size_t n_pol, ns = o->n_spec;
    size_t *pol = choose_policies(g, o, &n_pol, err);
    if (!pol)
        return NULL;
    g->pol = pol;
    g->n_pol = n_pol;
    /* Checked before the log is read: a shard's --save-state stops after gathering,
     * and would save a state no merge can use. */
    if (against_check(g, o, err) != 0) {
        free(pol);
        g->pol = NULL;
        return NULL;
    }
    g->need_model = need_model(o);
    g->B = o->ci == CI_BOOTSTRAP ? (size_t)o->n_boot : 0;

    struct res_eval *r = res_eval_new(n_pol, ns);
    struct eng_res *es = ope_calloc(n_pol * ns + 1, sizeof *es, err);
    struct eng_pol *ps = ope_calloc(n_pol + 1, sizeof *ps, err);
    double *vals = NULL, *base = NULL, *diff = NULL;
    struct eng_sums sums = { 0, NULL, NULL, NULL };
    if (!r) {
        ope_fail_oom(err);
        goto fail;
    }
    if (!es || !ps || describe(g, r, err) != 0 || g->kind->setup(g, r, err) != 0 ||
        cancelled(o, err) != 0)
        goto fail;
    /* Gathering: the sums and the statistics, from a log in memory or in passes over
     * its windows (eng_kind.gather); every later phase is the same for both. */
    if (g->kind->gather) {
        if (g->kind->gather(g, r, &sums, es, ps, err) != 0)
            goto fail;
    } else if (prepare_all(g, err) != 0) {
        goto fail;
    }
    if (g->B && !(vals = ope_malloc(n_pol * ns * g->B * sizeof *vals, err)))
        goto fail;
    if (!g->kind->gather && accumulate(g, &sums, err) != 0)
        goto fail;
    if (g->B)
        replicates(g, &sums, vals);
    if (g->B && g->kind->refit && g->kind->refit(g, vals, err) != 0)
        goto fail;
    if (g->B && g->keep)
        memcpy(g->keep, vals, n_pol * ns * g->B * sizeof *vals);
    if (!g->kind->gather) {
        struct stats_ctx sx = { g, &sums, es, ps, 0 };
        if (ope_parallel_for(n_pol * (ns + 1), o->threads, stats_task, &sx, NULL, NULL) != 0)
            goto fail;
        if (atomic_load(&sx.failed)) {
            ope_fail_oom(err);
            goto fail;
        }
    }
    /* The lift's bootstrap: V(pi_b) on the same replicates, from the baseline's column
     * of the sums when the source accumulated it, else in a pass of its own. */
    const double *bl = g->kind->baseline ? g->kind->baseline(g) : NULL;
    size_t bc = g->kind->baseline_col ? g->kind->baseline_col(g) : (size_t)-1;
    int has_bl = bl || bc != (size_t)-1;
    if (g->B && has_bl && (!(base = ope_malloc((g->B + 1) * sizeof *base, err)) ||
                           !(diff = ope_malloc((g->B + 1) * sizeof *diff, err))))
        goto fail;
    if (g->B && has_bl && bc != (size_t)-1) {
        for (size_t b = 0; b < g->B; b++)       /* from the sums already accumulated */
            base[b] = sums.rep_n[b] > 0 ? sums.rep[b * sums.K + bc] / sums.rep_n[b] : NAN;
    } else if (g->B && bl && base_replicates(g, bl, base, err) != 0) {
        goto fail;
    }
    double *alift = NULL;
    if (o->against) {
        size_t a = 0;
        while (a < n_pol && strcmp(g->kind->policy_name(g, g->pol[a]), o->against) != 0)
            a++;
        if (!(alift = ope_malloc(n_pol * ns * 4 * sizeof *alift + 1, err)) ||
            (!diff && !(diff = ope_malloc((g->B + 1) * sizeof *diff, err)))) {
            free(alift);
            goto fail;
        }
        against_lifts(g, es, a, vals, diff, alift);
    }
    if (g->B && !diff && !(diff = ope_malloc((g->B + 1) * sizeof *diff, err))) {
        free(alift);
        goto fail;
    }
    if (differences(g, es, &sums, vals, diff, r, err) != 0) {
        free(alift);
        goto fail;
    }
    if (g->B && n_pol && rank_probs(g, vals, r, err) != 0) {
        free(alift);
        goto fail;
    }
    if (fill_results(g, r, es, ps, vals, base, diff, err) != 0) {
        free(alift);
        goto fail;
    }
    if (alift && !(r->against = ope_strdup(o->against, err))) {
        free(alift);
        goto fail;
    }
    /* The baseline's own lift stays undefined; say so where its '-' shows. */
    for (size_t p = 0; alift && p < n_pol; p++)
        if (strcmp(r->pol[p].name, o->against) == 0)
            res_warn(r, &r->pol[p], "no lift for %s: it is the --against baseline (the "
                     "other policies' lifts are over its estimates)", o->against);
    for (size_t p = 0; alift && p < n_pol; p++)
        for (size_t e = 0; e < ns; e++) {
            const double *x = alift + (p * ns + e) * 4;
            struct res_estimate *re = &r->pol[p].est[e];
            re->lift = x[0], re->lift_lower = x[1], re->lift_upper = x[2];
            re->relative_lift = x[3];
        }
    free(alift);
    goto out;
fail:
    res_eval_free(r);
    r = NULL;
out:
    free(es);
    free(ps);
    free(vals);
    free(base);
    free(diff);
    eng_sums_release(&sums);
    free(pol);
    g->pol = NULL;
    return r;
}
