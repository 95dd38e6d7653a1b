/* estimators/rmodel.c: the cross-fitting driver of the reward model. Rows are dealt
 * into K folds by a seeded permutation; for every (fold, action) a ridge or logistic
 * model is fitted on that action's rows outside the fold and predicts q̂(x_i, a) for
 * the rows inside it, so no row is ever predicted by a model that saw it. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>

#include "estimators/rmodel.h"
#include "estimators/features.h"
#include "estimators/logistic.h"
#include "estimators/ridge.h"
#include "ope/rng.h"
#include "ope/sum.h"
#include "ope/threads.h"

/* Widest design we accept: the Gram matrix is p x p per concurrent fit. */
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
    size_t *by_fold;            /* [n] rows grouped by fold, ascending within */
    size_t *fold_start;         /* [K+1] */
    struct feat_map *map;       /* [K] */
    double *train_mean;         /* [K] mean reward of the training rows */
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

/* Fit the model of action a on the training rows of fold k, and predict it at the
 * held-out rows of fold k (every row when folds == 1). An action without training
 * rows predicts the fold's training mean reward over all actions. */
static int fit_one(struct cf *c, int k, int a, struct ope_error *err)
{
    const struct blog *log = c->log;
    const struct feat_map *m = &c->map[k];
    size_t nnz = m->nnz, cnt = 0;
    for (size_t s = c->act_start[a]; s < c->act_start[a + 1]; s++)
        cnt += (size_t)is_train(c, c->by_action[s], k);
    size_t lo = c->folds == 1 ? 0 : c->fold_start[k];
    size_t hi = c->folds == 1 ? log->n : c->fold_start[k + 1];
    if (cnt == 0) {
        for (size_t s = lo; s < hi; s++)
            c->qhat[a][c->folds == 1 ? s : c->by_fold[s]] = c->train_mean[k];
        return 0;
    }
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
    struct feat_rows d = {cnt, nnz, m->p, idx, val, y};
    int logistic = c->kind == RM_LOGISTIC;
    if (logistic) {
        double py = fmin(fmax(c->train_mean[k], 1e-6), 1.0 - 1e-6);
        if (logit_fit(&d, c->lambda, c->prior_rows[k], py, beta, NULL, err) < 0)
            goto out;
    } else if (ridge_fit(&d, c->lambda, beta, err) < 0) {
        goto out;
    }
    /* Predict: reuse the first row of the design buffers as scratch. */
    struct feat_rows one = {1, nnz, m->p, idx, val, NULL};
    for (size_t s = lo; s < hi; s++) {
        size_t i = c->folds == 1 ? s : c->by_fold[s];
        feat_row(m, log, i, row_pos(log, i), idx, val);
        double eta = feat_dot(&one, 0, beta);
        c->qhat[a][i] = logistic ? logit_sigmoid(eta) : eta;
    }
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

/* Per-fold feature maps, training means and prior weights; refuses designs that
 * are too wide. */
static int prepare_folds(struct cf *c, double prior, struct ope_error *err)
{
    const struct blog *log = c->log;
    double *n_a = ope_calloc(2 * (size_t)log->n_actions, sizeof *n_a, err);
    if (!n_a)
        return -1;
    for (int k = 0; k < c->folds; k++)
        c->prior_rows[k] = fold_prior(c, k, prior, n_a, n_a + log->n_actions);
    free(n_a);
    for (int k = 0; k < c->folds; k++) {
        if (feat_map_init(&c->map[k], log, c->fold, c->folds == 1 ? -1 : k, err) < 0)
            return -1;
        if (c->map[k].p > RM_MAX_COLUMNS) {
            size_t worst = 0;
            for (size_t j = 1; j < log->n_cat_ctx; j++)
                if (log->cat_ctx[j].n_levels > log->cat_ctx[worst].n_levels)
                    worst = j;
            return ope_fail(err, OPE_EDATA, "reward model: %zu feature columns (more than "
                            "%d); categorical context column '%s' has %zu levels; drop it "
                            "with --map or supply qhat.* columns",
                            c->map[k].p, RM_MAX_COLUMNS,
                            log->n_cat_ctx ? log->cat_ctx[worst].name : "?",
                            log->n_cat_ctx ? log->cat_ctx[worst].n_levels : (size_t)0);
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
    return 0;
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
    free(c->by_fold);
    free(c->fold_start);
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
    if (check(log, o, &c.kind, err) < 0)
        return NULL;
    gsl_set_error_handler_off();    /* solver failures are handled, never abort */
    size_t n = log->n, A = (size_t)log->n_actions, K = (size_t)o->folds;
    c.log = log;
    c.folds = o->folds;
    c.lambda = o->lambda;
    c.fold = ope_malloc(n * sizeof *c.fold, err);
    c.by_action = ope_malloc(n * sizeof *c.by_action, err);
    c.act_start = ope_malloc((A + 1) * sizeof *c.act_start, err);
    c.by_fold = ope_malloc(n * sizeof *c.by_fold, err);
    c.fold_start = ope_malloc((K + 1) * sizeof *c.fold_start, err);
    c.map = ope_calloc(K, sizeof *c.map, err);
    c.train_mean = ope_calloc(K, sizeof *c.train_mean, err);
    c.prior_rows = ope_calloc(K, sizeof *c.prior_rows, err);
    c.status = ope_calloc(K * A, sizeof *c.status, err);
    c.errs = ope_calloc(K * A, sizeof *c.errs, err);
    double **q = NULL;
    if (!c.fold || !c.by_action || !c.act_start || !c.by_fold || !c.fold_start || !c.map
        || !c.train_mean || !c.prior_rows || !c.status || !c.errs)
        goto fail;
    if (rm_assign_folds(n, o->folds, o->seed, c.fold, err) < 0)
        goto fail;
    group_rows(log->action, n, log->n_actions, c.by_action, c.act_start);
    group_rows(c.fold, n, o->folds, c.by_fold, c.fold_start);
    if (prepare_folds(&c, o->prior_rows, err) < 0 || !(q = blog_matrix_new(log->n_actions, n, err)))
        goto fail;
    c.qhat = q;
    int threads = o->threads > 0 ? o->threads : ope_default_threads();
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
