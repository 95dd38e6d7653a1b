/* ope/base/rng.h: deterministic random numbers. Every random draw in ope is a pure
 * function of (seed, purpose, counters): streams are derived from what the draw is
 * for, never from thread ids, so results do not depend on the number of threads,
 * chunks or machines (see ../shared/design.md). The generator is a counter-based
 * hash (two rounds of a 64-bit finaliser over a keyed counter), so any element of
 * any stream can be computed directly. */
#ifndef OPE_RNG_H
#define OPE_RNG_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

/* Purposes: distinct constants keep streams for different jobs independent. */
enum ope_rng_purpose {
    OPE_RNG_BOOTSTRAP = 1,
    OPE_RNG_GENERATE = 2,
    OPE_RNG_FOLDS = 3,
    OPE_RNG_POLICY = 4,
    OPE_RNG_ENV = 5,
    OPE_RNG_EXPLORE = 6,
    OPE_RNG_TRAIN = 7,
    OPE_RNG_SIMULATE = 8,
    OPE_RNG_TEST = 99
};

/* A strong 64-bit mixing function (bijective). */
static inline uint64_t ope_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

/* The key of a stream: a hash of (seed, purpose, sub), where sub distinguishes e.g.
 * datasets of a replicate loop. */
static inline uint64_t ope_rng_key(uint64_t seed, uint64_t purpose, uint64_t sub)
{
    return ope_mix64(ope_mix64(seed ^ UINT64_C(0x9e3779b97f4a7c15))
                     + ope_mix64(purpose * UINT64_C(0xd1b54a32d192ed03) + sub));
}

/* Element (a, b) of the stream with this key: 64 uniformly random bits. */
static inline uint64_t ope_rng_at(uint64_t key, uint64_t a, uint64_t b)
{
    uint64_t x = ope_mix64(key + a * UINT64_C(0x9e3779b97f4a7c15));
    return ope_mix64(x ^ (b * UINT64_C(0xc2b2ae3d27d4eb4f) + UINT64_C(0x165667b19e3779f9)));
}

/* A double uniform in (0, 1) from 64 random bits (53 bits used, never 0 or 1). */
static inline double ope_u01(uint64_t bits)
{
    return ((double)(bits >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* Poisson(1) draw from a 32-bit uniform by inversion against a fixed table of the
 * CDF (exact to 2^-32; k is capped at 19, whose tail mass is < 1e-18). */
int ope_poisson1_from_u32(uint32_t u);

/* The table behind it, floor(2^32 P(K <= k)) for k = 0..18 (made once, thread-safe),
 * for kernels that invert many draws at a time. */
const uint32_t *ope_poisson1_cdf(void);

/* ope_poisson1_from_u32 for hot loops: the first four comparisons (K <= 4 covers
 * 99.6% of draws) without an unpredictable branch. cdf = ope_poisson1_cdf(). */
static inline int ope_poisson1_fast(const uint32_t *cdf, uint32_t u)
{
    int k = (u >= cdf[0]) + (u >= cdf[1]) + (u >= cdf[2]) + (u >= cdf[3]);
    if (__builtin_expect(k == 4, 0))
        while (k < 19 && u >= cdf[k])
            k++;
    return k;
}

/* A sequential stream: element (ctr++, 0) of a key. */
struct ope_rng {
    uint64_t key;
    uint64_t ctr;
};

void ope_rng_init(struct ope_rng *r, uint64_t seed, uint64_t purpose, uint64_t sub);
uint64_t ope_rng_u64(struct ope_rng *r);
double ope_rng_uniform(struct ope_rng *r);       /* (0, 1) */
double ope_rng_normal(struct ope_rng *r);        /* standard normal */
uint64_t ope_rng_below(struct ope_rng *r, uint64_t n); /* uniform in 0..n-1, unbiased */
/* Draw an index from a discrete distribution p[0..n-1] (sums to ~1). */
int ope_rng_discrete(struct ope_rng *r, const double *p, int n);

/* A gsl_rng backed by the counter-based generator, so GSL's gsl_ran_* samplers (beta,
 * gamma, dirichlet...) are deterministic functions of (seed, purpose, sub).
 * Free with gsl_rng_free. Returns NULL on allocation failure. */
gsl_rng *ope_gsl_rng_new(uint64_t seed, uint64_t purpose, uint64_t sub);

#endif
