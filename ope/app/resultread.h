/* ope/app/resultread.h: the one reader of each kind of saved result, the inverse of
 * the commands' writers: a saved file becomes the struct the computation held before
 * writing it, so `ope plot` draws a saved result with the same chart builder, from
 * the same struct, as the TUI and the reports draw a fresh one.
 *
 *   evaluation        `ope eval --format json`          jr_load_eval (jsonread.h)
 *   exploration runs  `ope explore -o RUN.csv`           rr_load_explore: xpl_runs
 *   training curves   `ope train --env` curves CSV       rr_load_curves: pg_result[]
 *   top-k curves      `ope select --format csv`          rr_load_select: ops_curves
 *
 * Errors: OPE_ENOINPUT (unreadable file), OPE_EDATA (not that kind of file, a bad
 * cell, an incomplete result; the message names file:line[:column]), OOM. */
#ifndef OPE_APP_RESULTREAD_H
#define OPE_APP_RESULTREAD_H

#include <stddef.h>
#include "estimators/ops.h"
#include "ope/app/jsonread.h"
#include "ope/base/error.h"
#include "ope/learn/explore/record.h"
#include "ope/learn/pg/pg.h"

/* A per-episode record of `ope explore -o` (record.h's columns). The columns
 * episode, run, algorithm, value and regret are required, the others optional (a
 * missing one reads as NaN or 0); vb_learned makes it an offline baseline's record.
 * Algorithms keep their order of first appearance; runs are numbered 0..R-1 and
 * episodes 1..K, and every algorithm must have every (run, episode) exactly once.
 * The seed is run 0's; the threshold (and the offline values) the first row's.
 * violated_exact, when the file has no such column, is violated (the baseline's
 * value was exact). Release with xpl_runs_release. */
int rr_load_explore(const char *path, struct xpl_runs *out, struct ope_error *err);

/* A learning-curve file (pg_curves_format: algorithm,run,iteration,true_value,
 * grad_norm,samples; grad_norm may be missing): one pg_result per algorithm label in
 * order of first appearance, with algo = pg_find(label) (NULL for e.g. hnpg+offline),
 * n_runs = the runs 0..R-1, n_iter = the last iteration, every (run, iteration)
 * present exactly once; grad_norm is NaN where the cell is empty (row 0), aux NaN,
 * no theta. Free with rr_curves_free(*res, *n). */
int rr_load_curves(const char *path, struct pg_result **res, size_t *n,
                   struct ope_error *err);
void rr_curves_free(struct pg_result *res, size_t n);

/* The per-k CSV of `ope select` (select_csv, or select_rep_csv's means): per
 * estimator in order of first appearance, best, worst, mean, std,
 * safety_violation_rate and sharpe_ratio for k = 1..M (M the largest k); an empty
 * cell, or a k the file does not list, is NaN, "inf" is infinity. Other columns
 * (regret_k, chosen_k, the *_sd of replicates) are not read. Release with
 * ops_curves_release. */
int rr_load_select(const char *path, struct ops_curves *out, struct ope_error *err);

#endif
