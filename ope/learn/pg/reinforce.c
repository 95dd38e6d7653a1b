/* ope/learn/pg/reinforce.c: REINFORCE with a baseline (Williams 1992), in its GPOMDP form
 * (Baxter & Bartlett 2001: each score weighted by the reward-to-go), plain gradient
 * ascent theta <- theta + alpha g with a constant step. With --exact, g is the exact
 * gradient (exact policy-gradient ascent, no samples). */
#include "config.h"
#include "ope/learn/pg/pg.h"
#include "datasets/mdp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int reinforce_run(const struct pg_problem *pb, uint64_t seed, double *theta,
                         struct pg_record *rec, struct ope_error *err)
{
    const struct mdp *m = pb->m;
    const struct pg_params *p = pb->p;
    size_t d = pb->pol->dim, S = (size_t)m->n_states, A = (size_t)m->n_actions;
    int N = p->exact ? 0 : pg_batch_size(&pg_reinforce, p);
    double alpha = pg_step(&pg_reinforce, p);
    struct pg_batch b;
    memset(&b, 0, sizeof b);
    if (N > 0 && pg_batch_init(&b, N, m->horizon, err) < 0)
        return -1;
    double *pi = ope_malloc(S * A * sizeof *pi, err);
    double *g = pi ? ope_malloc(d * sizeof *g, err) : NULL;
    double *base = g ? ope_calloc((size_t)m->horizon * S, sizeof *base, err) : NULL;
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
        if (p->exact) {
            if (isnan(pg_exact(m, pb->pol, theta, g, NULL, err))) {
                rc = -1;
                break;
            }
        } else {
            pg_probs_all(pb->pol, theta, pi);
            pg_sample(m, pi, &r, &b);
            steps += pg_batch_steps(&b);
            /* The baseline is updated only after the estimate: it never sees its own
             * batch, so E[g] is the exact gradient. */
            pg_grad_estimate(pb->pol, pi, &b, m->gamma, p->use_baseline ? base : NULL,
                             (int)S, g, NULL);
            if (p->use_baseline)
                pg_baseline_update(base, (int)S, &b, p->baseline_rate);
        }
        for (size_t i = 0; i < d; i++)
            theta[i] += alpha * g[i];
        rc = pg_record_at(pb, theta, &rec[k], pg_norm(g, d), steps, err);
    }
    free(pi);
    free(g);
    free(base);
    pg_batch_release(&b);
    return rc;
}

/* alpha = 0.5 with 20 episodes per step, chosen on RiverSwim (H = 20, rewards in
 * [0, 1]) over 32 seeds at 5000 episodes: mean 99.0% of V*, none below 90%. With 10
 * episodes (alpha 0.3 / 1) 1 and 2 seeds of 8 stayed at the small left reward: a batch
 * that never reaches the right end pushes towards "left" (t/1320). */
const struct pg_algo pg_reinforce = {
    "reinforce", "REINFORCE / GPOMDP with a moving-average baseline, gradient ascent",
    "Williams, Machine Learning 1992; Baxter & Bartlett, JAIR 2001",
    0.5, 20, 0, reinforce_run
};
