/* estimators/rmstream.c: the reward model fitted over passes of a windowed log
 * (rmstream.h), the only fit there is: a log in memory is one window (rm_crossfit).
 * Every sum is gathered in row order across windows: the per-fold sums of the
 * standardisation (feat_map_init's two passes), the per-model normal equations (each
 * model's rows are its action's training rows, ascending), the Newton iterations of
 * logit_fit run as a state machine with one pass per objective evaluation, dm's
 * gradient per fold and the per-row influence terms. So the windows' number and size
 * change no bit of the fit. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>

#include "estimators/rmstream.h"
#include "estimators/rmcache.h"
#include "estimators/features.h"
#include "estimators/logistic.h"
#include "estimators/rmodel_normal.h"
#include "ope/base/statefile.h"
#include "ope/base/strbuf.h"
#include "ope/base/sum.h"
#include "ope/base/threads.h"

/* Log-loss clips predictions to [CLIP, 1 - CLIP] (only there). */
#define CLIP 1e-15
/* logit_fit's step halvings before it gives up on a step. */
#define HALVINGS 40

enum stage { ST_MEAN, ST_VAR, ST_FIT, ST_GRAD, ST_PHI, ST_DONE };

/* Where a logistic model is in logit_fit's loop. */
enum newton { NT_START, NT_TRIAL, NT_DONE };

/* One (fold, action) model. */
struct model {
    struct rm_normal h;     /* normal equations (ridge), X'WX (Newton, infl) */
    int h_ok;
    size_t rows;            /* its training rows */
    struct ope_sum ysum;    /* their responses (logit_start) */
    /* logistic: logit_fit's loop */
    enum newton phase;
    double *cand, *step, *g, *b;    /* [p] each */
    struct ope_sum osum;    /* the objective's row terms at the point being evaluated */
    double obj, t, smax, bmax;
    int half, iter;
    double *grad;           /* [P * p] dm's gradient (influence) */
    int status;
    struct ope_error err;
};

struct rms {
    struct rm_opts o;
    enum rm_kind kind;
    int K;
    size_t A, P, *pol;
    char *path;
    enum stage st;
    size_t n;                   /* rows, after the first pass */
    int again;                  /* the means' pass must be made again (fewer folds) */
    int stream;                 /* windows of a streamed log (else one log in memory) */
    struct rmc *cache;          /* the model's columns, filled by the first pass */
    int cached;                 /* ... and complete */
    char label[32];             /* the progress label of a Newton pass */
    int newton_passes;
    /* the log's shape, from its windows */
    int shaped;
    size_t n_num, n_cat, *levels, n_positions;
    char **cat_names;
    int has_pos;
    /* the first passes */
    size_t *mrows;              /* [K] training rows of each fold */
    struct ope_sum *xs, *ysum;  /* [K * n_num] (means, then squared deviations), [K] */
    double *mu, *n_a, *k_a;     /* [K * n_num], [K * A] x 2 */
    int binary, have_bad;
    size_t bad_line;
    double bad_value;
    /* the fit */
    struct feat_map *map;       /* [K] */
    int blk_cat;
    double *prior_rows, *train_mean;    /* [K] */
    struct model *mod;          /* [K * A] */
    double **beta, **v;         /* [K * A] (rm_prior_slopes_fold's layout: NULL without
                                   training rows) */
    /* the influence */
    double *cprior, *cm, *rbar; /* [K * P], [K * A * P], [K * A] */
    struct ope_sum *phi_sum, err_sum;
    double *phi_mean;           /* [P] */
    double heldout;
    /* a log in memory: the held-out pass's q̂ [A][n] and the influence pass's phi
     * [P][n], kept for rms_take_predictions (rms_predict would compute them again) */
    double **kept_q, **kept_u;
    /* one window's scratch (rows_k, rows_first: the folds and start it was made for) */
    const struct blog *w;
    int rows_k;
    size_t rows_first;
    int *fold;
    size_t *by_act, *act_start, cap;
};

static size_t p_of(const struct rms *m)
{
    return m->map ? m->map[0].p : 0;
}

static int is_train(const struct rms *m, int fold, int k)
{
    return m->K == 1 || fold != k;
}

static int row_pos(const struct blog *w, size_t i)
{
    return w->position ? w->position[i] : 0;
}

struct rms *rms_new(const struct rm_opts *o, int n_actions, const size_t *pol, size_t n_pol,
                    const char *path, int mode, struct ope_error *err)
{
    if (o->folds < 1) {
        ope_fail(err, OPE_EUSAGE, "reward model: folds must be at least 1, got %d", o->folds);
        return NULL;
    }
    if (!(o->lambda >= 0.0) || !isfinite(o->lambda) || !isfinite(o->prior_rows)) {
        ope_fail(err, OPE_EUSAGE, "reward model: lambda must be a finite number >= 0 and "
                 "prior_rows finite");
        return NULL;
    }
    struct rms *m = ope_calloc(1, sizeof *m, err);
    if (!m)
        return NULL;
    m->o = *o;
    m->K = o->folds;
    m->A = n_actions > 0 ? (size_t)n_actions : 1;
    m->P = n_pol;
    m->binary = 1;
    size_t K = (size_t)m->K, A = m->A;
    m->pol = ope_calloc(n_pol + 1, sizeof *m->pol, err);
    m->path = path ? ope_strdup(path, err) : NULL;
    m->mrows = ope_calloc(K, sizeof *m->mrows, err);
    m->ysum = ope_calloc(K, sizeof *m->ysum, err);
    m->n_a = ope_calloc(2 * K * A, sizeof *m->n_a, err);
    m->mod = ope_calloc(K * A, sizeof *m->mod, err);
    m->beta = ope_calloc(K * A, sizeof *m->beta, err);
    m->v = ope_calloc(K * A, sizeof *m->v, err);
    m->prior_rows = ope_calloc(K, sizeof *m->prior_rows, err);
    m->train_mean = ope_calloc(K, sizeof *m->train_mean, err);
    m->cprior = ope_calloc(K * n_pol + 1, sizeof *m->cprior, err);
    m->cm = ope_calloc(K * A * n_pol + 1, sizeof *m->cm, err);
    m->rbar = ope_calloc(K * A, sizeof *m->rbar, err);
    m->phi_sum = ope_calloc(n_pol + 1, sizeof *m->phi_sum, err);
    m->phi_mean = ope_calloc(n_pol + 1, sizeof *m->phi_mean, err);
    m->act_start = ope_calloc(A + 1, sizeof *m->act_start, err);
    if (!m->pol || (path && !m->path) || !m->mrows || !m->ysum || !m->n_a || !m->mod
        || !m->beta || !m->v || !m->prior_rows || !m->train_mean || !m->cprior || !m->cm
        || !m->rbar || !m->phi_sum || !m->phi_mean || !m->act_start) {
        rms_free(m);
        return NULL;
    }
    m->k_a = m->n_a + K * A;
    m->stream = mode != RMS_MEMORY;
    /* NULL: every pass reads the log */
    m->cache = mode == RMS_STREAM ? rmc_new() : NULL;
    for (size_t q = 0; q < n_pol; q++) {
        m->pol[q] = pol[q];
        ope_sum_init(&m->phi_sum[q]);
    }
    for (size_t k = 0; k < K; k++)
        ope_sum_init(&m->ysum[k]);
    for (size_t t = 0; t < K * A; t++)
        ope_sum_init(&m->mod[t].ysum);
    ope_sum_init(&m->err_sum);
    return m;
}

