/* estimators/evaluate_traj_stream.c: the trajectory log read in windows, as a source
 * of the evaluation driver that gathers everything in one pass; the same gathered
 * "part" saved as a shard's state, merged from the shards' states, and merged across
 * MPI ranks (see the header). */
#include "config.h"
#include "estimators/evaluate_traj_stream.h"
#include "estimators/evtraj.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/logrange.h"
#include "estimators/accum.h"
#include "estimators/engine.h"
#include "estimators/lintab.h"
#include "estimators/evaluate_stream.h"
#include "estimators/traj.h"
#include "estimators/trajboot.h"
#include "estimators/trajret.h"
#include "estimators/vmodel.h"
#include "ope/base/comm.h"
#include "ope/base/json.h"
#include "ope/base/progress.h"
#include "ope/base/statefile.h"
#include "ope/base/strbuf.h"
#include "ope/base/sum.h"
#include "ope/base/tmpfile.h"

/* Whether some estimator of o uses the value model (dm, dr, wdr). */
static int uses_model(const struct eval_opts *o)
{
    for (size_t e = 0; e < o->n_spec; e++)
        if (o->spec[e].d->kind == EST_TRAJ && o->spec[e].d->needs_model)
            return 1;
    return 0;
}

/* Whether some estimator of o re-estimates a tabular model of its own (mis's ratios). */
static int uses_ratios(const struct eval_opts *o)
{
    for (size_t e = 0; e < o->n_spec; e++)
        if (o->spec[e].d->kind == EST_TRAJ && !o->spec[e].d->needs_model &&
            o->spec[e].d->traj_resample)
            return 1;
    return 0;
}

int eval_traj_stream_again(int ci)
{
    return ci == CI_T || ci == CI_HOEFFDING || ci == CI_BERNSTEIN;
}

int eval_traj_stream_rereads(const struct eval_opts *o)
{
    return eval_traj_stream_again(o->ci) || uses_model(o) || uses_ratios(o);
}

int eval_traj_stream_refuse(const struct eval_opts *o, const struct traj_opts *to, int shard,
                            struct ope_error *err)
{
    int kind = to ? to->vm.kind : VM_FQE;
    for (size_t e = 0; e < o->n_spec; e++) {
        const struct est_desc *d = o->spec[e].d;
        if (d->kind != EST_TRAJ || (!d->needs_model && !d->traj_resample))
            continue;
        if (shard == 1)
            return ope_fail(err, OPE_EUSAGE, "%s fits its %s on the whole trajectory log, "
                            "which one shard does not hold: the shards fit it together in a "
                            "round of their own, given --model-state FIT (ope help merge); or "
                            "evaluate the whole log with --stream or under mpirun",
                            o->spec[e].label, d->needs_model ? "value model" : "state ratios");
        if (shard && d->needs_model && (kind == VM_TD || kind == VM_GTD2))
            return ope_fail(err, OPE_EUSAGE, "%s: --value-model %s iterates over the log's "
                            "transitions in order, once per epoch (200), which shards cannot "
                            "do together: use --value-model lstd (the same fixed point, from "
                            "sums the shards add up), linear-fqe or fqe", o->spec[e].label,
                            vm_kind_name(kind));
    }
    const char *ci = ci_method_name((enum ci_method)o->ci);
    /* A trajectory log has no confidence sequence (their terms are not bounded means
     * of rows): read in windows it says so as the log in memory does, but a shard's
     * merge would only carry the refusal further. */
    if (o->ci == CI_CS && shard)
        return ope_fail(err, OPE_EUSAGE, "--ci cs: a trajectory log has no confidence "
                        "sequences (ope eval --ci cs on it says why): use --ci bootstrap or "
                        "none for shards, or t, hoeffding or bernstein given --model-state FIT "
                        "(ope help merge)");
    if (eval_traj_stream_again(o->ci) && shard == 1)
        return ope_fail(err, OPE_EUSAGE, "--ci %s: a trajectory log's shard forms its "
                        "episodes' contributions at the whole log's sums, which the shards "
                        "find together in a round of their own: give every shard "
                        "--model-state FIT (ope help merge shows the loop); or use --ci "
                        "bootstrap, or evaluate the whole log with --stream or under mpirun",
                        ci);
    return 0;
}

/* ---- the source ------------------------------------------------------------------- */

static int t_check(struct eng *g, struct ope_error *err)
{
    const struct tss *t = g->self;
    if (t->n_names == 0)
        return ope_fail(err, OPE_EUSAGE, "%s: the log has no evaluation policy columns "
                        "(pi.NAME.A)", t->path ? t->path : "log");
    return 0;
}

static int t_policy_index(struct eng *g, const char *name, struct ope_error *err)
{
    const struct tss *t = g->self;
    for (size_t p = 0; p < t->n_names; p++)
        if (strcmp(t->names[p], name) == 0)
            return (int)p;
    return ope_fail(err, OPE_EUSAGE, "no policy '%s' in %s", name,
                    t->path ? t->path : "the log");
}

static const char *t_policy_name(struct eng *g, size_t pol)
{
    return ((const struct tss *)g->self)->names[pol];
}

static void t_describe(struct eng *g, struct res_eval *r)
{
    const struct tss *t = g->self;
    r->kind = "trajectories";
    r->n_actions = t->n_actions;
    r->gamma = t->gamma;
}

static int t_setup(struct eng *g, struct res_eval *r, struct ope_error *err)
{
    (void)err;
    const struct tss *t = g->self;
    if (r && t->model)
        snprintf(r->model.kind, sizeof r->model.kind, "%s", vm_kind_name(t->to->vm.kind));
    return 0;
}

static size_t t_col(struct eng *g, size_t p, size_t e)
{
    const struct tss *t = g->self;
    return p * t->Wp + t->off[e];
}

static double t_value(struct eng *g, size_t p, size_t e, const double *sums, double n)
{
    const struct tss *t = g->self;
    const struct tpe *x = &t->pe[p * g->o->n_spec + e];
    return traj_value_sums(x->coef, x->K, sums, x->den ? sums + x->K : NULL, n);
}

static size_t t_baseline_col(struct eng *g)
{
    return ((const struct tss *)g->self)->base_col;
}

/* ---- one window --------------------------------------------------------------------- */

static int reserve(struct tss *t, const struct tlog *w, size_t W, struct ope_error *err)
{
    if (w->n_steps + 1 > t->cap_steps) {
        size_t n = w->n_steps + 1;
        free(t->w), free(t->rho), free(t->qa), free(t->v);
        t->w = ope_malloc(n * sizeof *t->w, err);
        t->rho = ope_malloc(n * sizeof *t->rho, err);
        t->qa = t->model ? ope_malloc(n * sizeof *t->qa, err) : NULL;
        t->v = t->model ? ope_malloc(n * sizeof *t->v, err) : NULL;
        t->cap_steps = t->w && t->rho && (!t->model || (t->qa && t->v)) ? n : 0;
        if (!t->cap_steps)
            return -1;
    }
    if (w->n_episodes + 1 > t->cap_eps) {
        size_t n = w->n_episodes + 1;
        free(t->ret), free(t->c), free(t->rowid);
        t->ret = ope_malloc(n * sizeof *t->ret, err);
        t->c = ope_malloc(n * sizeof *t->c, err);
        t->rowid = ope_malloc(n * sizeof *t->rowid, err);
        t->cap_eps = t->ret && t->c && t->rowid ? n : 0;
        if (!t->cap_eps)
            return -1;
    }
    size_t nS = w->n_episodes * W + 1;
    if (nS > t->cap_S) {
        free(t->S);
        t->cap_S = (t->S = ope_malloc(nS * sizeof *t->S, err)) ? nS : 0;
        if (!t->S)
            return -1;
    }
    return 0;
}

/* Copy the terms of one (policy, estimator) into columns col.. of the window's S and
 * keep their statistics. Returns 1 when every term is finite. */
static int keep_terms(struct tss *t, struct tpe *x, const struct traj_terms *tt, size_t col,
                      size_t n)
{
    size_t K = tt->K;
    int finite = 1;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < K; k++) {
            double a = tt->num[i * K + k], b = tt->den ? tt->den[i * K + k] : 0.0;
            finite &= isfinite(a) && isfinite(b);
            t->S[trajboot_at(n, i, col + k)] = a;
            if (tt->den)
                t->S[trajboot_at(n, i, col + K + k)] = b;
        }
    memcpy(x->coef, tt->coef, K * sizeof *x->coef);
    if (tt->den) {
        if (!t->no_comom)
            evtraj_comom_window(t, &x->z, tt);
    } else {
        traj_contrib(tt, t->c);
        ci_stats_acc_add(&x->c, t->c, n);
        for (size_t i = 0; i < n; i++)
            t->c[i] -= t->ret[i];
        ci_stats_acc_add(&x->lift, t->c, n);
    }
    return finite;
}

/* Episode e's discounted return, summed as tlog_mean_return sums it, and the sum of
 * its rewards' magnitudes in *abs_sum. */
static double episode_return(const struct tlog *w, size_t e, double gamma, double *abs_sum)
{
    struct ope_sum s;
    double disc = 1.0, ga = 0.0;
    ope_sum_init(&s);
    for (size_t i = w->ep_start[e]; i < w->ep_start[e + 1]; i++) {
        ope_sum_add(&s, disc * w->reward[i]);
        disc *= gamma;
        ga += fabs(w->reward[i]);
    }
    *abs_sum = ga;
    return ope_sum_value(&s);
}

/* The value model's rows of policy p on window w into in (none without a model). */
static int model_rows(struct eng *g, struct tss *t, const struct tlog *w, size_t p,
                      struct traj_in *in, struct ope_error *err)
{
    if (t->mis) {
        if (!w->state || (size_t)w->n_states > t->MS)
            return evtraj_changed(t, "a state the model's pass did not see", err);
        in->ratio = t->MW + p * (size_t)t->QT * t->MS;
        in->ratio_S = t->MS;
    }
    if (!t->model)
        return 0;
    if (t->lin) {
        if (lin_tab_rows(&t->lt, w, g->pol[p], t->LT + p * lin_tab_theta_size(&t->lt), t->qa,
                         t->v, err) != 0)
            return -1;
        in->qa = t->qa;
        in->v = t->v;
        return 0;
    }
    if (!w->state || (size_t)w->n_states > t->QS)
        return evtraj_changed(t, "a state the model's pass did not see", err);
    size_t A = (size_t)t->n_actions;
    vm_rows_from_table(w, g->pol[p], t->Q + p * (size_t)t->QT * t->QS * A, t->QS, t->qa, t->v);
    in->qa = t->qa;
    in->v = t->v;
    return 0;
}

