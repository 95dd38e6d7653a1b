/* estimators/evaluate_stream.c: the streamed bandit source of the evaluation driver
 * (engine.h, evaluate_stream.h). It gathers what the in-memory source forms from the
 * whole log -- the accumulated sums, the contributions' statistics, the confidence
 * sequences, the weights' diagnostics -- in passes over windows of rows, with the
 * same per-row arithmetic (evbandit.h) and folds that give the same bits where the
 * in-memory pass is sequential (compensated sums, Welford, the sequences, min, max);
 * the sd alone is merged across windows (ci_stats_acc), equal to rounding. */
#include "config.h"
#include "estimators/evaluate_stream.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/accum.h"
#include "estimators/engine.h"
#include "estimators/evbandit.h"
#include "estimators/evboot.h"
#include "ope/base/sum.h"
#include "ope/base/threads.h"

#define WHY 160     /* sizeof eng_est.why */

/* Per (policy, estimator) in pass 2. */
struct sest {
    struct ci_stats_acc c, lift;
    struct ci_cs cs, cs_lift;
    struct diag_acc wacc;
};

/* Per policy in pass 2. */
struct spol {
    struct ope_sum truth, unsup;
    struct diag_acc w;
};

struct ssrc {
    const struct eng_windows *win;
    /* What the first window says of the log. */
    size_t n_policies;
    char **names;
    int n_actions, has_qhat, has_q;
    /* Pass 1. */
    double *wmax;               /* [n_pol] --ci cs: the largest weight each policy allows */
    double rmin, rmax, rlo, rhi;
    struct diag_support support;
    size_t *col, base_col;      /* the accumulator's columns (evboot's layout) */
    int *applies;               /* [n_pol * n_spec] */
    char *why;                  /* [n_pol * n_spec][WHY] */
    double *app_acc;            /* [n_pol * n_spec][EST_APPLIES_ACC] */
    /* One window's rows. */
    struct evb_pol_in *pin;     /* [n_pol] */
    struct est_bandit_in *in;   /* [n_pol] */
    size_t *rowid;              /* [window] */
    size_t rowid_cap;
};

static const char *s_path(const struct eng *g)
{
    return g->path ? g->path : "log";
}

/* ---- the window's rows ------------------------------------------------------------ */

static void window_release(struct eng *g)
{
    struct ssrc *s = g->self;
    for (size_t p = 0; s->pin && p < g->n_pol; p++)
        evb_pol_in_release(&s->pin[p]);
}

/* The policies' row vectors over window w (whose row 0 is the log's row first). */
static int window_prepare(struct eng *g, const struct blog *w, size_t first,
                          struct ope_error *err)
{
    struct ssrc *s = g->self;
    window_release(g);
    for (size_t p = 0; p < g->n_pol; p++) {
        if (evb_pol_in_build(w, g->need_model ? w->qhat : NULL, g->pol[p], &s->pin[p],
                             err) != 0)
            return -1;
        evb_in_of(w, &s->pin[p], &s->in[p]);
        s->in[p].row0 = first;
    }
    return 0;
}

/* The next window of a pass, checked to continue the rows read so far (*rows) on a
 * chunk boundary. 1, 0 (end of the pass) or -1 with err. */
static int next_window(struct eng *g, const struct blog **w, size_t *first, size_t *rows,
                       struct ope_error *err)
{
    const struct eng_windows *win = ((struct ssrc *)g->self)->win;
    int rc = win->next(win->ctx, w, first, err);
    if (rc != 1)
        return rc;
    if (*first != *rows || *first % ACC_CHUNK != 0)
        return ope_fail(err, OPE_EUSAGE, "%s: a window starts at row %zu, but %zu rows were "
                        "read before it (windows are consecutive and start on a multiple of "
                        "%d rows)", s_path(g), *first, *rows, ACC_CHUNK);
    if ((int)(*w)->n_actions != ((struct ssrc *)g->self)->n_actions ||
        (*w)->n_policies != ((struct ssrc *)g->self)->n_policies)
        return ope_fail(err, OPE_EDATA, "%s: the window at row %zu has other actions or "
                        "policies than the first", s_path(g), *first);
    *rows += (*w)->n;
    if (ope_progress_cancelled(g->o->progress))
        return ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
    return 1;
}

