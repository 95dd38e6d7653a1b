/* t/0710-env.c: the built-in environments: dynamics as environments.md states them,
 * hand-computed values of simple policies, exact DP values of several policies
 * against seeded Monte-Carlo rollouts from the sampler, parameter parsing, and the
 * sampler's determinism and its trajectory log. */
#include "config.h"
#include "t/tap.h"
#include "datasets/mdp.h"
#include "datasets/env.h"
#include "datasets/policy.h"
#include "datasets/sampler.h"
#include "datasets/tlog.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define P_(m, s, a, t) ((m)->P[((size_t)(s) * (m)->n_actions + (a)) * (m)->n_states + (t)])

/* Monte-Carlo mean and standard error of the return sum_t gamma^t r_t over n episodes
 * sampled from stream `seed` under policy pi. */
static void mc_return(const struct mdp *m, const struct policy *pi, size_t n, uint64_t seed,
                      double *mean, double *se)
{
    struct ope_error err;
    struct sampler *smp = sampler_new(m, pi, &err);
    int *st = malloc((size_t)m->horizon * sizeof *st), *ac = malloc((size_t)m->horizon * sizeof *ac);
    double *rw = malloc((size_t)m->horizon * sizeof *rw), s1 = 0.0, s2 = 0.0;
    for (size_t e = 0; e < n; e++) {
        int len = sampler_episode(smp, seed, e, st, ac, rw, NULL);
        double g = 0.0, d = 1.0;
        for (int t = 0; t < len; t++, d *= m->gamma)
            g += d * rw[t];
        s1 += g;
        s2 += g * g;
    }
    *mean = s1 / (double)n;
    *se = sqrt(fmax(s2 / (double)n - *mean * *mean, 0.0) / (double)(n - 1));
    free(st);
    free(ac);
    free(rw);
    sampler_free(smp);
}

/* Exact value of each spec vs 20,000 rollouts. The MC mean is within 4 standard
 * errors of the truth with probability 0.99994 per check (CLT; the returns are
 * bounded so the CLT is accurate at this n), i.e. a false alarm about once in 1,400
 * runs of the 12 checks -- and the seeds are fixed, so the test is deterministic.
 * A deterministic policy on a deterministic MDP has se = 0: then the MC mean must
 * equal the truth to rounding (1e-9). */
static void check_mc(const struct mdp *m, const char *env, const char *const *specs, int n)
{
    struct ope_error err;
    for (int i = 0; i < n; i++) {
        struct policy *pi = policy_from_spec(m, specs[i], NULL, &err);
        if (!pi) {
            ok(0, "%s: policy %s: %s", env, specs[i], err.msg);
            continue;
        }
        double exact = mdp_eval_finite(m, pi->p, NULL, NULL, &err), mean, se;
        mc_return(m, pi, 20000, 1000 + (uint64_t)i, &mean, &se);
        ok(fabs(mean - exact) <= 4.0 * se + 1e-9, "%s: %s: exact %.6f vs Monte-Carlo %.6f +- %.6f",
           env, specs[i], exact, mean, se);
        policy_free(pi);
    }
}

static void test_riverswim(void)
{
    struct ope_error err;
    struct mdp *m = env_build_named("riverswim", NULL, 0, 0, 1.0, &err);
    ok(m && m->n_states == 6 && m->n_actions == 2 && m->horizon == 20,
       "riverswim defaults: 6 states, 2 actions, H = 20");
    /* environments.md: right at an interior state 0.35 / 0.6 / 0.05; left end 0.6 / 0.4;
     * right end 0.6 stay / 0.4 left; left moves left. */
    ok(P_(m, 2, 1, 3) == 0.35 && P_(m, 2, 1, 2) == 0.6 && P_(m, 2, 1, 1) == 0.05,
       "riverswim: right in an interior state moves 0.35 / stays 0.6 / drifts back 0.05");
    ok(P_(m, 0, 1, 1) == 0.6 && P_(m, 0, 1, 0) == 0.4, "riverswim: right at the left end 0.6 / 0.4");
    ok(P_(m, 5, 1, 5) == 0.6 && P_(m, 5, 1, 4) == 0.4, "riverswim: right at the right end 0.6 / 0.4");
    ok(P_(m, 0, 0, 0) == 1.0 && P_(m, 3, 0, 2) == 1.0, "riverswim: left always moves left");
    ok(m->R[0] == 0.005 && m->R[5 * 2 + 1] == 1.0 && m->R[3 * 2 + 1] == 0.0,
       "riverswim: rewards 5/1000 (left at 0) and 1 (right at 5) only");
    /* Always left from state 0: 0.005 at each of the 20 steps = 0.1. */
    struct policy *left = policy_new(6, 2, &err);
    for (int s = 0; s < 6; s++)
        left->p[s * 2] = 1.0;
    is_double(mdp_eval_finite(m, left->p, NULL, NULL, &err), 0.1, 1e-12,
              "riverswim: always-left is worth 20 * 0.005 = 0.1");
    struct policy *opt = policy_from_spec(m, "optimal", NULL, &err);
    ok(opt->p[2 * 2 + 1] == 1.0, "riverswim: the optimal policy swims right in the middle");
    ok(mdp_eval_finite(m, opt->p, NULL, NULL, &err) > 0.1, "riverswim: optimal beats always-left");
    policy_free(opt);
    mdp_free(m);
    /* Start 1, gamma 0.9: step 0 moves to 0 with reward 0, then 0.005 for t = 1..19:
     * 0.005 * (0.9 - 0.9^20) / (1 - 0.9). */
    const char *kv[] = {"start=1"};
    m = env_build_named("riverswim", kv, 1, 0, 0.9, &err);
    is_double(mdp_eval_finite(m, left->p, NULL, NULL, &err),
              0.005 * (0.9 - pow(0.9, 20)) / 0.1, 1e-12,
              "riverswim start=1, gamma 0.9: always-left = 0.005 (0.9 - 0.9^20) / 0.1");
    mdp_free(m);
    policy_free(left);
    m = env_build_named("riverswim", NULL, 0, 0, 1.0, &err);
    const char *specs[] = {"optimal", "uniform", "softmax:0.5"};
    check_mc(m, "riverswim", specs, 3);
    mdp_free(m);
}

