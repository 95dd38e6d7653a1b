/* datasets/env_riverswim.c: RiverSwim (Strehl & Littman 2008) in the [0, 1]-reward
 * form of Osband et al. 2013, as environments.md fixes it: a chain of n states,
 * action 0 = left (swim with the current), action 1 = right (against it). */
#include "config.h"
#include "datasets/env.h"
#include "datasets/mdp.h"

#include <math.h>

static const struct env_param params[] = {
    {"n", 6, 2, 10000, 1, "number of states in the chain"},
    {"start", 0, 0, 9999, 1, "start state (0 or 1 in the literature; must be < n)"},
    {"r_left", 0.005, -1e6, 1e6, 0, "reward for left in the leftmost state"},
    {"r_right", 1.0, -1e6, 1e6, 0, "reward for right in the rightmost state"},
    {NULL, 0, 0, 0, 0, NULL}
};

/* Right: at an interior state move right 0.35, stay 0.6, left 0.05; at the left end
 * right 0.6, stay 0.4; at the right end stay 0.6, left 0.4. Left always moves one
 * state left (stays at 0). Rewards depend on (s, a) only. */
static struct mdp *build(const double *v, struct ope_error *err)
{
    int n = (int)v[0], start = (int)v[1];
    if (start >= n) {
        ope_fail(err, OPE_EUSAGE, "riverswim: start=%d must be below n=%d", start, n);
        return NULL;
    }
    struct mdp *m = mdp_new(n, 2, err);
    static const char *const names[] = {"left", "right"};
    if (!m || mdp_set_action_names(m, names, err) < 0) {
        mdp_free(m);
        return NULL;
    }
    size_t S = (size_t)n;
#define P_(s, a, t) m->P[((size_t)(s) * 2 + (a)) * S + (size_t)(t)]
    for (int s = 0; s < n; s++) {
        P_(s, 0, s > 0 ? s - 1 : 0) = 1.0;
        if (s == 0) {
            P_(s, 1, 1) = 0.6;
            P_(s, 1, 0) = 0.4;
        } else if (s == n - 1) {
            P_(s, 1, s) = 0.6;
            P_(s, 1, s - 1) = 0.4;
        } else {
            P_(s, 1, s + 1) = 0.35;
            P_(s, 1, s) = 0.6;
            P_(s, 1, s - 1) = 0.05;
        }
    }
#undef P_
    m->R[0 * 2 + 0] = v[2];
    m->R[(S - 1) * 2 + 1] = v[3];
    m->mu0[start] = 1.0;
    return m;
}

/* Right moves at most one state a step, so r_right cannot be paid in the first
 * d = n-1-start steps; every other step pays r_left, r_right or 0. */
static void return_range(const double *v, int horizon, double *lo, double *hi)
{
    double d = fmax(0.0, fmin(v[0] - 1.0 - v[1], (double)horizon));
    double rest = (double)horizon - d;
    *lo = d * fmin(v[2], 0.0) + rest * fmin(fmin(v[2], v[3]), 0.0);
    *hi = d * fmax(v[2], 0.0) + rest * fmax(fmax(v[2], v[3]), 0.0);
}

static void shape(const double *v, int *S, int *A, int *rsas)
{
    *S = (int)v[0];
    *A = 2;
    *rsas = 0;
}

const struct env_desc env_riverswim = {
    "riverswim", "RiverSwim (Strehl & Littman 2008; Osband et al. 2013 rewards)",
    "A chain of n states; actions left (0) and right (1). Left moves one state left\n"
    "(stays at 0). Right: interior right 0.35 / stay 0.6 / left 0.05; left end right 0.6 /\n"
    "stay 0.4; right end stay 0.6 / left 0.4. Reward r_left for left in state 0, r_right\n"
    "for right in state n-1. Starts in state `start`. Memory: 2*n*n*8 bytes for the\n"
    "dense P(s'|s,a) (1.6 GB at n=10000), within the 8 GiB limit.",
    20, params, build, return_range, shape
};
