/* estimators/evaluate_traj_stream.h: a trajectory log evaluated from windows of whole
 * episodes in one pass (ope eval --stream on a trajectory log, issue 17), by the same
 * driver (engine.h) and the same per-episode terms (traj.h) as a log in memory; only
 * the gathering differs. Memory: one window's episodes and their packed terms, plus
 * O(policies x estimators x (replicates + horizon^2)), and O(episodes) only for
 * --risk's returns (below) and the loader's episode ids.
 *
 * One pass is enough because every statistic is kept in a form that merges:
 *   - the point and replicate sums of every column in the accumulator (accum.h), fed
 *     window by window with the episodes' global numbers, so the bootstrap draws and
 *     the sums are the in-memory run's bit for bit (windows are whole chunks);
 *   - the horizon T (the longest episode) is known only at the end: per-step slots
 *     (wpdis) are laid out for the longest episode so far, and when a longer one comes
 *     the slots of the episodes before it are extended as padding extends them (their
 *     weight carried over, reward 0: the values of their last slot's denominator);
 *   - the contributions behind se (traj_contrib): a plain estimator's are the
 *     episode's own terms (their statistics merged by ci_stats_acc); a ratio
 *     estimator's are affine in the episode's terms given the full-sample sums, so
 *     their mean and sd come from the terms' co-moments (Chan et al.'s pairwise
 *     update), to 1e-12 relative of the in-memory two-pass values;
 *   - the weights' diagnostics in episode order, the support of the logged (state,
 *     action) pairs with each policy's probability mass per pair, the behaviour value.
 *
 * The t, Hoeffding and Bernstein intervals take a second pass over the log (a pipe is
 * read from the copy made as it came): given the finished sums, the second pass forms
 * every episode's contributions (traj_contrib_sums: a ratio estimator's are linearised
 * at the full-sample ratios) and keeps their statistics and range, with those of the
 * differences between candidates (eng_kind.diff_stats) for the pairs the driver names.
 * Under MPI each rank folds its own windows in these passes too, and the statistics
 * are merged in rank order.
 *
 * The estimators that fit a model on the whole log (dm, dr, wdr with tabular FQE; mis)
 * take a pass before the first: it gathers tabular FQE's statistics (fqetab.h) and
 * mis's (mistab.h) -- per replicate too when dm or mis refits on every resample, each
 * episode counted by its keyed Poisson draw -- the models are solved from them, and
 * the estimators' pass uses them as the log in memory does. The horizon is then known
 * before the first window, so every part is laid out for it at once.
 *
 * With traj_opts.returns the estimators' pass also keeps every episode's return and
 * weights (trajret.h: --risk's return distributions), gathered across ranks.
 *
 * The linear value models linear-fqe and lstd gather their sums in the same pass
 * (lintab.h), in the accumulator's chunks of episodes, as the log in memory does; td
 * and gtd2 gather LSTD's there, then make their epochs (evtraj_td.c: the log read
 * once, what they read kept in a scratch file for the other epochs; under MPI the
 * ranks' ranges in a chain, rank after rank in every epoch).
 *
 * What it does not do, and says so before reading (eval_traj_stream_refuse,
 * OPE_EUSAGE): the value models td and gtd2 in a shard (epochs over the transitions
 * in order: 200 rounds),
 * a model in a shard that is not fitting it with the others (--model-state, below),
 * in a shard --ci cs (which a trajectory log does not have anyway), and the t,
 * Hoeffding and Bernstein intervals in a shard not given --model-state (their
 * contributions need the whole log's sums, which the shards find in a round: below). */
#ifndef ESTIMATORS_EVALUATE_TRAJ_STREAM_H
#define ESTIMATORS_EVALUATE_TRAJ_STREAM_H

#include <stddef.h>
#include "ope/base/error.h"
#include "datasets/tlog.h"
#include "estimators/evaluate.h"
#include "estimators/evaluate_traj.h"

/* Where the windows come from (datasets/tlog_stream.h). A window is a struct tlog of whole consecutive episodes with
 * the log's actions and policies, its horizon the longest episode read so far; the
 * first episode of every window but the last's successor is a multiple of ACC_CHUNK
 * episodes (so the accumulator's chunks are the whole log's). */
