/* estimators/ci.h: confidence intervals from per-row contributions c_1..c_n (whose
 * mean is the estimate) and the percentile interval of bootstrap replicates. */
#ifndef ESTIMATORS_CI_H
#define ESTIMATORS_CI_H

#include <stddef.h>
#include "ope/base/statefile.h"
#include "ope/base/strbuf.h"
#include "ope/base/sum.h"

enum ci_method { CI_NONE, CI_BOOTSTRAP, CI_T, CI_HOEFFDING, CI_BERNSTEIN, CI_CS };
#define CI_N_METHODS 6

/* "bootstrap" -> CI_BOOTSTRAP ...; -1 if unknown. */
int ci_method_parse(const char *s);
const char *ci_method_name(enum ci_method m);

/* Summary of the contributions: mean (compensated), sample sd (n - 1), min, max. */
struct ci_stats {
    size_t n;
    double mean, sd, min, max;
};
void ci_stats_of(const double *c, size_t n, struct ci_stats *st);

/* The same statistics of contributions fed in pieces in row order (a log read in
 * windows, estimators/evaluate_stream.h): the mean from one compensated sum over every
 * row in order (ci_stats_of's bits), min and max exactly, and the sd from each piece's
 * two-pass sum of squared deviations merged by Chan, Golub & LeVeque's pairwise update
 * M2 = M2_a + M2_b + delta^2 n_a n_b / n (ci_stats_of's sd to rounding). */
struct ci_stats_acc {
    size_t n;
    struct ope_sum s;
    double min, max, m2;
};
void ci_stats_acc_init(struct ci_stats_acc *a);
/* Add the next m contributions c[0..m-1]. */
void ci_stats_acc_add(struct ci_stats_acc *a, const double *c, size_t m);
void ci_stats_acc_result(const struct ci_stats_acc *a, struct ci_stats *st);
/* into += from, where from holds the contributions that follow into's (another
 * process's rows): the same pairwise update, so the sd is one pass's to rounding and
 * min, max and n exactly. */
void ci_stats_acc_merge(struct ci_stats_acc *into, const struct ci_stats_acc *from);
/* The accumulator's bytes for another process (statefile.h), and back (the reader's
 * bad flag set on a short or damaged payload). */
void ci_stats_acc_put(struct strbuf *sb, const struct ci_stats_acc *a);
void ci_stats_acc_get(struct sf_state *st, struct ci_stats_acc *a);
/* Whether statistics of n > 0 contributions read from a state are what contributions
 * can have (a crafted state is refused, not merged into an interval): finite, min <=
 * max, the mean between them and the squared deviations at most n (max - min)^2 (each
 * within rounding). */
int ci_stats_acc_possible(const struct ci_stats_acc *a);

/* mean ± t_{n-1, 1-alpha/2} sd / sqrt(n) (two-sided). NAN bounds when n < 2. */
void ci_t(const struct ci_stats *st, double alpha, double *lo, double *hi);

/* mean ± (b - a) sqrt(ln(2/alpha) / (2n)) for contributions in [a, b]. */
void ci_hoeffding(const struct ci_stats *st, double a, double b, double alpha, double *lo,
                  double *hi);

/* Empirical Bernstein (Maurer & Pontil 2009):
 * mean ± [ sd sqrt(2 ln(4/alpha) / n) + 7 (b - a) ln(4/alpha) / (3 (n - 1)) ]. */
void ci_bernstein(const struct ci_stats *st, double a, double b, double alpha, double *lo,
                  double *hi);

/* The predictable plug-in empirical-Bernstein confidence sequence (PrPl-EB) of
 * Waudby-Smith & Ramdas, "Estimating means of bounded random variables by betting"
 * (JRSS-B 2023, Theorem 2): for observations in [a, b] with a common (conditional)
 * mean, a sequence of intervals that contains the mean at every time t at once with
 * probability at least 1 - alpha, however often it is looked at. On X = (c - a)/(b - a):
 *   mu_t = (1/2 + sum_{i<=t} X_i) / (t + 1),   s2_t = (1/4 + sum_{i<=t} (X_i - mu_i)^2) / (t + 1)
 *   lambda_t = min(sqrt(2 ln(2/alpha) / (s2_{t-1} t ln(1 + t))), 1/2)
 *   v_t = 4 (X_t - mu_{t-1})^2,   psi(l) = (-ln(1 - l) - l) / 4
 *   C_t = sum l_i X_i / sum l_i  +-  (ln(2/alpha) + sum v_i psi(l_i)) / sum l_i
 * kept as the running intersection of C_1..C_t with [0, 1] (also valid), mapped back to
 * [a, b]. Fed in row order, one observation at a time, so the result is a function of
 * the sequence alone (never of threads or of how often it was looked at). */
struct ci_cs {
    double a, b, alpha, l2a;    /* range, level, ln(2/alpha) */
    size_t t;                   /* observations so far */
    size_t outside;             /* observations outside [a, b] (clamped into it) */
    double sum_x, sum_sq;       /* sum X_i, sum (X_i - mu_i)^2 */
    double sum_l, sum_lx, sum_vpsi;
    double lo, hi;              /* the running intersection, on [0, 1] */
};

/* Start a sequence for observations in [a, b] (a < b) at level 1 - alpha. */
void ci_cs_init(struct ci_cs *cs, double a, double b, double alpha);

/* Add the next observation (clamped into [a, b] and counted in outside when it is not
 * in it: the guarantee then no longer holds). */
void ci_cs_add(struct ci_cs *cs, double c);

/* The interval at the current time, in the units of the observations: [a, b] before
 * any observation. */
void ci_cs_bounds(const struct ci_cs *cs, double *lo, double *hi);

/* The interval after c[0..n-1] in order; returns the number of observations outside
 * [a, b]. */
size_t ci_cs_of(const double *c, size_t n, double a, double b, double alpha, double *lo,
                double *hi);

/* Percentile interval of B replicate values (sorted in place; NANs are dropped):
 * the alpha/2 and 1 - alpha/2 quantiles with linear interpolation between order
 * statistics (type 7, numpy's default). Returns the number of finite replicates. */
size_t ci_percentile(double *v, size_t B, double alpha, double *lo, double *hi);

/* Type-7 quantile of sorted values x[0..n-1]. */
double ci_quantile_sorted(const double *x, size_t n, double p);

#endif
