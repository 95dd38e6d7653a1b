/* datasets/env_chain.c: the chain / "combination lock" of environments.md: n states
 * in a row; in each state one secret action advances, every other action resets to
 * state 0; the reward waits at the end. Hard to explore by chance. */
#include "config.h"
#include "datasets/env.h"
#include "datasets/mdp.h"
#include "ope/base/rng.h"

#include <math.h>

static const struct env_param params[] = {
    {"n", 10, 2, 10000, 1, "number of states"},
    {"actions", 2, 2, 64, 1, "number of actions"},
    {"seed", 1, 0, 4294967295.0, 1, "which action opens each state (0: always action 0)"},
    {"reward", 1.0, -1e6, 1e6, 0, "reward for the right action in the last state"},
    {NULL, 0, 0, 0, 0, NULL}
};

/* The right action of state s: action 0 for seed 0, else a hash of (seed, s). */
static int right_action(uint64_t seed, int s, int A)
{
    if (seed == 0)
        return 0;
    return (int)(ope_rng_at(ope_rng_key(seed, OPE_RNG_ENV, 2), (uint64_t)s, 0) % (uint64_t)A);
}

/* Deterministic: right action at s < n-1 moves to s+1 (reward 0); at n-1 it stays
 * there with `reward` (the lock is open: every further correct press pays); a wrong
 * action anywhere resets to 0 with reward 0. Start in state 0. */
static struct mdp *build(const double *v, struct ope_error *err)
{
    int n = (int)v[0], A = (int)v[1];
    uint64_t seed = (uint64_t)v[2];
    struct mdp *m = mdp_new(n, A, err);
    if (!m)
        return NULL;
    size_t S = (size_t)n;
    for (int s = 0; s < n; s++) {
        int good = right_action(seed, s, A);
        for (int a = 0; a < A; a++) {
            size_t sa = (size_t)s * A + a;
            if (a == good) {
                m->P[sa * S + (size_t)(s < n - 1 ? s + 1 : s)] = 1.0;
                if (s == n - 1)
                    m->R[sa] = v[3];
            } else
                m->P[sa * S + 0] = 1.0;
        }
    }
    m->mu0[0] = 1.0;
    return m;
}

/* From state 0, one state a step: the last state, the only one that pays, is reached
 * after n-1 steps at the earliest, leaving at most H-n+1 paying steps. */
static void return_range(const double *v, int horizon, double *lo, double *hi)
{
    double paying = fmax(0.0, (double)horizon - (v[0] - 1.0));
    *lo = paying * fmin(v[3], 0.0);
    *hi = paying * fmax(v[3], 0.0);
}

static void shape(const double *v, int *S, int *A, int *rsas)
{
    *S = (int)v[0];
    *A = (int)v[1];
    *rsas = 0;
}

const struct env_desc env_chain = {
    "chain", "Chain / combination lock",
    "n states in a row, `actions` actions. In each state one action (chosen by `seed`)\n"
    "advances to the next state, all others reset to state 0. In the last state the\n"
    "right action pays `reward` and stays. Deterministic; starts in state 0.\n"
    "Memory: the dense P(s'|s,a) takes n*n*actions*8 bytes, at most 8 GiB\n"
    "(n*n*actions <= 2^30: at n=10000 at most 10 actions, at n=4096 all 64).",
    20, params, build, return_range, shape
};