static void test_chain(void)
{
    struct ope_error err;
    struct mdp *m = env_build_named("chain", NULL, 0, 0, 1.0, &err);
    ok(m && m->n_states == 10 && m->n_actions == 2, "chain defaults: 10 states, 2 actions");
    /* The optimal policy opens the 9 locks in steps 0..8, reaching state 9 at t = 9, then
     * collects 1 at each of the steps 9..19: value 11. */
    struct policy *opt = policy_from_spec(m, "optimal", NULL, &err);
    is_double(mdp_eval_finite(m, opt->p, NULL, NULL, &err), 11.0, 1e-12,
              "chain n=10, H=20: optimal value 11");
    int resets = 1;
    for (int s = 0; s < 10; s++)
        for (int a = 0; a < 2; a++)
            if (opt->p[s * 2 + a] == 0.0 && P_(m, s, a, 0) != 1.0)
                resets = 0;
    ok(resets, "chain: every wrong action resets to state 0");
    policy_free(opt);
    const char *specs[] = {"optimal", "uniform", "eps:0.2"};
    check_mc(m, "chain", specs, 3);
    mdp_free(m);
}

static void test_gridworld(void)
{
    struct ope_error err;
    const char *kv[] = {"slip=0"};
    struct mdp *m = env_build_named("gridworld", kv, 1, 0, 1.0, &err);
    ok(m && m->n_states == 25 && m->n_actions == 4 && m->horizon == 30,
       "gridworld defaults: 5x5, 4 actions, H = 30");
    ok(m->terminal[4] && m->terminal[1] && m->terminal[3] && !m->terminal[0],
       "gridworld: goal (4,0) and pits (1..3,0) are terminal, the start is not");
    /* No slip: up, right x4 along row 1, down into the goal: 6 moves at -0.01 plus 1. */
    struct policy *opt = policy_from_spec(m, "optimal", NULL, &err);
    is_double(mdp_eval_finite(m, opt->p, NULL, NULL, &err), 1.0 - 6 * 0.01, 1e-12,
              "gridworld slip=0: optimal value 1 - 6 * 0.01 = 0.94");
    /* Right from the start falls into the pit at (1,0): -10 - 0.01, episode over. */
    struct policy *right = policy_new(25, 4, &err);
    for (int s = 0; s < 25; s++)
        right->p[s * 4 + 1] = 1.0;
    is_double(mdp_eval_finite(m, right->p, NULL, NULL, &err), -10.01, 1e-12,
              "gridworld: always-right falls into the first pit: -10.01");
    int st[30], ac[30];
    double rw[30];
    unsigned char dn[30];
    struct sampler *smp = sampler_new(m, right, &err);
    int len = sampler_episode(smp, 1, 0, st, ac, rw, dn);
    ok(len == 1 && dn[0] == 1 && rw[0] == -10.01, "gridworld: the sampled episode ends in the pit (done=1)");
    sampler_free(smp);
    policy_free(right);
    policy_free(opt);
    mdp_free(m);
    m = env_build_named("gridworld", NULL, 0, 0, 1.0, &err);
    const char *specs[] = {"optimal", "uniform", "eps:0.3"};
    check_mc(m, "gridworld", specs, 3);
    mdp_free(m);
}

