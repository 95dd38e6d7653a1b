/* estimators/evaluate_stream.c: the streamed bandit source of the evaluation driver
 * (engine.h, evaluate_stream.h). It gathers what the in-memory source forms from the
 * whole log -- the accumulated sums, the contributions' statistics, the confidence
 * sequences, the weights' diagnostics -- in passes over windows of rows, with the
 * same per-row arithmetic (evbandit.h) and folds that give the same bits where the
 * in-memory pass is sequential (compensated sums, Welford, the sequences, min, max);
 * the sd alone is merged across windows (ci_stats_acc), equal to rounding. This file
 * holds the source, the windows' checks and pass 1 (the sums); passes 2 and 3 are in
 * evstream_stats.c. */
#include "config.h"
#include "estimators/evstream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/accum.h"
#include "estimators/engine.h"
#include "estimators/evbandit.h"
#include "estimators/evboot.h"
#include "estimators/rmstream.h"
#include "ope/base/comm.h"
#include "ope/base/sum.h"

const char *evs_path(const struct eng *g)
{
    return g->path ? g->path : "log";
}

/* ---- the window's rows ------------------------------------------------------------ */

void evs_window_release(struct eng *g)
{
    struct ssrc *s = g->self;
    for (size_t p = 0; s->pin && p < g->n_pol; p++)
        evb_pol_in_release(&s->pin[p]);
}

/* Window w's q̂ (and dm's influence) from the model fitted here, into s->qhat and
 * s->infl (grown to the window). 0, or -1 with err. */
static int window_model(struct eng *g, const struct blog *w, size_t first,
                        struct ope_error *err)
{
    struct ssrc *s = g->self;
    size_t A = (size_t)s->n_actions, P = g->n_pol;
    if (w->n > s->qcap) {
        blog_matrix_free(s->qhat, (int)A);
        blog_matrix_free(s->infl, (int)s->n_infl + 1);
        s->qhat = s->infl = NULL;
        s->qcap = 0;
        s->n_infl = P;
        /* (one row more for the influence: a matrix of no rows is refused) */
        if (!(s->qhat = blog_matrix_new((int)A, w->n, err)) ||
            !(s->infl = blog_matrix_new((int)P + 1, w->n, err)))
            return -1;
        s->qcap = w->n;
    }
    /* A shard's window in the codes of the fit's levels (evstream_fit.c). */
    if (evs_fit_window(g, &w, err) != 0)
        return -1;
    return rms_predict(s->fit, w, first, s->qhat, s->infl, err);
}

/* The policies' row vectors over window w (whose row 0 is the log's row first). */
int evs_window_prepare(struct eng *g, const struct blog *w, size_t first,
                       struct ope_error *err)
{
    struct ssrc *s = g->self;
    evs_window_release(g);
    double **qhat = g->need_model ? w->qhat : NULL;
    if (g->need_model && s->fit) {
        if (window_model(g, w, first, err) != 0)
            return -1;
        qhat = s->qhat;
    }
    for (size_t p = 0; p < g->n_pol; p++) {
        if (evb_pol_in_build(w, qhat, g->pol[p], g->o->threads, &s->pin[p], err) != 0)
            return -1;
        evb_in_of(w, &s->pin[p], &s->in[p]);
        s->in[p].row0 = first;
        s->in[p].qhat_pi_infl = s->fit && s->infl ? s->infl[p] : NULL;
    }
    return 0;
}

/* The next window of a pass, checked to continue the rows read so far (*rows) on a
 * chunk boundary. 1, 0 (end of the pass) or -1 with err. */
