/* ope/learn/explore/ucbvi.h: the UCBVI machinery shared by every exploration algorithm
 * (exploration.md): visit counts and the empirical model of a stationary tabular MDP,
 * Hoeffding / Bernstein exploration bonuses, optimistic planning (the greedy policy
 * pi-bar_k), and optimistic / pessimistic / exact evaluation of the step-wise mixture
 * rho pi-bar + (1 - rho) pi^b by backward induction. Planning is allocation-free. */
#ifndef OPE_EXPLORE_UCBVI_H
#define OPE_EXPLORE_UCBVI_H

#include <stddef.h>
#include "ope/base/error.h"

struct mdp;

enum xpl_bonus_kind { XPL_HOEFFDING = 0, XPL_BERNSTEIN = 1 };

/* The exploration bonus b(s,a) added (optimism) or subtracted (pessimism) at every
 * step h of the backward induction. With N = N(s,a) visits so far, L the log term and
 * G_h = min(G, H - h) the range of the value to come from step h (rewards lie in
 * [0, 1], so r + V_{h+1}(s') lies in [0, G_h]; G bounds a whole episode's return):
 *   Hoeffding: b = c G_h sqrt(L / N)                (exploration.md; UCBVI-CH of
 *              Azar et al. 2017 with its range H, whose Alg. 3 theory constant is c = 7)
 *   Bernstein: b = c (sqrt(2 L var / N) + 7 G_h L / (3 max(N - 1, 1)))  (empirical
 *              Bernstein, Maurer & Pontil 2009 Thm 4, range G_h), where var bounds the
 *              empirical variance of r + V_{h+1}(s'): (sd_r + sd_V)^2.
 * Optimistic values are capped at G_h, pessimistic ones clipped at 0. Pairs never
 * visited get the trivial bounds: Q-bar = G_h, Q-underbar = 0. */
struct xpl_bonus {
    enum xpl_bonus_kind kind;
    double c;           /* multiplier (see above) */
    double L;           /* log term, default log(5 S A H K / delta) (exploration.md) */
    double range;       /* G: every episode's return lies in [0, G], known a priori (the
                         * environment's return_range, env.h); 0 or >= H: H, the bound
                         * rewards in [0, 1] give by themselves */
};

/* The default log term L = log(5 S A H K / delta). */
double xpl_log_term(int S, int A, int H, long K, double delta);

/* The default range G of struct xpl_bonus for built-in environment env with the n_kv
 * "key=value" parameters kv (applied in order) and horizon H: the upper end of its
 * return_range (env.h), at most H; H when the environment gives none or a parameter
 * does not apply. */
double xpl_return_bound(const char *env, const char *const *kv, size_t n_kv, int H);

/* What the learner knows and has seen: sizes, the horizon, the initial distribution
 * and terminal flags (known structure), and counts. Transitions and rewards are
 * learned: P-hat(s'|s,a) = N(s,a,s') / N(s,a), R-hat = mean observed reward. */
struct xpl_model {
    int S, A, H;
    double *N;          /* [S*A] visits */
    double *Nsas;       /* [S*A*S] transition counts */
    double *Rsum;       /* [S*A] sum of observed rewards */
    double *Rsq;        /* [S*A] sum of squared rewards */
    double *Phat;       /* [S*A*S] empirical transitions (xpl_model_refresh) */
    double *Rhat;       /* [S*A] empirical mean rewards */
    double *Rvar;       /* [S*A] empirical reward variances */
    int *succ;          /* [S*A*S]: the next states seen from each pair, ascending: the
                         * backups sum over these only (P-hat is sparse in most
                         * environments; the skipped terms are exact zeros) */
    int *n_succ;        /* [S*A] how many */
    const double *mu0;  /* [S] initial distribution (borrowed) */
    const unsigned char *terminal; /* [S] or NULL (borrowed) */
    double *work;       /* [4*S]: backward-induction scratch */
};