static void test_dirichlet(void)
{
    struct ope_error err;
    const char *kv[] = {"states=8", "actions=3", "seed=5"};
    struct mdp *a = env_build_named("dirichlet", kv, 3, 10, 0.95, &err);
    struct mdp *b = env_build_named("dirichlet", kv, 3, 10, 0.95, &err);
    ok(memcmp(a->P, b->P, 8 * 3 * 8 * sizeof *a->P) == 0 && memcmp(a->R, b->R, 24 * sizeof *a->R) == 0,
       "dirichlet: the same seed gives the same MDP");
    const char *kv2[] = {"states=8", "actions=3", "seed=6"};
    struct mdp *c = env_build_named("dirichlet", kv2, 3, 10, 0.95, &err);
    ok(memcmp(a->P, c->P, 8 * 3 * 8 * sizeof *a->P) != 0, "dirichlet: another seed gives another MDP");
    mdp_free(b);
    mdp_free(c);
    const char *specs[] = {"optimal", "uniform", "mix:0.5:anti"};
    check_mc(a, "dirichlet", specs, 3);
    mdp_free(a);
    /* Reward noise N(0, 0.5^2) changes no value; the MC check must still pass. */
    const char *kv3[] = {"noise=0.5"};
    a = env_build_named("dirichlet", kv3, 1, 0, 1.0, &err);
    const char *spec1[] = {"softmax:0.1"};
    check_mc(a, "dirichlet noise=0.5", spec1, 1);
    mdp_free(a);
}

static void test_params(void)
{
    struct ope_error err;
    const char *bad1[] = {"n=1"}, *bad2[] = {"n=3.5"}, *bad3[] = {"colour=red"}, *bad4[] = {"n"},
               *bad5[] = {"n=4", "start=4"};
    ok(!env_build_named("riverswim", bad1, 1, 0, 1.0, &err), "riverswim n=1 is out of range");
    like(err.msg, "[2, 10000]", "... and the message gives the range");
    ok(!env_build_named("riverswim", bad2, 1, 0, 1.0, &err), "riverswim n=3.5 is not an integer");
    ok(!env_build_named("riverswim", bad3, 1, 0, 1.0, &err), "an unknown parameter is refused");
    like(err.msg, "no parameter 'colour'", "... naming it");
    ok(!env_build_named("riverswim", bad4, 1, 0, 1.0, &err), "a parameter without = is refused");
    ok(!env_build_named("riverswim", bad5, 2, 0, 1.0, &err), "riverswim start must be below n");
    ok(!env_build_named("nosuch", NULL, 0, 0, 1.0, &err), "an unknown environment is refused");
    int all = 1;
    for (size_t i = 0; env_registry[i]; i++) {
        double v[ENV_MAX_PARAMS];
        env_defaults(env_registry[i], v);
        struct mdp *m = env_build(env_registry[i], v, 0, 1.0, &err);
        if (!m || env_n_params(env_registry[i]) > ENV_MAX_PARAMS)
            all = 0;
        mdp_free(m);
    }
    ok(all, "every registered environment builds with its defaults");
}

/* sampler_run: same seed, same log (whatever the thread count); pscore = pi_b(a|s);
 * the candidate columns hold pi_k(.|s); the mean return equals the per-episode one. */
static void test_sampler_run(void)
{
    struct ope_error err;
    struct mdp *m = env_build_named("gridworld", NULL, 0, 0, 1.0, &err);
    struct policy *b = policy_from_spec(m, "eps:0.5", NULL, &err);
    struct policy *c = policy_from_spec(m, "optimal", NULL, &err);
    struct sampler *smp = sampler_new(m, b, &err);
    const struct policy *cands[] = {c};
    const char *names[] = {"opt"};
    struct tlog *t1 = sampler_run(smp, 10000, 9, cands, names, 1, 1, NULL, &err);
    struct tlog *t2 = sampler_run(smp, 10000, 9, cands, names, 1, 4, NULL, &err);
    ok(t1 && t2 && t1->n_steps == t2->n_steps
       && memcmp(t1->state, t2->state, t1->n_steps * sizeof(int)) == 0
       && memcmp(t1->reward, t2->reward, t1->n_steps * sizeof(double)) == 0,
       "sampler_run: 1 and 4 threads give the same log");
    int good = 1, ends = 1;
    for (size_t i = 0; i < t1->n_steps; i++) {
        int s = t1->state[i], a = t1->action[i];
        if (t1->pscore[i] != b->p[s * 4 + a] || t1->policy[0].prob[a][i] != c->p[s * 4 + a])
            good = 0;
    }
    for (size_t e = 0; e < t1->n_episodes; e++) {
        size_t last = t1->ep_start[e + 1] - 1;
        for (size_t i = t1->ep_start[e]; i < last; i++)
            if (t1->done[i])
                ends = 0;
        if (!t1->done[last] && t1->ep_start[e + 1] - t1->ep_start[e] != 30)
            ends = 0;
    }
    ok(good, "sampler_run: pscore and pi.opt.* are the policies' probabilities");
    ok(ends, "sampler_run: done only on the last step; episodes without it run all 30 steps");
    is_string(t1->policy[0].name, "opt", "sampler_run: the candidate keeps its name");
    double mean, se;
    mc_return(m, b, 10000, 9, &mean, &se);
    is_double(tlog_mean_return(t1, 1.0), mean, 1e-9, "sampler_run: same streams as sampler_episode");
    tlog_free(t1);
    tlog_free(t2);
    sampler_free(smp);
    policy_free(b);
    policy_free(c);
    mdp_free(m);
}

int main(void)
{
    plan(47);
    test_riverswim();
    test_chain();
    test_gridworld();
    test_dirichlet();
    test_params();
    test_sampler_run();
    return done_testing();
}
