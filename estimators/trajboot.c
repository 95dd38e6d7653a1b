/* estimators/trajboot.c: the trajectory source of the accumulator (trajboot.h). For a
 * block of TB_BLOCK replicates and one chunk it walks the chunk's episodes TB_CHUNK at
 * a time, draws the block's counts for them once, and then for every band of TB_BAND
 * columns forms the count-weighted sums, added plainly across the chunk; the
 * accumulator adds the chunk partials order-free. When every term is finite the sums
 * are dense fused multiply-adds acc = fma(count, term, acc) over the episodes in
 * order -- a count of 0 then adds an exact 0 -- computed four replicates x 32 columns
 * at a time in AVX-512 registers, two x 16 with AVX2, or by fma() in plain C: fma is
 * correctly rounded, so all three give the same bits. A non-finite term (an
 * overflowed weight) switches to a kernel that skips the episodes with count 0, so
 * inf * 0 never makes a NaN. */
#include "config.h"
#include "estimators/trajboot.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ope/base/rng.h"
#include "ope/base/sum.h"
#include "ope/base/threads.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(OPE_NO_SIMD)
#include <immintrin.h>
#define TB_X86 1
#endif

#define TB_BLOCK 64     /* replicates per task: even (one hash serves a pair); S streams
                           from memory once per block, so larger blocks save bandwidth */
#define TB_BAND TRAJBOOT_PAD  /* columns per pass: 4 AVX-512 vectors */
#define TB_CHUNK 256    /* episodes per kernel call: the block's counts (128 KB) stay in L2 */

/* The Poisson(1) table shared with the engine (ope/base/rng.c), so the draws are its own. */
static const uint32_t *pois_cdf;
static pthread_once_t pois_once = PTHREAD_ONCE_INIT;
static int cpu_avx512, cpu_avx2;
static int forced;     /* 0 auto, 1 generic, 2 avx2, 3 avx512 */

static void pois_init(void)
{
    pois_cdf = ope_poisson1_cdf();
#ifdef TB_X86
    __builtin_cpu_init();
    cpu_avx512 = __builtin_cpu_supports("avx512f");
    cpu_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
}

/* The kernel to run: 1 generic, 2 avx2, 3 avx512. */
static int impl_id(void)
{
    pthread_once(&pois_once, pois_init);
    if (forced)
        return forced;
    return cpu_avx512 ? 3 : cpu_avx2 ? 2 : 1;
}

const char *trajboot_impl(void)
{
    static const char *const names[] = { "?", "generic", "avx2", "avx512" };
    return names[impl_id()];
}

int trajboot_force(const char *impl)
{
    pthread_once(&pois_once, pois_init);
    if (!impl)
        forced = 0;
    else if (strcmp(impl, "generic") == 0)
        forced = 1;
    else if (strcmp(impl, "avx2") == 0 && cpu_avx2)
        forced = 2;
    else if (strcmp(impl, "avx512") == 0 && cpu_avx512)
        forced = 3;
    else
        return -1;
    return 0;
}

/* The dense kernels: acc[k * TB_BAND + w] = sum_{i < m} cnt[k][i] * base[i * W + w]
 * for replicates k < nb and columns w < wb (wb = TB_BAND, as W is a multiple of it),
 * each sum a chain of fused multiply-adds over i in order starting from 0. cnt rows
 * have stride TB_CHUNK. */
static void dense_generic(const double *base, size_t W, size_t m, const double *cnt,
                          size_t nb, size_t wb, double *acc)
{
    for (size_t k = 0; k < nb; k++)
        for (size_t w = 0; w < wb; w++) {
            double a = 0.0;
            for (size_t i = 0; i < m; i++)
                a = fma(cnt[k * TB_CHUNK + i], base[i * W + w], a);
            acc[k * TB_BAND + w] = a;
        }
}