/* Fold the window's episodes (global numbers first, first + 1, ...) into the part. */
static int window(struct eng *g, struct tss *t, const struct tlog *w, size_t first,
                  struct ope_error *err)
{
    size_t ns = g->o->n_spec, n = w->n_episodes, A = (size_t)t->n_actions;
    if (n == 0)
        return 0;
    if (w->n_actions != t->n_actions || w->n_policies != t->n_names)
        return ope_fail(err, OPE_ESOFTWARE, "a window of another shape");
    /* The part's horizon is its own episodes' (an MPI rank's part holds every N-th
     * window: a longer episode in another's is the merge's to lay out); after the
     * models' pass it is the whole log's from the first window on, so no layout grows
     * (wdr's last slot, V̂_0, is not a step's). A part with no window stays empty. */
    int modelled = t->model || t->mis, T = modelled ? t->QT : t->T;
    for (size_t e = 0; e < n; e++)
        if ((int)(w->ep_start[e + 1] - w->ep_start[e]) > T) {
            if (modelled)
                return evtraj_changed(t, "a longer episode than the model's pass read", err);
            T = (int)(w->ep_start[e + 1] - w->ep_start[e]);
        }
    if (reserve(t, w, 0, err) != 0 ||
        evtraj_support_grow(g, t, w->n_states > 0 ? (size_t)w->n_states : 1, err) != 0 ||
        (T != t->T && evtraj_layout(g, t, T, err) != 0) || reserve(t, w, t->W, err) != 0)
        return -1;
    if (t->to && t->to->returns &&
        traj_returns_add(t->to->returns, w, g->pol, t->gamma, first, err) != 0)
        return -1;
    for (size_t e = 0; e < n; e++) {
        double ga;
        t->ret[e] = episode_return(w, e, t->gamma, &ga);
        ope_sum_add(&t->ret_all, t->ret[e]);
        t->gmax = fmax(t->gmax, ga);
        t->rowid[e] = first + e;
    }
    for (size_t i = 0; i < w->n_steps; i++)
        t->seen[(w->state ? (size_t)w->state[i] : 0) * A + (size_t)w->action[i]] = 1;
    memset(t->S, 0, n * t->W * sizeof *t->S);
    int finite = 1;
    for (size_t p = 0; p < g->n_pol; p++) {
        size_t pol = g->pol[p];
        if (traj_weights(w, pol, t->w, t->rho, err) != 0)
            return -1;
        for (size_t e = 0; e < n; e++) {
            size_t end = w->ep_start[e + 1];
            diag_acc_add(&t->dg[p], end > w->ep_start[e] ? t->rho[end - 1] : 1.0);
        }
        for (size_t i = 0; i < w->n_steps; i++) {
            t->rho_max[p] = t->rho[i] > t->rho_max[p] ? t->rho[i] : t->rho_max[p];
            struct ope_sum *m = t->mass + (p * t->n_ctx + (w->state ? (size_t)w->state[i] : 0)) * A;
            for (size_t a = 0; a < A; a++)
                ope_sum_add(&m[a], w->policy[pol].prob[a][i]);
        }
        struct traj_in in = { w, pol, T, t->gamma, t->w, t->rho, NULL, NULL, NULL, NULL, 0 };
        if (model_rows(g, t, w, p, &in, err) != 0)
            return -1;
        for (size_t e = 0; e < ns; e++) {
            if (g->o->spec[e].d->traj_build(&in, g->o->spec[e].param, &t->terms[e], err) != 0)
                return -1;
            if (t->terms[e].K != t->pe[p * ns + e].K)
                return ope_fail(err, OPE_ESOFTWARE, "%s: %zu slots, laid out %zu",
                                g->o->spec[e].label, t->terms[e].K, t->pe[p * ns + e].K);
            finite &= keep_terms(t, &t->pe[p * ns + e], &t->terms[e], t_col(g, p, e), n);
            traj_terms_release(&t->terms[e]);
        }
    }
    for (size_t i = 0; i < n; i++)
        t->S[trajboot_at(n, i, t->base_col)] = t->ret[i];
    struct trajboot tb;
    if (trajboot_init_finite(&tb, t->S, n, t->W, finite, err) != 0)
        return -1;
    struct acc_source src = tb.src;
    src.rowid = t->rowid;
    if (acc_run(&t->acc, &src, g->o->seed, g->o->threads, NULL, err) != 0)
        return -1;
    t->episodes += n;
    t->steps += w->n_steps;
    return 0;
}

/* ---- the results ------------------------------------------------------------------ */

/* Whether estimator e's replicates are refitted on every resample (dm's value model,
 * mis's state ratios: the model pass's copies 1..B). */
static int refits(const struct eng *g, const struct tss *t, size_t e)
{
    const struct est_desc *d = g->o->spec[e].d;
    if (!d->traj_resample)
        return 0;
    return d->needs_model ? t->model && t->fq.R > 1 : t->mis && t->mt.R > 1;
}

static void results(struct eng *g, struct tss *t, const struct eng_sums *x, struct eng_res *es,
                    struct eng_pol *ps)
{
    size_t ns = g->o->n_spec, A = (size_t)t->n_actions;
    double n = (double)t->episodes;
    for (size_t p = 0; p < g->n_pol; p++) {
        diag_acc_result(&t->dg[p], &ps[p].w);
        ps[p].truth = t->to->truth ? t->to->truth[p] : NAN;
        struct ope_sum u;
        ope_sum_init(&u);
        for (size_t c = 0; c < t->n_ctx * A; c++)
            if (!t->seen[c])
                ope_sum_add(&u, ope_sum_value(&t->mass[p * t->n_ctx * A + c]));
        ps[p].unsupported = t->steps ? ope_sum_value(&u) / (double)t->steps : NAN;
        for (size_t e = 0; e < ns; e++) {
            struct tpe *xe = &t->pe[p * ns + e];
            struct eng_res *r = &es[p * ns + e];
            const double *sums = x->point + t_col(g, p, e);
            memset(r, 0, sizeof *r);
            r->s.applies = 1;
            size_t zero = 0;
            if (xe->den) {
                for (size_t k = 0; k < xe->K; k++)
                    zero += sums[xe->K + k] == 0.0;
                if (!t->no_comom)       /* else the second pass's (stats_pass) */
                    evtraj_ratio_stats(xe, sums, n, t->zs, &r->s.st, &r->s.lift_st);
            } else {
                ci_stats_acc_result(&xe->c, &r->s.st);
                ci_stats_acc_result(&xe->lift, &r->s.lift_st);
            }
            if (zero)
                snprintf(r->s.why, sizeof r->s.why, "a zero denominator (0/0): every "
                         "trajectory weight is 0 at %zu of its %zu self-normalised steps",
                         zero, xe->K);
            /* Every estimator but the direct method weights by the trajectory weights. */
            r->s.weighted = strcmp(g->o->spec[e].d->name, "dm") != 0;
            r->s.refit = refits(g, t, e);
            enum est_weights_only wo = g->o->spec[e].d->weights_only;
            if ((wo == EST_WEIGHTS_UNIT && !(ps[p].w.max > 0)) ||
                (wo == EST_WEIGHTS_STEP && !(t->rho_max[p] > 0))) {
                r->s.undefined = 1;
                snprintf(r->s.why, sizeof r->s.why, "every %s weight is 0 (the policy gives no "
                         "logged %s a positive probability: empty support)",
                         wo == EST_WEIGHTS_UNIT ? "trajectory" : "per-decision",
                         wo == EST_WEIGHTS_UNIT ? "trajectory" : "first step");
            }
            r->s.mean_w = ps[p].w.mean;
            r->s.max_w = ps[p].w.max;
            r->s.ess = ps[p].w.ess;
            r->value = r->s.undefined ? NAN : t_value(g, p, e, sums, n);
        }
    }
}

/* ---- gathering: windows, ranks, shards ------------------------------------------------ */

/* Every rank's bytes *mine (released here), in rank order, each handed to fold as a
 * reader named name, on every rank: the ranks' parts or statistics merged in the
 * order of the rows they read. rc: this rank's outcome so far. 0, or -1 with err. */
static int ranks_fold(struct strbuf *mine, const char *name, int rc,
                      int (*fold)(void *ctx, struct sf_state *st, struct ope_error *err),
                      void *ctx, struct ope_error *err)
{
    int ranks = comm_size();
    struct strbuf all = STRBUF_INIT;
    size_t *len = ope_calloc((size_t)ranks + 1, sizeof *len, err);
    if (rc == 0)
        rc = strbuf_failed(mine) ? ope_fail_oom(err) : len ? 0 : -1;
    if (comm_agree(rc, err) != 0 || comm_allgather(mine->buf, mine->len, &all, len, err) != 0)
        rc = -1;
    strbuf_release(mine);
    size_t at = 0;
    for (int r = 0; rc == 0 && r < ranks; at += len[r], r++) {
        struct sf_state st;
        sf_cursor(&st, all.buf + at, len[r], name, "");
        rc = fold(ctx, &st, err);
    }
    strbuf_release(&all);
    free(len);
    return rc;
}

/* The k-th window of a pass, into *w and *first: 1 when this process folds it, 2 when
 * it is another rank's (read all the same: every rank reads the whole log), 0 at the
 * log's end, -1 with err (also when cancelled). */
static int next_window(struct eng *g, struct tss *t, size_t k, const struct tlog **w,
                       size_t *first, struct ope_error *err)
{
    if (ope_progress_cancelled(g->o->progress))
        return ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
    int got = t->win->next(t->win->ctx, w, first, err), ranks = comm_size();
    if (got <= 0)
        return got;
    return ranks > 1 && !t->win->shared && (int)(k % (size_t)ranks) != comm_rank() ? 2 : 1;
}

