/* ope/base/rng.c: the sequential side of the counter-based generator, the Poisson(1)
 * table used by the bootstrap, and a gsl_rng_type wrapper. */
#include "config.h"
#include "ope/base/rng.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>

/* CDF of Poisson(1) scaled to 2^32: floor(2^32 * P(K <= k)) for k = 0..18. */
static uint32_t poisson1_cdf[19];
static pthread_once_t poisson1_once = PTHREAD_ONCE_INIT;

static void poisson1_table(void)
{
    double p = exp(-1.0), c = 0.0;
    for (int k = 0; k < 19; k++) {
        c += p;
        double v = c * 4294967296.0;
        poisson1_cdf[k] = v >= 4294967295.0 ? 4294967295u : (uint32_t)v;
        p /= (double)(k + 1);
    }
}

const uint32_t *ope_poisson1_cdf(void)
{
    pthread_once(&poisson1_once, poisson1_table);
    return poisson1_cdf;
}

int ope_poisson1_from_u32(uint32_t u)
{
    const uint32_t *cdf = ope_poisson1_cdf();
    int k = 0;
    while (k < 19 && u >= cdf[k])
        k++;
    return k;
}

void ope_rng_init(struct ope_rng *r, uint64_t seed, uint64_t purpose, uint64_t sub)
{
    r->key = ope_rng_key(seed, purpose, sub);
    r->ctr = 0;
}

uint64_t ope_rng_u64(struct ope_rng *r)
{
    return ope_rng_at(r->key, r->ctr++, 0);
}

double ope_rng_uniform(struct ope_rng *r)
{
    return ope_u01(ope_rng_u64(r));
}

double ope_rng_normal(struct ope_rng *r)
{
    /* Marsaglia's polar method; the second variate is dropped so that the stream
     * position depends only on the number of calls. */
    double u, v, s;
    do {
        u = 2.0 * ope_rng_uniform(r) - 1.0;
        v = 2.0 * ope_rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * sqrt(-2.0 * log(s) / s);
}

uint64_t ope_rng_below(struct ope_rng *r, uint64_t n)
{
    if (n <= 1)
        return 0;
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = ope_rng_u64(r);
    while (x >= lim);
    return x % n;
}

int ope_rng_discrete(struct ope_rng *r, const double *p, int n)
{
    double u = ope_rng_uniform(r), c = 0.0;
    int last = 0;
    for (int a = 0; a < n; a++) {
        if (p[a] > 0.0) {
            c += p[a];
            last = a;
            if (u < c)
                return a;
        }
    }
    return last;    /* rounding: the sum fell just short of u */
}

/* gsl_rng_type wrapper. */
static void gsl_ctr_set(void *state, unsigned long seed)
{
    struct ope_rng *r = state;
    r->key = ope_mix64((uint64_t)seed);
    r->ctr = 0;
}

static unsigned long gsl_ctr_get(void *state)
{
    return (unsigned long)(ope_rng_u64(state) >> 32);
}

static double gsl_ctr_get_double(void *state)
{
    return ope_rng_uniform(state);
}

static const gsl_rng_type gsl_ctr_type = {
    "ope-counter", 0xffffffffUL, 0, sizeof(struct ope_rng),
    gsl_ctr_set, gsl_ctr_get, gsl_ctr_get_double
};

gsl_rng *ope_gsl_rng_new(uint64_t seed, uint64_t purpose, uint64_t sub)
{
    gsl_rng *g = gsl_rng_alloc(&gsl_ctr_type);
    if (!g)
        return NULL;
    ope_rng_init(g->state, seed, purpose, sub);
    return g;
}
