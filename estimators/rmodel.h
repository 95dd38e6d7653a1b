/* estimators/rmodel.h: the reward model q̂(x, a) that model-based estimators (dm, dr,
 * sndr, switch-dr, dr-os) need when the log has no qhat.* columns: per-action ridge
 * or L2-regularised logistic regression on the context, K-fold cross-fitted so no row
 * is predicted by a model that was fitted on it. */
#ifndef ESTIMATORS_RMODEL_H
#define ESTIMATORS_RMODEL_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"
#include "ope/base/progress.h"
#include "datasets/blog.h"
#include "estimators/result.h"

enum rm_kind { RM_AUTO, RM_RIDGE, RM_LOGISTIC };

struct rm_opts {
    enum rm_kind kind;  /* RM_AUTO: logistic when every reward is 0 or 1, else ridge */
    int folds;          /* K >= 1; 1 = fit and predict on all rows (no cross-fitting) */
    double lambda;      /* L2 penalty (>= 0) on every coefficient but the intercept */
    uint64_t seed;      /* seeds the fold assignment (stream OPE_RNG_FOLDS) */
    int threads;        /* 0 = default (ope_default_threads); never changes results */
    double prior_rows;  /* logistic only: weight of the pseudo-rows that pull each
                           action's intercept towards the training-fold mean reward
                           (keeps it finite for actions with no clicks). < 0 (the
                           default, RM_PRIOR_AUTO): empirical Bayes per fold, see
                           rm_prior_rows; 0: plain penalised fit; > 0: that weight */
    size_t block_levels; /* a categorical context with this many levels or more (the
                           widest such one) is eliminated from the normal equations
                           as a diagonal block instead of solved densely
                           (rmodel_normal.h): the same fit to rounding, in time and
                           memory linear in its levels. Needs lambda > 0 (with
                           lambda 0 the fit is dense). Default RM_BLOCK_LEVELS;
                           SIZE_MAX: always dense */
    unsigned long long max_bytes; /* the fit's models may hold at most this many bytes
                           (their normal equations: K A of them, each ~32 p^2 bytes
                           dense), else it is refused (OPE_EDATA) before they are
                           allocated; 0: no limit. ope sets three quarters of the
                           machine's memory (loadcli_model_budget) */
    int folds_up_to_rows; /* folds is a default, not a request: a log of fewer rows is
                           cross-fitted with one fold per row (the caller does it for a
                           log in memory; rmstream.h, which learns the rows in its
                           first pass, by this) */
};

#define RM_BLOCK_LEVELS 256

#define RM_PRIOR_AUTO (-1.0)

/* The empirical-Bayes prior weight for per-action click rates: with n_a rows and
 * k_a clicks per action (A actions with rows, N rows, pooled rate p), the
 * method-of-moments between-action variance
 *   tau2 = [sum_a n_a (k_a/n_a - p)^2 - (A - 1) p (1 - p)] / (N - sum_a n_a^2 / N)
 * gives the beta-binomial pseudo-count m = p (1 - p) / tau2 - 1, clipped to
 * [1, 1e4] (1e4 when tau2 <= 0: the actions look alike, so their intercepts stay
 * at the pooled rate unless an action has far more than 1e4 rows). */
double rm_prior_rows(const double *n_a, const double *k_a, int A);

/* Defaults: RM_AUTO, folds 3, lambda 1.0, seed 12345, threads 0, prior_rows
 * RM_PRIOR_AUTO, block_levels RM_BLOCK_LEVELS, folds_up_to_rows 0. */
void rm_opts_init(struct rm_opts *o);

/* K-fold cross-fitted predictions qhat[a][i] (allocated with blog_matrix_new,
 * [n_actions][n]) at each row's context (and position) for every action a. Fills
 * report (kind "ridge"/"logistic", folds, held-out error "mse" or "logloss": mean
 * over rows of the error of the prediction at the logged action). Returns NULL with
 * err filled on bad options (OPE_EUSAGE), an empty log (OPE_EDATA), out of memory
 * or a numerical failure (OPE_ESOFTWARE). Free with blog_matrix_free(q, n_actions). */
double **rm_crossfit(const struct blog *log, const struct rm_opts *o,
                     struct res_model *report, struct ope_error *err);

/* As rm_crossfit, reporting progress per (fold, action) fit; progress may be NULL.
 * Cancelling through progress returns NULL with status OPE_EINTERRUPTED. */
double **rm_crossfit_progress(const struct blog *log, const struct rm_opts *o,
                              struct res_model *report, struct ope_progress *progress,
                              struct ope_error *err);

