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

int rm_assign_folds(size_t n, int folds, uint64_t seed, int *fold, struct ope_error *err)
{
    size_t *perm = ope_malloc((n ? n : 1) * sizeof *perm, err);
    if (!perm)
        return -1;
    struct ope_rng r;
    ope_rng_init(&r, seed, OPE_RNG_FOLDS, 0);
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n; i > 1; i--) {        /* Fisher-Yates */
        size_t j = (size_t)ope_rng_below(&r, i);
        size_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    for (size_t k = 0; k < n; k++)
        fold[perm[k]] = (int)(k % (size_t)folds);
    free(perm);
    return 0;
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
    int *status;                /* [K*A] 0 or -1 */
    struct ope_error *errs;     /* [K*A] */
};

/* Is row i a training row of fold k? With one fold every row trains. */
static int is_train(const struct cf *c, size_t i, int k)
{
    return c->folds == 1 || c->fold[i] != k;
}

static int row_pos(const struct blog *log, size_t i)
{
    return log->position ? log->position[i] : 0;
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
}

/* The categorical column to solve as a block (rmodel_normal.h): the one with the
 * most levels, if it has at least o->block_levels and the penalty makes every level's
 * diagonal entry positive (lambda > 0); else -1 (dense). */
static int block_column(const struct blog *log, const struct rm_opts *o)
{
    if (!(o->lambda > 0.0) || log->n_cat_ctx == 0)
        return -1;
    size_t best = 0;
    for (size_t j = 1; j < log->n_cat_ctx; j++)
        if (log->cat_ctx[j].n_levels > log->cat_ctx[best].n_levels)
            best = j;
    return log->cat_ctx[best].n_levels >= o->block_levels ? (int)best : -1;
}

/* Refuse a design too wide to fit: more than RM_MAX_COLUMNS dense columns, or (in the
 * block form) more entries than a dense design of that width has. Names the widest
 * categorical column solved densely, the usual culprit. */
static int check_width(const struct cf *c, size_t p, struct ope_error *err)
{
    const struct blog *log = c->log;
    size_t m = c->blk_cat >= 0 ? log->cat_ctx[c->blk_cat].n_levels : 0, q = p - m;
    size_t lim = RM_MAX_COLUMNS;
    if (q <= lim && (m == 0 || q * (q + m) <= lim * lim))
        return 0;
    size_t worst = SIZE_MAX;    /* the widest categorical column outside the block */
    for (size_t j = 0; j < log->n_cat_ctx; j++) {
        if ((int)j == c->blk_cat)
            continue;
        if (worst == SIZE_MAX || log->cat_ctx[j].n_levels > log->cat_ctx[worst].n_levels)
            worst = j;
    }
    if (m > 0)
        return ope_fail(err, OPE_EDATA, "reward model: %zu feature columns beside the %zu "
                        "levels of categorical context column '%s' are too many (columns x "
                        "(columns + levels) = %zu, more than %zu x %zu); %s%s%s%s", q, m,
                        log->cat_ctx[c->blk_cat].name, q * (q + m), lim, lim,
                        worst == SIZE_MAX ? "" : "categorical context column '",
                        worst == SIZE_MAX ? "" : log->cat_ctx[worst].name,
                        worst == SIZE_MAX ? "" : "' is the next widest; ",
                        "drop columns with --map or supply qhat.* columns");
    /* Name what the columns come from: numeric columns alone can pass the limit. */
    if (log->n_cat_ctx == 0)
        return ope_fail(err, OPE_EDATA, "reward model: %zu numeric context columns give %zu "
                        "feature columns (with the intercept and any positions), more than "
                        "the limit of %zu; keep fewer context columns (--context-columns "
                        "PATTERN) or supply qhat.* columns", log->n_num_ctx, p, lim);
    return ope_fail(err, OPE_EDATA, "reward model: %zu feature columns (more than "
                    "%zu); categorical context column '%s' has %zu levels; drop it "
                    "with --map or supply qhat.* columns%s", p, lim,
                    worst == SIZE_MAX ? "?" : log->cat_ctx[worst].name,
                    worst == SIZE_MAX ? (size_t)0 : log->cat_ctx[worst].n_levels,
                    c->lambda > 0.0 ? "" : " (with --model-lambda above 0, one "
                    "categorical column may have any number of levels)");
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

/* Mean over rows of the error of the prediction at the logged action. */
static double heldout_error(const struct blog *lg, double **q, int logistic)
{
    struct ope_sum s;
    ope_sum_init(&s);
    for (size_t i = 0; i < lg->n; i++) {
        double r = lg->reward[i], p = q[lg->action[i]][i];
        if (logistic) {
            p = fmin(fmax(p, RM_CLIP), 1.0 - RM_CLIP);
            ope_sum_add(&s, -(r * log(p) + (1.0 - r) * log1p(-p)));
        } else {
            ope_sum_add(&s, (r - p) * (r - p));
        }
    }
    return ope_sum_value(&s) / (double)lg->n;
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
    free(c->train_mean);
    free(c->prior_rows);
    free(c->status);
    free(c->errs);
}

double **rm_crossfit_progress(const struct blog *log, const struct rm_opts *o,
                              struct res_model *report, struct ope_progress *progress,
                              struct ope_error *err)
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
    double **q = NULL;
    if (!c.fold || !c.by_action || !c.act_start || !c.map
        || !c.train_mean || !c.prior_rows || !c.status || !c.errs || !c.beta)
        goto fail;
    if (rm_assign_folds(n, o->folds, o->seed, c.fold, err) < 0)
        goto fail;
    group_rows(log->action, n, log->n_actions, c.by_action, c.act_start);
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
    if (atomic_load(&c.predict_failed)) {
        ope_fail_oom(err);
        goto fail;
    }
    if (report) {
        memset(report, 0, sizeof *report);
        snprintf(report->kind, sizeof report->kind, "%s", rm_kind_name(c.kind));
        report->folds = o->folds;
        report->heldout_error = heldout_error(log, q, c.kind == RM_LOGISTIC);
        snprintf(report->error_name, sizeof report->error_name, "%s",
                 c.kind == RM_LOGISTIC ? "logloss" : "mse");
    }
    cf_release(&c);
    return q;
fail:
    blog_matrix_free(q, log->n_actions);
    cf_release(&c);
    return NULL;
}

double **rm_crossfit(const struct blog *log, const struct rm_opts *o,
                     struct res_model *report, struct ope_error *err)
{
    return rm_crossfit_progress(log, o, report, NULL, err);
}
