/* estimators/evaluate_traj.c: the trajectory source of the evaluation driver
 * (engine.h), eval_traj and eval_traj_ex. Per policy it computes the per-step weights
 * and the value model once, builds every estimator's per-trajectory terms (traj.h),
 * keeps their point sums and the statistics of their contributions, and packs the
 * terms as columns of one episode x column matrix; the bootstrap (trajboot.h) then
 * draws each replicate's Poisson(1) counts once -- a pure function of (seed,
 * trajectory, replicate) -- and applies them to every column of every policy and
 * estimator at once, so the intervals do not depend on the number of threads. */
#include "config.h"
#include "estimators/evaluate_traj.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/accum.h"
#include "ope/base/sum.h"
#include "estimators/engine.h"
#include "estimators/fqetab.h"
#include "estimators/traj.h"
#include "estimators/trajboot.h"
#include "estimators/vmodel.h"
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

/* Copy the terms of one (policy, estimator) into columns col.. of S (trajboot.h).
 * Returns 1 when every term is finite (the bootstrap's dense kernel needs that). */
static int pack(const struct traj_terms *t, double *S, size_t col)
{
    size_t n = t->n, K = t->K;
    int finite = 1;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < K; k++) {
            double x = t->num[i * K + k], y = t->den ? t->den[i * K + k] : 0.0;
            finite &= isfinite(x) && isfinite(y);
            S[trajboot_at(n, i, col + k)] = x;
            if (t->den)
                S[trajboot_at(n, i, col + K + k)] = y;
        }
    return finite;
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

/* ---- the source ----------------------------------------------------------------- */

/* Per (policy, estimator), kept after its terms are released. */
struct pe_result {
    struct ci_stats st;     /* of the contributions (traj_contrib) */
    struct ci_stats lift_st; /* of contribution minus the episode's return */
    double *coef;           /* [K] */
    double *c;              /* [n_episodes] the contributions, kept for the differences
                               between candidates (t_contrib), or NULL */
    size_t zero_slots, K;   /* traj_zero_slots of the terms, of K slots */
    int refit;              /* its replicates were refitted (t_refit) */
};

struct tsrc {
    const struct tlog *log;
    const struct traj_opts *to;
    double gamma;
    struct diag_support support;
    double *w, *rho, *qa, *v;       /* [n_steps] of the policy being prepared */
    double *c;                      /* [n_episodes] its contributions */
    double *ret;                    /* [n_episodes] observed discounted returns */
    struct traj_terms *terms;       /* [n_spec] */
    struct slot_layout *lay;        /* [n_spec]: the same for every policy */
    size_t Wp, W;                   /* columns per policy; in all, padded */
    struct pe_result *pe;           /* [n_pol * n_spec] */
    struct diag_weights *dg;        /* [n_pol] trajectory weights */
    double *rho_max;                /* [n_pol] the largest per-decision weight */
    unsigned char *finite;          /* [n_pol] its columns of S are all finite */
    double *point;                  /* [W] the point sums, filled by prepare */
    double *S;                      /* the packed terms (only with replicates) */
    struct trajboot tb;
    struct acc_source src;
};

static const char *log_path(const struct tlog *log)
{
    return log->path ? log->path : "log";
}

static int t_check(struct eng *g, struct ope_error *err)
{
    const struct tlog *log = ((struct tsrc *)g->self)->log;
    if (log->n_policies == 0)
        return ope_fail(err, OPE_EUSAGE, "%s: the log has no evaluation policy columns "
                        "(pi.NAME.A)", log_path(log));
    if (log->n_episodes < 2)
        return ope_fail(err, OPE_EDATA, "%s: %zu episode(s); at least 2 are needed to "
                        "evaluate", log_path(log), log->n_episodes);
    return 0;
}

static int t_policy_index(struct eng *g, const char *name, struct ope_error *err)
{
    const struct tlog *log = ((struct tsrc *)g->self)->log;
    int idx = tlog_policy_index(log, name);
    if (idx < 0)
        ope_fail(err, OPE_EUSAGE, "no policy '%s' in %s", name,
                 log->path ? log->path : "the log");
    return idx;
}

