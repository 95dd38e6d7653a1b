/* estimators/evboot.h: the bootstrap of the bandit evaluation engine (evaluate.c).
 * Each resample's Poisson(1) counts are drawn once and applied to every estimator
 * of every policy in the same pass over the rows; ratio estimators get numerator
 * and denominator per resample. */
#ifndef ESTIMATORS_EVBOOT_H
#define ESTIMATORS_EVBOOT_H

#include <stddef.h>
#include "ope/base/error.h"
#include "estimators/estimator.h"
#include "estimators/evaluate.h"

/* Fill vals[(p * o->n_spec + e) * o->n_boot + b] with replicate b of estimator e on
 * policy p, whose row inputs are in[p] (all of the same n). The replicates depend on
 * (o->seed, row, replicate) only, never on o->threads. Errors: OPE_EINTERRUPTED
 * (cancelled through o->progress), out of memory. */
int evboot_run(const struct est_bandit_in *in, size_t n_pol, const struct eval_opts *o,
               double *vals, struct ope_error *err);

/* The merged term vectors of every chunk are computed once and kept when the worst
 * case (no two alike) fits in this many bytes of address space; otherwise every
 * task recomputes them. Same results either way; tests switch it (0: never). */
#define EVBOOT_CACHE_DEFAULT ((size_t)256 << 20)
void evboot_set_cache_limit(size_t bytes);

#endif