static int rewind_windows(struct eng *g, struct ope_error *err)
{
    const struct eng_windows *win = ((struct ssrc *)g->self)->win;
    return win->rewind(win->ctx, err);
}

/* ---- pass 1: the sums and what is known before the sums ---------------------------- */

/* Whether each estimator applies, folded over window w's rows. */
static void applies_add(struct eng *g, int first_window)
{
    struct ssrc *s = g->self;
    size_t ns = g->o->n_spec;
    for (size_t p = 0; p < g->n_pol; p++)
        for (size_t e = 0; e < ns; e++) {
            const struct est_spec *sp = &g->o->spec[e];
            size_t k = p * ns + e;
            char *why = s->why + k * WHY;
            if (!s->applies[k] || !sp->d->applies)
                continue;
            if (sp->d->applies_fold) {
                s->applies[k] = sp->d->applies_fold(&s->in[p], sp->param,
                                                    s->app_acc + k * EST_APPLIES_ACC, why, WHY);
            } else {
                char w[WHY] = "";
                s->applies[k] = sp->d->applies(&s->in[p], sp->param, w, WHY);
                if (!s->applies[k] || first_window)
                    memcpy(why, w, WHY);
            }
        }
}

/* One window into the accumulator state st (set up on the first window, when the
 * columns' layout is known). */
static int accumulate_window(struct eng *g, const struct blog *w, size_t first,
                             struct acc_state *st, struct ope_error *err)
{
    struct ssrc *s = g->self;
    size_t ns = g->o->n_spec;
    struct evboot *ev = evboot_new(s->in, g->n_pol, g->o->spec, ns,
                                   g->n_pol ? w->reward : NULL, g->B, g->o->threads, err);
    if (!ev)
        return -1;
    int rc = -1;
    struct acc_source src = *evboot_source(ev);
    if (!st->point) {
        for (size_t p = 0; p < g->n_pol; p++)
            for (size_t e = 0; e < ns; e++)
                s->col[p * ns + e] = evboot_col(ev, p, e);
        s->base_col = evboot_extra_col(ev);
        if (acc_init(st, src.K, g->B, err) != 0)
            goto out;
    }
    if (w->n > s->rowid_cap) {
        free(s->rowid);
        if (!(s->rowid = ope_malloc(w->n * sizeof *s->rowid, err)))
            goto out;
        s->rowid_cap = w->n;
    }
    /* The bootstrap counts are keyed by the log's rows; the window's chunks are the
     * log's (first is on a chunk boundary), so the sums are the in-memory run's. */
    for (size_t i = 0; i < w->n; i++)
        s->rowid[i] = first + i;
    src.rowid = s->rowid;
    rc = acc_run(st, &src, g->o->seed, g->o->threads, NULL, err);
out:
    evboot_free(ev);
    return rc;
}