static const char *t_policy_name(struct eng *g, size_t pol)
{
    return ((struct tsrc *)g->self)->log->policy[pol].name;
}

static void t_describe(struct eng *g, struct res_eval *r)
{
    const struct tsrc *t = g->self;
    r->rows = t->log->n_steps;
    r->episodes = t->log->n_episodes;
    r->kind = "trajectories";
    r->n_actions = t->log->n_actions;
    r->gamma = t->gamma;
    r->behavior_value = r->behavior_observed = tlog_mean_return(t->log, t->gamma);
}

/* The buffers of one policy's steps, the per-(policy, estimator) results, the
 * support of the log's actions; the value model is fitted per policy (prepare). */
static int t_setup(struct eng *g, struct res_eval *r, struct ope_error *err)
{
    struct tsrc *t = g->self;
    size_t ns = g->o->n_spec, n_steps = t->log->n_steps;
    t->w = ope_malloc((n_steps + 1) * sizeof *t->w, err);
    t->rho = ope_malloc((n_steps + 1) * sizeof *t->rho, err);
    t->qa = ope_malloc((n_steps + 1) * sizeof *t->qa, err);
    t->v = ope_malloc((n_steps + 1) * sizeof *t->v, err);
    t->c = ope_malloc((t->log->n_episodes + 1) * sizeof *t->c, err);
    t->terms = ope_calloc(ns + 1, sizeof *t->terms, err);
    t->lay = ope_calloc(ns + 1, sizeof *t->lay, err);
    t->pe = ope_calloc(g->n_pol * ns + 1, sizeof *t->pe, err);
    t->dg = ope_calloc(g->n_pol + 1, sizeof *t->dg, err);
    t->rho_max = ope_calloc(g->n_pol + 1, sizeof *t->rho_max, err);
    t->finite = ope_calloc(g->n_pol + 1, sizeof *t->finite, err);
    t->ret = ope_malloc((t->log->n_episodes + 1) * sizeof *t->ret, err);
    if (!t->w || !t->rho || !t->qa || !t->v || !t->c || !t->terms || !t->lay || !t->pe ||
        !t->dg || !t->rho_max || !t->finite || !t->ret)
        return -1;
    /* Each episode's discounted return, summed as tlog_mean_return sums it. */
    for (size_t e = 0; e < t->log->n_episodes; e++) {
        struct ope_sum s;
        double disc = 1.0;
        ope_sum_init(&s);
        for (size_t i = t->log->ep_start[e]; i < t->log->ep_start[e + 1]; i++) {
            ope_sum_add(&s, disc * t->log->reward[i]);
            disc *= t->gamma;
        }
        t->ret[e] = ope_sum_value(&s);
    }
    if (!r)
        return 0;
    if (g->need_model) {
        snprintf(r->model.kind, sizeof r->model.kind, "%s", vm_kind_name(t->to->vm.kind));
        if (vm_warn_stationary(r, t->to->vm.kind, t->gamma, t->log->horizon,
                               vm_cut_by_horizon(t->log)) != 0)
            return ope_fail_oom(err);
    }
    return diag_support_tlog(&t->support, t->log, err);
}

/* The column layout, from the first policy's terms (it depends on the horizon and
 * the estimators only), and the point sums and packed terms it calls for. */
static int layout(struct eng *g, struct tsrc *t, const struct traj_terms *terms,
                  struct ope_error *err)
{
    size_t ns = g->o->n_spec;
    for (size_t e = 0; e < ns; e++) {
        t->lay[e] = (struct slot_layout){ t->Wp, terms[e].K, terms[e].den != NULL };
        t->Wp += terms[e].K * (terms[e].den ? 2 : 1);
    }
    t->W = (g->n_pol * t->Wp + TRAJBOOT_PAD - 1) / TRAJBOOT_PAD * TRAJBOOT_PAD;
    t->point = ope_calloc(t->W + 1, sizeof *t->point, err);
    if (!t->point)
        return -1;
    if (g->B && !(t->S = ope_calloc(t->log->n_episodes * t->W + 1, sizeof *t->S, err)))
        return -1;
    return 0;
}

