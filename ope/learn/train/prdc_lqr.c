/* ope/learn/train/prdc_lqr.c: PRDC's continuous-action special case on a 1-D discounted
 * linear-quadratic regulator (environments.md's LQR is not in datasets/, so this
 * minimal one lives here): exact values of linear policies u = k x from the scalar
 * Lyapunov equation, the optimal gain from the Riccati equation, and offline PRDC with
 * a quadratic LSTD-Q critic and a k-d tree over (beta x, u). */
#include "config.h"
#include "ope/learn/train/train.h"
#include "ope/learn/train/kdtree.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>

/* E[x0^2] plus the discounted noise: V_k(x) = -P x^2 - gamma P sigma^2 / (1 - gamma),
 * P = (q + r k^2) / (1 - gamma (a + b k)^2). */
double lqr_value(const struct lqr *L, double k)
{
    double c = L->a + L->b * k, den = 1.0 - L->gamma * c * c;
    if (den <= 0.0)
        return -INFINITY;
    double P = (L->q + L->r * k * k) / den;
    return -P * (L->x0_sd * L->x0_sd + L->gamma * L->sigma * L->sigma / (1.0 - L->gamma));
}

/* Discounted Riccati: P = q + g a^2 P - g^2 a^2 b^2 P^2 / (r + g b^2 P), iterated from
 * P = q to a fixed point; k* = -g a b P / (r + g b^2 P). */
double lqr_optimal_gain(const struct lqr *L, double *value)
{
    double P = L->q, g = L->gamma;
    for (int it = 0; it < 100000; it++) {
        double Pn = L->q + g * L->a * L->a * P
                    - g * g * L->a * L->a * L->b * L->b * P * P / (L->r + g * L->b * L->b * P);
        if (fabs(Pn - P) <= 1e-15 * (1.0 + fabs(P))) {
            P = Pn;
            break;
        }
        P = Pn;
    }
    double k = -g * L->a * L->b * P / (L->r + g * L->b * L->b * P);
    if (value)
        *value = lqr_value(L, k);
    return k;
}

/* Q features of (x, u): (x^2, x u, u^2, 1). */
static void qfeat(double x, double u, double *f)
{
    f[0] = x * x;
    f[1] = x * u;
    f[2] = u * u;
    f[3] = 1.0;
}

/* LSTD-Q of the gain k: sum_i f_i (f_i - g f'_i)^T w = sum_i f_i r_i (+ 1e-9 ridge). */
static int lstdq(const double *x, const double *u, const double *r, const double *x1, size_t n,
                 double g, double k, double *w)
{
    double Am[16] = { 0 }, bv[4] = { 0 }, f[4], f1[4];
    for (size_t i = 0; i < n; i++) {
        qfeat(x[i], u[i], f);
        qfeat(x1[i], k * x1[i], f1);
        for (int a = 0; a < 4; a++) {
            for (int b = 0; b < 4; b++)
                Am[a * 4 + b] += f[a] * (f[b] - g * f1[b]);
            bv[a] += f[a] * r[i];
        }
    }
    for (int a = 0; a < 4; a++)
        Am[a * 5] += 1e-9 * (double)n;
    gsl_matrix_view M = gsl_matrix_view_array(Am, 4, 4);
    gsl_vector_view B = gsl_vector_view_array(bv, 4), W = gsl_vector_view_array(w, 4);
    gsl_permutation *perm = gsl_permutation_alloc(4);
    int sg, rc = perm ? 0 : -1;
    if (rc == 0 && (gsl_linalg_LU_decomp(&M.matrix, perm, &sg) != GSL_SUCCESS ||
                    gsl_linalg_LU_solve(&M.matrix, perm, &B.vector, &W.vector) != GSL_SUCCESS))
        rc = -1;
    gsl_permutation_free(perm);
    return rc;
}

int prdc_lqr(const struct lqr *L, const double *x, const double *u, const double *r,
             const double *x1, size_t n, double beta, double alpha, int weight_on,
             long iterations, double step, struct prdc_lqr_result *res,
             struct ope_error *err)
{
    if (n == 0)
        return ope_fail(err, OPE_EDATA, "prdc (LQR): no transitions");
    double *pts = ope_malloc(2 * n * sizeof *pts, err);
    if (!pts)
        return -1;
    double sxu = 0.0, sxx = 0.0;
    for (size_t i = 0; i < n; i++) {
        pts[2 * i] = beta * x[i];
        pts[2 * i + 1] = u[i];
        sxu += x[i] * u[i];
        sxx += x[i] * x[i];
    }
    if (!(sxx > 0.0)) {
        free(pts);
        return ope_fail(err, OPE_EDATA, "prdc (LQR): every state is 0; the data carry no "
                        "information about the gain");
    }
    struct kdtree *t = kdtree_new(pts, n, 2, err);
    free(pts);
    if (!t)
        return -1;
    double k = sxx > 0 ? sxu / sxx : 0.0;   /* start from the behaviour-cloned gain */
    double w[4], q[2], dist = 0.0;
    int rc = 0;
    for (long it = 0; it <= iterations && rc == 0; it++) {
        if (lstdq(x, u, r, x1, n, L->gamma, k, w) < 0) {
            rc = ope_fail(err, OPE_EDATA, "prdc (LQR): the LSTD-Q system is singular");
            break;
        }
        double qabs = 0.0, grad = 0.0;
        dist = 0.0;
        for (size_t i = 0; i < n; i++) {
            double ui = k * x[i], f[4];
            qfeat(x[i], ui, f);
            qabs += fabs(w[0] * f[0] + w[1] * f[1] + w[2] * f[2] + w[3]);
        }
        double lambda = qabs > 0 ? alpha * (double)n / qabs : alpha;
        for (size_t i = 0; i < n; i++) {
            double ui = k * x[i], d2;
            q[0] = beta * x[i];
            q[1] = ui;
            size_t j = kdtree_nearest(t, q, &d2);
            dist += sqrt(d2);
            double dq = w[1] * x[i] + 2.0 * w[2] * ui;     /* dQ/du */
            grad += lambda * dq * x[i] - (weight_on ? 2.0 * (ui - u[j]) * x[i] : 0.0);
        }
        dist /= (double)n;
        if (it < iterations)
            k += step * grad / sxx;       /* normalised by sum x^2 (scale-free) */
    }
    kdtree_free(t);
    if (rc < 0)
        return -1;
    res->k = k;
    res->value = lqr_value(L, k);
    res->mean_nn_dist = dist;
    return 0;
}