/* One pass over the windows (next_window): fold(g, t, w, first, ctx, err) for each
 * window this process folds, first its first episode's number in the log (row0
 * added); *episodes counts the episodes of every window read, which must follow each
 * other. The models' pass, the estimators' and the contributions' are this loop.
 * 0, or -1 with err. */
int evtraj_pass_windows(struct eng *g, struct tss *t, size_t *episodes,
                        int (*fold)(struct eng *g, struct tss *t, const struct tlog *w,
                                    size_t first, void *ctx, struct ope_error *err),
                        void *ctx, struct ope_error *err)
{
    int rc = 0;
    for (size_t k = 0; rc == 0; k++) {
        const struct tlog *w;
        size_t first;
        int got = next_window(g, t, k, &w, &first, err);
        if (got <= 0)
            return got;
        if (first != *episodes)
            return evtraj_changed(t, "its episodes", err);
        *episodes += w->n_episodes;
        if ((got == 1 || t->fold_all) && w->n_episodes)
            rc = fold(g, t, w, t->win->row0 + first, ctx, err);
    }
    return rc;
}

/* tlog_check_range's rule, known only once the episodes are counted: a trajectory
 * weight past the limit makes the sums over `episodes` episodes with returns up to
 * gmax overflow. rho_max[p]: the largest of policy p. 0, or -1 with err (OPE_EDATA). */
static int range_check(struct eng *g, const struct tss *t, const double *rho_max,
                       double gmax, size_t episodes, struct ope_error *err)
{
    double lim = logrange_term_max(episodes) / gmax;
    for (size_t p = 0; p < g->n_pol; p++)
        if (!(rho_max[p] <= lim))
            return ope_fail(err, OPE_EDATA, "%s: policy '%s': a trajectory weight (the product "
                            "of pi/pscore over an episode's steps) reaches %.3g, which with "
                            "returns up to %g passes %.3g, past which the sums over %zu "
                            "episodes overflow double precision; check the pscores (in "
                            "memory, ope eval names the episode)", t->path ? t->path : "log",
                            t->names[g->pol[p]], rho_max[p], gmax, lim, episodes);
    return 0;
}

/* Across ranks, before their parts are exchanged: the range check over the whole log
 * (every rank's episodes, largest return and weights). A part past it holds sums that
 * overflowed, which the exchange would take for damage. 0, or -1 with err (the same on
 * every rank). */
static int ranks_range(struct eng *g, struct tss *t, struct ope_error *err)
{
    int ranks = comm_size();
    size_t P = g->n_pol, m = P + 2;
    double *mine = ope_malloc(m * sizeof *mine, err), *rho = ope_calloc(P + 1, sizeof *rho, err);
    size_t *len = ope_calloc((size_t)ranks + 1, sizeof *len, err);
    struct strbuf all = STRBUF_INIT;
    int rc = mine && rho && len ? 0 : -1;
    if (rc == 0) {
        /* The episodes this rank folded (a whole-log reader folds every N-th window). */
        mine[0] = (double)t->episodes;
        mine[1] = t->gmax;
        memcpy(mine + 2, t->rho_max, P * sizeof *mine);
    }
    if (comm_agree(rc, err) != 0 || comm_allgather(mine, m * sizeof *mine, &all, len, err) != 0)
        rc = -1;
    size_t episodes = 0;
    double gmax = 1.0;
    for (int r = 0; rc == 0 && r < ranks; r++) {
        const double *x = (const double *)all.buf + (size_t)r * m;
        episodes += (size_t)x[0];
        gmax = fmax(gmax, x[1]);
        for (size_t p = 0; p < P; p++)
            rho[p] = fmax(rho[p], x[2 + p]);
    }
    if (rc == 0)
        rc = range_check(g, t, rho, gmax, episodes, err);
    free(mine), free(rho), free(len);
    strbuf_release(&all);
    return rc;
}

/* The part whose bytes st holds (a rank's, a shard's) merged into t; want: the
 * episodes it must hold, or (uint64_t)-1 for any. 0, or -1 with err. */
static int merge_bytes(struct eng *g, struct tss *t, struct sf_state *st, uint64_t want,
                       struct ope_error *err)
{
    struct tss b;
    memset(&b, 0, sizeof b);
    b.shape = t->shape, b.n_actions = t->n_actions, b.no_comom = t->no_comom;
    b.model = t->model, b.mis = t->mis;     /* (the layout's horizon: the log's) */
    int rc = evtraj_part_init(g, &b, err) != 0 || evtraj_part_get(g, &b, st, err) != 0 ||
             sf_done(st, err) != 0 ? -1 : 0;
    if (rc == 0 && want != (uint64_t)-1 && b.episodes != want)
        rc = ope_fail(err, OPE_EDATA, "%s: damaged state: it holds %zu episodes, its header "
                      "%llu; make it again", st->name, b.episodes, (unsigned long long)want);
    if (rc == 0)
        rc = evtraj_part_merge(g, t, &b, err);
    evtraj_part_release(&b, g->n_pol, g->o->n_spec);
    free(b.zs), free(b.zd), free(b.zex);
    evtraj_comom_release(&b.wz);
    return rc;
}

/* A rank's part merged into the part so far (ranks_fold). */
struct part_fold {
    struct eng *g;
    struct tss *t;
};

static int fold_part(void *ctx, struct sf_state *st, struct ope_error *err)
{
    const struct part_fold *f = ctx;
    return merge_bytes(f->g, f->t, st, (uint64_t)-1, err);
}

/* A rank's episodes' returns appended to the returns so far (ranks_fold). */
static int fold_returns(void *ctx, struct sf_state *st, struct ope_error *err)
{
    return traj_returns_get(ctx, st, err) != 0 ? -1 : sf_done(st, err);
}

/* --risk: every rank's episodes' returns gathered on every rank, in the log's episode
 * order. 0, or -1 with err. */
static int gather_returns(const struct tss *t, int rc, struct ope_error *err)
{
    struct traj_returns *k = t->to ? t->to->returns : NULL;
    if (!k)
        return rc;
    if (comm_size() > 1) {
        struct strbuf mine = STRBUF_INIT;
        if (rc == 0)
            traj_returns_put(k, &mine);
        k->n = 0;
        rc = ranks_fold(&mine, "a rank's returns", rc, fold_returns, k, err);
    }
    return rc == 0 ? traj_returns_order(k, err) : -1;
}

/* Read the windows; under MPI each rank folds the windows of its own range of the log
 * (win->shared), or, reading the whole log (its checks and errors then the same on
 * every rank), every comm_size()-th window; the ranks' parts are merged in rank order
 * on every rank. */
static int fold_window(struct eng *g, struct tss *t, const struct tlog *w, size_t first,
                       void *ctx, struct ope_error *err)
{
    (void)ctx;
    return window(g, t, w, first, err);
}

static int read_windows(struct eng *g, struct tss *t, struct ope_error *err)
{
    int ranks = comm_size();
    if (t->to && t->to->returns) {
        traj_returns_release(t->to->returns);
        t->to->returns->P = g->n_pol;
    }
    int rc = evtraj_pass_windows(g, t, &t->read_episodes, fold_window, NULL, err);
    int modelled = t->model || t->mis;
    if (rc == 0 && modelled && !t->fit && t->read_episodes != t->model_episodes)
        rc = evtraj_changed(t, "its number of episodes", err);
    /* The ranks agree on the outcome (first_done does so itself, after the first pass:
     * the model's when there is one). */
    if (t->win->first_done && !modelled)
        rc = t->win->first_done(t->win->ctx, rc, err);
    else if (ranks > 1)
        rc = comm_agree(rc, err);
    if (ranks == 1 || rc != 0 || ranks_range(g, t, err) != 0)
        return ranks == 1 ? gather_returns(t, rc, err) : -1;
    if (gather_returns(t, 0, err) != 0)
        return -1;
    /* Every rank's part, in rank order, merged into an empty part on every rank. */
    struct strbuf mine = STRBUF_INIT;
    evtraj_part_put(g, t, &mine);
    evtraj_part_release(t, g->n_pol, g->o->n_spec);
    t->T = 0, t->Wp = t->W = t->base_col = 0, t->episodes = t->steps = 0, t->n_ctx = 0;
    rc = evtraj_part_init(g, t, err);
    struct part_fold pf = { g, t };
    return ranks_fold(&mine, "a rank's part", rc, fold_part, &pf, err);
}

/* The shards' states, in episode order, merged into t. */
static int read_states(struct eng *g, struct tss *t, struct ope_error *err)
{
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < t->n_merge; k++) {
        struct sf_state *st = t->merge[k];
        if (k > 0 && evtraj_open_get(t, st, 0, err) != 0)
            return -1;
        rc = merge_bytes(g, t, st, t->merge_rows[k], err);
    }
    return rc;
}

/* ---- the value model's pass --------------------------------------------------------- */

/* The ranks' model statistics (ranks_fold): the value model's tables, then mis's. */
struct model_fold {
    const struct eng *g;
    struct tss *t;
    struct fqe_tab *fq;
    struct lin_tab *lt;
    struct mis_tab *mt;
};

static int fold_model(void *ctx, struct sf_state *st, struct ope_error *err)
{
    const struct model_fold *f = ctx;
    return evtraj_model_fold(f->g, f->t, f->fq, f->lt, f->mt, st, err);
}

/* One window's episodes into the models' statistics: every policy's action ratios
 * first (mis), the layout, then the counts of every copy (on threads, each its own
 * copies). */
