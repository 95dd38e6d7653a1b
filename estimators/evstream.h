/* estimators/evstream.h: the state of the streamed bandit source and its passes,
 * shared by evaluate_stream.c (the source and pass 1) and evstream_stats.c (passes 2
 * and 3). Internal to the estimators layer; the interface is evaluate_stream.h. */
#ifndef ESTIMATORS_EVSTREAM_H
#define ESTIMATORS_EVSTREAM_H

#include <stddef.h>
#include "ope/base/error.h"
#include "datasets/blog.h"
#include "estimators/ci.h"
#include "estimators/diag.h"
#include "estimators/engine.h"
#include "estimators/evaluate_stream.h"
#include "estimators/evbandit.h"
#include "ope/base/statefile.h"
#include "ope/base/strbuf.h"

#define EVS_WHY 320     /* sizeof eng_est.why */

struct ssrc {
    const struct eng_windows *win;
    size_t row0;                /* the global row of this process's first row */
    size_t local_rows;          /* this process's rows (pass 1) */
    /* What the first window says of the log. */
    size_t n_policies;
    char **names;
    int n_actions, has_qhat, has_q;
    /* Pass 1. */
    double *wmax;               /* [n_pol] --ci cs: the largest weight each policy allows */
    double rmin, rmax, rlo, rhi;
    struct diag_support support;
    size_t *col, base_col;      /* the accumulator's columns (evboot's layout) */
    int *applies;               /* [n_pol * n_spec] */
    char *why;                  /* [n_pol * n_spec][EVS_WHY] */
    double *app_acc;            /* [n_pol * n_spec][EST_APPLIES_ACC] */
    /* One window's rows. */
    struct evb_pol_in *pin;     /* [n_pol] */
    struct est_bandit_in *in;   /* [n_pol] */
    size_t *rowid;              /* [window] */
    size_t rowid_cap;
    /* --save-state (evstream_state.c): the shard's state is written here after pass 1
     * and the moments' pass, instead of a result (saved is then set). */
    struct strbuf *save, *save_settings;
    int saved;
    /* ope merge: the shards' states in row order, each cursor past its options. */
    struct sf_state *const *merge;
    const uint64_t *merge_rows; /* [n_merge] the rows each state's header says */
    size_t n_merge;
    struct evs_merged *merged;  /* what pass 2 and 3 take from them */
    /* A reward model fitted here (no qhat.* columns): its passes run before pass 1
     * (fitting: windows are read for it alone), then every window's q̂ and dm's
     * influence come from it. */
    struct rms *fit;
    int fitting;
    double **qhat, **infl;      /* [n_actions][qcap], [n_infl + 1][qcap] (blog_matrix) */
    size_t qcap, n_infl;
    /* --save-state --model-state (evstream_fit.c): the model is fitted in rounds across
     * the shards, shard_fit the passes merged so far (NULL: the first round); a round
     * saves this shard's pass (saved 2). The windows given to the model are recoded to
     * the fit's categorical levels (rwin, its columns rcat, recode[c][local code]). */
    int fit_rounds;
    const struct eval_fit *shard_fit;
    struct strbuf part_levels;  /* the means' pass: this shard's levels block */
    int **recode;
    struct blog_catcol *rcat;
    size_t *rlocal;             /* [n_cat] the shard's own levels (recode's length) */
    size_t rcap;
    struct blog rwin;
    /* A shard's state evaluated with a model fitted in rounds (or their merge): the
     * fit's digest, named by the settings, and its report. */
    char fit_hex[65];
    struct res_model fit_report;
    struct rm_opts fit_opts;    /* ope merge: the options the shards fitted it with */
    /* The MPI ranks' exchange of the model's passes (evs_share_fit): this rank's part,
     * sealed, and every rank's, kept from pass to pass. A wide model's part is tens of
     * MB, and memory written before is cheap to write again where fresh memory is not
     * (a fresh 100 MB costs 0.28 s of page faults on the 2-core VM). */
    struct strbuf share_pay, share_sealed, share_all;
    /* --ci hoeffding and bernstein in shards (evstream_sums.c): the intervals take the
     * range of contributions linearised at the whole log's sums, so the shards first
     * find those sums in a round of their own. sums_part: this shard's first pass is
     * saved as its part of that round; sums_merge (ope merge): the parts are merged into
     * the round's block (s->save); sums: the whole log's first pass, from which a shard
     * saves its rows' contributions' statistics, and the merge adds them (pairs: each
     * state's differences, [n_merge]). */
    int sums_part, sums_merge;
    const struct eval_sums *sums;
    struct evs_pairs *pairs;
};

