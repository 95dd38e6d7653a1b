/* estimators/evtraj.h: the part of a trajectory log read in windows -- what its
 * windows, a shard or an MPI rank gather, which merges with another part as if its
 * episodes had been read too: its layout (growing with the horizon), the accumulator,
 * the contributions' statistics or the co-moments of ratio estimators' terms, the
 * weights' diagnostics, the support, and its bytes. Shared by evaluate_traj_stream.c
 * (the source that reads the windows and gives the results) and evtraj_part.c (the
 * part itself). Internal to the estimators layer; the interface is
 * evaluate_traj_stream.h. */
#ifndef ESTIMATORS_EVTRAJ_H
#define ESTIMATORS_EVTRAJ_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"
#include "ope/base/statefile.h"
#include "ope/base/strbuf.h"
#include "ope/base/sum.h"
#include "estimators/accum.h"
#include "estimators/ci.h"
#include "estimators/diag.h"
#include "estimators/engine.h"
#include "estimators/fqetab.h"
#include "estimators/lintab.h"
#include "estimators/mistab.h"
#include "estimators/evaluate_traj_stream.h"
#include "estimators/traj.h"

/* The co-moments of one (policy, ratio estimator)'s per-episode vector z = (u[K],
 * den[K], return), u_k = num_k - vhat_k den_k: mean[d] and the sums of products of
 * deviations m2[d * d], d = 2K + 1, over n episodes. The pilot ratios vhat (the first
 * part's) centre the numerators near the final ratios V_k, so the contributions'
 * variance, a quadratic form in z's (ratio_stats), is not formed from cancelling
 * large terms (a self-normalised estimate with constant returns has contributions of
 * variance 0); the sums are kept in extended precision for what cancellation is left. */
struct comom {
    size_t n, d, K;
    long double *mean, *m2;
    double *vhat;
};

/* Per (policy, estimator). */
struct tpe {
    size_t K;                   /* slots in the current layout */
    int den;                    /* ratio slots */
    double *coef;               /* [K] */
    struct ci_stats_acc c, lift;    /* plain slots: the contributions, exactly */
    struct comom z;             /* ratio slots */
};

/* How many slots an estimator has for horizon T: k1 + ks (T - 1) (1 for tis, T for
 * wpdis), and whether they are ratios; from its terms on a one-step episode for T = 1
 * and T = 2 (shapes), so a part of another horizon (a shard's, a rank's) is laid out
 * without its episodes. */
struct tshape {
    size_t k1, ks;
    int den;
};

struct tss {
    const struct traj_opts *to;
    const struct eng_traj_windows *win;     /* NULL: a merge */
    double gamma;
    const char *path;
    char **names;               /* [n_names] the log's policies */
    size_t n_names;
    int n_actions;
    struct tshape *shape;       /* [n_spec] */
    /* A second pass forms the ratio estimators' contributions (--ci t, hoeffding,
     * bernstein on a log read again): their co-moments are neither kept nor sized. */
    int no_comom;
    /* The part: everything gathered so far, which merges with another part (a
     * shard's, a rank's) as if that part's episodes had been read here too. */
    int T;                      /* the layout's horizon */
    size_t *off;                /* [n_spec] an estimator's first column in a policy's block */
    size_t Wp, W, base_col;     /* columns per policy; in all (padded); the returns' */
    struct acc_state acc;
    struct tpe *pe;             /* [n_pol * n_spec] */
    struct diag_acc *dg;        /* [n_pol] */
    double *rho_max;            /* [n_pol] */
    /* The support: seen[s * A + a], and each policy's probability mass per (state,
     * action) over the steps in that state, mass[(p * n_ctx + s) * A + a]. */
    unsigned char *seen;
    struct ope_sum *mass;
    size_t n_ctx;
    struct ope_sum ret_all;
    double gmax;                /* the largest sum_t |r_t| of an episode (at least 1) */
    size_t episodes, steps;
    size_t read_episodes;       /* episodes this process read in the first pass (under
                                 * MPI: all, or its range's), folded or not */
    /* One window's buffers. */
    double *w, *rho, *ret, *c, *S;
    size_t *rowid;
    long double *zs;            /* co-moments' scratch, for the widest vector */
    double *zd;
    int *zex;
    struct comom wz;            /* a window's co-moments */
    size_t cap_steps, cap_eps, cap_S, d_cap;
    struct traj_terms *terms;   /* [n_spec] */
    /* The value model of dm, dr and wdr (tabular FQE), fitted from the statistics of a
     * pass over the log before the first (model_pass): copy 0 of fq is the log's model,
     * copies 1..B the resamples' (dm's refit); Q[p * QT S A ...] each policy's table
     * over QS states and horizon QT; qa, v a window's rows of it. */
    int model;
    struct fqe_tab fq;
    /* ... or, with --value-model linear-fqe or lstd (lin), the linear model's sums
     * (lintab.h, set up by the first window, whose features they take) and each
     * policy's parameters, LT[p * lin_tab_theta_size ...]. td and gtd2 (td, lin too)
     * gather LSTD's sums, the fixed point they head for, and their epochs then replace
     * LT (evtraj_td_fit). */
    int lin, td;
    int fold_all;               /* a pass folds every window it reads (td's under MPI when
                                   every rank reads the whole log) */
    int td_parsed;              /* the passes td's epochs parsed the log (1: the first
                                   only; more without the scratch copy) */
    struct lin_tab lt;
    double *LT;
    double *Q, *qa, *v;
    size_t QS, model_episodes, model_steps;
    int QT;
    /* mis's state ratios, estimated in the same pass (mistab.h; copies 1..B the
     * resamples'): MW[p * QT MS ...] each policy's ŵ_t(s) over MS states; wall[p *
     * cap_wall ...] a window's action ratios of every policy, for the pass. */
    int mis;
    struct mis_tab mt;
    double *MW, *wall;
    size_t MS, cap_wall;
    /* --ci t, hoeffding, bernstein: the differences' pairs (eng_diff_pairs) whose
     * statistics the second pass took, for eng_kind.diff_stats. */
    struct res_diff *pairs;
    size_t n_pairs;
    struct ci_stats *pair_st;   /* [n_pairs] */
    /* --save-state: the part is saved here instead of evaluated (saved set); ope merge:
     * the shards' states in episode order, each cursor past its options, and the
     * episodes each one's header says it holds. */
    struct strbuf *save, *save_settings;
    int saved;
    struct sf_state *const *merge;
    const uint64_t *merge_rows;
    size_t n_merge;
    /* The models fitted across shards in one round (--model-state: fit_rounds): fit_part, a shard
     * saves its part of the models' pass (its tables) instead of its evaluation;
     * fit_merge, the merge adds the shards' parts into the fit's blocks (in save);
     * fit, the whole log's tables the models are solved from, in place of the models'
     * pass (a shard's evaluation, the merge of the states evaluated with it). */
    int fit_rounds, fit_part, fit_merge;
    const struct eval_traj_fit *fit;
    /* --ci t, hoeffding and bernstein in shards (fit_rounds): the contributions are
     * linearised at the whole log's sums, which one more round makes. sums_part, a
     * shard saves its first pass as its part of that round; sums_merge, the merge adds
     * the parts into the fit (fit->sums); with the fit's sums, a shard (contrib_only)
     * takes the contributions' pass alone and saves their statistics (own_episodes:
     * its episodes), and the merge of those states adds them up. */
    int sums_part, sums_merge, contrib_only;
    size_t own_episodes;
};

