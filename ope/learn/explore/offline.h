/* ope/learn/explore/offline.h: the offline baseline of conservative exploration (the
 * variant of Li, Huang, Shen & Yang 2023 where pi^b and V^b are not given but learned
 * from a logged dataset): count-based behaviour cloning of the logged actions per
 * state, and a pessimistic (lower-confidence) value of the cloned policy computed on
 * the empirical model of the logged transitions. */
#ifndef OPE_EXPLORE_OFFLINE_H
#define OPE_EXPLORE_OFFLINE_H

#include <stddef.h>
#include "ope/base/error.h"
#include "ope/learn/explore/ucbvi.h"

struct mdp;
struct tlog;

/* What was learned from the log (all values from the initial distribution of m). */
struct xpl_offline {
    int S, A;
    double *pb;             /* [S*A] learned baseline pi-hat^b (count-based cloning) */
    double *Ns;             /* [S] logged steps per state */
    double Vb_lower;        /* V-underbar^b: pessimistic value of pi-hat^b on the log */
    double Vb_plugin;       /* plug-in value of pi-hat^b on the log's empirical model */
    double Vb_exact;        /* exact value of pi-hat^b on the true m (for the reader) */
    double L;               /* log term of the offline bonus */
    size_t n_episodes, n_steps;
    size_t n_transitions;   /* logged (s, a, r, s') used by the model */
    int states_seen;        /* states with at least one logged step */
};

/* Check that log t can come from environment m: a tabular state column, every state
 * in 0..S-1 and not terminal, every action in 0..A-1, rewards in [0, 1], every logged
 * step s -a-> s' possible under m's P, done = 1 only where m has terminal states.
 * Data error naming file:line:column (or the row, for a log built in memory). */
int xpl_offline_check(const struct tlog *t, const struct mdp *m, struct ope_error *err);

/* Learn the baseline from t (checked with xpl_offline_check first) for environment m:
 *   pi-hat^b(a|s) = N(s,a) / N(s)  if N(s) > 0,   1/A otherwise,
 * N counting logged steps (all steps, pooled over h: the environments are stationary);
 * then V-underbar^b = xpl_eval_model(sign -1) of pi-hat^b on a model holding only the
 * logged transitions, with bonus b but the log term L = log(5 S A H N / delta), N the
 * number of logged episodes (or b->L when L_fixed). Fills o; xpl_offline_release
 * frees it. Returns 0 or -1 with err set. */
int xpl_offline_learn(const struct tlog *t, const struct mdp *m, const struct xpl_bonus *b,
                      double delta, int L_fixed, struct xpl_offline *o,
                      struct ope_error *err);

/* Free what xpl_offline_learn allocated (a zeroed struct is fine). */
void xpl_offline_release(struct xpl_offline *o);

#endif
