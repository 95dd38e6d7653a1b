/* estimators/engine.h: the one evaluation driver. Bandit and trajectory evaluations
 * run the same phases, written once in engine.c: check the log, choose the policies,
 * set up the model, prepare each policy, accumulate the point and bootstrap sums
 * (accum.h), combine them into values and replicates, the statistics of the
 * contributions, intervals, diagnostics, and the results (result.h). What differs
 * between the kinds of log is a "source" behind struct eng_kind: evaluate.c for
 * bandit logs, evaluate_traj.c for trajectory logs. */
#ifndef ESTIMATORS_ENGINE_H
#define ESTIMATORS_ENGINE_H

#include <stddef.h>
#include "ope/base/error.h"
#include "estimators/accum.h"
#include "estimators/ci.h"
#include "estimators/diag.h"
#include "estimators/estimator.h"
#include "estimators/evaluate.h"
#include "estimators/result.h"

/* What a source says of one (policy, estimator) besides its sums. */
struct eng_est {
    int applies;            /* 0: the estimator does not apply; why says so */
    char why[320];          /* applies = 1 and why set: a caveat, shown as a warning */
    /* Applies, but undefined on this log (why says why): the value is NaN, as for a
     * zero denominator (empty support, est_desc.weights_only). */
    int undefined;
    /* The bootstrap replicates were refitted (eng_kind.refit): the interval carries
     * the fitted part's error, so the descriptor's ci_caveat does not apply to it. */
    int refit;
    struct ci_stats st;     /* of the per-row (per-episode) contributions */
    int weighted;           /* mean_w, max_w and ess are set */
    double mean_w, max_w, ess;
    /* Of the paired differences c_i - b_i, b_i the row's observed reward (episode's
     * return; eng_kind.baseline): behind the lift's t, Hoeffding and Bernstein
     * intervals. n = 0 when the source has no baseline. */
    struct ci_stats lift_st;
    /* --ci cs: the confidence sequences (ci.h) of the contributions in row order and of
     * the lift's differences, in the range [cs_a, cs_b] they assumed; cs_outside
     * contributions fell outside it. cs = 0: the source formed none (the estimator is
     * not a mean of bounded per-row terms, or the kind of log has no such terms). */
    int cs;
    double cs_lo, cs_hi, cs_lift_lo, cs_lift_hi, cs_a, cs_b;
    size_t cs_outside;
};

/* What a source says of one policy. */
struct eng_pol {
    struct diag_weights w;  /* the importance weights of rows (trajectories) */
    double truth;           /* NAN when unknown */
    double unsupported;     /* diag_unsupported_*: NAN when unknown */
};

/* The finished sums of every column: point[K] and, for B replicates, rep[B * K]
 * (replicate-major) and rep_n[B] (ope_malloc'ed; eng_sums_release frees them). */
struct eng_sums {
    size_t K;
    double *point, *rep, *rep_n;
};

/* Free the insides of x (idempotent). */
void eng_sums_release(struct eng_sums *x);

/* Per (policy, estimator): the value and what the source says of it. */
struct eng_res {
    double value;
    struct eng_est s;
};

struct eng;

/* The kind-specific parts of an evaluation. Every callback gets the driver's
 * struct eng (its self is the source's state); those marked "tasks" run on several
 * threads at once and must only write their own out. */
