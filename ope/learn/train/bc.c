/* ope/learn/train/bc.c: behaviour cloning. Tabular: pi(a|s) = (N(s,a) + alpha) / (N(s) +
 * A alpha), additive (Lidstone) smoothing with alpha = --smoothing (default 0.5, the
 * Krichevsky-Trofimov / Jeffreys-prior estimate; a state never logged gets the uniform
 * policy). With state features: multinomial logistic regression of the logged action on
 * phi(x) = (1, s0, s1, ...), action 0 the reference class, penalty (l2 / 2) |W|^2 on
 * every weight (which also keeps never-logged actions finite), fitted by Newton's
 * method with GSL Cholesky solves and step halving. */
#include "config.h"
#include "ope/learn/train/train.h"
#include "datasets/tlog.h"
#include "ope/base/progress.h"
#include "ope/base/softmax.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BC_MAX_NEWTON 100
#define BC_TOL 1e-9

static int bc_tabular(const struct tlog *lg, const struct train_opts *o, struct train_model *m)
{
    int S = lg->n_states, A = lg->n_actions;
    double al = o->smoothing;
    for (size_t i = 0; i < lg->n_steps; i++)
        m->score[(size_t)lg->state[i] * (size_t)A + (size_t)lg->action[i]] += 1.0;
    for (int s = 0; s < S; s++) {
        double *c = m->score + (size_t)s * (size_t)A, n = 0.0;
        for (int a = 0; a < A; a++)
            n += c[a];
        for (int a = 0; a < A; a++)
            c[a] = n + A * al > 0 ? log((c[a] + al) / (n + A * al)) : -log((double)A);
    }
    snprintf(m->summary, sizeof m->summary, "bc (tabular): S=%d A=%d, smoothing alpha=%g",
             S, A, al);
    return 0;
}

/* Penalised log-likelihood at W (A*p, row 0 fixed at 0); phi, eta are scratch. */
static double loglik(const struct tlog *lg, const double *W, size_t p, double l2,
                     double *phi, double *eta)
{
    int A = lg->n_actions;
    double ll = 0.0;
    for (size_t i = 0; i < lg->n_steps; i++) {
        train_row_phi(lg, i, phi);
        double mx = -INFINITY, z = 0.0;
        for (int a = 0; a < A; a++) {
            eta[a] = 0.0;
            for (size_t j = 0; j < p; j++)
                eta[a] += W[(size_t)a * p + j] * phi[j];
            mx = eta[a] > mx ? eta[a] : mx;
        }
        for (int a = 0; a < A; a++)
            z += exp(eta[a] - mx);
        ll += eta[lg->action[i]] - mx - log(z);
    }
    for (size_t k = p; k < (size_t)A * p; k++)
        ll -= 0.5 * l2 * W[k] * W[k];
    return ll;
}

/* One Newton direction: solve (-H) d = g over the K = (A-1) p free weights. */
static int newton_dir(const struct tlog *lg, const double *W, size_t p, double l2,
                      gsl_matrix *H, gsl_vector *g, double *phi, double *pr)
{
    int A = lg->n_actions;
    size_t K = (size_t)(A - 1) * p;
    gsl_matrix_set_zero(H);
    gsl_vector_set_zero(g);
    for (size_t i = 0; i < lg->n_steps; i++) {
        train_row_phi(lg, i, phi);
        for (int a = 0; a < A; a++) {
            pr[a] = 0.0;
            for (size_t j = 0; j < p; j++)
                pr[a] += W[(size_t)a * p + j] * phi[j];
        }
        ope_softmax(A, pr, 1.0, pr);
        for (int a = 1; a < A; a++) {
            double ya = lg->action[i] == a ? 1.0 : 0.0;
            for (size_t j = 0; j < p; j++) {
                size_t r = (size_t)(a - 1) * p + j;
                *gsl_vector_ptr(g, r) += (ya - pr[a]) * phi[j];
                for (int b = 1; b < A; b++) {
                    double c = pr[a] * ((a == b) - pr[b]);
                    for (size_t k = 0; k < p; k++)
                        *gsl_matrix_ptr(H, r, (size_t)(b - 1) * p + k) += c * phi[j] * phi[k];
                }
            }
        }
    }
    for (size_t r = 0; r < K; r++) {
        *gsl_vector_ptr(g, r) -= l2 * W[p + r];
        *gsl_matrix_ptr(H, r, r) += l2;
    }
    if (gsl_linalg_cholesky_decomp1(H) != GSL_SUCCESS)
        return -1;
    return gsl_linalg_cholesky_svx(H, g) == GSL_SUCCESS ? 0 : -1;   /* g <- direction */
}