void rms_free(struct rms *m)
{
    if (!m)
        return;
    rmc_free(m->cache);
    size_t K = (size_t)m->K, A = m->A;
    blog_matrix_free(m->kept_q, (int)A);
    blog_matrix_free(m->kept_u, (int)m->P);
    for (size_t t = 0; m->mod && m->beta && m->v && t < K * A; t++) {
        struct model *md = &m->mod[t];
        if (md->h_ok)
            rmn_release(&md->h);
        free(md->cand);
        free(md->step);
        free(md->g);
        free(md->b);
        free(md->grad);
        free(m->beta[t]);
        free(m->v[t]);
    }
    for (size_t k = 0; m->map && k < K; k++)
        feat_map_release(&m->map[k]);
    for (size_t c = 0; m->cat_names && c < m->n_cat; c++)
        free(m->cat_names[c]);
    free(m->cat_names);
    free(m->map);
    free(m->mod);
    free(m->beta);
    free(m->v);
    free(m->pol);
    free(m->path);
    free(m->levels);
    free(m->mrows);
    free(m->xs);
    free(m->ysum);
    free(m->mu);
    free(m->n_a);
    free(m->prior_rows);
    free(m->train_mean);
    free(m->cprior);
    free(m->cm);
    free(m->rbar);
    free(m->phi_sum);
    free(m->phi_mean);
    free(m->fold);
    free(m->by_act);
    free(m->act_start);
    free(m);
}

const char *rms_next_pass(struct rms *m)
{
    /* At most 24 characters: the progress line's room for a label. */
    switch (m->st) {
    case ST_MEAN: return "model: means";
    case ST_VAR: return "model: spread";
    case ST_FIT:
        if (m->kind != RM_LOGISTIC)
            return "model: normal equations";
        snprintf(m->label, sizeof m->label, "model: Newton pass %d", ++m->newton_passes);
        return m->label;
    case ST_GRAD: return "model: held-out error";
    case ST_PHI: return "model: influence";
    default: return NULL;
    }
}

/* ---- one window ------------------------------------------------------------------- */

/* The log's shape: its context columns (names of the categorical ones), positions. */
static int shape_init(struct rms *m, size_t n_num, size_t n_cat, char *const *names,
                      size_t n_positions, int has_pos, struct ope_error *err)
{
    size_t K = (size_t)m->K;
    m->shaped = 1;
    m->n_num = n_num;
    m->n_cat = n_cat;
    m->n_positions = n_positions > 0 ? n_positions : 1;
    m->has_pos = has_pos;
    m->levels = ope_calloc(n_cat + 1, sizeof *m->levels, err);
    m->cat_names = ope_calloc(n_cat + 1, sizeof *m->cat_names, err);
    m->xs = ope_calloc(K * n_num + 1, sizeof *m->xs, err);
    m->mu = ope_calloc(K * n_num + 1, sizeof *m->mu, err);
    if (!m->levels || !m->cat_names || !m->xs || !m->mu)
        return -1;
    for (size_t c = 0; c < n_cat; c++)
        if (!(m->cat_names[c] = ope_strdup(names[c] ? names[c] : "", err)))
            return -1;
    for (size_t t = 0; t < K * n_num; t++)
        ope_sum_init(&m->xs[t]);
    return 0;
}

/* The log's shape from its first window; later windows may add categorical levels
 * (the levels are numbered in order of first appearance, so only grow). */
static int shape(struct rms *m, const struct blog *w, struct ope_error *err)
{
    if (!m->shaped) {
        char **names = ope_calloc(w->n_cat_ctx + 1, sizeof *names, err);
        if (!names)
            return -1;
        for (size_t c = 0; c < w->n_cat_ctx; c++)
            names[c] = w->cat_ctx[c].name;
        int rc = shape_init(m, w->n_num_ctx, w->n_cat_ctx, names,
                            (size_t)(w->n_positions > 0 ? w->n_positions : 1),
                            w->position != NULL, err);
        free(names);
        if (rc < 0)
            return -1;
    }
    if (w->n_num_ctx != m->n_num || w->n_cat_ctx != m->n_cat)
        return ope_fail(err, OPE_EDATA, "%s: a window has other context columns than the "
                        "first", m->path ? m->path : "log");
    for (size_t c = 0; c < m->n_cat; c++)
        if (w->cat_ctx[c].n_levels > m->levels[c])
            m->levels[c] = w->cat_ctx[c].n_levels;
    if ((size_t)w->n_positions > m->n_positions)
        m->n_positions = (size_t)w->n_positions;
    return 0;
}

/* The window's folds and its rows grouped by action (ascending within). */
static int window_rows(struct rms *m, const struct blog *w, size_t first, struct ope_error *err)
{
    /* A log in memory is the same window at every pass: its folds and rows by action
     * stand (unless the folds changed: the means' pass made again with fewer). */
    if (!m->stream && m->w == w && m->rows_k == m->K && m->rows_first == first &&
        m->cap >= w->n)
        return 0;
    if (w->n > m->cap) {
        free(m->fold);
        free(m->by_act);
        m->fold = ope_malloc(w->n * sizeof *m->fold, err);
        m->by_act = ope_malloc(w->n * sizeof *m->by_act, err);
        if (!m->fold || !m->by_act) {
            m->cap = 0;
            return -1;
        }
        m->cap = w->n;
    }
    if (rm_folds(m->o.seed, m->K, first, w->n, m->fold, err) < 0)
        return -1;
    size_t A = m->A, *start = m->act_start;
    memset(start, 0, (A + 1) * sizeof *start);
    for (size_t i = 0; i < w->n; i++)
        start[(size_t)w->action[i] + 1]++;
    for (size_t a = 0; a < A; a++)
        start[a + 1] += start[a];
    for (size_t i = 0; i < w->n; i++)
        m->by_act[start[w->action[i]]++] = i;
    for (size_t a = A; a > 0; a--)
        start[a] = start[a - 1];
    start[0] = 0;
    m->w = w;
    m->rows_k = m->K;
    m->rows_first = first;
    return 0;
}

/* The means' pass: every count and sum the fit's setup needs. */
static void add_means(struct rms *m, const struct blog *w, size_t first)
{
    size_t K = (size_t)m->K, A = m->A;
    m->n += w->n;
    for (size_t i = 0; i < w->n; i++) {
        double y = w->reward[i];
        size_t a = (size_t)w->action[i];
        m->binary &= (y == 0.0 || y == 1.0);
        if (!m->have_bad && !(y >= 0.0 && y <= 1.0)) {
            m->have_bad = 1;
            m->bad_line = w->line ? w->line[i] : first + i + 1;
            m->bad_value = y;
        }
        for (size_t k = 0; k < K; k++) {
            if (!is_train(m, m->fold[i], (int)k))
                continue;
            m->mrows[k]++;
            ope_sum_add(&m->ysum[k], y);
            m->n_a[k * A + a] += 1.0;
            m->k_a[k * A + a] += y;
            m->mod[k * A + a].rows++;
            ope_sum_add(&m->mod[k * A + a].ysum, y);
            for (size_t c = 0; c < m->n_num; c++)
                ope_sum_add(&m->xs[k * m->n_num + c], w->num_ctx[c][i]);
        }
    }
}

static void add_spread(struct rms *m, const struct blog *w)
{
    size_t K = (size_t)m->K;
    for (size_t i = 0; i < w->n; i++)
        for (size_t k = 0; k < K; k++) {
            if (!is_train(m, m->fold[i], (int)k))
                continue;
            for (size_t c = 0; c < m->n_num; c++) {
                double d = w->num_ctx[c][i] - m->mu[k * m->n_num + c];
                ope_sum_add(&m->xs[k * m->n_num + c], d * d);
            }
        }
}

/* Rows ahead that model_task fetches (a few cache misses' latency of work). */
#define MODEL_PREFETCH 16

