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
 * step of the backward induction. With N = N(s,a) visits so far and L the log term:
 *   Hoeffding: b = c H sqrt(L / N)                  (exploration.md; UCBVI-CH of
 *              Azar et al. 2017, whose Alg. 3 theory constant is c = 7)
 *   Bernstein: b = c (sqrt(2 L var / N) + 7 H L / (3 max(N - 1, 1)))  (empirical
 *              Bernstein, Maurer & Pontil 2009 Thm 4, range H), where var bounds the
 *              empirical variance of r + V_{h+1}(s'): (sd_r + sd_V)^2.
 * Pairs never visited get the trivial bounds: Q-bar = H - h, Q-underbar = 0. */
struct xpl_bonus {
    enum xpl_bonus_kind kind;
    double c;           /* multiplier (see above) */
    double L;           /* log term, default log(5 S A H K / delta) (exploration.md) */
};

/* The default log term L = log(5 S A H K / delta). */
double xpl_log_term(int S, int A, int H, long K, double delta);

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
    const double *mu0;  /* [S] initial distribution (borrowed) */
    const unsigned char *terminal; /* [S] or NULL (borrowed) */
    double *work;       /* [2*S + H*S]: backward-induction scratch */
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

/* Optimistic planning: Q-bar_h(s,a) = min(H - h, R-hat + P-hat V-bar_{h+1} + b),
 * V-bar_h(s) = max_a Q-bar_h(s,a), V-bar_H = 0, terminal states 0; greedy[h*S + s]
 * receives the argmax (lowest index on ties). Returns sum_s mu0(s) V-bar_0(s). */
double xpl_plan_optimistic(struct xpl_model *x, const struct xpl_bonus *b, int *greedy);

/* Evaluate the non-stationary mixture pi_h(a|s) = rho [a == greedy[h*S+s]] +
 * (1 - rho) pb[s*A + a] (greedy may be NULL when rho == 0) on the empirical model:
 * sign < 0 pessimistic (bonus subtracted, clipped at 0: V-underbar), sign > 0
 * optimistic (bonus added, clipped at H - h), sign == 0 plain plug-in value.
 * Returns sum_s mu0(s) V_0(s). Allocation-free. */
double xpl_eval_model(struct xpl_model *x, const struct xpl_bonus *b, int sign, double rho,
                      const int *greedy, const double *pb);

/* The exact value of the same mixture on the true MDP m (its P, R, mu0, terminal
 * flags, horizon x->H, undiscounted). work holds at least 2*S doubles. */
double xpl_eval_true(const struct mdp *m, int H, double rho, const int *greedy,
                     const double *pb, double *work);

/* Check that m suits conservative exploration: gamma = 1, no reward noise, every
 * reward that can occur in [0, 1]. Usage-class error naming the offending (s, a)
 * and value with a suggested fix otherwise. */
int xpl_check_mdp(const struct mdp *m, struct ope_error *err);

#endif
