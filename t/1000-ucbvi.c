/* t/1000-ucbvi.c: the UCBVI machinery of ope/explore: optimistic planning, pessimistic
 * and exact evaluation of mixtures, and EpsMix's epsilon, checked by hand on a 2-state
 * MDP; exact evaluation against the MDP engine; pessimism <= truth <= optimism on a
 * seeded run. */
#include "config.h"
#include "t/tap.h"
#include "ope/learn/explore/run.h"
#include "ope/learn/explore/ucbvi.h"
#include "datasets/env.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "ope/base/rng.h"

#include <math.h>
#include <stdlib.h>

/* The hand case: S = 2, A = 2, H = 2, start in s0. Counts (4 visits each):
 *   (s0,a0): r = 0.5 -> s0 (4 times);  (s0,a1): r = 0 -> s1 (3 times), s0 (once)
 *   (s1,a0): r = 1 -> s1 (4 times);    (s1,a1): r = 0 -> s1 (4 times)
 * Hoeffding with c = 0.05, L = 1, no return bound (G = H = 2): b = 0.05 G_h sqrt(1/4)
 * with G_h = min(G, H - h) the range of the value to come: 0.025 at h = 1, 0.05 at h = 0. */
static struct mdp *hand_mdp(void)
{
    struct ope_error err = {0};
    struct mdp *m = mdp_new(2, 2, &err);
    if (!m)
        bail_out("mdp_new: %s", err.msg);
    for (int sa = 0; sa < 4; sa++)
        m->P[sa * 2 + (sa < 2 ? 0 : 1)] = 1.0;   /* the true MDP does not matter here */
    m->mu0[0] = 1.0;
    m->horizon = 2;
    if (mdp_finalize(m, &err) < 0)
        bail_out("finalize: %s", err.msg);
    return m;
}

static void hand_counts(struct xpl_model *x)
{
    for (int i = 0; i < 4; i++) {
        xpl_model_observe(x, 0, 0, 0.5, 0);
        xpl_model_observe(x, 0, 1, 0.0, i < 3 ? 1 : 0);
        xpl_model_observe(x, 1, 0, 1.0, 1);
        xpl_model_observe(x, 1, 1, 0.0, 1);
    }
    xpl_model_refresh(x);
}

