/* estimators/evaluate_traj.h: the evaluation engine for trajectory logs. Same result
 * model as the bandit engine (result.h): per policy, every chosen trajectory
 * estimator with its interval (bootstrap over trajectories, t, Hoeffding, Bernstein)
 * and weight diagnostics of the trajectory weights rho_{i,T-1}. */
#ifndef ESTIMATORS_EVALUATE_TRAJ_H
#define ESTIMATORS_EVALUATE_TRAJ_H

#include "datasets/tlog.h"
#include "estimators/evaluate.h"
#include "estimators/vmodel.h"

/* Options beyond eval_opts (which carries estimators, policies, alpha, ci, B, seed,
 * threads, bounds, progress). */
struct traj_returns;

struct traj_opts {
    struct vm_opts vm;          /* value model for dm, dr, wdr */
    double gamma;               /* NAN: the log's gamma */
    const double *truth;        /* [n policies evaluated] exact values, or NULL */
    /* A log read in windows (evaluate_traj_stream.h) keeps every episode's return and
     * each evaluated policy's weight here when not NULL (--risk: trajret.h), in the
     * log's episode order; the caller inits and releases it. */
    struct traj_returns *returns;
};

void traj_opts_init(struct traj_opts *t);

/* Evaluate with default trajectory options (fqe value model, the log's gamma, no
 * truth). Errors as eval_bandit. */
struct res_eval *eval_traj(const struct tlog *log, const struct eval_opts *o,
                           struct ope_error *err);

/* Evaluate with explicit trajectory options. */
struct res_eval *eval_traj_ex(const struct tlog *log, const struct eval_opts *o,
                              const struct traj_opts *to, struct ope_error *err);

/* Bootstrap counts: the Poisson(1) count of trajectory i in replicate b, a pure
 * function of (seed, i, b) with the hashing scheme of the bandit engine (so the
 * same seed resamples trajectory i as the bandit engine resamples row i). */
double eval_traj_count(uint64_t seed, size_t i, size_t b);

#endif
