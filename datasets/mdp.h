/* datasets/mdp.h: finite tabular MDPs and their exact solvers. An MDP has S states,
 * A actions, transitions P(s'|s,a), expected rewards R(s,a) (optionally realised
 * rewards r(s,a,s') and Gaussian reward noise), an initial distribution, a horizon H
 * and a discount gamma. Policies are stationary S x A stochastic matrices.
 *
 * "The value" of a policy, everywhere in ope (environments.md, estimators.md):
 *     V^pi = E[ sum_{t=0}^{H-1} gamma^t r_t ],  s_0 ~ mu0,
 * the finite-horizon discounted return of an episode of at most H steps; it is what
 * `ope gen mdp` writes to the truth file and what the on-policy mean return of a log
 * estimates. mdp_eval_discounted gives the infinite-horizon value (gamma < 1), the
 * limit of the former as H grows. Terminal states are absorbing with zero reward; an
 * episode stops when it enters one (done = 1), which changes no value. */
#ifndef DATASETS_MDP_H
#define DATASETS_MDP_H

#include <stddef.h>
#include "ope/base/error.h"

struct mdp {
    int n_states;               /* S */
    int n_actions;              /* A */
    double *P;                  /* [S*A*S]: P[(s*A + a)*S + s'] */
    double *R;                  /* [S*A]: expected reward R(s,a) */
    double *Rsas;               /* [S*A*S] realised reward r(s,a,s'), or NULL (then R) */
    double reward_sd;           /* Gaussian noise added to every sampled reward (0: none) */
    unsigned char *terminal;    /* [S]: 1 for absorbing terminal states */
    double *mu0;                /* [S]: initial state distribution */
    int horizon;                /* H >= 1 */
    double gamma;               /* in [0, 1] */
    char **action_name;         /* [A] short names ("left"), or NULL */
};

/* The most memory the dense tables of one MDP may take: P(s'|s,a), S*A*S doubles, and
 * r(s,a,s') as much again when an environment has it. Every exact solver and learner
 * of ope walks these tables whole (value iteration is S*A*S work per step), so an MDP
 * past a few GiB is beyond what ope can solve anyway; the limit is checked before
 * anything is allocated, so a too-big MDP is a clear usage error, not an
 * out-of-memory failure half-way. 8 GiB admits every environment at its largest but
 * a chain with n = 10000 and more than 10 actions (environments.md). */
#define MDP_MAX_TABLE_BYTES ((double)(8ULL << 30))

/* Bytes of the dense tables of an MDP with S states and A actions (with_rsas: also
 * r(s,a,s')), as a double so that no product overflows. */
double mdp_table_bytes(int n_states, int n_actions, int with_rsas);

/* Refuse (OPE_EUSAGE, returns -1) an MDP whose tables exceed MDP_MAX_TABLE_BYTES,
 * with a message naming S, A, the bytes needed and the limit; 0 when it fits. */
int mdp_check_size(int n_states, int n_actions, int with_rsas, struct ope_error *err);

/* Human-readable bytes: "51.2 GB" (powers of 1000) into buf. */
const char *mdp_bytes_text(double bytes, char *buf, size_t size);

/* A zeroed MDP with S states and A actions (P, R, terminal, mu0 allocated; Rsas not),
 * horizon 1 and gamma 1. Refuses tables past MDP_MAX_TABLE_BYTES (mdp_check_size). */
struct mdp *mdp_new(int n_states, int n_actions, struct ope_error *err);

/* Allocate the optional r(s,a,s') table (zeroed; mdp_check_size with it first). */
int mdp_alloc_rsas(struct mdp *m, struct ope_error *err);

/* Set the action names (copied; n = A). */
int mdp_set_action_names(struct mdp *m, const char *const *names, struct ope_error *err);

/* Free m and everything it owns (NULL is a no-op). */
void mdp_free(struct mdp *m);

/* Finish building: when Rsas is set, recompute R(s,a) = sum_s' P r(s,a,s'); make
 * terminal states absorbing with zero reward; then check every row of P and mu0 sums
 * to 1 (1e-9), probabilities are in [0, 1], rewards finite, mu0 has no mass on
 * terminal states, H >= 1 and gamma in [0, 1]. */
int mdp_finalize(struct mdp *m, struct ope_error *err);

/* The Bellman backup, the one copy every exact dynamic programme in ope uses (the
 * solvers below, CE-VI's empirical MDP, the exact policy gradient): for every pair
 *     Q(s,a) = R(s,a) + gamma sum_s' P(s'|s,a) V(s'),
 * with P dense, P[(s*A + a)*S + s'], R and Q [S*A], V [S]. The sum runs over s' in
 * order from 0, in plain double arithmetic, so every caller rounds alike. */
void mdp_backup(int n_states, int n_actions, const double *P, const double *R, double gamma,
                const double *V, double *Q);

/* V(s) from Q [S*A]: sum_a pi(a|s) Q(s,a) (a in order from 0) under pi [S*A], or
 * max_a Q(s,a) when pi is NULL. */
void mdp_v_from_q(int n_states, int n_actions, const double *pi, const double *Q, double *V);

/* sum_s mu0(s) V(s), compensated: the value of the initial distribution. */
double mdp_start_value(const struct mdp *m, const double *V);

/* Finite-horizon evaluation by backward induction with the MDP's H and gamma:
 * Q_t(s,a) = R(s,a) + gamma sum_s' P(s'|s,a) V_{t+1}(s'), V_H = 0,
 * V_t(s) = sum_a pi(a|s) Q_t(s,a). pi is [S*A]. V0 (size S) and Q0 (size S*A) receive
 * V_0 and Q_0 when not NULL. Returns sum_s mu0(s) V_0(s), or NaN (err set) on OOM. */
double mdp_eval_finite(const struct mdp *m, const double *pi, double *V0, double *Q0,
                       struct ope_error *err);

/* Discounted infinite-horizon evaluation (needs gamma < 1): solves
 * (I - gamma P_pi) V = r_pi with GSL's LU decomposition. V (size S) receives V when
 * not NULL. Returns sum_s mu0(s) V(s), or NaN with err set. */
double mdp_eval_discounted(const struct mdp *m, const double *pi, double *V,
                           struct ope_error *err);

/* Optimal finite-horizon values by backward induction (value iteration over H
 * steps): fills Vstar[S] with V*_0 and Qstar[S*A] with Q*_0 (either may be NULL).
 * Returns sum_s mu0(s) V*_0(s), an upper bound on every policy's finite value. */
double mdp_optimal_finite(const struct mdp *m, double *Vstar, double *Qstar,
                          struct ope_error *err);

/* Optimal discounted values (gamma < 1) by value iteration to sup-norm change below
 * tol (the fixed point is within tol * gamma / (1 - gamma) of the result). */
double mdp_optimal_discounted(const struct mdp *m, double tol, double *Vstar, double *Qstar,
                              struct ope_error *err);

/* The Q* used to define the optimal, softmax and epsilon-greedy policies: Q*_0 of the
 * finite-horizon problem (the H-step lookahead), which is what the value definition
 * above rewards. Fills Qstar[S*A]. */
int mdp_qstar(const struct mdp *m, double *Qstar, struct ope_error *err);

#endif
