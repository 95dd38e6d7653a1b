/* estimators/bootk.c: the bootstrap kernel of bootk.h: a plain C version and, on
 * x86-64 CPUs with AVX-512 (chosen at run time), one that hashes eight rows at a
 * time and keeps two replicates' four lanes in one register. Both perform the same
 * IEEE operations in the same order (no fused multiply-add), so they agree bit for
 * bit; t/0330-bootk.c checks that against a direct transcription. */
#include "config.h"
#include "estimators/bootk.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#include "ope/base/rng.h"

/* Products and sums must stay separate IEEE operations (a fused multiply-add rounds
 * once, and would make the vector and plain versions disagree). -std=c11 already
 * says so; these keep it true under -std=gnu11 or -ffp-contract=fast. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define SALT_MUL UINT64_C(0xc2b2ae3d27d4eb4f)
#define SALT_ADD UINT64_C(0x165667b19e3779f9)

/* floor(2^32 P(K <= k)) for K ~ Poisson(1), k = 0..18: the table of ope/base/rng.c. */
static const uint32_t *cdf;
static pthread_once_t cdf_once = PTHREAD_ONCE_INIT;
static int force_generic;
static int cpu_avx512;     /* the CPU and OS run AVX-512 F + DQ (set once) */

/* Largest block the vector version takes at once (its scratch lives on the stack). */
#define MAX_PAIRS 32
#define MAX_TERMS 32

/* The vector inversion by the top four bits of u (lut_of): for u in bucket j =
 * u >> 28, K = lut_base[j] + [u >= lut_thr[j]] + [u >= lut_x[0]] + [u >= lut_x[1]],
 * and u >= lut_x[2] (rare) is inverted in full. Valid when every bucket but the last
 * holds at most one threshold of the table (lut_ok): then lut_x, all in the last
 * bucket, cannot count below it, and lut_thr[j] = UINT32_MAX in a bucket without a
 * threshold is never reached there (or, in the last, sends u to the full inversion). */
static uint32_t lut_base[16], lut_thr[16], lut_x[3];
static int lut_ok;

static void lut_of(void)
{
    uint32_t inner[20];
    lut_ok = 1;
    for (uint32_t j = 0; j < 16; j++) {
        uint64_t lo = (uint64_t)j << 28, hi = lo + ((uint64_t)1 << 28) - 1;
        size_t ni = 0;
        lut_base[j] = 0;
        for (int q = 0; q < 19; q++) {
            if (cdf[q] <= lo)
                lut_base[j]++;
            else if (cdf[q] <= hi)
                inner[ni++] = cdf[q];
        }
        lut_thr[j] = ni ? inner[0] : UINT32_MAX;
        if (j < 15 && ni > 1)
            lut_ok = 0;
        for (size_t x = 0; j == 15 && x < 3; x++)
            lut_x[x] = 1 + x < ni ? inner[1 + x] : UINT32_MAX;
    }
}

static void cdf_init(void)
{
    cdf = ope_poisson1_cdf();
    lut_of();
#if defined(__x86_64__) && defined(__GNUC__) && !defined(OPE_NO_SIMD)
    __builtin_cpu_init();
    cpu_avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                 lut_ok;
#endif
}

static inline uint64_t pair_salt(uint64_t b)
{
    return (b / 2) * SALT_MUL + SALT_ADD;
}

int bootk_count(uint64_t rowkey, uint64_t b)
{
    pthread_once(&cdf_once, cdf_init);
    uint64_t h = ope_mix64(rowkey ^ pair_salt(b));
    return ope_poisson1_fast(cdf, b % 2 ? (uint32_t)h : (uint32_t)(h >> 32));
}