/* The buffers of the policy being prepared: the shared ones of struct tsrc, or a
 * parallel task's own (t_prepare_all). */
struct pbuf {
    double *w, *rho, *qa, *v;       /* [n_steps] */
    double *c;                      /* [n_episodes] */
    struct traj_terms *terms;       /* [n_spec] */
};

/* One estimator's terms on the policy being prepared: its point sums (as an
 * acc_state fed with its columns would form them), its contributions' statistics,
 * its coefficients, and its columns of S. */
static int keep_terms(struct eng *g, struct tsrc *t, struct pbuf *b, size_t p, size_t e,
                      struct ope_error *err)
{
    struct traj_terms *tt = &b->terms[e];
    struct pe_result *x = &t->pe[p * g->o->n_spec + e];
    const struct slot_layout *L = &t->lay[e];
    size_t col = p * t->Wp + L->off, N = tt->n;
    if (tt->K != L->K || (tt->den != NULL) != L->den)
        return ope_fail(err, OPE_ESOFTWARE, "%s: terms of different shapes across policies",
                        g->o->spec[e].label);
    if (acc_point_rows(tt->num, N, tt->K, t->point + col, err) != 0 ||
        (tt->den && acc_point_rows(tt->den, N, tt->K, t->point + col + tt->K, err) != 0))
        return -1;
    traj_contrib(tt, b->c);
    ci_stats_of(b->c, N, &x->st);
    x->zero_slots = traj_zero_slots(tt);
    x->K = tt->K;
    x->coef = ope_malloc(tt->K * sizeof *x->coef + 1, err);
    if (!x->coef)
        return -1;
    memcpy(x->coef, tt->coef, tt->K * sizeof *x->coef);
    /* The terms are gone once prepared: the differences' per-episode intervals keep a
     * copy (episodes are few next to a bandit log's rows). */
    if (g->o->matrix_k >= 2 && g->o->ci != CI_BOOTSTRAP && g->o->ci != CI_NONE) {
        if (!(x->c = ope_malloc(N * sizeof *x->c + 1, err)))
            return -1;
        memcpy(x->c, b->c, N * sizeof *x->c);
    }
    /* The lift's paired differences: contribution minus the episode's return. */
    for (size_t i = 0; i < N; i++)
        b->c[i] -= t->ret[i];
    ci_stats_of(b->c, N, &x->lift_st);
    if (t->S && !pack(tt, t->S, col))
        t->finite[p] = 0;
    traj_terms_release(tt);
    return 0;
}

/* The policy's weights, their diagnostics, its value model and every estimator's
 * terms, in the buffers b. */
static int prepare_with(struct eng *g, struct tsrc *t, struct pbuf *b, size_t p, size_t pol,
                        struct ope_error *err)
{
    const struct tlog *log = t->log;
    size_t ns = g->o->n_spec;
    t->finite[p] = 1;
    if (traj_weights(log, pol, b->w, b->rho, err) != 0)
        return -1;
    diagnostics(log, b->rho, &t->dg[p]);
    for (size_t j = 0; j < log->n_steps; j++)
        t->rho_max[p] = b->rho[j] > t->rho_max[p] ? b->rho[j] : t->rho_max[p];
    if (g->need_model && vm_fit(log, pol, t->gamma, &t->to->vm, b->qa, b->v, err) != 0)
        return -1;
    struct traj_in in = { log, pol, log->horizon, t->gamma, b->w, b->rho,
                          g->need_model ? b->qa : NULL, g->need_model ? b->v : NULL, NULL,
                          NULL, 0 };
    for (size_t e = 0; e < ns; e++)
        if (g->o->spec[e].d->traj_build(&in, g->o->spec[e].param, &b->terms[e], err) != 0)
            return -1;
    if (p == 0 && layout(g, t, b->terms, err) != 0)
        return -1;
    for (size_t e = 0; e < ns; e++)
        if (keep_terms(g, t, b, p, e, err) != 0)
            return -1;
    return 0;
}