/* One model's training rows of the window into its normal equations: the fit's
 * (ridge: weight 1, response y; logistic: mu (1 - mu) and y - mu at the point being
 * evaluated, with the objective's terms) or, in the held-out pass, the Hessian at the
 * fit, H = X'WX (+ the penalty and prior once closed): what dm's influence solves. */
static void model_task(void *ctx, size_t t)
{
    struct rms *m = ctx;
    struct model *md = &m->mod[t];
    const double *beta = m->beta[t];
    size_t A = m->A, k = t / A, a = t % A;
    if (!beta || !md->h_ok || md->status < 0)
        return;
    int logistic = m->kind == RM_LOGISTIC, hess = m->st == ST_GRAD;
    if (!hess && logistic && md->phase == NT_DONE)
        return;
    const double *at = logistic && !hess && md->phase == NT_TRIAL ? md->cand : beta;
    const struct feat_map *fm = &m->map[k];
    const struct blog *w = m->w;
    int *idx = malloc(fm->nnz * sizeof *idx);
    double *val = malloc(fm->nnz * sizeof *val);
    if (!idx || !val) {
        md->status = ope_fail_oom(&md->err);
        goto out;
    }
    struct feat_rows one = {1, fm->nnz, fm->p, idx, val, NULL, 0, 0};
    if (m->blk_cat >= 0) {
        one.blk_off = fm->cat_off[m->blk_cat];
        one.blk_len = m->levels[m->blk_cat];
    }
    size_t end = m->act_start[a + 1];
    for (size_t s = m->act_start[a]; s < end; s++) {
        size_t i = m->by_act[s];
        /* The action's rows are scattered over the window: each of their columns
         * costs a cache miss, so they are fetched a few rows ahead. */
        if (s + MODEL_PREFETCH < end) {
            size_t ahead = m->by_act[s + MODEL_PREFETCH];
            feat_prefetch(fm, w, ahead);
#if defined(__GNUC__)
            __builtin_prefetch(&m->fold[ahead]);
#endif
        }
        if (!is_train(m, m->fold[i], (int)k))
            continue;
        feat_row(fm, w, i, row_pos(w, i), idx, val);
        double y = w->reward[i];
        if (!logistic) {
            rmn_add(&md->h, &one, 0, 1.0, hess ? 0.0 : y);
        } else if (hess) {
            double mu = logit_sigmoid(feat_dot(&one, 0, beta));
            rmn_add(&md->h, &one, 0, mu * (1.0 - mu), 0.0);
        } else {
            double eta = feat_dot(&one, 0, at), e = logit_exp(eta);
            ope_sum_add(&md->osum, logit_term(y, eta, e));
            double mu = logit_mu(eta, e);
            rmn_add(&md->h, &one, 0, mu * (1.0 - mu), y - mu);
        }
    }
out:
    free(idx);
    free(val);
}

static int run_models(struct rms *m, struct ope_error *err)
{
    size_t n = (size_t)m->K * m->A;
    int threads = m->o.threads > 0 ? m->o.threads : ope_default_threads();
    ope_parallel_for(n, threads, model_task, m, NULL, NULL);
    for (size_t t = 0; t < n; t++)
        if (m->mod[t].status < 0) {
            *err = m->mod[t].err;
            return -1;
        }
    return 0;
}

/* One task's scratch: a feature row, a row's predictions and influence terms. */
struct scratch {
    int *idx;
    double *val, *qrow, *phi;
};

static void scratch_free(struct scratch *sc)
{
    free(sc->idx);
    free(sc->val);
    free(sc->qrow);
    free(sc->phi);
}

static int scratch_new(const struct rms *m, struct scratch *sc)
{
    size_t nnz = m->map[0].nnz;
    sc->idx = malloc(nnz * sizeof *sc->idx);
    sc->val = malloc(nnz * sizeof *sc->val);
    sc->qrow = malloc((m->A + 1) * sizeof *sc->qrow);
    sc->phi = malloc((m->P + 1) * sizeof *sc->phi);
    if (sc->idx && sc->val && sc->qrow && sc->phi)
        return 0;
    scratch_free(sc);
    return -1;
}

/* Row i's prediction for every action by the models of fold k (rmodel.h's q̂) into
 * sc->qrow; sc->idx/val: its feature row under map k. */
static void predict_row(const struct rms *m, struct scratch *sc, const struct blog *w,
                        size_t i, int k)
{
    const struct feat_map *fm = &m->map[k];
    struct feat_rows one = {1, fm->nnz, fm->p, sc->idx, sc->val, NULL, 0, 0};
    feat_row(fm, w, i, row_pos(w, i), sc->idx, sc->val);
    for (size_t a = 0; a < m->A; a++) {
        const double *beta = m->beta[(size_t)k * m->A + a];
        if (!beta) {
            sc->qrow[a] = m->train_mean[k];
            continue;
        }
        double eta = feat_dot(&one, 0, beta);
        sc->qrow[a] = m->kind == RM_LOGISTIC ? logit_sigmoid(eta) : eta;
    }
}

/* phi_j of row i (rmodel.h, rm_crossfit_infl) into sc->phi: the residual of row j
 * under every model it trained times x_j' H^-1 g of that model, and the intercept
 * prior's pull through its target and its weight. */
static void row_phi(const struct rms *m, struct scratch *sc, const struct blog *w, size_t i)
{
    size_t A = m->A, P = m->P, a = (size_t)w->action[i];
    double y = w->reward[i];
    for (size_t q = 0; q < P; q++)
        sc->phi[q] = 0.0;
    for (int k = 0; k < m->K; k++) {
        const double *beta = m->beta[(size_t)k * A + a], *v = m->v[(size_t)k * A + a];
        if (!is_train(m, m->fold[i], k) || !beta || !v)
            continue;
        const struct feat_map *fm = &m->map[k];
        struct feat_rows one = {1, fm->nnz, fm->p, sc->idx, sc->val, NULL, 0, 0};
        feat_row(fm, w, i, row_pos(w, i), sc->idx, sc->val);
        double eta = feat_dot(&one, 0, beta);
        double res = y - (m->kind == RM_LOGISTIC ? logit_sigmoid(eta) : eta);
        for (size_t q = 0; q < P; q++)
            sc->phi[q] += res * feat_dot(&one, 0, v + q * fm->p);
    }
    for (int k = 0; k < m->K; k++)
        if (is_train(m, m->fold[i], k))
            for (size_t q = 0; q < P; q++)
                sc->phi[q] += m->cprior[(size_t)k * P + q] * (y - m->train_mean[k])
                              + m->cm[((size_t)k * A + a) * P + q]
                                * (y - m->rbar[(size_t)k * A + a]);
}

/* Rows per task of the loops over a window's rows. */
#define ROWS_PER_TASK 8192

/* What the row tasks share: the window, its outputs, a failure flag. */
struct rowjob {
    struct rms *m;
    const struct blog *w;
    double *terms;              /* [w->n] per-row terms (held-out error), or NULL */
    double **q, **u;            /* rms_predict's outputs; u: phi per row (the pass) */
    int centre;                 /* u gets n (phi - mean phi) instead of phi */
    int *failed;                /* [tasks] out of memory */
};

/* The held-out pass's gradient, task t = (fold k, policy q) (k = t / P): over the
 * rows of fold k, dm's gradient for policy q of fold k's models, g = (1/n) sum over
 * the fold's rows of pi_q(a|x) dq̂(x, a)/dtheta, in row order, from the predictions
 * already in j->q. One task per (fold, policy) keeps every sum in row order and gives
 * the threads K P tasks, not K. */
