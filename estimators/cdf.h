/* estimators/cdf.h: cumulative distribution OPE (estimators.md, "risk of the
 * return"; Huang et al. 2021, SCOPE-RL): the CDF of the return G = sum_t gamma^t r_t
 * (discounted from gamma^0) under pi_e, estimated from trajectories by
 *   tis: F(y) = (1/n) sum_i rho_i 1{G_i <= y}, clipped to [0, 1] and made monotone;
 *   sn:  F(y) = sum_i rho_i 1{G_i <= y} / sum_i rho_i (self-normalised);
 *   dr:  the doubly robust CDF (cdf_dr.c; Huang, Leqi, Lipton & Azizzadenesheli,
 *        "Off-policy risk assessment in Markov decision processes", 2022): TIS plus a
 *        per-step control variate built from a model of the return distribution,
 *        F(y) = (1/n) sum_i [ rho_{i,T-1} 1{G_i <= y}
 *                 + sum_t ( rho_{i,t-1} sum_a pi_e(a|s_{i,t}) Ĝ_t(y - C_{i,t}; s_{i,t}, a)
 *                           - rho_{i,t} Ĝ_t(y - C_{i,t}; s_{i,t}, a_{i,t}) ) ],
 *        C_{i,t} = sum_{t'<t} gamma^t' r_{i,t'} the return so far, rho_{i,-1} = 1, and
 *        Ĝ_t(.; s, a) the model's CDF of sum_{t'>=t} gamma^t' r_t' given (s_t, a_t);
 *        then clipped and made monotone like tis,
 * with rho_i the trajectory's cumulative weight, and from F the mean, variance,
 * CVaR_alpha (mean of the lowest alpha share) and interquartile range. The mass that
 * a clipped CDF leaves short of 1 is put on the largest return and reported
 * (short_mass); a TIS CDF whose weights' mean is far from 1 (diag.h's rule) is refused
 * (OPE_EDATA) instead, since that mass would make up its mean and CVaR. */
#ifndef ESTIMATORS_CDF_H
#define ESTIMATORS_CDF_H

#include <stddef.h>
#include "datasets/tlog.h"
#include "ope/base/error.h"

enum cdf_method { CDF_TIS, CDF_SN, CDF_DR };
#define CDF_N_METHODS 3

/* "tis", "sn", "dr". */
const char *cdf_method_name(enum cdf_method m);

struct cdf_result {
    size_t n;               /* support points: the distinct returns, ascending */
    double *y;              /* [n] */
    double *F;              /* [n] the estimated CDF at y (right-continuous steps) */
    double mean, var, cvar, iqr;
    double short_mass;      /* the mass short of 1 that cdf_result_finish put on the
                               largest return (0 for a CDF that reached 1) */
};

/* A short_mass above this is reported with the distribution (ope eval --risk): 1%
 * of the probability at the largest return is already a visible shift of the mean
 * when the returns' range is wide. */
#define CDF_SHORT_WARN 0.01

/* From returns G[0..n-1] and weights rho[0..n-1]; alpha in (0, 1] for CVaR. */
int cdf_from_returns(const double *G, const double *rho, size_t n, enum cdf_method m,
                     double alpha, struct cdf_result *r, struct ope_error *err);

/* From a trajectory log and one of its policies (episodes padded with their last
 * weight and reward 0). CDF_DR fits the return-distribution model below with
 * CDF_DR_ATOMS atoms per cell and needs a tabular state column (OPE_EDATA without). */
int cdf_traj(const struct tlog *log, size_t pol, double gamma, enum cdf_method m,
             double alpha, struct cdf_result *r, struct ope_error *err);

/* Every method for policy pol: ok[m] = 1 with out[m] filled (free with
 * cdf_result_release), or ok[m] = 0 with why[m] saying why the log cannot give that
 * distribution (sn when every weight is 0, dr without a tabular state column: data
 * errors of the method, not of the evaluation). Other errors (out of memory): -1 with
 * err set and nothing left allocated. */
int cdf_traj_all(const struct tlog *log, size_t pol, double gamma, double alpha,
                 struct cdf_result out[CDF_N_METHODS], int ok[CDF_N_METHODS],
                 char why[CDF_N_METHODS][256], struct ope_error *err);

/* cdf_traj_all's tis and sn from the returns G[0..n-1] and weights rho[0..n-1] of
 * the log's episodes in their order (a log read in windows: trajret.h gathers them);
 * dr is left out with why_dr as its reason (it fits a model on the whole log). */