/* The plain version: one pair of replicates at a time over the whole chunk. */
static void chunk_generic(const struct bootk_job *j)
{
    double ca[BOOTK_CHUNK], cb[BOOTK_CHUNK];
    size_t m = j->m, m4 = m & ~(size_t)3;
    for (size_t p = 0; p < j->nb; p += 2) {
        uint64_t salt = pair_salt(j->b0 + p);
        uint64_t sa = 0, sb = 0;
        for (size_t i = 0; i < m; i++) {
            uint64_t h = ope_mix64(j->rowkey[i] ^ salt);
            int ka = ope_poisson1_fast(cdf, (uint32_t)(h >> 32));
            int kb = ope_poisson1_fast(cdf, (uint32_t)h);
            ca[i] = (double)ka;
            cb[i] = (double)kb;
            sa += (uint64_t)ka;
            sb += (uint64_t)kb;
        }
        for (size_t r = 0; r < 2 && p + r < j->nb; r++) {
            const double *c = r ? cb : ca;
            j->count[p + r] = r ? sb : sa;
            for (size_t u = 0; u < j->nu; u++) {
                const double *t = j->t[u];
                double d0 = 0, d1 = 0, d2 = 0, d3 = 0;
                for (size_t i = 0; i < m4; i += 4) {
                    d0 += c[i] * t[i];
                    d1 += c[i + 1] * t[i + 1];
                    d2 += c[i + 2] * t[i + 2];
                    d3 += c[i + 3] * t[i + 3];
                }
                for (size_t i = m4; i < m; i++)
                    d0 += c[i] * t[i];
                j->dot[(p + r) * j->nu + u] = (d0 + d1) + (d2 + d3);
            }
        }
    }
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(OPE_NO_SIMD)
#include <immintrin.h>
#define HAVE_AVX512_KERNEL 1
#define AVX512 __attribute__((target("avx512f,avx512dq")))

/* Rows per sub-block: its term slices (nu x 4 KB) and counts stay in L1. */
#define SB 512

/* The constants of counts8: the inversion table of lut_of in registers. */
struct inv {
    __m512i base, thr, x0, x1, x2;
};

/* Counts of rows i..i+7 in the pair with this salt, as 16 int32 lanes: lane 2r
 * holds row i+r's count in the odd replicate (low half of its hash), lane 2r+1 the
 * count in the even replicate (high half). Inversion by the table of lut_of: two
 * lookups by the top four bits and three comparisons; the rare lanes beyond
 * (lut_x[2]: P(K >= 7) = 8e-5) finish in scalar code. */
AVX512 static inline __m512i counts8(const uint64_t *rk, __m512i salt, const struct inv *v)
{
    const __m512i m1 = _mm512_set1_epi64((long long)UINT64_C(0xbf58476d1ce4e5b9));
    const __m512i m2 = _mm512_set1_epi64((long long)UINT64_C(0x94d049bb133111eb));
    __m512i h = _mm512_xor_si512(_mm512_loadu_si512(rk), salt);
    h = _mm512_xor_si512(h, _mm512_srli_epi64(h, 30));
    h = _mm512_mullo_epi64(h, m1);
    h = _mm512_xor_si512(h, _mm512_srli_epi64(h, 27));
    h = _mm512_mullo_epi64(h, m2);
    h = _mm512_xor_si512(h, _mm512_srli_epi64(h, 31));
    const __m512i one = _mm512_set1_epi32(1);
    __m512i j = _mm512_srli_epi32(h, 28);
    __m512i k = _mm512_permutexvar_epi32(j, v->base);
    __m512i t = _mm512_permutexvar_epi32(j, v->thr);
    k = _mm512_mask_add_epi32(k, _mm512_cmpge_epu32_mask(h, t), k, one);
    k = _mm512_mask_add_epi32(k, _mm512_cmpge_epu32_mask(h, v->x0), k, one);
    k = _mm512_mask_add_epi32(k, _mm512_cmpge_epu32_mask(h, v->x1), k, one);
    __mmask16 big = _mm512_cmpge_epu32_mask(h, v->x2);
    if (__builtin_expect(big != 0, 0)) {
        uint32_t xv[16];
        int kv[16];
        _mm512_storeu_si512(xv, h);
        _mm512_storeu_si512(kv, k);
        for (int l = 0; l < 16; l++)
            if (big & (1u << l))
                kv[l] = ope_poisson1_fast(cdf, xv[l]);
        k = _mm512_loadu_si512(kv);
    }
    return k;
}

/* acc[g] += C * [t_g[i..i+3] | t_g[i..i+3]] over the interleaved counts cc of rows
 * [0, 4 * n4) of the sub-block; G accumulators keep the adds independent. */
#define DOT_GROUP(G)                                                                  \
    AVX512 static void dot_group_##G(const double *cc, size_t n4,                      \
                                     const double *const *t, __m512d *acc)            \
    {                                                                                 \
        __m512d a[G];                                                                 \
        _Pragma("GCC unroll 8")                                                       \
        for (int g = 0; g < G; g++)                                                   \
            a[g] = acc[g];                                                            \
        for (size_t q = 0; q < n4; q++) {                                             \
            __m512d c = _mm512_load_pd(cc + 8 * q);                                   \
            _Pragma("GCC unroll 8")                                                   \
            for (int g = 0; g < G; g++) {                                             \
                __m512d tv = _mm512_broadcast_f64x4(_mm256_loadu_pd(t[g] + 4 * q));   \
                a[g] = _mm512_add_pd(a[g], _mm512_mul_pd(c, tv));                     \
            }                                                                         \
        }                                                                             \
        _Pragma("GCC unroll 8")                                                       \
        for (int g = 0; g < G; g++)                                                   \
            acc[g] = a[g];                                                            \
    }