static void test_hand(void)
{
    struct ope_error err = {0};
    struct mdp *m = hand_mdp();
    struct xpl_model *x = xpl_model_new(m, &err);
    struct xpl_bonus b = {XPL_HOEFFDING, 0.05, 1.0, 0.0};
    int greedy[4];
    hand_counts(x);
    /* Optimism. h = 1 (cap 1): Q(s0,a0) = .5 + .025 = .525, Q(s0,a1) = .025,
     * Q(s1,a0) = min(1, 1.025) = 1, Q(s1,a1) = .025 -> V1 = (.525, 1), greedy a0, a0.
     * h = 0 (cap 2): Q(s0,a0) = .5 + .525 + .05 = 1.075; Q(s0,a1) = .25*.525 + .75*1
     * + .05 = .93125 -> V0(s0) = 1.075, greedy a0; Q(s1,a0) = min(2, 2.05) = 2. */
    double vbar = xpl_plan_optimistic(x, &b, greedy);
    is_double(vbar, 1.075, 1e-12, "optimistic V0(s0) by hand = 1.075");
    ok(greedy[0] == 0 && greedy[1] == 0 && greedy[2] == 0 && greedy[3] == 0,
       "greedy optimistic policy is a0 everywhere (by hand)");
    /* Pessimism of pi-bar: h = 1: Q(s0,a0) = .475, Q(s1,a0) = .975; h = 0:
     * Q(s0,a0) = .5 + .475 - .05 = .925. */
    double pb[4] = {0, 1, 0, 1};             /* baseline: always a1 */
    double vlow = xpl_eval_model(x, &b, -1, 1.0, greedy, pb);
    is_double(vlow, 0.925, 1e-12, "pessimistic V of pi-bar by hand = 0.925");
    /* Mixture rho with the baseline (a1): h = 1: V(s0) = .475 rho (Q(s0,a1) =
     * max(0, -.025) = 0), V(s1) = .975 rho; h = 0: Q(s0,a0) = .45 + .475 rho,
     * Q(s0,a1) = max(0, .25*.475 rho + .75*.975 rho - .05) = max(0, .85 rho - .05);
     * f(rho) = rho (.45 + .475 rho) + (1 - rho) max(0, .85 rho - .05).
     * f(.5) = .34375 + .5 * .375 = .53125; f(0) = 0. */
    is_double(xpl_eval_model(x, &b, -1, 0.5, greedy, pb), 0.53125, 1e-12,
              "pessimistic value of the 0.5-mixture by hand = 0.53125");
    is_double(xpl_eval_model(x, &b, -1, 0.0, greedy, pb), 0.0, 1e-12,
              "pessimistic value of the baseline by hand = 0 (clipped)");
    /* StepMix's certificate (1 - rho)^H V^b + Z-underbar at rho = .5, H = 2, with a
     * known V^b = .8. h = 1: no coin comes after (w = 0), so Z_1 = rho Q-underbar_1(s,
     * a0): (.2375, .4875). h = 0: w = 1 - .5 = .5; pi-bar branch Q-underbar_0(s0,a0) =
     * .6875 (above); baseline branch (a1, reward 0): .25*.2375 + .75*.4875 - the bonus
     * of range w G_0 = 1, .05 * 1 * .5 = .025, so .425 - .025 = .4; Z_0(s0) = .5 * .6875
     * + .5 * .4 = .54375. Certificate max(.53125, .25 * .8 + .54375) = .74375; with
     * V^b = 0, max(.53125, .54375) = .54375. At rho = 0 it is V^b itself; at rho = 1,
     * V-underbar of pi-bar (.925). */
    is_double(xpl_lower_stepmix(x, &b, 0.5, greedy, pb, 0.8), 0.74375, 1e-12,
              "StepMix certificate at rho .5, V^b .8, by hand = 0.74375");
    is_double(xpl_lower_stepmix(x, &b, 0.5, greedy, pb, 0.0), 0.54375, 1e-12,
              "StepMix certificate at rho .5, V^b 0, by hand = 0.54375");
    is_double(xpl_lower_stepmix(x, &b, 0.0, greedy, pb, 0.8), 0.8, 0,
              "StepMix certificate at rho 0 = V^b (known, not certified again)");
    is_double(xpl_lower_stepmix(x, &b, 1.0, greedy, pb, 0.8), 0.925, 1e-12,
              "StepMix certificate at rho 1 = V-underbar of pi-bar");
    /* A return bound G = .5 caps the value to come at .5 and scales the bonus:
     * b = .05 * .5 * .5 = .0125 at both steps. Optimism h = 1: Q(s0,a0) = min(.5, .5125)
     * = .5, Q(s1,a0) = .5; h = 0: Q(s0,a0) = min(.5, 1.0125) = .5. Pessimism of pi-bar:
     * h = 1: .4875 (s0), .9875 (s1); h = 0: max(0, .5 + .4875 - .0125) = .975 (no cap
     * below: pessimistic values are only clipped at 0). */
    struct xpl_bonus bg = {XPL_HOEFFDING, 0.05, 1.0, 0.5};
    int greedy_g[4];
    is_double(xpl_plan_optimistic(x, &bg, greedy_g), 0.5, 1e-12,
              "return bound G = .5: optimism capped at G");
    is_double(xpl_eval_model(x, &bg, -1, 1.0, greedy, pb), 0.975, 1e-12,
              "return bound G = .5: the bonus shrinks to c G sqrt(L/N) (by hand .975)");
    /* Plug-in value of pi-bar (no bonus): h = 1: .5 and 1; h = 0: .5 + .5 = 1. */
    is_double(xpl_eval_model(x, &b, 0, 1.0, greedy, pb), 1.0, 1e-12, "plug-in value = 1");
    /* EpsMix: eps V-underbar + (1 - eps) V^b >= (1 - alpha) V^b with V-underbar = .925,
     * V^b = 1: alpha = .05 -> eps = .05 / (1 - .925) = 2/3 (check: .61667 + .33333 =
     * .95); alpha = .2 -> .925 >= .8, eps = 1; alpha = 0 -> eps = 0. */
    is_double(xpl_epsmix_eps(vlow, 1.0, 0.05), 2.0 / 3.0, 1e-12, "eps = 2/3 at alpha 0.05");
    is_double(xpl_epsmix_eps(vlow, 1.0, 0.2), 1.0, 0, "eps = 1 at alpha 0.2");
    is_double(xpl_epsmix_eps(vlow, 1.0, 0.0), 0.0, 0, "eps = 0 at alpha 0");
    is_double(xpl_epsmix_eps(0.0, 0.0, 0.3), 1.0, 0, "V^b = 0: eps = 1 (nothing to lose)");
    /* No data: optimism is the cap H = 2, pessimism 0. */
    xpl_model_clear(x);
    xpl_model_refresh(x);
    is_double(xpl_plan_optimistic(x, &b, greedy), 2.0, 0, "no data: V-bar = H");
    is_double(xpl_eval_model(x, &b, -1, 1.0, greedy, pb), 0.0, 0, "no data: V-underbar = 0");
    xpl_model_free(x);
    mdp_free(m);
}

