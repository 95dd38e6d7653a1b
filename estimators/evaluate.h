/* estimators/evaluate.h: evaluating a bandit log, and the options every evaluation
 * takes. Given a log, evaluation policies and a list of estimator specs, it computes
 * every estimate, its interval and diagnostics, and fills the shared result model
 * (estimators/result.h); the phases are the driver's (engine.h). */
#ifndef ESTIMATORS_EVALUATE_H
#define ESTIMATORS_EVALUATE_H

#include <stdint.h>
#include "ope/base/error.h"
#include "ope/base/progress.h"
#include "datasets/blog.h"
#include "estimators/estimator.h"
#include "estimators/result.h"
#include "estimators/rmodel.h"

struct eval_opts {
    const struct est_spec *spec;    /* estimators (est_spec_list) */
    size_t n_spec;
    const char *const *policies;    /* names to evaluate; NULL = every policy of the log */
    size_t n_policies;
    double alpha;                   /* interval level 1 - alpha (default 0.05) */
    int ci;                         /* enum ci_method (default CI_BOOTSTRAP) */
    int n_boot;                     /* bootstrap replicates (default 1000) */
    uint64_t seed;                  /* default 12345 */
    int threads;                    /* 0 = default; never changes the results */
    double bound_lo, bound_hi;      /* contribution range for hoeffding/bernstein; NAN =
                                       observed range (a warning says it is heuristic) */
    struct rm_opts model;           /* reward model when the log has no qhat.* columns */
    struct ope_progress *progress;  /* may be NULL */
    /* The lift's baseline: NULL = the logged policy (its observed value on the same
     * rows); else the name of an evaluated policy, whose estimate by the same
     * estimator is subtracted, paired on the same bootstrap resamples (bootstrap
     * intervals only: OPE_EUSAGE otherwise). */
    const char *against;
    /* The paired differences among each estimator's top matrix_k policies
     * (result.h: res_diff); 0 or 1: none. Default 3. */
    size_t matrix_k;
};

void eval_opts_init(struct eval_opts *o);

/* Evaluate. Errors: OPE_EUSAGE (unknown policy name), OPE_EDATA (model fit
 * impossible), OPE_EINTERRUPTED (cancelled through progress). */
struct res_eval *eval_bandit(const struct blog *log, const struct eval_opts *o,
                             struct ope_error *err);

/* A part of a log evaluated on its own: a segment of ope eval --by
 * (estimators/segments.h), gathered into a log of its own rows. */
struct eval_part {
    const size_t *rowid;    /* [n] each row's row in the whole log: the bootstrap keys,
                               so the part is resampled as in the whole log's replicates */
    double **qhat;          /* [n_actions][n] a reward model fitted on the whole log, or
                               NULL (the part's qhat.* columns, or a fit on the part) */
    double **infl;          /* [n_log_policies][n] its influence on dm, or NULL */
    const struct res_model *model;  /* the description of qhat, copied to the result */
    double *replicates;     /* out, or NULL: the bootstrap replicates, laid out as
                               eval_bootstrap_values's vals */
};

/* eval_bandit on a part of a log (part may be NULL: eval_bandit). */
struct res_eval *eval_bandit_part(const struct blog *log, const struct eval_opts *o,
                                  const struct eval_part *part, struct ope_error *err);

/* The bootstrap replicates of one evaluation, exposed for tests: vals[(p * n_spec + e)
 * * B + b]. Same arguments as eval_bandit; qhat may be NULL when no spec needs it. */
int eval_bootstrap_values(const struct blog *log, const struct eval_opts *o,
                          double **qhat, const size_t *pol, size_t n_pol, double *vals,
                          struct ope_error *err);

#endif