struct eng_traj_windows {
    void *ctx;
    /* The next window *w (valid until the next call) and the log's index of its first
     * episode *first: 1; 0: the log is over; -1 with err. */
    int (*next)(void *ctx, const struct tlog **w, size_t *first, struct ope_error *err);
    const char *path;           /* for the results and messages, or NULL */
    /* The log's episode of the first episode read: 0, or a shard's first episode in
     * the whole log (--row-offset), which keys the bootstrap counts. */
    size_t row0;
    size_t n_policies;
    const char *const *names;   /* [n_policies] the log's evaluation policies */
    int n_actions;
    /* Read the log again from its first window, for the pass the t, Hoeffding and
     * Bernstein intervals make (a pipe from the copy made as it was first read): the
     * windows must be the first pass's. NULL: a shard, which is not read again. 0, or
     * -1 with err. */
    int (*rewind)(void *ctx, struct ope_error *err);
    /* Under MPI: 1 when each rank's windows are its own range of the log (its first
     * episode row0), all folded; 0 when every rank reads the whole log and folds every
     * comm_size()-th window. */
    int shared;
    /* When not NULL, called on every rank once the first pass has read its windows,
     * with its outcome rc (the ranges' checks across ranks): 0, or -1 with err. */
    int (*first_done)(void *ctx, int rc, struct ope_error *err);
};

/* What every refusal of a trajectory log that is not as it was when first read says
 * (the windows, the models' tables, the file's size, time or header): a shard given a
 * models' fit then looks whether its bytes are the ones the fit was made from. */
#define EVAL_TRAJ_CHANGED "the log changed while it was read"

/* Whether the intervals of --ci ci (enum ci_method) read the log again: the t,
 * Hoeffding and Bernstein intervals' second pass. */
int eval_traj_stream_again(int ci);

/* Whether the evaluation of o reads the log more than once: the value model's pass
 * (dm, dr, wdr), the t, Hoeffding and Bernstein intervals' (a pipe is then copied as it
 * is first read). */
int eval_traj_stream_rereads(const struct eval_opts *o);

/* Refuse what a streamed trajectory evaluation cannot do (above), of the whole log
 * (shard 0) or of a shard saved or merged (1; 2: one given --model-state, whose models
 * and sums the shards find together), before anything is read; to: the value model's options (NULL: the
 * defaults). 0, or -1 with err (OPE_EUSAGE). */
int eval_traj_stream_refuse(const struct eval_opts *o, const struct traj_opts *to, int shard,
                            struct ope_error *err);

/* Evaluate the log of win as eval_traj_ex evaluates it in memory. Errors: as eval_traj_ex's, the window provider's. */
struct res_eval *eval_traj_stream(const struct eng_traj_windows *win, const struct eval_opts *o,
                                  const struct traj_opts *to, struct ope_error *err);

/* ---- shards: a state saved from each, merged into the whole log's result -------------
 * A shard of a trajectory log (whole episodes, from the log's episode win->row0) is
 * gathered as above and saved instead of evaluated: its state holds the options
 * (eval_state_opts_read), the log's policies, actions and discount, and the gathered
 * part; the merge of the shards' states in episode order is the whole log's evaluation:
 * the same bootstrap draws, the sums to rounding (the accumulator's chunks are counted
 * from each shard's first episode), se to 1e-12 relative. Under MPI the ranks merge
 * their parts the same way (read_windows). */
#define EVAL_TRAJ_STATE_KIND "ope-eval-traj-shard"
struct sf_state;
struct strbuf;

/* ---- the models of dm, dr, wdr and mis fitted by the shards together ------------------
 * A shard cannot fit them alone: they are the whole log's. Every part of them is a sum
 * (fqetab.h, lintab.h, mistab.h), so one round does it: each shard makes the models'
 * pass over its episodes and saves its tables (a part, kind EVAL_TRAJ_FIT_PART_KIND:
 * ope eval --save-state P --model-state M), eval_traj_fit_merge adds the parts in
 * episode order into the fit (kind EVAL_TRAJ_FIT_KIND, ope merge --model-state M), as
 * MPI ranks add theirs, and each shard then evaluates its episodes with the models
 * solved from the fit, its state's settings naming the fit's digest (model_fit=). The
 * merge of those states takes the fit too (dm's and mis's refits on every resample
 * are solved from its tables). */
#define EVAL_TRAJ_FIT_KIND "ope-traj-model-fit"
#define EVAL_TRAJ_FIT_PART_KIND "ope-traj-model-pass"
struct eval_traj_fit;
/* The fit's blocks at st's cursor (past the caller's header); its name and settings
 * are st's. NULL with err (OPE_EDATA: damaged, another version). */
