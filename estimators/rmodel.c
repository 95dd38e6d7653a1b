/* estimators/rmodel.c: the cross-fitting driver of the reward model. Rows are dealt
 * into K folds by a seeded permutation; for every (fold, action) a ridge or logistic
 * model is fitted on that action's rows outside the fold and predicts q̂(x_i, a) for
 * the rows inside it, so no row is ever predicted by a model that saw it. */
#include "config.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>

#include "estimators/rmodel.h"
#include "estimators/features.h"
#include "estimators/logistic.h"
#include "estimators/ridge.h"
#include "estimators/rmodel_normal.h"
#include "ope/base/rng.h"
#include "ope/base/sum.h"
#include "ope/base/threads.h"

/* Widest design we accept: the Gram matrix is p x p per concurrent fit (in the block
 * form, q x q plus the q x m cross part: at most the same number of entries). */
#define RM_MAX_COLUMNS 4000
/* Log-loss clips predictions to [RM_CLIP, 1 - RM_CLIP] (only there). */
#define RM_CLIP 1e-15

void rm_opts_init(struct rm_opts *o)
{
    o->kind = RM_AUTO;
    o->folds = 3;
    o->lambda = 1.0;
    o->seed = 12345;
    o->threads = 0;
    o->prior_rows = RM_PRIOR_AUTO;
    o->block_levels = RM_BLOCK_LEVELS;
    o->folds_up_to_rows = 0;
}

int rm_kind_parse(const char *s, enum rm_kind *out)
{
    static const enum rm_kind kinds[] = {RM_AUTO, RM_RIDGE, RM_LOGISTIC};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        if (s && strcmp(s, rm_kind_name(kinds[k])) == 0) {
            *out = kinds[k];
            return 0;
        }
    return -1;
}

const char *rm_kind_name(enum rm_kind k)
{
    return k == RM_RIDGE ? "ridge" : k == RM_LOGISTIC ? "logistic" : "auto";
}

int rm_folds(uint64_t seed, int folds, size_t row0, size_t n, int *fold,
             struct ope_error *err)
{
    size_t K = folds > 0 ? (size_t)folds : 1;
    int *perm = ope_malloc(K * sizeof *perm, err);
    if (!perm)
        return -1;
    size_t block = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t row = row0 + i;
        if (row / K != block) {
            /* Block b's permutation of the folds: Fisher-Yates keyed by (seed, b). */
            block = row / K;
            struct ope_rng r;
            ope_rng_init(&r, seed, OPE_RNG_FOLDS, (uint64_t)block);
            for (size_t j = 0; j < K; j++)
                perm[j] = (int)j;
            for (size_t j = K; j > 1; j--) {
                size_t t = (size_t)ope_rng_below(&r, j);
                int x = perm[j - 1];
                perm[j - 1] = perm[t];
                perm[t] = x;
            }
        }
        fold[i] = perm[row % K];
    }
    free(perm);
    return 0;
}

int rm_assign_folds(size_t n, int folds, uint64_t seed, int *fold, struct ope_error *err)
{
    return rm_folds(seed, folds, 0, n, fold, err);
}

/* Everything the (fold, action) tasks share, read-only, plus their result slots. */
struct cf {
    const struct blog *log;
    enum rm_kind kind;
    int folds;
    double lambda;
    double *prior_rows;         /* [K] logistic intercept prior weight per fold */
    int *fold;                  /* [n] */
    size_t *by_action;          /* [n] rows grouped by action, ascending within */
    size_t *act_start;          /* [A+1] */
    struct feat_map *map;       /* [K] */
    int blk_cat;                /* categorical column solved as a block, or -1 */
    double *train_mean;         /* [K] mean reward of the training rows */
    double **beta;              /* [K*A] fitted coefficients, NULL without training rows */
    atomic_int predict_failed;  /* set by any prediction task out of memory */
    double **qhat;              /* [A][n] output */
    double *err_row;            /* [n] heldout_error's per-row terms */
    /* dm's model influence (rm_crossfit_infl), when n_pol > 0 */
    size_t n_pol;               /* the log's evaluation policies, or 0: not wanted */
    size_t *by_fold;            /* [n] rows grouped by fold, ascending within */
    size_t *fold_start;         /* [K+1] */
    double **g;                 /* [K*A] dm's gradient per policy ([n_pol * p]), or NULL */
    double **v;                 /* [K*A] H^-1 g per policy ([n_pol * p]), or NULL */
    double **infl;              /* [n_pol][n] output */
    double *train_rows;         /* [K] training rows of each fold */
    double *cprior;             /* [K * n_pol] dm's slope in the fold's training mean */
    double *cm, *rbar;          /* [K * A * n_pol] dm's slope in each action's training
                                   mean reward through the prior weight; [K * A] those
                                   means */
    int *status;                /* [K*A] 0 or -1 */
    struct ope_error *errs;     /* [K*A] */
};

/* Rows ahead that the loops over one action's rows (scattered over the log) ask the
 * CPU to fetch (feat_prefetch): enough to cover a trip to memory. */
#define PREFETCH_AHEAD 16

static void prefetch_row(const struct cf *c, const struct feat_map *m, size_t i)
{
    feat_prefetch(m, c->log, i);
#if defined(__GNUC__)
    __builtin_prefetch(&c->fold[i]);
#endif
}