DOT_GROUP(1)
DOT_GROUP(2)
DOT_GROUP(3)
DOT_GROUP(4)
DOT_GROUP(5)
DOT_GROUP(6)
DOT_GROUP(7)
DOT_GROUP(8)

AVX512 static void dot_group(size_t G, const double *cc, size_t n4, const double *const *t,
                             __m512d *acc)
{
    switch (G) {
    case 1: dot_group_1(cc, n4, t, acc); break;
    case 2: dot_group_2(cc, n4, t, acc); break;
    case 3: dot_group_3(cc, n4, t, acc); break;
    case 4: dot_group_4(cc, n4, t, acc); break;
    case 5: dot_group_5(cc, n4, t, acc); break;
    case 6: dot_group_6(cc, n4, t, acc); break;
    case 7: dot_group_7(cc, n4, t, acc); break;
    default: dot_group_8(cc, n4, t, acc); break;
    }
}

/* Sub-block by sub-block (terms in L1), pair by pair: counts for the sub-block's
 * rows, interleaved [even replicate's 4 rows | odd replicate's 4 rows], then the
 * lanes of every term. The rows past the last multiple of 4 go to lane 0 in order,
 * as in the plain version. acc holds [pairs][nu] registers' worth of lanes. */
AVX512 static void chunk_avx512(const struct bootk_job *j, __m512d *acc, double *cc)
{
    size_t m = j->m, m4 = m & ~(size_t)3, np = (j->nb + 1) / 2, nu = j->nu;
    for (size_t k = 0; k < np * nu; k++)
        acc[k] = _mm512_setzero_pd();
    struct inv inv;     /* in registers: the tables may alias the stores below */
    inv.base = _mm512_loadu_si512(lut_base);
    inv.thr = _mm512_loadu_si512(lut_thr);
    inv.x0 = _mm512_set1_epi32((int)lut_x[0]);
    inv.x1 = _mm512_set1_epi32((int)lut_x[1]);
    inv.x2 = _mm512_set1_epi32((int)lut_x[2]);
    uint64_t csum[2 * MAX_PAIRS];       /* [np][2] */
    memset(csum, 0, 2 * np * sizeof *csum);
    for (size_t lo = 0; lo < m4; lo += SB) {
        size_t hi = lo + SB < m4 ? lo + SB : m4, n4 = (hi - lo) / 4;
        const double *ts[8];
        for (size_t p = 0; p < np; p++) {
            uint64_t s = pair_salt(j->b0 + 2 * p);
            __m512i salt = _mm512_set1_epi64((long long)s);
            /* 32-bit lane indices putting rows i..i+3 of the even replicate, then
             * of the odd one, into the low half, rows i+4..i+7 into the high. */
            const __m512i order = _mm512_setr_epi32(1, 3, 5, 7, 0, 2, 4, 6,
                                                    9, 11, 13, 15, 8, 10, 12, 14);
            __m512i sum = _mm512_setzero_si512();
            size_t i = lo;
            for (; i + 8 <= hi; i += 8) {
                __m512i k = counts8(j->rowkey + i, salt, &inv);
                sum = _mm512_add_epi32(sum, k);
                k = _mm512_permutexvar_epi32(order, k);
                _mm512_store_pd(cc + 2 * (i - lo), _mm512_cvtepi32_pd(_mm512_castsi512_si256(k)));
                _mm512_store_pd(cc + 2 * (i - lo) + 8,
                                _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(k, 1)));
            }
            uint64_t eh = 0, el = 0;
            for (; i < hi; i++) {           /* a last group of four rows */
                uint64_t h = ope_mix64(j->rowkey[i] ^ s);
                int ka = ope_poisson1_fast(cdf, (uint32_t)(h >> 32));
                int kb = ope_poisson1_fast(cdf, (uint32_t)h);
                size_t q = (i - lo) / 4, l = (i - lo) % 4;
                cc[8 * q + l] = (double)ka;
                cc[8 * q + 4 + l] = (double)kb;
                eh += (uint64_t)ka;
                el += (uint64_t)kb;
            }
            csum[2 * p] += (uint64_t)_mm512_mask_reduce_add_epi32(0xAAAA, sum) + eh;
            csum[2 * p + 1] += (uint64_t)_mm512_mask_reduce_add_epi32(0x5555, sum) + el;
            /* Groups of equal size (10 terms: 5 + 5, not 8 + 2): a group of G
             * terms has G independent chains of adds, and below four the adds'
             * latency, not their throughput, would set the pace. */
            size_t n_groups = (nu + 7) / 8;
            for (size_t u = 0, left = n_groups; u < nu; left--) {
                size_t G = (nu - u + left - 1) / left;
                for (size_t g = 0; g < G; g++)
                    ts[g] = j->t[u + g] + lo;
                dot_group(G, cc, n4, ts, acc + p * nu + u);
                u += G;
            }
        }
    }
    for (size_t p = 0; p < np; p++) {
        uint64_t s = pair_salt(j->b0 + 2 * p);
        for (size_t r = 0; r < 2 && 2 * p + r < j->nb; r++) {
            size_t b = 2 * p + r;
            uint64_t tail = 0;
            double ct[4];
            for (size_t i = m4; i < m; i++) {
                uint64_t h = ope_mix64(j->rowkey[i] ^ s);
                int k = ope_poisson1_fast(cdf, r ? (uint32_t)h : (uint32_t)(h >> 32));
                ct[i - m4] = (double)k;
                tail += (uint64_t)k;
            }
            j->count[b] = csum[2 * p + r] + tail;
            for (size_t u = 0; u < nu; u++) {
                double l[8];
                _mm512_storeu_pd(l, acc[p * nu + u]);
                double *d = l + 4 * r;
                for (size_t i = m4; i < m; i++)
                    d[0] += ct[i - m4] * j->t[u][i];
                j->dot[b * nu + u] = (d[0] + d[1]) + (d[2] + d[3]);
            }
        }
    }
}

