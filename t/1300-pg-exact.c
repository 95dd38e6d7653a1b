/* t/1300-pg-exact.c: the exact policy gradient and Fisher matrix of ope/pg against two
 * independent computations: central finite differences of the exact value (DP), and
 * brute-force enumeration of every trajectory of a small MDP (score-function form of
 * the gradient, sum over steps of the score outer product for the Fisher). */
#include "config.h"
#include "t/tap.h"
#include "ope/learn/pg/pg.h"
#include "datasets/env.h"
#include "datasets/mdp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ope_error err;

/* Two states, two actions, H = 4, gamma = 0.9, mu0 = (0.7, 0.3): no symmetry, every
 * transition possible, so every logit matters. */
static struct mdp *two_state(void)
{
    struct mdp *m = mdp_new(2, 2, &err);
    if (!m)
        bail_out("mdp_new: %s", err.msg);
    static const double P[8] = { 0.8, 0.2,  0.3, 0.7,   /* s = 0: a = 0, a = 1 */
                                 0.6, 0.4,  0.1, 0.9 }; /* s = 1 */
    static const double R[4] = { 0.2, 1.0, -0.5, 0.7 };
    memcpy(m->P, P, sizeof P);
    memcpy(m->R, R, sizeof R);
    m->mu0[0] = 0.7;
    m->mu0[1] = 0.3;
    m->horizon = 4;
    m->gamma = 0.9;
    if (mdp_finalize(m, &err) < 0)
        bail_out("finalize: %s", err.msg);
    return m;
}

/* Three states, the last terminal (entered from state 1 by action 1 with reward 2):
 * episodes of different lengths. */
static struct mdp *with_terminal(void)
{
    struct mdp *m = mdp_new(3, 2, &err);
    if (!m)
        bail_out("mdp_new: %s", err.msg);
    static const double P[18] = { 0.5, 0.5, 0.0,   0.1, 0.9, 0.0,
                                  0.9, 0.1, 0.0,   0.0, 0.4, 0.6,
                                  0.0, 0.0, 1.0,   0.0, 0.0, 1.0 };
    static const double R[6] = { 0.1, 0.0, 0.3, 2.0, 0.0, 0.0 };
    memcpy(m->P, P, sizeof P);
    memcpy(m->R, R, sizeof R);
    m->terminal[2] = 1;
    m->mu0[0] = 1.0;
    m->horizon = 5;
    m->gamma = 1.0;
    if (mdp_finalize(m, &err) < 0)
        bail_out("finalize: %s", err.msg);
    return m;
}

/* Largest |exact - central difference| over coordinates; h = 1e-5 makes the O(h^2)
 * truncation ~1e-10 times the third derivative and the rounding ~1e-16/1e-5. */
static double fd_error(const struct mdp *m, const struct pg_policy *pol, const double *theta0)
{
    size_t d = pol->dim;
    double *th = malloc(d * sizeof *th), *g = malloc(d * sizeof *g), worst = 0.0;
    memcpy(th, theta0, d * sizeof *th);
    pg_exact(m, pol, th, g, NULL, &err);
    for (size_t i = 0; i < d; i++) {
        const double h = 1e-5;
        th[i] = theta0[i] + h;
        double up = pg_exact(m, pol, th, NULL, NULL, &err);
        th[i] = theta0[i] - h;
        double dn = pg_exact(m, pol, th, NULL, NULL, &err);
        th[i] = theta0[i];
        worst = fmax(worst, fabs(g[i] - (up - dn) / (2 * h)));
    }
    free(th);
    free(g);
    diag("largest |exact - central difference| = %.3g", worst);
    return worst;
}

/* Enumerate every trajectory: J, grad J = E[sum_t gamma^t r_t sum_{k<=t} psi_k] and
 * F = E[sum_t gamma^t psi_t psi_t^T] (psi the score of step t). */
struct enum_acc {
    const struct mdp *m;
    const struct pg_policy *pol;
    const double *pi;
    double J, *g, *F, *cum;     /* cum: running sum of scores along the path */
};

static void enumerate(struct enum_acc *E, int s, int t, double prob, double disc)
{
    const struct mdp *m = E->m;
    int A = m->n_actions, S = m->n_states;
    size_t d = E->pol->dim;
    if (t == m->horizon || m->terminal[s])
        return;
    for (int a = 0; a < A; a++) {
        double pa = E->pi[s * A + a];
        double *psi = calloc(d, sizeof *psi), *save = malloc(d * sizeof *save);
        pg_add_score(E->pol, E->pi + s * A, s, a, 1.0, psi);
        memcpy(save, E->cum, d * sizeof *save);
        for (size_t i = 0; i < d; i++)
            E->cum[i] += psi[i];
        double w = prob * pa, r = m->R[s * A + a];
        E->J += w * disc * r;
        for (size_t i = 0; i < d; i++) {
            E->g[i] += w * disc * r * E->cum[i];
            for (size_t j = 0; j < d; j++)
                E->F[i * d + j] += w * disc * psi[i] * psi[j];
        }
        for (int u = 0; u < S; u++) {
            double p = m->P[(s * A + a) * S + u];
            if (p > 0.0)
                enumerate(E, u, t + 1, w * p, disc * m->gamma);
        }
        memcpy(E->cum, save, d * sizeof *save);
        free(psi);
        free(save);
    }
}