static int model_window(struct eng *g, struct tss *t, const struct tlog *w, size_t first,
                        void *ctx, struct ope_error *err)
{
    (void)ctx;
    t->model_steps += w->n_steps;
    if (t->mis) {
        if (w->n_steps + 1 > t->cap_wall) {
            free(t->wall);
            size_t n = w->n_steps + 1;
            t->cap_wall = (t->wall = ope_malloc(g->n_pol * n * sizeof *t->wall, err)) ? n : 0;
            if (!t->wall)
                return -1;
        }
        if (reserve(t, w, 0, err) != 0)
            return -1;
        for (size_t p = 0; p < g->n_pol; p++)
            if (traj_weights(w, g->pol[p], t->wall + p * t->cap_wall, t->rho, err) != 0)
                return -1;
    }
    uint64_t gi0 = (uint64_t)first;
    if (t->lin) {
        if (!t->lt.m.s && evtraj_model_lin_init(g, t, &t->lt, w->n_features, err) != 0)
            return -1;
        /* In the accumulator's chunks of the log's episodes (from multiples of
         * ACC_CHUNK), as the log in memory sums them: a rank's range that starts inside
         * one sums its part of it apart, and only that chunk's sum differs by rounding. */
        for (size_t e0 = 0, e1; e0 < w->n_episodes; e0 = e1) {
            e1 = e0 + (ACC_CHUNK - (size_t)((gi0 + e0) % ACC_CHUNK));
            e1 = e1 < w->n_episodes ? e1 : w->n_episodes;
            if (lin_tab_add(&t->lt, w, e0, e1, err) != 0)
                return -1;
        }
    } else if (t->model) {
        for (size_t e = 0; e < w->n_episodes; e++)
            if (fqe_tab_prepare(&t->fq, w, e, gi0 + e, err) != 0)
                return -1;
        if (fqe_tab_count_window(&t->fq, w, gi0, g->o->seed, g->o->threads, err) != 0)
            return -1;
    }
    if (t->mis) {
        for (size_t e = 0; e < w->n_episodes; e++)
            if (mis_tab_prepare(&t->mt, w, e, err) != 0)
                return -1;
        if (mis_tab_count_window(&t->mt, w, t->wall, t->cap_wall, gi0, g->o->seed,
                                 g->o->threads, err) != 0)
            return -1;
    }
    return 0;
}

/* The models of a log read in windows, fitted before the estimators' pass as the log
 * in memory fits them: dm, dr and wdr's value model (vm_fqe_tabular) and mis's state
 * ratios. One pass gathers their statistics (fqetab.h, mistab.h) -- with the
 * bootstrap, dm's and mis's for every resample too, each episode counted as often as
 * its Poisson count keyed by (seed, episode, replicate) -- and each policy's model is
 * solved from them. Under MPI each rank gathers its windows and the statistics are
 * merged in rank order on every rank. Then the log is rewound for the estimators'
 * pass. 0, or -1 with err. */
static int model_pass(struct eng *g, struct tss *t, struct ope_error *err)
{
    size_t A = (size_t)t->n_actions;
    int fqe = t->model && !t->lin;
    if (evtraj_model_init(g, t, &t->fq, &t->mt, err) != 0)
        return -1;
    int rc = evtraj_pass_windows(g, t, &t->model_episodes, model_window, NULL, err);
    free(t->wall);
    t->wall = NULL, t->cap_wall = 0;
    /* A shard fitting its models with the others saves its tables (t_gather). */
    if (t->fit_part)
        return rc;
    /* The ranks agree on the first pass's outcome (first_done does so itself). */
    if (t->win->first_done)
        rc = t->win->first_done(t->win->ctx, rc, err);
    else if (comm_size() > 1)
        rc = comm_agree(rc, err);
    if (rc == 0 && comm_size() > 1) {
        /* Every rank gathers every rank's tables and merges them into a table of its
         * own: MPI moves at most 2 GB at once, and the budget holds all of them. */
        int ranks = comm_size();
        size_t mb = g->o->model.max_bytes, Rf = t->fq.R ? t->fq.R : 1, Rm = t->mt.R;
        /* The ranks' tables differ in width (the states each saw): their bytes on the
         * wire is what moves (mis's without its zero cells), and every rank holds them
         * beside its own and the merged tables (mis's dense). */
        double fl = (fqe ? fqe_tab_bytes(Rf, A, g->n_pol, t->fq.S) : 0.0) +
                    (t->lin ? lin_tab_wire_bytes(&t->lt) : 0.0);
        double wire = fl + (t->mis ? mis_tab_wire_bytes(&t->mt) : 0.0);
        double each = fl + (t->mis ? mis_tab_bytes(g->n_pol, Rm, t->mt.S, t->mt.T) : 0.0);
        uint64_t before = 0, total = 0;
        rc = comm_exscan_u64((uint64_t)wire, &before, &total, err);
        const char *fix = Rf > 1 || Rm > 1 ? "use fewer replicates (--n-boot) or --ci t, or "
                                             "run on fewer ranks"
                                           : "evaluate fewer policies (--policy), or run on "
                                             "fewer ranks";
        if (rc == 0 && total > (uint64_t)INT32_MAX)
            rc = ope_fail(err, OPE_EDATA, "%s: the models' tables of %d ranks take %.1f MB, "
                          "past the 2 GB MPI moves at once: %s", t->path ? t->path : "log",
                          ranks, (double)total / 1048576.0, fix);
        else if (rc == 0 && mb && (double)total + 2 * each > (double)mb)
            rc = ope_fail(err, OPE_EDATA, "%s: the models' tables of %d ranks, gathered and "
                          "merged on every rank, take %.1f MB, past the memory budget of "
                          "%.1f MB: %s", t->path ? t->path : "log", ranks,
                          ((double)total + 2 * each) / 1048576.0, (double)mb / 1048576.0, fix);
        struct strbuf mine = STRBUF_INIT;
        if (rc == 0)
            evtraj_model_put(t, &mine);
        struct fqe_tab fq;
        struct lin_tab lt;
        struct mis_tab mt;
        memset(&fq, 0, sizeof fq);
        memset(&lt, 0, sizeof lt);
        memset(&mt, 0, sizeof mt);
        if (rc == 0)
            rc = evtraj_model_init(g, t, &fq, &mt, err);
        struct model_fold f = { g, t, &fq, &lt, &mt };
        rc = ranks_fold(&mine, "a rank's models", rc, fold_model, &f, err);
        fqe_tab_release(&t->fq);
        lin_tab_release(&t->lt);
        mis_tab_release(&t->mt);
        t->fq = fq;
        t->lt = lt;
        t->mt = mt;
    }
    if (rc != 0 || evtraj_model_solve(g, t, err) != 0 || (t->td && evtraj_td_fit(g, t, err)))
        return -1;
    return t->win->rewind(t->win->ctx, err);
}

/* eng_kind.refit: dm's value on every resample from its own model, mis's from its own
 * ratios: the model pass's copy 1 + b. */
static int t_refit(struct eng *g, double *vals, struct ope_error *err)
{
    struct tss *t = g->self;
    size_t ns = g->o->n_spec;
    int any = 0;
    for (size_t e = 0; e < ns; e++)
        any |= refits(g, t, e);
    if (!any)
        return 0;
    size_t sn = (t->model && !t->lin ? fqe_tab_scratch(&t->fq) : 0) + 2 * t->mt.S + 1;
    double *scratch = ope_malloc(sn * sizeof *scratch, err);
    if (!scratch)
        return -1;
    for (size_t p = 0; p < g->n_pol; p++) {
        if (ope_progress_cancelled(g->o->progress)) {
            free(scratch);
            return ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
        }
        for (size_t e = 0; e < ns; e++) {
            int fq = g->o->spec[e].d->needs_model;
            for (size_t b = 0; refits(g, t, e) && b < g->B; b++)
                vals[(p * ns + e) * g->B + b] =
                    fq ? fqe_tab_solve(&t->fq, 1 + b, p, t->gamma, NULL, scratch)
                       : mis_tab_solve(&t->mt, p, 1 + b, t->gamma, NULL, scratch);
        }
    }
    free(scratch);
    return 0;
}

/* ---- passes over the log again: contributions given the finished sums ------------- */

/* What a pass hands every window's contributions to: C[k * n + i], k = p * n_spec + e
 * for the (policy, estimator)s it needs, the window's returns in t->ret. */
struct cpass {
    const unsigned char *need;      /* [n_pol * n_spec] */
    struct ci_stats_acc *acc;       /* [2 n_pol n_spec] each needed one's statistics and
                                     * those of contribution minus return */
    const struct res_diff *d;       /* the differences' pairs */
    size_t n_d;
    struct ci_stats_acc *dacc;      /* [n_d] */
};

int evtraj_changed(const struct tss *t, const char *what, struct ope_error *err)
{
    return ope_fail(err, OPE_EDATA, "%s: " EVAL_TRAJ_CHANGED " (%s); a streamed "
                    "trajectory log is read again (for the value model of dm, dr and wdr, and "
                    "for --ci t, hoeffding or bernstein) and must not change meanwhile",
                    t->path ? t->path : "log", what);
}

/* The contributions of one window's episodes for every needed (policy, estimator),
 * with the terms laid out for the whole log's horizon and linearised at its sums, into
 * *C (grown as needed; its tail is traj_contrib_sums's scratch). */
