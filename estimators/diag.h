/* estimators/diag.h: the diagnostics of importance weights, defined once: their
 * statistics (mean, max, effective sample size), the probability a policy puts on
 * actions the log never shows, and the warnings those numbers call for. `ope info`,
 * both evaluation engines (so `ope eval`, the TUI and the reports), and the charts
 * all use these functions, so the same log gets the same warnings everywhere. */
#ifndef ESTIMATORS_DIAG_H
#define ESTIMATORS_DIAG_H

#include <stddef.h>

#include "datasets/blog.h"
#include "datasets/tlog.h"
#include "estimators/result.h"
#include "ope/base/error.h"
#include "ope/base/statefile.h"
#include "ope/base/strbuf.h"
#include "ope/base/sum.h"

/* ---- the thresholds: every warning below is decided by these and nothing else.
 *
 * Poor overlap: ESS < DIAG_ESS_SHARE x n. Evaluating a deterministic policy from a
 * uniform logger over A actions gives an ESS share of about 1/A: that is OPE working
 * as intended, and a 10% rule would flag it for every log with more than 10 actions
 * (the Open Bandit Dataset has 34 to 80 items). Below 1%, a handful of rows or
 * trajectories carry the weighted estimates whatever the action count, which is
 * what the warning is about.
 *
 * Mean weight: E[w] = 1 under the logging policy when the propensities are right and
 * pi_e stays in the log's support, so a sample mean far from 1 points at wrong
 * pscore or unsupported actions -- but only when the distance is both material
 * (more than DIAG_MEAN_TOL) and more than DIAG_MEAN_Z standard errors of the mean.
 * The standard-error test replaces a fixed "n >= 1000" rule: it is what makes a
 * distance mean something at any n, and heavy-tailed weights (already reported as
 * poor overlap) do not also raise a mean-weight alarm from noise alone.
 *
 * Unsupported mass: more than DIAG_MASS_EPS (rounding, not a real share) of pi_e's
 * probability on actions never logged in that context.
 *
 * A segment too small to say anything (ope eval --by, estimators/segments.h): an
 * estimate whose weights have an ESS below DIAG_SEG_MIN_ESS (a weight-free one: its
 * segment's rows). About 30 effective rows is the usual floor of a normal or
 * bootstrap interval of a mean; below it the interval's own width is unreliable, and
 * a share-of-n rule cannot serve since a segment is small by design. */
#define DIAG_SEG_MIN_ESS 30.0
/* Few effective samples: an ESS below DIAG_CI_MIN_ESS, when the share rule above has
 * not already called the overlap poor (a small log). doc/coverage.md measured the
 * self-normalised trajectory intervals at 80-90% on a dirichlet MDP whose policy
 * leaves an ESS of 17-58 of 500 episodes, and 93-96% from about 100 up: a weighted
 * mean of so few effective terms is too skewed for a normal or percentile interval. */
#define DIAG_CI_MIN_ESS 100.0
#define DIAG_ESS_SHARE 0.01
#define DIAG_MEAN_TOL 0.1
#define DIAG_MEAN_Z 3.0
#define DIAG_MASS_EPS 1e-12

/* The per-estimator warning when a ratio estimator's denominator is 0 (its value is
 * NAN): the one text the driver uses, with the estimator's label. */
#define DIAG_UNDEFINED_FMT "%s is undefined on this log (a zero denominator)"

/* Statistics of a vector of importance weights. Entries that are not finite or are
 * negative are counted in n_bad and left out of everything else (the loaders never
 * produce them; charts of arbitrary vectors can). */
struct diag_weights {
    size_t n;               /* entries seen, bad ones included */
    size_t n_zero, n_bad;
    double sum, sum_sq;     /* compensated sums of w and w^2 over the valid entries */
    double mean;            /* sum / valid count (NAN when none is valid) */
    double se;              /* standard error of mean: sd / sqrt(valid), NAN below 2 */
    double max;             /* largest weight (NAN when none is valid) */
    double min_pos;         /* smallest positive weight (INFINITY when none) */
    double ess;             /* (sum w)^2 / sum w^2, 0 when every weight is 0 */
};

/* A running accumulator for weights produced one at a time. */
struct diag_acc {
    struct ope_sum s1, s2;
    size_t n, n_zero, n_bad;
    double max, min_pos;
    double wmean, m2;       /* Welford's running mean and sum of squared deviations */
};