/* Is row i a training row of fold k? With one fold every row trains. */
static int is_train(const struct cf *c, size_t i, int k)
{
    return c->folds == 1 || c->fold[i] != k;
}

static int row_pos(const struct blog *log, size_t i)
{
    return log->position ? log->position[i] : 0;
}

/* dm's gradient in the coefficients of every model of fold k, for every policy, into
 * c->g[k A + a] ([n_pol * p]): g = (1/n) sum over the fold's rows of pi(a|x_i)
 * dq̂(x_i, a)/dtheta (ridge: x_i; logistic: q̂ (1 - q̂) x_i, with q̂ the prediction
 * already made). One pass over the fold's rows for all its models. */
static void grad_task(void *ctx, size_t t)
{
    struct cf *c = ctx;
    const struct blog *log = c->log;
    int k = (int)t;
    const struct feat_map *m = &c->map[k];
    size_t A = (size_t)log->n_actions, p = m->p, nnz = m->nnz, P = c->n_pol;
    int *idx = malloc(nnz * sizeof *idx);
    double *val = malloc(nnz * sizeof *val);
    int ok = idx && val;
    for (size_t a = 0; ok && a < A; a++)
        if (c->beta[(size_t)k * A + a])
            ok = (c->g[(size_t)k * A + a] = calloc(P * p, sizeof(double))) != NULL;
    if (!ok) {
        atomic_store(&c->predict_failed, 1);
        goto out;
    }
    double inv_n = 1.0 / (double)log->n;
    for (size_t s = c->fold_start[k]; s < c->fold_start[k + 1]; s++) {
        size_t i = c->by_fold[s];
        feat_row(m, log, i, row_pos(log, i), idx, val);
        for (size_t a = 0; a < A; a++) {
            double *g = c->g[(size_t)k * A + a];
            if (!g)
                continue;
            double qa = c->qhat[a][i];
            double dq = c->kind == RM_LOGISTIC ? qa * (1.0 - qa) : 1.0;
            for (size_t q = 0; q < P; q++) {
                double f = log->policy[q].prob[a][i] * dq * inv_n;
                double *gq = g + q * p;
                if (f != 0.0)
                    for (size_t j = 0; j < nnz; j++)
                        gq[idx[j]] += f * val[j];
            }
        }
    }
out:
    free(idx);
    free(val);
}

/* v = H^-1 g for model (k, a) and every policy into c->v[k A + a] (rm_crossfit_infl).
 * H is the penalised negative Hessian at the fit (ridge: X'X + lambda I'; logistic:
 * X'WX + lambda I' + the intercept prior's curvature), built again from the training
 * rows rather than kept from the fit, so that no model holds its normal equations
 * while the others are fitted. */
static int infl_solve(struct cf *c, int k, int a, struct ope_error *err)
{
    const struct blog *log = c->log;
    const struct feat_map *m = &c->map[k];
    size_t A = (size_t)log->n_actions, p = m->p, nnz = m->nnz, P = c->n_pol;
    const double *beta = c->beta[(size_t)k * A + (size_t)a];
    const double *g = c->g[(size_t)k * A + (size_t)a];
    if (!beta || !g)
        return 0;
    int logistic = c->kind == RM_LOGISTIC, rc = -1;
    size_t blk_off = 0, blk_len = 0;
    if (c->blk_cat >= 0) {
        blk_off = m->cat_off[c->blk_cat];
        blk_len = log->cat_ctx[c->blk_cat].n_levels;
    }
    struct rm_normal h;
    double *v = ope_calloc(P * p, sizeof *v, err);
    double *b = ope_malloc(p * sizeof *b, err);
    int *idx = ope_malloc(nnz * sizeof *idx, err);
    double *val = ope_malloc(nnz * sizeof *val, err);
    if (!v || !b || !idx || !val || rmn_init(&h, p, blk_off, blk_len, err) < 0)
        goto out_nosys;
    struct feat_rows one = {1, nnz, p, idx, val, NULL, blk_off, blk_len};
    for (size_t s = c->act_start[a]; s < c->act_start[a + 1]; s++) {
        size_t i = c->by_action[s];
        if (s + PREFETCH_AHEAD < c->act_start[a + 1])
            prefetch_row(c, m, c->by_action[s + PREFETCH_AHEAD]);
        if (!is_train(c, i, k))
            continue;
        feat_row(m, log, i, row_pos(log, i), idx, val);
        double w = 1.0;
        if (logistic) {
            double mu = logit_sigmoid(feat_dot(&one, 0, beta));
            w = mu * (1.0 - mu);
        }
        rmn_add(&h, &one, 0, w, 0.0);
    }
    rmn_finish(&h, b);
    if (logistic && c->prior_rows[k] > 0.0) {
        double mu = logit_sigmoid(beta[0]);
        rmn_diag_add(&h, 0, c->prior_rows[k] * mu * (1.0 - mu));
    }
    for (size_t j = 1; j < p; j++)
        rmn_diag_add(&h, j, c->lambda);
    for (size_t q = 0; q < P; q++)
        if (rmn_solve(&h, g + q * p, v + q * p, err) < 0)
            goto out;
    c->v[(size_t)k * A + (size_t)a] = v;
    v = NULL;
    rc = 0;
out:
    rmn_release(&h);
out_nosys:
    free(v);
    free(b);
    free(idx);
    free(val);
    return rc;
}

