/* t/0700-mdp.c: the exact MDP solvers: a 2-state, 2-action MDP solved by hand
 * (finite horizon and discounted), backward induction converging to the linear
 * solve as H grows, value iteration dominating random policies, and the checks of
 * mdp_finalize. */
#include "config.h"
#include "t/tap.h"
#include "datasets/mdp.h"
#include "datasets/env.h"
#include "datasets/policy.h"
#include "ope/base/rng.h"

#include <math.h>
#include <stdlib.h>

/* The hand MDP (gamma 0.9, mu0 = (1/2, 1/2)):
 *   s0,a0: stay in s0, R = 1      s0,a1: go to s1, R = 0
 *   s1,a0: s0 or s1 (1/2 each), R = 2      s1,a1: stay in s1, R = 0.5
 * and the policy pi(.|s0) = (1/2, 1/2), pi(.|s1) = (1/4, 3/4). */
static struct mdp *hand_mdp(int H)
{
    struct ope_error err;
    struct mdp *m = mdp_new(2, 2, &err);
    m->P[(0 * 2 + 0) * 2 + 0] = 1.0;
    m->P[(0 * 2 + 1) * 2 + 1] = 1.0;
    m->P[(1 * 2 + 0) * 2 + 0] = 0.5;
    m->P[(1 * 2 + 0) * 2 + 1] = 0.5;
    m->P[(1 * 2 + 1) * 2 + 1] = 1.0;
    m->R[0] = 1.0; m->R[1] = 0.0; m->R[2] = 2.0; m->R[3] = 0.5;
    m->mu0[0] = m->mu0[1] = 0.5;
    m->horizon = H;
    m->gamma = 0.9;
    if (mdp_finalize(m, &err) < 0)
        bail_out("hand MDP: %s", err.msg);
    return m;
}

static const double hand_pi[4] = {0.5, 0.5, 0.25, 0.75};

