/* estimators/features.h: the design matrix of the reward models. A row of a bandit
 * log becomes a short sparse vector with the same number of nonzeros in every row:
 * the intercept, the standardised numeric contexts, one 1 per categorical context
 * (one-hot) and one 1 for the position (one-hot) when the log has positions. */
#ifndef ESTIMATORS_FEATURES_H
#define ESTIMATORS_FEATURES_H

#include <stddef.h>
#include "ope/base/error.h"
#include "ope/base/sum.h"
#include "datasets/blog.h"

/* Column layout: 0 = intercept (never penalised); 1..n_num = numeric contexts,
 * (x - mean) / sd with mean and sd (population sd, 1 when a column is constant) of
 * the training rows; then every level of every categorical column (no level is
 * dropped: the ridge penalty makes the fit unique, and an unseen level simply gets
 * coefficient 0); then every position 0..L-1 when the log has positions (L > 1).
 * Levels are those of the whole log, which reveals no reward. */
struct feat_map {
    size_t p;           /* number of columns */
    size_t nnz;         /* nonzeros per row: 1 + n_num + n_cat + use_pos */
    size_t n_num;
    double *mean;       /* [n_num] */
    double *scale;      /* [n_num] 1 / sd */
    size_t n_cat;
    size_t *cat_off;    /* [n_cat] first column of categorical context c */
    int use_pos;        /* 1 when the position is a feature */
    size_t pos_off;     /* first position column (when use_pos) */
};

/* Set up the map of log, standardising with the rows i where fold == NULL or
 * fold[i] != held_out (the training rows of a fold). Returns 0, or -1 on OOM. */
int feat_map_init(struct feat_map *m, const struct blog *log, const int *fold,
                  int held_out, struct ope_error *err);

/* The map feat_map_init gives a log of n_num numeric columns with these means and
 * scales, n_cat categorical ones of levels[c] levels and, when use_pos, positions
 * 0..n_positions-1: for a log seen in windows (rmstream.h). 0, or -1 on OOM. */
int feat_map_set(struct feat_map *m, size_t n_num, const double *mean, const double *scale,
                 size_t n_cat, const size_t *levels, int use_pos, size_t n_positions,
                 struct ope_error *err);

/* A numeric column's scale from its training mean and population sd: 1 / sd, or 1
 * when the column has (relatively) no spread. */
double feat_scale(double mean, double sd);

/* Free the insides of m (safe on a zeroed or released map). */
void feat_map_release(struct feat_map *m);

/* The nnz column indices (increasing) and values of row i, as if logged at
 * position pos (ignored without positions). */
void feat_row(const struct feat_map *m, const struct blog *log, size_t i, int pos,
              int *idx, double *val);

/* Ask the CPU to fetch the cells feat_row will read for row i (a hint only: no
 * result depends on it). Loops that visit rows out of order (grouped by action)
 * call it a few rows ahead, so feat_row does not wait for memory. */
void feat_prefetch(const struct feat_map *m, const struct blog *log, size_t i);

/* n rows of a design in fixed-nnz sparse form (row r: idx/val[r*nnz .. r*nnz+nnz-1])
 * with responses y; p columns, column 0 the intercept. blk_len > 0 says that columns
 * [blk_off, blk_off + blk_len) are exclusive (one nonzero per row among them: the
 * levels of one categorical context), which the fits exploit (rmodel_normal.h);
 * blk_len 0 (a brace initialiser's default) fits densely. */
struct feat_rows {
    size_t n, nnz, p;
    const int *idx;
    const double *val;
    const double *y;
    size_t blk_off, blk_len;
};

/* x . beta for row r. */
static inline double feat_dot(const struct feat_rows *d, size_t r, const double *beta)
{
    const int *ix = d->idx + r * d->nnz;
    const double *v = d->val + r * d->nnz;
    double s = 0.0;
    for (size_t k = 0; k < d->nnz; k++)
        s += v[k] * beta[ix[k]];
    return s;
}

/* Weighted Gram accumulator: A = sum_r w_r x_r x_r^T and b = sum_r u_r x_r over
 * rows, summed in plain blocks of max(512, p*p/16) rows that are folded into
 * compensated sums, so a million rows lose no more accuracy than a block, and the
 * folding costs at most ~16 operations per row however wide the design. */
struct feat_gram {
    size_t p;
    size_t block, in_block;
    double *blk_a, *blk_b;        /* [p*p] (lower triangle used), [p] */
    struct ope_sum *acc_a, *acc_b;
};

int feat_gram_init(struct feat_gram *g, size_t p, struct ope_error *err);
void feat_gram_release(struct feat_gram *g);
/* Add row r of d with weight w (to A) and u (to b). */
void feat_gram_add(struct feat_gram *g, const struct feat_rows *d, size_t r, double w, double u);
/* Fold the rows added since the last fold into the compensated sums acc_a (the lower
 * triangle of A, row-major p*p) and acc_b, which another process's can then be merged
 * into (rmn_sums); the totals do not change. */
void feat_gram_flush(struct feat_gram *g);
/* Write the full symmetric A (row-major p*p) and b; the accumulator is then reset. */
void feat_gram_finish(struct feat_gram *g, double *a, double *b);

#endif
