/* estimators/accum.h: the accumulator every evaluation is made of. Bandit and
 * trajectory estimators are sums, or ratios of sums, of per-row (per-episode) terms,
 * so an evaluation reduces to the sums of K term columns, once with every count 1
 * (the point estimate) and once per bootstrap replicate b with Poisson(1) counts
 * m_{b,i} that are a pure function of (seed, global row i, b). An acc_state holds
 * those sums for rows fed so far: init, add chunks, merge two states, finalize.
 *
 * One chunking rule for both kinds of log: a chunk is ACC_CHUNK consecutive rows starting
 * at a multiple of ACC_CHUNK. A chunk's partial sums are computed with a fixed
 * arithmetic (the kernel of its source), and partials are combined with an
 * order-free sum (ope/base/xsum.h). So feeding the chunks in any order, splitting
 * them among threads, streams or machines and merging the states in any grouping
 * gives the same bits as one pass. */
#ifndef ESTIMATORS_ACCUM_H
#define ESTIMATORS_ACCUM_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"
#include "ope/base/progress.h"
#include "ope/base/statefile.h"
#include "ope/base/strbuf.h"
#include "ope/base/xsum.h"

/* Rows per chunk: the unit of splitting and of the partial sums (part of the
 * results). */
#define ACC_CHUNK 4096

/* Where the K columns come from, and the kernel that forms a chunk's partials. The
 * two kinds of log differ only here: the bandit source computes its term columns per
 * chunk and weights them with the kernel of bootk.h (few columns, hash-bound); the
 * trajectory source reads a packed episode x column matrix with the fused
 * multiply-add kernel of trajboot.h (many columns). */
struct acc_source {
    size_t n;               /* rows (episodes) */
    size_t K;               /* columns */
    size_t rep_block;       /* replicates per task of acc_run (even; speed only) */
    size_t scratch;         /* bytes of scratch a task hands to the callbacks */
    void *ctx;
    /* Point partials of the chunk of rows [lo, lo + m): sum[k] = sum of column k
     * over the chunk, compensated in row order (acc_point_column). NULL when the
     * caller accumulates the point sums itself (acc_run then leaves them empty). */
    void (*point)(void *ctx, void *scratch, size_t lo, size_t m, double *sum);
    /* Replicate partials of that chunk for replicates b0 .. b0 + nb - 1 (b0 even):
     * dot[r * K + k] = sum_i m_{b0+r,i} col_k[i] and cnt[r] = sum_i m_{b0+r,i}, with
     * the counts of acc_count (rowkey[i] = acc_rowkey(key, lo + i), or of rowid[lo + i]). */
    void (*boot)(void *ctx, void *scratch, size_t lo, size_t m, const uint64_t *rowkey,
                 uint64_t b0, size_t nb, double *dot, uint64_t *cnt);
    /* The global row of each row [n], or NULL (row i is global row i): the bootstrap
     * counts are keyed by it, so a part of a log gathered into rows 0..n-1 (a segment,
     * ope eval --by) is resampled exactly as those rows are in the whole log's
     * replicates, and disjoint parts get independent counts. */
    const size_t *rowid;
};

/* The sums of K columns over the rows fed so far, for the point estimate and B
 * bootstrap replicates. */
struct acc_state {
    size_t K, B;
    uint64_t n;             /* rows fed */
    struct ope_xsum *point; /* [K] */
    uint64_t *rep_n;        /* [B] sum of the counts */
    struct ope_xsum *rep;   /* [B * K], replicate-major */
};

/* Set up an empty state. 0, or -1 (out of memory) with err. */
int acc_init(struct acc_state *s, size_t K, size_t B, struct ope_error *err);
/* Free the insides of s (acc_release of a zeroed state is a no-op). */
void acc_release(struct acc_state *s);

/* into += from (same K and B): as if from's chunks had been fed to into. */
void acc_merge(struct acc_state *into, const struct acc_state *from);