static int t_prepare(struct eng *g, size_t p, size_t pol, struct ope_error *err)
{
    struct tsrc *t = g->self;
    struct pbuf b = { t->w, t->rho, t->qa, t->v, t->c, t->terms };
    return prepare_with(g, t, &b, p, pol, err);
}

struct prep_ctx {
    struct eng *g;
    size_t n_tasks;
    struct ope_error *errs;     /* [n_pol] */
    int *rc;                    /* [n_pol] */
};

/* Policies 1 + task, 1 + task + n_tasks, ... in buffers of the task's own (allocated
 * once per task, outside every loop over steps); each policy's results go to places
 * of struct tsrc no other policy writes. */
static void prep_task(void *arg, size_t task)
{
    struct prep_ctx *x = arg;
    struct eng *g = x->g;
    struct tsrc *t = g->self;
    size_t n_steps = t->log->n_steps, ns = g->o->n_spec;
    struct ope_error *err = &x->errs[1 + task];
    struct pbuf b = { ope_malloc((n_steps + 1) * sizeof *b.w, err),
                      ope_malloc((n_steps + 1) * sizeof *b.rho, err), NULL, NULL,
                      ope_malloc((t->log->n_episodes + 1) * sizeof *b.c, err),
                      ope_calloc(ns + 1, sizeof *b.terms, err) };
    for (size_t p = 1 + task; p < g->n_pol; p += x->n_tasks) {
        if (!b.w || !b.rho || !b.c || !b.terms) {
            x->rc[p] = -1;
            x->errs[p] = *err;
            break;
        }
        if ((x->rc[p] = prepare_with(g, t, &b, p, g->pol[p], &x->errs[p])) != 0)
            break;
    }
    for (size_t e = 0; b.terms && e < ns; e++)
        traj_terms_release(&b.terms[e]);
    free(b.w), free(b.rho), free(b.c), free(b.terms);
}

/* Every policy: the first alone (it sets the column layout), the others on several
 * threads when no value model is fitted (the estimators' terms are then pure
 * functions of the log and the policy); the same results as in order, and the first
 * policy's error in order. */
static int t_prepare_all(struct eng *g, struct ope_error *err)
{
    if (g->n_pol == 0)
        return 0;
    if (t_prepare(g, 0, g->pol[0], err) != 0)
        return -1;
    if (g->need_model || g->n_pol < 3 || g->o->threads == 1) {
        for (size_t p = 1; p < g->n_pol; p++) {
            if (ope_progress_cancelled(g->o->progress))
                return ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
            if (t_prepare(g, p, g->pol[p], err) != 0)
                return -1;
        }
        return 0;
    }
    int threads = g->o->threads > 0 ? g->o->threads : ope_default_threads();
    size_t n_tasks = (size_t)threads < g->n_pol - 1 ? (size_t)threads : g->n_pol - 1;
    struct prep_ctx x = { g, n_tasks, ope_calloc(g->n_pol, sizeof *x.errs, err),
                          ope_calloc(g->n_pol, sizeof *x.rc, err) };
    int rc = 0;
    if (!x.errs || !x.rc)
        rc = -1;
    else if (ope_parallel_for(n_tasks, threads, prep_task, &x, NULL, NULL) != 0)
        rc = ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
    for (size_t p = 1; rc == 0 && p < g->n_pol; p++)
        if (x.rc[p] != 0) {
            *err = x.errs[p];
            rc = -1;
        }
    free(x.errs);
    free(x.rc);
    return rc;
}

/* The replicates come from S (trajboot.h); the point sums were kept by prepare. */
static const struct acc_source *t_source(struct eng *g, struct ope_error *err)
{
    struct tsrc *t = g->self;
    if (!t->S) {
        t->src = (struct acc_source){ t->log->n_episodes, t->W, 0, 0, NULL, NULL, NULL, NULL };
        return &t->src;
    }
    int finite = 1;
    for (size_t p = 0; p < g->n_pol; p++)
        finite &= t->finite[p];
    if (trajboot_init_finite(&t->tb, t->S, t->log->n_episodes, t->W, finite, err) != 0)
        return NULL;
    t->src = t->tb.src;
    t->src.point = NULL;
    return &t->src;
}