/* Per (policy, estimator) in pass 2. */
struct sest {
    struct ci_stats_acc c, lift;
    struct ci_cs cs, cs_lift;
    struct diag_acc wacc;
};

/* Per policy in pass 2. */
struct spol {
    struct ope_sum truth, unsup;
    struct diag_acc w;
};

/* ---- across the ranks of an MPI job (evstream_share.c) ------------------------------
 * Each rank folds the windows of its own rows; at the end of each pass the ranks agree
 * on its outcome (rc: this rank's, 0 or -1 with err) and, with several ranks, exchange
 * their pass states and merge them in rank order -- the rows' order -- so every rank
 * holds the whole log's state and goes on as one process would. Every rank calls each
 * of these once per pass, whatever happened, so none waits in a collective another
 * never reaches. Alone each is only rc. 0, or -1 with err (the lowest failing rank's). */
struct acc_state;
/* What the log's first window says (s_open: policies, actions, qhat and q columns),
 * from the first rank that has rows: rc is this rank's (1: read from its first window,
 * 0: it has no rows, -1 with err). 1, 0 (no rank has rows) or -1 with err. */
int evs_share_open(struct ssrc *s, int rc, struct ope_error *err);
int evs_share_pass1(struct eng *g, int rc, struct acc_state *st, struct ope_sum *rsum,
                    size_t *rows, struct ope_error *err);
int evs_share_pass2(struct eng *g, int rc, struct sest *t, struct spol *tp,
                    struct ope_error *err);
int evs_share_diff(struct eng *g, int rc, struct ci_stats_acc *q, size_t n_d,
                   struct ope_error *err);
/* The reward model's pass (rmstream.h) across ranks: every rank's sums merged in rank
 * order into m, before rms_pass_done. */
struct rms;
int evs_share_fit(struct eng *g, int rc, struct rms *m, struct ope_error *err);
/* What a streamed evaluation cannot do across ranks (OPE_EUSAGE), for s_check. */
int evs_share_refuse(const struct eng *g, struct ope_error *err);

/* ---- a reward model fitted across shards in rounds (evstream_fit.c) -------------------
 * In a shard with a fit so far: check it was made for this shard's settings, and
 * replay its passes into s->fit. 0, or -1 with err. */
int evs_fit_replay(struct eng *g, struct ope_error *err);
/* A window given to the model: in the means' pass, the shard's levels kept for its
 * part; with the fit's levels, *w replaced by the window recoded to them. 0, or -1
 * with err (a level the fit does not have). */
int evs_fit_window(struct eng *g, const struct blog **w, struct ope_error *err);
/* The shard's part of the pass just made, into s->save (settings: evs_fit_settings).
 * 0, or -1 with err. */
int evs_fit_save_part(struct eng *g, struct ope_error *err);
void evs_fit_settings(const struct eng *g, struct strbuf *sb);
void evs_fit_release(struct ssrc *s);

/* ---- the sums round of --ci hoeffding and bernstein in shards (evstream_sums.c) ------
 * Pass 1 of a shard saving its part (s->sums_part; st: its own pass 1, not finished):
 * the options, the log's facts and the pass-1 state into s->save. 0, or -1 with err. */
int evs_sums_save_part(struct eng *g, const struct acc_state *st, const struct ope_sum *rsum,
                       size_t rows, struct ope_error *err);
/* Pass 1 of ope merge on the parts (s->sums_merge): each part's pass 1 merged in row
 * order into st, rsum and rows (as evs_merge_states), then the round's block into
 * s->save. 0, or -1 with err. */
int evs_sums_merge_parts(struct eng *g, struct acc_state *st, struct ope_sum *rsum,
                         size_t *rows, struct ope_error *err);
