/* estimators/vmodel.h: value models Q̂_t(s, a) of an evaluation policy fitted on a
 * trajectory log, for the trajectory dm, dr and wdr. Backends (--value-model):
 *   fqe         tabular fitted Q evaluation: backward in t from the horizon on the
 *               stationary empirical model (transitions pooled over steps);
 *   linear-fqe  least-squares FQE (ridge, GSL) on features e_a (x) phi(s), one
 *               regression per step t, backward from the horizon;
 *   lstd        LSTD on e_a (x) phi(s): the stationary fixed point of the projected
 *               Bellman equation over the pooled transitions, one Q̂ for every step
 *               (horizon-free: dm is biased by the ignored horizon unless gamma^T is
 *               small; dr is not). At gamma 1 it exists only when episodes end in the
 *               absorbing state, and is refused when the ridge alone decides it;
 *   td          TD(lambda) with eligibility traces, towards the same fixed point;
 *   gtd2        gradient TD (GTD2, two time scales), towards the same fixed point
 *               (both refused as lstd is at gamma 1 when that point does not exist).
 * The naming follows Jia & Zhou's martingale view of policy evaluation: fqe/lstd solve
 * the martingale orthogonality conditions exactly, td/gtd2 by stochastic
 * approximation. phi(s) is the s* features plus a constant, or a one-hot of the
 * tabular state when the log has no features. */
#ifndef ESTIMATORS_VMODEL_H
#define ESTIMATORS_VMODEL_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"
#include "datasets/tlog.h"

enum vm_kind { VM_FQE, VM_LINEAR_FQE, VM_LSTD, VM_TD, VM_GTD2 };

struct vm_opts {
    int kind;               /* enum vm_kind (default VM_FQE) */
    double ridge;           /* L2 penalty of the linear backends (default 1e-6) */
    double lambda;          /* TD(lambda) trace decay (default 0) */
    double step;            /* step size of td / gtd2 (default 0.1, decays as 1/sqrt(k)) */
    int epochs;             /* passes over the log for td / gtd2 (default 200) */
    uint64_t seed;          /* order of the passes */
    size_t max_bytes;       /* memory budget of a linear model's sums or rows (0: none) */
};

void vm_opts_init(struct vm_opts *o);

/* "fqe" -> VM_FQE ...; -1 if unknown. */
int vm_kind_parse(const char *s);
const char *vm_kind_name(int kind);
/* The stationary models (lstd, td, gtd2) value the process as if it went on past the
 * horizon: a warning on r when some episode is cut by it (cut) and the discount leaves
 * more than VM_TAIL_SHARE of its weight there (gamma^horizon). 0, or -1 out of memory. */
#define VM_TAIL_SHARE 0.01
struct res_eval;
int vm_warn_stationary(struct res_eval *r, int kind, double gamma, int horizon, int cut);
/* Whether some episode of log ends by the horizon, its last step not marked done. */
int vm_cut_by_horizon(const struct tlog *log);
/* Whether row j (of an episode ending at row end, len rows long, in log whose horizon
 * is the whole log's) has an observed next state (1), ends in the absorbing zero-value
 * state (0), or has no observed outcome (-1: the last step of a full-length episode,
 * cut by the horizon). */
int vm_next_kind(const struct tlog *log, size_t j, size_t end, size_t len);

/* What the model computes, as a clause for a report ("tabular fitted Q evaluation
 * computes ..."); "?" if unknown. */
const char *vm_kind_about(int kind);

/* Fit the value model of policy pol with discount gamma and fill, for every row j of
 * the log, qa[j] = Q̂_{t_j}(s_j, a_j) and v[j] = V̂_{t_j}(s_j) = sum_a pi_e(a|s_j)
 * Q̂_{t_j}(s_j, a). Errors: OPE_EDATA (fqe without a state column, a singular
 * system), OPE_EUSAGE (unknown kind). */
int vm_fit(const struct tlog *log, size_t pol, double gamma, const struct vm_opts *o,
           double *qa, double *v, struct ope_error *err);

/* Tabular FQE table Q[(t * S + s) * A + a], t = 0..T-1 (T = log->horizon), on the
 * stationary empirical model: r̂(s,a) is the mean logged reward, P̂(s'|s,a) the
 * share of observed next states (a step ending an episode shorter than T goes to an
 * absorbing zero-value state; the last step of a full-length episode has no observed
 * next state and counts for r̂ only). Unvisited (s,a) get Q = 0. pi_e(.|s) is read
 * from the first row in state s. */
int vm_fqe_tabular(const struct tlog *log, size_t pol, double gamma, double *Q,
                   struct ope_error *err);

/* The trajectory dm's value refitted on a resample: tabular FQE exactly as
 * vm_fqe_tabular, with episode i counted m[i] times (a bootstrap replicate's Poisson
 * counts), then the m-weighted mean of V̂_0 over the episodes' first states. The
 * model's own error then shows in the spread of the replicates, which a model fitted
 * once hides (doc/coverage.md). pi: vm_policy_table. scratch: vm_fqe_resample_scratch
 * doubles, the caller's (one per thread). NAN when the counts are all 0. */
size_t vm_fqe_resample_scratch(const struct tlog *log);
double vm_fqe_resample_value(const struct tlog *log, size_t pol, double gamma, const double *pi,
                             const double *m, double *scratch);

/* Every row's qa[j] = Q[(t_j S + s_j) A + a_j] and v[j] = sum_a pi_e(a|row j) Q[(t_j S +
 * s_j) A + a] from a tabular table over S states (row-wise pi_e, as the fitted model's
 * rows get them). */
void vm_rows_from_table(const struct tlog *log, size_t pol, const double *Q, size_t S,
                        double *qa, double *v);

/* The tabular models' pi_e(.|s): the probabilities of the first row in each state,
 * pi[s * A + a] (0 for states the log never visits). */
void vm_policy_table(const struct tlog *log, size_t pol, double *pi);

#endif