static void check_enumeration(const struct mdp *m, const struct pg_policy *pol,
                              const double *theta, const char *what)
{
    size_t d = pol->dim;
    struct enum_acc E = { m, pol, NULL, 0.0, calloc(d, sizeof(double)),
                          calloc(d * d, sizeof(double)), calloc(d, sizeof(double)) };
    double *pi = malloc((size_t)m->n_states * m->n_actions * sizeof *pi);
    pg_probs_all(pol, theta, pi);
    E.pi = pi;
    for (int s = 0; s < m->n_states; s++)
        if (m->mu0[s] > 0.0)
            enumerate(&E, s, 0, m->mu0[s], 1.0);
    double *g = malloc(d * sizeof *g), *F = malloc(d * d * sizeof *F);
    double J = pg_exact(m, pol, theta, g, F, &err);
    double eg = 0.0, eF = 0.0;
    for (size_t i = 0; i < d; i++) {
        eg = fmax(eg, fabs(g[i] - E.g[i]));
        for (size_t j = 0; j < d; j++)
            eF = fmax(eF, fabs(F[i * d + j] - E.F[i * d + j]));
    }
    /* Both sides are finite sums of the same terms in different orders: 1e-12. */
    is_double(J, E.J, 1e-12, "%s: exact value = sum over all trajectories", what);
    is_double(eg, 0.0, 1e-12, "%s: exact gradient = score-function sum over trajectories", what);
    is_double(eF, 0.0, 1e-12, "%s: exact Fisher = expected sum of score outer products", what);
    free(E.g);
    free(E.F);
    free(E.cum);
    free(pi);
    free(g);
    free(F);
}

int main(void)
{
    plan(16);
    struct mdp *m2 = two_state(), *m3 = with_terminal();
    struct pg_policy tab2, tab3, lin2;
    if (pg_policy_init(&tab2, PG_TABULAR, 2, 2, 0, &err) < 0 ||
        pg_policy_init(&tab3, PG_TABULAR, 3, 2, 0, &err) < 0 ||
        pg_policy_init(&lin2, PG_LINEAR, 2, 2, 2, &err) < 0)
        bail_out("policy: %s", err.msg);
    const double th2[4] = { 0.3, -0.8, 1.1, 0.2 }, th3[6] = { -0.4, 0.5, 0.9, -0.3, 0.0, 0.0 };
    const double zero[4] = { 0, 0, 0, 0 };

    /* The check: the exact gradient against central differences, 1e-7. */
    ok(fd_error(m2, &tab2, th2) < 1e-7, "2-state MDP, tabular softmax: exact gradient = "
       "central differences of the exact value (1e-7)");
    ok(fd_error(m2, &tab2, zero) < 1e-7, "the same at the uniform policy");
    ok(fd_error(m2, &lin2, th2) < 1e-7, "2-state MDP, linear softmax (K = 2): the same");
    ok(fd_error(m3, &tab3, th3) < 1e-7, "episodes ending in a terminal state: the same");

    check_enumeration(m2, &tab2, th2, "2-state tabular");
    check_enumeration(m2, &lin2, th2, "2-state linear");
    check_enumeration(m3, &tab3, th3, "terminal state");

    /* RiverSwim (S = 6, H = 20): the value agrees with mdp_eval_finite, and the
     * gradient at the uniform policy points right in states 2..5 (the big reward is
     * at the right end; see ope/learn/pg/npgigt.c for why that matters). */
    struct mdp *rs = env_build_named("riverswim", NULL, 0, 0, 1.0, &err);
    struct pg_policy tab6;
    if (!rs || pg_policy_init(&tab6, PG_TABULAR, 6, 2, 0, &err) < 0)
        bail_out("riverswim: %s", err.msg);
    double th6[12] = { 0 }, g6[12], pi6[12];
    for (int i = 0; i < 12; i++)
        th6[i] = 0.1 * (i % 5) - 0.2;
    pg_probs_all(&tab6, th6, pi6);
    is_double(pg_exact(rs, &tab6, th6, NULL, NULL, &err), mdp_eval_finite(rs, pi6, NULL, NULL, &err),
              1e-12, "riverswim: pg_exact's value = mdp_eval_finite's");
    ok(fd_error(rs, &tab6, th6) < 1e-7, "riverswim: exact gradient = central differences");
    memset(th6, 0, sizeof th6);
    pg_exact(rs, &tab6, th6, g6, NULL, &err);
    ok(g6[2 * 2 + 1] > 0 && g6[3 * 2 + 1] > 0 && g6[4 * 2 + 1] > 0 && g6[5 * 2 + 1] > 0,
       "riverswim at uniform: the exact gradient favours right in states 2..5");

    pg_policy_release(&tab2);
    pg_policy_release(&tab3);
    pg_policy_release(&lin2);
    pg_policy_release(&tab6);
    mdp_free(m2);
    mdp_free(m3);
    mdp_free(rs);
    return done_testing();
}
