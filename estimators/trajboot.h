/* estimators/trajboot.h: the trajectory source of the accumulator (accum.h). Every
 * trajectory estimator is a ratio of sums of per-episode terms (traj.h), so its
 * columns sit side by side, for every policy and estimator, in one episode x column
 * matrix S, and a replicate needs sum_i m_{b,i} S[i][w] for each column w, where
 * m_{b,i} is episode i's Poisson(1) count (acc_count). Each replicate's counts are
 * drawn once and applied to all columns: O(B N W) multiply-adds with no allocation in
 * the loop. S is stored in bands of TRAJBOOT_PAD columns, each band episode-major
 * (trajboot_at), so the kernel streams through memory in order.
 * Within a chunk of the accumulator the order of every operation is fixed (fused
 * multiply-adds over the episodes in order within 256, those sums added in order),
 * so the partials are bit-identical for the plain and vector kernels. */
#ifndef ESTIMATORS_TRAJBOOT_H
#define ESTIMATORS_TRAJBOOT_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"
#include "ope/base/progress.h"
#include "estimators/accum.h"

/* Columns of S must be a multiple of this (pad with zeros): one band of the vector
 * kernel, which then never takes its slow narrow path. */
#define TRAJBOOT_PAD 32

/* Where entry (episode i, column w) of an n-episode S lives. */
static inline size_t trajboot_at(size_t n, size_t i, size_t w)
{
    return (w / TRAJBOOT_PAD) * n * TRAJBOOT_PAD + i * TRAJBOOT_PAD + w % TRAJBOOT_PAD;
}

/* The source over S (n episodes x W columns, W a multiple of TRAJBOOT_PAD; S is
 * read, not copied). src is what acc_run and acc_add_chunks take. */
struct trajboot {
    const double *S;
    size_t n, W;
    void (*kernel)(const double *, size_t, size_t, const double *, size_t, size_t, double *);
    struct acc_source src;
};
int trajboot_init(struct trajboot *tb, const double *S, size_t n, size_t W,
                  struct ope_error *err);

/* The same when the caller, which wrote S, knows whether its every entry is finite
 * (finite != 0): that spares a pass over S. */
int trajboot_init_finite(struct trajboot *tb, const double *S, size_t n, size_t W,
                         int finite, struct ope_error *err);

/* The replicate sums of S (n episodes x W columns, W a multiple of TRAJBOOT_PAD) for
 * replicates 0..B-1 with the counts of eval_traj_count(seed, i, b), through acc_run:
 *     sums[b * W + w] = sum_i m_{b,i} S[trajboot_at(n, i, w)],   msum[b] = sum_i m_{b,i}.
 * Episodes with count 0 are skipped (an infinite term does not turn into NaN). Runs
 * on `threads` threads (<= 0: default), split by blocks of replicates. 0, or -1 with
 * err (OPE_EINTERRUPTED when cancelled through progress, which may be NULL). */
int trajboot_sums(const double *S, size_t n, size_t W, uint64_t seed, size_t B, int threads,
                  struct ope_progress *progress, double *sums, double *msum,
                  struct ope_error *err);

/* Which multiply-add kernel runs: "avx512", "avx2" or "generic". */
const char *trajboot_impl(void);

/* For tests: run kernel impl ("avx512", "avx2", "generic"; NULL: the best the CPU
 * has) from now on, to check they agree bit for bit. -1 when the CPU lacks it. */
int trajboot_force(const char *impl);

#endif