static int window_contrib(struct eng *g, struct tss *t, const struct eng_sums *x,
                          const struct tlog *w, const struct cpass *cp, double **C,
                          size_t *cap, struct ope_error *err)
{
    size_t ns = g->o->n_spec, n = w->n_episodes, kmax = 0;
    for (size_t k = 0; k < g->n_pol * ns; k++)
        kmax = t->pe[k].K > kmax ? t->pe[k].K : kmax;
    size_t want = g->n_pol * ns * n + 2 * kmax + 1;
    if (reserve(t, w, 0, err) != 0)
        return -1;
    if (want > *cap) {
        free(*C);
        *cap = (*C = ope_malloc(want * sizeof **C, err)) ? want : 0;
        if (!*C)
            return -1;
    }
    for (size_t e = 0; e < n; e++) {
        double ga;
        if ((int)(w->ep_start[e + 1] - w->ep_start[e]) > t->T)
            return evtraj_changed(t, "a longer episode", err);
        t->ret[e] = episode_return(w, e, t->gamma, &ga);
    }
    for (size_t p = 0; p < g->n_pol; p++) {
        int any = 0;
        for (size_t e = 0; e < ns; e++)
            any |= cp->need[p * ns + e];
        if (!any)
            continue;
        if (traj_weights(w, g->pol[p], t->w, t->rho, err) != 0)
            return -1;
        struct traj_in in = { w, g->pol[p], t->T, t->gamma, t->w, t->rho, NULL, NULL, NULL,
                              NULL, 0 };
        if (model_rows(g, t, w, p, &in, err) != 0)
            return -1;
        for (size_t e = 0; e < ns; e++) {
            size_t k = p * ns + e;
            if (!cp->need[k])
                continue;
            /* The terms of the window's episodes at the whole log's horizon: one long
             * episode makes every window's as wide (a per-step estimator's). */
            const struct tpe *xe = &t->pe[k];
            double bytes = (double)n * (double)xe->K * (xe->den ? 16.0 : 8.0);
            if (g->o->model.max_bytes && bytes > (double)g->o->model.max_bytes)
                return ope_fail(err, OPE_EDATA, "%s: read again for --ci %s, a window of %zu "
                                "episodes holds %zu terms an episode for %s at horizon %d: "
                                "%.1f MB, past the memory budget of %.1f MB (the longest "
                                "episode sets every window's width): leave %s out, or "
                                "evaluate the log in memory", t->path ? t->path : "log",
                                ci_method_name((enum ci_method)g->o->ci), n, xe->K,
                                g->o->spec[e].label, t->T, bytes / 1048576.0,
                                (double)g->o->model.max_bytes / 1048576.0,
                                g->o->spec[e].label);
            if (g->o->spec[e].d->traj_build(&in, g->o->spec[e].param, &t->terms[e], err) != 0)
                return -1;
            const double *sums = x->point + t_col(g, p, e);
            int same = t->terms[e].K == xe->K;
            if (same)
                traj_contrib_sums(&t->terms[e], sums, xe->den ? sums + xe->K : NULL,
                                  (double)t->episodes, *C + g->n_pol * ns * n, *C + k * n);
            traj_terms_release(&t->terms[e]);
            if (!same)
                return evtraj_changed(t, "an estimator's slots", err);
        }
    }
    return 0;
}

/* Fold one window's contributions: a ratio estimator's statistics and those of
 * contribution minus return (a plain one's the first pass kept), and the pairs'
 * differences. */
static void fold(struct eng *g, struct tss *t, const struct cpass *cp, const double *C,
                 size_t n)
{
    size_t ns = g->o->n_spec;
    for (size_t k = 0; k < g->n_pol * ns; k++) {
        if (!cp->need[k] || !t->pe[k].den)
            continue;
        ci_stats_acc_add(&cp->acc[2 * k], C + k * n, n);
        for (size_t i = 0; i < n; i++)
            t->c[i] = C[k * n + i] - t->ret[i];
        ci_stats_acc_add(&cp->acc[2 * k + 1], t->c, n);
    }
    for (size_t j = 0; j < cp->n_d; j++) {
        const double *a = C + (cp->d[j].a * ns + cp->d[j].e) * n;
        const double *b = C + (cp->d[j].b * ns + cp->d[j].e) * n;
        for (size_t i = 0; i < n; i++)
            t->c[i] = a[i] - b[i];
        ci_stats_acc_add(&cp->dacc[j], t->c, n);
    }
}

/* A window of the contributions' pass (pass_windows): its contributions into C
 * (grown as needed), folded. */
struct contrib_fold {
    const struct eng_sums *x;
    const struct cpass *cp;
    double *C;
    size_t cap;
};

static int contrib_window(struct eng *g, struct tss *t, const struct tlog *w, size_t first,
                          void *ctx, struct ope_error *err)
{
    (void)first;
    struct contrib_fold *f = ctx;
    if (window_contrib(g, t, f->x, w, f->cp, &f->C, &f->cap, err) != 0)
        return -1;
    fold(g, t, f->cp, f->C, w->n_episodes);
    return 0;
}

/* A rank's statistics (acc_fold.acc[0..m-1]) merged into the sums so far. */
struct acc_fold {
    struct ci_stats_acc *acc;
    size_t m;
};

static int fold_accs(void *ctx, struct sf_state *st, struct ope_error *err)
{
    const struct acc_fold *f = ctx;
    for (size_t k = 0; k < f->m; k++) {
        struct ci_stats_acc one;
        ci_stats_acc_get(st, &one);
        ci_stats_acc_merge(&f->acc[k], &one);
    }
    return sf_done(st, err);
}

/* Across ranks: every rank's accumulators acc[0..m-1] merged in rank order, on every
 * rank (rc: this rank's outcome so far, which all must share first). */
static int share_accs(struct ci_stats_acc *acc, size_t m, int rc, struct ope_error *err)
{
    if (comm_size() == 1)
        return rc;
    if (comm_agree(rc, err) != 0)
        return -1;
    struct strbuf mine = STRBUF_INIT;
    for (size_t k = 0; k < m; k++)
        ci_stats_acc_put(&mine, &acc[k]);
    for (size_t k = 0; k < m; k++)
        ci_stats_acc_init(&acc[k]);
    struct acc_fold f = { acc, m };
    return ranks_fold(&mine, "a rank's statistics", 0, fold_accs, &f, err);
}

/* One more pass over the windows (under MPI each rank folds its own, every
 * comm_size()-th, as in the first pass), folding the contributions cp needs into its
 * accumulators, merged across ranks. 0, or -1 with err. */
static int contrib_pass(struct eng *g, struct tss *t, const struct eng_sums *x,
                        const struct cpass *cp, struct ope_error *err)
{
    size_t m = 2 * g->n_pol * g->o->n_spec;
    for (size_t k = 0; k < m; k++)
        ci_stats_acc_init(&cp->acc[k]);
    for (size_t j = 0; j < cp->n_d; j++)
        ci_stats_acc_init(&cp->dacc[j]);
    struct contrib_fold f = { x, cp, NULL, 0 };
    size_t episodes = 0;
    /* (a shard given the whole log's sums reads its windows here for the first time) */
    int rc = t->contrib_only ? 0 : t->win->rewind(t->win->ctx, err);
    if (rc == 0)
        rc = evtraj_pass_windows(g, t, &episodes, contrib_window, &f, err);
    free(f.C);
    if (rc == 0 && !t->contrib_only && episodes != t->read_episodes)
        rc = evtraj_changed(t, "its number of episodes", err);
    t->own_episodes = episodes;
    /* Once agreed, rc is every rank's: a failure is not agreed on again. */
    rc = share_accs(cp->acc, m, rc, err);
    return rc == 0 ? share_accs(cp->dacc, cp->n_d, rc, err) : -1;
}

/* ---- the contributions of shards (--ci t, hoeffding, bernstein; --model-state) ------- */

static void state_settings(const struct eng *g, const struct tss *t, const char *fit_hex,
                           struct strbuf *sb);

#define CONTRIB_TAG "ope traj contributions 1"

/* The shard's contributions' statistics (cp's, over its episodes only, linearised at
 * the whole log's sums from the fit) saved in place of its evaluation; stops the
 * engine. */
static int save_contribs(struct eng *g, struct tss *t, const struct cpass *cp,
                         struct ope_error *err)
{
    if (t->own_episodes == 0)
        return ope_fail(err, OPE_EDATA, "%s: no episodes after the header",
                        t->path ? t->path : "log");
    size_t m = 2 * g->n_pol * g->o->n_spec;
    state_settings(g, t, t->fit->hex, t->save_settings);
    eval_state_opts_put(t->save, g->o, (const char *const *)t->names, g->pol, g->n_pol);
    evtraj_open_put(t, t->save);
    sf_put_str(t->save, CONTRIB_TAG);
    sf_put_u64(t->save, t->own_episodes);
    sf_put_u64(t->save, m);
    sf_put_u64(t->save, cp->n_d);
    for (size_t k = 0; k < m; k++)
        ci_stats_acc_put(t->save, &cp->acc[k]);
    for (size_t j = 0; j < cp->n_d; j++)
        ci_stats_acc_put(t->save, &cp->dacc[j]);
    if (strbuf_failed(t->save) || strbuf_failed(t->save_settings))
        return ope_fail_oom(err);
    t->saved = 1;
    return ope_fail(err, OPE_EINTERRUPTED, "saved");   /* stops the engine */
}

/* The merge: every shard's contributions' statistics (save_contribs), in episode
 * order, into cp's accumulators, as MPI ranks merge theirs (share_accs). Each state's
 * cursor is past its options (the first's past its log's facts too). 0, or -1 with
 * err (OPE_EDATA: damaged, or of other pairs than the merge names). */
static int read_contribs(struct eng *g, struct tss *t, const struct cpass *cp,
                         const struct eng_res *es, struct ope_error *err)
{
    size_t ns = g->o->n_spec;
    size_t m = 2 * g->n_pol * g->o->n_spec;
    for (size_t k = 0; k < m; k++)
        ci_stats_acc_init(&cp->acc[k]);
    for (size_t j = 0; j < cp->n_d; j++)
        ci_stats_acc_init(&cp->dacc[j]);
    for (size_t s = 0; s < t->n_merge; s++) {
        struct sf_state *st = t->merge[s];
        if (s > 0 && evtraj_open_get(t, st, 0, err) != 0)
            return -1;
        char *tag = sf_get_str(st);
        int ok = tag && strcmp(tag, CONTRIB_TAG) == 0;
        free(tag);
        if (!ok && !st->bad)
            return ope_fail(err, OPE_EDATA, "%s: not a shard's contributions for --ci %s (or "
                            "one of another version): run the shard again with this ope, "
                            "given --model-state %s", st->name,
                            ci_method_name((enum ci_method)g->o->ci), t->fit->name);
        uint64_t n = sf_get_count(st, 1, (uint64_t)1 << 52);
        /* (the statistics and pairs the merge names, or damage) */
        sf_get_count(st, m, m);
        sf_get_count(st, cp->n_d, cp->n_d);
        if (!st->bad && n != t->merge_rows[s])
            return ope_fail(err, OPE_EDATA, "%s: damaged state: it holds %llu episodes, its "
                            "header %llu; make it again", st->name, (unsigned long long)n,
                            (unsigned long long)t->merge_rows[s]);
        /* Every needed statistic counts each of the shard's episodes once (a ratio
         * estimator's, and the pairs'); the others none. */
        for (size_t k = 0; k < m + cp->n_d && !st->bad; k++) {
            struct ci_stats_acc one;
            ci_stats_acc_get(st, &one);
            int needed = k >= m || (cp->need[k / 2] && t->pe[k / 2].den);
            /* (an estimate that is not defined, such as every weight 0 at a
             * self-normalised step, has contributions that are not numbers) */
            const struct res_diff *d = k >= m ? &cp->d[k - m] : NULL;
            int defined = d ? isfinite(es[d->a * ns + d->e].value) &&
                              isfinite(es[d->b * ns + d->e].value)
                            : isfinite(es[k / 2].value);
            if (!st->bad && (one.n != (needed ? n : 0) ||
                             (one.n && defined && !ci_stats_acc_possible(&one))))
                st->bad = 1;
            ci_stats_acc_merge(k < m ? &cp->acc[k] : &cp->dacc[k - m], &one);
        }
        if (sf_done(st, err) != 0)
            return -1;
    }
    return 0;
}

