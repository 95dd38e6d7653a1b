/* estimators/trajboot.h: the bootstrap kernel of the trajectory engine. Every
 * trajectory estimator is a ratio of sums of per-episode terms (traj.h), so a
 * bootstrap replicate only needs, for each term column w, the count-weighted sum
 * sum_i m_{b,i} S[i][w] over episodes, where m_{b,i} is episode i's Poisson(1) count
 * in replicate b (eval_traj_count). The columns of every policy and estimator sit
 * side by side in one matrix S, so each replicate's counts are drawn once and
 * applied to all of them: O(B N W) multiply-adds with no allocation in the loop. S is
 * stored in bands of TRAJBOOT_PAD columns, each band episode-major (trajboot_at), so
 * the kernel streams through memory in order.
 * The order of every operation is fixed (fused multiply-adds over the episodes in
 * order within a chunk of TRAJBOOT_CHUNK, chunk sums added in chunk order, every 16
 * chunks into a compensated total), so the sums are bit-identical for any number of
 * threads and for the plain and vector kernels. */
#ifndef ESTIMATORS_TRAJBOOT_H
#define ESTIMATORS_TRAJBOOT_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"
#include "ope/base/progress.h"

/* Episodes per chunk: part of the results (the chunk sums are what is compensated);
 * a band is stored episode-major, so a chunk is one contiguous 64 KB stretch. */
#define TRAJBOOT_CHUNK 256

/* Columns of S must be a multiple of this (pad with zeros): one band of the vector
 * kernel, which then never takes its slow narrow path. */
#define TRAJBOOT_PAD 32

/* Where entry (episode i, column w) of an n-episode S lives. */
static inline size_t trajboot_at(size_t n, size_t i, size_t w)
{
    return (w / TRAJBOOT_PAD) * n * TRAJBOOT_PAD + i * TRAJBOOT_PAD + w % TRAJBOOT_PAD;
}

/* The replicate sums of S (n episodes x W columns, W a multiple of TRAJBOOT_PAD) for
 * replicates 0..B-1 with the counts of eval_traj_count(seed, i, b):
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
