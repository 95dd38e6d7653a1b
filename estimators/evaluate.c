/* estimators/evaluate.c: the bandit source of the evaluation driver (engine.h) and
 * eval_bandit. Per policy it prepares three row vectors (weight, q̂ at the logged
 * action, q̂ under pi_e); every estimator turns them into term vectors in row chunks
 * (evboot.c), so nothing of size n x estimators is ever stored. The reward model is
 * fitted once for all policies; the contributions behind se and the t, Hoeffding
 * and Bernstein intervals are formed chunk by chunk from the finished sums. */
#include "config.h"
#include "estimators/evaluate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "estimators/accum.h"
#include "estimators/engine.h"
#include "estimators/evbandit.h"
#include "estimators/evboot.h"
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
    o->matrix_k = 3;
    rm_opts_init(&o->model);
}

void evb_pol_in_release(struct evb_pol_in *pi)
{
    free(pi->w);
    free(pi->pa);
    free(pi->qa);
    free(pi->qpi);
    memset(pi, 0, sizeof *pi);
}

/* Rows per task of evb_pol_in_build's pass (each row is independent: any split gives
 * the same vectors). */
#define PIN_ROWS 65536

struct pin_job {
    const struct blog *log;
    double **qhat, **prob;
    struct evb_pol_in *pi;
};

static void pin_task(void *arg, size_t t)
{
    const struct pin_job *j = arg;
    const struct blog *log = j->log;
    struct evb_pol_in *pi = j->pi;
    size_t lo = t * PIN_ROWS, hi = lo + PIN_ROWS < log->n ? lo + PIN_ROWS : log->n;
    for (size_t i = lo; i < hi; i++) {
        pi->pa[i] = j->prob[log->action[i]][i];
        pi->w[i] = pi->pa[i] / log->pscore[i];
    }
    for (size_t i = lo; j->qhat && i < hi; i++) {
        pi->qa[i] = j->qhat[log->action[i]][i];
        double s = 0;
        for (int a = 0; a < log->n_actions; a++)
            s += j->prob[a][i] * j->qhat[a][i];
        pi->qpi[i] = s;
    }
}

int evb_pol_in_build(const struct blog *log, double **qhat, size_t p, int threads,
                     struct evb_pol_in *pi, struct ope_error *err)
{
    size_t n = log->n;
    memset(pi, 0, sizeof *pi);
    pi->w = ope_malloc((n ? n : 1) * sizeof *pi->w, err);
    pi->pa = ope_malloc((n ? n : 1) * sizeof *pi->pa, err);
    if (qhat) {
        pi->qa = ope_malloc((n ? n : 1) * sizeof *pi->qa, err);
        pi->qpi = ope_malloc((n ? n : 1) * sizeof *pi->qpi, err);
    }
    if (!pi->w || !pi->pa || (qhat && (!pi->qa || !pi->qpi))) {
        evb_pol_in_release(pi);     /* zeroes it: the caller releases every policy's again */
        return -1;
    }
    struct pin_job j = { log, qhat, log->policy[p].prob, pi };
    ope_parallel_for((n + PIN_ROWS - 1) / PIN_ROWS, threads, pin_task, &j, NULL, NULL);
    return 0;
}

void evb_in_of(const struct blog *log, const struct evb_pol_in *pi, struct est_bandit_in *in)
{
    memset(in, 0, sizeof *in);
    in->n = log->n;
    in->w = pi->w;
    in->r = log->reward;
    in->qhat_a = pi->qa;
    in->qhat_pi = pi->qpi;
    in->pi_a = pi->pa;
}

void evb_contributions(const struct est_spec *s, const struct est_bandit_in *in,
                       const double *sums, double n, double *c, double *buf)
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
            c[lo + i] = d->contrib(ti, sums, n);
        }
    }
}

void evb_reward_minmax(const struct blog *log, double *mn, double *mx)
{
    for (size_t i = 0; i < log->n; i++) {
        *mn = fmin(*mn, log->reward[i]);
        *mx = fmax(*mx, log->reward[i]);
    }
}