/* into += from with the columns rearranged (same B; any K): column k of into gets
 * from's column map[k], or nothing when map[k] is (size_t)-1. A state whose columns
 * grew (a trajectory log's per-step slots, when a longer episode comes) is carried
 * over into the wider layout by merging it into an empty state of that layout. */
void acc_merge_cols(struct acc_state *into, const struct acc_state *from, const size_t *map);

/* Feed chunks c0 .. c1 - 1 of src (rows [c0 ACC_CHUNK, min(c1 ACC_CHUNK, n))), on
 * this thread, with the bootstrap counts of seed. The streaming entry point. 0, or
 * -1 (out of memory) with err. */
int acc_add_chunks(struct acc_state *s, const struct acc_source *src, uint64_t seed,
                   size_t c0, size_t c1, struct ope_error *err);

/* Feed every chunk of src on `threads` threads (<= 0: default): bit-identical to
 * acc_add_chunks over all chunks. Errors: OPE_EINTERRUPTED (cancelled through
 * progress, which may be NULL), out of memory. */
int acc_run(struct acc_state *s, const struct acc_source *src, uint64_t seed, int threads,
            struct ope_progress *progress, struct ope_error *err);

/* A state's bytes, for a state file or another process (statefile.h): acc_put
 * appends them to a payload; acc_get reads them back into s (initialised here) when
 * they are a state of K columns and B replicates, else sets the reader's bad flag and
 * fails (OPE_EDATA, sf_done's message) with s empty. 0, or -1 with err. */
void acc_put(struct strbuf *sb, const struct acc_state *s);
int acc_get(struct sf_state *st, struct acc_state *s, size_t K, size_t B,
            struct ope_error *err);

/* The finished sums: point[k], rep[b * K + k] and rep_n[b] (any may be NULL). */
void acc_finalize(const struct acc_state *s, double *point, double *rep, double *rep_n);

/* The key of the bootstrap stream of seed, and the key of global row i: row i's
 * count in replicate b is acc_count(acc_rowkey(key, i), b). */
uint64_t acc_key(uint64_t seed);
uint64_t acc_rowkey(uint64_t key, uint64_t i);

/* The Poisson(1) count of a row key in replicate b: with h = ope_mix64(rowkey ^ ((b /
 * 2) 0xc2b2ae3d27d4eb4f + 0x165667b19e3779f9)), inverted from the high half of h for
 * even b and the low half for odd b (one hash serves a pair of replicates). */
int acc_count(uint64_t rowkey, uint64_t b);

/* Tables kept in copies (a model's statistics counted once per bootstrap replicate:
 * estimators/fqetab.h, mistab.h), filled on threads: count(ctx, e, part, m, r0, r1)
 * adds episode e of n (global number first + e) to copies r0..r1-1 of part `part` (of
 * n_parts: a policy's tables, or 1), copy r >= 1 counted m[r] = acc_count(acc_rowkey(
 * acc_key(seed), first + e), r - 1) times and copy 0 once. Each task owns disjoint
 * (part, copies) and adds the episodes in order, so the sums do not depend on the
 * number of threads. 0, or -1 with err (out of memory, cancelled). */
int acc_count_copies(size_t n, size_t n_parts, size_t R, uint64_t first, uint64_t seed,
                     int threads,
                     void (*count)(void *ctx, size_t e, size_t part, const double *m,
                                   size_t r0, size_t r1),
                     void *ctx, struct ope_error *err);

/* The point partial of one column: the compensated sum, in row order, of
 * col[i * stride] for the m rows of a chunk. For sources and for callers that
 * accumulate point sums without a source. */
double acc_point_column(const double *col, size_t stride, size_t m);

/* The point sum of a whole column of n rows (col[i * stride]): what an acc_state
 * fed with that column finalizes to, without a source. */
double acc_point_sum(const double *col, size_t stride, size_t n);

/* acc_point_sum of every column of a row-major n x K matrix x into out[K], in one
 * pass over the rows. 0, or -1 (out of memory) with err. */
int acc_point_rows(const double *x, size_t n, size_t K, double *out, struct ope_error *err);

#endif
