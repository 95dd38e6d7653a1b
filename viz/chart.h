/* viz/chart.h: chart builders: they turn results into gnuplot scripts (data inline,
 * every name quoted by gp_quote) for gp_run, so the TUI, `ope plot` and reports draw
 * the same charts. */
#ifndef VIZ_CHART_H
#define VIZ_CHART_H

#include <stddef.h>
#include "estimators/result.h"
#include "ope/strbuf.h"

/* Estimates with interval bars, one panel row per estimator, grouped by policy,
 * with the ground truth (and an optional reference value, e.g. an observed click
 * rate) as markers. policy < 0: every policy. */
void chart_estimates(const struct res_eval *r, long policy, double reference,
                     const char *reference_label, struct strbuf *sb);

/* Estimate against sample size (teaching: why importance sampling explodes): for
 * each of n_series estimators, value / lower / upper at sizes n[0..m-1]; truth NAN if
 * unknown. */
void chart_sample_size(const char *const *names, size_t n_series, const double *sizes,
                       size_t m, const double *value, const double *lower,
                       const double *upper, double truth, const char *title,
                       struct strbuf *sb);

/* Histogram of importance weights on log-spaced bins. */
void chart_weights(const double *w, size_t n, const char *title, struct strbuf *sb);

#endif
