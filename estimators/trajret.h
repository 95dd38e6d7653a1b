/* estimators/trajret.h: every episode's return and trajectory weight per policy,
 * gathered from a trajectory log read in windows (ope eval --risk --stream, under
 * mpirun): the inputs of the tis and sn return distributions (cdf.h), which sort
 * every episode's return and so cannot be sums. 8 + 8 (P + 1) bytes per episode for
 * P policies, against the whole log's rows in memory; the budget bounds it.
 *
 * Episodes are kept with their number in the log, so an MPI rank's episodes (every
 * N-th window, or its own range) merge into the log's order (traj_returns_order):
 * the arrays are then the log in memory's, bit for bit, and so are the CDFs. */
#ifndef ESTIMATORS_TRAJRET_H
#define ESTIMATORS_TRAJRET_H

#include <stddef.h>
#include <stdint.h>
#include "datasets/tlog.h"
#include "ope/base/error.h"
#include "ope/base/statefile.h"
#include "ope/base/strbuf.h"

struct traj_returns {
    size_t P;                   /* policies */
    size_t n, cap;              /* episodes kept, and room */
    uint64_t *ep;               /* [n] each episode's number in the log */
    double *G;                  /* [n] its return, discounted from gamma^0 */
    double *rho;                /* [n * P] its trajectory weight for policy p at i * P + p */
    size_t max_bytes;           /* the memory budget (0: none) */
    const char *path;           /* for messages, or NULL */
    int no_state;               /* a window without a tabular state column was added */
};

/* Empty, for P policies, within max_bytes (0: no limit). */
void traj_returns_init(struct traj_returns *k, size_t P, size_t max_bytes, const char *path);

/* Window w's episodes (the first numbered first in the log): their returns and the
 * weights of the log's policies pol[0..P-1]. 0, or -1 with err (OPE_EDATA past the
 * budget, saying what to do). */
int traj_returns_add(struct traj_returns *k, const struct tlog *w, const size_t *pol,
                     double gamma, uint64_t first, struct ope_error *err);

/* The episodes kept, into sb (for another rank); read back, appended to k. */
void traj_returns_put(const struct traj_returns *k, struct strbuf *sb);
int traj_returns_get(struct traj_returns *k, struct sf_state *st, struct ope_error *err);

/* In the log's episode order; each episode once (OPE_ESOFTWARE otherwise). */
int traj_returns_order(struct traj_returns *k, struct ope_error *err);

/* Why the doubly robust distribution is not there (cdf_returns_all's why_dr): it
 * needs the log in memory, and a tabular state column. */
const char *traj_returns_why_dr(const struct traj_returns *k);

/* Policy p's weights in episode order into rho[0..n-1]. */
void traj_returns_weights(const struct traj_returns *k, size_t p, double *rho);

void traj_returns_release(struct traj_returns *k);

#endif