struct eng_kind {
    enum est_kind kind;     /* the estimators it takes */
    const char *noun;       /* "bandit", "trajectory": in the refusal of another kind */
    enum diag_unit unit;    /* what its weights are of */
    /* Refuse a log that cannot be evaluated (no evaluation policy, too few rows),
     * before anything is allocated. 0, or -1 with err. */
    int (*check)(struct eng *g, struct ope_error *err);
    /* The index in the log of the policy called name, or -1 with err (OPE_EUSAGE). */
    int (*policy_index)(struct eng *g, const char *name, struct ope_error *err);
    /* The name of the log's policy of index pol. */
    const char *(*policy_name)(struct eng *g, size_t pol);
    /* Fill the kind's fields of r: rows, episodes, kind, actions, gamma, behaviour
     * value. */
    void (*describe)(struct eng *g, struct res_eval *r);
    /* What every policy shares: the model (a reward model fitted once; for a value
     * model, its name), per-policy buffers. r is NULL when only the replicates are
     * wanted (eng_replicates): the model is then the caller's. 0, or -1 with err. */
    int (*setup)(struct eng *g, struct res_eval *r, struct ope_error *err);
    /* Policy p (the log's policy pol): its row inputs, or its weights, value model
     * and terms. Called for p = 0, 1, ... in order. 0, or -1 with err. */
    int (*prepare)(struct eng *g, size_t p, size_t pol, struct ope_error *err);
    /* May be NULL: every policy prepared at once (on several threads), with the
     * results and the first error that prepare for p = 0, 1, ... in order gives. */
    int (*prepare_all)(struct eng *g, struct ope_error *err);
    /* The accumulator source over every prepared policy for g->B replicates, and the
     * first column of (policy p, estimator e) in it. NULL (out of memory) with err. */
    const struct acc_source *(*source)(struct eng *g, struct ope_error *err);
    size_t (*col)(struct eng *g, size_t p, size_t e);
    /* The accumulation is over: free what only the source needed (col must still
     * answer). May be NULL. */
    void (*end_source)(struct eng *g);
    /* When the source has no point callback: the point sums of every column, formed
     * as an acc_state fed with those columns would form them (prepare had the terms). */
    void (*point)(struct eng *g, double *sums);
    /* The value of (p, e) from its columns' sums and the number (or the sum of the
     * bootstrap counts) of rows n: the point estimate and every replicate. */
    double (*value)(struct eng *g, size_t p, size_t e, const double *sums, double n);
    /* Tasks: the contributions' statistics and the weights of (p, e) given its point
     * sums; the weights, truth and unsupported mass of policy p (the log's pol).
     * est_stats returns -1 when out of memory. This is the second pass over the rows
     * that se and the t, Hoeffding and Bernstein intervals need: a ratio estimator's
     * contributions depend on the full-sample denominator, and the two-pass sd on the
     * finished mean, so they are not part of the accumulated state (a stream re-reads
     * its rows for them; doc/architecture.md, "The evaluation engine"). */
    int (*est_stats)(struct eng *g, size_t p, size_t e, const double *sums,
                     struct eng_est *out);
    void (*pol_stats)(struct eng *g, size_t p, size_t pol, struct eng_pol *out);
    /* The logged policy's observed value per row (reward) or episode (return), [n],
     * whose mean is the behaviour value: the other term of the lift V(pi_e) - V(pi_b).
     * Valid from setup to the end of the evaluation; NULL: no lift. May be NULL. */
    const double *(*baseline)(struct eng *g);
    /* The column of the accumulated sums that holds the baseline (the source added it
     * to its columns, so its replicates share the estimates' counts), or (size_t)-1;
     * NULL or -1: the driver accumulates the baseline in a pass of its own. */
    size_t (*baseline_col)(struct eng *g);
    /* The per-row (per-episode) contributions c[n] of (p, e), as est_stats formed them
     * (sums: its point sums): the t, Hoeffding and Bernstein intervals of the
     * differences between candidates (res_diff) take the per-row differences of two
     * policies' contributions. Called after est_stats, only for those intervals. 0, or
     * -1 when out of memory. NULL: those differences get no interval. */
    int (*contrib)(struct eng *g, size_t p, size_t e, const double *sums, double *c);
    /* Estimators with a fitted part re-estimated per resample (est_desc.traj_resample):
     * overwrite their replicates vals[(p * n_spec + e) * B + b] with the refitted
     * values, on the same counts. Called after the replicates, before est_stats. May
     * be NULL. 0, or -1 with err (out of memory, cancelled). */
    int (*refit)(struct eng *g, double *vals, struct ope_error *err);
    /* A source whose rows are not all in memory (a log read in windows,
     * evaluate_stream.h) gathers instead of prepare, source/accumulate, est_stats and
     * pol_stats: the finished sums x (as accumulate leaves them), es[p * n_spec + e]
     * (its value NAN when it does not apply or is undefined, else value() of its point
     * sums over n rows) and ps[p], in passes of its own; it may complete r's rows and
     * behaviour value, and sets g->n. Every phase after it is the driver's, as for a
     * log in memory. NULL: the in-memory phases. 0, or -1 with err. */
    int (*gather)(struct eng *g, struct res_eval *r, struct eng_sums *x, struct eng_res *es,
                  struct eng_pol *ps, struct ope_error *err);
    /* The statistics st[k] of the per-row differences c_i(a) - c_i(b) of the pairs
     * d[0..n_d-1] (policies d[k].a, d[k].b under estimator d[k].e, indices of the
     * evaluated policies), for the t, Hoeffding and Bernstein intervals of the
     * differences, when the source cannot hand over a whole contribution vector
     * (contrib). x: the finished sums. NULL: from contrib. 0, or -1 with err. */
    int (*diff_stats)(struct eng *g, const struct eng_sums *x, const struct res_diff *d,
                      size_t n_d, struct ci_stats *st, struct ope_error *err);
};

/* One evaluation: the source fills the first block, the driver the rest. */
struct eng {
    const struct eng_kind *kind;
    void *self;             /* the source's state */
    size_t n;               /* rows (episodes): the unit of the sums and the bootstrap */
    size_t n_log_policies;  /* evaluation policies in the log */
    const char *path;       /* the log's path, or NULL */
    /* A part of a log (a segment of ope eval --by): the global row of each of its n
     * rows, keying the bootstrap counts (accum.h), or NULL. The source passes it on
     * to its acc_source. */
    const size_t *rowid;
    /* When not NULL: the bootstrap replicates vals[(p * n_spec + e) * B + b], as the
     * intervals get them, are copied here [n_pol * n_spec * B] (the segments'
     * simultaneous intervals are formed from them). */
    double *keep;

    const struct eval_opts *o;
    const size_t *pol;      /* [n_pol] the log's index of each evaluated policy */
    size_t n_pol;
    int need_model;         /* some estimator uses a model */
    size_t B;               /* bootstrap replicates accumulated (0: none) */
};

/* The paired differences among each estimator's top matrix_k policies (by the
 * estimates in es, as the driver ranks them), with their values: *d (to free) holds
 * *n_d pairs in the driver's order. A gathering source that makes a pass over its
 * rows after the estimates are known can take the pairs' statistics in the same pass
 * (eng_kind.diff_stats). 0, or -1 with err. */
int eng_diff_pairs(const struct eng *g, const struct eng_res *es, struct res_diff **d,
                   size_t *n_d, struct ope_error *err);

/* Evaluate: every phase, with the source g describes (kind, self, n,
 * n_log_policies, path set). Errors as eval_bandit. */
struct res_eval *eng_run(struct eng *g, const struct eval_opts *o, struct ope_error *err);

/* Only the bootstrap replicates of policies pol[0..n_pol-1] (the log's indices), for
 * o->n_boot replicates: vals[(p * n_spec + e) * B + b]. setup is called with no
 * result (the source's model is the caller's). 0, or -1 with err. */
int eng_replicates(struct eng *g, const struct eval_opts *o, const size_t *pol, size_t n_pol,
                   double *vals, struct ope_error *err);

#endif