static void heldout_task(void *ctx, size_t t)
{
    struct rowjob *j = ctx;
    struct rms *m = j->m;
    const struct blog *w = j->w;
    size_t A = m->A, P = m->P, q = t % P;
    int k = (int)(t / P), logistic = m->kind == RM_LOGISTIC;
    double inv_n = 1.0 / (double)m->n;
    struct scratch sc;
    if (scratch_new(m, &sc) < 0) {
        j->failed[t] = 1;
        return;
    }
    const struct feat_map *fm = &m->map[k];
    size_t pp = fm->p, nnz = fm->nnz;
    /* The (fold, policy)'s gradients sit next to other policies' (g + q p), which
     * other threads update: summed in a copy of their own (the same additions on the
     * same start, so the same bits), written back once. */
    double *acc = malloc((A * pp + 1) * sizeof *acc);
    if (!acc) {
        j->failed[t] = 1;
        scratch_free(&sc);
        return;
    }
    for (size_t a = 0; a < A; a++) {
        const double *g = m->mod[(size_t)k * A + a].grad;
        if (g)
            memcpy(acc + a * pp, g + q * pp, pp * sizeof *acc);
    }
    for (size_t i = 0; i < w->n; i++) {
        if ((m->K == 1 ? 0 : m->fold[i]) != k)
            continue;
        feat_row(fm, w, i, row_pos(w, i), sc.idx, sc.val);
        for (size_t a = 0; a < A; a++) {
            if (!m->mod[(size_t)k * A + a].grad)
                continue;
            double qa = j->q[a][i];
            double dq = logistic ? qa * (1.0 - qa) : 1.0;
            double f = w->policy[m->pol[q]].prob[a][i] * dq * inv_n;
            double *gq = acc + a * pp;
            if (f != 0.0)
                for (size_t jj = 0; jj < nnz; jj++)
                    gq[sc.idx[jj]] += f * sc.val[jj];
        }
    }
    for (size_t a = 0; a < A; a++) {
        double *g = m->mod[(size_t)k * A + a].grad;
        if (g)
            memcpy(g + q * pp, acc + a * pp, pp * sizeof *acc);
    }
    free(acc);
    scratch_free(&sc);
}

/* Rows [t ROWS_PER_TASK, ...) of the window: q̂ into j->q (when asked), the error at
 * the logged action into j->terms (when asked, with q), and phi into j->u (n (phi -
 * mean phi) when centring). */
static void rows_task(void *ctx, size_t t)
{
    struct rowjob *j = ctx;
    struct rms *m = j->m;
    const struct blog *w = j->w;
    struct scratch sc;
    if (scratch_new(m, &sc) < 0) {
        j->failed[t] = 1;
        return;
    }
    size_t end = (t + 1) * ROWS_PER_TASK < w->n ? (t + 1) * ROWS_PER_TASK : w->n;
    for (size_t i = t * ROWS_PER_TASK; i < end; i++) {
        if (j->q) {
            predict_row(m, &sc, w, i, m->K == 1 ? 0 : m->fold[i]);
            for (size_t a = 0; a < m->A; a++)
                j->q[a][i] = sc.qrow[a];
        }
        if (j->terms) {     /* the held-out error at the logged action */
            double r = w->reward[i], p = sc.qrow[w->action[i]];
            if (m->kind == RM_LOGISTIC) {
                p = fmin(fmax(p, CLIP), 1.0 - CLIP);
                j->terms[i] = -(r * log(p) + (1.0 - r) * log1p(-p));
            } else {
                j->terms[i] = (r - p) * (r - p);
            }
        }
        if (!j->u || !m->P)
            continue;
        row_phi(m, &sc, w, i);
        for (size_t p = 0; p < m->P; p++)
            j->u[p][i] = j->centre ? (double)m->n * (sc.phi[p] - m->phi_mean[p]) : sc.phi[p];
    }
    scratch_free(&sc);
}

/* Run fn on tasks 0..n_tasks-1 of j on the model's threads; -1 (out of memory, err)
 * when a task could not get its scratch. */
static int run_rows(struct rms *m, struct rowjob *j, size_t n_tasks,
                    void (*fn)(void *, size_t), struct ope_error *err)
{
    int threads = m->o.threads > 0 ? m->o.threads : ope_default_threads();
    if (!(j->failed = ope_calloc(n_tasks + 1, sizeof *j->failed, err)))
        return -1;
    ope_parallel_for(n_tasks, threads, fn, j, NULL, NULL);
    int bad = 0;
    for (size_t t = 0; t < n_tasks; t++)
        bad |= j->failed[t];
    free(j->failed);
    j->failed = NULL;
    return bad ? ope_fail_oom(err) : 0;
}

/* The held-out pass over window w: every row's q̂ and error (tasks of rows), the
 * errors summed in row order, then dm's gradients (a task per fold and policy) and
 * the models' Hessians at the fit. */
static int add_heldout(struct rms *m, const struct blog *w, struct ope_error *err)
{
    size_t A = m->A;
    struct rowjob j = { m, w, NULL, NULL, NULL, 0, NULL };
    int rc = -1;
    if (!(j.terms = ope_malloc((w->n + 1) * sizeof *j.terms, err)) ||
        !(j.q = blog_matrix_new((int)A, w->n, err)))
        goto out;
    rc = run_rows(m, &j, (w->n + ROWS_PER_TASK - 1) / ROWS_PER_TASK, rows_task, err);
    for (size_t i = 0; rc == 0 && i < w->n; i++)
        ope_sum_add(&m->err_sum, j.terms[i]);
    if (rc == 0 && m->P)
        rc = run_rows(m, &j, (size_t)m->K * m->P, heldout_task, err);
    if (rc == 0 && m->P)
        rc = run_models(m, err);
    /* The log in memory is this one window: its q̂ is the fit's answer already. */
    if (rc == 0 && !m->stream && !m->kept_q) {
        m->kept_q = j.q;
        j.q = NULL;
    }
out:
    blog_matrix_free(j.q, (int)A);
    free(j.terms);
    return rc;
}

/* The influence pass over window w: every row's phi (tasks of rows), summed in row
 * order per policy. */
static int add_phi(struct rms *m, const struct blog *w, struct ope_error *err)
{
    size_t P = m->P;
    struct rowjob j = { m, w, NULL, NULL, NULL, 0, NULL };
    int rc = -1;
    if (!(j.u = ope_calloc(P + 1, sizeof *j.u, err)))
        return -1;
    for (size_t q = 0; q < P; q++)
        if (!(j.u[q] = ope_malloc((w->n + 1) * sizeof **j.u, err)))
            goto out;
    if ((rc = run_rows(m, &j, (w->n + ROWS_PER_TASK - 1) / ROWS_PER_TASK, rows_task, err)) == 0)
        for (size_t q = 0; q < P; q++)
            for (size_t i = 0; i < w->n; i++)
                ope_sum_add(&m->phi_sum[q], j.u[q][i]);
    if (rc == 0 && !m->stream && !m->kept_u) {
        m->kept_u = j.u;
        return 0;
    }
out:
    for (size_t q = 0; q < P; q++)
        free(j.u[q]);
    free(j.u);
    return rc;
}

int rms_window(struct rms *m, const struct blog *w, size_t first, struct ope_error *err)
{
    if (m->st == ST_DONE)
        return 0;
    if ((size_t)w->n_actions != m->A)
        return ope_fail(err, OPE_EDATA, "%s: a window has %d actions, the log %zu",
                        m->path ? m->path : "log", w->n_actions, m->A);
    if ((m->st == ST_MEAN && shape(m, w, err) < 0) || window_rows(m, w, first, err) < 0)
        return -1;
    switch (m->st) {
    case ST_MEAN:
        add_means(m, w, first);
        if (m->cache && !m->cached && rmc_append(m->cache, w, first) < 0) {
            rmc_free(m->cache);         /* gave up: the passes read the log */
            m->cache = NULL;
        }
        return 0;
    case ST_VAR:
        add_spread(m, w);
        return 0;
    case ST_FIT:
        return run_models(m, err);
    case ST_GRAD:
        return add_heldout(m, w, err);
    case ST_PHI:
        return add_phi(m, w, err);
    default:
        return 0;
    }
}

