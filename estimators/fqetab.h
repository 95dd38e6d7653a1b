/* estimators/fqetab.h: the statistics of tabular fitted Q evaluation (vmodel.h's
 * fqe) gathered episode by episode, so a log read in windows, in shards or across MPI
 * ranks fits the model the log in memory fits. Tabular FQE needs only the empirical
 * model: per (state, action) the rewards' sum, the steps, the steps with an observed
 * outcome, and the next states' counts; plus each evaluated policy's pi_e(.|s) from the
 * first row in state s, and the first states' counts for the direct method's value.
 * Every part of that is a sum (or, for pi_e, the earliest row), so it merges.
 *
 * Which last steps have an observed outcome depends on the horizon T (the longest
 * episode), known only at the end: a last step not marked done has its outcome
 * observed (the absorbing zero-value state) when its episode is shorter than T, and
 * none when it is T long. So such steps are counted twice: all of them, and those of
 * episodes as long as the longest so far (reset when a longer one comes); the steps
 * with an observed outcome are then the first count minus the second.
 *
 * The tables come in R copies: copy 0 counts every episode once (the model of the
 * log), copy b >= 1 counts episode i m_b(i) times, its Poisson(1) count in bootstrap
 * replicate b - 1 (the direct method's model refitted on each resample, as the log in
 * memory refits it, vm_fqe_resample_value). */
#ifndef ESTIMATORS_FQETAB_H
#define ESTIMATORS_FQETAB_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"
#include "ope/base/strbuf.h"
#include "ope/base/sum.h"
#include "datasets/tlog.h"

struct sf_state;

/* The most (state, action, next state) cells a table may hold (32 MB a copy): past it a
 * log in memory sums over its rows instead (vmodel.c), and a log read in windows is
 * refused, saying so. */
#define FQE_TAB_MAX_CELLS ((size_t)1 << 22)

struct fqe_tab {
    size_t R;               /* copies: 1 + bootstrap replicates */
    size_t A, P;            /* actions; evaluated policies */
    const size_t *pol;      /* [P] their indices in a window's policies */
    size_t S, cap;          /* states seen (largest id + 1); states laid out */
    int T;                  /* the longest episode so far */
    /* Copy r's tables at r * (cap * A) (r * cap * A * cap for next, r * cap for
     * first), index k = s * A + a. */
    struct ope_sum *rsum;   /* rewards */
    double *nsa;            /* steps */
    double *nobs;           /* steps with an observed next state or marked done */
    double *lnd, *lmax;     /* last steps not marked done: all; in episodes T long */
    double *next;           /* [k * cap + s'] observed next states */
    double *first;          /* [s] first states */
    double *mass;           /* [R] episodes (counted) */
    /* pi_e of the first row in each state: pi[(p * cap + s) * A + a], taken from the
     * episode first_at[s] (global number; UINT64_MAX: not seen). */
    double *pi;
    uint64_t *first_at;
    size_t max_bytes;       /* refuse to grow past this (0: no limit) */
    int bound;              /* laid out on the caller's memory (fqe_tab_bind) */
};

/* Empty tables for A actions, P policies (pol: their window indices, kept), R copies.
 * 0, or -1 with err. */
int fqe_tab_init(struct fqe_tab *t, size_t A, size_t P, const size_t *pol, size_t R,
                 size_t max_bytes, struct ope_error *err);
void fqe_tab_release(struct fqe_tab *t);

/* One copy for one policy on the caller's memory (fqe_tab_bound_size(A, S) doubles,
 * which it keeps), for S states and horizon T fixed: a log in memory refitted on every
 * resample with no allocation, by the code a log read in windows uses. Empty. */
size_t fqe_tab_bound_size(size_t A, size_t S);
void fqe_tab_bind(struct fqe_tab *t, size_t A, size_t S, int T, const size_t *pol,
                  double *mem);
/* Empty again, its states and horizon kept (bound tables). */
void fqe_tab_clear(struct fqe_tab *t);

/* The bytes the tables take for S states. */
double fqe_tab_bytes(size_t R, size_t A, size_t P, size_t S);

/* Episode e of window w, the log's episode gi, counted m[r] times in copy r (m[0] is
 * 1). Needs a tabular state column. 0, or -1 with err (out of memory, past max_bytes:
 * OPE_EDATA saying how much the tables need). */
int fqe_tab_add(struct fqe_tab *t, const struct tlog *w, size_t e, uint64_t gi,
                const double *m, struct ope_error *err);
/* fqe_tab_add in two steps, so that threads can count disjoint copies at once: the
 * layout (states, horizon) and pi_e of the episode, then its counts in copies
 * r0..r1-1 only (m indexed by copy). Counting an episode after the prepare of a later
 * one of the same window gives what fqe_tab_add in order gives. */
int fqe_tab_prepare(struct fqe_tab *t, const struct tlog *w, size_t e, uint64_t gi,
                    struct ope_error *err);
void fqe_tab_count(struct fqe_tab *t, const struct tlog *w, size_t e, const double *m,
                   size_t r0, size_t r1);

/* At least S states and horizon T (a log in memory whose states or horizon are
 * declared beyond its episodes'). 0, or -1 with err. */
int fqe_tab_extend(struct fqe_tab *t, size_t S, int T, struct ope_error *err);

/* Count the episodes of window w, the log's episodes first, first + 1, ..., into every
 * copy (each prepared), copy r >= 1 counting episode i acc_count(acc_rowkey(acc_key(
 * seed), i), r - 1) times: its Poisson count in replicate r - 1. Threads count
 * disjoint copies, each in episode order, so the sums do not depend on their number.
 * 0, or -1 with err (out of memory, cancelled). */
int fqe_tab_count_window(struct fqe_tab *t, const struct tlog *w, uint64_t first,
                         uint64_t seed, int threads, struct ope_error *err);

/* a += b, b's episodes being other episodes of the same log (any order: pi_e comes
 * from the earliest). 0, or -1 with err. */
int fqe_tab_merge(struct fqe_tab *a, const struct fqe_tab *b, struct ope_error *err);

/* The tables as bytes, and back into t (initialised with the same R, A, P; the
 * caller's sf_done then checks that the bytes were whole). */
void fqe_tab_put(const struct fqe_tab *t, struct strbuf *sb);
int fqe_tab_get(struct fqe_tab *t, struct sf_state *st, struct ope_error *err);

/* Whether tables read from bytes (a shard's part, a fit's state: untrusted) are ones a
 * log of `episodes` episodes and `steps` steps gives: whole, non-negative counts that
 * add up (copy 0's first states are the episodes, its steps the steps), a horizon of
 * 1 to `steps`, finite sums, probabilities in [0, 1]. 0, or -1. */
int fqe_tab_check(const struct fqe_tab *t, uint64_t episodes, uint64_t steps);

/* Solve copy r for policy p with discount gamma, horizon T = t->T: Q[(u * S + s) * A +
 * a], u = 0..T-1 (S = t->S), as vm_fqe_tabular. Returns the copy's direct-method
 * value, sum_s first(s) V̂_0(s) / mass (NAN with no episode). scratch:
 * fqe_tab_scratch(t) doubles. Q may be NULL (the value only). */
size_t fqe_tab_scratch(const struct fqe_tab *t);
double fqe_tab_solve(const struct fqe_tab *t, size_t r, size_t p, double gamma, double *Q,
                     double *scratch);

#endif
