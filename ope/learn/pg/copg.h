/* ope/learn/pg/copg.h: CoPG, contrastive policy gradient (Flet-Berliac et al., "Contrastive
 * Policy Gradient: Aligning LLMs on sequence-level scores in a supervised-friendly
 * fashion", EMNLP 2024, arXiv 2406.19185), on a K-armed bandit: a softmax policy learns
 * OFF-POLICY from a fixed data set of pairs of arms drawn from a behaviour policy mu,
 * for the KL-regularised objective
 *     J_beta(pi) = E_{y~pi}[R(y)] - beta KL(pi || pi_ref),
 * whose maximiser is pi*(y) proportional to pi_ref(y) exp(R(y) / beta). Two alternatives
 * run on the same data for comparison: off-policy REINFORCE without a baseline or
 * importance weights, and IPO on preferences derived from the rewards. Every value
 * reported is exact (a bandit's expectations are finite sums). */
#ifndef OPE_PG_COPG_H
#define OPE_PG_COPG_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"

/* A bandit with K arms: expected rewards, reference and behaviour policies, the
 * Gaussian noise of an observed reward and the regularisation beta. */
struct copg_bandit {
    int n_arms;             /* K >= 2 */
    double *reward;         /* [K] R(y) */
    double *ref;            /* [K] pi_ref(y) > 0, sums to 1 */
    double *behaviour;      /* [K] mu(y) >= 0, sums to 1: draws the data */
    double reward_sd;       /* observed reward = R(y) + reward_sd N(0, 1) */
    double beta;            /* > 0 */
};

/* A zeroed bandit with K arms (free with copg_bandit_free; NULL is a no-op). */
struct copg_bandit *copg_bandit_new(int n_arms, struct ope_error *err);
void copg_bandit_free(struct copg_bandit *b);

/* The toy bandit of our demonstration (constants and why in copg.c): 10 arms, three
 * good ones close together, uniform pi_ref, a behaviour policy favouring bad arms,
 * beta = 0.1, reward_sd as given. */
struct copg_bandit *copg_bandit_toy(double reward_sd, struct ope_error *err);

/* Check sizes, probabilities (sums within 1e-9, pi_ref > 0), beta > 0, reward_sd >= 0. */
int copg_bandit_check(const struct copg_bandit *b, struct ope_error *err);

/* The regularised optimum: pi_star[K] (may be NULL) receives pi_ref exp(R / beta)
 * normalised; returns J_beta(pi*) = beta ln sum_y pi_ref(y) exp(R(y) / beta). */
double copg_optimum(const struct copg_bandit *b, double *pi_star);

/* Exact expected reward E_pi[R] and, when obj / kl are not NULL, J_beta(pi) and
 * KL(pi || pi_ref). */
double copg_value(const struct copg_bandit *b, const double *pi, double *obj, double *kl);

/* A data set of pairs (y1, y2) drawn independently from mu, with observed rewards. */
struct copg_data {
    size_t n_pairs;
    int *y1, *y2;           /* [n_pairs] arms */
    double *r1, *r2;        /* [n_pairs] observed rewards */
};

/* Draw n_pairs pairs from the stream (seed, OPE_RNG_TRAIN, 10). */
int copg_sample(const struct copg_bandit *b, size_t n_pairs, uint64_t seed,
                struct copg_data **out, struct ope_error *err);
void copg_data_free(struct copg_data *d);

enum copg_method {
    COPG_COPG,  /* the contrastive least-squares loss (copg.c) */
    COPG_PG,    /* off-policy REINFORCE on the regularised reward, no baseline, no IS */
    COPG_IPO    /* IPO (Azar et al. 2023) on preferences y_w > y_l from r1 vs r2, tau = beta */
};

/* Name of a method ("copg", "pg", "ipo"), and the method called name (-1 if none). */
const char *copg_method_name(enum copg_method m);
int copg_method_find(const char *name);

struct copg_opts {
    enum copg_method method;    /* default COPG_COPG */
    int iterations;             /* full-batch gradient steps (default 20000) */
    double lr;                  /* step size (default 2) */
};
void copg_opts_init(struct copg_opts *o);

/* The method's empirical loss at logits theta[K] (pi = softmax(theta)), and its
 * gradient into grad[K] when not NULL (NaN with err set on allocation failure):
 *   copg: (1 / (4 beta N)) sum_i (Rb(y1_i) - Rb(y2_i))^2,
 *         Rb(y) = r - beta ln(pi(y) / pi_ref(y)) with r the pair's observed reward;
 *   ipo:  (1 / N') sum over the N' pairs with r1 != r2 of (h_i - 1 / (2 beta))^2,
 *         h = ln(pi(y_w) / pi_ref(y_w)) - ln(pi(y_l) / pi_ref(y_l));
 *   pg:   has no loss: returns NaN, and grad receives MINUS the update direction
 *         (1 / 2N) sum over the 2N draws of Rb(y) grad ln pi(y), Rb held fixed. */
double copg_loss(const struct copg_bandit *b, const struct copg_data *d,
                 enum copg_method m, const double *theta, double *grad,
                 struct ope_error *err);

/* One row per iteration (row 0: the start, theta = ln pi_ref). */
struct copg_record {
    int iteration;
    double reward;          /* exact E_pi[R] */
    double objective;       /* exact J_beta(pi) */
    double kl_ref;          /* KL(pi || pi_ref) */
    double kl_star;         /* KL(pi* || pi): 0 at the optimum */
    double grad_norm;       /* norm of the gradient (pg: direction) at this iterate,
                             * the step about to be taken: 0 at a fixed point */
};

struct copg_result {
    int n_records;              /* iterations + 1 */
    struct copg_record *rec;
    double *policy;             /* [K] final pi */
    double *pi_star;            /* [K] the regularised optimum */
    double j_star;              /* J_beta(pi*) */
};

/* Learn from d with method o->method, starting from pi = pi_ref. Returns 0 and *out
 * (free with copg_result_free), or -1 with err set. */
int copg_train(const struct copg_bandit *b, const struct copg_data *d,
               const struct copg_opts *o, struct copg_result **out, struct ope_error *err);
void copg_result_free(struct copg_result *r);

#endif