static size_t t_col(struct eng *g, size_t p, size_t e)
{
    const struct tsrc *t = g->self;
    return p * t->Wp + t->lay[e].off;
}

/* The packed terms go once the replicates are summed. */
static void t_end_source(struct eng *g)
{
    struct tsrc *t = g->self;
    free(t->S);
    t->S = NULL;
}

static void t_point(struct eng *g, double *sums)
{
    const struct tsrc *t = g->self;
    memcpy(sums, t->point, t->W * sizeof *sums);
}

static double t_value(struct eng *g, size_t p, size_t e, const double *sums, double n)
{
    const struct tsrc *t = g->self;
    const struct slot_layout *L = &t->lay[e];
    return traj_value_sums(t->pe[p * g->o->n_spec + e].coef, L->K, sums,
                           L->den ? sums + L->K : NULL, n);
}

/* Every estimator but the direct method weights by the trajectory weights. */
static int t_est_stats(struct eng *g, size_t p, size_t e, const double *sums,
                       struct eng_est *es)
{
    (void)sums;
    const struct tsrc *t = g->self;
    const struct pe_result *x = &t->pe[p * g->o->n_spec + e];
    es->applies = 1;
    es->refit = x->refit;
    es->st = x->st;
    /* A ratio slot whose every denominator is 0 is 0/0: the value is undefined (the
     * engine says so); name the steps. */
    if (x->zero_slots)
        snprintf(es->why, sizeof es->why, "a zero denominator (0/0): every trajectory "
                 "weight is 0 at %zu of its %zu self-normalised steps", x->zero_slots, x->K);
    es->weighted = strcmp(g->o->spec[e].d->name, "dm") != 0;
    /* Empty support (est_desc.weights_only): no weight the estimator uses is positive. */
    enum est_weights_only wo = g->o->spec[e].d->weights_only;
    if ((wo == EST_WEIGHTS_UNIT && !(t->dg[p].max > 0)) ||
        (wo == EST_WEIGHTS_STEP && !(t->rho_max[p] > 0))) {
        es->undefined = 1;
        snprintf(es->why, sizeof es->why, "every %s weight is 0 (the policy gives no logged "
                 "%s a positive probability: empty support)",
                 wo == EST_WEIGHTS_UNIT ? "trajectory" : "per-decision",
                 wo == EST_WEIGHTS_UNIT ? "trajectory" : "first step");
    }
    es->mean_w = t->dg[p].mean;
    es->max_w = t->dg[p].max;
    es->ess = t->dg[p].ess;
    es->lift_st = t->pe[p * g->o->n_spec + e].lift_st;
    return 0;
}

/* ---- refitting per resample ---------------------------------------------------- */

/* Whether estimator e is refitted per resample here: it has traj_resample, and its
 * fitted part is one the hook can refit (tabular FQE for a model-based one). */
static int refits(const struct eng *g, const struct tsrc *t, size_t e)
{
    const struct est_desc *d = g->o->spec[e].d;
    if (!d->traj_resample || !t->log->state || t->log->n_states <= 0)
        return 0;
    return !d->needs_model || t->to->vm.kind == VM_FQE;
}

struct refit_ctx {
    const struct eng *g;
    const struct traj_in *in;
    const struct est_spec *spec;
    double *out;            /* [B] */
    size_t chunk;           /* replicates per task */
    atomic_int failed;
};

/* Replicates [task * chunk, ...): each one's Poisson counts -- the same as the
 * replicate sums used (eval_traj_count) -- and the refitted value. */