/* ---- the end of each pass --------------------------------------------------------- */

/* The means' pass's sums back to none (K: the folds they were made for). */
static void reset_means(struct rms *m, size_t K)
{
    m->n = 0;
    m->binary = 1;
    m->have_bad = 0;
    memset(m->mrows, 0, K * sizeof *m->mrows);
    memset(m->n_a, 0, K * m->A * sizeof *m->n_a);
    memset(m->k_a, 0, K * m->A * sizeof *m->k_a);
    for (size_t k = 0; k < K; k++)
        ope_sum_init(&m->ysum[k]);
    for (size_t t = 0; t < K * m->A; t++) {
        m->mod[t].rows = 0;
        ope_sum_init(&m->mod[t].ysum);
    }
    for (size_t t = 0; t < K * m->n_num; t++)
        ope_sum_init(&m->xs[t]);
}

/* After the means: the rows, the kind of model, the means. */
static int end_means(struct rms *m, struct ope_error *err)
{
    size_t K = (size_t)m->K;
    if (m->n == 0 || !m->shaped)
        return ope_fail(err, OPE_EDATA, "reward model: the log has no rows");
    if (m->n < 2 && m->stream)      /* the evaluation's own rule, said as it says it */
        return ope_fail(err, OPE_EDATA, "%s: %zu row(s); at least 2 are needed to evaluate",
                        m->path ? m->path : "log", m->n);
    if ((size_t)m->K > m->n && m->o.folds_up_to_rows) {
        /* A default number of folds above the rows: one fold per row, as in memory.
         * The folds of every row change, so the means' pass is made again. */
        m->K = (int)m->n;
        m->o.folds = m->K;
        reset_means(m, K);
        m->again = 1;
        return 0;
    }
    if ((size_t)m->K > m->n)
        return ope_fail(err, OPE_EUSAGE, "reward model: folds must be between 1 and the "
                        "number of rows (%zu), got %d", m->n, m->K);
    m->kind = m->o.kind == RM_AUTO ? (m->binary ? RM_LOGISTIC : RM_RIDGE) : m->o.kind;
    if (m->kind == RM_LOGISTIC && m->have_bad)
        return ope_fail(err, OPE_EUSAGE, "%s%s%zu: column 'reward': value %g is outside "
                        "[0, 1], which the logistic reward model needs; use "
                        "--reward-model ridge", m->path ? m->path : "row ",
                        m->path ? ":" : "", m->bad_line, m->bad_value);
    for (size_t k = 0; k < K; k++)
        for (size_t c = 0; c < m->n_num; c++) {
            struct ope_sum *s = &m->xs[k * m->n_num + c];
            m->mu[k * m->n_num + c] = m->mrows[k] ? ope_sum_value(s) / (double)m->mrows[k] : 0.0;
            ope_sum_init(s);
        }
    return 0;
}

/* Whether the models about to be set up (every (fold, action) with training rows, p
 * columns) fit in the memory budget. 0, or -1 with err (OPE_EDATA). */
static int check_memory(const struct rms *m, size_t p, size_t blk_off, size_t blk_len,
                        struct ope_error *err)
{
    size_t models = 0;
    for (size_t t = 0; t < (size_t)m->K * m->A; t++)
        models += m->mod[t].rows > 0;
    /* coefficients, right-hand side, dm's gradients and logit_fit's three vectors */
    double each = (double)rmn_bytes(p, blk_off, blk_len) + 8.0 * (double)p * (double)(2 + m->P
                  + (m->kind == RM_LOGISTIC ? 3 : 0));
    double need = each * (double)models;
    if (!m->o.max_bytes || need <= (double)m->o.max_bytes)
        return 0;
    return ope_fail(err, OPE_EDATA, "%s: the reward model's %zu models (%d folds x %zu "
                    "actions) of %zu columns need %.3g GB for their normal equations, more "
                    "than the fit may take (%.3g GB: three quarters of the machine's memory): "
                    "choose fewer context columns (--context-columns) or fewer folds "
                    "(--folds), or fit on a machine with more memory",
                    m->path ? m->path : "log", models, m->K, m->A, p, need / 1e9,
                    (double)m->o.max_bytes / 1e9);
}

/* Without a penalty (lambda 0) a model with fewer training rows than columns has no
 * unique fit: Newton steps on its singular Hessian ran to the iteration cap (17 s for
 * 500 rows with a 300-level context) and its influence, hence dm's interval, was
 * meaningless (+-200 on a click rate). Refused instead. 0, or -1 with err. */
static int check_determined(const struct rms *m, size_t p, struct ope_error *err)
{
    if (m->o.lambda > 0.0)
        return 0;
    for (size_t t = 0; t < (size_t)m->K * m->A; t++)
        if (m->mod[t].rows > 0 && m->mod[t].rows < p)
            return ope_fail(err, OPE_EUSAGE, "%s: with --model-lambda 0 the reward model of "
                            "fold %zu, action %zu has %zu columns and only %zu training rows, "
                            "so its fit is not determined: give --model-lambda above 0 (the "
                            "default is 1), or fewer context columns (--context-columns)",
                            m->path ? m->path : "log", t / m->A, t % m->A, p,
                            m->mod[t].rows);
    return 0;
}

/* After the spread: the feature maps, the priors, the models set up to fit. */
static int end_spread(struct rms *m, struct ope_error *err)
{
    size_t K = (size_t)m->K, A = m->A, nn = m->n_num;
    double *scale = ope_calloc(nn + 1, sizeof *scale, err);
    if (!scale || !(m->map = ope_calloc(K, sizeof *m->map, err))) {
        free(scale);
        return -1;
    }
    int rc = -1;
    int use_pos = m->has_pos && m->n_positions > 1;
    for (size_t k = 0; k < K; k++) {
        for (size_t c = 0; c < nn; c++) {
            double mu = m->mu[k * nn + c], ss = ope_sum_value(&m->xs[k * nn + c]);
            scale[c] = m->mrows[k] ? feat_scale(mu, sqrt(ss / (double)m->mrows[k])) : 1.0;
        }
        if (feat_map_set(&m->map[k], nn, m->mu + k * nn, scale, m->n_cat, m->levels, use_pos,
                         m->n_positions, err) < 0)
            goto out;
    }
    size_t p = m->map[0].p;
    m->blk_cat = rm_block_column(m->levels, m->n_cat, &m->o);
    if (rm_check_width(p, nn, m->n_cat, m->levels, m->cat_names, m->blk_cat, m->o.lambda,
                       err) < 0)
        goto out;
    size_t blk_off = m->blk_cat >= 0 ? m->map[0].cat_off[m->blk_cat] : 0;
    size_t blk_len = m->blk_cat >= 0 ? m->levels[m->blk_cat] : 0;
    if (check_memory(m, p, blk_off, blk_len, err) < 0 || check_determined(m, p, err) < 0)
        goto out;
    for (size_t k = 0; k < K; k++) {
        m->prior_rows[k] = m->o.prior_rows >= 0.0 ? m->o.prior_rows
                         : rm_prior_rows(m->n_a + k * A, m->k_a + k * A, (int)A);
        m->train_mean[k] = m->mrows[k] ? ope_sum_value(&m->ysum[k]) / (double)m->mrows[k]
                                       : 0.0;
        for (size_t a = 0; a < A; a++) {
            struct model *md = &m->mod[k * A + a];
            if (md->rows == 0)
                continue;
            if (!(m->beta[k * A + a] = ope_calloc(p, sizeof(double), err))
                || !(md->b = ope_malloc(p * sizeof *md->b, err))
                || rmn_init(&md->h, p, blk_off, blk_len, err) < 0)
                goto out;
            md->h_ok = 1;
            if (m->kind != RM_LOGISTIC)
                continue;
            if (!(md->cand = ope_malloc(p * sizeof *md->cand, err))
                || !(md->step = ope_malloc(p * sizeof *md->step, err))
                || !(md->g = ope_malloc(p * sizeof *md->g, err)))
                goto out;
            double py = fmin(fmax(m->train_mean[k], 1e-6), 1.0 - 1e-6);
            logit_start(ope_sum_value(&md->ysum), md->rows, m->prior_rows[k], py,
                        m->beta[k * A + a], p);
            md->phase = NT_START;
            ope_sum_init(&md->osum);
        }
    }
    rc = 0;
out:
    free(scale);
    return rc;
}

