/* estimators/evaluate_stream.h: a bandit log evaluated from windows of its rows
 * instead of whole (ope eval --stream, issue 17), by the same driver as a log in
 * memory (engine.h): only the gathering differs, so every estimate, interval, lift,
 * --against, difference, rank probability and warning is the in-memory run's, the
 * same bits but for se and the t and Bernstein bounds (they rest on the sd, merged
 * across windows: to 1e-12 relative, t/0390); the memory held is one window plus
 * O(policies x estimators x replicates), never O(rows).
 *
 * The passes over the windows:
 *   1. the accumulator's point and replicate sums (acc_state fed window by window with
 *      the windows' global rows), the weights' bound and the rewards' range (--ci cs),
 *      the support of the logged actions, the behaviour value, and whether each
 *      estimator applies (est_desc.applies_fold);
 *   2. given the finished sums: the contributions' statistics (the mean a compensated
 *      sum in row order, the sd from per-window two-pass variances merged by Chan et
 *      al.'s pairwise update), the lift's, the confidence sequences (carried across the
 *      windows in row order), the weights' diagnostics, truth and unsupported mass;
 *   3. only for the t, Hoeffding and Bernstein intervals of the differences between
 *      candidates: the statistics of the per-row differences of the pairs.
 *
 * Without qhat.* columns, the reward model is fitted first, in passes of its own
 * (rmstream.h), and every window's q̂ comes from it. What it does not do, and says so
 * (OPE_EUSAGE): evaluate segments (ope eval --by gathers each segment's rows: evaluate
 * in memory), or evaluate a trajectory log (bandit logs only). */
#ifndef ESTIMATORS_EVALUATE_STREAM_H
#define ESTIMATORS_EVALUATE_STREAM_H

#include <stddef.h>
#include "ope/base/error.h"
#include "datasets/blog.h"
#include "estimators/evaluate.h"
#include "estimators/result.h"
#include "ope/base/strbuf.h"

/* Where the windows come from (a file read by datasets/blog_stream.h, or a log in
 * memory cut into windows: eng_windows_of_blog). A window is a struct blog of
 * consecutive rows with the whole log's columns, actions, policies and codes; the
 * first row of every window is a multiple of ACC_CHUNK (accum.h), so the
 * accumulator's chunks are those of the whole log. */
struct eng_windows {
    void *ctx;
    /* The next window *w (valid until the next call) and the log's row of its first
     * row *first_row: 1; 0: the pass is over; -1 with err. */
    int (*next)(void *ctx, const struct blog **w, size_t *first_row, struct ope_error *err);
    /* Start a new pass at row 0. 0, or -1 with err. */
    int (*rewind)(void *ctx, struct ope_error *err);
    const char *path;       /* the log's path for the results and messages, or NULL */
    /* The global row of the first row this process reads: 0, or the start of its
     * share of the log among the ranks of an MPI job (a multiple of ACC_CHUNK), whose
     * pass states are merged after each pass (comm.h). */
    size_t row0;
    /* Called once after the first pass has been merged (every rank at once), for the
     * provider's checks of the whole log (ope eval's weight range), or NULL. 0, or -1
     * with err (on every rank: a provider across ranks agrees on its outcome). */
    int (*pass1_done)(void *ctx, struct ope_error *err);
    /* Told, when not NULL, that the reward model's temporary copy of its columns failed
     * a read (msg: why; its passes then read the log again): a warning of how the log
     * was read, which the provider adds to the result with its own (ope select shows
     * those apart from the estimates' warnings). NULL: the engine adds it. */
    void (*copy_failed)(void *ctx, const char *msg);
};

/* Evaluate the log of win as eval_bandit evaluates it in memory. The stream is
 * rewound before each pass (and left at the end of the last). Errors: as
 * eval_bandit's, the window provider's, and OPE_EUSAGE for a trajectory estimator. */
struct res_eval *eval_bandit_stream(const struct eng_windows *win, const struct eval_opts *o,
                                    struct ope_error *err);

