/* viz/chart_train.h: learning curves of an `ope train --env` curve file (columns
 * algorithm,run,iteration,true_value,grad_norm,samples): per algorithm the mean exact
 * value over runs (seeds) against the environment steps sampled, with the min-max
 * band over seeds. */
#ifndef VIZ_CHART_TRAIN_H
#define VIZ_CHART_TRAIN_H

#include "ope/base/error.h"
#include "ope/base/strbuf.h"
#include "viz/chart.h"

/* x is the mean number of environment steps at each iteration, or the iteration when
 * no run sampled anything (exact gradients). Errors: OPE_ENOINPUT, OPE_EDATA (missing
 * column, bad number, more than 16 algorithms). */
int chart_train(const char *path, const struct chart_text *t, struct strbuf *sb,
                struct ope_error *err);

#endif
