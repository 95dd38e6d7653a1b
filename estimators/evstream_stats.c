/* estimators/evstream_stats.c: passes 2 and 3 of the streamed bandit source
 * (evstream.h): given the finished sums, the contributions' statistics, the lift's,
 * the confidence sequences and the weight diagnostics of every (policy, estimator),
 * each policy's weights, truth and unsupported mass, and the differences' statistics,
 * folded window by window in row order as parallel tasks per window. */
#include "config.h"
#include "estimators/evstream.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/accum.h"
#include "estimators/ci.h"
#include "ope/base/sum.h"
#include "ope/base/threads.h"

/* ---- pass 2: the statistics given the sums ------------------------------------------ */

/* The confidence sequences' range for (p, e), as the in-memory source's cs_of. */
static void cs_start(struct eng *g, size_t p, const struct est_spec *sp, struct eng_est *es,
                     struct sest *t)
{
    const struct ssrc *s = g->self;
    const struct eval_opts *o = g->o;
    if (!isnan(o->bound_lo)) {
        es->cs_a = o->bound_lo;
        es->cs_b = o->bound_hi;
    } else {
        sp->d->cs_range(sp->param, s->wmax[p], s->rlo, s->rhi, &es->cs_a, &es->cs_b);
    }
    if (!(es->cs_b > es->cs_a))
        es->cs_b = es->cs_a + 1.0;
    es->cs = 1;
    ci_cs_init(&t->cs, es->cs_a, es->cs_b, o->alpha);
    ci_cs_init(&t->cs_lift, es->cs_a - s->rhi, es->cs_b - s->rlo, o->alpha);
}

void evs_pol_stats_add(struct eng *g, const struct blog *w, size_t p,
                       const struct diag_support *support, struct spol *tp)
{
    struct ssrc *s = g->self;
    const struct est_bandit_in *in = &s->in[p];
    size_t pol = g->pol[p], m = w->n;
    for (size_t i = 0; w->q && i < m; i++)
        for (int a = 0; a < w->n_actions; a++)
            ope_sum_add(&tp->truth, w->policy[pol].prob[a][i] * w->q[a][i]);
    if (support)
        diag_unsupported_blog_add(support, w, pol, &tp->unsup);
    for (size_t i = 0; i < m; i++)
        diag_acc_add(&tp->w, in->w[i]);
}

/* One window's pass-2 work, as tasks that each write only their own statistics. */
struct win_tasks {
    struct eng *g;
    const struct eng_sums *x;
    const struct blog *w;
    const struct eng_res *es;
    struct sest *t;
    struct spol *tp;
    const struct res_diff *d;   /* pass 3: the pairs */
    struct ci_stats_acc *dq;           /* pass 3: their statistics */
    atomic_int failed;          /* a task out of memory */
};

/* Task k of a window: policy k / (n_spec + 1)'s estimator k % (n_spec + 1), or the
 * policy's own statistics for the last one (as the in-memory stats tasks). */
static void stats_task(void *arg, size_t k)
{
    struct win_tasks *x = arg;
    struct eng *g = x->g;
    struct ssrc *s = g->self;
    const struct blog *w = x->w;
    size_t ns = g->o->n_spec, p = k / (ns + 1), e = k % (ns + 1), m = w->n;
    const struct est_bandit_in *in = &s->in[p];
    if (e == ns) {
        evs_pol_stats_add(g, w, p, &s->support, &x->tp[p]);
        return;
    }
    const struct est_spec *sp = &g->o->spec[e];
    const struct eng_res *er = &x->es[p * ns + e];
    struct sest *q = &x->t[p * ns + e];
    if (!er->s.applies)
        return;
    double *c = malloc((m + 1) * sizeof *c);
    double *buf = malloc(EST_MAX_TERMS * ACC_CHUNK * sizeof *buf);
    if (!c || !buf) {
        atomic_store(&x->failed, 1);
        goto out;
    }
    evb_contributions(sp, in, x->x->point + s->col[p * ns + e], (double)g->n, c, buf);
    ci_stats_acc_add(&q->c, c, m);
    for (size_t i = 0; er->s.cs && i < m; i++)
        ci_cs_add(&q->cs, c[i]);
    for (size_t i = 0; i < m; i++)
        c[i] -= w->reward[i];
    ci_stats_acc_add(&q->lift, c, m);
    for (size_t i = 0; er->s.cs && i < m; i++)
        ci_cs_add(&q->cs_lift, c[i]);
    for (size_t i = 0; sp->d->weight && i < m; i++)
        diag_acc_add(&q->wacc, sp->d->weight(in->w[i], sp->param));
out:
    free(c);
    free(buf);
}