/* A model with zero counts for m's sizes and horizon (m must outlive it). */
struct xpl_model *xpl_model_new(const struct mdp *m, struct ope_error *err);
/* Free (NULL is a no-op). */
void xpl_model_free(struct xpl_model *x);
/* Forget every count. */
void xpl_model_clear(struct xpl_model *x);
/* Record one transition (s, a, r, s'). */
void xpl_model_observe(struct xpl_model *x, int s, int a, double r, int s2);
/* Recompute P-hat, R-hat and the reward variances from the counts (once per
 * episode, before planning). */
void xpl_model_refresh(struct xpl_model *x);

/* Optimistic planning: Q-bar_h(s,a) = min(G_h, R-hat + P-hat V-bar_{h+1} + b),
 * V-bar_h(s) = max_a Q-bar_h(s,a), V-bar_H = 0, terminal states 0; greedy[h*S + s]
 * receives the argmax (lowest index on ties). Returns sum_s mu0(s) V-bar_0(s). */
double xpl_plan_optimistic(struct xpl_model *x, const struct xpl_bonus *b, int *greedy);

/* Evaluate the non-stationary mixture pi_h(a|s) = rho [a == greedy[h*S+s]] +
 * (1 - rho) pb[s*A + a] (greedy may be NULL when rho == 0) on the empirical model:
 * sign < 0 pessimistic (bonus subtracted, clipped at 0: V-underbar), sign > 0
 * optimistic (bonus added, clipped at G_h), sign == 0 plain plug-in value.
 * Returns sum_s mu0(s) V_0(s). Allocation-free. */
double xpl_eval_model(struct xpl_model *x, const struct xpl_bonus *b, int sign, double rho,
                      const int *greedy, const double *pb);

/* StepMix's certificate: a lower bound on the value of the same step-wise mixture that
 * certifies only what is not known. Draw the H coins of an episode up front (whether
 * or not it ends early); with probability (1 - rho)^H none picks pi-bar, and the
 * episode is then a baseline episode, independent of the coins, worth V^b on average.
 * So, exactly,
 *     V(rho) = (1 - rho)^H V^b + Z(rho),   Z = E[return; some coin picked pi-bar],
 * and Z follows the backward induction
 *     Z_h(s) = rho Q_h(s, pi-bar) + (1 - rho) sum_a pb(a|s) (w_h R(s,a) + P Z_{h+1}),
 * with Q the mixture's own action values and w_h = 1 - (1 - rho)^(H-1-h) the chance of
 * a pi-bar coin after step h (a baseline step's reward counts only then). Z-underbar
 * uses Q-underbar for the pi-bar branch and, for the baseline branch, the model with
 * the bonus of range w_h G_h (the target w_h r + Z_{h+1} lies in [0, w_h G_h]) and
 * sd w_h sd_r + sd_Z subtracted, clipped at 0. Returns
 *     max(V-underbar(rho), (1 - rho)^H Vb + Z-underbar(rho)),
 * both lower bounds; the second equals Vb at rho = 0 and V-underbar at rho = 1. Vb is
 * the exact V^b (or a lower bound of it: the offline baseline). Allocation-free. */
double xpl_lower_stepmix(struct xpl_model *x, const struct xpl_bonus *b, double rho,
                         const int *greedy, const double *pb, double Vb);

/* The exact value of the same mixture on the true MDP m (its P, R, mu0, terminal
 * flags, horizon x->H, undiscounted). work holds at least 2*S doubles. */
double xpl_eval_true(const struct mdp *m, int H, double rho, const int *greedy,
                     const double *pb, double *work);

/* Check that m suits conservative exploration: gamma = 1, no reward noise, every
 * reward that can occur in [0, 1]. Usage-class error naming the offending (s, a)
 * and value with a suggested fix otherwise. */
int xpl_check_mdp(const struct mdp *m, struct ope_error *err);

#endif