static int fail_model(struct rms *m, size_t t, struct ope_error *err)
{
    ope_error_prefix(err, "reward model (fold %zu, action %zu): ", t / m->A, t % m->A);
    return -1;
}

/* logit_fit's loop from the derivatives at beta (in md->h): the Newton step, and
 * either convergence or the first trial point. */
static int newton_step(struct rms *m, size_t t, struct ope_error *err)
{
    struct model *md = &m->mod[t];
    double *beta = m->beta[t];
    size_t p = p_of(m), k = t / m->A;
    double py = fmin(fmax(m->train_mean[k], 1e-6), 1.0 - 1e-6);
    if (md->iter >= LOGIT_MAX_ITER) {
        rmn_finish(&md->h, md->b);      /* reset for the held-out pass */
        md->phase = NT_DONE;
        return 0;
    }
    logit_close_derivatives(&md->h, m->o.lambda, m->prior_rows[k], py, beta, p, md->g);
    if (rmn_solve(&md->h, md->g, md->step, err) < 0)
        return -1;
    double smax = 0.0, bmax = 0.0;
    for (size_t j = 0; j < p; j++) {
        smax = fmax(smax, fabs(md->step[j]));
        bmax = fmax(bmax, fabs(beta[j]));
    }
    md->smax = smax;
    md->bmax = bmax;
    if (smax <= LOGIT_TOL * (1.0 + bmax)) {
        for (size_t j = 0; j < p; j++)
            beta[j] += md->step[j];
        md->iter++;
        md->phase = NT_DONE;
        return 0;
    }
    md->t = 1.0;
    md->half = 0;
    for (size_t j = 0; j < p; j++)
        md->cand[j] = beta[j] + md->step[j];
    md->phase = NT_TRIAL;
    return 0;
}

/* A logistic model after a pass that evaluated it (logit_fit's halving loop). */
static int newton_pass(struct rms *m, size_t t, struct ope_error *err)
{
    struct model *md = &m->mod[t];
    double *beta = m->beta[t];
    size_t p = p_of(m), k = t / m->A;
    double py = fmin(fmax(m->train_mean[k], 1e-6), 1.0 - 1e-6);
    if (md->phase == NT_DONE)
        return 0;
    const double *at = md->phase == NT_TRIAL ? md->cand : beta;
    double obj = logit_objective(&md->osum, m->o.lambda, m->prior_rows[k], py, at, p);
    ope_sum_init(&md->osum);
    if (md->phase == NT_START) {
        md->obj = obj;
        return newton_step(m, t, err);
    }
    if (obj >= md->obj) {               /* accepted: the derivatives are at cand */
        memcpy(beta, md->cand, p * sizeof *beta);
        md->obj = obj;
        md->iter++;
        return newton_step(m, t, err);
    }
    rmn_finish(&md->h, md->b);          /* the rejected point's sums: dropped */
    if (md->half == 0 && logit_flat(md->g, md->step, p, md->obj)
        && md->smax <= 1e-6 * (1.0 + md->bmax)) {
        memcpy(beta, md->cand, p * sizeof *beta);
        md->iter++;
        md->phase = NT_DONE;
        return 0;
    }
    md->half++;
    md->t *= 0.5;
    if (md->half >= HALVINGS) {         /* no step improves: the numerical optimum */
        md->iter++;
        md->phase = NT_DONE;
        return 0;
    }
    for (size_t j = 0; j < p; j++)
        md->cand[j] = beta[j] + md->t * md->step[j];
    return 0;
}

/* After a fitting pass: the ridge solves, or each logistic model's next point. */
static int end_fit(struct rms *m, struct ope_error *err)
{
    size_t n = (size_t)m->K * m->A, p = p_of(m);
    int moving = 0;
    for (size_t t = 0; t < n; t++) {
        struct model *md = &m->mod[t];
        if (!m->beta[t])
            continue;
        if (m->kind == RM_LOGISTIC) {
            if (newton_pass(m, t, err) < 0)
                return fail_model(m, t, err);
            moving |= md->phase != NT_DONE;
            continue;
        }
        rmn_finish(&md->h, md->b);
        for (size_t j = 1; j < p; j++)
            rmn_diag_add(&md->h, j, m->o.lambda);
        if (rmn_solve(&md->h, md->b, m->beta[t], err) < 0)
            return fail_model(m, t, err);
    }
    if (moving)
        return 0;
    /* The influence needs dm's gradient per model: room for it in the held-out pass. */
    for (size_t t = 0; m->P && t < n; t++)
        if (m->beta[t] && !(m->mod[t].grad = ope_calloc(m->P * p, sizeof(double), err)))
            return -1;
    m->st = ST_GRAD;
    return 0;
}

/* After the held-out pass: the error, and for the influence v = H^-1 g per model and
 * the prior's slopes (rmodel.h: rm_cprior, rm_prior_slopes_fold). */
static int end_heldout(struct rms *m, struct ope_error *err)
{
    size_t K = (size_t)m->K, A = m->A, P = m->P, p = p_of(m);
    m->heldout = ope_sum_value(&m->err_sum) / (double)m->n;
    if (!P) {
        m->st = ST_DONE;
        return 0;
    }
    int logistic = m->kind == RM_LOGISTIC;
    for (size_t t = 0; t < K * A; t++) {
        struct model *md = &m->mod[t];
        const double *beta = m->beta[t];
        if (!beta || !md->grad)
            continue;
        size_t k = t / A;
        rmn_finish(&md->h, md->b);
        if (logistic && m->prior_rows[k] > 0.0) {
            double mu = logit_sigmoid(beta[0]);
            rmn_diag_add(&md->h, 0, m->prior_rows[k] * mu * (1.0 - mu));
        }
        for (size_t j = 1; j < p; j++)
            rmn_diag_add(&md->h, j, m->o.lambda);
        if (!(m->v[t] = ope_calloc(P * p, sizeof(double), err)))
            return -1;
        for (size_t q = 0; q < P; q++)
            if (rmn_solve(&md->h, md->grad + q * p, m->v[t] + q * p, err) < 0)
                return fail_model(m, t, err);
    }
    for (size_t k = 0; logistic && k < K; k++)
        for (size_t q = 0; q < P; q++)
            m->cprior[k * P + q] = rm_cprior(m->prior_rows[k], (double)m->mrows[k],
                                             m->v + k * A, A, p, q);
    for (size_t k = 0; logistic && m->o.prior_rows < 0.0 && k < K; k++)
        rm_prior_slopes_fold(m->n_a + k * A, m->k_a + k * A, A, m->train_mean[k],
                             m->v + k * A, m->beta + k * A, p, P, m->rbar + k * A,
                             m->cm + k * A * P);
    m->st = ST_PHI;
    return 0;
}

