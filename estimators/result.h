/* estimators/result.h: the one result model of an evaluation. The engine
 * (estimators/engine.c) fills it; the CLI table, JSON, CSV, the TUI, charts and
 * reports all render this struct, so they can never disagree. */
#ifndef ESTIMATORS_RESULT_H
#define ESTIMATORS_RESULT_H

#include <stddef.h>
#include <stdint.h>

/* One estimator applied to one policy. Values that do not apply are NAN
 * (rendered as null in JSON, "-" in tables). */
struct res_estimate {
    char *estimator;        /* registry name: "ipw" */
    char *label;            /* name with non-default parameters: "ipw:clip=100" */
    char *params_json;      /* the parameters as a JSON object: "{\"clip\":100}" or "{}" */
    double value;
    double lower, upper;    /* interval at level 1 - alpha (NAN when ci is "none") */
    double se;              /* standard error of the contributions (NAN if undefined) */
    /* Lift over the logged policy: value - V(pi_b), V(pi_b) the observed mean reward
     * (return) of the same rows (episodes); its paired interval (the same bootstrap
     * resamples for both terms, or the per-row differences c_i - r_i) at level
     * 1 - alpha; and lift / |V(pi_b)|. NAN when undefined. */
    double lift, lift_lower, lift_upper, relative_lift;
    /* Weight diagnostics of the weights this estimator used (NAN if weight-free). */
    double ess;             /* (sum w)^2 / sum w^2 */
    double max_weight;
    double mean_weight;
    double rel_error;       /* |value - truth| / |truth| when truth is known, else NAN */
    /* The estimator's ci_caveat (estimator.h) when an interval was given and it is
     * known not to cover, else NULL; static storage, not freed. */
    const char *ci_warning;
    /* Rank probabilities over the paired bootstrap replicates (--ci bootstrap only,
     * else NULL): p_top[k - 1] is the share of replicates in which this policy is
     * among the k best of the evaluated policies by this estimator, p_top[0] is
     * P(best); [n_policies] entries (estimators/ops.h: ops_rank_probs). */
    double *p_top;
};

/* The estimated distribution of the return under a policy (trajectory logs,
 * estimators/cdf.h): a step CDF on the distinct returns and its summaries. */
struct res_risk {
    char method[16];        /* "tis" or "sn" */
    double mean, var, cvar, iqr;
    double cvar_alpha;
    size_t n_grid;
    double *grid, *cdf;     /* [n_grid] */
};

struct res_policy {
    char *name;
    double truth;           /* ground truth (q.* columns / exact DP) or NAN */
    double unsupported;     /* share of rows where pi_e puts mass on actions the log
                               never takes in that context (NAN when unknown) */
    double ess;             /* effective sample size of the policy's importance (bandit)
                               or trajectory weights, 0 with no overlap at all (NAN when
                               unknown) */
    size_t n_estimates;
    struct res_estimate *est;
    size_t n_warnings;
    char **warnings;        /* e.g. "poor overlap: ESS 12.3 of 10000 rows" */
    size_t n_risk;          /* return distributions (ope eval --risk), or 0 */
    struct res_risk *risk;
};

/* The reward / value model used by model-based estimators. */
struct res_model {
    char kind[32];          /* "qhat-columns", "ridge", "logistic", "fqe-tabular", ... */
    int folds;              /* cross-fitting folds (0 when not fitted) */
    double heldout_error;   /* held-out MSE (ridge) or log-loss (logistic); NAN if none */
    char error_name[16];    /* "mse" or "logloss" */
};

/* One (policy, estimator) on one segment (ope eval --by): the estimate, its
 * simultaneous interval over the segments, and why it says little, or NULL. */
struct res_seg_est {
    double value, lower, upper;
    double ess;             /* of the weights this estimator used (NAN if weight-free) */
    char *warning;
};

/* One segment: the rows whose --by column has one level, or falls in one bin. */
struct res_segment {
    char *label;            /* the level, or "[lo, hi)" */
    double lo, hi;          /* a bin's edges (NAN for a level) */
    size_t rows;
    double *ess;            /* [n_policies] ESS of the policy's raw importance weights */
    double *truth;          /* [n_policies] mean of the q.* truth over its rows, or NAN */
    struct res_seg_est *est;    /* [n_policies * n_estimates], policy-major */
};

/* Every policy estimated per segment (estimators/segments.h). */
struct res_segments {
    char *column;           /* the --by column */
    int bins;               /* --bins K (0: the levels of a categorical column) */
    char method[64];        /* "max-t bootstrap", "bonferroni t", ... */
    double min_ess;         /* the warning's threshold (DIAG_SEG_MIN_ESS) */
    size_t n_policies, n_estimates;
    size_t n_seg;
    struct res_segment *seg;
};

void res_segments_free(struct res_segments *s);

/* One paired difference between two evaluated policies by one estimator: V(a) - V(b),
 * a ranked above b among the estimator's top K (by point estimate; ties keep the
 * policies' order, undefined estimates are left out), and its interval at level
 * 1 - alpha, paired like the lift's: the percentile interval of the replicates'
 * differences (the same resamples for both), or the contributions' interval of the
 * per-row differences c_i(a) - c_i(b) (their observed range for Hoeffding and
 * Bernstein). NAN bounds without intervals. */
struct res_diff {
    size_t a, b;            /* indices into res_eval.pol */
    size_t e;               /* index of the estimate (the same in every policy) */
    double diff, lower, upper;
};

struct res_eval {
    char *path;             /* input path as given */
    char sha256[65];        /* hex digest of the input file ("" when not from a file) */
    size_t rows;            /* rows (bandit) or steps (trajectories) */
    size_t episodes;        /* trajectories only (0 for bandit) */
    const char *kind;       /* "bandit" or "trajectories" */
    int n_actions;
    double gamma;           /* 1.0 for bandit */
    /* The logged (behaviour) policy's value, two labelled quantities: what the log
     * shows (its mean reward, or mean discounted return) and, when a truth file or
     * an environment gives it, the exact value. behavior_value is the one J(pi_b)
     * uses: the exact value when known, else the observed one. */
    double behavior_observed;
    double behavior_exact;  /* NAN when unknown */
    double behavior_value;
    char *against;          /* the lifts' baseline policy (eval_opts.against); NULL: the
                             * logged policy */

    double alpha;
    char ci[16];            /* "bootstrap", "t", "hoeffding", "bernstein", "none" */
    int n_boot;
    uint64_t seed;
    int threads;            /* informational only: results never depend on it */

    struct res_model model;
    size_t n_policies;
    struct res_policy *pol;
    size_t n_warnings;
    char **warnings;        /* log-level warnings */
    struct res_segments *segments;  /* ope eval --by, else NULL */
    /* The differences among each estimator's top matrix_k policies (eval_opts.matrix_k):
     * for every estimator in order, its top policies' pairs (i, j), i < j in rank. */
    size_t matrix_k;
    size_t n_diffs;
    struct res_diff *diffs;
};

/* Allocate n_policies policies with n_estimates estimates each, every number NAN.
 * Returns NULL on out-of-memory. */
struct res_eval *res_eval_new(size_t n_policies, size_t n_estimates);

/* Append a formatted warning to a policy (pol may be NULL: log-level). 0 or -1. */
int res_warn(struct res_eval *r, struct res_policy *pol, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void res_eval_free(struct res_eval *r);

#endif
