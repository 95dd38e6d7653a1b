/* estimators/logistic.h: L2-regularised logistic regression on a sparse design
 * (features.h) by Newton's method (IRLS) with GSL Cholesky solves and step halving,
 * with an unpenalised intercept and an optional pseudo-row prior on it. */
#ifndef ESTIMATORS_LOGISTIC_H
#define ESTIMATORS_LOGISTIC_H

#include <stddef.h>
#include "ope/base/error.h"
#include "estimators/features.h"

/* Tolerance: stop once a full Newton step changes no coefficient by more than
 * LOGIT_TOL * (1 + max_j |beta_j|) (that last step is taken, so with quadratic
 * convergence the remaining error is far below it), or after LOGIT_MAX_ITER steps. */
#define LOGIT_TOL 1e-10
#define LOGIT_MAX_ITER 100

struct logit_info {
    int iterations;     /* Newton steps taken */
    int converged;      /* 1 when the tolerance was met */
    double objective;   /* the penalised log-likelihood at beta (to be maximised) */
};

/* Fit beta (p values) maximising the penalised log-likelihood
 *   sum_r [y_r eta_r - log(1 + e^eta_r)]
 *   + prior_w [prior_y beta_0 - log(1 + e^beta_0)]
 *   - (lambda / 2) sum_{j>=1} beta_j^2,          eta_r = x_r . beta,
 * for responses y_r in [0, 1]. The prior term is prior_w pseudo-rows made of the
 * intercept alone with response prior_y in (0, 1): it keeps the intercept finite
 * when every y_r is 0 (or 1), pulling it towards logit(prior_y); prior_w = 0 gives
 * the plain penalised fit. Starts from beta_0 = logit of the (prior-smoothed) mean.
 * Not converging is not an error (see info). Returns 0 or -1 with err filled. */
int logit_fit(const struct feat_rows *d, double lambda, double prior_w, double prior_y,
              double *beta, struct logit_info *info, struct ope_error *err);

/* The logistic function 1 / (1 + e^-eta), computed without overflow. */
double logit_sigmoid(double eta);

/* log(1 + e^eta) without overflow. */
double logit_softplus(double eta);

#endif
