/* viz/chart_explore.h: charts of an `ope explore` run file (its per-episode CSV):
 * cumulative regret, or the executed policy's exact value against the constraint
 * line (1 - alpha) V^b, per algorithm, as the mean over runs with a min-max band. */
#ifndef VIZ_CHART_EXPLORE_H
#define VIZ_CHART_EXPLORE_H

#include "ope/base/error.h"
#include "ope/base/strbuf.h"
#include "viz/chart.h"

/* value_view 0: cumulative regret vs episode; 1: executed value vs episode with the
 * threshold. Errors: OPE_ENOINPUT, OPE_EDATA (missing column, bad number). */
int chart_explore(const char *path, int value_view, const struct chart_text *t,
                  struct strbuf *sb, struct ope_error *err);

#endif