/* xpl_eval_true against the MDP engine: rho = 0 is the stationary baseline
 * (mdp_eval_finite); rho = 1 with greedy = argmax Q*_h is V* (mdp_optimal_finite). */
static void test_exact(void)
{
    struct ope_error err = {0};
    struct mdp *m = env_build_named("riverswim", NULL, 0, 20, 1.0, &err);
    struct policy *pb = m ? policy_from_spec(m, "mix:0.8", NULL, &err) : NULL;
    if (!pb)
        bail_out("riverswim: %s", err.msg);
    double work[12];
    double vb = xpl_eval_true(m, 20, 0.0, NULL, pb->p, work);
    is_double(vb, mdp_eval_finite(m, pb->p, NULL, NULL, &err), 1e-12,
              "exact baseline value = mdp_eval_finite");
    /* The optimal non-stationary policy is greedy planning with a perfect model and
     * no bonus: fill the counts with the true P and R (N = 1e12, P-hat = P). */
    struct xpl_model *x = xpl_model_new(m, &err);
    int greedy[20 * 6];
    for (int sa = 0; sa < 12; sa++) {
        x->N[sa] = 1.0;
        x->Rsum[sa] = m->R[sa];
        x->Rsq[sa] = m->R[sa] * m->R[sa];
        for (int t = 0; t < 6; t++)
            x->Nsas[sa * 6 + t] = m->P[sa * 6 + t];
    }
    xpl_model_refresh(x);
    struct xpl_bonus b0 = {XPL_HOEFFDING, 0.0, 1.0, 0.0};
    double vplan = xpl_plan_optimistic(x, &b0, greedy);
    double vstar = mdp_optimal_finite(m, NULL, NULL, &err);
    is_double(vplan, vstar, 1e-9, "planning on the true model gives V*");
    is_double(xpl_eval_true(m, 20, 1.0, greedy, pb->p, work), vstar, 1e-9,
              "its greedy policy has exact value V*");
    xpl_model_free(x);
    policy_free(pb);
    mdp_free(m);
}

/* Pessimism <= truth <= optimism on a seeded run: 300 episodes of the uniform policy
 * on RiverSwim (H = 20) with the default Bernstein bonus (c = 0.1) and a Hoeffding
 * bonus with c = 0.1 (c = 1 is trivially wide here), for mixtures rho in
 * {0, .25, .5, .75, 1} of the planned pi-bar with the baseline. A failure would be a < delta event; seed 7 is fixed. */
