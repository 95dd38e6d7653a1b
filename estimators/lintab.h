/* estimators/lintab.h: the sums the linear value models of vmodel.h solve, gathered
 * episode by episode, so that a log read in windows, or across MPI ranks, fits the
 * model the log in memory fits (the log in memory fits from these sums too).
 *
 * With psi(s, a) = e_a (x) phi(s) (phi: the s* features and a constant, or a one-hot
 * of the state) and psi'_j = sum_a' pi_e(a'|s_{j+1}) psi(s_{j+1}, a') the next row's
 * pi_e-averaged features (0 when the step ends in the absorbing state):
 *   linear-fqe  per action block, the Gram matrix of phi over every row (the reward's
 *               regression) and over the rows with an observed outcome (the next
 *               value's), sum phi r, and per policy M = sum psi_j psi'_j^T over the
 *               rows with a next row. The backward recursion's right-hand side is then
 *               M theta_{t+1}: theta_t = theta_r + gamma Go^-1 M theta_{t+1}, one solve
 *               per step and action, no pass per step (on one-hot features with
 *               the ridge -> 0 this is tabular FQE);
 *   lstd        per policy the system sum psi (psi - gamma psi')^T and sum psi r over
 *               the rows with an observed outcome.
 * td and gtd2 iterate over the transitions in order for many epochs: they are not sums.
 *
 * Which last steps have an observed outcome depends on the horizon T (the longest
 * episode), known only at the end: a last step not marked done has one (the absorbing
 * state) when its episode is shorter than T, and none when it is T long. Such steps of
 * episodes as long as the longest so far are summed apart, and moved into the main
 * sums when a longer episode comes; the apart sums are left out at the end.
 *
 * Sums are compensated (ope_sum); a block of LIN_TAB_BLOCK rows is summed plainly
 * first and its cells folded in, so the per-row cost is a plain add. Blocks restart at
 * the caller's chunks (ACC_CHUNK episodes from a multiple of ACC_CHUNK, for windows
 * and the log in memory alike), so the same episodes give the same bits. For a one-hot
 * phi the width grows with the states seen. */
#ifndef ESTIMATORS_LINTAB_H
#define ESTIMATORS_LINTAB_H

#include <stddef.h>
#include <stdint.h>
#include "datasets/tlog.h"
#include "ope/base/error.h"
#include "ope/base/strbuf.h"
#include "ope/base/sum.h"

struct sf_state;

/* The refusal of a stationary model (lstd, td, gtd2) with no transition to fit. */
#define LSTD_NO_OUTCOME "no step of the log has an observed outcome (a next step, " \
    "done=1, or the end of an episode shorter than the horizon): every episode is cut by " \
    "the horizon, so a stationary model has nothing to fit; use --value-model linear-fqe " \
    "or fqe, which value the steps the log has"

/* Rows summed plainly before their sums are folded into the compensated ones. */
#define LIN_TAB_BLOCK 4096

/* One set of sums: compensated totals, and a block's plain sums with the cells it
 * touched (marked and listed), folded into the totals at the block's end. */
struct lin_sums {
    struct ope_sum *s;
    double *c;
    unsigned char *mk;
    size_t *dl, nd;
};

struct lin_tab {
    int lstd;                   /* 1: LSTD's system; 0: linear FQE's sums */
    size_t A, P, nf;            /* actions, policies, s* features (0: one-hot states) */
    const size_t *pol;          /* [P] the policies' indices in a window (kept) */
    double gamma;
    size_t p, d;                /* phi's width, d = A p */
    int T;                      /* the longest episode so far */
    struct lin_sums m, x;       /* the sums, and those of last steps in episodes T long */
    size_t since;               /* rows in the block (LIN_TAB_BLOCK at the most) */
    double *phi, *phin;         /* a row's phi and the next row's */
    size_t *nz, *nzn;           /* their nonzero entries */
    size_t max_bytes;           /* refuse to grow past this (0: no limit) */
    const char *path;           /* for messages, or NULL */
};

/* Empty sums of the lstd or linear-fqe model for A actions, nf s* features (0: a
 * one-hot of the state, its width growing), P policies pol[0..P-1] (kept), discount
 * gamma. 0, or -1 with err. */
int lin_tab_init(struct lin_tab *t, int lstd, size_t A, size_t nf, size_t P, const size_t *pol,
                 double gamma, size_t max_bytes, const char *path, struct ope_error *err);
void lin_tab_release(struct lin_tab *t);

/* The bytes the sums take with phi of width p; what lin_tab_put writes of t. */
double lin_tab_bytes(int lstd, size_t A, size_t P, size_t p);
double lin_tab_wire_bytes(const struct lin_tab *t);

/* At least width p and horizon T (a log in memory: its width and horizon, declared
 * beyond what its episodes show). 0, or -1 with err. */
int lin_tab_extend(struct lin_tab *t, size_t p, int T, struct ope_error *err);

/* Episodes e0..e1-1 of w, one chunk. 0, or -1 with err (OPE_EDATA: no features nor
 * state column, past max_bytes saying how much). */
int lin_tab_add(struct lin_tab *t, const struct tlog *w, size_t e0, size_t e1,
                struct ope_error *err);

/* Whether sums read from bytes (untrusted) are a log's of `steps` steps: a horizon of
 * 1 to `steps` (linear-fqe's parameters are per step) and finite sums. 0, or -1. */
int lin_tab_check(const struct lin_tab *t, uint64_t steps);

/* Whether, at the end of the log, some episode was cut by the horizon (its last step,
 * not marked done, is in the apart sums). */
int lin_tab_cut(const struct lin_tab *t);

/* a += b (another part of the same log; its pol and options a's). 0, or -1 with err. */
int lin_tab_merge(struct lin_tab *a, const struct lin_tab *b, struct ope_error *err);

/* The sums as bytes, and back into t (initialised alike; sf_done checks the rest). */
void lin_tab_put(const struct lin_tab *t, struct strbuf *sb);
int lin_tab_get(struct lin_tab *t, struct sf_state *st, struct ope_error *err);

/* Policy q's parameters with the ridge penalty: lstd theta[d]; linear-fqe theta_t at
 * th[t * d], t = 0..T-1. lin_tab_theta_size: how many doubles. 0, or -1 with err
 * (OPE_EDATA: a singular or non-finite system, saying what to do). */
size_t lin_tab_theta_size(const struct lin_tab *t);
int lin_tab_solve(const struct lin_tab *t, size_t q, double ridge, double *th,
                  struct ope_error *err);

/* Every row of w: qa[j] = Q̂_t(s_j, a_j), v[j] = sum_a pi_e(a|row j) Q̂_t(s_j, a), t
 * the row's step, from th (lin_tab_solve's for w's policy pol). 0, or -1 with err
 * (OPE_EDATA: a state past the width). */
int lin_tab_rows(const struct lin_tab *t, const struct tlog *w, size_t pol, const double *th,
                 double *qa, double *v, struct ope_error *err);

/* The same for any linear model Q̂(s, a) = phi(s) . th[a p ..] with phi the nf s*
 * features and a constant (width p = nf + 1), or a one-hot of the state (nf 0, width
 * p): one th for every step (T 0), or th_t at th[t A p ..] for t < T (vmodel.c's td
 * and gtd2, and lin_tab_rows). */
int lin_rows(const struct tlog *w, size_t pol, size_t nf, size_t p, int T, const double *th,
             double *qa, double *v, const char *path, struct ope_error *err);

#endif