static void test_hand(void)
{
    struct ope_error err;
    struct mdp *m = hand_mdp(2);
    double V[2], Q[4];
    double v = mdp_eval_finite(m, hand_pi, V, Q, &err);
    /* t = 1: Q_1 = R, V_1(s0) = .5*1 + .5*0 = 0.5, V_1(s1) = .25*2 + .75*.5 = 0.875.
     * t = 0: Q_0(s0,a0) = 1 + .9*.5 = 1.45, Q_0(s0,a1) = .9*.875 = 0.7875,
     *        Q_0(s1,a0) = 2 + .9*(.5*.5 + .5*.875) = 2.61875, Q_0(s1,a1) = .5 + .9*.875 = 1.2875;
     * V_0 = (.5*1.45 + .5*.7875, .25*2.61875 + .75*1.2875) = (1.11875, 1.6203125);
     * value = (1.11875 + 1.6203125) / 2 = 1.36953125. */
    is_double(Q[0], 1.45, 1e-12, "H=2: Q_0(s0,a0) = 1.45");
    is_double(Q[1], 0.7875, 1e-12, "H=2: Q_0(s0,a1) = 0.7875");
    is_double(Q[2], 2.61875, 1e-12, "H=2: Q_0(s1,a0) = 2.61875");
    is_double(Q[3], 1.2875, 1e-12, "H=2: Q_0(s1,a1) = 1.2875");
    is_double(V[0], 1.11875, 1e-12, "H=2: V_0(s0)");
    is_double(V[1], 1.6203125, 1e-12, "H=2: V_0(s1)");
    is_double(v, 1.36953125, 1e-12, "H=2: value under mu0");

    /* Discounted: r_pi = (.5, .875), P_pi = [[.5, .5], [.125, .875]];
     * .55 V0 - .45 V1 = .5 and -.1125 V0 + .2125 V1 = .875, det = .06625:
     * V0 = (.5*.2125 + .45*.875)/.06625 = 400/53, V1 = (.55*.875 + .1125*.5)/.06625 = 430/53,
     * value = (400 + 430) / 106 = 415/53. */
    double Vd[2];
    v = mdp_eval_discounted(m, hand_pi, Vd, &err);
    is_double(Vd[0], 400.0 / 53.0, 1e-12, "discounted: V(s0) = 400/53");
    is_double(Vd[1], 430.0 / 53.0, 1e-12, "discounted: V(s1) = 430/53");
    is_double(v, 415.0 / 53.0, 1e-12, "discounted: value = 415/53");

    /* Optimal, H = 2: V*_1 = (1, 2); Q*_0 = (1 + .9, .9*2, 2 + .9*(.5 + 1), .5 + .9*2)
     * = (1.9, 1.8, 3.35, 2.3); V*_0 = (1.9, 3.35), value 2.625. */
    v = mdp_optimal_finite(m, V, Q, &err);
    is_double(Q[0], 1.9, 1e-12, "H=2: Q*_0(s0,a0) = 1.9");
    is_double(Q[1], 1.8, 1e-12, "H=2: Q*_0(s0,a1) = 1.8");
    is_double(Q[2], 3.35, 1e-12, "H=2: Q*_0(s1,a0) = 3.35");
    is_double(Q[3], 2.3, 1e-12, "H=2: Q*_0(s1,a1) = 2.3");
    is_double(v, 2.625, 1e-12, "H=2: optimal value 2.625");

    /* Optimal discounted: s0 -> a1, s1 -> a0. V1 = 2 + .9(.5 V0 + .5 V1), V0 = .9 V1
     * => V1 = 2 / (1 - .405 - .45) = 400/29, V0 = 360/29; value 380/29. (Check: a0 in s0
     * gives 1 + .9*360/29 = 353/29 < 360/29; a1 in s1 gives .5 + 360/29 < 400/29.) */
    v = mdp_optimal_discounted(m, 1e-13, Vd, Q, &err);
    is_double(Vd[0], 360.0 / 29.0, 1e-10, "discounted: V*(s0) = 360/29");
    is_double(Vd[1], 400.0 / 29.0, 1e-10, "discounted: V*(s1) = 400/29");
    is_double(v, 380.0 / 29.0, 1e-10, "discounted: optimal value 380/29");
    struct policy *g = policy_new(2, 2, &err);
    policy_set_greedy(g, Q, 1);
    ok(g->p[1] == 1.0 && g->p[2] == 1.0, "greedy on discounted Q* is s0->a1, s1->a0");
    is_double(mdp_eval_discounted(m, g->p, NULL, &err), 380.0 / 29.0, 1e-10,
              "its linear-solve value equals V*");
    policy_free(g);
    mdp_free(m);
}

/* |V_H - V_inf| <= gamma^H max|r| / (1 - gamma): with rewards in [0, 2] and gamma 0.9
 * the bound is 20 * 0.9^H; at H = 400 it is 9e-18, so the two must agree to 1e-10. */
static void test_horizon_limit(void)
{
    struct ope_error err;
    double vinf;
    struct mdp *m = hand_mdp(1);
    vinf = mdp_eval_discounted(m, hand_pi, NULL, &err);
    int within = 1;
    for (int H = 1; H <= 200; H += 7) {
        m->horizon = H;
        double vh = mdp_eval_finite(m, hand_pi, NULL, NULL, &err);
        if (fabs(vh - vinf) > 20.0 * pow(0.9, H) + 1e-12)
            within = 0;
    }
    ok(within, "hand MDP: |V_H - V_inf| <= 20 * 0.9^H for H = 1, 8, ..., 197");
    m->horizon = 400;
    is_double(mdp_eval_finite(m, hand_pi, NULL, NULL, &err), vinf, 1e-10,
              "hand MDP: backward induction at H=400 equals the linear solve");
    mdp_free(m);

    /* Same on a random 20-state Dirichlet MDP (rewards in [0, 1], bound 0.9^H / 0.1). */
    const char *kv[] = {"states=20", "actions=4", "seed=7"};
    m = env_build_named("dirichlet", kv, 3, 1, 0.9, &err);
    struct policy *u = policy_new(20, 4, &err);
    policy_set_uniform(u);
    vinf = mdp_eval_discounted(m, u->p, NULL, &err);
    within = 1;
    for (int H = 1; H <= 300; H += 13) {
        m->horizon = H;
        double vh = mdp_eval_finite(m, u->p, NULL, NULL, &err);
        if (fabs(vh - vinf) > 10.0 * pow(0.9, H) + 1e-12)
            within = 0;
    }
    ok(within, "dirichlet: |V_H - V_inf| <= 10 * 0.9^H for growing H");
    m->horizon = 400;
    is_double(mdp_eval_finite(m, u->p, NULL, NULL, &err), vinf, 1e-10,
              "dirichlet: backward induction at H=400 equals the linear solve");
    policy_free(u);
    mdp_free(m);
}