void evb_reward_range(double mn, double mx, double *lo, double *hi)
{
    *lo = mn >= 0.0 ? 0.0 : mn;
    *hi = mx <= 1.0 ? 1.0 : mx;
}

/* A bound for any action the logging policy could have taken with that propensity,
 * computed from the probabilities alone (no reward). */
double evb_weight_bound(const struct blog *log, size_t pol, double w0)
{
    double **prob = log->policy[pol].prob, w = w0;
    for (size_t i = 0; i < log->n; i++) {
        double m = 0.0;
        for (int a = 0; a < log->n_actions; a++)
            m = fmax(m, prob[a][i]);
        w = fmax(w, m / log->pscore[i]);
    }
    return w;
}

void evb_est_weights(const struct est_spec *s, const struct diag_acc *acc, struct eng_est *es)
{
    struct diag_weights dw;
    diag_acc_result(acc, &dw);
    es->mean_w = dw.mean;
    es->max_w = dw.max;
    es->ess = dw.ess;
    /* Empty support (est_desc.weights_only): no weight it uses is positive. */
    if (s->d->weights_only && !(dw.max > 0)) {
        es->undefined = 1;
        snprintf(es->why, sizeof es->why, "every importance weight it uses is 0 "
                 "(the policy gives no logged action a positive probability: "
                 "empty support)");
    }
}

/* ---- the source ----------------------------------------------------------------- */

struct bsrc {
    const struct blog *log;
    double **qhat;              /* q̂ the policies' rows read (NULL: no estimator uses it) */
    double **fitted;            /* the reward model when the log has no qhat.* columns */
    double **infl;              /* its influence on dm per log policy, or NULL */
    struct evb_pol_in *pin;         /* [n_pol] */
    struct est_bandit_in *in;   /* [n_pol] */
    struct diag_support support;
    struct evboot *ev;
    size_t *col;                /* [n_pol * n_spec] first column of (p, e) in ev */
    size_t base_col;            /* the reward's column in ev (the lift's baseline) */
    double *wmax;               /* [n_pol] --ci cs: the largest weight each policy allows */
    double rlo, rhi;            /* --ci cs: the rewards' range */
    struct acc_source src;      /* ev's source, with the part's row ids */
    const struct res_model *model;  /* a part's qhat: its description (else NULL) */
    int borrowed;               /* qhat and infl are the part's: not freed here */
};

static const char *log_path(const struct blog *log)
{
    return log->path ? log->path : "log";
}

static int b_check(struct eng *g, struct ope_error *err)
{
    const struct blog *log = ((struct bsrc *)g->self)->log;
    if (log->n_policies == 0)
        return ope_fail(err, OPE_EUSAGE, "%s: the log has no evaluation policy columns "
                        "(pi.NAME.A); add them, or name the columns with --policy-columns",
                        log_path(log));
    if (log->n < 2)
        return ope_fail(err, OPE_EDATA, "%s: %zu row(s); at least 2 are needed to evaluate",
                        log_path(log), log->n);
    return 0;
}

static int b_policy_index(struct eng *g, const char *name, struct ope_error *err)
{
    const struct blog *log = ((struct bsrc *)g->self)->log;
    int idx = blog_policy_index(log, name);
    if (idx >= 0)
        return idx;
    char names[512] = "";
    for (size_t q = 0; q < log->n_policies; q++) {
        size_t l = strlen(names);
        snprintf(names + l, sizeof names - l, "%s%s", q ? ", " : "", log->policy[q].name);
    }
    ope_fail(err, OPE_EUSAGE, "no policy '%s' in %s; it has: %s", name,
             log->path ? log->path : "the log", names);
    return -1;
}

static const char *b_policy_name(struct eng *g, size_t pol)
{
    return ((struct bsrc *)g->self)->log->policy[pol].name;
}