int evs_next_window(struct eng *g, const struct blog **w, size_t *first, size_t *rows,
                    struct ope_error *err)
{
    const struct eng_windows *win = ((struct ssrc *)g->self)->win;
    int rc = win->next(win->ctx, w, first, err);
    if (rc != 1)
        return rc;
    /* The chunks are counted from this process's first row (a shard of --save-state
     * may start anywhere: its sums then merge to rounding, not to the bits). */
    if (*first != *rows || (*first - ((struct ssrc *)g->self)->row0) % ACC_CHUNK != 0)
        return ope_fail(err, OPE_EUSAGE, "%s: a window starts at row %zu, but %zu rows were "
                        "read before it (windows are consecutive and start on a multiple of "
                        "%d rows)", evs_path(g), *first, *rows, ACC_CHUNK);
    if ((int)(*w)->n_actions != ((struct ssrc *)g->self)->n_actions ||
        (*w)->n_policies != ((struct ssrc *)g->self)->n_policies)
        return ope_fail(err, OPE_EDATA, "%s: the window at row %zu has other actions or "
                        "policies than the first", evs_path(g), *first);
    *rows += (*w)->n;
    if (ope_progress_cancelled(g->o->progress))
        return ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
    return 1;
}

int evs_rewind(struct eng *g, struct ope_error *err)
{
    const struct eng_windows *win = ((struct ssrc *)g->self)->win;
    return win->rewind(win->ctx, err);
}

