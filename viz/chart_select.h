/* viz/chart_select.h: the top-k curves of `ope select --format csv` (one line per
 * estimator against k: SharpeRatio@k by default, or best/worst/mean/std/safety
 * violation rate), the paper's main figure. */
#ifndef VIZ_CHART_SELECT_H
#define VIZ_CHART_SELECT_H

#include "ope/base/error.h"
#include "ope/base/strbuf.h"
#include "viz/chart.h"

/* metric: a column of the select CSV ("sharpe_ratio", "best", ...). Errors: 66, 65. */
int chart_select_csv(const char *path, const char *metric, const struct chart_text *t,
                     struct strbuf *sb, struct ope_error *err);

#endif
