/* estimators/traj.h: the trajectory (RL) estimators' common kernel. Every trajectory
 * estimator is written as a sum over K "slots" of ratios of per-trajectory sums,
 *     value = sum_k coef_k * (sum_i m_i num[i,k]) / (sum_i m_i den[i,k]),
 * with m_i = 1 for the point estimate and Poisson(1) counts in a bootstrap resample.
 * Plain means (tis, pdis, dm, dr, mis) use one slot with den = 1; wtis one ratio
 * slot; wpdis and wdr one slot per step (per-step self-normalisation).
 * Conventions (estimators.md): rho_{i,t} = prod_{t'<=t} w_{i,t'}, discount from
 * gamma^0, episodes shorter than the horizon T padded with the weight carried over
 * and reward 0 (SCOPE-RL). */
#ifndef ESTIMATORS_TRAJ_H
#define ESTIMATORS_TRAJ_H

#include <stddef.h>
#include "ope/base/error.h"
#include "datasets/tlog.h"
#include "estimators/estimator.h"

/* What a trajectory estimator sees for one evaluation policy. */
struct traj_in {
    const struct tlog *log;
    size_t pol;             /* index of pi_e in log->policy */
    int T;                  /* horizon: the longest episode */
    double gamma;
    const double *w;        /* [n_steps] w_{i,t} = pi_e(a|s) / pscore */
    const double *rho;      /* [n_steps] rho_{i,t} (within each episode) */
    const double *qa;       /* [n_steps] Q̂_t(s_{i,t}, a_{i,t}), or NULL (no model) */
    const double *v;        /* [n_steps] V̂_t(s_{i,t}) under pi_e, or NULL */
    const double *pi_tab;   /* [S * A] pi_e(a|s) of a tabular log (vm_policy_table), or
                             * NULL: for estimators that refit a tabular model */
    /* mis's state ratios ŵ_t(s) estimated on the whole log, ratio[t * ratio_S + s]
     * (t < T), when the log is read in windows (mistab.h); NULL: mis estimates them
     * from log itself. */
    const double *ratio;
    size_t ratio_S;
};

/* Per-trajectory terms of one estimator (see the top of the file), filled by its
 * descriptor's traj_build (estimator.h). */
struct traj_terms {
    size_t n;               /* trajectories */
    size_t K;               /* slots */
    double *num;            /* [n * K], num[i * K + k] */
    double *den;            /* [n * K], or NULL: every den is 1 (plain mean) */
    double *coef;           /* [K] */
};

/* Per-step weights and cumulative weights of policy pol: w and rho of size n_steps.
 * A step whose pscore is not positive is an error (OPE_EDATA naming the line). */
int traj_weights(const struct tlog *log, size_t pol, double *w, double *rho,
                 struct ope_error *err);

/* Allocate terms for n trajectories and K slots (den only when with_den), zeroed.
 * coef is set to 1. */
int traj_terms_alloc(struct traj_terms *t, size_t n, size_t K, int with_den,
                     struct ope_error *err);
/* Free the insides of t (t itself is the caller's). */
void traj_terms_release(struct traj_terms *t);

/* The value for counts m[0..n-1] (NULL: every count 1). NAN when a denominator is
 * zero (or, K floats of scratch being unavailable, out of memory). Compensated sums,
 * every slot in one pass over the terms. */
double traj_value(const struct traj_terms *t, const double *m);

/* The value from the slot sums sn[k] and sd[k] (sd NULL: every den is 1, so sd[k] =
 * n), with traj_value's rules: sum_k coef_k sn_k / sd_k, compensated; any zero
 * denominator, 0/0 included, gives NAN: the estimate is undefined, as a bandit
 * snipw's is (one rule for both kinds of log; the evaluation says which steps, with
 * traj_zero_slots). The point estimate and every bootstrap replicate go through it. */
double traj_value_sums(const double *coef, size_t K, const double *sn, const double *sd,
                       double n);

/* Per-trajectory contributions c_i whose mean is the value, behind the t, Hoeffding
 * and Bernstein intervals: c_i = sum_k coef_k num[i,k] for plain slots, and for ratio
 * slots the linearised (delta-method) terms coef_k [V_k + (num[i,k] - V_k den[i,k]) n /
 * sum_j den[j,k]], V_k the slot's ratio, as the bandit snipw's (estimators.md). c has
 * n entries (all NAN when a denominator is zero). */
void traj_contrib(const struct traj_terms *t, double *c);

/* The same contributions of terms that are a part of the log's trajectories (a window
 * of a log read in windows), given the whole log's slot sums sn[k] and sd[k] (sd NULL:
 * plain slots, sd[k] = n) over its n trajectories. scratch: 2 K doubles, and may be
 * sn itself (sn is read before scratch is written, slot by slot). */
void traj_contrib_sums(const struct traj_terms *t, const double *sn, const double *sd,
                       double n, double *scratch, double *c);

/* The ratio slots in which every trajectory's denominator is 0 (a 0/0 that makes
 * the value undefined): the evaluation names how many when there is any (wtis of a
 * policy that no logged trajectory follows). 0 for plain means. */
size_t traj_zero_slots(const struct traj_terms *t);

/* The per-step discounts g[t] = gamma^t for t < T (g[0] = 1), each the product of the
 * one before and gamma: T multiplications for a per-step estimator's coefficients. */
void traj_discounts(double gamma, size_t T, double *g);

/* Trajectory weight rho_{i,T-1} with padding (= rho at the episode's last step). */
double traj_final_rho(const struct traj_in *in, size_t i);

#endif