static void refit_task(void *arg, size_t task)
{
    struct refit_ctx *x = arg;
    size_t n = x->in->log->n_episodes, B = x->g->B;
    size_t b0 = task * x->chunk, b1 = b0 + x->chunk < B ? b0 + x->chunk : B;
    double *m = malloc((n + 1) * sizeof *m);
    uint64_t *key = malloc((n + 1) * sizeof *key);
    double *scratch = malloc((x->spec->d->traj_resample_scratch(x->in) + 1) * sizeof *scratch);
    if (!m || !key || !scratch) {
        atomic_store(&x->failed, 1);
    } else {
        /* The episodes' keys once per task, not once per (episode, replicate):
         * acc_count(key[i], b) is eval_traj_count(seed, i, b). */
        uint64_t k0 = acc_key(x->g->o->seed);
        for (size_t i = 0; i < n; i++)
            key[i] = acc_rowkey(k0, i);
        for (size_t b = b0; b < b1; b++) {
            for (size_t i = 0; i < n; i++)
                m[i] = (double)acc_count(key[i], b);
            x->out[b] = x->spec->d->traj_resample(x->in, x->spec->param, m, scratch);
        }
    }
    free(m);
    free(key);
    free(scratch);
}

/* The direct method's refits of every policy at once: tabular FQE's statistics do not
 * depend on the policy (but for pi_e), so one pass over the log counts every
 * replicate's tables (fqetab.h, copies counted on threads), and each (policy,
 * replicate) is solved from them: what refit_task gives one replicate at a time, bit
 * for bit, in one pass instead of one per policy. 1 when done, 0 when the tables do not
 * fit (S x A x S past FQE_TAB_MAX_CELLS, or every replicate's past the memory budget:
 * refit_task then refits one replicate at a time), -1 with err. */
static int refit_dm_tables(struct eng *g, struct tsrc *t, double *vals, struct ope_error *err)
{
    const struct tlog *log = t->log;
    size_t ns = g->o->n_spec, S = (size_t)log->n_states, A = (size_t)log->n_actions;
    if (S * A > FQE_TAB_MAX_CELLS / (S ? S : 1))
        return 0;
    struct fqe_tab tab;
    struct ope_error e2 = { 0 };
    if (fqe_tab_init(&tab, A, g->n_pol, g->pol, 1 + g->B, g->o->model.max_bytes, &e2) != 0 ||
        fqe_tab_extend(&tab, S, log->horizon, &e2) != 0) {
        fqe_tab_release(&tab);
        return e2.status == OPE_EDATA ? 0 : (*err = e2, -1);
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < log->n_episodes; i++)
        rc = fqe_tab_prepare(&tab, log, i, i, err);
    if (rc == 0)
        rc = fqe_tab_count_window(&tab, log, 0, g->o->seed, g->o->threads, err);
    double *scratch = rc == 0 ? ope_malloc((fqe_tab_scratch(&tab) + 1) * sizeof *scratch, err)
                              : NULL;
    if (!scratch)
        rc = -1;
    for (size_t e = 0; rc == 0 && e < ns; e++) {
        if (!refits(g, t, e) || !g->o->spec[e].d->needs_model)
            continue;
        for (size_t p = 0; p < g->n_pol; p++) {
            for (size_t b = 0; b < g->B; b++)
                vals[(p * ns + e) * g->B + b] =
                    fqe_tab_solve(&tab, 1 + b, p, t->gamma, NULL, scratch);
            t->pe[p * ns + e].refit = 1;
        }
    }
    free(scratch);
    fqe_tab_release(&tab);
    return rc == 0 ? 1 : -1;
}

