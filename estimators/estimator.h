/* estimators/estimator.h: the registry of estimators. Each estimator is a table
 * entry (one file each, est_*.c) that turns per-row (per-episode) inputs into a few
 * TERM vectors and combines their sums into a value: every estimator is a sum, or a ratio
 * of sums, of per-row terms, so an evaluation is a small set of mergeable
 * accumulators, and the bootstrap only re-weights those sums. The CLI, the TUI, the
 * reports and the tests all enumerate est_registry. */
#ifndef ESTIMATORS_ESTIMATOR_H
#define ESTIMATORS_ESTIMATOR_H

#include <stddef.h>
#include "ope/base/error.h"

enum est_kind { EST_BANDIT, EST_TRAJ };

/* Which weights an estimator sees the data through, when it sees it only through
 * importance weights (est_desc.weights_only). */
enum est_weights_only {
    EST_WEIGHTS_MODEL = 0,  /* not only: a model or the rewards themselves count too */
    EST_WEIGHTS_UNIT,       /* the row's weight (bandit) or the trajectory's */
    EST_WEIGHTS_STEP,       /* the per-decision weights rho_{i,t} */
};

struct traj_in;             /* estimators/traj.h */
struct traj_terms;

#define EST_MAX_PARAMS 2
#define EST_MAX_TERMS 3

struct est_param {
    const char *name;       /* "clip" */
    double def;             /* default (INFINITY allowed: "no clipping") */
    double lo, hi;          /* accepted range, inclusive */
    const char *help;
};

/* What a bandit estimator sees for rows [lo, hi): read-only arrays of length n. */
struct est_bandit_in {
    size_t n;
    const double *w;        /* importance weight pi_e(a_i | x_i) / pscore_i */
    const double *r;        /* reward */
    const double *qhat_a;   /* q̂(x_i, a_i), or NULL when no model */
    const double *qhat_pi;  /* sum_a pi_e(a | x_i) q̂(x_i, a), or NULL */
    const double *pi_a;     /* pi_e(a_i | x_i), the evaluated policy at the logged action */
    /* The fitted reward model's share of the uncertainty of mean(qhat_pi): per-row
     * terms of mean 0 whose variance over n is the model's delta-method variance
     * (rm_crossfit_infl); NULL when q̂ is not fitted here (qhat.* columns) or no
     * estimator asked for it (est_desc.model_infl). */
    const double *qhat_pi_infl;
    /* The log's row of row 0 (a window of a log read in passes, evaluate_stream.h;
     * 0 for a whole log): for messages that name a row. */
    size_t row0;
};

/* The doubles of state an estimator's applies_fold keeps between windows. */
#define EST_APPLIES_ACC 4

/* The teaching card: every word about an estimator lives in its descriptor, and
 * `ope help estimators`, the TUI's Learn view and the report's Methods read it. */
struct est_card {
    const char *assumes;    /* one line, plain words: what must hold */
    const char *fails;      /* one line: how and when it goes wrong */
    const char *discussion; /* the same in full sentences (the report's "Assumes:") */
    const char *reference;  /* the full references behind the citation */
};

