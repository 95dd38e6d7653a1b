/* viz/chart_select.h: the top-k curves of a selection (struct ops_curves: a view of
 * `ope select`'s or a report's ops_results, or the reader of a saved per-k CSV), one
 * line per estimator against k: SharpeRatio@k by default, or best/worst/mean/std/
 * safety violation rate. The paper's main figure. */
#ifndef VIZ_CHART_SELECT_H
#define VIZ_CHART_SELECT_H

#include "estimators/ops.h"
#include "ope/base/error.h"
#include "ope/base/strbuf.h"
#include "viz/chart.h"

/* metric: a column name of the per-k CSV: sharpe_ratio, best, worst, mean, std or
 * safety_violation_rate (OPE_EUSAGE otherwise). Undefined or infinite values are not
 * drawn. t may be NULL. Returns 0, or -1 with err (usage, OOM). */
int chart_select(const struct ops_curves *c, const char *metric, const struct chart_text *t,
                 struct strbuf *sb, struct ope_error *err);

#endif