/* Blocks of replicates and of terms small enough for the stack scratch. */
AVX512 static void chunk_avx512_blocks(const struct bootk_job *j)
{
    __m512d acc[MAX_PAIRS * MAX_TERMS];
    double cc[2 * SB] __attribute__((aligned(64)));
    double dot[2 * MAX_PAIRS * MAX_TERMS];
    struct bootk_job part = *j;
    for (size_t b = 0; b < j->nb; b += 2 * MAX_PAIRS) {
        part.b0 = j->b0 + b;
        part.nb = j->nb - b < 2 * MAX_PAIRS ? j->nb - b : 2 * MAX_PAIRS;
        part.count = j->count + b;
        for (size_t u = 0; u < j->nu; u += MAX_TERMS) {
            part.nu = j->nu - u < MAX_TERMS ? j->nu - u : MAX_TERMS;
            part.t = j->t + u;
            part.dot = dot;
            chunk_avx512(&part, acc, cc);
            for (size_t r = 0; r < part.nb; r++)
                memcpy(j->dot + (b + r) * j->nu + u, dot + r * part.nu,
                       part.nu * sizeof *dot);
        }
    }
}

#endif

void bootk_chunk(const struct bootk_job *j)
{
    pthread_once(&cdf_once, cdf_init);
#ifdef HAVE_AVX512_KERNEL
    if (!force_generic && cpu_avx512) {
        chunk_avx512_blocks(j);
        return;
    }
#endif
    chunk_generic(j);
}

const char *bootk_impl(void)
{
    pthread_once(&cdf_once, cdf_init);
#ifdef HAVE_AVX512_KERNEL
    if (!force_generic && cpu_avx512)
        return "avx512";
#endif
    return "generic";
}

void bootk_use_generic(int on)
{
    force_generic = on;
}
