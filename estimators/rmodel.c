/* estimators/rmodel.c: the reward model's options, folds and checks, and its
 * cross-fitting on a log in memory. Rows are dealt into K folds by a seeded
 * permutation of each block of K rows; for every (fold, action) a ridge or logistic
 * model is fitted on that action's rows outside the fold and predicts q̂(x_i, a) for
 * the rows inside it, so no row is ever predicted by a model that saw it. The fit
 * itself is rmstream.h's passes, given the whole log as one window: the same code
 * fits a streamed log and one split across MPI ranks. */
#include "config.h"

#include <math.h>
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
#include "estimators/rmstream.h"
#include "ope/base/rng.h"
#include "ope/base/sum.h"

/* Widest design we accept: the Gram matrix is p x p per concurrent fit (in the block
 * form, q x q plus the q x m cross part: at most the same number of entries). */
#define RM_MAX_COLUMNS 4000

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
    o->max_bytes = 0;
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

/* The method of moments of rm_prior_rows over the A actions' rows n_a and rewards k_a:
 * the rows N, the actions with rows, the pooled rate p, den = N - sum n_a^2 / N and the
 * between-action variance tau2 (0 when den is not positive). */
struct eb_moments {
    double N, p, den, tau2;
    int used;
};

static struct eb_moments eb_moments(const double *n_a, const double *k_a, size_t A)
{
    struct eb_moments e = { 0, 0, 0, 0, 0 };
    double K = 0, n2 = 0, ss = 0;
    for (size_t a = 0; a < A; a++)
        if (n_a[a] > 0) {
            e.N += n_a[a];
            K += k_a[a];
            n2 += n_a[a] * n_a[a];
            e.used++;
        }
    if (!(e.N > 0))
        return e;
    e.p = K / e.N;
    for (size_t a = 0; a < A; a++)
        if (n_a[a] > 0)
            ss += n_a[a] * (k_a[a] / n_a[a] - e.p) * (k_a[a] / n_a[a] - e.p);
    e.den = e.N - n2 / e.N;
    e.tau2 = e.den > 0 ? (ss - (e.used - 1) * e.p * (1 - e.p)) / e.den : 0.0;
    return e;
}

double rm_prior_rows(const double *n_a, const double *k_a, int A)
{
    struct eb_moments e = eb_moments(n_a, k_a, A > 0 ? (size_t)A : 0);
    if (e.used < 2 || e.N <= 0 || !(e.tau2 > 0.0) || e.p <= 0.0 || e.p >= 1.0)
        return 1e4;
    double m = e.p * (1 - e.p) / e.tau2 - 1.0;
    return m < 1.0 ? 1.0 : m > 1e4 ? 1e4 : m;
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
    struct eb_moments mo = eb_moments(n_a, k_a, A);
    double N = mo.N, pr = mo.p, den = mo.den, tau2 = mo.tau2;
    int used = mo.used;
    for (size_t a = 0; a < A; a++)
        if (n_a[a] > 0)
            rbar[a] = k_a[a] / n_a[a];
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


/* The model fitted by the passes of rmstream.h over the whole log as one window, so a
 * log in memory, a streamed one and one split across ranks share one fit; then q̂ and
 * dm's influence (for every policy of the log) at every row. */
static double **crossfit(const struct blog *log, const struct rm_opts *o,
                         struct res_model *report, struct ope_progress *progress,
                         double ***infl, struct ope_error *err)
{
    enum rm_kind kind;
    if (infl)
        *infl = NULL;
    if (check(log, o, &kind, err) < 0)
        return NULL;
    size_t P = infl ? log->n_policies : 0;
    struct rm_opts ko = *o;
    ko.kind = kind;
    size_t *pol = ope_calloc(P + 1, sizeof *pol, err);
    struct rms *m = NULL;
    double **q = NULL, **u = NULL;
    for (size_t k = 0; pol && k < P; k++)
        pol[k] = k;
    if (!pol || !(m = rms_new(&ko, log->n_actions, pol, P, log->path, RMS_MEMORY, err)))
        goto fail;
    const char *pass;
    while ((pass = rms_next_pass(m)) != NULL) {
        ope_progress_report(progress, 0.0, "reward model");
        if (ope_progress_cancelled(progress)) {
            ope_fail(err, OPE_EINTERRUPTED, "reward model: cancelled");
            goto fail;
        }
        if (rms_window(m, log, 0, err) < 0 || rms_pass_done(m, err) < 0)
            goto fail;
    }
    if (!rms_take_predictions(m, &q, &u) &&
        (!(q = blog_matrix_new(log->n_actions, log->n, err)) ||
         (P && !(u = blog_matrix_new((int)P, log->n, err))) ||
         rms_predict(m, log, 0, q, u, err) < 0))
        goto fail;
    if (report)
        rms_report(m, report);
    rms_free(m);
    free(pol);
    if (infl)
        *infl = u;
    return q;
fail:
    blog_matrix_free(q, log->n_actions);
    blog_matrix_free(u, (int)P);
    rms_free(m);
    free(pol);
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