/* The fit's state (evaluate_traj_stream.h): the whole log's model tables, as the models'
 * pass of one process would have gathered them, and what they were made with. */
struct eval_traj_fit {
    char *name;                 /* for messages */
    char *settings;             /* the shards' settings text (their parts') */
    char hex[65];               /* SHA-256 of its blocks: names the fit */
    int vm_kind;                /* enum vm_kind: the value model */
    double ridge;
    uint64_t episodes, steps;   /* the whole log's */
    int models;                 /* 1: it holds the models' tables (else only sums) */
    unsigned char *tables;      /* evtraj_model_put's bytes */
    size_t len;
    /* The whole log's first pass (evtraj_part_put's bytes of the shards' parts merged),
     * once the sums round is merged (--ci t, hoeffding, bernstein); NULL before. */
    unsigned char *sums;
    size_t sums_len;
};

/* ---- passes (evaluate_traj_stream.c) ------------------------------------------------ */

/* One pass over the log's windows: fold(g, t, w, first, ctx, err) for each window this
 * process folds (every window but under MPI), first its first episode's number in the
 * log; *episodes counts the episodes of every window read, which must follow each
 * other. 0, or -1 with err (also when cancelled). */
int evtraj_pass_windows(struct eng *g, struct tss *t, size_t *episodes,
                        int (*fold)(struct eng *g, struct tss *t, const struct tlog *w,
                                    size_t first, void *ctx, struct ope_error *err),
                        void *ctx, struct ope_error *err);

/* The refusal of a log that is not as it was when first read (what: what differs).
 * Returns -1. */
int evtraj_changed(const struct tss *t, const char *what, struct ope_error *err);

/* ---- td and gtd2 (evtraj_td.c) ------------------------------------------------------ */

/* Once LSTD's sums are gathered and LT solved from them where td and gtd2 are checked
 * against that point (vm_td_targets): their epochs, a pass over the windows each, then
 * a pass checking their values against LSTD's, and LT replaced by their parameters, as
 * vm_fit fits them on the log in memory (vmtd.h). Under MPI every rank calls it (a
 * collective). 0, or -1 with err (the same on every rank). */
int evtraj_td_fit(struct eng *g, struct tss *t, struct ope_error *err);

/* ---- the models of dm, dr, wdr and mis (evtraj_model.c) ---------------------------- */

/* Empty tables for t's models into fq (tabular FQE) and mt (mis), each with one copy,
 * or 1 + B when dm or mis refits on every resample. 0, or -1 with err. */
int evtraj_model_init(const struct eng *g, const struct tss *t, struct fqe_tab *fq,
                      struct mis_tab *mt, struct ope_error *err);

