/* estimators/logistic.h: L2-regularised logistic regression on a sparse design
 * (features.h) by Newton's method (IRLS) with GSL Cholesky solves and step halving,
 * with an unpenalised intercept and an optional pseudo-row prior on it. */
#ifndef ESTIMATORS_LOGISTIC_H
#define ESTIMATORS_LOGISTIC_H

#include <math.h>
#include <stddef.h>
#include "ope/base/error.h"
#include "ope/base/sum.h"
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

/* One row's pieces of the fit at eta = x . beta, shared by logit_fit and the fit
 * over a streamed log's passes (rmstream.c), so both give the same bits:
 * e = exp(-|eta|), the row's objective term y eta - log(1 + e^eta) and the sigmoid,
 * both from that one exponential. */
static inline double logit_exp(double eta)
{
    return eta >= 0.0 ? exp(-eta) : exp(eta);
}

static inline double logit_term(double y, double eta, double e)
{
    return y * eta - (eta > 0.0 ? eta + log1p(e) : log1p(e));
}

static inline double logit_mu(double eta, double e)
{
    return eta >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

/* The objective at beta (p values) given the compensated sum of its rows' terms (the
 * intercept prior's pseudo-rows are added to it), minus the penalty. */
double logit_objective(struct ope_sum *rows, double lambda, double prior_w, double prior_y,
                       const double *beta, size_t p);

/* The gradient g and negative Hessian (rmodel_normal.h) at beta, once the rows'
 * mu (1 - mu) and y - mu are in h: closes h into g, adds the prior and the penalty. */
struct rm_normal;
void logit_close_derivatives(struct rm_normal *h, double lambda, double prior_w,
                             double prior_y, const double *beta, size_t p, double *g);

/* Starting point from the responses' compensated sum ysum over n rows: the intercept
 * at the logit of the prior-smoothed mean, every other coefficient 0. */
void logit_start(double ysum, size_t n, double prior_w, double prior_y, double *beta,
                 size_t p);

/* Is the gain the quadratic model predicts for the step, g . step / 2, below the
 * objective's resolution (logistic.c says why 1e-13)? */
int logit_flat(const double *g, const double *step, size_t p, double obj);

#endif
