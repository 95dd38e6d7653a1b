/* t/0705-backup.c: the one Bellman backup (datasets/mdp.c: mdp_backup, mdp_v_from_q,
 * mdp_start_value) on a 2-state, 2-action MDP worked by hand, with every number a
 * dyadic fraction so the expected values are exact; then CE-VI's use of it: a pair
 * with -inf reward and no transition mass keeps -inf, and the solvers built on it. */
#include "config.h"
#include "t/tap.h"
#include "datasets/mdp.h"

#include <math.h>

/* The hand MDP, P[(s*A + a)*S + s']:
 *   s0,a0: stay in s0, R = 0         s0,a1: to s1, R = 1
 *   s1,a0: s0 or s1 (1/2 each), R = 2    s1,a1: stay in s1, R = 1/2
 * gamma = 1/2. */
static const double P[8] = { 1, 0,   0, 1,   0.5, 0.5,   0, 1 };
static const double R[4] = { 0, 1, 2, 0.5 };
static const double pi[4] = { 0.25, 0.75, 0.5, 0.5 };

int main(void)
{
    plan(15);
    double V[2] = { 4, 8 }, Q[4], W[2];

    /* Q = R + 1/2 P V with V = (4, 8):
     *   Q(0,0) = 0 + 4/2 = 2, Q(0,1) = 1 + 8/2 = 5,
     *   Q(1,0) = 2 + (4/2 + 8/2)/2 = 5, Q(1,1) = 1/2 + 8/2 = 4.5. */
    mdp_backup(2, 2, P, R, 0.5, V, Q);
    is_double(Q[0], 2.0, 0, "Q(s0,a0) = 0 + 1/2 * 4 = 2");
    is_double(Q[1], 5.0, 0, "Q(s0,a1) = 1 + 1/2 * 8 = 5");
    is_double(Q[2], 5.0, 0, "Q(s1,a0) = 2 + 1/2 * (4 + 8) / 2 = 5");
    is_double(Q[3], 4.5, 0, "Q(s1,a1) = 1/2 + 1/2 * 8 = 4.5");

    /* Greedy: (max(2, 5), max(5, 4.5)) = (5, 5). Under pi:
     * s0: 1/4 * 2 + 3/4 * 5 = 4.25, s1: 1/2 * 5 + 1/2 * 4.5 = 4.75. */
    mdp_v_from_q(2, 2, NULL, Q, W);
    ok(W[0] == 5.0 && W[1] == 5.0, "greedy V = (5, 5)");
    mdp_v_from_q(2, 2, pi, Q, W);
    is_double(W[0], 4.25, 0, "V_pi(s0) = 1/4 * 2 + 3/4 * 5 = 4.25");
    is_double(W[1], 4.75, 0, "V_pi(s1) = 1/2 * 5 + 1/2 * 4.5 = 4.75");

    /* gamma = 0: Q = R whatever V is. */
    mdp_backup(2, 2, P, R, 0.0, V, Q);
    ok(Q[0] == 0 && Q[1] == 1 && Q[2] == 2 && Q[3] == 0.5, "gamma 0: Q = R");

    /* CE-VI's never-seen pair: reward -inf, an all-zero transition row; V finite. */
    const double P2[8] = { 0, 0,   0, 1,   0.5, 0.5,   0, 1 };
    const double R2[4] = { -INFINITY, 1, 2, 0.5 };
    mdp_backup(2, 2, P2, R2, 0.5, V, Q);
    ok(isinf(Q[0]) && Q[0] < 0, "a pair with no transition mass keeps its -inf reward");
    is_double(Q[1], 5.0, 0, "... and the other pairs are unaffected");

    /* Through struct mdp: H = 2, mu0 = (1, 0). t = 1: Q_1 = R,
     * V_1 = (1/4 * 0 + 3/4 * 1, 1/2 * 2 + 1/2 * 1/2) = (0.75, 1.25);
     * t = 0: Q_0 = (0 + 0.375, 1 + 0.625, 2 + (0.75 + 1.25)/4, 0.5 + 0.625)
     *            = (0.375, 1.625, 2.5, 1.125),
     * V_0(s0) = 1/4 * 0.375 + 3/4 * 1.625 = 1.3125. Optimal: V*_1 = (1, 2),
     * Q*_0 = (0.5, 2, 2 + 3/4, 1.5), V*_0 = (2, 2.75). */
    struct ope_error err;
    struct mdp *m = mdp_new(2, 2, &err);
    if (!m)
        bail_out("mdp_new: %s", err.msg);
    for (int i = 0; i < 8; i++)
        m->P[i] = P[i];
    for (int i = 0; i < 4; i++)
        m->R[i] = R[i];
    m->mu0[0] = 1.0;
    m->horizon = 2;
    m->gamma = 0.5;
    if (mdp_finalize(m, &err) < 0)
        bail_out("mdp_finalize: %s", err.msg);
    double V0[2], Q0[4];
    double v = mdp_eval_finite(m, pi, V0, Q0, &err);
    is_double(Q0[2], 2.5, 0, "H = 2: Q_0(s1,a0) = 2 + 1/2 (0.75 + 1.25) / 2 = 2.5");
    is_double(v, 1.3125, 0, "H = 2: value = V_0(s0) = 1/4 * 0.375 + 3/4 * 1.625 = 1.3125");
    v = mdp_optimal_finite(m, V0, NULL, &err);
    ok(V0[0] == 2.0 && V0[1] == 2.75, "H = 2: V*_0 = (2, 2.75)");
    is_double(v, 2.0, 0, "H = 2: optimal value = V*_0(s0) = 2");

    /* The start value: mu0 = (1/4, 3/4) on V = (4, 8) is 1 + 6 = 7. */
    m->mu0[0] = 0.25, m->mu0[1] = 0.75;
    is_double(mdp_start_value(m, V), 7.0, 0, "start value = 1/4 * 4 + 3/4 * 8 = 7");
    mdp_free(m);
    return done_testing();
}