/* Pass 1 from the round's block (s->sums): the whole log's, into the empty st, rsum
 * and rows; in a merge, checked against the states' settings and rows. 0, or -1 with
 * err. */
int evs_sums_load(struct eng *g, struct acc_state *st, struct ope_sum *rsum, size_t *rows,
                  struct ope_error *err);
/* A shard given the sums, after its pass 2 over its own rows (t, tp): the pairs of
 * differences the merge may name, their statistics over its rows (pass 3), and the
 * state of its contributions into s->save. 0, or -1 with err. */
int evs_sums_save_contribs(struct eng *g, const struct eng_sums *x, const struct sest *t,
                           const struct spol *tp, struct ope_error *err);
/* The merge given the sums: every state's pass-2 statistics added in row order into t
 * and tp (initialised), and its differences kept for evs_sums_diff. 0, or -1 with err. */
int evs_sums_merge_pass2(struct eng *g, const struct eng_sums *x, struct sest *t,
                         struct spol *tp, struct ope_error *err);
/* ... and the statistics of the pairs d the merge names, from every state's. */
int evs_sums_diff(struct eng *g, const struct res_diff *d, size_t n_d, struct ci_stats_acc *q,
                  struct ope_error *err);
void evs_pairs_free(struct evs_pairs *p, size_t n);

/* The options and the log's facts, the first blocks of every saved state
 * (evstream_state.c). */
void evs_put_head(const struct eng *g, struct strbuf *sb);
/* Merge mode: whether the first state's settings are those its options give
 * (evs_settings) with tail, the state's own lines, after them: a crafted options block
 * must not pass as the settings the text names. 0, or -1 with err (OPE_EDATA). */
int evs_states_named(struct eng *g, const char *tail, struct ope_error *err);
/* Merge mode: state k's pass-1 block (at its cursor) merged as the rows that follow,
 * checked to hold the rows its header says. 0, or -1 with err. */
int evs_merge_state_pass1(struct eng *g, size_t k, struct acc_state *st, struct ope_sum *rsum,
                          size_t *rows, struct ope_error *err);
/* Pass 2's statistics, as a rank sends them (evstream_share.c), and one such block
 * at st's cursor added to t and tp (the rows that follow); with defined (a state's:
 * [n_pol * n_spec], whether the estimate is defined at the whole log's sums), checked
 * to hold its rows and statistics real contributions can have. 0, or -1 with err. */
void evs_put_pass2(const struct eng *g, const struct sest *t, const struct spol *tp,
                   struct strbuf *sb);
int evs_merge_pass2_part(const struct eng *g, struct sf_state *st, struct sest *t,
                         struct spol *tp, uint64_t rows, const unsigned char *defined,
                         struct ope_error *err);
/* Pass 3 over this process's rows: the statistics of the pairs d's per-row differences
 * into q[0..n_d-1] (initialised here). 0, or -1 with err. */
int evs_diff_fold(struct eng *g, const struct eng_sums *x, const struct res_diff *d,
                  size_t n_d, struct ci_stats_acc *q, struct ope_error *err);

/* The pieces of evstream_share.c that a saved state is made of (evstream_state.c). */
void evs_put_pass1(const struct eng *g, const struct acc_state *st, const struct ope_sum *rsum,
                   size_t rows, struct strbuf *sb);
/* The empty pass-1 state that parts are merged into. */
void evs_reset_pass1(struct eng *g, struct acc_state *st, struct ope_sum *rsum);
/* One part's pass-1 state (evs_put_pass1's bytes, at st's cursor) merged into the
 * state, as the rows that follow. 0, or -1 with err. */
int evs_merge_pass1_part(struct eng *g, struct sf_state *st, struct acc_state *acc,
                         struct ope_sum *rsum, size_t *rows, struct ope_error *err);
/* The settings that must agree for states to merge, one "key=value" per line. */
void evs_settings(const struct eng *g, struct strbuf *sb);

/* ---- saved states and their merge (evstream_state.c) --------------------------------
 * A shard (ope eval --save-state) cannot know the whole log's sums, on which each
 * row's contribution depends; but every bandit contribution is affine in the row's
 * terms given the sums (est_desc.contrib: a plain mean, or a ratio's linearisation),
 * so the shard keeps, per estimator, the count, means and co-moments of the reward
 * and of every policy's terms, and the merge forms the contributions' mean and sum of
 * squared deviations (and the lift's, and the differences') from them as quadratic
 * forms. The weights' diagnostics, truth and unsupported mass need no sums: merged
 * as they are. */
