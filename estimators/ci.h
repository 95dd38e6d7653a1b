/* estimators/ci.h: confidence intervals from per-row contributions c_1..c_n (whose
 * mean is the estimate) and the percentile interval of bootstrap replicates. */
#ifndef ESTIMATORS_CI_H
#define ESTIMATORS_CI_H

#include <stddef.h>

enum ci_method { CI_NONE, CI_BOOTSTRAP, CI_T, CI_HOEFFDING, CI_BERNSTEIN };

/* "bootstrap" -> CI_BOOTSTRAP ...; -1 if unknown. */
int ci_method_parse(const char *s);
const char *ci_method_name(enum ci_method m);

/* Summary of the contributions: mean (compensated), sample sd (n - 1), min, max. */
struct ci_stats {
    size_t n;
    double mean, sd, min, max;
};
void ci_stats_of(const double *c, size_t n, struct ci_stats *st);

/* mean ± t_{n-1, 1-alpha/2} sd / sqrt(n) (two-sided). NAN bounds when n < 2. */
void ci_t(const struct ci_stats *st, double alpha, double *lo, double *hi);

/* mean ± (b - a) sqrt(ln(2/alpha) / (2n)) for contributions in [a, b]. */
void ci_hoeffding(const struct ci_stats *st, double a, double b, double alpha, double *lo,
                  double *hi);

/* Empirical Bernstein (Maurer & Pontil 2009):
 * mean ± [ sd sqrt(2 ln(4/alpha) / n) + 7 (b - a) ln(4/alpha) / (3 (n - 1)) ]. */
void ci_bernstein(const struct ci_stats *st, double a, double b, double alpha, double *lo,
                  double *hi);

/* Percentile interval of B replicate values (sorted in place; NANs are dropped):
 * the alpha/2 and 1 - alpha/2 quantiles with linear interpolation between order
 * statistics (type 7, numpy's default). Returns the number of finite replicates. */
size_t ci_percentile(double *v, size_t B, double alpha, double *lo, double *hi);

/* Type-7 quantile of sorted values x[0..n-1]. */
double ci_quantile_sorted(const double *x, size_t n, double p);

#endif