/* V* (finite, nonstationary) >= V^pi for any stationary pi, and discounted V* >= V^pi
 * state by state; 200 random policies drawn with rows ~ normalised uniforms. */
static void test_optimality(void)
{
    struct ope_error err;
    const char *kv[] = {"states=12", "actions=3", "seed=3", "beta=0.5"};
    struct mdp *m = env_build_named("dirichlet", kv, 4, 15, 0.95, &err);
    double Vf[12], Vd[12], V[12];
    double vf = mdp_optimal_finite(m, Vf, NULL, &err);
    mdp_optimal_discounted(m, 1e-12, Vd, NULL, &err);
    struct policy *pi = policy_new(12, 3, &err);
    struct ope_rng r;
    ope_rng_init(&r, 42, OPE_RNG_TEST, 0);
    int fin_ok = 1, disc_ok = 1;
    for (int k = 0; k < 200; k++) {
        for (int s = 0; s < 12; s++) {
            double z = 0.0;
            for (int a = 0; a < 3; a++)
                z += pi->p[s * 3 + a] = ope_rng_uniform(&r);
            for (int a = 0; a < 3; a++)
                pi->p[s * 3 + a] /= z;
        }
        mdp_eval_finite(m, pi->p, V, NULL, &err);
        for (int s = 0; s < 12; s++)
            if (V[s] > Vf[s] + 1e-12)
                fin_ok = 0;
        mdp_eval_discounted(m, pi->p, V, &err);
        for (int s = 0; s < 12; s++)
            if (V[s] > Vd[s] + 1e-9)
                disc_ok = 0;
    }
    ok(fin_ok, "finite-horizon V*_0(s) >= V^pi_0(s) for 200 random policies");
    ok(disc_ok, "discounted V*(s) >= V^pi(s) for 200 random policies");
    struct policy *opt = policy_from_spec(m, "optimal", NULL, &err);
    double vo = mdp_eval_finite(m, opt->p, NULL, NULL, &err);
    ok(vo <= vf + 1e-12 && vo > vf - 0.5, "the stationary 'optimal' policy is within V* (%g <= %g)",
       vo, vf);
    policy_free(opt);
    policy_free(pi);
    mdp_free(m);
}

static void test_finalize(void)
{
    struct ope_error err;
    struct mdp *m = mdp_new(2, 1, &err);
    m->P[0] = 0.5;              /* row (0.5, 0.4) sums to 0.9 */
    m->P[1] = 0.4;
    m->P[3] = 1.0;
    m->mu0[0] = 1.0;
    ok(mdp_finalize(m, &err) < 0, "a transition row summing to 0.9 is refused");
    like(err.msg, "sums to", "... and the message says so");
    m->P[1] = 0.5;
    m->gamma = 1.5;
    ok(mdp_finalize(m, &err) < 0, "gamma = 1.5 is refused");
    m->gamma = 1.0;
    m->terminal[1] = 1;
    m->R[1] = 7.0;
    ok(mdp_finalize(m, &err) == 0, "a valid MDP with a terminal state is accepted");
    ok(m->P[3] == 1.0 && m->R[1] == 0.0, "the terminal state is made absorbing with reward 0");
    m->mu0[0] = 0.0;
    m->mu0[1] = 1.0;
    ok(mdp_finalize(m, &err) < 0, "starting in a terminal state is refused");
    mdp_free(m);
    ok(mdp_new(0, 2, &err) == NULL, "an MDP with no states is refused");
}

int main(void)
{
    plan(34);
    test_hand();
    test_horizon_limit();
    test_optimality();
    test_finalize();
    return done_testing();
}