static int bc_linear(const struct tlog *lg, const struct train_opts *o, struct train_model *m,
                     struct ope_error *err)
{
    int A = m->n_actions;
    size_t p = m->n_features + 1, K = (size_t)(A - 1) * p;
    double l2 = o->l2 > 0 ? o->l2 : 1e-8;
    double *W = m->score, *phi = ope_malloc(p * sizeof *phi, err);
    double *pr = phi ? ope_malloc((size_t)A * sizeof *pr, err) : NULL;
    double *Wn = pr ? ope_malloc((size_t)A * p * sizeof *Wn, err) : NULL;
    gsl_matrix *H = Wn && K ? gsl_matrix_alloc(K, K) : NULL;
    gsl_vector *g = H ? gsl_vector_alloc(K) : NULL;
    int rc = 0, it = 0, conv = K == 0;
    if (K && !g)
        rc = phi && pr && Wn ? ope_fail_oom(err) : -1;
    double ll = rc == 0 ? loglik(lg, W, p, l2, phi, pr) : 0.0;
    for (; rc == 0 && !conv && it < BC_MAX_NEWTON; it++) {
        if (newton_dir(lg, W, p, l2, H, g, phi, pr) < 0) {
            rc = ope_fail(err, OPE_EDATA, "bc: the Newton system is singular; raise --l2 "
                          "(now %g)", l2);
            break;
        }
        double t = 1.0, lln = ll, dmax = 0.0;
        for (int h = 0; h < 40; h++, t *= 0.5) {
            memcpy(Wn, W, (size_t)A * p * sizeof *Wn);
            for (size_t r = 0; r < K; r++)
                Wn[p + r] += t * gsl_vector_get(g, r);
            lln = loglik(lg, Wn, p, l2, phi, pr);
            if (lln >= ll - 1e-12 * fabs(ll))
                break;
        }
        for (size_t r = 0; r < K; r++) {
            double d = fabs(Wn[p + r] - W[p + r]);
            dmax = d > dmax ? d : dmax;
        }
        memcpy(W, Wn, (size_t)A * p * sizeof *W);
        ll = lln;
        conv = dmax <= BC_TOL * (1.0 + fabs(ll));
        ope_progress_report(o->progress, (double)(it + 1) / BC_MAX_NEWTON, "bc Newton steps");
    }
    snprintf(m->summary, sizeof m->summary, "bc (multinomial logistic): %zu features, "
             "l2 %g, %d Newton steps%s, log-likelihood %.6g", m->n_features, l2, it,
             conv ? "" : " (NOT converged)", ll);
    gsl_matrix_free(H);
    gsl_vector_free(g);
    free(phi);
    free(pr);
    free(Wn);
    return rc;
}

static int bc_run(const struct tlog *lg, const struct train_opts *o, struct train_model **out,
                  struct ope_error *err)
{
    int lin = o->linear;
    if (!lin && (lg->n_states <= 0 || !lg->state))
        return ope_fail(err, OPE_EUSAGE, "bc: the log has no state column; use state "
                        "features (--features)");
    if (lin && lg->n_features == 0)
        return ope_fail(err, OPE_EUSAGE, "bc: the log has no state feature columns");
    struct train_model *m = lin ? train_model_new(TRAIN_LINEAR, 0, lg->n_actions,
                                                  lg->n_features, err)
                                : train_model_new(TRAIN_TABULAR, lg->n_states,
                                                  lg->n_actions, 0, err);
    if (!m)
        return -1;
    m->temperature = 1.0;
    if ((lin ? bc_linear(lg, o, m, err) : bc_tabular(lg, o, m)) < 0) {
        train_model_free(m);
        return -1;
    }
    *out = m;
    return 0;
}

const struct train_algo train_bc = {
    "bc",
    "behaviour cloning: smoothed action counts per state, or multinomial logistic "
    "regression on the state features",
    "Pomerleau, Efficient Training of Artificial Neural Networks for Autonomous "
    "Navigation, Neural Computation 1991",
    1, bc_run
};