struct eval_traj_fit *eval_traj_fit_read(struct sf_state *st, struct ope_error *err);
void eval_traj_fit_free(struct eval_traj_fit *f);
/* Its digest (64 hex digits): what the states evaluated with it name. */
const char *eval_traj_fit_digest(const struct eval_traj_fit *f);
/* Whether it holds the whole log's sums (the sums round merged: below). */
int eval_traj_fit_has_sums(const struct eval_traj_fit *f);
/* Whether it holds the models' tables (else only the whole log's sums). */
int eval_traj_fit_has_models(const struct eval_traj_fit *f);

/* The shard's state appended to state, the settings that must agree for states to
 * merge to settings, its episodes to *episodes. fit_rounds: the models of dm, dr, wdr
 * and mis are fitted by the shards together (--model-state), fit the fit when it is
 * made (NULL: not yet); *part says what was saved: 1 the shard's part of the models'
 * pass (kind EVAL_TRAJ_FIT_PART_KIND), 2 its evaluation with the fit, 0 its
 * evaluation without models, 3 its part of the sums round (EVAL_TRAJ_SUMS_PART_KIND;
 * the fit then has no sums yet, and may be NULL). 0, or -1 with err (OPE_EDATA: settings other than the
 * fit's). */
int eval_traj_stream_save(const struct eng_traj_windows *win, const struct eval_opts *o,
                          const struct traj_opts *to, int fit_rounds,
                          const struct eval_traj_fit *fit, struct strbuf *state,
                          struct strbuf *settings, size_t *episodes, int *part,
                          struct ope_error *err);
/* The whole log's evaluation from states[0..n-1] in episode order, each cursor past
 * its options (the caller checked that the settings agree and the episodes follow each
 * other), episodes[k] the episodes state k's header says it holds; fit: the fit the
 * states were evaluated with (their settings name it), or NULL. to->gamma and
 * to->truth are not used: the discount is the states', the truth the caller's; the
 * value model is the fit's. */
struct res_eval *eval_traj_merge(struct sf_state *const *states, const uint64_t *episodes,
                                 size_t n, const struct eval_opts *o, const struct traj_opts *to,
                                 const struct eval_traj_fit *fit, struct ope_error *err);
/* The fit's blocks (for eval_traj_fit_read) into out from the shards' parts of the
 * models' pass, parts[0..n-1] in episode order (cursors as above). The models are
 * solved once, so a fit that cannot be solved is refused here. 0, or -1 with err. */
int eval_traj_fit_merge(struct sf_state *const *parts, const uint64_t *episodes, size_t n,
                        const struct eval_opts *o, const struct traj_opts *to,
                        struct strbuf *out, struct ope_error *err);

/* ---- the t, Hoeffding and Bernstein intervals of shards -------------------------------
 * A shard's contributions are linearised at the whole log's sums (a ratio estimator's),
 * and the differences' pairs are the whole log's top candidates: one more round finds
 * them. Given --model-state M (and its models fitted, when it needs any), each shard
 * saves its first pass as its part of the sums round (kind EVAL_TRAJ_SUMS_PART_KIND,
 * settings marked state=sums pass); eval_traj_sums_merge merges the parts in episode
 * order, as the merge of bootstrap states does, and writes the fit's blocks again with
 * that merged part after the models' tables (ope merge --model-state M); each shard
 * then takes only the contributions' pass over its episodes, at those sums, and saves
 * their statistics (mean, sd, range: ci_stats_acc) in its evaluation's state, whose
 * settings name the fit; the merge of those states adds them in episode order, as MPI
 * ranks add theirs, to the fit's first pass: the intervals of one run over the whole
 * log, to 1e-12 relative. */
#define EVAL_TRAJ_SUMS_PART_KIND "ope-traj-sums-pass"
/* The fit's blocks (for eval_traj_fit_read) into out: fit's models (NULL: none) and the
 * merge of the shards' parts of the sums round, parts[0..n-1] in episode order
 * (cursors as above). 0, or -1 with err. */
int eval_traj_sums_merge(struct sf_state *const *parts, const uint64_t *episodes, size_t n,
                         const struct eval_opts *o, const struct traj_opts *to,
                         const struct eval_traj_fit *fit, struct strbuf *out,
                         struct ope_error *err);

#endif