/* Empty linear value model sums (lintab.h) for the log's features, nf of them (0: a
 * one-hot of the state). 0, or -1 with err. */
int evtraj_model_lin_init(const struct eng *g, const struct tss *t, struct lin_tab *lt,
                          size_t nf, struct ope_error *err);

/* t's tables as bytes (what a rank sends, a shard's part and the fit hold). */
void evtraj_model_put(const struct tss *t, struct strbuf *sb);

/* The tables whose bytes st holds (to its end: sf_done) added to fq, lt and mt (their
 * copies and shapes t's). 0, or -1 with err (OPE_EDATA: damaged). */
int evtraj_model_fold(const struct eng *g, const struct tss *t, struct fqe_tab *fq,
                      struct lin_tab *lt, struct mis_tab *mt, struct sf_state *st,
                      struct ope_error *err);

/* The models solved from t's tables: t->QT, QS, MS and each policy's Q (tabular FQE),
 * LT (linear) and MW (mis). 0, or -1 with err. */
int evtraj_model_solve(struct eng *g, struct tss *t, struct ope_error *err);

/* The fit's blocks into sb: what it was made with, the whole log's episodes and
 * steps, the merged tables' bytes (evtraj_model_put's; tables NULL: no models), then
 * the merged first pass's (sums_len bytes at sums; 0: none yet). */
void evtraj_fit_put(struct strbuf *sb, int vm_kind, double ridge, uint64_t episodes,
                    uint64_t steps, const struct strbuf *tables, const void *sums,
                    size_t sums_len);

/* Whether t's tables, read from bytes (untrusted: a shard's parts, a fit's state
 * named name), are ones a log of `episodes` episodes and `steps` steps gives
 * (fqe_tab_check, lin_tab_check, mis_tab_check), with one horizon for all. 0, or -1
 * with err (OPE_EDATA). */
int evtraj_model_check(const struct tss *t, uint64_t episodes, uint64_t steps,
                       const char *name, struct ope_error *err);

/* t's tables from the fit's bytes, solved (evtraj_model_solve). 0, or -1 with err. */
int evtraj_model_load(struct eng *g, struct tss *t, const struct eval_traj_fit *fit,
                      struct ope_error *err);

void evtraj_comom_release(struct comom *z);

/* Every estimator's slots as a function of the horizon (struct tshape). */
int evtraj_shapes(struct eng *g, struct tss *t, struct ope_error *err);

size_t evtraj_shape_K(const struct tshape *s, int T);

/* Lay the columns out for horizon T: each policy's block holds every estimator's
 * numerators then denominators, and one column after all policies holds the
 * episodes' returns. What the part holds is carried over (acc_merge_cols, comom_grow:
 * per-step slots extended as padding extends them). 0, or -1. */
int evtraj_layout(struct eng *g, struct tss *t, int T, struct ope_error *err);

/* The part's per-policy and per-estimator accumulators, empty. 0, or -1. */
int evtraj_part_init(struct eng *g, struct tss *t, struct ope_error *err);

/* Grow the support's tables to `need` states. */
int evtraj_support_grow(struct eng *g, struct tss *t, size_t need, struct ope_error *err);

/* The window's co-moments of z, formed in double precision (two passes, vectorised)
 * with the numerators centred on the window's own ratios, which keeps them well
 * conditioned, then merged into z (comom_merge: moved to z's pilots, in extended
 * precision). scratch: zd's d (d + 4) doubles, zex's d ints. */
void evtraj_comom_window(struct tss *t, struct comom *z, const struct traj_terms *tt);

void evtraj_part_release(struct tss *t, size_t n_pol, size_t ns);

/* a += b: b's episodes, which come after a's (b is changed). 0, or -1 with err. */
int evtraj_part_merge(struct eng *g, struct tss *a, struct tss *b, struct ope_error *err);

void evtraj_part_put(const struct eng *g, const struct tss *t, struct strbuf *sb);

/* A part's bytes at st's cursor into t (part_init'ed, with the merge's shapes). A
 * count that does not fit the bytes left is damage (it must not size an allocation).
 * 0, or -1 with err (the bad flag set: the caller's sf_done says so). */
int evtraj_part_get(struct eng *g, struct tss *t, struct sf_state *st, struct ope_error *err);

/* The settings two parts must share to merge (statefile.h). */
void evtraj_settings(const struct eng *g, const struct tss *t, struct strbuf *sb);

/* The log's facts every part shares: its policies, actions and discount. */
void evtraj_open_put(const struct tss *t, struct strbuf *sb);

/* The first state's facts into t (names owned), the others' checked against them. */
int evtraj_open_get(struct tss *t, struct sf_state *st, int first, struct ope_error *err);

/* A ratio estimator's contributions c_i = sum_k coef_k [V_k + (num_ik - V_k den_ik) n /
 * D_k] are affine in z_i, as num - V den = u + (vhat - V) den: their mean and sd (and
 * those of c_i - return_i) from z's co-moments. scratch: d long doubles. */
void evtraj_ratio_stats(const struct tpe *x, const double *sums, double n, long double *scratch,
                        struct ci_stats *st, struct ci_stats *lift);

#endif
