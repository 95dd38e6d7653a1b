/* estimators/cdf.h: cumulative distribution OPE (estimators.md, "risk of the
 * return"; Huang et al. 2021, SCOPE-RL): the CDF of the return G = sum_t gamma^t r_t
 * (discounted from gamma^0) under pi_e, estimated from trajectories by
 *   tis: F(y) = (1/n) sum_i rho_i 1{G_i <= y}, clipped to [0, 1] and made monotone;
 *   sn:  F(y) = sum_i rho_i 1{G_i <= y} / sum_i rho_i (self-normalised),
 * with rho_i the trajectory's cumulative weight, and from F the mean, variance,
 * CVaR_alpha (mean of the lowest alpha share) and interquartile range. The mass that
 * a clipped TIS CDF leaves short of 1 is put on the largest return. The DR form of
 * the CDF is not implemented. */
#ifndef ESTIMATORS_CDF_H
#define ESTIMATORS_CDF_H

#include <stddef.h>
#include "datasets/tlog.h"
#include "ope/error.h"

enum cdf_method { CDF_TIS, CDF_SN };

struct cdf_result {
    size_t n;               /* support points: the distinct returns, ascending */
    double *y;              /* [n] */
    double *F;              /* [n] the estimated CDF at y (right-continuous steps) */
    double mean, var, cvar, iqr;
};

/* From returns G[0..n-1] and weights rho[0..n-1]; alpha in (0, 1] for CVaR. */
int cdf_from_returns(const double *G, const double *rho, size_t n, enum cdf_method m,
                     double alpha, struct cdf_result *r, struct ope_error *err);

/* From a trajectory log and one of its policies (episodes padded with their last
 * weight and reward 0). */
int cdf_traj(const struct tlog *log, size_t pol, double gamma, enum cdf_method m,
             double alpha, struct cdf_result *r, struct ope_error *err);

/* Quantile Q(p) = inf { y : F(y) >= p } of a result. */
double cdf_quantile(const struct cdf_result *r, double p);

void cdf_result_free(struct cdf_result *r);

#endif