#ifdef TB_X86
__attribute__((target("avx512f,avx2,fma")))
static void dense_avx512(const double *base, size_t W, size_t m, const double *cnt,
                         size_t nb, size_t wb, double *acc)
{
    size_t k = 0;
    if (wb == TB_BAND)
        for (; k + 4 <= nb; k += 4) {
            const double *c0 = cnt + k * TB_CHUNK, *c1 = c0 + TB_CHUNK, *c2 = c1 + TB_CHUNK,
                         *c3 = c2 + TB_CHUNK;
            __m512d z = _mm512_setzero_pd();
            __m512d a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
            __m512d a20 = z, a21 = z, a22 = z, a23 = z, a30 = z, a31 = z, a32 = z, a33 = z;
            for (size_t i = 0; i < m; i++) {
                const double *r = base + i * W;
                __m512d x0 = _mm512_loadu_pd(r), x1 = _mm512_loadu_pd(r + 8);
                __m512d x2 = _mm512_loadu_pd(r + 16), x3 = _mm512_loadu_pd(r + 24);
                __m512d m0 = _mm512_set1_pd(c0[i]), m1 = _mm512_set1_pd(c1[i]);
                __m512d m2 = _mm512_set1_pd(c2[i]), m3 = _mm512_set1_pd(c3[i]);
                a00 = _mm512_fmadd_pd(m0, x0, a00), a01 = _mm512_fmadd_pd(m0, x1, a01);
                a02 = _mm512_fmadd_pd(m0, x2, a02), a03 = _mm512_fmadd_pd(m0, x3, a03);
                a10 = _mm512_fmadd_pd(m1, x0, a10), a11 = _mm512_fmadd_pd(m1, x1, a11);
                a12 = _mm512_fmadd_pd(m1, x2, a12), a13 = _mm512_fmadd_pd(m1, x3, a13);
                a20 = _mm512_fmadd_pd(m2, x0, a20), a21 = _mm512_fmadd_pd(m2, x1, a21);
                a22 = _mm512_fmadd_pd(m2, x2, a22), a23 = _mm512_fmadd_pd(m2, x3, a23);
                a30 = _mm512_fmadd_pd(m3, x0, a30), a31 = _mm512_fmadd_pd(m3, x1, a31);
                a32 = _mm512_fmadd_pd(m3, x2, a32), a33 = _mm512_fmadd_pd(m3, x3, a33);
            }
            double *o = acc + k * TB_BAND;
            _mm512_storeu_pd(o, a00), _mm512_storeu_pd(o + 8, a01);
            _mm512_storeu_pd(o + 16, a02), _mm512_storeu_pd(o + 24, a03);
            o += TB_BAND;
            _mm512_storeu_pd(o, a10), _mm512_storeu_pd(o + 8, a11);
            _mm512_storeu_pd(o + 16, a12), _mm512_storeu_pd(o + 24, a13);
            o += TB_BAND;
            _mm512_storeu_pd(o, a20), _mm512_storeu_pd(o + 8, a21);
            _mm512_storeu_pd(o + 16, a22), _mm512_storeu_pd(o + 24, a23);
            o += TB_BAND;
            _mm512_storeu_pd(o, a30), _mm512_storeu_pd(o + 8, a31);
            _mm512_storeu_pd(o + 16, a32), _mm512_storeu_pd(o + 24, a33);
        }
    /* Leftover replicates (nb not a multiple of 4): four columns at a time. */
    for (; k < nb; k++)
        for (size_t w = 0; w < wb; w += 4) {
            __m256d a = _mm256_setzero_pd();
            for (size_t i = 0; i < m; i++)
                a = _mm256_fmadd_pd(_mm256_set1_pd(cnt[k * TB_CHUNK + i]),
                                    _mm256_loadu_pd(base + i * W + w), a);
            _mm256_storeu_pd(acc + k * TB_BAND + w, a);
        }
}

__attribute__((target("avx2,fma")))
static void dense_avx2(const double *base, size_t W, size_t m, const double *cnt, size_t nb,
                       size_t wb, double *acc)
{
    /* Two replicates x 16 columns (eight accumulators of the sixteen registers). */
    for (size_t k = 0; k < nb; k += 2) {
        int two = k + 1 < nb;
        const double *c0 = cnt + k * TB_CHUNK, *c1 = c0 + (two ? TB_CHUNK : 0);
        for (size_t w = 0; w < wb; w += 16) {
            __m256d z = _mm256_setzero_pd();
            __m256d a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
            for (size_t i = 0; i < m; i++) {
                const double *r = base + i * W + w;
                __m256d x0 = _mm256_loadu_pd(r), x1 = _mm256_loadu_pd(r + 4);
                __m256d x2 = _mm256_loadu_pd(r + 8), x3 = _mm256_loadu_pd(r + 12);
                __m256d m0 = _mm256_set1_pd(c0[i]), m1 = _mm256_set1_pd(c1[i]);
                a0 = _mm256_fmadd_pd(m0, x0, a0), a1 = _mm256_fmadd_pd(m0, x1, a1);
                a2 = _mm256_fmadd_pd(m0, x2, a2), a3 = _mm256_fmadd_pd(m0, x3, a3);
                b0 = _mm256_fmadd_pd(m1, x0, b0), b1 = _mm256_fmadd_pd(m1, x1, b1);
                b2 = _mm256_fmadd_pd(m1, x2, b2), b3 = _mm256_fmadd_pd(m1, x3, b3);
            }
            double *o = acc + k * TB_BAND + w;
            _mm256_storeu_pd(o, a0), _mm256_storeu_pd(o + 4, a1);
            _mm256_storeu_pd(o + 8, a2), _mm256_storeu_pd(o + 12, a3);
            if (two) {
                o += TB_BAND;
                _mm256_storeu_pd(o, b0), _mm256_storeu_pd(o + 4, b1);
                _mm256_storeu_pd(o + 8, b2), _mm256_storeu_pd(o + 12, b3);
            }
        }
    }
}
#endif

/* The sparse kernel for logs with non-finite terms: the same sums over the episodes
 * with a non-zero count only (fma as above, so an inf term with count 0 is skipped). */
