/* ope/learn/pg/props_impl.h: internals shared by props.c and props_train.c (not a public
 * API): the behaviour-policy fit, row softmax and a one-step environment driver whose
 * behaviour policy may change between any two steps (the episode sampler of
 * datasets/sampler.h fixes its policy for a whole run). */
#ifndef OPE_PG_PROPS_IMPL_H
#define OPE_PG_PROPS_IMPL_H

#include "ope/base/error.h"
#include "ope/base/rng.h"

struct mdp;
struct props_opts;

/* Scratch of the behaviour update: the gradient and a trial step's logits and
 * probabilities, [S*A] each. */
struct props_ws {
    int S, A;
    double *g, *phi2, *q2;
};

int props_ws_init(struct props_ws *w, int S, int A, struct ope_error *err);
void props_ws_release(struct props_ws *w);

/* p[s*A + a] = softmax(logit[s*A + .])[a], row by row, computed stably. */
void props_softmax_rows(int n_states, int n_actions, const double *logit, double *p);

/* The behaviour objective of the PROPS update, summed over the buffer (N times the
 * paper's mean; same minimiser):
 *     sum_{s,a} n_sa max(r_sa, clip(r_sa, 1 - eps, 1 + eps))
 *       + lambda sum_s n_s KL(p(.|s) || q(.|s)),     r_sa = q(a|s) / p(a|s),
 * for behaviour probabilities q = softmax(phi) and target p, counts n[S*A]. When grad is
 * not NULL it receives the gradient with respect to the logits phi: with
 * w_a = n_sa r_a where r_a >= 1 - eps (the max is r or its upper clip, both with
 * derivative r' there) and 0 below (the max is the constant 1 - eps), and
 * d r_a / d phi_b = r_a (1[a = b] - q_b),
 *     grad_sb = w_b - q_b sum_a w_a + lambda n_s (q_b - p_b).  */
double props_behaviour_loss(int S, int A, const double *n, const double *p,
                            const double *q, const struct props_opts *o, double *grad);

/* The PROPS update (Algorithm 2 of the paper): reset phi to theta, then minimise the
 * clipped objective with the KL penalty on the buffer's action counts n[S*A] by
 * gradient descent for o->props_epochs steps, stopping at the step that would take the
 * buffer KL(pi_theta || pi_phi) past o->target_kl, cut back to land on it. p =
 * softmax(theta); phi and q receive the behaviour's logits and probabilities. Returns
 * the final buffer KL(pi_theta || pi_phi), <= o->target_kl. */
double props_fit_behaviour(struct props_ws *w, const double *theta, const double *p,
                           const double *n, const struct props_opts *o, double *phi,
                           double *q);

/* An MDP being stepped: current state s, time t, and the random stream. */
struct props_env {
    const struct mdp *m;
    struct ope_rng rng;
    int s, t;
};

/* Start an episode: s ~ mu0, t = 0. */
void props_env_reset(struct props_env *e);

/* Take a ~ pi_row in the current state; *a_out, *r_out receive the action and the
 * realised reward. Returns 1 when the episode is over (H steps, or a terminal state was
 * entered), 0 otherwise. */
int props_env_step(struct props_env *e, const double *pi_row, int *a_out, double *r_out);

#endif