/* The second pass, now that the full-sample sums are known: the contributions'
 * statistics (and range) of every ratio estimator, linearised at those ratios (a
 * plain estimator's are its episodes' own terms, kept by the first pass), and those of
 * the differences between candidates, for the pairs the driver will name. */
static int stats_pass(struct eng *g, struct tss *t, const struct eng_sums *x,
                      struct eng_res *es, struct ope_error *err)
{
    size_t ns = g->o->n_spec, m = g->n_pol * ns, any = 0;
    if (eng_diff_pairs(g, es, &t->pairs, &t->n_pairs, err) != 0)
        return -1;
    unsigned char *need = ope_calloc(m + 1, 1, err);
    struct ci_stats_acc *acc = ope_calloc(2 * m + 1, sizeof *acc, err);
    struct ci_stats_acc *dacc = ope_calloc(t->n_pairs + 1, sizeof *dacc, err);
    t->pair_st = ope_calloc(t->n_pairs + 1, sizeof *t->pair_st, err);
    int rc = need && acc && dacc && t->pair_st ? 0 : -1;
    for (size_t k = 0; rc == 0 && k < m; k++)
        any += need[k] = (unsigned char)(t->pe[k].den != 0);
    for (size_t j = 0; rc == 0 && j < t->n_pairs; j++) {
        need[t->pairs[j].a * ns + t->pairs[j].e] = 1;
        need[t->pairs[j].b * ns + t->pairs[j].e] = 1;
    }
    struct cpass cp = { need, acc, t->pairs, t->n_pairs, dacc };
    if (rc == 0 && t->merge)
        rc = read_contribs(g, t, &cp, es, err);
    else if (rc == 0 && (any || t->n_pairs || t->contrib_only))
        rc = contrib_pass(g, t, x, &cp, err);
    if (rc == 0 && t->contrib_only)
        rc = save_contribs(g, t, &cp, err);
    for (size_t k = 0; rc == 0 && k < m; k++)
        if (t->pe[k].den) {
            ci_stats_acc_result(&acc[2 * k], &es[k].s.st);
            ci_stats_acc_result(&acc[2 * k + 1], &es[k].s.lift_st);
        }
    for (size_t j = 0; rc == 0 && j < t->n_pairs; j++)
        ci_stats_acc_result(&dacc[j], &t->pair_st[j]);
    free(need);
    free(acc);
    free(dacc);
    return rc;
}

/* eng_kind.diff_stats: the pairs' statistics, which the second pass took. */
static int t_diff_stats(struct eng *g, const struct eng_sums *x, const struct res_diff *d,
                        size_t n_d, struct ci_stats *st, struct ope_error *err)
{
    (void)x;
    const struct tss *t = g->self;
    int same = t->pair_st && n_d == t->n_pairs;
    for (size_t j = 0; same && j < n_d; j++)
        same = d[j].a == t->pairs[j].a && d[j].b == t->pairs[j].b && d[j].e == t->pairs[j].e;
    if (!same)
        return ope_fail(err, OPE_ESOFTWARE, "the differences' pairs are not those the "
                        "second pass took");
    memcpy(st, t->pair_st, n_d * sizeof *st);
    return 0;
}

/* The settings a shard's state names, which every state merged with it must share:
 * evtraj_settings', the value model's (and a linear model's ridge) when one is used, a
 * part of the models' pass marked so, and the fit a state was evaluated with (fit_hex,
 * or NULL). */
static void state_settings(const struct eng *g, const struct tss *t, const char *fit_hex,
                           struct strbuf *sb)
{
    evtraj_settings(g, t, sb);
    /* The models' tables are laid out by the log's actions: a fit of another log's
     * (the same policies' names) is told by them, not found damaged. */
    if (t->model || t->mis)
        strbuf_printf(sb, "actions=%d\n", t->n_actions);
    if (t->model) {
        strbuf_printf(sb, "value_model=%s\n", vm_kind_name(t->to->vm.kind));
        if (t->lin) {
            char ridge[40];
            ope_format_double(ridge, sizeof ridge, t->to->vm.ridge);
            strbuf_printf(sb, "ridge=%s\n", ridge);
        }
    }
    if (t->fit_part || t->fit_merge)
        strbuf_puts(sb, "state=model pass\n");
    if (t->sums_part || t->sums_merge)
        strbuf_puts(sb, "state=sums pass\n");
    if (fit_hex)
        strbuf_printf(sb, "model_fit=%s\n", fit_hex);
}

/* Under MPI: whether every rank runs with rank 0's settings (a rank given another seed
 * or discount would be merged into nonsense, and one keeping returns for --risk that
 * the others do not keep would wait for them). 0, or -1 with err (OPE_EUSAGE naming
 * the first setting that differs) on every rank. */
static int ranks_same_settings(struct eng *g, struct tss *t, struct ope_error *err)
{
    struct strbuf mine = STRBUF_INIT, all = STRBUF_INIT;
    /* A shard's settings (the value model's when one is used), and --risk's. */
    state_settings(g, t, NULL, &mine);
    strbuf_printf(&mine, "risk=%d\n", t->to && t->to->returns ? 1 : 0);
    strbuf_putc(&mine, '\0');
    int ranks = comm_size();
    size_t *len = ope_calloc((size_t)ranks + 1, sizeof *len, err);
    int rc = comm_agree(len && !strbuf_failed(&mine) ? 0 : -1, err);
    if (rc == 0)
        rc = comm_allgather(mine.buf, mine.len, &all, len, err);
    size_t at = len ? len[0] : 0;
    for (int k = 1; rc == 0 && k < ranks; at += len[k], k++) {
        char name[32];
        snprintf(name, sizeof name, "rank %d", k);
        rc = sf_rank_settings(name, all.buf + at, all.buf, err);
    }
    strbuf_release(&mine);
    strbuf_release(&all);
    free(len);
    return rc;
}

/* ---- the models fitted by shards together (--model-state) ---------------------------- */

#define PART_TAG "ope traj model pass 1"

/* Settings text x without the lines that name a round (state=) or a fit (model_fit=):
 * what a fit's parts and a shard given it share, whichever round made the fit. */
static void settings_base(const char *x, struct strbuf *sb)
{
    while (x && *x) {
        const char *nl = strchr(x, '\n');
        size_t len = nl ? (size_t)(nl - x) + 1 : strlen(x);
        if (strncmp(x, "state=", 6) != 0 && strncmp(x, "model_fit=", 10) != 0)
            strbuf_add(sb, x, len);
        x += len;
    }
}

/* A shard given the fit: run with the options its parts were made with (the settings
 * its own part would name). 0, or -1 with err (OPE_EDATA naming the first difference). */
static int fit_agrees(const struct eng *g, struct tss *t, struct ope_error *err)
{
    struct strbuf mine = STRBUF_INIT, set = STRBUF_INIT, fit = STRBUF_INIT;
    state_settings(g, t, NULL, &mine);
    settings_base(strbuf_str(&mine), &set);
    settings_base(t->fit->settings, &fit);
    const char *x, *y;
    size_t lx, ly;
    int rc = strbuf_failed(&mine) || strbuf_failed(&set) || strbuf_failed(&fit)
           ? ope_fail_oom(err) : 0;
    if (rc == 0 && sf_settings_diff(strbuf_str(&set), strbuf_str(&fit), &x, &lx, &y, &ly))
        rc = ope_fail(err, OPE_EDATA, "%s: this shard is run with other settings than the "
                      "fit (%s) was made with (%.*s against %.*s): run every shard with the "
                      "options the fit was made with, or start a new fit (another "
                      "--model-state file)", t->path ? t->path : "log", t->fit->name,
                      (int)(lx ? lx : 6), lx ? x : "(none)", (int)(ly ? ly : 6),
                      ly ? y : "(none)");
    strbuf_release(&mine);
    strbuf_release(&set);
    strbuf_release(&fit);
    return rc;
}

/* The shard's part of the models' pass (its tables) saved in place of its evaluation
 * (fit_part); stops the engine. */
static int save_fit_part(struct eng *g, struct tss *t, struct ope_error *err)
{
    if (t->model_episodes == 0)
        return ope_fail(err, OPE_EDATA, "%s: no episodes after the header",
                        t->path ? t->path : "log");
    state_settings(g, t, NULL, t->save_settings);
    eval_state_opts_put(t->save, g->o, (const char *const *)t->names, g->pol, g->n_pol);
    evtraj_open_put(t, t->save);
    sf_put_str(t->save, PART_TAG);
    sf_put_u64(t->save, (uint64_t)t->to->vm.kind);
    sf_put_f64(t->save, t->to->vm.ridge);
    sf_put_u64(t->save, t->model_episodes);
    sf_put_u64(t->save, t->model_steps);
    evtraj_model_put(t, t->save);
    if (strbuf_failed(t->save) || strbuf_failed(t->save_settings))
        return ope_fail_oom(err);
    t->episodes = t->model_episodes;
    t->saved = 1;
    return ope_fail(err, OPE_EINTERRUPTED, "saved");   /* stops the engine */
}