static void b_describe(struct eng *g, struct res_eval *r)
{
    const struct blog *log = ((struct bsrc *)g->self)->log;
    r->rows = log->n;
    r->kind = "bandit";
    r->n_actions = log->n_actions;
    r->behavior_value = r->behavior_observed = blog_mean_reward(log);
}

/* The reward model (q̂ columns of the log, or one fitted by cross-fitting for every
 * policy), the per-policy rows and the support of the log's actions. */
static int b_setup(struct eng *g, struct res_eval *r, struct ope_error *err)
{
    struct bsrc *b = g->self;
    b->pin = ope_calloc(g->n_pol + 1, sizeof *b->pin, err);
    b->in = ope_calloc(g->n_pol + 1, sizeof *b->in, err);
    b->wmax = ope_calloc(g->n_pol + 1, sizeof *b->wmax, err);
    if (!b->pin || !b->in || !b->wmax)
        return -1;
    double mn = INFINITY, mx = -INFINITY;
    evb_reward_minmax(b->log, &mn, &mx);
    evb_reward_range(mn, mx, &b->rlo, &b->rhi);
    if (!r)
        return 0;
    if (!g->need_model) {
        b->qhat = NULL;
    } else if (!b->qhat) {
        ope_progress_report(g->o->progress, 0.0, "reward model");
        int want = 0;   /* an estimator that carries the model's error (dm) */
        for (size_t e = 0; e < g->o->n_spec; e++)
            want |= g->o->spec[e].d->model_infl;
        b->fitted = rm_crossfit_infl(b->log, &g->o->model, &r->model, g->o->progress,
                                     want ? &b->infl : NULL, err);
        if (!b->fitted)
            return -1;
        b->qhat = b->fitted;
    } else if (b->model) {
        r->model = *b->model;   /* fitted once on the whole log (eval_part) */
    } else {
        snprintf(r->model.kind, sizeof r->model.kind, "qhat-columns");
    }
    return diag_support_blog(&b->support, b->log, err);
}

static int b_prepare(struct eng *g, size_t p, size_t pol, struct ope_error *err)
{
    struct bsrc *b = g->self;
    if (evb_pol_in_build(b->log, b->qhat, pol, g->o->threads, &b->pin[p], err) != 0)
        return -1;
    evb_in_of(b->log, &b->pin[p], &b->in[p]);
    b->in[p].qhat_pi_infl = b->infl ? b->infl[pol] : NULL;
    if (g->o->ci == CI_CS)
        b->wmax[p] = evb_weight_bound(b->log, pol, 0.0);
    return 0;
}

static const struct acc_source *b_source(struct eng *g, struct ope_error *err)
{
    struct bsrc *b = g->self;
    size_t ns = g->o->n_spec;
    /* The fitted q̂ (A x n) served only the policies' row vectors (prepare, done by
     * now): it goes before the cache of term vectors comes, so the two never add up
     * at the evaluation's peak of memory. glibc keeps freed heap pages (its mmap
     * threshold rises as big blocks are freed, so such columns often live in the
     * heap): hand them back, or the peak stays (1M rows: 438 MB, with this 360). */
    if (b->fitted) {
        blog_matrix_free(b->fitted, b->log->n_actions);
        b->fitted = NULL;
        b->qhat = NULL;
#ifdef __GLIBC__
        malloc_trim(0);
#endif
    }
    /* The reward rides along as one more column: the lift's V(pi_b) replicates then
     * share the estimates' bootstrap counts instead of drawing them all again. */
    b->ev = evboot_new(b->in, g->n_pol, g->o->spec, ns, g->n_pol ? b->log->reward : NULL,
                       g->B, g->o->threads, err);
    b->col = ope_malloc((g->n_pol * ns + 1) * sizeof *b->col, err);
    if (!b->ev || !b->col)
        return NULL;
    for (size_t p = 0; p < g->n_pol; p++)
        for (size_t e = 0; e < ns; e++)
            b->col[p * ns + e] = evboot_col(b->ev, p, e);
    b->base_col = evboot_extra_col(b->ev);
    b->src = *evboot_source(b->ev);
    b->src.rowid = g->rowid;
    return &b->src;
}

