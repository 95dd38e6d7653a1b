/* t/0410-logistic.c: penalised logistic regression. The fit must zero the penalised
 * score equations, agree with an independent 2-D Newton written here, reproduce the
 * closed forms of intercept-only models (with and without the pseudo-row prior),
 * stay finite on separable data, and keep sigmoid/softplus finite at extremes. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_errno.h>

#include "t/tap.h"
#include "estimators/logistic.h"
#include "ope/base/rng.h"

/* Penalised score at beta, computed directly from its definition (logistic.h):
 * g_0 = sum (y - mu) x_0 + prior_w (prior_y - sigma(beta_0)),
 * g_j = sum (y - mu) x_j - lambda beta_j (j >= 1). Returns max |g_j|. */
static double score_max(const struct feat_rows *d, double lambda, double pw, double py,
                        const double *beta)
{
    double g[16] = {0};
    for (size_t r = 0; r < d->n; r++) {
        double eta = 0;
        for (size_t k = 0; k < d->nnz; k++)
            eta += d->val[r * d->nnz + k] * beta[d->idx[r * d->nnz + k]];
        double mu = 1.0 / (1.0 + exp(-eta));
        for (size_t k = 0; k < d->nnz; k++)
            g[d->idx[r * d->nnz + k]] += (d->y[r] - mu) * d->val[r * d->nnz + k];
    }
    g[0] += pw * (py - 1.0 / (1.0 + exp(-beta[0])));
    double m = 0;
    for (size_t j = 0; j < d->p; j++) {
        if (j >= 1)
            g[j] -= lambda * beta[j];
        m = fmax(m, fabs(g[j]));
    }
    return m;
}

/* Independent brute force: Newton on (b0, b1) for rows (1, x_r) with the explicit
 * 2x2 inverse, 60 full steps from 0 (the problems below are well-conditioned, so
 * undamped Newton converges). */
static void newton2(const double *x, const double *y, int n, double lambda, double *b)
{
    b[0] = b[1] = 0;
    for (int it = 0; it < 60; it++) {
        double g0 = 0, g1 = -lambda * b[1], h00 = 0, h01 = 0, h11 = lambda;
        for (int r = 0; r < n; r++) {
            double mu = 1.0 / (1.0 + exp(-(b[0] + b[1] * x[r])));
            double w = mu * (1 - mu);
            g0 += y[r] - mu;
            g1 += (y[r] - mu) * x[r];
            h00 += w;
            h01 += w * x[r];
            h11 += w * x[r] * x[r];
        }
        double det = h00 * h11 - h01 * h01;
        b[0] += (h11 * g0 - h01 * g1) / det;
        b[1] += (-h01 * g0 + h00 * g1) / det;
    }
}

static void test_tiny(const char *what, const double *x, const double *y, int n, double lambda)
{
    int idx[16];
    double val[16], beta[2], bf[2];
    for (int r = 0; r < n; r++) {
        idx[2 * r] = 0;
        val[2 * r] = 1;
        idx[2 * r + 1] = 1;
        val[2 * r + 1] = x[r];
    }
    struct feat_rows d = {(size_t)n, 2, 2, idx, val, y, 0, 0};
    struct logit_info info;
    is_int(logit_fit(&d, lambda, 0, 0.5, beta, &info, NULL), 0, "%s: fit succeeds", what);
    ok(info.converged, "%s: converged in %d Newton steps", what, info.iterations);
    ok(score_max(&d, lambda, 0, 0.5, beta) < 1e-10, "%s: penalised score ~0 (%.2g)", what,
       score_max(&d, lambda, 0, 0.5, beta));
    newton2(x, y, n, lambda, bf);
    is_double(beta[0], bf[0], 1e-10, "%s: intercept agrees with the brute-force Newton", what);
    is_double(beta[1], bf[1], 1e-10, "%s: slope agrees with the brute-force Newton", what);
}