int evs_each_window(struct eng *g, const char *pass, const char *reading,
                    int (*fn)(struct eng *g, const struct blog *w, size_t first, void *ctx,
                              struct ope_error *err),
                    void *ctx, struct ope_error *err)
{
    struct ssrc *s = g->self;
    const struct blog *w;
    size_t first, at = s->row0;
    int r;
    if (evs_rewind(g, err) != 0)
        return -1;
    while ((r = evs_next_window(g, &w, &first, &at, err)) == 1) {
        /* The first pass does not know its rows yet: no fraction then. */
        ope_progress_report(g->o->progress, reading ? (double)(at - s->row0) /
                            (double)(s->local_rows ? s->local_rows : 1) : 0.0, pass);
        if ((!s->fitting && evs_window_prepare(g, w, first, err) != 0)
            || fn(g, w, first, ctx, err) != 0)
            return -1;
    }
    if (r < 0)
        return -1;
    if (!reading)
        s->local_rows = at - s->row0;
    else if (at - s->row0 != s->local_rows)
        return ope_fail(err, OPE_EDATA, "%s: %zu rows on a %s reading, %zu on the first: "
                        "the log changed while it was evaluated", evs_path(g),
                        at - s->row0, reading, s->local_rows);
    return 0;
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
            char *why = s->why + k * EVS_WHY;
            if (!s->applies[k] || !sp->d->applies)
                continue;
            if (sp->d->applies_fold) {
                double *acc = s->app_acc + k * EST_APPLIES_ACC;
                s->applies[k] = sp->d->applies_fold(&s->in[p], sp->param, acc, why, EVS_WHY);
            } else {
                char w[EVS_WHY] = "";
                s->applies[k] = sp->d->applies(&s->in[p], sp->param, w, EVS_WHY);
                if (!s->applies[k] || first_window)
                    memcpy(why, w, EVS_WHY);
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

/* The pass-1 state being folded (evs_pass1). */
struct pass1_ctx {
    struct acc_state *st;
    struct ope_sum *rsum;
};

/* One window of pass 1 (evs_each_window) folded into the pass-1 state (ctx's and the
 * source's fields). 0, or -1 with err. */
static int pass1_window(struct eng *g, const struct blog *w, size_t first, void *ctx,
                        struct ope_error *err)
{
    struct ssrc *s = g->self;
    struct pass1_ctx *c = ctx;
    if (accumulate_window(g, w, first, c->st, err) != 0)
        return -1;
    for (size_t p = 0; g->o->ci == CI_CS && p < g->n_pol; p++)
        s->wmax[p] = evb_weight_bound(w, g->pol[p], s->wmax[p]);
    evb_reward_minmax(w, &s->rmin, &s->rmax);
    for (size_t i = 0; i < w->n; i++)
        ope_sum_add(c->rsum, w->reward[i]);
    if (diag_support_add_blog(&s->support, w, err) != 0)
        return -1;
    applies_add(g, first == s->row0);
    return 0;
}

static int evs_pass1(struct eng *g, struct res_eval *r, struct eng_sums *x,
                     struct ope_error *err)
{
    struct ssrc *s = g->self;
    struct acc_state st;
    memset(&st, 0, sizeof st);
    struct ope_sum rsum;
    ope_sum_init(&rsum);
    s->rmin = INFINITY;
    s->rmax = -INFINITY;
    size_t rows = 0;
    if (s->sums_merge) {
        /* ope merge: the parts of the sums round in row order, as the ranks' would be. */
        if (evs_sums_merge_parts(g, &st, &rsum, &rows, err) != 0)
            goto fail;
    } else if (s->sums) {
        /* A shard given the whole log's sums, or the merge of its contributions. */
        if (evs_sums_load(g, &st, &rsum, &rows, err) != 0)
            goto fail;
    } else if (s->merge) {
        /* ope merge: the shards' states in row order, as the ranks' would be. */
        if (evs_merge_states(g, &st, &rsum, &rows, err) != 0)
            goto fail;
    } else {
        struct pass1_ctx pc = { &st, &rsum };
        int rc = evs_each_window(g, "pass 1", NULL, pass1_window, &pc, err);
        evs_window_release(g);
        rows = s->local_rows;
        /* Several ranks: the whole log's state from every rank's. */
        if (evs_share_pass1(g, rc, &st, &rsum, &rows, err) != 0)
            goto fail;
    }
    /* (a shard given the sums reads its rows first in pass 2, and checks them there) */
    if ((!s->sums || s->merge) && s->win->pass1_done &&
        s->win->pass1_done(s->win->ctx, err) != 0)
        goto fail;
    if (s->sums_merge) {
        s->saved = 1;           /* the round's block is in s->save: eng_run stops */
        goto fail;
    }
    if (s->save && s->sums_part) {
        /* --ci hoeffding, bernstein: this shard's part of the sums round. */
        if (evs_sums_save_part(g, &st, &rsum, rows, err) == 0)
            s->saved = 4;
        goto fail;
    }
    if (s->save && !s->sums) {
        /* --save-state: this shard's state instead of a result (eng_run then stops). */
        if (evs_save(g, &st, &rsum, rows, err) == 0)
            s->saved = 1;
        goto fail;
    }
    if (rows < 2) {
        ope_fail(err, OPE_EDATA, "%s: %zu row(s); at least 2 are needed to evaluate",
                 evs_path(g), rows);
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
                                            s->why + k * EVS_WHY, EVS_WHY);
    }
    return 0;
fail:
    acc_release(&st);
    return -1;
}

/* ---- the source ------------------------------------------------------------------- */

static int s_check(struct eng *g, struct ope_error *err)
{
    const struct ssrc *s = g->self;
    if (evs_share_refuse(g, err) != 0)
        return -1;
    if (s->save || s->merge) {
        const char *what = !s->merge ? "--save-state" : "ope merge";
        if (g->o->ci == CI_CS)
            return ope_fail(err, OPE_EUSAGE, "%s: --ci cs folds every row in order in one "
                            "process, so a shard's state cannot carry it: choose --ci bootstrap "
                            "or t, or evaluate the whole log in one run", what);
        /* A shard finds the whole log's sums in a round (evstream_sums.c), in the fit's
         * loop; its states merge only with them. */
        int sums = g->o->ci == CI_HOEFFDING || g->o->ci == CI_BERNSTEIN;
        if (sums && !s->merge && !s->fit_rounds)
            return ope_fail(err, OPE_EUSAGE, "--ci %s: a shard forms its rows' contributions "
                            "at the whole log's sums, which the shards find together in a "
                            "round of their own: give every shard --model-state FIT (ope help "
                            "merge shows the loop); or use --ci bootstrap or t, or evaluate "
                            "the whole log with --stream or under mpirun",
                            ci_method_name((enum ci_method)g->o->ci));
        if (sums && s->merge && !s->sums && !s->sums_merge)
            return ope_fail(err, OPE_EUSAGE, "%s: --ci %s: the states merge only with the "
                            "whole log's sums their shards were given: give ope merge "
                            "--model-state FIT (the one the shards were given)", what,
                            ci_method_name((enum ci_method)g->o->ci));
    }
    if (s->n_policies == 0)
        return ope_fail(err, OPE_EUSAGE, "%s: the log has no evaluation policy columns "
                        "(pi.NAME.A); add them, or name the columns with --policy-columns",
                        evs_path(g));
    for (size_t e = 0; e < g->o->n_spec; e++) {
        /* A fit that holds only the sums of shards evaluated without a model: the
         * model's passes come first, so a model's part could never join it. */
        if (g->o->spec[e].d->needs_model && !s->has_qhat && s->save && !s->merge &&
            s->sums && !s->shard_fit)
            return ope_fail(err, OPE_EUSAGE, "%s: '%s' needs a reward model, and the fit's "
                            "state holds the whole log's sums of shards evaluated without "
                            "one (a model's passes come before the sums round): start a new "
                            "fit for these estimators (another --model-state file)",
                            evs_path(g), g->o->spec[e].label);
        if (g->o->spec[e].d->needs_model && !s->has_qhat && s->save && !s->merge &&
            !s->fit_rounds)
            return ope_fail(err, OPE_EUSAGE, "%s: '%s' needs a reward model, which the shards "
                            "fit together in rounds (the fit needs the whole log's sums "
                            "before any row is evaluated): give every shard --model-state "
                            "FIT (ope help merge shows the rounds), or give the log "
                            "qhat.* columns, or choose estimators without a model (ipw, "
                            "snipw, sg-ipw, rm)", evs_path(g), g->o->spec[e].label);
    }
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
    s->why = ope_calloc(n_pe * EVS_WHY + 1, 1, err);
    s->app_acc = ope_calloc(n_pe * EST_APPLIES_ACC + 1, sizeof *s->app_acc, err);
    if (!s->wmax || !s->pin || !s->in || !s->col || !s->applies || !s->why || !s->app_acc)
        return -1;
    for (size_t k = 0; k < n_pe; k++)
        s->applies[k] = 1;
    if (g->need_model && !s->has_qhat && !s->merge) {
        /* No qhat.* columns: fit the model in passes of its own (rmstream.h), with dm's
         * influence for the evaluated policies when an estimator carries it. */
        int want = 0;
        for (size_t e = 0; e < g->o->n_spec; e++)
            want |= g->o->spec[e].d->model_infl;
        if (!(s->fit = rms_new(&g->o->model, s->n_actions, g->pol, want ? g->n_pol : 0,
                               g->path, s->save ? RMS_SHARD : RMS_STREAM, err)))
            return -1;
    } else if (g->need_model && s->fit_hex[0]) {
        r->model = s->fit_report;       /* shards evaluated with a model fitted in rounds */
    } else if (g->need_model) {
        snprintf(r->model.kind, sizeof r->model.kind, "qhat-columns");
    }
    return 0;
}

/* One window of a reward model's pass (evs_each_window with s->fitting). ctx: NULL, or
 * the rows at the pass's start to pass over (size_t *: the rows the model's copy gave
 * before it failed a read). */
static int fit_window(struct eng *g, const struct blog *w, size_t first, void *ctx,
                      struct ope_error *err)
{
    size_t *skip = ctx;
    if (skip && *skip) {
        if (w->n > *skip)
            return ope_fail(err, OPE_ESOFTWARE, "%s: a window across the rows the reward "
                            "model's copy gave", evs_path(g));
        *skip -= w->n;
        return 0;
    }
    if (evs_fit_window(g, &w, err) != 0)
        return -1;
    return rms_window(((struct ssrc *)g->self)->fit, w, first, err);
}

/* A shard fitting the model in rounds (evstream_fit.c): the fit's passes so far
 * replayed; then, unless the model is fitted, the next pass over the shard's rows, saved
 * as its part (saved 2), and the evaluation stops (-1). 0: fitted, evaluate. */
static int fit_round(struct eng *g, struct res_eval *r, struct ope_error *err)
{
    struct ssrc *s = g->self;
    if (evs_fit_replay(g, err) != 0)
        return -1;
    const char *pass = rms_next_pass(s->fit);
    if (!pass) {
        rms_report(s->fit, &r->model);
        s->fit_report = r->model;
        s->fit_opts = g->o->model;
        return 0;
    }
    s->fitting = 1;
    int rc = evs_each_window(g, pass, NULL, fit_window, NULL, err);
    s->fitting = 0;
    if (rc == 0 && evs_fit_save_part(g, err) == 0)
        s->saved = 2;
    return -1;
}

/* The reward model's passes (rmstream.h), before pass 1. 0, or -1 with err. */
static int fit_model(struct eng *g, struct res_eval *r, struct ope_error *err)
{
    struct ssrc *s = g->self;
    const char *pass;
    int first = 1;
    if (s->save)
        return fit_round(g, r, err);
    s->fitting = 1;
    while ((pass = rms_next_pass(s->fit)) != NULL) {
        /* The first pass reads the log and copies the model's columns; the others read
         * that copy, but for dm's gradient, which reads the policies too. */
        size_t done = 0;
        int copy = rms_cached(s->fit);
        int rc = copy ? rms_cache_pass(s->fit, g->o->progress, pass, &done, err)
                      : evs_each_window(g, pass, first ? NULL : pass, fit_window, NULL, err);
        if (rc < 0 && copy && err->status == OPE_ENOINPUT && !rms_cached(s->fit)) {
            /* The copy failed a read ($TMPDIR's I/O): the rest of the pass from the log,
             * which the copy's rows came from, then every pass from it. */
            if (s->win->copy_failed) {
                s->win->copy_failed(s->win->ctx, err->msg);
                rc = 0;
            } else {
                rc = res_warn(r, NULL, "%s: its passes read the log again from there",
                              err->msg) != 0 ? ope_fail_oom(err) : 0;
            }
            if (rc == 0) {
                ope_error_clear(err);
                rc = evs_each_window(g, pass, pass, fit_window, &done, err);
            }
        }
        /* Several ranks: the whole log's sums of the pass from every rank's. */
        if (evs_share_fit(g, rc, s->fit, err) != 0 || rms_pass_done(s->fit, err) != 0) {
            s->fitting = 0;
            return -1;
        }
        first = 0;
    }
    s->fitting = 0;
    rms_report(s->fit, &r->model);
    return 0;
}

static int s_gather(struct eng *g, struct res_eval *r, struct eng_sums *x, struct eng_res *es,
                    struct eng_pol *ps, struct ope_error *err)
{
    if (((struct ssrc *)g->self)->fit && fit_model(g, r, err) != 0)
        return -1;
    if (evs_pass1(g, r, x, err) != 0 || evs_pass2(g, x, es, ps, err) != 0)
        return -1;
    return ((struct ssrc *)g->self)->merge && evs_merge_warn(g, r) != 0 ? ope_fail_oom(err) : 0;
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
    .diff_stats = evs_diff_stats,
};

/* What the first window says of the log: its policies' names, actions, and whether it
 * has qhat.* and q.* columns (across ranks: the first rank's with rows). */
static int s_open(struct ssrc *s, struct ope_error *err)
{
    if (s->merge)
        return evs_merge_open(s, err);
    const struct blog *w = NULL;
    size_t first;
    int rc = s->win->rewind(s->win->ctx, err) != 0 ? -1 : s->win->next(s->win->ctx, &w,
                                                                         &first, err);
    if (rc == 1) {
        s->n_policies = w->n_policies;
        s->n_actions = w->n_actions;
        s->has_qhat = w->qhat != NULL;
        s->has_q = w->q != NULL;
        s->names = ope_calloc(w->n_policies + 1, sizeof *s->names, err);
        for (size_t q = 0; s->names && q < w->n_policies; q++)
            if (!(s->names[q] = ope_strdup(w->policy[q].name ? w->policy[q].name : "", err)))
                rc = -1;
        if (!s->names)
            rc = -1;
    }
    if ((rc = evs_share_open(s, rc, err)) < 0)
        return -1;
    if (rc == 0)
        return ope_fail(err, OPE_EDATA, "%s: 0 row(s); at least 2 are needed to evaluate",
                        s->win->path ? s->win->path : "log");
    return 0;
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
    evs_merged_free(s->merged);
    evs_pairs_free(s->pairs, s->n_merge);
    blog_matrix_free(s->qhat, s->n_actions);
    blog_matrix_free(s->infl, (int)s->n_infl + 1);
    rms_free(s->fit);
    evs_fit_release(s);
    strbuf_release(&s->share_pay);
    strbuf_release(&s->share_sealed);
    strbuf_release(&s->share_all);
}

/* eval_bandit_stream, eval_bandit_stream_save (state) and eval_bandit_merge (states). */
/* sums: the whole log's sums (a shard's contributions, or their merge); sums_merge: the
 * states are the sums round's parts, merged into state. */
static struct res_eval *stream_run(const struct eng_windows *win, const struct eval_opts *o,
                                   int fit_rounds, const struct eval_fit *fit,
                                   const struct eval_sums *sums, int sums_merge,
                                   struct strbuf *state, struct strbuf *settings,
                                   struct sf_state *const *states, const uint64_t *rows,
                                   size_t n_states, int *saved, struct ope_error *err)
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
    s.row0 = win->row0;
    s.fit_rounds = fit_rounds;
    s.shard_fit = fit;
    strbuf_init(&s.part_levels);
    strbuf_init(&s.share_pay);
    strbuf_init(&s.share_sealed);
    strbuf_init(&s.share_all);
    s.save = state;
    s.save_settings = settings;
    s.merge = states;
    s.merge_rows = rows;
    s.n_merge = n_states;
    s.sums = sums;
    s.sums_merge = sums_merge;
    /* --ci hoeffding, bernstein: a shard without the whole log's sums saves its part of
     * the round that finds them. */
    s.sums_part = state && !states && !sums &&
                  (o->ci == CI_HOEFFDING || o->ci == CI_BERNSTEIN);
    g.kind = &stream_kind;
    g.self = &s;
    g.path = win->path;
    struct res_eval *r = NULL;
    if (s_open(&s, err) == 0) {
        g.n_log_policies = s.n_policies;
        r = eng_run(&g, o, err);
    }
    /* 3: the evaluation's state, with a model fitted in rounds */
    *saved = s.saved == 1 && s.fit_hex[0] && !sums_merge ? 3 : s.saved;
    ssrc_release(&s);
    if (r)
        ope_progress_report(o->progress, 1.0, "done");
    return r;
}

