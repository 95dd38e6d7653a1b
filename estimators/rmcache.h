/* estimators/rmcache.h: the columns a reward model reads (action, reward, position,
 * contexts), copied by the fit's first pass over a streamed log into an unlinked
 * temporary file in $TMPDIR, and read back as windows by the passes that need nothing
 * else (rmstream.h). The log's CSV is parsed once for them instead of once per pass:
 * a few dozen bytes a row instead of every policy's probabilities. A cache that cannot
 * be made or written gives up quietly, and the passes read the log again; one that
 * fails a read gives up too, the pass reading the rest from the log (with a warning:
 * evaluate_stream.c's fit_model). */
#ifndef ESTIMATORS_RMCACHE_H
#define ESTIMATORS_RMCACHE_H

#include <stddef.h>
#include "ope/base/error.h"
#include "datasets/blog.h"

struct rmc;

/* An empty cache, or NULL when none can be made (no temporary file; $OPE_TEST_NO_
 * MODEL_CACHE set, so the tests can compare both ways). */
struct rmc *rmc_new(void);
void rmc_free(struct rmc *c);

/* Append window w (rows first .. first + w->n - 1 of the log, following the last
 * window appended). 0, or -1 when the cache gave up (it is then unusable). */
int rmc_append(struct rmc *c, const struct blog *w, size_t first);

/* Whether every window so far is in the cache. */
int rmc_usable(const struct rmc *c);

/* Read the cache from its start: rmc_rewind, then rmc_next gives each window back as
 * a log view (action, reward, position, numeric and categorical contexts; no
 * policies) and its first row, valid until the next call: 1, 0 at the end, or -1 with
 * err (a read error, OPE_ENOINPUT: the cache is then unusable). */
int rmc_rewind(struct rmc *c, struct ope_error *err);
int rmc_next(struct rmc *c, const struct blog **w, size_t *first, struct ope_error *err);

#endif