static void solve_task(void *ctx, size_t t)
{
    struct cf *c = ctx;
    int A = c->log->n_actions;
    c->status[t] = infl_solve(c, (int)(t / (size_t)A), (int)(t % (size_t)A), &c->errs[t]);
}

/* Fit the model of action a on the training rows of fold k into c->beta[k A + a]
 * (left NULL when the action has no training rows: its predictions are then the
 * fold's training mean reward over all actions). */
static int fit_one(struct cf *c, int k, int a, struct ope_error *err)
{
    const struct blog *log = c->log;
    const struct feat_map *m = &c->map[k];
    size_t nnz = m->nnz, cnt = 0;
    for (size_t s = c->act_start[a]; s < c->act_start[a + 1]; s++)
        cnt += (size_t)is_train(c, c->by_action[s], k);
    if (cnt == 0)
        return 0;
    int *idx = ope_malloc(cnt * nnz * sizeof *idx, err);
    double *val = ope_malloc(cnt * nnz * sizeof *val, err);
    double *y = ope_malloc(cnt * sizeof *y, err);
    double *beta = ope_calloc(m->p, sizeof *beta, err);
    int rc = -1;
    if (!idx || !val || !y || !beta)
        goto out;
    size_t r = 0;
    for (size_t s = c->act_start[a]; s < c->act_start[a + 1]; s++) {
        size_t i = c->by_action[s];
        if (s + PREFETCH_AHEAD < c->act_start[a + 1])
            prefetch_row(c, m, c->by_action[s + PREFETCH_AHEAD]);
        if (!is_train(c, i, k))
            continue;
        feat_row(m, log, i, row_pos(log, i), idx + r * nnz, val + r * nnz);
        y[r++] = log->reward[i];
    }
    struct feat_rows d = {cnt, nnz, m->p, idx, val, y, 0, 0};
    if (c->blk_cat >= 0) {
        d.blk_off = m->cat_off[c->blk_cat];
        d.blk_len = log->cat_ctx[c->blk_cat].n_levels;
    }
    if (c->kind == RM_LOGISTIC) {
        double py = fmin(fmax(c->train_mean[k], 1e-6), 1.0 - 1e-6);
        if (logit_fit(&d, c->lambda, c->prior_rows[k], py, beta, NULL, err) < 0)
            goto out;
    } else if (ridge_fit(&d, c->lambda, beta, err) < 0) {
        goto out;
    }
    c->beta[(size_t)k * (size_t)log->n_actions + (size_t)a] = beta;
    beta = NULL;
    rc = 0;
out:
    free(idx);
    free(val);
    free(y);
    free(beta);
    return rc;
}

static void task(void *ctx, size_t t)
{
    struct cf *c = ctx;
    int A = c->log->n_actions;
    c->status[t] = fit_one(c, (int)(t / (size_t)A), (int)(t % (size_t)A), &c->errs[t]);
}

/* Rows per prediction task. */
#define PREDICT_ROWS 65536

/* Predict q̂(x_i, a) for every action at rows [t PREDICT_ROWS, ...) with the models
 * of each row's own fold (fold 0's when folds == 1): one feature row per row, shared
 * by all actions. */
static void predict_task(void *ctx, size_t t)
{
    struct cf *c = ctx;
    const struct blog *log = c->log;
    size_t A = (size_t)log->n_actions, nnz = c->map[0].nnz;
    int *idx = malloc(nnz * sizeof *idx);
    double *val = malloc(nnz * sizeof *val);
    if (!idx || !val) {
        atomic_store(&c->predict_failed, 1);
        goto out;
    }
    for (size_t i = t * PREDICT_ROWS; i < log->n && i < (t + 1) * PREDICT_ROWS; i++) {
        int k = c->folds == 1 ? 0 : c->fold[i];
        const struct feat_map *m = &c->map[k];
        struct feat_rows one = {1, m->nnz, m->p, idx, val, NULL, 0, 0};
        feat_row(m, log, i, row_pos(log, i), idx, val);
        for (size_t a = 0; a < A; a++) {
            const double *beta = c->beta[(size_t)k * A + a];
            if (!beta) {
                c->qhat[a][i] = c->train_mean[k];
                continue;
            }
            double eta = feat_dot(&one, 0, beta);
            c->qhat[a][i] = c->kind == RM_LOGISTIC ? logit_sigmoid(eta) : eta;
        }
    }
out:
    free(idx);
    free(val);
}

/* phi_j (rm_crossfit_infl) for rows [t PREDICT_ROWS, ...): the residual of row j
 * under every model it trained, times x_j' H^-1 g of that model. */