/* ---- shards: a state saved from each, merged into the whole log's result --------------
 * A shard of a log (its rows from global row row0 = eng_windows.row0, any row) is
 * evaluated as far as it can be without the others: pass 1 as above, then a pass that
 * keeps the co-moments of the reward and of every estimator's per-row terms (each
 * contribution is affine in them given the sums, estimator.h), the weights'
 * diagnostics, truth and each policy's probability per (position, action). The merge
 * of the shards' states in row order is then the whole log's evaluation: the same
 * bootstrap draws (keyed by the global rows), the sums to rounding (the chunks are
 * counted from each shard's first row), the sd from the co-moments (to 1e-12
 * relative). --ci hoeffding and bernstein take the observed range of contributions
 * linearised at the whole log's sums, which no co-moment gives: the shards find those
 * sums first, in a round (below). Refused (OPE_EUSAGE): --ci cs (it folds every row in
 * order). */
#define EVAL_STATE_KIND "ope-eval-shard"

/* The shard's state (its blocks, evstream_state.c) appended to state, and the settings
 * that must agree for states to merge (one "key=value" per line, statefile.h) to
 * settings: 0, or -1 with err. The windows' row0 is the shard's first global row;
 * pass1_done runs on the shard's own rows. fit_rounds: estimators that need a reward
 * model, with no qhat.* columns, fit it across the shards in rounds (below), fit being
 * the passes merged so far (NULL: none yet); while it is not fitted, the state saved
 * is the shard's part of the next pass (*part = 1, kind EVAL_FIT_PART_KIND) instead;
 * else *part is 2 when the evaluation used the fitted model, 0 when it needed none. */
struct eval_fit;
struct eval_sums;
int eval_bandit_stream_save(const struct eng_windows *win, const struct eval_opts *o,
                            int fit_rounds, const struct eval_fit *fit,
                            const struct eval_sums *sums, struct strbuf *state,
                            struct strbuf *settings, int *part, struct ope_error *err);

/* ---- --ci hoeffding and bernstein: the sums round (evstream_sums.c) ----------------------
 * With --ci hoeffding or bernstein and no sums (above: once the model, if any, is
 * fitted), a shard saves its first pass instead (*part = 3, kind EVAL_SUMS_PART_KIND);
 * eval_bandit_sums_merge merges the parts into a block the fit's state keeps
 * (eval_sums_read reads it back); a shard given those sums saves its contributions'
 * statistics at them (*part = 4: an evaluation state whose settings name the block),
 * and eval_bandit_merge with the sums adds them up. */
#define EVAL_SUMS_PART_KIND "ope-eval-sums-pass"
struct sf_state;
struct eval_sums *eval_sums_read(struct sf_state *st, struct ope_error *err);
/* Whether st's cursor is at such a block (the cursor is not moved). */
int eval_sums_at(const struct sf_state *st);
void eval_sums_free(struct eval_sums *u);
/* Its SHA-256 (64 hex digits), which the contributions' settings name (sums_fit=). */
const char *eval_sums_digest(const struct eval_sums *u);
/* The parts states[0..n-1] (as eval_bandit_merge's states) merged, the block appended
 * to out. 0, or -1 with err. */
int eval_bandit_sums_merge(const struct eng_windows *win, struct sf_state *const *states,
                           const uint64_t *rows, size_t n, const struct eval_opts *o,
                           struct strbuf *out, struct ope_error *err);

/* ---- a reward model fitted across shards, in rounds -------------------------------------
 * A shard cannot fit the model alone: it needs every row's sums before any row is
 * evaluated. The shards fit it together in rounds of one pass each (rmstream.h's
 * passes: means, spread, the normal equations or one per Newton evaluation, held-out
 * error, influence): each shard makes the next pass over its rows and saves its part
 * (ope eval --save-state P --model-state M), and eval_fit_merge adds the parts in row
 * order to the fit's state M (ope merge --model-state M), as MPI ranks merge theirs.
 * Once M is fitted, each shard saves its evaluation's state with the model, and the
 * states' settings name M's digest (only states made with one fit merge). */
#define EVAL_FIT_KIND "ope-model-fit"
struct sf_state;
#define EVAL_FIT_PART_KIND "ope-model-pass"
/* The fit's blocks at st's cursor (past the caller's header), the cursor left past
 * them (the caller checks what follows); its name and settings are st's. NULL with err
 * (OPE_EDATA: damaged, another version). */
