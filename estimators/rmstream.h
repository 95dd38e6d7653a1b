/* estimators/rmstream.h: the reward model of rmodel.h fitted over passes of a log seen
 * in windows (the streamed bandit source, evaluate_stream.c), with no row kept between
 * windows: the same folds (rm_folds, by global row), feature maps, ridge or logistic
 * fits and dm influence as rm_crossfit_infl, every sum gathered in the rows' order
 * across windows as the in-memory fit gathers it, so the two agree to the bits where
 * the in-memory fit's sums are sequential, and to rounding elsewhere.
 *
 * The passes: the training rows' means (and each fold's per-action counts and
 * rewards, the responses' range), their spread (the standardisation), then one pass
 * of normal equations (ridge) or one per Newton evaluation of every model still
 * moving (logistic, each model's steps and halvings exactly logit_fit's), then the
 * held-out error (and dm's gradient and each model's Hessian at the fit), then, when
 * dm's influence is wanted, the mean of its per-row terms. Memory: one set of normal
 * equations per (fold, action) model, independent of the rows. */
#ifndef ESTIMATORS_RMSTREAM_H
#define ESTIMATORS_RMSTREAM_H

#include <stddef.h>
#include "ope/base/error.h"
#include "datasets/blog.h"
#include "estimators/result.h"
#include "estimators/rmodel.h"

struct rms;

/* How the passes see the log: RMS_MEMORY, one log in memory, whole (rm_crossfit);
 * RMS_STREAM, the windows of a streamed log (the first pass copies the model's columns
 * for the others, rmcache.h; fewer than 2 rows is the evaluation's error); RMS_SHARD,
 * as RMS_STREAM without the copy: a shard's process makes one pass and stops (ope eval
 * --save-state --model-state). */
enum rms_mode { RMS_MEMORY, RMS_STREAM, RMS_SHARD };

/* A model to fit with options o for a log of n_actions actions; with n_pol > 0 also
 * dm's influence (rm_crossfit_infl) for the policies whose probability columns are
 * pol[0..n_pol-1] of each window. path names the log in messages (may be NULL). mode:
 * an enum rms_mode. NULL with err on bad options or out of memory. */
struct rms *rms_new(const struct rm_opts *o, int n_actions, const size_t *pol, size_t n_pol,
                    const char *path, int mode, struct ope_error *err);
void rms_free(struct rms *m);

/* What the next pass over the log is for, as a progress label ("model: means",
 * "model: Newton pass 3", ...; valid until the next call), or NULL once the model is
 * fitted. */
const char *rms_next_pass(struct rms *m);

/* One window of that pass, in order (row 0 of w is the log's row first). 0 or -1. */
int rms_window(struct rms *m, const struct blog *w, size_t first, struct ope_error *err);

/* Whether the next pass reads the model's own copy of its columns (rmcache.h, made by
 * the first pass) instead of the log: every pass but the first and, when dm's
 * influence is wanted, the held-out one (it reads the policies). */
int rms_cached(const struct rms *m);

/* That pass: every window of the copy through rms_window, reporting progress (label)
 * and honouring a cancel. 0, or -1 with err. A copy that cannot be read back (an I/O
 * error in $TMPDIR: OPE_ENOINPUT) is given up, rms_cached 0 from then on, with *done
 * the rows of the pass already through rms_window: the caller gives it the rest of the
 * pass from the log. */
struct ope_progress;
int rms_cache_pass(struct rms *m, struct ope_progress *progress, const char *label,
                   size_t *done, struct ope_error *err);

/* The pass is over. 0, or -1 with err (bad data or options found on the way, a
 * singular fit, out of memory). */
int rms_pass_done(struct rms *m, struct ope_error *err);

/* After the fit: q̂ at window w's rows into q[a][0..w->n-1] for every action (each row
 * predicted by its own fold's model) and, when the influence was asked for, dm's
 * centred per-row terms into u[p][0..w->n-1] (u may be NULL otherwise). 0 or -1. */
int rms_predict(struct rms *m, const struct blog *w, size_t first, double **q, double **u,
                struct ope_error *err);

/* A log in memory (RMS_MEMORY), once fitted: what rms_predict would give for the whole
 * log, kept from the passes that computed it (the held-out pass's q̂, the influence
 * pass's phi, centred here), handed to the caller, who frees them (blog_matrix_free):
 * 1, with *u NULL without policies; 0 when none were kept (call rms_predict). */
int rms_take_predictions(struct rms *m, double ***q, double ***u);

/* Across processes (the ranks of an MPI job, each with a share of the log's rows in
 * order): after a pass, each puts the sums it folded (rms_put_pass), and each resets
 * its own (rms_reset_pass) and merges every process's part in row order
 * (rms_merge_part, from rms_put_pass's bytes at st's cursor), so every process holds
 * the whole log's sums before rms_pass_done, and goes on as one process would. A part
 * that does not fit (another pass, other folds or columns) is refused (st->bad). */
struct strbuf;
struct sf_state;
void rms_put_pass(struct rms *m, struct strbuf *sb);
void rms_reset_pass(struct rms *m);
int rms_merge_part(struct rms *m, struct sf_state *st, struct ope_error *err);

/* Shards that code their categorical levels each in its own order (ope eval
 * --save-state: each reads only its rows) take part in the means' pass with their own
 * codes, which it only counts; its merged sums then get the whole log's level counts
 * (levels[c] for the context's n_cat categorical columns, in their order), and every
 * later pass is given windows recoded to the whole log's levels. Whether the next pass
 * is the means' (its parts carry the shards' level names), and the count set: 0, or -1
 * when n_cat is not the model's. */
int rms_pass_is_means(const struct rms *m);
int rms_set_levels(struct rms *m, const size_t *levels, size_t n_cat);
/* The model's categorical columns once its means' pass is merged (0 before), and the
 * levels of column c (0 past them): a fit's state holds both the joined level names and
 * the merged counts, and a shard's windows are coded by the names, so the two must
 * agree (a crafted state whose lists were longer had codes past the models' columns). */
size_t rms_cat_columns(const struct rms *m);
size_t rms_cat_levels(const struct rms *m, size_t c);

/* The fitted model's report (kind, folds, held-out error), as rm_crossfit's. */
void rms_report(const struct rms *m, struct res_model *r);

#endif
