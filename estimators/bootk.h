/* estimators/bootk.h: the inner kernel of the bootstrap. For one chunk of rows and a
 * block of replicates it draws every row's Poisson(1) count in every replicate and
 * forms the count-weighted sums of a few term vectors. The arithmetic is fixed (four
 * lanes by row index mod 4, a sequential tail, then (l0 + l1) + (l2 + l3)), so the
 * vectorised and the plain versions give bit-identical sums on every machine. */
#ifndef ESTIMATORS_BOOTK_H
#define ESTIMATORS_BOOTK_H

#include <stddef.h>
#include <stdint.h>
#include "estimators/accum.h"

/* Rows per chunk: the accumulator's chunk (accum.h), whose partial sums this kernel
 * forms. */
#define BOOTK_CHUNK ACC_CHUNK

/* One chunk of one replicate block. */
struct bootk_job {
    size_t m;                   /* rows in the chunk, 1..BOOTK_CHUNK */
    const uint64_t *rowkey;     /* [m] ope_mix64(key + row * 0x9e3779b97f4a7c15) */
    size_t nu;                  /* term vectors */
    const double *const *t;     /* [nu][m] */
    uint64_t b0;                /* first replicate (even) */
    size_t nb;                  /* replicates b0 .. b0 + nb - 1 */
    double *dot;                /* out [nb][nu]: sum_i count_{b,i} t_u[i] in the fixed order */
    uint64_t *count;            /* out [nb]: sum_i count_{b,i} */
};

/* The count of row key rk in replicate b: with h = ope_mix64(rk ^ ((b / 2)
 * 0xc2b2ae3d27d4eb4f + 0x165667b19e3779f9)), Poisson(1) inverted from the high half of
 * h for even b and from the low half for odd b. Exposed for tests. */
int bootk_count(uint64_t rowkey, uint64_t b);

/* Compute dot and count of a job. */
void bootk_chunk(const struct bootk_job *j);

/* Which implementation bootk_chunk uses: "avx512" or "generic". Tests may force the
 * plain one with bootk_use_generic(1) to compare both. */
const char *bootk_impl(void);
void bootk_use_generic(int on);

#endif
