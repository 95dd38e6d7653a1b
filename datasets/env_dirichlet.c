/* datasets/env_dirichlet.c: the random MDP of environments.md: transitions drawn
 * from Dirichlet(beta), expected rewards uniform on [0, 1], all from a seed, so the
 * same parameters always give the same MDP (independent of the sampling seed). */
#include "config.h"
#include "datasets/env.h"
#include "datasets/mdp.h"
#include "ope/base/rng.h"

#include <math.h>
#include <stdlib.h>
#include <gsl/gsl_randist.h>

static const struct env_param params[] = {
    {"states", 10, 1, 2000, 1, "number of states S"},
    {"actions", 3, 1, 64, 1, "number of actions A"},
    {"beta", 1.0, 1e-3, 1e6, 0, "Dirichlet concentration of each P(.|s,a)"},
    {"seed", 1, 0, 4294967295.0, 1, "seed of the MDP itself (not of the log)"},
    {"noise", 0.0, 0, 1e6, 0, "standard deviation of Gaussian noise on sampled rewards"},
    {NULL, 0, 0, 0, 0, NULL}
};

/* P(.|s,a) ~ Dirichlet(beta, ..., beta), R(s,a) ~ U(0,1), in (s, a) order from one
 * stream; uniform initial distribution. Small beta can make gsl_ran_dirichlet return
 * all-zero underflowed rows: those fall back to a point mass drawn uniformly. */
static struct mdp *build(const double *v, struct ope_error *err)
{
    int S = (int)v[0], A = (int)v[1];
    struct mdp *m = mdp_new(S, A, err);
    double *alpha = m ? ope_malloc((size_t)S * sizeof *alpha, err) : NULL;
    gsl_rng *g = alpha ? ope_gsl_rng_new((uint64_t)v[3], OPE_RNG_ENV, 1) : NULL;
    if (!g) {
        if (alpha)
            ope_fail_oom(err);
        free(alpha);
        mdp_free(m);
        return NULL;
    }
    for (int s = 0; s < S; s++)
        alpha[s] = v[2];
    for (size_t sa = 0; sa < (size_t)S * (size_t)A; sa++) {
        double *row = m->P + sa * (size_t)S, sum = 0.0;
        gsl_ran_dirichlet(g, (size_t)S, alpha, row);
        for (int t = 0; t < S; t++)
            sum += row[t];
        if (!(sum > 0.0)) {
            for (int t = 0; t < S; t++)
                row[t] = 0.0;
            row[gsl_rng_uniform_int(g, (unsigned long)S)] = 1.0;
        } else
            for (int t = 0; t < S; t++)
                row[t] /= sum;
        m->R[sa] = gsl_rng_uniform(g);
    }
    for (int s = 0; s < S; s++)
        m->mu0[s] = 1.0 / S;
    m->reward_sd = v[4];
    gsl_rng_free(g);
    free(alpha);
    return m;
}

/* Expected rewards are drawn from U(0, 1); Gaussian noise makes the return unbounded. */
static void return_range(const double *v, int horizon, double *lo, double *hi)
{
    *lo = v[4] > 0.0 ? -INFINITY : 0.0;
    *hi = v[4] > 0.0 ? INFINITY : (double)horizon;
}

static void shape(const double *v, int *S, int *A, int *rsas)
{
    *S = (int)v[0];
    *A = (int)v[1];
    *rsas = 0;
}

const struct env_desc env_dirichlet = {
    "dirichlet", "Random MDP (Dirichlet transitions, uniform rewards)",
    "states x actions; each P(.|s,a) drawn from Dirichlet(beta), each expected reward\n"
    "R(s,a) from U(0,1), all from `seed`; uniform start. Sampled rewards are R(s,a)\n"
    "plus N(0, noise^2). Memory: the dense P(s'|s,a) takes states*states*actions*8\n"
    "bytes (2.05 GB at 2000 x 64), within the 8 GiB limit.",
    20, params, build, return_range, shape
};