int cdf_returns_all(const double *G, const double *rho, size_t n, double alpha,
                    const char *why_dr, struct cdf_result out[CDF_N_METHODS],
                    int ok[CDF_N_METHODS], char why[CDF_N_METHODS][256], struct ope_error *err);

/* Episode e's return sum_t gamma^t r_t (from gamma^0, summed in step order) and its
 * trajectory weight for policy pol (the product of pi_e / pi_b over its steps): the
 * inputs of the tis and sn CDFs, the same bits for a log in memory and a window. */
double cdf_episode_return(const struct tlog *log, size_t e, double gamma);
double cdf_episode_weight(const struct tlog *log, size_t pol, size_t e);

/* Clip r->F[0..n-1] (raw estimates on the ascending grid r->y) to [0, 1], make it
 * non-decreasing, put the mass short of 1 on the last point, and fill the mean,
 * variance, CVaR_alpha and IQR of the resulting step distribution. */
void cdf_result_finish(struct cdf_result *r, double alpha);

/* ---- doubly robust CDF (cdf_dr.c) ------------------------------------------------ */

/* Returns closer than this (relative, 1e-9 * (1 + |y|)) are the same return: the
 * model's atoms and the observed returns are sums of the same rewards taken in a
 * different order, so exact ties would otherwise be split by rounding. */
#define CDF_TIE_TOL 1e-9

/* Default atoms per model cell (cdf_traj, ope eval --risk). */
#define CDF_DR_ATOMS 32

/* A tabular model of the return distribution under pi_e: for every step t < T, state
 * s and action a, a discrete law of sum_{t' >= t} gamma^t' r_t' (discounted from the
 * episode's start, so the model adds directly to the return so far) given
 * (s_t, a_t) = (s, a): atoms val/prob[start[c] .. start[c] + count[c]) of cell
 * c = (t * S + s) * A + a, values ascending, probabilities summing to 1. */
struct cdf_model {
    int T, S, A;
    size_t *start, *count;  /* [T * S * A] */
    double *val, *prob;     /* [total atoms] */
    size_t n_atoms;
};

/* A model with k atoms in every cell (zeroed), to fill by hand (tests, or a model
 * known from elsewhere). */
int cdf_model_init(struct cdf_model *m, int T, int S, int A, size_t k, struct ope_error *err);

/* Fit the model on the log for policy pol: distributional fitted Q evaluation on the
 * stationary empirical MDP, with the conventions of tabular FQE (vmodel.h): the
 * reward law of (s, a) is the empirical one over its rows, the next-state law the
 * share of observed next states (an episode shorter than T, or done, goes to an
 * absorbing state with return 0; the last step of a full-length episode counts for
 * the reward only), unvisited (s, a) have return 0, pi_e(.|s) from the first row in
 * s. Backward in t: law_t(s,a) = gamma^t R(s,a) + law_{t+1}(S') with
 * S' ~ P̂(.|s,a) and law_{t+1}(s') = sum_a' pi_e(a'|s') law_{t+1}(s', a'). Every law
 * is compressed to at most max_atoms atoms by mean-preserving quantile slices, so
 * the model's mean is exactly FQE's Q̂_t(s,a) * gamma^t; the DR CDF is unbiased
 * whatever the compression does to its shape. OPE_EDATA without a state column. */
int cdf_model_fit(const struct tlog *log, size_t pol, double gamma, size_t max_atoms,
                  struct cdf_model *m, struct ope_error *err);

/* Free the insides of m (m itself is the caller's); a zeroed m is fine. */
void cdf_model_release(struct cdf_model *m);

/* The raw doubly robust estimate (formula at the top; no clipping, no projection)
 * at the ascending points y[0..ny-1]: F[g] = the estimate at y[g]. Episodes longer
 * than the model's T or states/actions outside it are OPE_EDATA. */
int cdf_dr_raw(const struct tlog *log, size_t pol, double gamma, const struct cdf_model *m,
               const double *y, size_t ny, double *F, struct ope_error *err);

/* The DR CDF as a result: on the grid of the observed returns and the model's
 * start-state return atoms (so no return the model predicts for pi_e is lost),
 * then cdf_result_finish. */
int cdf_dr(const struct tlog *log, size_t pol, double gamma, const struct cdf_model *m,
           double alpha, struct cdf_result *r, struct ope_error *err);

/* Quantile Q(p) = inf { y : F(y) >= p } of a result. */
double cdf_quantile(const struct cdf_result *r, double p);

void cdf_result_release(struct cdf_result *r);

#endif
