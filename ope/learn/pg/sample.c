/* ope/learn/pg/sample.c: on-policy episodes for the policy-gradient algorithms, the
 * GPOMDP / REINFORCE gradient estimate with its baseline, the sampled Fisher matrix,
 * and the damped natural-gradient solve (GSL Cholesky). */
#include "config.h"
#include "ope/learn/pg/pg.h"
#include "datasets/mdp.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int pg_batch_init(struct pg_batch *b, int n, int H, struct ope_error *err)
{
    memset(b, 0, sizeof *b);
    size_t rows = (size_t)n * (size_t)H;
    b->n = n;
    b->H = H;
    b->len = ope_calloc((size_t)n, sizeof *b->len, err);
    b->state = b->len ? ope_calloc(rows, sizeof *b->state, err) : NULL;
    b->action = b->state ? ope_calloc(rows, sizeof *b->action, err) : NULL;
    b->reward = b->action ? ope_calloc(rows, sizeof *b->reward, err) : NULL;
    b->ret = b->reward ? ope_calloc(rows, sizeof *b->ret, err) : NULL;
    if (!b->ret) {
        pg_batch_release(b);
        return -1;
    }
    return 0;
}

void pg_batch_release(struct pg_batch *b)
{
    free(b->len);
    free(b->state);
    free(b->action);
    free(b->reward);
    free(b->ret);
    memset(b, 0, sizeof *b);
}

double pg_batch_steps(const struct pg_batch *b)
{
    double n = 0.0;
    for (int e = 0; e < b->n; e++)
        n += b->len[e];
    return n;
}

void pg_sample(const struct mdp *m, const double *pi, struct ope_rng *r, struct pg_batch *b)
{
    const int S = m->n_states, A = m->n_actions, H = b->H;
    for (int e = 0; e < b->n; e++) {
        int *st = b->state + (size_t)e * H, *ac = b->action + (size_t)e * H;
        double *rw = b->reward + (size_t)e * H, *G = b->ret + (size_t)e * H;
        int s = ope_rng_discrete(r, m->mu0, S), len = H;
        for (int t = 0; t < H; t++) {
            int a = ope_rng_discrete(r, pi + (size_t)s * A, A);
            size_t sa = (size_t)s * A + a;
            int s2 = ope_rng_discrete(r, m->P + sa * S, S);
            double rew = m->Rsas ? m->Rsas[sa * S + s2] : m->R[sa];
            if (m->reward_sd > 0.0)
                rew += m->reward_sd * ope_rng_normal(r);
            st[t] = s;
            ac[t] = a;
            rw[t] = rew;
            if (m->terminal[s2]) {
                len = t + 1;
                break;
            }
            s = s2;
        }
        b->len[e] = len;
        double g = 0.0;
        for (int t = len - 1; t >= 0; t--)
            G[t] = g = rw[t] + m->gamma * g;
    }
}

void pg_grad_estimate(const struct pg_policy *pol, const double *pi, const struct pg_batch *b,
                      double gamma, const double *baseline, int n_states, double *g,
                      double *F)
{
    size_t d = pol->dim;
    int A = pol->n_actions, H = b->H;
    memset(g, 0, d * sizeof *g);
    if (F)
        memset(F, 0, d * d * sizeof *F);
    double inv = b->n > 0 ? 1.0 / b->n : 0.0;
    for (int e = 0; e < b->n; e++) {
        const int *st = b->state + (size_t)e * H, *ac = b->action + (size_t)e * H;
        const double *G = b->ret + (size_t)e * H;
        double gt = 1.0;
        for (int t = 0; t < b->len[e]; t++, gt *= gamma) {
            int s = st[t];
            const double *pis = pi + (size_t)s * A;
            double adv = G[t] - (baseline ? baseline[(size_t)t * n_states + s] : 0.0);
            pg_add_score(pol, pis, s, ac[t], inv * gt * adv, g);
            if (F)
                pg_add_score_outer(pol, pis, s, ac[t], inv * gt, F);
        }
    }
}

void pg_baseline_update(double *baseline, int n_states, const struct pg_batch *b, double rate)
{
    for (int e = 0; e < b->n; e++)
        for (int t = 0; t < b->len[e]; t++) {
            size_t row = (size_t)e * b->H + t;
            double *bb = baseline + (size_t)t * n_states + b->state[row];
            *bb += rate * (b->ret[row] - *bb);
        }
}

/* Cholesky solve of one diagonal block [o, o+n) of (F + diag(lambda)) w = g. */
static int solve_block(const double *F, const double *g, size_t d, size_t o, size_t n,
                       double lambda, const double *lvec, double *w, gsl_matrix *M)
{
    gsl_matrix_view Mv = gsl_matrix_submatrix(M, 0, 0, n, n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            gsl_matrix_set(&Mv.matrix, i, j, F[(o + i) * d + o + j] +
                           (i == j ? (lvec ? lvec[o + i] : lambda) : 0.0));
    gsl_vector_const_view gv = gsl_vector_const_view_array(g + o, n);
    gsl_vector_view wv = gsl_vector_view_array(w + o, n);
    int rc = gsl_linalg_cholesky_decomp1(&Mv.matrix);
    return rc == GSL_SUCCESS ? gsl_linalg_cholesky_solve(&Mv.matrix, &gv.vector, &wv.vector)
                             : rc;
}

int pg_solve_ridge(const double *F, const double *g, size_t d, size_t block,
                   const double *lambda, double *w, struct ope_error *err)
{
    if (block == 0 || block > d || d % block != 0)
        block = d;
    gsl_matrix *M = gsl_matrix_alloc(block, block);
    if (!M)
        return ope_fail_oom(err);
    int rc = GSL_SUCCESS;
    for (size_t o = 0; o < d && rc == GSL_SUCCESS; o += block)
        rc = solve_block(F, g, d, o, block, 0.0, lambda, w, M);
    gsl_matrix_free(M);
    if (rc != GSL_SUCCESS)
        return ope_fail(err, OPE_ESOFTWARE, "least squares: the regularised matrix is not "
                        "positive definite (%s); raise --damping", gsl_strerror(rc));
    return 0;
}

int pg_solve_damped(const double *F, const double *g, size_t d, size_t block, double damping,
                    double *w, struct ope_error *err)
{
    double lambda = damping > 0.0 ? damping : 1e-12;
    if (block == 0 || block > d || d % block != 0)
        block = d;
    gsl_matrix *M = gsl_matrix_alloc(block, block);
    if (!M)
        return ope_fail_oom(err);
    int rc = GSL_SUCCESS;
    for (size_t o = 0; o < d && rc == GSL_SUCCESS; o += block)
        rc = solve_block(F, g, d, o, block, lambda, NULL, w, M);
    gsl_matrix_free(M);
    if (rc != GSL_SUCCESS)
        return ope_fail(err, OPE_ESOFTWARE, "natural gradient: the damped Fisher matrix is "
                        "not positive definite (%s); raise --damping", gsl_strerror(rc));
    return 0;
}
