/* estimators/ridge.c: ridge regression with an unpenalised intercept by the normal
 * equations, and the Cholesky-or-pseudo-inverse symmetric solver that logistic.c
 * reuses. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "estimators/ridge.h"
#include "estimators/rmodel_normal.h"

/* The fallback for a (numerically) singular system: the minimum-norm least-squares
 * solution x = A^+ b, by the symmetric eigendecomposition A = V L V^T (A is symmetric:
 * its singular values are the |eigenvalues|), with eigenvalues of at most 1e-12 of
 * the largest |eigenvalue| dropped. The eigendecomposition gives what an SVD gives for
 * a symmetric matrix in less than half its time: a logistic fit without a penalty
 * (--model-lambda 0) on a level seen with one reward only solves such a system in
 * every Newton step, and spent 95% of its time in GSL's SVD. */
static int solve_pinv(size_t p, const double *a, const double *b, double *x,
                     struct ope_error *err)
{
    gsl_matrix *m = gsl_matrix_alloc(p, p), *v = gsl_matrix_alloc(p, p);
    gsl_vector *ev = gsl_vector_alloc(p);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(p);
    int rc = -1;
    if (!m || !v || !ev || !w) {
        ope_fail_oom(err);
        goto out;
    }
    memcpy(m->data, a, p * p * sizeof *a);  /* gsl_matrix_alloc: tda == p */
    if (gsl_eigen_symmv(m, ev, v, w) != GSL_SUCCESS) {
        ope_fail(err, OPE_ESOFTWARE, "eigendecomposition of the normal equations failed");
        goto out;
    }
    double lmax = 0.0;
    for (size_t j = 0; j < p; j++)
        lmax = fmax(lmax, fabs(gsl_vector_get(ev, j)));
    memset(x, 0, p * sizeof *x);
    for (size_t j = 0; j < p; j++) {
        double l = gsl_vector_get(ev, j);
        if (!(fabs(l) > 1e-12 * lmax))
            continue;
        double c = 0.0;
        for (size_t i = 0; i < p; i++)
            c += gsl_matrix_get(v, i, j) * b[i];
        c /= l;
        for (size_t i = 0; i < p; i++)
            x[i] += c * gsl_matrix_get(v, i, j);
    }
    rc = 1;
out:
    gsl_matrix_free(m);
    gsl_matrix_free(v);
    gsl_vector_free(ev);
    if (w)
        gsl_eigen_symmv_free(w);
    return rc;
}

int ridge_solve_sym(size_t p, const double *a, const double *b, double *x,
                    struct ope_error *err)
{
    if (p == 0)
        return 0;
    for (size_t j = 0; j < p * p; j++)
        if (!isfinite(a[j]))
            /* Finite data whose squares overflow (context values of 1e200): the
             * data's problem, not ope's. */
            return ope_fail(err, OPE_EDATA, "the normal equations overflow: a context or "
                            "feature value, or a reward, is too large to square (e.g. "
                            "1e200); rescale those columns");
    /* Jacobi scaling: solve (D^-1 A D^-1) (D x) = D^-1 b with D = sqrt(diag A), so
     * that the condition test and the eigenvalue cut-off see real near-singularity, not
     * columns of different scales (a huge lambda next to an unpenalised intercept). */
    double *s = ope_malloc(p * p * sizeof *s, err);
    double *sb = ope_malloc(p * sizeof *sb, err);
    double *dg = ope_malloc(p * sizeof *dg, err);
    gsl_matrix *l = gsl_matrix_alloc(p, p);
    gsl_vector *bv = gsl_vector_alloc(p), *xv = gsl_vector_alloc(p);
    gsl_vector *work = gsl_vector_alloc(3 * p);
    int rc;
    if (!s || !sb || !dg || !l || !bv || !xv || !work) {
        rc = ope_fail_oom(err);
        goto out;
    }
    for (size_t j = 0; j < p; j++)
        dg[j] = a[j * p + j] > 0.0 ? sqrt(a[j * p + j]) : 1.0;
    for (size_t j = 0; j < p; j++) {
        for (size_t k = 0; k < p; k++)
            s[j * p + k] = a[j * p + k] / (dg[j] * dg[k]);
        sb[j] = b[j] / dg[j];
    }
    memcpy(l->data, s, p * p * sizeof *s);
    memcpy(bv->data, sb, p * sizeof *sb);
    /* A "successful" Cholesky of a numerically singular matrix (a pivot of 1e-16
     * instead of 0) gives a huge, meaningless solution: demand rcond > 1e-13. */
    double rcond = 0.0;
    if (gsl_linalg_cholesky_decomp1(l) == GSL_SUCCESS
        && gsl_linalg_cholesky_rcond(l, &rcond, work) == GSL_SUCCESS && rcond > 1e-13
        && gsl_linalg_cholesky_solve(l, bv, xv) == GSL_SUCCESS) {
        rc = 0;
        for (size_t j = 0; j < p; j++)
            x[j] = gsl_vector_get(xv, j) / dg[j];
    } else if ((rc = solve_pinv(p, s, sb, x, err)) > 0) {
        for (size_t j = 0; j < p; j++)
            x[j] /= dg[j];
    }
    for (size_t j = 0; rc >= 0 && j < p; j++)
        if (!isfinite(x[j]))
            rc = ope_fail(err, OPE_ESOFTWARE, "the normal equations' solution is not finite");
out:
    free(s);
    free(sb);
    free(dg);
    gsl_matrix_free(l);
    gsl_vector_free(bv);
    gsl_vector_free(xv);
    gsl_vector_free(work);
    return rc;
}

int ridge_fit(const struct feat_rows *d, double lambda, double *beta, struct ope_error *err)
{
    size_t p = d->p;
    struct rm_normal ne;
    double *b = ope_malloc(p * sizeof *b, err);
    int rc = -1;
    if (!b || rmn_init(&ne, p, d->blk_off, d->blk_len, err) < 0)
        goto out_nosys;
    for (size_t r = 0; r < d->n; r++)
        rmn_add(&ne, d, r, 1.0, d->y[r]);
    rmn_finish(&ne, b);
    for (size_t j = 1; j < p; j++)
        rmn_diag_add(&ne, j, lambda);
    rc = rmn_solve(&ne, b, beta, err) < 0 ? -1 : 0;
    rmn_release(&ne);
out_nosys:
    free(b);
    return rc;
}