int rms_pass_done(struct rms *m, struct ope_error *err)
{
    gsl_set_error_handler_off();    /* solver failures are handled, never abort */
    switch (m->st) {
    case ST_MEAN:
        m->cached = m->cache != NULL;
        if (end_means(m, err) < 0)
            return -1;
        if (m->again)
            m->again = 0;       /* the means' pass once more, with the folds it set */
        else
            m->st = ST_VAR;
        return 0;
    case ST_VAR:
        if (end_spread(m, err) < 0)
            return -1;
        m->st = ST_FIT;
        return 0;
    case ST_FIT:
        return end_fit(m, err);
    case ST_GRAD:
        return end_heldout(m, err);
    case ST_PHI:
        for (size_t q = 0; q < m->P; q++)
            m->phi_mean[q] = ope_sum_value(&m->phi_sum[q]) / (double)m->n;
        m->st = ST_DONE;
        return 0;
    default:
        return 0;
    }
}

int rms_predict(struct rms *m, const struct blog *w, size_t first, double **q, double **u,
                struct ope_error *err)
{
    if (m->st != ST_DONE)
        return ope_fail(err, OPE_ESOFTWARE, "reward model: predicting before the fit");
    if (window_rows(m, w, first, err) < 0)
        return -1;
    struct rowjob j = { m, w, NULL, q, m->P ? u : NULL, 1, NULL };
    return run_rows(m, &j, (w->n + ROWS_PER_TASK - 1) / ROWS_PER_TASK, rows_task, err);
}

int rms_take_predictions(struct rms *m, double ***q, double ***u)
{
    if (m->st != ST_DONE || !m->kept_q || (m->P && !m->kept_u))
        return 0;
    /* rows_task's centring, on the same phi: the same bits as rms_predict's. */
    for (size_t p = 0; p < m->P; p++)
        for (size_t i = 0; i < m->n; i++)
            m->kept_u[p][i] = (double)m->n * (m->kept_u[p][i] - m->phi_mean[p]);
    *q = m->kept_q;
    *u = m->kept_u;
    m->kept_q = m->kept_u = NULL;
    return 1;
}

int rms_cached(const struct rms *m)
{
    if (!m->cached || !rmc_usable(m->cache))
        return 0;
    /* dm's gradient (the held-out pass with policies) reads the policies' columns. */
    return m->st != ST_DONE && (m->st != ST_GRAD || m->P == 0);
}

int rms_cache_pass(struct rms *m, struct ope_progress *progress, const char *label,
                   size_t *done, struct ope_error *err)
{
    const struct blog *w;
    size_t first, rows = 0;
    int r;
    *done = 0;
    if (rmc_rewind(m->cache, err) < 0)
        return -1;
    while ((r = rmc_next(m->cache, &w, &first, err)) == 1) {
        ope_progress_report(progress, m->n ? (double)rows / (double)m->n : 0.0, label);
        if (ope_progress_cancelled(progress))
            return ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
        if (rms_window(m, w, first, err) < 0)
            return -1;
        rows += w->n;
    }
    *done = rows;
    return r;
}

/* ---- across processes -------------------------------------------------------------- */

/* A part's compensated sum merged into one of this process's. */
static void merge_sum(struct sf_state *st, struct ope_sum *into)
{
    struct ope_sum k;
    sf_get_sum(st, &k);
    if (!st->bad)
        ope_sum_merge(into, &k);
}

/* The models whose normal equations the current pass fills. */
static int pass_model(const struct rms *m, size_t t)
{
    const struct model *md = &m->mod[t];
    if (!m->beta[t] || !md->h_ok)
        return 0;
    if (m->st == ST_GRAD)
        return m->P > 0;
    return m->kind != RM_LOGISTIC || md->phase != NT_DONE;
}

/* A model's normal equations, sparse where they are mostly zeros (sf_put_sums: a
 * categorical context's levels that this process's rows of the model never met). */
static void put_normal(struct strbuf *sb, struct rm_normal *h)
{
    struct ope_sum *a, *b;
    size_t n = rmn_sums(h, &a, &b);
    sf_put_sums(sb, a, n);
    sf_put_sums(sb, b, h->p);
}

static void merge_normal(struct sf_state *st, struct rm_normal *h)
{
    struct ope_sum *a, *b;
    size_t n = rmn_sums(h, &a, &b);
    sf_merge_sums(st, a, n);
    sf_merge_sums(st, b, h->p);
}

void rms_put_pass(struct rms *m, struct strbuf *sb)
{
    size_t K = (size_t)m->K, A = m->A, P = m->P, p = p_of(m);
    sf_put_u64(sb, (uint64_t)m->st);
    switch (m->st) {
    case ST_MEAN:
        sf_put_u64(sb, (uint64_t)m->shaped);
        if (m->shaped) {
            sf_put_u64(sb, m->n_num);
            sf_put_u64(sb, m->n_cat);
            sf_put_u64(sb, m->n_positions);
            sf_put_u64(sb, (uint64_t)m->has_pos);
            for (size_t c = 0; c < m->n_cat; c++) {
                sf_put_u64(sb, m->levels[c]);
                sf_put_str(sb, m->cat_names[c]);
            }
        }
        sf_put_u64(sb, m->n);
        sf_put_u64(sb, (uint64_t)m->binary);
        sf_put_u64(sb, (uint64_t)m->have_bad);
        sf_put_u64(sb, m->bad_line);
        sf_put_f64(sb, m->bad_value);
        for (size_t k = 0; k < K; k++) {
            sf_put_u64(sb, m->mrows[k]);
            sf_put_sum(sb, &m->ysum[k]);
        }
        for (size_t t = 0; t < K * A; t++) {
            sf_put_f64(sb, m->n_a[t]);
            sf_put_f64(sb, m->k_a[t]);
            sf_put_u64(sb, m->mod[t].rows);
            sf_put_sum(sb, &m->mod[t].ysum);
        }
        for (size_t t = 0; m->shaped && t < K * m->n_num; t++)
            sf_put_sum(sb, &m->xs[t]);
        break;
    case ST_VAR:
        for (size_t t = 0; t < K * m->n_num; t++)
            sf_put_sum(sb, &m->xs[t]);
        break;
    case ST_FIT:
    case ST_GRAD:
        if (m->st == ST_GRAD) {
            sf_put_sum(sb, &m->err_sum);
            for (size_t t = 0; P && t < K * A; t++)
                if (m->mod[t].grad)
                    sf_put_f64s(sb, m->mod[t].grad, P * p);
        }
        for (size_t t = 0; t < K * A; t++) {
            if (!pass_model(m, t))
                continue;
            put_normal(sb, &m->mod[t].h);
            if (m->st == ST_FIT && m->kind == RM_LOGISTIC)
                sf_put_sum(sb, &m->mod[t].osum);
        }
        break;
    case ST_PHI:
        for (size_t q = 0; q < P; q++)
            sf_put_sum(sb, &m->phi_sum[q]);
        break;
    default:
        break;
    }
}