struct eval_fit *eval_fit_read(struct sf_state *st, struct ope_error *err);
void eval_fit_free(struct eval_fit *f);
int eval_fit_fitted(const struct eval_fit *f);
size_t eval_fit_passes(const struct eval_fit *f);
/* Its digest (64 hex digits): what the settings of the evaluation states made with it
 * name (model_fit=...). */
const char *eval_fit_digest(const struct eval_fit *f);
/* One round: the parts[0..n-1] of its pass in row order (each cursor past the caller's
 * header; the caller checked the rows follow each other and the settings agree) added
 * to prev (NULL: the first round), the pass closed (the models held in max_bytes:
 * rm_opts.max_bytes), and the fit's new blocks written
 * to out; *fitted says whether the model is fitted now, label (label_size bytes) names
 * the pass merged ("model: Newton pass 2"). 0, or -1 with err (OPE_EDATA: parts of
 * another round, fit or shape, damaged; the fit's own errors: bad data, a singular
 * fit). */
int eval_fit_merge(const struct eval_fit *prev, struct sf_state *const *parts, size_t n,
                   unsigned long long max_bytes, struct strbuf *out, int *fitted, char *label,
                   size_t label_size, struct ope_error *err);

/* The options a state was saved with, read at its cursor (its first block): what the
 * merge rebuilds its eval_opts from. 0, or -1 with err (OPE_EDATA: damaged). */
struct eval_state_opts {
    char *estimators;           /* the specs' labels, comma-separated */
    char **policies;            /* the evaluated policies, in order */
    size_t n_policies;
    double alpha, bound_lo, bound_hi;
    int ci, n_boot;
    uint64_t seed;
    char *against;              /* NULL: the logged policy */
    size_t matrix_k;
};
struct sf_state;
int eval_state_opts_read(struct sf_state *st, struct eval_state_opts *so, struct ope_error *err);
/* The options block eval_state_opts_read reads: o's estimators and settings, and the
 * evaluated policies names[pol[0..n_pol-1]]. */
void eval_state_opts_put(struct strbuf *sb, const struct eval_opts *o, const char *const *names,
                         const size_t *pol, size_t n_pol);
void eval_state_opts_release(struct eval_state_opts *so);

/* The evaluation of the whole log from the states of its shards, states[0..n-1] in
 * row order, each cursor past its options (the caller checked they agree and that
 * the shards' rows follow each other), rows[k] the rows state k's header says it
 * holds (which put it in row order: its blocks must hold those, or it is refused as
 * damaged); sums: the whole log's sums the states' contributions were saved at (their
 * settings name it), or NULL. win gives only the path and pass1_done (the
 * caller's checks of the whole log, e.g. the weights' range); its next and rewind are
 * not called. Errors as eval_bandit_stream's, and OPE_EDATA for states that do not
 * belong together or are damaged. */
struct res_eval *eval_bandit_merge(const struct eng_windows *win, struct sf_state *const *states,
                                   const uint64_t *rows, size_t n, const struct eval_opts *o,
                                   const struct eval_sums *sums, struct ope_error *err);

/* The refusal of what a streamed evaluation cannot do, for a command to call before
 * anything is read: by (the --by column, or NULL) asks for segments, trajectories
 * says the log is a trajectory log. 0, or -1 with err (OPE_EUSAGE). */
int eval_stream_refuse(const char *by, int trajectories, struct ope_error *err);

/* A log in memory cut into windows of `window` rows (a positive multiple of
 * ACC_CHUNK), for tests and as the model of a provider. Each window is a struct blog
 * that borrows the log's columns (pointers into them), so nothing is copied. */
struct eng_blog_windows {
    const struct blog *log;
    size_t window, next_row;
    struct blog w;                      /* the current window */
    struct blog_policy *pol;            /* [n_policies] its policies */
    double **cols;                      /* its prob, qhat and q column pointers */
    struct blog_catcol *cat;            /* its categorical columns */
    double **num;                       /* its numeric columns */
};

/* Set up win over log (which must outlive it). 0, or -1 with err (OPE_EUSAGE: a
 * window that is not a positive multiple of ACC_CHUNK; out of memory). */
int eng_windows_of_blog(struct eng_windows *win, struct eng_blog_windows *bw,
                        const struct blog *log, size_t window, struct ope_error *err);
void eng_blog_windows_release(struct eng_blog_windows *bw);

#endif
