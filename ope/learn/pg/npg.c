/* ope/learn/pg/npg.c: the natural policy gradient (Kakade, NIPS 2001): theta <- theta + eta w
 * with w = F^{-1} g, which for a softmax policy is the least-squares fit of the
 * advantage on the score features (compatible function approximation). Exact mode:
 * g and F by dynamic programming (no samples; Agarwal et al., JMLR 2021, analyse
 * this exact NPG). Sampled mode: both from the same batch of episodes, F the
 * empirical score outer product (1/n) sum gamma^t psi psi^T. */
#include "config.h"
#include "ope/learn/pg/pg.h"
#include "datasets/mdp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int npg_run(const struct pg_problem *pb, uint64_t seed, double *theta,
                   struct pg_record *rec, struct ope_error *err)
{
    const struct mdp *m = pb->m;
    const struct pg_params *p = pb->p;
    size_t d = pb->pol->dim, S = (size_t)m->n_states, A = (size_t)m->n_actions;
    int exact = p->exact, N = exact ? 0 : pg_batch_size(&pg_npg, p);
    double eta = pg_step(&pg_npg, p);
    struct pg_batch b;
    memset(&b, 0, sizeof b);
    if (!exact && pg_batch_init(&b, N, m->horizon, err) < 0)
        return -1;
    double *pi = ope_malloc(S * A * sizeof *pi, err);
    double *g = pi ? ope_malloc(d * sizeof *g, err) : NULL;
    double *w = g ? ope_malloc(d * sizeof *w, err) : NULL;
    double *F = w ? ope_malloc(d * d * sizeof *F, err) : NULL;
    double *base = F ? ope_calloc((size_t)m->horizon * S, sizeof *base, err) : NULL;
    int rc = base ? 0 : -1;
    struct ope_rng r;
    ope_rng_init(&r, seed, OPE_RNG_TRAIN, 0x5047);
    memset(theta, 0, d * sizeof *theta);
    double steps = 0.0;
    if (rc == 0)
        rc = pg_record_at(pb, theta, &rec[0], 0.0, 0.0, err);
    for (long k = 1; rc == 0 && k <= p->iterations; k++) {
        if ((rc = pg_check_cancel(pb, err)) < 0)
            break;
        if (exact) {
            if (isnan(pg_exact(m, pb->pol, theta, g, F, err))) {
                rc = -1;
                break;
            }
        } else {
            pg_probs_all(pb->pol, theta, pi);
            pg_sample(m, pi, &r, &b);
            steps += pg_batch_steps(&b);
            pg_grad_estimate(pb->pol, pi, &b, m->gamma, p->use_baseline ? base : NULL,
                             (int)S, g, F);
            if (p->use_baseline)
                pg_baseline_update(base, (int)S, &b, p->baseline_rate);
        }
        if ((rc = pg_solve_damped(F, g, d, pg_fisher_block(pb->pol), p->damping, w, err)) < 0)
            break;
        for (size_t i = 0; i < d; i++)
            theta[i] += eta * w[i];
        rc = pg_record_at(pb, theta, &rec[k], pg_norm(g, d), steps, err);
    }
    free(pi);
    free(g);
    free(w);
    free(F);
    free(base);
    pg_batch_release(&b);
    return rc;
}

/* eta = 0.1 with 10 episodes: w is on the scale of the advantage (up to ~H r_max),
 * so eta w moves a logit by a few tenths per step. RiverSwim, 32 seeds, 2000
 * episodes: mean 98.2% of V*, none below 90% (eta = 0.2: 99.2%, one seed below).
 * Exact mode tolerates much larger steps (eta = 1: 100% in 50 iterations). */
const struct pg_algo pg_npg = {
    "npg", "natural policy gradient, F^{-1} g with sampled (or --fisher exact) Fisher",
    "Kakade, NIPS 2001; Agarwal, Kakade, Lee & Mahajan, JMLR 2021",
    0.1, 10, 0, npg_run
};