static int pass1(struct eng *g, struct res_eval *r, struct eng_sums *x, struct ope_error *err)
{
    struct ssrc *s = g->self;
    struct acc_state st;
    memset(&st, 0, sizeof st);
    struct ope_sum rsum;
    ope_sum_init(&rsum);
    s->rmin = INFINITY;
    s->rmax = -INFINITY;
    const struct blog *w;
    size_t first, rows = 0;
    int rc;
    if (rewind_windows(g, err) != 0)
        return -1;
    while ((rc = next_window(g, &w, &first, &rows, err)) == 1) {
        ope_progress_report(g->o->progress, 0.0, "pass 1");
        if (window_prepare(g, w, first, err) != 0 || accumulate_window(g, w, first, &st, err) != 0)
            goto fail;
        for (size_t p = 0; g->o->ci == CI_CS && p < g->n_pol; p++)
            s->wmax[p] = evb_weight_bound(w, g->pol[p], s->wmax[p]);
        evb_reward_minmax(w, &s->rmin, &s->rmax);
        for (size_t i = 0; i < w->n; i++)
            ope_sum_add(&rsum, w->reward[i]);
        if (diag_support_add_blog(&s->support, w, err) != 0)
            goto fail;
        applies_add(g, first == 0);
    }
    if (rc < 0)
        goto fail;
    window_release(g);
    if (rows < 2) {
        ope_fail(err, OPE_EDATA, "%s: %zu row(s); at least 2 are needed to evaluate",
                 s_path(g), rows);
        goto fail;
    }
    g->n = rows;
    r->rows = rows;
    r->behavior_value = r->behavior_observed = ope_sum_value(&rsum) / (double)rows;
    evb_reward_range(s->rmin, s->rmax, &s->rlo, &s->rhi);
    size_t K = st.K, B = g->B;
    x->K = K;
    x->point = ope_malloc((K + 1) * sizeof *x->point, err);
    x->rep = ope_malloc((B * K + 1) * sizeof *x->rep, err);
    x->rep_n = ope_malloc((B + 1) * sizeof *x->rep_n, err);
    if (!x->point || !x->rep || !x->rep_n)
        goto fail;
    acc_finalize(&st, x->point, x->rep, x->rep_n);
    acc_release(&st);
    /* The verdicts of the folded estimators on every row. */
    for (size_t k = 0; k < g->n_pol * g->o->n_spec; k++) {
        const struct est_desc *d = g->o->spec[k % g->o->n_spec].d;
        if (s->applies[k] && d->applies_fold)
            s->applies[k] = d->applies_fold(NULL, g->o->spec[k % g->o->n_spec].param,
                                            s->app_acc + k * EST_APPLIES_ACC,
                                            s->why + k * WHY, WHY);
    }
    return 0;
fail:
    window_release(g);
    acc_release(&st);
    return -1;
}

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
        struct spol *tp = &x->tp[p];
        size_t pol = g->pol[p];
        for (size_t i = 0; w->q && i < m; i++)
            for (int a = 0; a < w->n_actions; a++)
                ope_sum_add(&tp->truth, w->policy[pol].prob[a][i] * w->q[a][i]);
        diag_unsupported_blog_add(&s->support, w, pol, &tp->unsup);
        for (size_t i = 0; i < m; i++)
            diag_acc_add(&tp->w, in->w[i]);
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
    if (sp->d->weight) {
        struct diag_weights dw;
        diag_acc_result(&q->wacc, &dw);
        es->mean_w = dw.mean;
        es->max_w = dw.max;
        es->ess = dw.ess;
        if (sp->d->weights_only && !(dw.max > 0)) {
            es->undefined = 1;
            snprintf(es->why, sizeof es->why, "every importance weight it uses is 0 "
                     "(the policy gives no logged action a positive probability: "
                     "empty support)");
        }
    }
    if (!es->undefined)
        *value = g->kind->value(g, p, e, x->point + ((struct ssrc *)g->self)->col[p * g->o->n_spec + e],
                                (double)g->n);
}

