/* estimators/mistab.h: the statistics of tabular marginalised importance sampling
 * (est_mis.c) gathered episode by episode, so a log read in windows or across MPI
 * ranks estimates the state ratios the log in memory estimates. With the empirical
 * time-indexed model of Xie et al. the ratios obey
 *     ŵ_0(s) = 1 where some episode starts in s (0 elsewhere),
 *     ŵ_t(s') = sum_s ŵ_{t-1}(s) M_t[s, s'] / n_t(s'),
 * where, over the episodes still running at step t, n_t(s') counts those in s' and
 * M_t[s, s'] sums the action ratios w_{t-1} of those that went from s to s'; the value
 * is sum_t gamma^t sum_s ŵ_t(s) R_t(s) / n, R_t(s) the sum of w_t r_t of the episodes
 * in s at step t. Every table is a sum over episodes, so it merges.
 *
 * The tables come in R copies per evaluated policy: copy 0 counts every episode once,
 * copy b >= 1 counts episode i m_b(i) times (its Poisson(1) count in bootstrap
 * replicate b - 1): mis re-estimates its ratios on every resample, as in memory
 * (est_mis.c's mis_resample). They take P R T (S^2 + 3 S) numbers. */
#ifndef ESTIMATORS_MISTAB_H
#define ESTIMATORS_MISTAB_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"
#include "ope/base/strbuf.h"
#include "ope/base/sum.h"
#include "datasets/tlog.h"

struct sf_state;

/* The most (step, state, next state) cells a policy's copy may hold (32 MB): past it a
 * log in memory estimates the ratios from its episodes (est_mis.c), and a log read in
 * windows is refused, saying so. */
#define MIS_TAB_MAX_CELLS ((size_t)1 << 22)

struct mis_tab {
    size_t R, P;            /* copies per policy; policies */
    size_t S, cap;          /* states seen; laid out */
    int T, tcap;            /* the longest episode so far; steps laid out */
    /* Policy p's copy r at step t: block ((t P + p) R + r) of blk(cap) = cap^2 +
     * 3 cap numbers: M[s cap + s'], n[s], then R[s] as a compensated sum. Steps are
     * outermost, so a longer episode adds blocks at the end (grown exactly, in place)
     * and only more states move the tables. */
    double *x;
    double *mass;           /* [P R] episodes (counted) */
    size_t max_bytes;       /* refuse to grow past this (0: no limit) */
    int bound;              /* laid out on the caller's memory (mis_tab_bind) */
};

double mis_tab_bytes(size_t P, size_t R, size_t S, int T);

/* The bytes mis_tab_put writes for t (a row's cells that are +0.0 do not go): what
 * moves between MPI ranks, at most mis_tab_bytes of its sizes plus a word a row. */
double mis_tab_wire_bytes(const struct mis_tab *t);

/* One copy for one policy on the caller's memory (mis_tab_bound_size(S, T) doubles,
 * which it keeps), for S states and T steps fixed, empty: a log in memory estimates
 * its ratios (and re-estimates them per resample, with no allocation) by the code a
 * log read in windows uses. */
size_t mis_tab_bound_size(size_t S, int T);
void mis_tab_bind(struct mis_tab *t, size_t S, int T, double *mem);

int mis_tab_init(struct mis_tab *t, size_t P, size_t R, size_t max_bytes,
                 struct ope_error *err);
void mis_tab_release(struct mis_tab *t);

/* Episode e of window w for policy p, its action ratios w_j in wr (the window's,
 * traj_weights), counted m[r] times in copy r. Needs a tabular state column. 0, or -1
 * with err (out of memory; past max_bytes, OPE_EDATA saying how much is needed). */
int mis_tab_add(struct mis_tab *t, const struct tlog *w, size_t e, size_t p, const double *wr,
                const double *m, struct ope_error *err);

/* mis_tab_add in two steps, so that threads can count disjoint copies at once: the
 * layout (states, steps) for episode e, then its counts for policy p in copies
 * r0..r1-1 only (m indexed by copy). */
int mis_tab_prepare(struct mis_tab *t, const struct tlog *w, size_t e, struct ope_error *err);
void mis_tab_count(struct mis_tab *t, const struct tlog *w, size_t e, size_t p, const double *wr,
                   const double *m, size_t r0, size_t r1);

/* Count the episodes of window w (each prepared; the log's episodes first, first + 1,
 * ...) for every policy p, its action ratios wr + p * stride, into every copy, copy r
 * >= 1 counting episode i acc_count(acc_rowkey(acc_key(seed), i), r - 1) times. Threads
 * count disjoint (policy, copies), each in episode order, so the sums do not depend on
 * their number. 0, or -1 with err (out of memory, cancelled). */
int mis_tab_count_window(struct mis_tab *t, const struct tlog *w, const double *wr,
                         size_t stride, uint64_t first, uint64_t seed, int threads,
                         struct ope_error *err);

/* a += b (other episodes of the same log). 0, or -1 with err. */
int mis_tab_merge(struct mis_tab *a, const struct mis_tab *b, struct ope_error *err);

/* Whether tables read from bytes (a shard's part, a fit's state: untrusted) are ones a
 * log of `episodes` episodes and `steps` steps gives: at least one state, a horizon of
 * 1 to `steps`, every policy's copy 0 counting the episodes at step 0, counts and
 * transitions not negative, sums finite. 0, or -1. */
int mis_tab_check(const struct mis_tab *t, uint64_t episodes, uint64_t steps);

/* The tables as bytes (each step's transition counts M sparse: a row's cells as words
 * of 64 marking those that are not +0.0, then their values), and t += the tables of
 * such bytes, with mis_tab_merge's sums in its order (t initialised with the same P
 * and R): ranks' tables merge from the bytes they send, with no copy of each. The
 * caller's sf_done checks the bytes were whole; 0, or -1 with err (damage, the
 * budget), t then part-merged: discard it. */
void mis_tab_put(const struct mis_tab *t, struct strbuf *sb);
int mis_tab_add_put(struct mis_tab *t, struct sf_state *st, struct ope_error *err);

/* Copy r of policy p: the ratios ŵ_t(s) into wh[t S + s] (t < T, S = t->S; may be
 * NULL) and the value, sum_t gamma^t sum_s ŵ_t(s) R_t(s) / mass (NAN with no
 * episode). scratch: 2 S + 1 doubles. */
double mis_tab_solve(const struct mis_tab *t, size_t p, size_t r, double gamma, double *wh,
                     double *scratch);

#endif
