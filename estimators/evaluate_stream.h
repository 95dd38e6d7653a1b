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
 * What it does not do, and says so (OPE_EUSAGE): fit a reward model (fitting needs
 * passes of its own; give the log qhat.* columns, choose estimators without a model,
 * or evaluate in memory), evaluate segments (ope eval --by gathers each segment's
 * rows: evaluate in memory), or evaluate a trajectory log (bandit logs only). */
#ifndef ESTIMATORS_EVALUATE_STREAM_H
#define ESTIMATORS_EVALUATE_STREAM_H

#include <stddef.h>
#include "ope/base/error.h"
#include "datasets/blog.h"
#include "estimators/evaluate.h"
#include "estimators/result.h"

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
};

/* Evaluate the log of win as eval_bandit evaluates it in memory. The stream is
 * rewound before each pass (and left at the end of the last). Errors: as
 * eval_bandit's, the window provider's, and OPE_EUSAGE for an estimator that needs
 * a reward model when the log has no qhat.* columns, or a trajectory estimator. */
struct res_eval *eval_bandit_stream(const struct eng_windows *win, const struct eval_opts *o,
                                    struct ope_error *err);

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