/* A part's head at st's cursor (past its options and the log's facts): the value model
 * and ridge it was made with, and its episodes and steps. 0, or -1 with err. */
static int part_head_get(struct sf_state *st, int *kind, double *ridge, uint64_t *episodes,
                         uint64_t *steps, struct ope_error *err)
{
    char *tag = sf_get_str(st);
    int ok = tag && strcmp(tag, PART_TAG) == 0;
    free(tag);
    if (!ok && !st->bad)
        return ope_fail(err, OPE_EDATA, "%s: not a shard's part of a trajectory log's "
                        "models (or one of another version): run the shard again with this "
                        "ope", st->name);
    uint64_t k = sf_get_count(st, 0, VM_LSTD);
    *ridge = sf_get_f64(st);
    *episodes = sf_get_count(st, 1, (uint64_t)1 << 52);
    *steps = sf_get_count(st, *episodes, (uint64_t)1 << 62);
    if (!st->bad && !(*ridge >= 0.0 && *ridge < 1e300))
        st->bad = 1;
    *kind = (int)k;
    return st->bad ? sf_done(st, err) : 0;
}

/* The merge of the shards' parts of the models' pass into the fit's blocks (t->save,
 * fit_merge): their tables added in episode order, as MPI ranks add theirs, and solved
 * once, so a fit that cannot be solved (lstd at --gamma 1 without absorbing states) is
 * refused here, before the shards run again. Each part's cursor is at its tables
 * (parts_head read the rest). Stops the engine. */
static int fit_merge(struct eng *g, struct tss *t, struct ope_error *err)
{
    if (evtraj_model_init(g, t, &t->fq, &t->mt, err) != 0)
        return -1;
    for (size_t k = 0; k < t->n_merge; k++)
        if (evtraj_model_fold(g, t, &t->fq, &t->lt, &t->mt, t->merge[k], err) != 0)
            return -1;
    uint64_t episodes = t->model_episodes, steps = t->model_steps;
    /* (the tables are checked merged: a part's alone would need its own checks, and a
     * damaged part makes the sum damaged) */
    if (evtraj_model_check(t, episodes, steps, "the parts merged", err) != 0 ||
        evtraj_model_solve(g, t, err) != 0)
        return -1;
    struct strbuf tables = STRBUF_INIT;
    evtraj_model_put(t, &tables);
    evtraj_fit_put(t->save, t->to->vm.kind, t->to->vm.ridge, episodes, steps, &tables, NULL, 0);
    int failed = strbuf_failed(t->save) || strbuf_failed(&tables);
    strbuf_release(&tables);
    if (failed)
        return ope_fail_oom(err);
    t->episodes = (size_t)episodes;
    t->saved = 1;
    return ope_fail(err, OPE_EINTERRUPTED, "saved");   /* stops the engine */
}

/* The whole log's first pass from the fit (its sums round merged) into t, in place of
 * reading the windows (a shard's contributions) or the states (their merge). */
static int load_sums(struct eng *g, struct tss *t, struct ope_error *err)
{
    struct sf_state st;
    sf_cursor(&st, t->fit->sums, t->fit->sums_len, t->fit->name, EVAL_TRAJ_FIT_KIND);
    return merge_bytes(g, t, &st, t->fit->episodes, err);
}

/* The merge of the shards' first passes (their sums round) into the fit (t->save): the
 * models' tables it holds (if any), then the merged part, whose sums the shards then
 * linearise their contributions at. Stops the engine. */
static int sums_merge(struct eng *g, struct tss *t, struct ope_error *err)
{
    const struct eval_traj_fit *f = t->fit;
    if (((t->model || t->mis) && evtraj_model_load(g, t, f, err) != 0) ||
        read_states(g, t, err) != 0)
        return -1;
    if (f && f->episodes != t->episodes)
        return ope_fail(err, OPE_EDATA, "%s: the shards' parts hold %zu episodes, the fit's "
                        "models %llu: merge the parts of every shard the fit was made from",
                        f->name, t->episodes, (unsigned long long)f->episodes);
    if (t->episodes < 2)
        return ope_fail(err, OPE_EDATA, "the shards hold %zu episode(s); at least 2 are "
                        "needed to evaluate", t->episodes);
    if (range_check(g, t, t->rho_max, t->gmax, t->episodes, err) != 0)
        return -1;
    struct strbuf part = STRBUF_INIT, tables = STRBUF_INIT;
    evtraj_part_put(g, t, &part);
    if (f) {
        strbuf_add(&tables, (const char *)f->tables, f->len);
        evtraj_fit_put(t->save, f->vm_kind, f->ridge, f->episodes, f->steps, &tables,
                       part.buf, part.len);
    } else {
        evtraj_fit_put(t->save, VM_FQE, 0.0, t->episodes, t->steps, NULL, part.buf,
                       part.len);
    }
    int failed = strbuf_failed(t->save) || strbuf_failed(&part) || strbuf_failed(&tables);
    strbuf_release(&part);
    strbuf_release(&tables);
    if (failed)
        return ope_fail_oom(err);
    t->saved = 1;
    return ope_fail(err, OPE_EINTERRUPTED, "saved");   /* stops the engine */
}

static int t_gather(struct eng *g, struct res_eval *r, struct eng_sums *x, struct eng_res *es,
                    struct eng_pol *ps, struct ope_error *err)
{
    struct tss *t = g->self;
    size_t ns = g->o->n_spec;
    if (evtraj_shapes(g, t, err) != 0 || evtraj_part_init(g, t, err) != 0 ||
        !(t->terms = ope_calloc(ns + 1, sizeof *t->terms, err)))
        return -1;
    int modelled = t->model || t->mis;
    if (t->merge) {
        /* The options rebuilt from the first state must be the settings it names (a
         * crafted options block would otherwise pass as them). */
        struct strbuf set = STRBUF_INIT;
        state_settings(g, t, t->fit ? t->fit->hex : NULL, &set);
        int same = !strbuf_failed(&set) && strcmp(strbuf_str(&set), t->merge[0]->settings) == 0;
        strbuf_release(&set);
        if (!same)
            return ope_fail(err, OPE_EDATA, "%s: damaged state: its options are not the "
                            "settings it names; make it again", t->merge[0]->name);
        if (t->fit_merge)
            return fit_merge(g, t, err);
        if (t->sums_merge)
            return sums_merge(g, t, err);
        /* States of contributions: the first pass is the fit's (its sums round). */
        int sums = t->fit && t->fit->sums;
        uint64_t held = 0;
        for (size_t k = 0; k < t->n_merge; k++)
            held += t->merge_rows[k];
        if ((modelled && evtraj_model_load(g, t, t->fit, err) != 0) ||
            (sums ? load_sums(g, t, err) : read_states(g, t, err)) != 0)
            return -1;
        if (sums && held != t->episodes)
            return ope_fail(err, OPE_EDATA, "the states hold %llu episodes, and the whole "
                            "log's sums in %s %zu: merge the state of every shard the fit "
                            "was made from", (unsigned long long)held, t->fit->name,
                            t->episodes);
    } else if ((comm_size() > 1 && ranks_same_settings(g, t, err) != 0) ||
               (t->fit && fit_agrees(g, t, err) != 0) ||
               (modelled && (t->fit ? evtraj_model_load(g, t, t->fit, err)
                                    : model_pass(g, t, err)) != 0)) {
        return -1;
    } else if (t->fit_part) {
        return save_fit_part(g, t, err);
    } else if ((t->contrib_only ? load_sums(g, t, err) : read_windows(g, t, err)) != 0) {
        return -1;
    }
    /* The merge's range check over the whole log is stricter (more episodes): a shard
     * past it even alone is refused now, not found damaged by the merge. */
    if (t->save && t->episodes &&
        range_check(g, t, t->rho_max, t->gmax, t->episodes, err) != 0)
        return -1;
    if (t->save && !t->contrib_only) {
        state_settings(g, t, t->fit ? t->fit->hex : NULL, t->save_settings);
        eval_state_opts_put(t->save, g->o, (const char *const *)t->names, g->pol, g->n_pol);
        evtraj_open_put(t, t->save);
        evtraj_part_put(g, t, t->save);
        if (strbuf_failed(t->save) || strbuf_failed(t->save_settings))
            return ope_fail_oom(err);
        if (t->episodes == 0)
            return ope_fail(err, OPE_EDATA, "%s: no episodes after the header",
                            t->path ? t->path : "log");
        t->saved = 1;
        return ope_fail(err, OPE_EINTERRUPTED, "saved");   /* stops the engine */
    }
    if (t->episodes < 2)
        return ope_fail(err, OPE_EDATA, "%s: %zu episode(s); at least 2 are needed to "
                        "evaluate", t->path ? t->path : "log", t->episodes);
    if (range_check(g, t, t->rho_max, t->gmax, t->episodes, err) != 0)
        return -1;
    g->n = t->episodes;
    r->rows = t->steps;
    r->episodes = t->episodes;
    if (t->lin &&
        vm_warn_stationary(r, t->to->vm.kind, t->gamma, t->QT, lin_tab_cut(&t->lt)) != 0)
        return ope_fail_oom(err);
    if (t->td_parsed > 1 &&
        res_warn(r, NULL, "%s's epochs parsed the log %d times: no scratch copy of what "
                 "they read could be kept in %s (a tmpfs, whose pages are memory; too "
                 "little free space; or a write error); with TMPDIR on a disk the log is "
                 "read once", vm_kind_name(t->to->vm.kind), t->td_parsed, ope_tmp_dir()) != 0)
        return ope_fail_oom(err);
    r->behavior_value = r->behavior_observed = ope_sum_value(&t->ret_all) / (double)t->episodes;
    x->K = t->W;
    if (!(x->point = ope_malloc(t->W * sizeof *x->point, err)))
        return -1;
    if (g->B && (!(x->rep = ope_malloc(g->B * t->W * sizeof *x->rep, err)) ||
                 !(x->rep_n = ope_malloc(g->B * sizeof *x->rep_n, err))))
        return -1;
    acc_finalize(&t->acc, x->point, x->rep, x->rep_n);
    results(g, t, x, es, ps);
    return eval_traj_stream_again(g->o->ci) ? stats_pass(g, t, x, es, err) : 0;
}

