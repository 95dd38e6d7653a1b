/* viz/chart_explore.h: charts of a set of exploration runs (struct xpl_runs, as
 * `ope explore` computes them, the TUI's Explore view runs them, or the reader of a
 * saved run file loads them): cumulative regret, or the executed policy's exact
 * value against the constraint line (1 - alpha) V^b, per algorithm, as the mean
 * over runs with a min-max band. */
#ifndef VIZ_CHART_EXPLORE_H
#define VIZ_CHART_EXPLORE_H

#include "ope/base/error.h"
#include "ope/base/strbuf.h"
#include "ope/learn/explore/record.h"
#include "viz/chart.h"

/* value_view 0: cumulative regret vs episode; 1: executed value vs episode with the
 * threshold line when x->threshold is known. At most 400 evenly spaced episodes are
 * drawn. t may be NULL (the defaults). Returns 0, or -1 with err (OOM). */
int chart_explore(const struct xpl_runs *x, int value_view, const struct chart_text *t,
                  struct strbuf *sb, struct ope_error *err);

#endif
