/* ope/learn/pg/exact.c: the exact value, policy gradient and Fisher matrix of a stationary
 * softmax policy on a finite-horizon tabular MDP, by one forward pass (state
 * distributions d_t) and one backward pass (action values Q_t). These make the
 * learning curves true curves and check the sampled estimators in the tests. */
#include "config.h"
#include "ope/learn/pg/pg.h"
#include "datasets/mdp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* d_{t+1}(s') = sum_s d_t(s) sum_a pi(a|s) P(s'|s,a), d_0 = mu0; D is [H*S]. */
static void forward(const struct mdp *m, const double *pi, double *D)
{
    size_t S = (size_t)m->n_states, A = (size_t)m->n_actions;
    memcpy(D, m->mu0, S * sizeof *D);
    for (int t = 0; t + 1 < m->horizon; t++) {
        const double *d = D + (size_t)t * S;
        double *n = D + (size_t)(t + 1) * S;
        memset(n, 0, S * sizeof *n);
        for (size_t s = 0; s < S; s++) {
            if (d[s] == 0.0)
                continue;
            for (size_t a = 0; a < A; a++) {
                double w = d[s] * pi[s * A + a];
                if (w == 0.0)
                    continue;
                const double *row = m->P + (s * A + a) * S;
                for (size_t u = 0; u < S; u++)
                    n[u] += w * row[u];
            }
        }
    }
}

double pg_exact(const struct mdp *m, const struct pg_policy *pol, const double *theta,
                double *grad, double *fisher, struct ope_error *err)
{
    size_t S = (size_t)m->n_states, A = (size_t)m->n_actions, d = pol->dim;
    int H = m->horizon;
    int need_d = grad || fisher;
    double *pi = ope_malloc(S * A * sizeof *pi, err);
    double *V = pi ? ope_calloc(S, sizeof *V, err) : NULL;      /* V_H = 0 */
    double *Vn = V ? ope_malloc(S * sizeof *Vn, err) : NULL;
    double *Q = Vn ? ope_malloc(S * A * sizeof *Q, err) : NULL;
    double *D = Q && need_d ? ope_malloc((size_t)H * S * sizeof *D, err) : NULL;
    double J = NAN;
    if (!Q || (need_d && !D))
        goto out;
    pg_probs_all(pol, theta, pi);
    if (grad)
        memset(grad, 0, d * sizeof *grad);
    if (fisher)
        memset(fisher, 0, d * d * sizeof *fisher);
    if (need_d)
        forward(m, pi, D);
    double coef[PG_MAX_ACTIONS];
    for (int t = H - 1; t >= 0; t--) {
        double gt = pow(m->gamma, t);   /* pow(0, 0) = 1 */
        /* Q_t = R + gamma P V_{t+1}, then V_t(s) = sum_a pi(a|s) Q_t(s,a). */
        mdp_backup(m->n_states, m->n_actions, m->P, m->R, m->gamma, V, Q);
        mdp_v_from_q(m->n_states, m->n_actions, pi, Q, Vn);
        for (size_t s = 0; s < S; s++) {
            const double *q = Q + s * A, *p = pi + s * A;
            double v = Vn[s];
            double w = need_d ? gt * D[(size_t)t * S + s] : 0.0;
            if (w == 0.0 || m->terminal[s])
                continue;   /* never acted in: no gradient, no Fisher mass */
            if (grad) {
                for (size_t a = 0; a < A; a++)
                    coef[a] = w * p[a] * (q[a] - v);
                pg_add_phi(pol, (int)s, coef, grad);
            }
            if (fisher)
                pg_add_fisher_state(pol, p, (int)s, w, fisher);
        }
        memcpy(V, Vn, S * sizeof *V);
    }
    J = mdp_start_value(m, V);
out:
    free(pi);
    free(V);
    free(Vn);
    free(Q);
    free(D);
    return J;
}