static void infl_task(void *ctx, size_t t)
{
    struct cf *c = ctx;
    const struct blog *log = c->log;
    size_t A = (size_t)log->n_actions, nnz = c->map[0].nnz, P = c->n_pol;
    int *idx = malloc(nnz * sizeof *idx);
    double *val = malloc(nnz * sizeof *val);
    if (!idx || !val) {
        atomic_store(&c->predict_failed, 1);
        goto out;
    }
    for (size_t i = t * PREDICT_ROWS; i < log->n && i < (t + 1) * PREDICT_ROWS; i++) {
        size_t a = (size_t)log->action[i];
        for (size_t q = 0; q < P; q++)
            c->infl[q][i] = 0.0;
        for (int k = 0; k < c->folds; k++) {
            const double *beta = c->beta[(size_t)k * A + a], *v = c->v[(size_t)k * A + a];
            if (!is_train(c, i, k) || !beta || !v)
                continue;
            const struct feat_map *m = &c->map[k];
            struct feat_rows one = {1, m->nnz, m->p, idx, val, NULL, 0, 0};
            feat_row(m, log, i, row_pos(log, i), idx, val);
            double eta = feat_dot(&one, 0, beta);
            double res = log->reward[i] - (c->kind == RM_LOGISTIC ? logit_sigmoid(eta) : eta);
            for (size_t q = 0; q < P; q++)
                c->infl[q][i] += res * feat_dot(&one, 0, v + q * m->p);
        }
        /* Every model of a fold pulls its intercept towards the fold's training mean
         * reward (the logistic prior), which row j moves by (y_j - mean) / rows. */
        for (int k = 0; k < c->folds; k++)
            if (is_train(c, i, k))
                for (size_t q = 0; q < P; q++)
                    c->infl[q][i] += c->cprior[(size_t)k * P + q]
                                     * (log->reward[i] - c->train_mean[k])
                                     + c->cm[((size_t)k * A + a) * P + q]
                                     * (log->reward[i] - c->rbar[(size_t)k * A + a]);
    }
out:
    free(idx);
    free(val);
}

/* Group the row indices 0..n-1 by key (counting sort; ascending within a group). */
static void group_rows(const int *key, size_t n, int n_keys, size_t *rows, size_t *start)
{
    memset(start, 0, ((size_t)n_keys + 1) * sizeof *start);
    for (size_t i = 0; i < n; i++)
        start[key[i] + 1]++;
    for (int k = 0; k < n_keys; k++)
        start[k + 1] += start[k];
    size_t *next = start;   /* advance start[k] while filling, then shift back */
    for (size_t i = 0; i < n; i++)
        rows[next[key[i]]++] = i;
    for (int k = n_keys; k > 0; k--)
        start[k] = start[k - 1];
    start[0] = 0;
}

/* Which model, and are the options sane for this log? */
static int check(const struct blog *log, const struct rm_opts *o, enum rm_kind *kind,
                 struct ope_error *err)
{
    if (!log || log->n == 0 || log->n_actions < 1)
        return ope_fail(err, OPE_EDATA, "reward model: the log has no rows");
    if (o->folds < 1 || (size_t)o->folds > log->n)
        return ope_fail(err, OPE_EUSAGE, "reward model: folds must be between 1 and the "
                        "number of rows (%zu), got %d", log->n, o->folds);
    if (!(o->lambda >= 0.0) || !isfinite(o->lambda))
        return ope_fail(err, OPE_EUSAGE, "reward model: lambda must be a finite number "
                        ">= 0, got %g", o->lambda);
    if (!isfinite(o->prior_rows))
        return ope_fail(err, OPE_EUSAGE, "reward model: prior_rows must be finite");
    int binary = 1;
    size_t bad = log->n;
    for (size_t i = 0; i < log->n; i++) {
        double r = log->reward[i];
        binary &= (r == 0.0 || r == 1.0);
        if (bad == log->n && !(r >= 0.0 && r <= 1.0))
            bad = i;
    }
    *kind = o->kind == RM_AUTO ? (binary ? RM_LOGISTIC : RM_RIDGE) : o->kind;
    if (*kind == RM_LOGISTIC && bad < log->n)
        return ope_fail(err, OPE_EUSAGE, "%s%s%zu: column 'reward': value %g is outside "
                        "[0, 1], which the logistic reward model needs; use "
                        "--reward-model ridge", log->path ? log->path : "row ",
                        log->path ? ":" : "", log->line ? log->line[bad] : bad + 1,
                        log->reward[bad]);
    return 0;
}

double rm_prior_rows(const double *n_a, const double *k_a, int A)
{
    double N = 0, K = 0, n2 = 0, ss = 0;
    int used = 0;
    for (int a = 0; a < A; a++)
        if (n_a[a] > 0) {
            N += n_a[a];
            K += k_a[a];
            n2 += n_a[a] * n_a[a];
            used++;
        }
    if (used < 2 || N <= 0)
        return 1e4;
    double p = K / N;
    for (int a = 0; a < A; a++)
        if (n_a[a] > 0)
            ss += n_a[a] * (k_a[a] / n_a[a] - p) * (k_a[a] / n_a[a] - p);
    double den = N - n2 / N;
    double tau2 = den > 0 ? (ss - (used - 1) * p * (1 - p)) / den : 0.0;
    if (!(tau2 > 0.0) || p <= 0.0 || p >= 1.0)
        return 1e4;
    double m = p * (1 - p) / tau2 - 1.0;
    return m < 1.0 ? 1.0 : m > 1e4 ? 1e4 : m;
}

/* The intercept prior weight of fold k: fixed, or empirical Bayes from the
 * per-action rewards of its training rows. */
static double fold_prior(const struct cf *c, int k, double fixed, double *n_a, double *k_a)
{
    if (fixed >= 0.0)
        return fixed;
    const struct blog *log = c->log;
    for (int a = 0; a < log->n_actions; a++)
        n_a[a] = k_a[a] = 0.0;
    for (size_t i = 0; i < log->n; i++)
        if (is_train(c, i, k)) {
            n_a[log->action[i]] += 1.0;
            k_a[log->action[i]] += log->reward[i];
        }
    return rm_prior_rows(n_a, k_a, log->n_actions);
}