static void sparse_generic(const double *base, size_t W, size_t m, const double *cnt,
                           size_t nb, size_t wb, double *acc)
{
    for (size_t k = 0; k < nb; k++)
        for (size_t w = 0; w < wb; w++) {
            double a = 0.0;
            for (size_t i = 0; i < m; i++)
                if (cnt[k * TB_CHUNK + i] != 0.0)
                    a = fma(cnt[k * TB_CHUNK + i], base[i * W + w], a);
            acc[k * TB_BAND + w] = a;
        }
}

/* Scratch of one task, allocated once per task (outside every loop over episodes). */
struct tb_scratch {
    double cnt[TB_BLOCK][TB_CHUNK];
    double acc[TB_BLOCK][TB_BAND];
};

/* Point partials: the compensated sum of each column over the chunk's episodes. */
static void src_point(void *ctx, void *scratch, size_t lo, size_t m, double *sum)
{
    const struct trajboot *tb = ctx;
    (void)scratch;
    for (size_t w = 0; w < tb->W; w++)
        sum[w] = acc_point_column(tb->S + trajboot_at(tb->n, lo, w), TRAJBOOT_PAD, m);
}

/* Replicate partials of one chunk: per sub-chunk of TB_CHUNK episodes, the block's
 * counts once, then the kernel over every band; the sub-chunks' sums are added
 * plainly in order. */
static void src_boot(void *ctx, void *scratch, size_t lo, size_t m, const uint64_t *rowkey,
                     uint64_t b0, size_t nb, double *dot, uint64_t *cnt)
{
    const struct trajboot *tb = ctx;
    struct tb_scratch *sc = scratch;
    size_t W = tb->W;
    memset(dot, 0, nb * W * sizeof *dot);
    memset(cnt, 0, nb * sizeof *cnt);
    for (size_t s0 = 0; s0 < m; s0 += TB_CHUNK) {
        size_t ms = m - s0 < TB_CHUNK ? m - s0 : TB_CHUNK;
        /* Counts: one hash per (episode, pair of replicates), as acc_count. */
        for (size_t k = 0; k < nb; k += 2) {
            uint64_t salt = ((b0 + k) / 2) * UINT64_C(0xc2b2ae3d27d4eb4f) +
                            UINT64_C(0x165667b19e3779f9);
            for (size_t i = 0; i < ms; i++) {
                uint64_t u = ope_mix64(rowkey[s0 + i] ^ salt);
                int c0 = ope_poisson1_fast(pois_cdf, (uint32_t)(u >> 32));
                int c1 = ope_poisson1_fast(pois_cdf, (uint32_t)u);
                sc->cnt[k][i] = c0;
                cnt[k] += (uint64_t)c0;
                if (k + 1 < nb) {
                    sc->cnt[k + 1][i] = c1;
                    cnt[k + 1] += (uint64_t)c1;
                }
            }
        }
        for (size_t w0 = 0; w0 < W; w0 += TB_BAND) {
            tb->kernel(tb->S + trajboot_at(tb->n, lo + s0, w0), TB_BAND, ms, &sc->cnt[0][0],
                       nb, TB_BAND, &sc->acc[0][0]);
            for (size_t k = 0; k < nb; k++) {
                double *t = dot + k * W + w0;
                for (size_t w = 0; w < TB_BAND; w++)
                    t[w] += sc->acc[k][w];
            }
        }
    }
}

int trajboot_init(struct trajboot *tb, const double *S, size_t n, size_t W,
                  struct ope_error *err)
{
    int finite = 1;
    for (size_t k = 0; k < n * W && finite; k++)
        finite = isfinite(S[k]);
    return trajboot_init_finite(tb, S, n, W, finite, err);
}

int trajboot_init_finite(struct trajboot *tb, const double *S, size_t n, size_t W,
                         int finite, struct ope_error *err)
{
    pthread_once(&pois_once, pois_init);
    if (W % TRAJBOOT_PAD != 0)
        return ope_fail(err, OPE_ESOFTWARE, "trajboot: %zu columns is not a multiple of %d",
                        W, TRAJBOOT_PAD);
    tb->kernel = finite ? dense_generic : sparse_generic;
#ifdef TB_X86
    int id = impl_id();
    if (finite && id == 3)
        tb->kernel = dense_avx512;
    else if (finite && id == 2)
        tb->kernel = dense_avx2;
#endif
    tb->S = S;
    tb->n = n;
    tb->W = W;
    tb->src = (struct acc_source){ n, W, TB_BLOCK, sizeof(struct tb_scratch), tb, src_point,
                                   src_boot, NULL };
    return 0;
}

int trajboot_sums(const double *S, size_t n, size_t W, uint64_t seed, size_t B, int threads,
                  struct ope_progress *progress, double *sums, double *msum,
                  struct ope_error *err)
{
    struct trajboot tb;
    struct acc_state st;
    if (trajboot_init(&tb, S, n, W, err) != 0 || acc_init(&st, W, B, err) != 0)
        return -1;
    /* Only the replicates are wanted here (the engine sums the point estimate from
     * the terms themselves). */
    struct acc_source src = tb.src;
    src.point = NULL;
    int rc = acc_run(&st, &src, seed, threads, progress, err);
    if (rc == 0)
        acc_finalize(&st, NULL, sums, msum);
    acc_release(&st);
    return rc;
}