struct est_desc {
    const char *name;       /* command-line name: "snipw" */
    const char *title;      /* "Self-normalised IPW" */
    const char *formula;    /* one line, plain text */
    const char *citation;   /* short: "Dudik, Langford & Li 2011" */
    struct est_card card;
    enum est_kind kind;
    int needs_model;        /* uses q̂ */
    int model_infl;         /* reads qhat_pi_infl: the model's error is in its terms */
    /* Set when this estimator's intervals are known not to cover at their nominal
     * level (doc/coverage.md, measured by `make coverage`): one sentence saying why
     * and how badly. Every interval of it carries this warning (the result's
     * ci_warning: the table, JSON, the TUI and the reports), so a user never reads
     * such an interval as an honest one. NULL: no known defect. */
    const char *ci_caveat;
    /* An estimator that sees the data only through importance weights is undefined,
     * not 0, when every weight it uses is 0: the policy puts no probability on
     * anything logged (empty support), so the log says nothing about it. The same
     * rule as a zero denominator, for both kinds of log. */
    enum est_weights_only weights_only;
    size_t n_params;
    struct est_param param[EST_MAX_PARAMS];
    size_t n_terms;
    /* Fill t[k][i - lo] for i in [lo, hi) (k < n_terms). */
    void (*terms)(const struct est_bandit_in *in, const double *param, size_t lo, size_t hi,
                  double *const *t);
    /* The value from the sums of the terms and the number of rows n (both weighted
     * by the bootstrap counts in a resample). NAN when undefined (e.g. 0/0). */
    double (*combine)(const double *sums, double n);
    /* Per-row contribution c_i with mean(c) = value, used by the t, Hoeffding and
     * Bernstein intervals; a ratio estimator gives its linearised (delta-method) term
     * V + (t0_i - V t1_i) n / sum t1 (snipw, rm), whose variance is the ratio's.
     * ti = the row's terms. It must be affine in ti for fixed sums and n: a shard's
     * state keeps the terms' co-moments, from which ope merge forms the contributions'
     * variance (evaluate_stream.h); the merge checks it and refuses otherwise. */
    double (*contrib)(const double *ti, const double *sums, double n);
    /* The weight the estimator actually applies to a raw weight w (clipping,
     * shrinkage), for diagnostics; NULL when it uses no weights. */
    double (*weight)(double w, const double *param);
    /* Whether the estimator applies to this policy on this log (NULL: always). When
     * it does not, it returns 0 with the reason in why (n bytes), and the estimate,
     * its interval and diagnostics are NaN with that reason as a warning: no number
     * is shown (rm on a stochastic policy). When it applies with a caveat the user
     * should see (rm with a logging policy that is not uniform), it returns 1 with the
     * caveat in why, shown as a warning next to the number. */
    int (*applies)(const struct est_bandit_in *in, const double *param, char *why, size_t n);
    /* applies over a log read in windows (evaluate_stream.h), for an estimator whose
     * verdict or caveat depends on more than one window's rows: fold the window in
     * into acc[EST_APPLIES_ACC] (all 0 before the first window); 0 with why when it
     * already does not apply (no more windows are folded), else 1. in == NULL: the
     * verdict on every row folded so far, exactly what applies says of the whole log.
     * NULL with applies set: applies of each window, the first "does not apply" wins,
     * else the first window's caveat (a verdict that is a function of each row). */
    int (*applies_fold)(const struct est_bandit_in *in, const double *param, double *acc,
                        char *why, size_t n);
    /* Merge the fold of later rows (from, another process's) into acc, both folded by
     * applies_fold while the estimator still applied: as if from's rows had been
     * folded into acc. Set with applies_fold. */
    void (*applies_merge)(double *acc, const double *from);
    /* The range [*lo, *hi] of a contribution when every importance weight is at most
     * wmax and every reward (and q̂) lies in [rlo, rhi]: what the confidence sequence
     * (--ci cs, ci.h) needs, known before the rows are. Only an estimator whose
     * contributions are plain per-row terms (the row's own data, no full-sample
     * denominator) sets it; NULL: no confidence sequence. */
    void (*cs_range)(const double *param, double wmax, double rlo, double rhi, double *lo,
                     double *hi);
    /* A trajectory estimator (kind EST_TRAJ) instead gives its per-episode slot terms
     * (traj.h), and the engine combines their sums with traj_value_sums: fill out
     * (allocated with traj_terms_alloc) for one evaluation policy. 0, or -1 with err. */
    int (*traj_build)(const struct traj_in *in, const double *param, struct traj_terms *out,
                      struct ope_error *err);
    /* A trajectory estimator with a fitted part (a value model, estimated state
     * ratios) gives its value re-estimated on a bootstrap resample in which episode i
     * counts m[i] times: the fitted part is refitted, so the interval carries its
     * error. NULL: the terms of traj_build are fixed and the replicates re-weight
     * their sums. scratch: traj_resample_scratch(in) doubles, the caller's. NAN when
     * undefined on that resample. */
    double (*traj_resample)(const struct traj_in *in, const double *param, const double *m,
                            double *scratch);
    size_t (*traj_resample_scratch)(const struct traj_in *in);
};

extern const struct est_desc *const est_registry[];

/* The descriptor of an estimator by name and kind, or NULL. */
const struct est_desc *est_find(const char *name, enum est_kind kind);

/* The names of the estimators of a kind, in registry order, as "dm, ipw, snipw, ...";
 * EST_NAMES_PARAMS adds each parameter's default ("ipw[:clip=inf]"), EST_NAMES_MODEL
 * keeps only the estimators that use a model. Truncated to fit n bytes. */
#define EST_NAMES_PARAMS 1u
#define EST_NAMES_MODEL 2u
void est_names(enum est_kind kind, unsigned flags, char *buf, size_t n);

/* An estimator with its parameter values, parsed from "ipw:clip=100". */
struct est_spec {
    const struct est_desc *d;
    double param[EST_MAX_PARAMS];
    char label[96];         /* "ipw:clip=100" (finite parameters shown) */
    char params_json[128];  /* {"clip":100} */
};

/* Parse one spec string. Usage errors (OPE_EUSAGE) list the valid names or
 * parameters. */
int est_spec_parse(const char *s, enum est_kind kind, struct est_spec *out,
                   struct ope_error *err);

/* Parse a comma-separated list ("" or NULL: every estimator of that kind with its
 * defaults). *out is malloc'ed. */
int est_spec_list(const char *list, enum est_kind kind, struct est_spec **out, size_t *n,
                  struct ope_error *err);

/* Shared combine/contrib functions for plain means (value = sum t0 / n). */
double est_combine_mean(const double *sums, double n);
double est_contrib_mean(const double *ti, const double *sums, double n);

#endif