/* What prepare_folds computes for fold k, on any thread: its prior weight, feature
 * map and training mean (each a pure function of the log and the folds). */
struct prep {
    struct cf *c;
    double prior;
    int *status;                /* [K] */
    struct ope_error *errs;     /* [K] */
};

static void prep_fold(void *arg, size_t t)
{
    struct prep *pp = arg;
    struct cf *c = pp->c;
    const struct blog *log = c->log;
    int k = (int)t;
    double *n_a = ope_calloc(2 * (size_t)log->n_actions, sizeof *n_a, &pp->errs[k]);
    if (!n_a) {
        pp->status[k] = -1;
        return;
    }
    c->prior_rows[k] = fold_prior(c, k, pp->prior, n_a, n_a + log->n_actions);
    free(n_a);
    if (feat_map_init(&c->map[k], log, c->fold, c->folds == 1 ? -1 : k, &pp->errs[k]) < 0) {
        pp->status[k] = -1;
        return;
    }
    struct ope_sum s;
    size_t m = 0;
    ope_sum_init(&s);
    for (size_t i = 0; i < log->n; i++)
        if (is_train(c, i, k)) {
            ope_sum_add(&s, log->reward[i]);
            m++;
        }
    c->train_mean[k] = m ? ope_sum_value(&s) / (double)m : 0.0;
    if (c->train_rows)
        c->train_rows[k] = (double)m;
}

int rm_block_column(const size_t *levels, size_t n_cat, const struct rm_opts *o)
{
    if (!(o->lambda > 0.0) || n_cat == 0)
        return -1;
    size_t best = 0;
    for (size_t j = 1; j < n_cat; j++)
        if (levels[j] > levels[best])
            best = j;
    return levels[best] >= o->block_levels ? (int)best : -1;
}

static int block_column(const struct blog *log, const struct rm_opts *o)
{
    size_t lv[64], *levels = log->n_cat_ctx <= 64 ? lv : malloc(log->n_cat_ctx * sizeof *levels);
    if (!levels)
        return -1;      /* out of memory here only costs the block form's speed */
    for (size_t j = 0; j < log->n_cat_ctx; j++)
        levels[j] = log->cat_ctx[j].n_levels;
    int b = rm_block_column(levels, log->n_cat_ctx, o);
    if (levels != lv)
        free(levels);
    return b;
}

int rm_check_width(size_t p, size_t n_num, size_t n_cat, const size_t *levels,
                   char *const *names, int blk_cat, double lambda, struct ope_error *err)
{
    size_t m = blk_cat >= 0 ? levels[blk_cat] : 0, q = p - m;
    size_t lim = RM_MAX_COLUMNS;
    if (q <= lim && (m == 0 || q * (q + m) <= lim * lim))
        return 0;
    size_t worst = SIZE_MAX;    /* the widest categorical column outside the block */
    for (size_t j = 0; j < n_cat; j++) {
        if ((int)j == blk_cat)
            continue;
        if (worst == SIZE_MAX || levels[j] > levels[worst])
            worst = j;
    }
    if (m > 0)
        return ope_fail(err, OPE_EDATA, "reward model: %zu feature columns beside the %zu "
                        "levels of categorical context column '%s' are too many (columns x "
                        "(columns + levels) = %zu, more than %zu x %zu); %s%s%s%s", q, m,
                        names[blk_cat], q * (q + m), lim, lim,
                        worst == SIZE_MAX ? "" : "categorical context column '",
                        worst == SIZE_MAX ? "" : names[worst],
                        worst == SIZE_MAX ? "" : "' is the next widest; ",
                        "drop columns with --map or supply qhat.* columns");
    /* Name what the columns come from: numeric columns alone can pass the limit. */
    if (n_cat == 0)
        return ope_fail(err, OPE_EDATA, "reward model: %zu numeric context columns give %zu "
                        "feature columns (with the intercept and any positions), more than "
                        "the limit of %zu; keep fewer context columns (--context-columns "
                        "PATTERN) or supply qhat.* columns", n_num, p, lim);
    return ope_fail(err, OPE_EDATA, "reward model: %zu feature columns (more than "
                    "%zu); categorical context column '%s' has %zu levels; drop it "
                    "with --map or supply qhat.* columns%s", p, lim,
                    worst == SIZE_MAX ? "?" : names[worst],
                    worst == SIZE_MAX ? (size_t)0 : levels[worst],
                    lambda > 0.0 ? "" : " (with --model-lambda above 0, one "
                    "categorical column may have any number of levels)");
}

/* rm_check_width for the log's columns. */
static int check_width(const struct cf *c, size_t p, struct ope_error *err)
{
    const struct blog *log = c->log;
    size_t nc = log->n_cat_ctx;
    size_t *levels = ope_calloc(nc + 1, sizeof *levels, err);
    char **names = ope_calloc(nc + 1, sizeof *names, err);
    int rc = -1;
    if (levels && names) {
        for (size_t j = 0; j < nc; j++) {
            levels[j] = log->cat_ctx[j].n_levels;
            names[j] = log->cat_ctx[j].name;
        }
        rc = rm_check_width(p, log->n_num_ctx, nc, levels, names, c->blk_cat, c->lambda, err);
    }
    free(levels);
    free(names);
    return rc;
}