static int pass2(struct eng *g, const struct eng_sums *x, struct eng_res *es,
                 struct eng_pol *ps, struct ope_error *err)
{
    struct ssrc *s = g->self;
    size_t ns = g->o->n_spec, n_pe = g->n_pol * ns;
    struct sest *t = ope_calloc(n_pe + 1, sizeof *t, err);
    struct spol *tp = ope_calloc(g->n_pol + 1, sizeof *tp, err);
    int rc = -1;
    if (!t || !tp)
        goto out;
    for (size_t k = 0; k < n_pe; k++) {
        const struct est_spec *sp = &g->o->spec[k % ns];
        struct eng_est *e = &es[k].s;
        e->applies = s->applies[k];
        memcpy(e->why, s->why + k * WHY, sizeof e->why);
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
    const struct blog *w;
    size_t first, rows = 0;
    int r;
    if (rewind_windows(g, err) != 0)
        goto out;
    while ((r = next_window(g, &w, &first, &rows, err)) == 1) {
        ope_progress_report(g->o->progress, (double)rows / (double)g->n, "pass 2");
        struct win_tasks wt = { g, x, w, es, t, tp, NULL, NULL, 0 };
        if (window_prepare(g, w, first, err) != 0 ||
            run_tasks(&wt, g->n_pol * (ns + 1), stats_task, err) != 0)
            goto out;
    }
    if (r < 0)
        goto out;
    if (rows != g->n) {
        ope_fail(err, OPE_EDATA, "%s: %zu rows on a second reading, %zu on the first: the "
                 "log changed while it was evaluated", s_path(g), rows, g->n);
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
    rc = 0;
out:
    window_release(g);
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

/* The statistics of the per-row differences of the pairs d (eng_kind.diff_stats). */
static int s_diff_stats(struct eng *g, const struct eng_sums *x, const struct res_diff *d,
                        size_t n_d, struct ci_stats *st, struct ope_error *err)
{
    struct ci_stats_acc *q = ope_malloc((n_d + 1) * sizeof *q, err);
    if (!q)
        return -1;
    for (size_t k = 0; k < n_d; k++)
        ci_stats_acc_init(&q[k]);
    const struct blog *w;
    size_t first, rows = 0;
    int rc = rewind_windows(g, err) == 0 ? 0 : -1;
    while (rc == 0 && (rc = next_window(g, &w, &first, &rows, err)) == 1) {
        ope_progress_report(g->o->progress, (double)rows / (double)g->n, "pass 3");
        struct win_tasks wt = { g, x, w, NULL, NULL, NULL, d, q, 0 };
        rc = window_prepare(g, w, first, err) != 0 || run_tasks(&wt, n_d, diff_task, err) != 0
                 ? -1 : 0;
    }
    window_release(g);
    for (size_t k = 0; rc == 0 && k < n_d; k++)
        ci_stats_acc_result(&q[k], &st[k]);
    free(q);
    return rc;
}

/* ---- the source ------------------------------------------------------------------- */

static int s_check(struct eng *g, struct ope_error *err)
{
    const struct ssrc *s = g->self;
    if (s->n_policies == 0)
        return ope_fail(err, OPE_EUSAGE, "%s: the log has no evaluation policy columns "
                        "(pi.NAME.A); add them, or name the columns with --policy-columns",
                        s_path(g));
    for (size_t e = 0; e < g->o->n_spec; e++)
        if (g->o->spec[e].d->needs_model && !s->has_qhat)
            return ope_fail(err, OPE_EUSAGE, "%s: '%s' needs a reward model, and a streamed "
                            "evaluation does not fit one (fitting takes passes of its own): "
                            "give the log qhat.* columns, choose estimators without a model "
                            "(ipw, snipw, sg-ipw, rm), or evaluate in memory",
                            s_path(g), g->o->spec[e].label);
    return 0;
}

static int s_policy_index(struct eng *g, const char *name, struct ope_error *err)
{
    const struct ssrc *s = g->self;
    for (size_t q = 0; q < s->n_policies; q++)
        if (strcmp(s->names[q], name) == 0)
            return (int)q;
    char names[512] = "";
    for (size_t q = 0; q < s->n_policies; q++) {
        size_t l = strlen(names);
        snprintf(names + l, sizeof names - l, "%s%s", q ? ", " : "", s->names[q]);
    }
    ope_fail(err, OPE_EUSAGE, "no policy '%s' in %s; it has: %s", name,
             g->path ? g->path : "the log", names);
    return -1;
}

static const char *s_policy_name(struct eng *g, size_t pol)
{
    return ((struct ssrc *)g->self)->names[pol];
}

/* The rows and the behaviour value are known after the first pass (gather). */
static void s_describe(struct eng *g, struct res_eval *r)
{
    r->kind = "bandit";
    r->n_actions = ((struct ssrc *)g->self)->n_actions;
    r->behavior_value = r->behavior_observed = NAN;
}

static int s_setup(struct eng *g, struct res_eval *r, struct ope_error *err)
{
    struct ssrc *s = g->self;
    size_t n_pe = g->n_pol * g->o->n_spec;
    s->wmax = ope_calloc(g->n_pol + 1, sizeof *s->wmax, err);
    s->pin = ope_calloc(g->n_pol + 1, sizeof *s->pin, err);
    s->in = ope_calloc(g->n_pol + 1, sizeof *s->in, err);
    s->col = ope_calloc(n_pe + 1, sizeof *s->col, err);
    s->applies = ope_calloc(n_pe + 1, sizeof *s->applies, err);
    s->why = ope_calloc(n_pe * WHY + 1, 1, err);
    s->app_acc = ope_calloc(n_pe * EST_APPLIES_ACC + 1, sizeof *s->app_acc, err);
    if (!s->wmax || !s->pin || !s->in || !s->col || !s->applies || !s->why || !s->app_acc)
        return -1;
    for (size_t k = 0; k < n_pe; k++)
        s->applies[k] = 1;
    if (g->need_model)
        snprintf(r->model.kind, sizeof r->model.kind, "qhat-columns");
    return 0;
}

static int s_gather(struct eng *g, struct res_eval *r, struct eng_sums *x, struct eng_res *es,
                    struct eng_pol *ps, struct ope_error *err)
{
    return pass1(g, r, x, err) != 0 || pass2(g, x, es, ps, err) != 0 ? -1 : 0;
}

static size_t s_col(struct eng *g, size_t p, size_t e)
{
    return ((struct ssrc *)g->self)->col[p * g->o->n_spec + e];
}

static double s_value(struct eng *g, size_t p, size_t e, const double *sums, double n)
{
    (void)p;
    return g->o->spec[e].d->combine(sums, n);
}

static size_t s_baseline_col(struct eng *g)
{
    return ((struct ssrc *)g->self)->base_col;
}

static const struct eng_kind stream_kind = {
    .kind = EST_BANDIT,
    .noun = "bandit",
    .unit = DIAG_ROWS,
    .check = s_check,
    .policy_index = s_policy_index,
    .policy_name = s_policy_name,
    .describe = s_describe,
    .setup = s_setup,
    .col = s_col,
    .value = s_value,
    .baseline_col = s_baseline_col,
    .gather = s_gather,
    .diff_stats = s_diff_stats,
};

/* What the first window says of the log: its policies' names, actions, and whether it
 * has qhat.* and q.* columns. */
static int s_open(struct ssrc *s, struct ope_error *err)
{
    const struct blog *w;
    size_t first;
    if (s->win->rewind(s->win->ctx, err) != 0)
        return -1;
    int rc = s->win->next(s->win->ctx, &w, &first, err);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return ope_fail(err, OPE_EDATA, "%s: 0 row(s); at least 2 are needed to evaluate",
                        s->win->path ? s->win->path : "log");
    s->n_policies = w->n_policies;
    s->n_actions = w->n_actions;
    s->has_qhat = w->qhat != NULL;
    s->has_q = w->q != NULL;
    s->names = ope_calloc(w->n_policies + 1, sizeof *s->names, err);
    for (size_t q = 0; s->names && q < w->n_policies; q++)
        if (!(s->names[q] = ope_strdup(w->policy[q].name ? w->policy[q].name : "", err)))
            return -1;
    return s->names ? 0 : -1;
}

static void ssrc_release(struct ssrc *s)
{
    for (size_t q = 0; s->names && q < s->n_policies; q++)
        free(s->names[q]);
    free(s->names);
    free(s->wmax);
    diag_support_release(&s->support);
    free(s->col);
    free(s->applies);
    free(s->why);
    free(s->app_acc);
    free(s->pin);
    free(s->in);
    free(s->rowid);
}

struct res_eval *eval_bandit_stream(const struct eng_windows *win, const struct eval_opts *o,
                                    struct ope_error *err)
{
    for (size_t e = 0; e < o->n_spec; e++)
        if (o->spec[e].d->kind != EST_BANDIT) {
            eval_stream_refuse(NULL, 1, err);
            return NULL;
        }
    struct ssrc s;
    struct eng g;
    memset(&s, 0, sizeof s);
    memset(&g, 0, sizeof g);
    s.win = win;
    g.kind = &stream_kind;
    g.self = &s;
    g.path = win->path;
    struct res_eval *r = NULL;
    if (s_open(&s, err) == 0) {
        g.n_log_policies = s.n_policies;
        r = eng_run(&g, o, err);
    }
    ssrc_release(&s);
    if (r)
        ope_progress_report(o->progress, 1.0, "done");
    return r;
}

int eval_stream_refuse(const char *by, int trajectories, struct ope_error *err)
{
    if (trajectories)
        return ope_fail(err, OPE_EUSAGE, "a streamed evaluation takes bandit logs only: "
                        "evaluate a trajectory log in memory (without --stream)");
    if (by)
        return ope_fail(err, OPE_EUSAGE, "--by %s: segments are evaluated from their rows "
                        "gathered in memory, not in a stream: drop --stream (or --by)", by);
    return 0;
}