struct res_eval *eval_bandit_stream(const struct eng_windows *win, const struct eval_opts *o,
                                    struct ope_error *err)
{
    int saved;
    return stream_run(win, o, 0, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0, &saved, err);
}

int eval_bandit_stream_save(const struct eng_windows *win, const struct eval_opts *o,
                            int fit_rounds, const struct eval_fit *fit,
                            const struct eval_sums *sums, struct strbuf *state,
                            struct strbuf *settings, int *part, struct ope_error *err)
{
    int saved = 0;
    struct res_eval *r = stream_run(win, o, fit_rounds, fit, sums, 0, state, settings, NULL,
                                    NULL, 0, &saved, err);
    res_eval_free(r);           /* not reached: the engine stops after the save */
    if (!saved)
        return -1;
    /* (saved: 2 a fit's part, 3 with the fitted model, 4 the sums' part, 5 the
     * contributions at the sums) */
    *part = saved == 2 ? 1 : saved == 3 ? 2 : saved == 4 ? 3 : saved == 5 ? 4 : 0;
    memset(err, 0, sizeof *err);
    ope_progress_report(o->progress, 1.0, "done");
    return 0;
}

struct res_eval *eval_bandit_merge(const struct eng_windows *win, struct sf_state *const *states,
                                   const uint64_t *rows, size_t n, const struct eval_opts *o,
                                   const struct eval_sums *sums, struct ope_error *err)
{
    int saved;
    if (n == 0) {
        ope_fail(err, OPE_EUSAGE, "no state to merge");
        return NULL;
    }
    return stream_run(win, o, 0, NULL, sums, 0, NULL, NULL, states, rows, n, &saved, err);
}

int eval_bandit_sums_merge(const struct eng_windows *win, struct sf_state *const *states,
                           const uint64_t *rows, size_t n, const struct eval_opts *o,
                           struct strbuf *out, struct ope_error *err)
{
    int saved = 0;
    if (n == 0)
        return ope_fail(err, OPE_EUSAGE, "no state to merge");
    struct res_eval *r = stream_run(win, o, 0, NULL, NULL, 1, out, NULL, states, rows, n,
                                    &saved, err);
    res_eval_free(r);           /* not reached: the engine stops after the merge */
    if (!saved)
        return -1;
    memset(err, 0, sizeof *err);
    return 0;
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