/* Run one window's tasks (n of them); 0, or -1 with err. */
static int run_tasks(struct win_tasks *x, size_t n, void (*fn)(void *, size_t),
                     struct ope_error *err)
{
    if (ope_parallel_for(n, x->g->o->threads, fn, x, NULL, NULL) != 0)
        return ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
    return atomic_load(&x->failed) ? ope_fail_oom(err) : 0;
}

/* The finished statistics of (p, e), as the in-memory source's est_stats leaves them. */
static void est_finish(struct eng *g, const struct eng_sums *x, size_t p, size_t e,
                       struct sest *q, struct eng_est *es, double *value)
{
    const struct ssrc *s = g->self;
    const struct est_spec *sp = &g->o->spec[e];
    *value = NAN;
    if (!es->applies) {
        ci_stats_of(NULL, 0, &es->st);
        return;
    }
    ci_stats_acc_result(&q->c, &es->st);
    ci_stats_acc_result(&q->lift, &es->lift_st);
    if (es->cs) {
        es->cs_outside = q->cs.outside;
        ci_cs_bounds(&q->cs, &es->cs_lo, &es->cs_hi);
        ci_cs_bounds(&q->cs_lift, &es->cs_lift_lo, &es->cs_lift_hi);
    }
    es->weighted = sp->d->weight != NULL;
    if (sp->d->weight)
        evb_est_weights(sp, &q->wacc, es);
    if (!es->undefined)
        *value = g->kind->value(g, p, e, x->point + s->col[p * g->o->n_spec + e],
                                (double)g->n);
}

/* One window of pass 2 (evs_each_window): its tasks fold it into ctx's statistics. */
static int pass2_window(struct eng *g, const struct blog *w, size_t first, void *ctx,
                        struct ope_error *err)
{
    (void)first;
    struct win_tasks *wt = ctx;
    wt->w = w;
    return run_tasks(wt, g->n_pol * (g->o->n_spec + 1), stats_task, err);
}

int evs_pass2(struct eng *g, const struct eng_sums *x, struct eng_res *es,
              struct eng_pol *ps, struct ope_error *err)
{
    struct ssrc *s = g->self;
    size_t ns = g->o->n_spec, n_pe = g->n_pol * ns;
    struct sest *t = ope_calloc(n_pe + 1, sizeof *t, err);
    struct spol *tp = ope_calloc(g->n_pol + 1, sizeof *tp, err);
    int rc = -1;
    if (!t || !tp)
        goto share;
    for (size_t k = 0; k < n_pe; k++) {
        const struct est_spec *sp = &g->o->spec[k % ns];
        struct eng_est *e = &es[k].s;
        e->applies = s->applies[k];
        memcpy(e->why, s->why + k * EVS_WHY, sizeof e->why);
        e->why[sizeof e->why - 1] = '\0';
        ci_stats_acc_init(&t[k].c);
        ci_stats_acc_init(&t[k].lift);
        diag_acc_init(&t[k].wacc);
        if (e->applies && g->o->ci == CI_CS && sp->d->cs_range)
            cs_start(g, k / ns, sp, e, &t[k]);
    }
    for (size_t p = 0; p < g->n_pol; p++) {
        ope_sum_init(&tp[p].truth);
        ope_sum_init(&tp[p].unsup);
        diag_acc_init(&tp[p].w);
    }
    struct win_tasks wt = { g, x, NULL, es, t, tp, NULL, NULL, 0 };
    if (s->merge && s->sums) {
        rc = evs_sums_merge_pass2(g, x, t, tp, err);
    } else if (s->merge) {
        rc = evs_merge_pass2(g, x, es, t, tp, err);
    } else if (s->sums) {
        /* A shard given the whole log's sums: its own rows are first read here, so
         * their range check (pass1_done) follows; then its contributions are saved
         * and the evaluation stops (-1). */
        rc = evs_each_window(g, "pass 2", NULL, pass2_window, &wt, err);
        evs_window_release(g);
        if (rc == 0 && s->win->pass1_done && s->win->pass1_done(s->win->ctx, err) != 0)
            rc = -1;
        if (rc == 0 && evs_sums_save_contribs(g, x, t, tp, err) == 0)
            s->saved = 5;
        rc = -1;
        goto out;
    } else {
        rc = evs_each_window(g, "pass 2", "second", pass2_window, &wt, err);
    }
share:
    evs_window_release(g);
    /* Several ranks: the whole log's statistics from every rank's. */
    if (evs_share_pass2(g, rc, t, tp, err) != 0) {
        rc = -1;
        goto out;
    }
    for (size_t k = 0; k < n_pe; k++)
        est_finish(g, x, k / ns, k % ns, &t[k], &es[k].s, &es[k].value);
    for (size_t p = 0; p < g->n_pol; p++) {
        /* blog_policy_truth, diag_weights_of and diag_unsupported_blog of the whole log. */
        ps[p].truth = s->has_q ? ope_sum_value(&tp[p].truth) / (double)g->n : NAN;
        diag_acc_result(&tp[p].w, &ps[p].w);
        ps[p].unsupported = ope_sum_value(&tp[p].unsup) / (double)g->n;
    }
out:
    free(t);
    free(tp);
    return rc;
}