void diag_acc_init(struct diag_acc *a);
void diag_acc_add(struct diag_acc *a, double w);
/* The statistics of what was added so far. */
void diag_acc_result(const struct diag_acc *a, struct diag_weights *out);
/* into += from (the weights that follow into's, from another process): the counts,
 * sums and extremes exactly as one run, Welford's mean and M2 by Chan et al.'s
 * pairwise update (to rounding). */
void diag_acc_merge(struct diag_acc *into, const struct diag_acc *from);
/* Its bytes for another process (statefile.h), and back (bad flag on damage). */
void diag_acc_put(struct strbuf *sb, const struct diag_acc *a);
void diag_acc_get(struct sf_state *st, struct diag_acc *a);

/* The statistics of w[0..n-1]. */
void diag_weights_of(const double *w, size_t n, struct diag_weights *out);

/* Is an effective sample size of ess out of n rows (trajectories) poor overlap? */
int diag_ess_poor(double ess, size_t n);

/* Is the mean weight far from 1 by the rule above? */
int diag_mean_off(const struct diag_weights *d);

/* Bandit weights w_i = pi_p(a_i | x_i) / pscore_i, into w[0..log->n-1]. */
void diag_row_weights(const struct blog *log, size_t p, double *w);

/* Trajectory weights: per episode the product over its steps of pi_p / pscore, into
 * w[0..log->n_episodes-1]. */
void diag_episode_weights(const struct tlog *log, size_t p, double *w);

/* Which actions the log shows in each context: per position (bandit) or per tabular
 * state (trajectories; one context when the log has no state column). */
struct diag_support {
    unsigned char *seen;    /* [n_ctx * n_actions] */
    size_t n_ctx, n_actions;
};

int diag_support_blog(struct diag_support *s, const struct blog *log, struct ope_error *err);
int diag_support_tlog(struct diag_support *s, const struct tlog *log, struct ope_error *err);
void diag_support_release(struct diag_support *s);
/* into |= from: the (context, action) pairs seen by either (another process's rows);
 * into grows to from's contexts. Its bytes for another process, and back (a reader's
 * damaged counts set its bad flag and never size an allocation past max_bytes). 0, or
 * -1 with err. */
int diag_support_merge(struct diag_support *into, const struct diag_support *from,
                       struct ope_error *err);
void diag_support_put(struct strbuf *sb, const struct diag_support *s);
int diag_support_get(struct sf_state *st, struct diag_support *s, size_t max_bytes,
                     struct ope_error *err);

/* Mean over rows (steps) of the probability policy p puts on actions never seen in
 * that row's context: invisible to every weight-based estimator. NAN for no rows. */
double diag_unsupported_blog(const struct diag_support *s, const struct blog *log, size_t p);
double diag_unsupported_tlog(const struct diag_support *s, const struct tlog *log, size_t p);

/* The same for a bandit log read in windows (evaluate_stream.h). Add a window's
 * (position, action) pairs to s (zeroed before the first window; grown when a window
 * has more positions); then, in a later pass once every window is in s, fold each
 * window's rows into k: diag_unsupported_blog of the whole log is the folded sum over
 * its rows. */
int diag_support_add_blog(struct diag_support *s, const struct blog *window,
                          struct ope_error *err);
void diag_unsupported_blog_add(const struct diag_support *s, const struct blog *window,
                               size_t p, struct ope_sum *k);

/* What the weights are of: rows of a bandit log or whole trajectories. */
enum diag_unit { DIAG_ROWS, DIAG_TRAJECTORIES };

#define DIAG_MAX_WARNINGS 3
#define DIAG_WARNING_LEN 256

struct diag_warnings {
    size_t n;
    char text[DIAG_MAX_WARNINGS][DIAG_WARNING_LEN];
};

/* The warnings about one policy, in a fixed order: no or poor overlap, mean weight,
 * unsupported mass (NAN: unknown, no warning). The texts do not name the policy. */
void diag_policy_warnings(const struct diag_weights *w, double unsupported,
                          enum diag_unit unit, struct diag_warnings *out);

/* The same warnings appended to an evaluation's policy. 0, or -1 out of memory. */
int diag_res_warn(struct res_eval *r, struct res_policy *pol, const struct diag_weights *w,
                  double unsupported, enum diag_unit unit);

#endif