/* As rm_crossfit_progress, and when infl is not NULL also the reward model's share of
 * the direct method's uncertainty, for every evaluation policy of the log: *infl
 * (blog_matrix_new, [n_policies][n]) gets per-row terms u_j, centred to mean 0, whose
 * sample variance over n is the first-order (delta-method, sandwich) variance of
 *   dm = (1/n) sum_i sum_a pi(a|x_i) q̂_{k(i)}(x_i, a)
 * caused by the fitted coefficients. Model (k, a) has coefficients theta with
 * theta - theta* ~= H^-1 sum_{j trains it} s_j (H: the penalised negative Hessian at
 * the fit, X'WX + lambda I'; s_j = (y_j - q̂_k(x_j, a)) x_j the score of training row
 * j), and dm moves by g' (theta - theta*) with g = (1/n) sum_{i in fold k}
 * pi(a|x_i) dq̂(x_i, a)/dtheta. So row j moves dm by
 *   phi_j = sum_{k: j trains fold k's model} (y_j - q̂_k(x_j, a_j)) x_j' H_{k,a_j}^-1 g_{k,a_j}
 * and u_j = n (phi_j - mean phi): the folds' models share training rows, and this
 * sum over a row's models carries their correlation exactly (to first order).
 * A logistic model's intercept prior adds two terms: its target is the fold's training
 * mean and (RM_PRIOR_AUTO) its weight an empirical-Bayes estimate, both moved by every
 * training row. Actions without training rows (predicted by the fold's mean reward)
 * add nothing; neither does the fit's bias, which no variance can hold.
 * Free with blog_matrix_free(*infl, log->n_policies). */
double **rm_crossfit_infl(const struct blog *log, const struct rm_opts *o,
                          struct res_model *report, struct ope_progress *progress,
                          double ***infl, struct ope_error *err);

/* Pieces of rm_crossfit_infl shared with the fit over a streamed log (rmstream.h).
 * Fold k's empirical-Bayes prior weight moves with every training row's reward
 * (rmodel.h, rm_crossfit_infl): from the fold's per-action training rows n_a and rewards
 * k_a (A actions), its training mean and its models' coefficients beta[a] and
 * v[a] = H^-1 g (P policies, p columns; NULL without training rows), each action's
 * mean reward into rbar[a] and dm's slope in it into cm[a P + q] (left as they are
 * when the weight is clipped or fixed). */
void rm_prior_slopes_fold(const double *n_a, const double *k_a, size_t A, double train_mean,
                          double *const *v, double *const *beta, size_t p, size_t P,
                          double *rbar, double *cm);

/* dm's slope for policy q in fold k's training mean through the logistic intercept
 * prior's target: prior_rows sum_a v[a][q p] / train_rows (0 without a prior). */
double rm_cprior(double prior_rows, double train_rows, double *const *v, size_t A, size_t p,
                 size_t q);

/* The categorical column solved as a block (rmodel_normal.h) among n_cat columns of
 * levels[j] levels: the widest, if it has at least o->block_levels and lambda > 0
 * makes every level's diagonal entry positive; else -1 (dense). */
int rm_block_column(const size_t *levels, size_t n_cat, const struct rm_opts *o);

/* Refuse (OPE_EDATA, naming the widest categorical column names[j]) a design of p
 * columns too wide to fit: more than 4000 dense columns, or in the block form (block
 * column blk_cat, or -1) more entries than a dense design of that width. 0 or -1. */
int rm_check_width(size_t p, size_t n_num, size_t n_cat, const size_t *levels,
                   char *const *names, int blk_cat, double lambda, struct ope_error *err);

/* Parse "auto|ridge|logistic" for --reward-model. Returns 0, or -1 if unknown. */
int rm_kind_parse(const char *s, enum rm_kind *out);

/* The name of a kind: "auto", "ridge" or "logistic". */
const char *rm_kind_name(enum rm_kind k);

/* The folds (0..folds-1) of the log's rows row0 .. row0 + n - 1 into fold[0..n-1]:
 * the rows are cut into blocks of K = folds consecutive rows and block b's rows get
 * the folds in an order shuffled by (seed, b) (Fisher-Yates, stream OPE_RNG_FOLDS), so
 * a row's fold depends only on (seed, K, its global row number): the same in memory,
 * in a stream's windows and on any MPI rank or shard, and fold sizes differ by at
 * most 1 over any prefix of the log. Returns 0, or -1 on out of memory. */
int rm_folds(uint64_t seed, int folds, size_t row0, size_t n, int *fold,
             struct ope_error *err);

/* rm_folds of an n-row log's rows 0..n-1. */
int rm_assign_folds(size_t n, int folds, uint64_t seed, int *fold, struct ope_error *err);

#endif