struct evs_merged;
/* Save mode, after the (local) pass 1: the options, the log's facts and the pass-1
 * state (st before finalize), then a pass over the windows for the moments, all into
 * s->save. 0, or -1 with err. */
int evs_save(struct eng *g, const struct acc_state *st, const struct ope_sum *rsum,
             size_t rows, struct ope_error *err);
/* Merge mode: every state's open facts (the same in each), into s. 0, or -1 with err. */
int evs_merge_open(struct ssrc *s, struct ope_error *err);
/* Merge mode, pass 1: every state's pass-1 state and moments merged in row order.
 * 0, or -1 with err. */
int evs_merge_states(struct eng *g, struct acc_state *st, struct ope_sum *rsum,
                     size_t *rows, struct ope_error *err);
/* Merge mode, pass 2 and 3: what those passes fold from rows (evs_each_window), from
 * the merged moments given the finished sums x. 0, or -1 with err. */
int evs_merge_pass2(struct eng *g, const struct eng_sums *x, const struct eng_res *es,
                    struct sest *t, struct spol *tp, struct ope_error *err);
int evs_merge_diff(struct eng *g, const struct eng_sums *x, const struct res_diff *d,
                   size_t n_d, struct ci_stats_acc *q, struct ope_error *err);
/* Merge mode: a warning on each policy whose sd, merged from the co-moments, lost its
 * digits to cancellation (evs_merge_pass2 marks them). 0, or -1 (out of memory). */
int evs_merge_warn(struct eng *g, struct res_eval *r);
void evs_merged_free(struct evs_merged *m);

/* A policy's own pass-2 statistics over window w: truth, weights, and the unsupported
 * mass given the whole log's support (NULL: none, a shard's moments pass). */
void evs_pol_stats_add(struct eng *g, const struct blog *w, size_t p,
                       const struct diag_support *support, struct spol *tp);

/* The log's path for messages ("log" when it has none). */
const char *evs_path(const struct eng *g);

/* The policies' row vectors over window w (whose row 0 is the log's row first), in
 * the source's pin/in; evs_window_release frees them. 0, or -1 with err. */
int evs_window_prepare(struct eng *g, const struct blog *w, size_t first,
                       struct ope_error *err);
void evs_window_release(struct eng *g);

/* The next window of a pass, checked to continue the *rows read so far on a chunk
 * boundary with the first window's actions and policies (cancellation too). 1, 0 (the
 * pass is over) or -1 with err. */
int evs_next_window(struct eng *g, const struct blog **w, size_t *first, size_t *rows,
                    struct ope_error *err);
/* Start a pass. 0, or -1 with err. */
int evs_rewind(struct eng *g, struct ope_error *err);
/* A pass over this process's rows: each window's policy vectors prepared
 * (evs_window_prepare, released by the caller), then fn(g, w, first, ctx, err) on it
 * (first: the window's first row in the log). pass labels the progress ("pass 2").
 * reading names a later pass in the message of a log that changed ("second"): its
 * rows are checked against the first pass's; NULL for the first pass, whose rows go
 * to the source's local_rows. 0, or -1 with err. */
int evs_each_window(struct eng *g, const char *pass, const char *reading,
                    int (*fn)(struct eng *g, const struct blog *w, size_t first, void *ctx,
                              struct ope_error *err),
                    void *ctx, struct ope_error *err);

/* Pass 2: given the finished sums x and what pass 1 found (applies, ranges, support),
 * es[p * n_spec + e] and ps[p] as the in-memory est_stats and pol_stats leave them,
 * with the values. 0, or -1 with err. */
int evs_pass2(struct eng *g, const struct eng_sums *x, struct eng_res *es,
              struct eng_pol *ps, struct ope_error *err);

/* Pass 3: eng_kind.diff_stats. */
int evs_diff_stats(struct eng *g, const struct eng_sums *x, const struct res_diff *d,
                   size_t n_d, struct ci_stats *st, struct ope_error *err);

#endif