static int t_refit(struct eng *g, double *vals, struct ope_error *err)
{
    struct tsrc *t = g->self;
    const struct tlog *log = t->log;
    size_t ns = g->o->n_spec, any = 0;
    int dm_done = 0;
    for (size_t e = 0; e < ns; e++)
        dm_done |= refits(g, t, e) && g->o->spec[e].d->needs_model;
    if (dm_done && (dm_done = refit_dm_tables(g, t, vals, err)) < 0)
        return -1;
    for (size_t e = 0; e < ns; e++)
        any += (size_t)(refits(g, t, e) && !(dm_done && g->o->spec[e].d->needs_model));
    if (!any)
        return 0;
    size_t SA = (size_t)log->n_states * (size_t)log->n_actions;
    double *pi = ope_malloc((SA + 1) * sizeof *pi, err);
    if (!pi)
        return -1;
    int rc = 0;
    for (size_t p = 0; p < g->n_pol && rc == 0; p++) {
        size_t pol = g->pol[p];
        if (traj_weights(log, pol, t->w, t->rho, err) != 0) {
            rc = -1;
            break;
        }
        vm_policy_table(log, pol, pi);
        struct traj_in in = { log, pol, log->horizon, t->gamma, t->w, t->rho, NULL, NULL, pi,
                              NULL, 0 };
        for (size_t e = 0; e < ns && rc == 0; e++) {
            if (!refits(g, t, e) || (dm_done && g->o->spec[e].d->needs_model))
                continue;
            size_t chunk = 8, tasks = (g->B + chunk - 1) / chunk;
            struct refit_ctx x = { g, &in, &g->o->spec[e], vals + (p * ns + e) * g->B, chunk, 0 };
            if (ope_parallel_for(tasks, g->o->threads, refit_task, &x, g->o->progress,
                                 "refitting per resample") != 0)
                rc = ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
            else if (atomic_load(&x.failed))
                rc = ope_fail_oom(err);
            t->pe[p * ns + e].refit = 1;
        }
    }
    free(pi);
    return rc;
}

static void t_pol_stats(struct eng *g, size_t p, size_t pol, struct eng_pol *ps)
{
    const struct tsrc *t = g->self;
    ps->w = t->dg[p];
    ps->truth = t->to->truth ? t->to->truth[p] : NAN;
    ps->unsupported = diag_unsupported_tlog(&t->support, t->log, pol);
}

static int t_contrib(struct eng *g, size_t p, size_t e, const double *sums, double *c)
{
    (void)sums;
    const struct tsrc *t = g->self;
    const double *x = t->pe[p * g->o->n_spec + e].c;
    for (size_t i = 0; i < t->log->n_episodes; i++)
        c[i] = x ? x[i] : NAN;      /* not kept (not prepared): no interval */
    return 0;
}

static const double *t_baseline(struct eng *g)
{
    return ((const struct tsrc *)g->self)->ret;
}

static const struct eng_kind traj_kind = {
    .kind = EST_TRAJ,
    .noun = "trajectory",
    .unit = DIAG_TRAJECTORIES,
    .check = t_check,
    .policy_index = t_policy_index,
    .policy_name = t_policy_name,
    .describe = t_describe,
    .setup = t_setup,
    .prepare = t_prepare,
    .prepare_all = t_prepare_all,
    .source = t_source,
    .col = t_col,
    .end_source = t_end_source,
    .point = t_point,
    .value = t_value,
    .est_stats = t_est_stats,
    .baseline = t_baseline,
    .pol_stats = t_pol_stats,
    .refit = t_refit,
    .contrib = t_contrib,
};

static void tsrc_release(struct tsrc *t, size_t n_pol, size_t ns)
{
    if (t->terms)
        for (size_t e = 0; e < ns; e++)
            traj_terms_release(&t->terms[e]);
    if (t->pe)
        for (size_t k = 0; k < n_pol * ns; k++)
            free(t->pe[k].coef), free(t->pe[k].c);
    free(t->w), free(t->rho), free(t->qa), free(t->v), free(t->c), free(t->ret), free(t->terms);
    free(t->lay), free(t->pe), free(t->dg), free(t->rho_max), free(t->finite), free(t->point);
    free(t->S);
    diag_support_release(&t->support);
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
    struct tsrc t;
    memset(&t, 0, sizeof t);
    t.log = log;
    t.to = to;
    t.gamma = isnan(to->gamma) ? log->gamma : to->gamma;
    struct eng g;
    memset(&g, 0, sizeof g);
    g.kind = &traj_kind;
    g.self = &t;
    g.n = log->n_episodes;
    g.n_log_policies = log->n_policies;
    g.path = log->path;
    struct res_eval *r = eng_run(&g, o, err);
    tsrc_release(&t, g.n_pol, o->n_spec);
    return r;
}
