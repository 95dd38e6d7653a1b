/* t/1330-hnpg.c: HNPG's offline data on the hard-exploration chain (combination lock,
 * n = 8 states, 4 actions, H = 20: V* = 13, one right action per state, a wrong one
 * resets to the start; the uniform policy opens the lock with probability 4^-7 per
 * attempt, so on-policy sampling never sees the reward). Offline episodes from a
 * behaviour that often knows the way let the critic's Bellman loss carry the reward
 * back along the chain, and the actor learns the right action at the offline states.
 * 8 seeds, 50 iterations x 10 on-policy episodes; the offline logs are sampled with
 * fixed seeds. */
#include "config.h"
#include "t/tap.h"
#include "ope/learn/pg/pg.h"
#include "datasets/env.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "datasets/sampler.h"
#include "datasets/tlog.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static struct ope_error err;

enum { SEEDS = 8, ITERS = 50 };

static struct tlog *offline_log(const struct mdp *m, const char *behavior, size_t episodes)
{
    struct policy *b = policy_from_spec(m, behavior, NULL, &err);
    struct sampler *smp = b ? sampler_new(m, b, &err) : NULL;
    struct tlog *t = smp ? sampler_run(smp, episodes, 1330, NULL, NULL, 0, 1, NULL, &err) : NULL;
    if (!t)
        bail_out("offline data: %s", err.msg);
    sampler_free(smp);
    policy_free(b);
    return t;
}

/* Smallest and largest final exact value over the seeds. */
static void run(const struct mdp *m, const char *algo, const struct tlog *off, double *mn,
                double *mx)
{
    struct pg_policy pol;
    struct pg_params p;
    struct pg_result res;
    if (pg_policy_init(&pol, PG_TABULAR, m->n_states, m->n_actions, 0, &err) < 0)
        bail_out("policy: %s", err.msg);
    pg_params_init(&p);
    p.iterations = ITERS;
    p.offline = off;
    struct pg_problem pb = { m, &pol, &p, NULL };
    if (pg_run_many(&pb, pg_find(algo), 1, SEEDS, 0, &res, &err) < 0)
        bail_out("%s: %s", algo, err.msg);
    *mn = INFINITY;
    *mx = -INFINITY;
    for (int r = 0; r < SEEDS; r++) {
        double v = res.rec[(size_t)r * (ITERS + 1) + ITERS].value;
        *mn = fmin(*mn, v);
        *mx = fmax(*mx, v);
    }
    pg_result_release(&res);
    pg_policy_release(&pol);
}

int main(void)
{
    plan(7);
    const char *kv[] = { "n=8", "actions=4" };
    struct mdp *m = env_build_named("chain", kv, 2, 0, 1.0, &err);
    if (!m)
        bail_out("chain: %s", err.msg);
    double vstar = mdp_optimal_finite(m, NULL, NULL, &err), mn, mx;
    /* 7 moves to the last state, then 13 rewarded presses: V* = 13. */
    is_double(vstar, 13.0, 1e-12, "the hard chain: V* = 20 - 7 = 13");

    struct tlog *mixed = offline_log(m, "mix:0.5", 100);
    struct tlog *expert = offline_log(m, "optimal", 10);
    struct tlog *randm = offline_log(m, "uniform", 100);
    diag("offline mean returns: mix:0.5 %.2f, optimal %.2f, uniform %.4f",
         tlog_mean_return(mixed, 1.0), tlog_mean_return(expert, 1.0),
         tlog_mean_return(randm, 1.0));

    run(m, "hnpg", NULL, &mn, &mx);
    diag("HNPG without offline data: best seed %.4f", mx);
    ok(mx < 0.01 * vstar, "HNPG without offline data stays below 1%% of V* on every seed");
    run(m, "npg", NULL, &mn, &mx);
    ok(mx < 0.01 * vstar, "NPG alone: below 1%% of V* on every seed (best %.4f)", mx);

    run(m, "hnpg", mixed, &mn, &mx);
    diag("HNPG + 100 mix:0.5 episodes: worst seed %.4f (%.1f%%)", mn, 100 * mn / vstar);
    ok(mn >= 0.9 * vstar, "HNPG with mixed-quality offline data (100 episodes, 50%% optimal) "
       "reaches 90%% of V* on every seed");
    run(m, "hnpg", expert, &mn, &mx);
    ok(mn >= 0.9 * vstar, "HNPG with 10 expert episodes reaches 90%% of V* on every seed "
       "(worst %.1f%%)", 100 * mn / vstar);
    run(m, "hnpg", randm, &mn, &mx);
    ok(mx < 0.01 * vstar, "offline data that never opens the lock (uniform) does not help "
       "(best %.4f)", mx);

    /* A log from a bigger chain does not fit this environment: a data error. */
    const char *kv10[] = { "n=10", "actions=4" };
    struct mdp *m10 = env_build_named("chain", kv10, 2, 0, 1.0, &err);
    struct tlog *big = m10 ? offline_log(m10, "optimal", 2) : NULL;
    struct ope_error e2 = { 0 };
    int rc = big ? pg_offline_check(big, m, &e2) : 0;
    ok(rc == -1 && e2.status == OPE_EDATA, "offline data with states outside the environment: "
       "data error (%s)", e2.msg);

    tlog_free(big);
    mdp_free(m10);
    tlog_free(mixed);
    tlog_free(expert);
    tlog_free(randm);
    mdp_free(m);
    return done_testing();
}