static const struct eng_kind traj_stream_kind = {
    .kind = EST_TRAJ,
    .noun = "trajectory",
    .unit = DIAG_TRAJECTORIES,
    .check = t_check,
    .policy_index = t_policy_index,
    .policy_name = t_policy_name,
    .describe = t_describe,
    .setup = t_setup,
    .col = t_col,
    .value = t_value,
    .baseline_col = t_baseline_col,
    .gather = t_gather,
    .diff_stats = t_diff_stats,
    .refit = t_refit,
};

static void tss_release(struct tss *t, size_t n_pol, size_t ns)
{
    evtraj_part_release(t, n_pol, ns);
    for (size_t e = 0; t->terms && e < ns; e++)
        traj_terms_release(&t->terms[e]);
    free(t->terms), free(t->shape);
    free(t->pairs), free(t->pair_st);
    free(t->w), free(t->rho), free(t->ret), free(t->c), free(t->S), free(t->rowid);
    free(t->qa), free(t->v), free(t->Q), free(t->MW), free(t->wall);
    fqe_tab_release(&t->fq);
    lin_tab_release(&t->lt);
    free(t->LT);
    mis_tab_release(&t->mt);
    free(t->zs), free(t->zd), free(t->zex);
    evtraj_comom_release(&t->wz);
}

/* One run of the engine over t (set up by the caller). */
static struct res_eval *run(struct tss *t, const struct eval_opts *o, struct ope_error *err)
{
    int shard = t->save || t->merge ? (t->fit_rounds || t->fit || t->fit_merge ||
                                       t->sums_merge ? 2 : 1) : 0;
    if (eval_traj_stream_refuse(o, t->to, shard, err) != 0)
        return NULL;
    t->model = uses_model(o);
    t->td = t->model && t->to && (t->to->vm.kind == VM_TD || t->to->vm.kind == VM_GTD2);
    t->lin = t->td || (t->model && t->to && (t->to->vm.kind == VM_LINEAR_FQE ||
                                             t->to->vm.kind == VM_LSTD));
    t->mis = uses_ratios(o);
    /* A fit is of use to the estimators with a model, and to the t, Hoeffding and
     * Bernstein intervals once it holds the whole log's sums; without either, a shard
     * fitting in rounds saves its evaluation at once. */
    int again = eval_traj_stream_again(o->ci);
    if (t->fit && !(t->model || t->mis) && !(again && t->fit->sums))
        t->fit = NULL;
    t->fit_part = t->fit_rounds && (t->model || t->mis) && !t->fit;
    /* Those intervals in shards: first the sums round, then the contributions. */
    t->sums_part = t->save && t->fit_rounds && again && !t->fit_part &&
                   !(t->fit && t->fit->sums);
    t->contrib_only = t->save && again && t->fit && t->fit->sums;
    /* A shard given the fit reads its log once, as a shard without models does. */
    if (eval_traj_stream_rereads(o) && !t->fit && !t->fit_part && !t->sums_part && !t->merge &&
        !t->win->rewind)
        return ope_fail(err, OPE_ESOFTWARE, "a trajectory log that cannot be read again"), NULL;
    t->no_comom = again;
    struct eng g;
    memset(&g, 0, sizeof g);
    g.kind = &traj_stream_kind;
    g.self = t;
    g.n_log_policies = t->n_names;
    g.path = t->path;
    struct res_eval *r = eng_run(&g, o, err);
    tss_release(t, g.n_pol, o->n_spec);
    return r;
}

/* A source over the windows of win. */
static void tss_of_windows(struct tss *t, const struct eng_traj_windows *win,
                           const struct traj_opts *to)
{
    memset(t, 0, sizeof *t);
    t->win = win;
    t->to = to;
    t->path = win->path;
    t->names = (char **)win->names;
    t->n_names = win->n_policies;
    t->n_actions = win->n_actions;
    t->gamma = isnan(to->gamma) ? 1.0 : to->gamma;
}

struct res_eval *eval_traj_stream(const struct eng_traj_windows *win, const struct eval_opts *o,
                                  const struct traj_opts *to, struct ope_error *err)
{
    struct tss t;
    tss_of_windows(&t, win, to);
    return run(&t, o, err);
}

int eval_traj_stream_save(const struct eng_traj_windows *win, const struct eval_opts *o,
                          const struct traj_opts *to, int fit_rounds,
                          const struct eval_traj_fit *fit, struct strbuf *state,
                          struct strbuf *settings, size_t *episodes, int *part,
                          struct ope_error *err)
{
    struct tss t;
    tss_of_windows(&t, win, to);
    t.save = state;
    t.save_settings = settings;
    t.fit_rounds = fit_rounds;
    t.fit = fit;
    *part = 0;
    struct res_eval *r = run(&t, o, err);
    res_eval_free(r);           /* not reached: the engine stops after the save */
    if (!t.saved)
        return -1;
    *episodes = t.contrib_only ? t.own_episodes : t.episodes;
    *part = t.fit_part ? 1 : t.sums_part ? 3 : t.fit ? 2 : 0;
    memset(err, 0, sizeof *err);
    ope_progress_report(o->progress, 1.0, "done");
    return 0;
}

/* A source over the shards' states (or parts) states[0..n-1] in episode order, with
 * the trajectory options own (the caller's copy, which the states may set), the log's
 * facts from the first state. 0, or -1 with err. */
static int tss_of_states(struct tss *t, struct traj_opts *own, struct sf_state *const *states,
                         const uint64_t *episodes, size_t n, struct ope_error *err)
{
    memset(t, 0, sizeof *t);
    if (n == 0)
        return ope_fail(err, OPE_EUSAGE, "no state to merge");
    t->to = own;
    t->merge = states;
    t->merge_rows = episodes;
    t->n_merge = n;
    return evtraj_open_get(t, states[0], 1, err);
}

static void tss_names_free(struct tss *t)
{
    for (size_t p = 0; t->names && p < t->n_names; p++)
        free(t->names[p]);
    free(t->names);
}

struct res_eval *eval_traj_merge(struct sf_state *const *states, const uint64_t *episodes,
                                 size_t n, const struct eval_opts *o, const struct traj_opts *to,
                                 const struct eval_traj_fit *fit, struct ope_error *err)
{
    /* The value model the fit was made with (the states' settings name the fit). */
    struct traj_opts own = *to;
    if (fit) {
        own.vm.kind = fit->vm_kind;
        own.vm.ridge = fit->ridge;
    }
    struct tss t;
    struct res_eval *r = NULL;
    if (tss_of_states(&t, &own, states, episodes, n, err) == 0) {
        t.fit = fit;
        r = run(&t, o, err);
    }
    tss_names_free(&t);
    return r;
}

/* Every part's log facts (checked against the first's) and head, leaving each cursor at
 * its tables: the value model and ridge (the first's set t->to's, for run() to lay the
 * models out; the others' must be the same), its episodes (those its header says) and
 * steps, summed into t->model_episodes and t->model_steps. 0, or -1 with err. */
static int parts_head(struct tss *t, struct traj_opts *own, struct ope_error *err)
{
    for (size_t k = 0; k < t->n_merge; k++) {
        struct sf_state *st = t->merge[k];
        int kind = 0;
        double ridge = 0.0;
        uint64_t n = 0, steps = 0;
        if ((k > 0 && evtraj_open_get(t, st, 0, err) != 0) ||
            part_head_get(st, &kind, &ridge, &n, &steps, err) != 0)
            return -1;
        if (k == 0)
            own->vm.kind = kind, own->vm.ridge = ridge;
        else if (kind != own->vm.kind || ridge != own->vm.ridge)
            return ope_fail(err, OPE_EDATA, "%s: damaged state: its value model is not the "
                            "one its settings name; make it again", st->name);
        if (n != t->merge_rows[k])
            return ope_fail(err, OPE_EDATA, "%s: damaged state: it holds %llu episodes, its "
                            "header %llu; make it again", st->name, (unsigned long long)n,
                            (unsigned long long)t->merge_rows[k]);
        t->model_episodes += (size_t)n;
        t->model_steps += (size_t)steps;
    }
    return 0;
}

/* Run t (a merge into the fit: fit_merge or sums_merge set), which writes the fit's
 * blocks to out and stops the engine. 0, or -1 with err. */
static int run_to_fit(struct tss *t, const struct eval_opts *o, struct strbuf *out,
                      struct ope_error *err)
{
    t->save = out;
    struct res_eval *r = run(t, o, err);
    res_eval_free(r);           /* not reached: the engine stops after the fit is written */
    if (!t->saved)
        return -1;
    memset(err, 0, sizeof *err);
    return 0;
}

int eval_traj_sums_merge(struct sf_state *const *parts, const uint64_t *episodes, size_t n,
                         const struct eval_opts *o, const struct traj_opts *to,
                         const struct eval_traj_fit *fit, struct strbuf *out,
                         struct ope_error *err)
{
    struct traj_opts own = *to;
    if (fit) {
        own.vm.kind = fit->vm_kind;
        own.vm.ridge = fit->ridge;
    }
    struct tss t;
    int rc = tss_of_states(&t, &own, parts, episodes, n, err);
    if (rc == 0) {
        t.fit = fit;
        t.sums_merge = 1;
        rc = run_to_fit(&t, o, out, err);
    }
    tss_names_free(&t);
    return rc;
}

int eval_traj_fit_merge(struct sf_state *const *parts, const uint64_t *episodes, size_t n,
                        const struct eval_opts *o, const struct traj_opts *to,
                        struct strbuf *out, struct ope_error *err)
{
    struct traj_opts own = *to;
    struct tss t;
    int rc = tss_of_states(&t, &own, parts, episodes, n, err) != 0 ||
             parts_head(&t, &own, err) != 0 ? -1 : 0;
    if (rc == 0) {
        t.fit_merge = 1;
        rc = run_to_fit(&t, o, out, err);
    }
    tss_names_free(&t);
    return rc;
}
