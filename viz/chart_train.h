/* viz/chart_train.h: learning curves of policy-gradient results (struct pg_result,
 * as `ope train --env` / --compare computes them, the TUI's Train view runs them, or
 * the reader of a saved curve file loads them): per algorithm the mean exact value
 * over runs (seeds) against the environment steps sampled, with the min-max band
 * over seeds. */
#ifndef VIZ_CHART_TRAIN_H
#define VIZ_CHART_TRAIN_H

#include <stddef.h>
#include "ope/base/error.h"
#include "ope/base/strbuf.h"
#include "ope/learn/pg/pg.h"
#include "viz/chart.h"

/* One curve per res[i] (named by its label). x is the mean number of environment
 * steps at each iteration, or the iteration when no run sampled anything (exact
 * gradients). At most 400 evenly spaced iterations are drawn (24 in the text
 * terminal, where bands are error bars), the last always. t may be NULL. Returns 0,
 * or -1 with err (OOM). */
int chart_train(const struct pg_result *res, size_t n, const struct chart_text *t,
                struct strbuf *sb, struct ope_error *err);

#endif