static size_t b_col(struct eng *g, size_t p, size_t e)
{
    return ((struct bsrc *)g->self)->col[p * g->o->n_spec + e];
}

/* The cached term vectors go before the contributions' pass allocates its own. */
static void b_end_source(struct eng *g)
{
    struct bsrc *b = g->self;
    evboot_free(b->ev);
    b->ev = NULL;
}

static double b_value(struct eng *g, size_t p, size_t e, const double *sums, double n)
{
    (void)p;
    return g->o->spec[e].d->combine(sums, n);
}

/* The confidence sequence of (p, s)'s contributions c[n] in row order, over --bounds or
 * the range the estimator's terms can take with the policy's largest weight. */
static void cs_of(struct eng *g, const struct bsrc *b, size_t p, const struct est_spec *s,
                  const double *c, struct eng_est *es)
{
    const struct eval_opts *o = g->o;
    if (!isnan(o->bound_lo)) {
        es->cs_a = o->bound_lo;
        es->cs_b = o->bound_hi;
    } else {
        s->d->cs_range(s->param, b->wmax[p], b->rlo, b->rhi, &es->cs_a, &es->cs_b);
    }
    if (!(es->cs_b > es->cs_a))     /* a degenerate range (every weight 0): widen it */
        es->cs_b = es->cs_a + 1.0;
    es->cs = 1;
    es->cs_outside = ci_cs_of(c, b->log->n, es->cs_a, es->cs_b, o->alpha, &es->cs_lo,
                              &es->cs_hi);
}

/* Whether the estimator applies, its contributions' statistics and the weights it
 * applies (when it has a weight function). */
static int b_est_stats(struct eng *g, size_t p, size_t e, const double *sums,
                       struct eng_est *es)
{
    const struct bsrc *b = g->self;
    const struct est_spec *s = &g->o->spec[e];
    const struct est_bandit_in *in = &b->in[p];
    size_t n = b->log->n;
    es->why[0] = '\0';
    es->applies = !s->d->applies || s->d->applies(in, s->param, es->why, sizeof es->why);
    es->weighted = es->applies && s->d->weight;
    if (!es->applies) {
        ci_stats_of(NULL, 0, &es->st);
        return 0;
    }
    double *buf = malloc(EST_MAX_TERMS * CHUNK * sizeof *buf);
    /* (ope_malloc: whole huge pages when large; the engine says out of memory on -1) */
    struct ope_error oom = { 0 };
    double *c = ope_malloc(n * sizeof *c, &oom);
    if (buf && c) {
        evb_contributions(s, in, sums, (double)in->n, c, buf);
        ci_stats_of(c, n, &es->st);
        int cs = g->o->ci == CI_CS && s->d->cs_range;
        if (cs)
            cs_of(g, b, p, s, c, es);
        /* The lift's paired differences: contribution minus the row's reward. */
        for (size_t i = 0; i < n; i++)
            c[i] -= b->log->reward[i];
        ci_stats_of(c, n, &es->lift_st);
        if (cs)
            ci_cs_of(c, n, es->cs_a - b->rhi, es->cs_b - b->rlo, g->o->alpha,
                     &es->cs_lift_lo, &es->cs_lift_hi);
        if (s->d->weight) {
            struct diag_acc acc;
            diag_acc_init(&acc);
            for (size_t i = 0; i < n; i++)
                diag_acc_add(&acc, s->d->weight(in->w[i], s->param));
            evb_est_weights(s, &acc, es);
        }
    }
    int rc = buf && c ? 0 : -1;
    free(buf);
    free(c);
    return rc;
}

/* The contributions of (p, e) again, for the differences between candidates: as
 * est_stats formed them, from the same point sums. */
