/* estimators/evboot.h: the bandit source of the accumulator (accum.h). Its columns
 * are the terms of every (policy, estimator) in the order policy, estimator, term;
 * per chunk they are formed once, the bit-identical ones merged (ipw's w r is
 * snipw's numerator, ...), and weighted by the replicates' counts with the kernel of
 * bootk.h. */
#ifndef ESTIMATORS_EVBOOT_H
#define ESTIMATORS_EVBOOT_H

#include <stddef.h>
#include "ope/base/error.h"
#include "estimators/accum.h"
#include "estimators/estimator.h"

struct evboot;

/* The source over the row inputs in[p] (all of the same n) of n_pol policies and
 * spec[0..n_spec-1], plus, when extra is not NULL, one more column extra[0..n-1] (the
 * lift's baseline: its replicate sums share the estimates' counts, drawn once) at
 * evboot_extra_col. When B > 0 and the merged columns of every chunk fit in the
 * cache limit, they are computed once here (on `threads` threads) and kept. NULL
 * (out of memory) with err. */
struct evboot *evboot_new(const struct est_bandit_in *in, size_t n_pol,
                          const struct est_spec *spec, size_t n_spec, const double *extra,
                          size_t B, int threads, struct ope_error *err);
void evboot_free(struct evboot *ev);

/* The accumulator source, and the first column of (policy p, estimator e). */
const struct acc_source *evboot_source(const struct evboot *ev);
size_t evboot_col(const struct evboot *ev, size_t p, size_t e);
/* The column of extra (the last one), or (size_t)-1 when there is none. */
size_t evboot_extra_col(const struct evboot *ev);

/* The merged term vectors of every chunk are computed once and kept when the worst
 * case (no two alike) fits in this many bytes of address space; otherwise every
 * task recomputes them. Same results either way; tests switch it (0: never). */
#define EVBOOT_CACHE_DEFAULT ((size_t)256 << 20)
void evboot_set_cache_limit(size_t bytes);

#endif
