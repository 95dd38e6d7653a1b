/* estimators/rmodel_normal.h: the normal equations A x = b of the reward models (ridge
 * and each Newton step of the logistic fit), accumulated from sparse design rows and
 * solved either densely or, for a wide one-hot block, by eliminating that block. */
#ifndef ESTIMATORS_RMODEL_NORMAL_H
#define ESTIMATORS_RMODEL_NORMAL_H

#include <stddef.h>
#include "ope/base/error.h"
#include "estimators/features.h"

/* A = sum_r w_r x_r x_r^T and b = sum_r u_r x_r over design rows, then diagonal
 * additions (the penalty), then a solve. Two forms, chosen at init:
 *  - dense: A is p x p (feat_gram) and the solve is ridge_solve_sym, exactly as the
 *    reward models always did;
 *  - block: the columns [off, off + m) are an exclusive block (every row has exactly
 *    one nonzero among them, the one-hot levels of a categorical context), so A
 *    restricted to them is diagonal. A is kept as the dense q x q part of the other
 *    q = p - m columns, the m x q cross part and the m diagonal entries: memory
 *    q (q + m) instead of p^2, and the solve (rmn_solve) costs ~ q^2 m, not p^3. */
struct rm_normal {
    size_t p, off, m, q;
    int block;
    struct feat_gram gram;      /* dense form */
    double *a;                  /* dense: [p*p]; block: [q*q + m*q + m] (dd, e, ds) */
    /* block form: plain sums over a block of rows, folded into compensated ones */
    size_t rows_per_block, in_block;
    double *blk_a, *blk_b;      /* [q*q + m*q + m], [p] */
    /* the levels the block's rows met, so a fold costs q^2 + (their number) (q + 2)
     * rather than the m (q + 2) of every level (an MPI rank's parts fold once a pass) */
    size_t *met, n_met;         /* [m] */
    unsigned char *is_met;      /* [m] */
    struct ope_sum *acc_a, *acc_b;
    /* block form: the solve's workspace */
    double *c, *r, *xd;         /* [q*q], [q], [q] */
    struct ope_sum *cs, *rs;    /* [q*q], [q] */
    int *nz;                    /* [q] */
};

/* Set up the normal equations of p columns; blk_len > 0 asks for the block form with
 * the exclusive block [blk_off, blk_off + blk_len). Returns 0, or -1 (OOM). */
int rmn_init(struct rm_normal *s, size_t p, size_t blk_off, size_t blk_len,
             struct ope_error *err);

/* About the bytes rmn_init allocates for those arguments (for a memory budget). */
size_t rmn_bytes(size_t p, size_t blk_off, size_t blk_len);

/* Free the insides of s (safe on a zeroed or released s). */
void rmn_release(struct rm_normal *s);

/* Add row r of d with weight w (to A) and u (to b). In the block form the row must
 * have exactly one nonzero in the block. */
void rmn_add(struct rm_normal *s, const struct feat_rows *d, size_t r, double w, double u);

/* The running compensated sums of A (the returned number of entries, in the form's
 * own layout) and of b (p entries), with every row added so far folded in: another
 * process's sums of the same form merge into them entry by entry (ope_sum_merge), so
 * the normal equations of rows spread over processes are gathered in one. */
size_t rmn_sums(struct rm_normal *s, struct ope_sum **a, struct ope_sum **b);

/* Close the sums: A is kept inside s, b (p values) is written out; the accumulator
 * is reset for the next rmn_add. */
void rmn_finish(struct rm_normal *s, double *b);

/* A_jj += v (after rmn_finish). */
void rmn_diag_add(struct rm_normal *s, size_t j, double v);

/* Solve A x = b (x: p values). Dense: ridge_solve_sym on A. Block: with D = the
 * block's diagonal, E its cross part and subscripts d for the other columns,
 *   (A_dd - E^T D^-1 E) x_d = b_d - E^T D^-1 b_blk,   x_blk = D^-1 (b_blk - E x_d),
 * the first solved by ridge_solve_sym; a block column with D_ll <= 0 (no weight and
 * no penalty: its row of A and its b are 0) gets x_l = 0, as the dense minimum-norm
 * solution would give it. Returns what ridge_solve_sym returns (0, 1 after the SVD
 * fallback, or -1 with err filled). */
int rmn_solve(struct rm_normal *s, const double *b, double *x, struct ope_error *err);

#endif