static int b_contrib(struct eng *g, size_t p, size_t e, const double *sums, double *c)
{
    const struct bsrc *b = g->self;
    double *buf = malloc(EST_MAX_TERMS * CHUNK * sizeof *buf);
    if (!buf)
        return -1;
    evb_contributions(&g->o->spec[e], &b->in[p], sums, (double)b->in[p].n, c, buf);
    free(buf);
    return 0;
}

/* The raw weights' statistics, the truth (q.* columns) and the unsupported mass. */
static void b_pol_stats(struct eng *g, size_t p, size_t pol, struct eng_pol *ps)
{
    const struct bsrc *b = g->self;
    const struct blog *log = b->log;
    ps->truth = log->q ? blog_policy_truth(log, pol) : NAN;
    ps->unsupported = diag_unsupported_blog(&b->support, log, pol);
    diag_weights_of(b->pin[p].w, log->n, &ps->w);
}

static const double *b_baseline(struct eng *g)
{
    return ((const struct bsrc *)g->self)->log->reward;
}

static size_t b_baseline_col(struct eng *g)
{
    return ((const struct bsrc *)g->self)->base_col;
}

static const struct eng_kind bandit_kind = {
    .kind = EST_BANDIT,
    .noun = "bandit",
    .unit = DIAG_ROWS,
    .check = b_check,
    .policy_index = b_policy_index,
    .policy_name = b_policy_name,
    .describe = b_describe,
    .setup = b_setup,
    .prepare = b_prepare,
    .source = b_source,
    .col = b_col,
    .end_source = b_end_source,
    .value = b_value,
    .est_stats = b_est_stats,
    .pol_stats = b_pol_stats,
    .baseline = b_baseline,
    .baseline_col = b_baseline_col,
    .contrib = b_contrib,
};

static void bsrc_release(struct bsrc *b, size_t n_pol)
{
    if (b->pin)
        for (size_t p = 0; p < n_pol; p++)
            evb_pol_in_release(&b->pin[p]);
    free(b->pin);
    free(b->in);
    evboot_free(b->ev);
    free(b->col);
    free(b->wmax);
    diag_support_release(&b->support);
    if (b->fitted)
        blog_matrix_free(b->fitted, b->log->n_actions);
    if (!b->borrowed)
        blog_matrix_free(b->infl, (int)b->log->n_policies);
}

static void eng_of(struct eng *g, struct bsrc *b, const struct blog *log, double **qhat)
{
    memset(b, 0, sizeof *b);
    b->log = log;
    b->qhat = qhat;
    memset(g, 0, sizeof *g);
    g->kind = &bandit_kind;
    g->self = b;
    g->n = log->n;
    g->n_log_policies = log->n_policies;
    g->path = log->path;
}

int eval_bootstrap_values(const struct blog *log, const struct eval_opts *o, double **qhat,
                          const size_t *pol, size_t n_pol, double *vals, struct ope_error *err)
{
    struct bsrc b;
    struct eng g;
    eng_of(&g, &b, log, qhat);
    int rc = eng_replicates(&g, o, pol, n_pol, vals, err);
    bsrc_release(&b, n_pol);
    return rc;
}

struct res_eval *eval_bandit(const struct blog *log, const struct eval_opts *o,
                             struct ope_error *err)
{
    return eval_bandit_part(log, o, NULL, err);
}

struct res_eval *eval_bandit_part(const struct blog *log, const struct eval_opts *o,
                                  const struct eval_part *part, struct ope_error *err)
{
    struct bsrc b;
    struct eng g;
    eng_of(&g, &b, log, log->qhat);
    if (part && part->qhat && !log->qhat) {
        b.qhat = part->qhat;
        b.infl = part->infl;
        b.model = part->model;
        b.borrowed = 1;
    }
    if (part) {
        g.rowid = part->rowid;
        g.keep = part->replicates;
    }
    struct res_eval *r = eng_run(&g, o, err);
    bsrc_release(&b, g.n_pol);
    if (r)
        ope_progress_report(o->progress, 1.0, "done");
    return r;
}