static void test_sandwich(void)
{
    struct ope_error err = {0};
    struct mdp *m = env_build_named("riverswim", NULL, 0, 20, 1.0, &err);
    struct policy *pb = m ? policy_from_spec(m, "mix:0.8", NULL, &err) : NULL;
    struct xpl_model *x = pb ? xpl_model_new(m, &err) : NULL;
    if (!x)
        bail_out("setup: %s", err.msg);
    struct ope_rng r;
    ope_rng_init(&r, 7, OPE_RNG_TEST, 0);
    for (int e = 0; e < 300; e++) {
        int s = 0;
        for (int h = 0; h < 20; h++) {
            int a = (int)ope_rng_below(&r, 2);
            int s2 = ope_rng_discrete(&r, m->P + (s * 2 + a) * 6, 6);
            xpl_model_observe(x, s, a, m->R[s * 2 + a], s2);
            s = s2;
        }
    }
    xpl_model_refresh(x);
    double G = xpl_return_bound("riverswim", NULL, 0, 20);
    struct xpl_bonus bs[2] = {{XPL_BERNSTEIN, 0.1, xpl_log_term(6, 2, 20, 300, 0.05), G},
                              {XPL_HOEFFDING, 0.1, xpl_log_term(6, 2, 20, 300, 0.05), G}};
    int greedy[120];
    double work[12], vstar = mdp_optimal_finite(m, NULL, NULL, &err);
    double vb = xpl_eval_true(m, 20, 0.0, NULL, pb->p, work);
    for (int i = 0; i < 2; i++) {
        double vbar = xpl_plan_optimistic(x, &bs[i], greedy);
        ok(vbar >= vstar, "%s: optimistic plan %g >= V* %g", i ? "hoeffding" : "bernstein",
           vbar, vstar);
        int good = 1;
        for (int j = 0; j <= 4; j++) {
            double rho = j / 4.0;
            double lo = xpl_eval_model(x, &bs[i], -1, rho, greedy, pb->p);
            double hi = xpl_eval_model(x, &bs[i], +1, rho, greedy, pb->p);
            double tv = xpl_eval_true(m, 20, rho, greedy, pb->p, work);
            double cert = xpl_lower_stepmix(x, &bs[i], rho, greedy, pb->p, vb);
            if (!(lo <= tv && tv <= hi && lo <= cert && cert <= tv)) {
                good = 0;
                diag("rho %g: %g <= %g <= %g <= %g fails", rho, lo, cert, tv, hi);
            }
        }
        ok(good, "%s: V-underbar <= StepMix's certificate <= V <= V-bar for 5 mixtures",
           i ? "hoeffding" : "bernstein");
    }
    xpl_model_free(x);
    policy_free(pb);
    mdp_free(m);
}

/* Rewards outside [0, 1] are refused with a message naming the fix. */
static void test_check(void)
{
    struct ope_error err = {0};
    struct mdp *g = env_build_named("gridworld", NULL, 0, 0, 1.0, &err);
    ok(g && xpl_check_mdp(g, &err) < 0 && err.status == OPE_EUSAGE,
       "gridworld's negative rewards are refused");
    like(err.msg, "pit=0", "the message suggests --param pit=0");
    mdp_free(g);
    const char *kv[] = {"pit=0", "step=0"};
    g = env_build_named("gridworld", kv, 2, 0, 1.0, &err);
    ok(g && xpl_check_mdp(g, &err) == 0, "gridworld with pit=0 step=0 is accepted");
    mdp_free(g);
    const char *kn[] = {"noise=0.1"};
    g = env_build_named("dirichlet", kn, 1, 0, 1.0, &err);
    ok(g && xpl_check_mdp(g, &err) < 0, "reward noise is refused");
    mdp_free(g);
}

int main(void)
{
    plan_no_plan();
    test_hand();
    test_exact();
    test_sandwich();
    test_check();
    return done_testing();
}