/* Per-fold feature maps, training means and prior weights (folds in parallel);
 * refuses designs that are too wide, naming the first fold's problem. */
static int prepare_folds(struct cf *c, double prior, int threads, struct ope_error *err)
{
    struct prep pp = { c, prior, ope_calloc((size_t)c->folds, sizeof *pp.status, err),
                       ope_calloc((size_t)c->folds, sizeof *pp.errs, err) };
    int rc = -1;
    if (!pp.status || !pp.errs)
        goto out;
    ope_parallel_for((size_t)c->folds, threads, prep_fold, &pp, NULL, NULL);
    for (int k = 0; k < c->folds; k++) {
        if (pp.status[k] < 0) {
            *err = pp.errs[k];
            goto out;
        }
        if (check_width(c, c->map[k].p, err) < 0)
            goto out;
    }
    rc = 0;
out:
    free(pp.status);
    free(pp.errs);
    return rc;
}

/* The error of the prediction at the logged action of rows [t PREDICT_ROWS, ...),
 * one term per row into c->err_row (a log and a log1p each: worth the threads). */
static void err_task(void *ctx, size_t t)
{
    struct cf *c = ctx;
    const struct blog *lg = c->log;
    int logistic = c->kind == RM_LOGISTIC;
    for (size_t i = t * PREDICT_ROWS; i < lg->n && i < (t + 1) * PREDICT_ROWS; i++) {
        double r = lg->reward[i], p = c->qhat[lg->action[i]][i];
        if (logistic) {
            p = fmin(fmax(p, RM_CLIP), 1.0 - RM_CLIP);
            c->err_row[i] = -(r * log(p) + (1.0 - r) * log1p(-p));
        } else {
            c->err_row[i] = (r - p) * (r - p);
        }
    }
}

/* Mean over rows of the error of the prediction at the logged action: the terms on
 * the threads, their compensated sum in row order (so the same bits on any number
 * of threads). -1 when out of memory. */
static int heldout_error(struct cf *c, int threads, double *out)
{
    const struct blog *lg = c->log;
    if (!(c->err_row = malloc((lg->n ? lg->n : 1) * sizeof *c->err_row)))
        return -1;
    ope_parallel_for((lg->n + PREDICT_ROWS - 1) / PREDICT_ROWS, threads, err_task, c, NULL,
                     NULL);
    struct ope_sum s;
    ope_sum_init(&s);
    for (size_t i = 0; i < lg->n; i++)
        ope_sum_add(&s, c->err_row[i]);
    free(c->err_row);
    c->err_row = NULL;
    *out = ope_sum_value(&s) / (double)lg->n;
    return 0;
}

static void cf_release(struct cf *c)
{
    if (c->map)
        for (int k = 0; k < c->folds; k++)
            feat_map_release(&c->map[k]);
    free(c->map);
    free(c->fold);
    free(c->by_action);
    free(c->act_start);
    if (c->beta)
        for (size_t t = 0; t < (size_t)c->folds * (size_t)c->log->n_actions; t++)
            free(c->beta[t]);
    free(c->beta);
    if (c->v)
        for (size_t t = 0; t < (size_t)c->folds * (size_t)c->log->n_actions; t++)
            free(c->v[t]);
    free(c->v);
    if (c->g)
        for (size_t t = 0; t < (size_t)c->folds * (size_t)c->log->n_actions; t++)
            free(c->g[t]);
    free(c->g);
    free(c->by_fold);
    free(c->fold_start);
    free(c->train_rows);
    free(c->cprior);
    free(c->cm);
    free(c->rbar);
    free(c->train_mean);
    free(c->prior_rows);
    free(c->status);
    free(c->errs);
}

/* The empirical-Bayes prior weight m_k (rm_prior_rows) is itself an estimate: a
 * training row j of fold k moves it by dm/dy_j (y_j - rbar_{k,a_j}), and m moves
 * model (k, a)'s coefficients by H^-1 (prior_y - q̂_0) e_0 (the prior's score), so
 * dm by v_0 (prior_y - sigmoid(beta_0)). With tau2 = [sum_a n_a (rbar_a - p)^2 -
 * (A' - 1) p (1 - p)] / den and m = p (1 - p) / tau2 - 1:
 *   dm/dy_j = (1 - 2p) / (N tau2) - p (1 - p) / tau2^2 *
 *             [2 (rbar_a - p) - (A' - 1)(1 - 2p) / N] / den.
 * A clipped m does not move. Fills c->cm and c->rbar; -1 on out of memory. */
