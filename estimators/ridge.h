/* estimators/ridge.h: ridge regression on a sparse design (features.h) with an
 * unpenalised intercept, and the symmetric linear solver the reward models share
 * (GSL Cholesky, falling back to a truncated eigendecomposition when the matrix is
 * not positive definite). Callers must have switched GSL's aborting error handler off. */
#ifndef ESTIMATORS_RIDGE_H
#define ESTIMATORS_RIDGE_H

#include <stddef.h>
#include "ope/base/error.h"
#include "estimators/features.h"

/* Solve A x = b for a symmetric positive semi-definite p x p A (row-major; not
 * modified), after scaling A to unit diagonal. Cholesky first; if the scaled A is
 * not numerically positive definite (Cholesky fails or its reciprocal condition
 * number is below 1e-13), the minimum-norm least-squares solution (in the scaled
 * coordinates) by the symmetric eigendecomposition, eigenvalues of at most 1e-12 * the
 * largest |eigenvalue| treated as zero (what a truncated SVD gives for a symmetric A).
 * Returns 0 (1 when the fallback was used), or -1 with err filled (out of memory,
 * a non-finite A or solution). */
int ridge_solve_sym(size_t p, const double *a, const double *b, double *x,
                    struct ope_error *err);

/* Fit beta (p values) minimising sum_r (y_r - x_r.beta)^2 + lambda * sum_{j>=1} beta_j^2,
 * i.e. solve (X^T X + lambda I') beta = X^T y with I' the identity without its (0,0)
 * entry: the penalty is on sums (not means), so its weight shrinks as rows grow.
 * With no rows beta is 0. Returns 0 or -1 with err filled. */
int ridge_fit(const struct feat_rows *d, double lambda, double *beta, struct ope_error *err);

#endif
