/* estimators/segments.h: every policy estimated per segment of a bandit log (ope eval
 * --by COLUMN): the rows grouped by the levels of a categorical context column, or by
 * equal-count bins of a numeric one, each segment evaluated by the one engine
 * (engine.h) on its own rows, with intervals simultaneous over the segments. */
#ifndef ESTIMATORS_SEGMENTS_H
#define ESTIMATORS_SEGMENTS_H

#include <stddef.h>
#include "ope/base/error.h"
#include "datasets/blog.h"
#include "estimators/evaluate.h"
#include "estimators/result.h"

/* At most this many segments: levels of a categorical column, or --bins. More would
 * make each simultaneous interval wide and the table unreadable. */
#define SEG_MAX 64

/* Which segment each row is in. */
struct seg_plan {
    size_t n_seg;
    char **label;           /* [n_seg] the level, or "[lo, hi)" */
    double *lo, *hi;        /* [n_seg] a bin's edges (NAN for levels) */
    size_t *rows;           /* [n_seg] rows in each */
    size_t *seg_of;         /* [n] the segment of each row */
};

/* The segments of log by its context column `column`: a categorical column's levels
 * (bins must be 0), or a numeric column cut into `bins` equal-count bins. A bin's
 * edges are order statistics of the column (the k n / bins-th smallest value), and
 * tied values never straddle an edge, so heavy ties give fewer, larger bins.
 * Errors (OPE_EUSAGE, naming the log's path): no context column of that name, a
 * numeric column without bins, bins on a categorical column, bins outside 2..SEG_MAX,
 * more than SEG_MAX levels. */
int seg_plan_blog(const struct blog *log, const char *column, int bins, struct seg_plan *pl,
                  struct ope_error *err);
void seg_plan_release(struct seg_plan *pl);

/* eval_bandit, plus r->segments: every policy and estimator of o per segment of
 * (column, bins). The reward model is fitted once on the whole log (or is its qhat.*
 * columns), and each segment's rows read it: a segment's dm and doubly robust
 * intervals hold the model fixed. Each segment is bootstrapped with the whole log's
 * counts of its rows (eval_part.rowid). Simultaneous intervals over the segments, per
 * (policy, estimator), at level 1 - alpha:
 *   bootstrap: max-t. With se_s the sd of segment s's replicates, the (1 - alpha)
 *     quantile c of T_b = max_s |v*_{s,b} - v_s| / se_s over the replicates, and the
 *     interval v_s -/+ c se_s. Undefined replicates are left out of the max.
 *   t, hoeffding, bernstein: Bonferroni, each segment's interval at alpha / S (S the
 *     number of segments).
 * A segment's estimate warns when its ESS is below DIAG_SEG_MIN_ESS (diag.h).
 * Errors: those of seg_plan_blog and eval_bandit. */
struct res_eval *seg_eval_bandit(const struct blog *log, const struct eval_opts *o,
                                 const char *column, int bins, struct ope_error *err);

#endif