void rm_prior_slopes_fold(const double *n_a, const double *k_a, size_t A, double train_mean,
                          double *const *v, double *const *beta, size_t p, size_t P,
                          double *rbar, double *cm)
{
    double N = 0, K = 0, n2 = 0, ss = 0;
    int used = 0;
    for (size_t a = 0; a < A; a++)
        if (n_a[a] > 0) {
            N += n_a[a];
            K += k_a[a];
            n2 += n_a[a] * n_a[a];
            used++;
            rbar[a] = k_a[a] / n_a[a];
        }
    double pr = N > 0 ? K / N : 0.0, den = N > 0 ? N - n2 / N : 0.0;
    for (size_t a = 0; a < A; a++)
        if (n_a[a] > 0)
            ss += n_a[a] * (k_a[a] / n_a[a] - pr) * (k_a[a] / n_a[a] - pr);
    double tau2 = den > 0 ? (ss - (used - 1) * pr * (1 - pr)) / den : 0.0;
    double m = tau2 > 0 ? pr * (1 - pr) / tau2 - 1.0 : 0.0;
    if (used < 2 || !(tau2 > 0.0) || pr <= 0.0 || pr >= 1.0 || !(m > 1.0 && m < 1e4))
        return;     /* clipped or fixed: m does not move */
    double py = fmin(fmax(train_mean, 1e-6), 1.0 - 1e-6);
    for (size_t q = 0; q < P; q++) {
        double e = 0.0;     /* dm per unit of m */
        for (size_t a = 0; a < A; a++)
            if (v[a] && beta[a])
                e += v[a][q * p] * (py - logit_sigmoid(beta[a][0]));
        for (size_t a = 0; a < A; a++) {
            if (!(n_a[a] > 0))
                continue;
            double dt = (2.0 * (k_a[a] / n_a[a] - pr) - (used - 1) * (1 - 2 * pr) / N) / den;
            double dmdy = (1 - 2 * pr) / (N * tau2) - pr * (1 - pr) / (tau2 * tau2) * dt;
            cm[a * P + q] = e * dmdy;
        }
    }
}

double rm_cprior(double prior_rows, double train_rows, double *const *v, size_t A, size_t p,
                 size_t q)
{
    if (!(prior_rows > 0) || !(train_rows > 0))
        return 0.0;
    double s0 = 0.0;
    for (size_t a = 0; a < A; a++)
        if (v[a])
            s0 += v[a][q * p];
    return prior_rows * s0 / train_rows;
}

/* rm_prior_slopes_fold for every fold, from the training rows' per-action counts and
 * rewards. -1 on out of memory. */
static int prior_slopes(struct cf *c)
{
    const struct blog *log = c->log;
    size_t A = (size_t)log->n_actions, P = c->n_pol;
    double *n_a = calloc(2 * A, sizeof *n_a), *k_a = n_a + A;
    if (!n_a)
        return -1;
    for (int k = 0; k < c->folds; k++) {
        memset(n_a, 0, 2 * A * sizeof *n_a);
        for (size_t i = 0; i < log->n; i++)
            if (is_train(c, i, k)) {
                n_a[log->action[i]] += 1.0;
                k_a[log->action[i]] += log->reward[i];
            }
        rm_prior_slopes_fold(n_a, k_a, A, c->train_mean[k], c->v + (size_t)k * A,
                             c->beta + (size_t)k * A, c->map[k].p, P,
                             c->rbar + (size_t)k * A, c->cm + (size_t)k * A * P);
    }
    free(n_a);
    return 0;
}

/* u_j = n (phi_j - mean phi) in place (compensated mean). */
static void infl_centre(double *u, size_t n)
{
    struct ope_sum s;
    ope_sum_init(&s);
    for (size_t i = 0; i < n; i++)
        ope_sum_add(&s, u[i]);
    double mean = ope_sum_value(&s) / (double)n;
    for (size_t i = 0; i < n; i++)
        u[i] = (double)n * (u[i] - mean);
}