void rms_reset_pass(struct rms *m)
{
    size_t K = (size_t)m->K, A = m->A, P = m->P, p = p_of(m);
    struct ope_sum *a, *b;
    switch (m->st) {
    case ST_MEAN:
        reset_means(m, K);
        for (size_t c = 0; c < m->n_cat; c++)
            m->levels[c] = 0;
        break;
    case ST_VAR:
        for (size_t t = 0; t < K * m->n_num; t++)
            ope_sum_init(&m->xs[t]);
        break;
    case ST_FIT:
    case ST_GRAD:
        ope_sum_init(&m->err_sum);
        for (size_t t = 0; t < K * A; t++) {
            if (m->mod[t].grad)
                memset(m->mod[t].grad, 0, P * p * sizeof *m->mod[t].grad);
            if (!pass_model(m, t))
                continue;
            size_t n = rmn_sums(&m->mod[t].h, &a, &b);
            for (size_t i = 0; i < n; i++)
                ope_sum_init(&a[i]);
            for (size_t j = 0; j < p; j++)
                ope_sum_init(&b[j]);
            ope_sum_init(&m->mod[t].osum);
        }
        break;
    case ST_PHI:
        for (size_t q = 0; q < P; q++)
            ope_sum_init(&m->phi_sum[q]);
        break;
    default:
        break;
    }
}

int rms_merge_part(struct rms *m, struct sf_state *st, struct ope_error *err)
{
    size_t K = (size_t)m->K, A = m->A, P = m->P, p = p_of(m);
    int shaped;     /* the part's process had rows (its columns' sums follow) */
    if (sf_get_count(st, 0, ST_DONE) != (uint64_t)m->st)
        st->bad = 1;
    switch (st->bad ? ST_DONE : m->st) {
    case ST_MEAN:
        shaped = (int)sf_get_count(st, 0, 1);
        if (shaped) {
            size_t nn = (size_t)sf_get_count(st, 0, sf_room(st, 16));
            size_t nc = (size_t)sf_get_count(st, 0, sf_room(st, 16));
            size_t np = (size_t)sf_get_count(st, 1, (uint64_t)1 << 31);
            int hp = (int)sf_get_count(st, 0, 1);
            size_t *lv = ope_calloc(nc + 1, sizeof *lv, err);
            char **names = ope_calloc(nc + 1, sizeof *names, err);
            int rc = lv && names ? 0 : -1;
            for (size_t c = 0; rc == 0 && !st->bad && c < nc; c++) {
                lv[c] = (size_t)sf_get_count(st, 0, (uint64_t)1 << 40);
                if (!(names[c] = sf_get_str(st)))
                    st->bad = 1;
            }
            if (rc == 0 && !st->bad && !m->shaped)
                rc = shape_init(m, nn, nc, names, np, hp, err);
            if (rc == 0 && !st->bad && (nn != m->n_num || nc != m->n_cat))
                st->bad = 1;
            for (size_t c = 0; rc == 0 && !st->bad && c < nc; c++)
                if (lv[c] > m->levels[c])
                    m->levels[c] = lv[c];
            if (rc == 0 && !st->bad) {
                m->n_positions = np > m->n_positions ? np : m->n_positions;
                m->has_pos |= hp;
            }
            for (size_t c = 0; names && c < nc; c++)
                free(names[c]);
            free(names);
            free(lv);
            if (rc < 0)
                return -1;
        }
        size_t pn = (size_t)sf_get_count(st, 0, (uint64_t)1 << 62);
        m->n += pn;
        int pbinary = (int)sf_get_count(st, 0, 1);
        m->binary &= pbinary;
        {
            int bad = (int)sf_get_count(st, 0, 1);
            size_t line = (size_t)sf_get_u64(st);
            double v = sf_get_f64(st);
            if (bad && !m->have_bad) {      /* the first in row order */
                m->have_bad = 1;
                m->bad_line = line;
                m->bad_value = v;
            }
        }
        /* The part's counts must be those of some rows (a crafted state's may not be):
         * each fold's training rows are its models' (n_a counts them too), and every row
         * trains K - 1 folds (all K when K = 1); binary rewards sum to at most the rows. */
        size_t trained = 0, *mk = ope_calloc(K, sizeof *mk, err);
        size_t *in_k = ope_calloc(K, sizeof *in_k, err);
        if (!mk || !in_k) {
            free(mk);
            free(in_k);
            return -1;
        }
        for (size_t k = 0; k < K && !st->bad; k++) {
            mk[k] = (size_t)sf_get_count(st, 0, pn);
            m->mrows[k] += mk[k];
            trained += mk[k];
            merge_sum(st, &m->ysum[k]);
        }
        for (size_t t = 0; t < K * A && !st->bad; t++) {
            double na = sf_get_f64(st), ka = sf_get_f64(st);
            size_t rows = (size_t)sf_get_count(st, 0, mk[t / A]);
            struct ope_sum ys;
            sf_get_sum(st, &ys);
            /* (binary rewards: ka counts the ones, exactly as the compensated sum does) */
            if (na != (double)rows || (pbinary && !(ka >= 0.0 && ka <= na && ka == floor(ka)
                                                     && ope_sum_value(&ys) == ka)))
                st->bad = 1;
            in_k[t / A] += rows;
            m->n_a[t] += na;
            m->k_a[t] += ka;
            m->mod[t].rows += rows;
            if (!st->bad)
                ope_sum_merge(&m->mod[t].ysum, &ys);
        }
        for (size_t k = 0; k < K && !st->bad; k++)
            if (in_k[k] != mk[k])
                st->bad = 1;
        free(mk);
        free(in_k);
        if (!st->bad && trained != (K == 1 ? pn : pn * (K - 1)))
            st->bad = 1;
        for (size_t t = 0; shaped && t < K * m->n_num && !st->bad; t++)
            merge_sum(st, &m->xs[t]);
        break;
    case ST_VAR:
        for (size_t t = 0; t < K * m->n_num && !st->bad; t++)
            merge_sum(st, &m->xs[t]);
        break;
    case ST_FIT:
    case ST_GRAD:
        if (m->st == ST_GRAD) {
            /* squared errors or log-losses (of clipped predictions): a sum below 0 is
             * damage (a crafted part's gave a held-out logloss of -249.7) */
            struct ope_sum e;
            sf_get_sum(st, &e);
            if (!st->bad && !(ope_sum_value(&e) >= 0.0))
                st->bad = 1;
            if (!st->bad)
                ope_sum_merge(&m->err_sum, &e);
            for (size_t t = 0; P && t < K * A && !st->bad; t++)
                if (m->mod[t].grad)
                    sf_add_f64s(st, m->mod[t].grad, P * p);
        }
        for (size_t t = 0; t < K * A && !st->bad; t++) {
            if (!pass_model(m, t))
                continue;
            merge_normal(st, &m->mod[t].h);
            if (m->st == ST_FIT && m->kind == RM_LOGISTIC)
                merge_sum(st, &m->mod[t].osum);
        }
        break;
    case ST_PHI:
        for (size_t q = 0; q < P && !st->bad; q++)
            merge_sum(st, &m->phi_sum[q]);
        break;
    default:
        break;
    }
    return sf_done(st, err);
}

int rms_pass_is_means(const struct rms *m)
{
    return m->st == ST_MEAN;
}

int rms_set_levels(struct rms *m, const size_t *levels, size_t n_cat)
{
    if (m->st != ST_MEAN || !m->shaped || n_cat != m->n_cat)
        return -1;
    for (size_t c = 0; c < n_cat; c++)
        m->levels[c] = levels[c];
    return 0;
}

size_t rms_cat_columns(const struct rms *m)
{
    return m->shaped ? m->n_cat : 0;
}

size_t rms_cat_levels(const struct rms *m, size_t c)
{
    return c < rms_cat_columns(m) ? m->levels[c] : 0;
}

void rms_report(const struct rms *m, struct res_model *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->kind, sizeof r->kind, "%s", rm_kind_name(m->kind));
    r->folds = m->K;
    r->heldout_error = m->heldout;
    snprintf(r->error_name, sizeof r->error_name, "%s",
             m->kind == RM_LOGISTIC ? "logloss" : "mse");
}