/* ---- pass 3: the differences between candidates ------------------------------------- */

/* Task k of a window in pass 3: pair k's per-row differences into its statistics. */
static void diff_task(void *arg, size_t k)
{
    struct win_tasks *x = arg;
    struct eng *g = x->g;
    struct ssrc *s = g->self;
    const struct res_diff *d = &x->d[k];
    const struct est_spec *sp = &g->o->spec[d->e];
    size_t ns = g->o->n_spec, m = x->w->n;
    double *c = malloc((m + 1) * sizeof *c), *c2 = malloc((m + 1) * sizeof *c2);
    double *buf = malloc(EST_MAX_TERMS * ACC_CHUNK * sizeof *buf);
    if (c && c2 && buf) {
        const double *pa = x->x->point + s->col[d->a * ns + d->e];
        const double *pb = x->x->point + s->col[d->b * ns + d->e];
        evb_contributions(sp, &s->in[d->a], pa, (double)g->n, c, buf);
        evb_contributions(sp, &s->in[d->b], pb, (double)g->n, c2, buf);
        for (size_t i = 0; i < m; i++)
            c[i] -= c2[i];
        ci_stats_acc_add(&x->dq[k], c, m);
    } else {
        atomic_store(&x->failed, 1);
    }
    free(c);
    free(c2);
    free(buf);
}

/* One window of pass 3 (evs_each_window). */
struct diff_ctx {
    struct win_tasks wt;
    size_t n_d;
};

static int diff_window(struct eng *g, const struct blog *w, size_t first, void *ctx,
                       struct ope_error *err)
{
    (void)first;
    (void)g;
    struct diff_ctx *dc = ctx;
    dc->wt.w = w;
    return run_tasks(&dc->wt, dc->n_d, diff_task, err);
}

int evs_diff_fold(struct eng *g, const struct eng_sums *x, const struct res_diff *d,
                  size_t n_d, struct ci_stats_acc *q, struct ope_error *err)
{
    for (size_t k = 0; k < n_d; k++)
        ci_stats_acc_init(&q[k]);
    struct diff_ctx dc = { { g, x, NULL, NULL, NULL, NULL, d, q, 0 }, n_d };
    int rc = evs_each_window(g, "pass 3", "third", diff_window, &dc, err);
    evs_window_release(g);
    return rc;
}

/* The statistics of the per-row differences of the pairs d (eng_kind.diff_stats). */
int evs_diff_stats(struct eng *g, const struct eng_sums *x, const struct res_diff *d,
                   size_t n_d, struct ci_stats *st, struct ope_error *err)
{
    struct ci_stats_acc *q = ope_malloc((n_d + 1) * sizeof *q, err);
    if (!q)
        return evs_share_diff(g, -1, NULL, 0, err);
    for (size_t k = 0; k < n_d; k++)
        ci_stats_acc_init(&q[k]);
    struct ssrc *s = g->self;
    if (s->merge) {
        int rc = s->sums ? evs_sums_diff(g, d, n_d, q, err)
                         : evs_merge_diff(g, x, d, n_d, q, err);
        for (size_t k = 0; rc == 0 && k < n_d; k++)
            ci_stats_acc_result(&q[k], &st[k]);
        free(q);
        return rc;
    }
    int rc = evs_diff_fold(g, x, d, n_d, q, err);
    /* Several ranks: the whole log's statistics from every rank's. */
    rc = evs_share_diff(g, rc, q, n_d, err);
    for (size_t k = 0; rc == 0 && k < n_d; k++)
        ci_stats_acc_result(&q[k], &st[k]);
    free(q);
    return rc;
}