static double **crossfit(const struct blog *log, const struct rm_opts *o,
                         struct res_model *report, struct ope_progress *progress,
                         double ***infl, struct ope_error *err)
{
    struct cf c;
    memset(&c, 0, sizeof c);
    atomic_init(&c.predict_failed, 0);
    if (check(log, o, &c.kind, err) < 0)
        return NULL;
    gsl_set_error_handler_off();    /* solver failures are handled, never abort */
    size_t n = log->n, A = (size_t)log->n_actions, K = (size_t)o->folds;
    c.log = log;
    c.folds = o->folds;
    c.lambda = o->lambda;
    c.blk_cat = block_column(log, o);
    c.fold = ope_malloc(n * sizeof *c.fold, err);
    c.by_action = ope_malloc(n * sizeof *c.by_action, err);
    c.act_start = ope_malloc((A + 1) * sizeof *c.act_start, err);
    c.map = ope_calloc(K, sizeof *c.map, err);
    c.train_mean = ope_calloc(K, sizeof *c.train_mean, err);
    c.prior_rows = ope_calloc(K, sizeof *c.prior_rows, err);
    c.status = ope_calloc(K * A, sizeof *c.status, err);
    c.errs = ope_calloc(K * A, sizeof *c.errs, err);
    c.beta = ope_calloc(K * A, sizeof *c.beta, err);
    double **q = NULL, **u = NULL;
    if (infl) {
        *infl = NULL;
        c.n_pol = log->n_policies;
    }
    if (c.n_pol) {
        c.by_fold = ope_malloc(n * sizeof *c.by_fold, err);
        c.fold_start = ope_malloc((K + 1) * sizeof *c.fold_start, err);
        c.v = ope_calloc(K * A, sizeof *c.v, err);
        c.g = ope_calloc(K * A, sizeof *c.g, err);
        c.train_rows = ope_calloc(K, sizeof *c.train_rows, err);
        c.cprior = ope_calloc(K * c.n_pol, sizeof *c.cprior, err);
        c.cm = ope_calloc(K * A * c.n_pol, sizeof *c.cm, err);
        c.rbar = ope_calloc(K * A, sizeof *c.rbar, err);
        if (!c.by_fold || !c.fold_start || !c.v || !c.train_rows || !c.cprior || !c.cm
            || !c.rbar || !c.g)
            goto fail;
    }
    if (!c.fold || !c.by_action || !c.act_start || !c.map
        || !c.train_mean || !c.prior_rows || !c.status || !c.errs || !c.beta)
        goto fail;
    if (rm_assign_folds(n, o->folds, o->seed, c.fold, err) < 0)
        goto fail;
    group_rows(log->action, n, log->n_actions, c.by_action, c.act_start);
    if (c.n_pol)    /* with one fold every row is in fold 0 */
        group_rows(c.fold, n, o->folds, c.by_fold, c.fold_start);
    int threads = o->threads > 0 ? o->threads : ope_default_threads();
    if (prepare_folds(&c, o->prior_rows, threads, err) < 0 ||
        !(q = blog_matrix_new(log->n_actions, n, err)))
        goto fail;
    c.qhat = q;
    if (ope_parallel_for(K * A, threads, task, &c, progress, "reward model") < 0) {
        ope_fail(err, OPE_EINTERRUPTED, "reward model: cancelled");
        goto fail;
    }
    for (size_t t = 0; t < K * A; t++)
        if (c.status[t] < 0) {
            *err = c.errs[t];
            ope_error_prefix(err, "reward model (fold %zu, action %zu): ", t / A, t % A);
            goto fail;
        }
    if (ope_parallel_for((n + PREDICT_ROWS - 1) / PREDICT_ROWS, threads, predict_task, &c,
                         progress, NULL) < 0) {
        ope_fail(err, OPE_EINTERRUPTED, "reward model: cancelled");
        goto fail;
    }
    if (c.n_pol) {
        if (atomic_load(&c.predict_failed)) {
            ope_fail_oom(err);
            goto fail;
        }
        if (ope_parallel_for(K, threads, grad_task, &c, progress, NULL) < 0 ||
            ope_parallel_for(K * A, threads, solve_task, &c, progress, NULL) < 0) {
            ope_fail(err, OPE_EINTERRUPTED, "reward model: cancelled");
            goto fail;
        }
        if (atomic_load(&c.predict_failed)) {
            ope_fail_oom(err);
            goto fail;
        }
        for (size_t t = 0; t < K * A; t++)
            if (c.status[t] < 0) {
                *err = c.errs[t];
                ope_error_prefix(err, "reward model (fold %zu, action %zu): ", t / A, t % A);
                goto fail;
            }
    }
    /* The intercept prior's pull (logistic.h): prior_y is the fold's training mean, so
     * d theta / d prior_y = H^-1 prior_w e_0 and dm moves by prior_w v_0 per unit. */
    for (size_t k = 0; c.n_pol && c.kind == RM_LOGISTIC && k < K; k++)
        for (size_t pp = 0; pp < c.n_pol; pp++)
            c.cprior[k * c.n_pol + pp] = rm_cprior(c.prior_rows[k], c.train_rows[k],
                                                   c.v + k * A, A, c.map[k].p, pp);
    if (c.n_pol && c.kind == RM_LOGISTIC && o->prior_rows < 0.0 && prior_slopes(&c) < 0) {
        ope_fail_oom(err);
        goto fail;
    }
    if (c.n_pol) {
        if (!(u = blog_matrix_new((int)c.n_pol, n, err)))
            goto fail;
        c.infl = u;
        if (ope_parallel_for((n + PREDICT_ROWS - 1) / PREDICT_ROWS, threads, infl_task, &c,
                             progress, NULL) < 0) {
            ope_fail(err, OPE_EINTERRUPTED, "reward model: cancelled");
            goto fail;
        }
    }
    if (atomic_load(&c.predict_failed)) {
        ope_fail_oom(err);
        goto fail;
    }
    for (size_t pp = 0; pp < c.n_pol; pp++)
        infl_centre(u[pp], n);
    if (report) {
        memset(report, 0, sizeof *report);
        snprintf(report->kind, sizeof report->kind, "%s", rm_kind_name(c.kind));
        report->folds = o->folds;
        if (heldout_error(&c, threads, &report->heldout_error) < 0) {
            ope_fail_oom(err);
            goto fail;
        }
        snprintf(report->error_name, sizeof report->error_name, "%s",
                 c.kind == RM_LOGISTIC ? "logloss" : "mse");
    }
    cf_release(&c);
    if (infl)
        *infl = u;
    return q;
fail:
    blog_matrix_free(q, log->n_actions);
    blog_matrix_free(u, (int)c.n_pol);
    cf_release(&c);
    return NULL;
}

double **rm_crossfit_progress(const struct blog *log, const struct rm_opts *o,
                              struct res_model *report, struct ope_progress *progress,
                              struct ope_error *err)
{
    return crossfit(log, o, report, progress, NULL, err);
}

double **rm_crossfit_infl(const struct blog *log, const struct rm_opts *o,
                          struct res_model *report, struct ope_progress *progress,
                          double ***infl, struct ope_error *err)
{
    return crossfit(log, o, report, progress, infl, err);
}

double **rm_crossfit(const struct blog *log, const struct rm_opts *o,
                     struct res_model *report, struct ope_error *err)
{
    return rm_crossfit_progress(log, o, report, NULL, err);
}