static void test_intercept_only(void)
{
    /* Intercept only, no prior: the score sum (y - sigma(b0)) = 0 gives
     * sigma(b0) = mean y = 3/5, b0 = log(3/2). */
    int idx[5] = {0};
    double val[5] = {1, 1, 1, 1, 1}, y1[5] = {1, 0, 0, 1, 1}, beta[1];
    struct feat_rows d = {5, 1, 1, idx, val, y1, 0, 0};
    logit_fit(&d, 1.0, 0, 0.5, beta, NULL, NULL);
    is_double(beta[0], log(1.5), 1e-12, "intercept only: b0 = logit(3/5) = log(3/2)");
    /* All y = 0 with a prior of weight 1 at 0.2: -5 sigma + (0.2 - sigma) = 0, so
     * sigma = 0.2 / 6 = 1/30 and b0 = log((1/30) / (29/30)) = -log 29: finite
     * although the plain maximum-likelihood intercept would be -infinity. */
    double y0[5] = {0, 0, 0, 0, 0};
    d.y = y0;
    logit_fit(&d, 1.0, 1.0, 0.2, beta, NULL, NULL);
    is_double(beta[0], -log(29.0), 1e-12, "all-zero rewards with prior: b0 = -log 29");
    /* No rows at all: only the prior speaks, sigma(b0) = prior_y. */
    d.n = 0;
    logit_fit(&d, 1.0, 2.0, 0.25, beta, NULL, NULL);
    is_double(beta[0], log(0.25 / 0.75), 1e-12, "no rows: b0 = logit(prior_y)");
}

static void test_random(void)
{
    /* 2000 rows, intercept + 3 numeric + a 4-level one-hot block (8 columns), y drawn
     * from a known logistic model; lambda 2 and a prior of weight 1. Check the
     * penalised score at the fit, relative to n (sums of 2000 O(1) terms carry
     * rounding of ~1e-13). */
    enum { N = 2000, NNZ = 5, P = 8 };
    int *idx = malloc(N * NNZ * sizeof *idx);
    double *val = malloc(N * NNZ * sizeof *val), *y = malloc(N * sizeof *y), beta[P];
    struct ope_rng r;
    ope_rng_init(&r, 7, OPE_RNG_TEST, 410);
    for (int i = 0; i < N; i++) {
        double x1 = ope_rng_normal(&r), x2 = ope_rng_normal(&r), x3 = ope_rng_normal(&r);
        int lev = (int)ope_rng_below(&r, 4);
        double eta = -0.5 + x1 - 0.7 * x2 + 0.2 * x3 + 0.4 * lev;
        y[i] = ope_rng_uniform(&r) < 1.0 / (1.0 + exp(-eta)) ? 1.0 : 0.0;
        int ix[NNZ] = {0, 1, 2, 3, 4 + lev};
        double v[NNZ] = {1, x1, x2, x3, 1};
        for (int k = 0; k < NNZ; k++) {
            idx[i * NNZ + k] = ix[k];
            val[i * NNZ + k] = v[k];
        }
    }
    struct feat_rows d = {N, NNZ, P, idx, val, y, 0, 0};
    struct logit_info info;
    logit_fit(&d, 2.0, 1.0, 0.3, beta, &info, NULL);
    ok(info.converged && info.iterations < 15, "2000 rows: converged in %d steps",
       info.iterations);
    ok(score_max(&d, 2.0, 1.0, 0.3, beta) < 1e-10 * N, "2000 rows: penalised score ~0 (%.2g)",
       score_max(&d, 2.0, 1.0, 0.3, beta));
    ok(fabs(beta[1] - 1.0) < 0.2 && fabs(beta[2] + 0.7) < 0.2,
       "2000 rows: slopes near the truth 1, -0.7 (%.3f, %.3f; se ~0.06)", beta[1], beta[2]);
    free(idx);
    free(val);
    free(y);
}

int main(void)
{
    gsl_set_error_handler_off();
    plan_no_plan();
    /* Overlapping classes: x = -1, 0, 1, 2 with y = 0, 1, 0, 1, lambda 1. */
    test_tiny("overlapping", (double[]){-1, 0, 1, 2}, (double[]){0, 1, 0, 1}, 4, 1.0);
    /* Separable: x = -2, -1, 1, 2 with y = 0, 0, 1, 1. Unpenalised the slope is
     * infinite; lambda 0.5 makes it finite and the score equations solvable. */
    test_tiny("separable", (double[]){-2, -1, 1, 2}, (double[]){0, 0, 1, 1}, 4, 0.5);
    test_intercept_only();
    test_random();
    is_double(logit_sigmoid(-800), 0.0, 0, "sigmoid(-800) underflows to 0, not NaN");
    is_double(logit_sigmoid(800), 1.0, 0, "sigmoid(800) = 1");
    is_double(logit_softplus(800), 800.0, 0, "softplus(800) = 800 without overflow");
    is_double(logit_softplus(0), log(2.0), 1e-16, "softplus(0) = log 2");
    return done_testing();
}
