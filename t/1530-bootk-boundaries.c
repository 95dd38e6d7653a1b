/* t/1530-bootk-boundaries.c: the bootstrap kernel's Poisson(1) inversion at every
 * edge. The vector kernel inverts a hash by a table over its top four bits plus a few
 * comparisons (bootk.c); here rows are made whose hash halves fall exactly on each
 * threshold of the rng table, one below it, on each edge of the sixteen buckets and
 * at 0 and 2^32 - 1, and the kernel's counts must be the table's own inversion
 * (ope_poisson1_from_u32, a linear scan) in both replicates of a pair, with the
 * vector and the plain implementation. */
#include "config.h"
#include "t/tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/bootk.h"
#include "ope/base/rng.h"

/* The inverse of ope_mix64 (each step is a bijection of 64-bit words): undo the
 * xor-shifts by repeating them, and the products by the modular inverses of the
 * odd multipliers (Newton's iteration x <- x (2 - m x) doubles the correct bits). */
static uint64_t inv_mul(uint64_t m)
{
    uint64_t x = m;     /* right to 3 bits for odd m */
    for (int k = 0; k < 5; k++)
        x *= 2 - m * x;
    return x;
}

static uint64_t unshift(uint64_t x, int s)
{
    uint64_t y = x;
    for (int k = s; k < 64; k += s)
        y = x ^ (y >> s);
    return y;
}

static uint64_t unmix64(uint64_t h)
{
    h = unshift(h, 31);
    h *= inv_mul(UINT64_C(0x94d049bb133111eb));
    h = unshift(h, 27);
    h *= inv_mul(UINT64_C(0xbf58476d1ce4e5b9));
    return unshift(h, 30);
}

int main(void)
{
    plan_no_plan();
    const uint32_t *cdf = ope_poisson1_cdf();
    /* The values to land on: every threshold, one below it, bucket edges, extremes. */
    uint32_t u[128];
    size_t nu = 0;
    for (int q = 0; q < 19; q++) {
        u[nu++] = cdf[q];
        u[nu++] = cdf[q] - 1;
    }
    for (uint64_t j = 0; j < 16; j++) {
        u[nu++] = (uint32_t)(j << 28);
        u[nu++] = (uint32_t)((j << 28) + (1u << 28) - 1);
    }
    u[nu++] = 0;
    u[nu++] = UINT32_MAX;
    ok(unmix64(ope_mix64(UINT64_C(0x0123456789abcdef))) == UINT64_C(0x0123456789abcdef) &&
       ope_mix64(unmix64(42)) == 42, "unmix64 inverts ope_mix64");

    /* Row r pairs u[r] (high half: the even replicate) with u[nu - 1 - r] (low half:
     * the odd one), for the pair of replicates b0 = 6, 7. */
    uint64_t b0 = 6, salt = (b0 / 2) * UINT64_C(0xc2b2ae3d27d4eb4f) + UINT64_C(0x165667b19e3779f9);
    uint64_t rk[128];
    double ones[128];
    int want_even[128], want_odd[128];
    uint64_t sum_even = 0, sum_odd = 0;
    double dot_even = 0, dot_odd = 0;
    for (size_t r = 0; r < nu; r++) {
        uint64_t h = ((uint64_t)u[r] << 32) | u[nu - 1 - r];
        rk[r] = unmix64(h) ^ salt;
        ones[r] = 1.0;
        want_even[r] = ope_poisson1_from_u32(u[r]);
        want_odd[r] = ope_poisson1_from_u32(u[nu - 1 - r]);
        sum_even += (uint64_t)want_even[r];
        sum_odd += (uint64_t)want_odd[r];
    }
    /* With every term 1 the weighted sum is the count, exactly (small integers). */
    dot_even = (double)sum_even;
    dot_odd = (double)sum_odd;
    int bad_row = 0;
    for (size_t r = 0; r < nu; r++)
        bad_row += bootk_count(rk[r], b0) != want_even[r] ||
                   bootk_count(rk[r], b0 + 1) != want_odd[r];
    ok(bad_row == 0, "bootk_count at %zu edge values: %d wrong", nu, bad_row);
    for (int gen = 0; gen < 2; gen++) {
        bootk_use_generic(gen);
        /* One row at a time (each count alone) and all rows at once. */
        int bad = 0;
        for (size_t r = 0; r < nu; r++) {
            const double *t[1];
            double dot[2];
            uint64_t cnt[2];
            /* eight copies of the row: the vector path takes whole groups of eight */
            uint64_t rk8[8];
            double one8[8];
            for (int c = 0; c < 8; c++) {
                rk8[c] = rk[r];
                one8[c] = 1.0;
            }
            t[0] = one8;
            struct bootk_job j = { 8, rk8, 1, t, b0, 2, dot, cnt };
            bootk_chunk(&j);
            bad += cnt[0] != 8 * (uint64_t)want_even[r] || cnt[1] != 8 * (uint64_t)want_odd[r];
        }
        ok(bad == 0, "%s kernel: each edge value's count (%d wrong)",
           gen ? "plain" : bootk_impl(), bad);
        const double *t[1] = { ones };
        double dot[2];
        uint64_t cnt[2];
        struct bootk_job j = { nu, rk, 1, t, b0, 2, dot, cnt };
        bootk_chunk(&j);
        ok(cnt[0] == sum_even && cnt[1] == sum_odd && dot[0] == dot_even && dot[1] == dot_odd,
           "%s kernel: the %zu edge rows together: counts %llu %llu (want %llu %llu)",
           gen ? "plain" : bootk_impl(), nu, (unsigned long long)cnt[0],
           (unsigned long long)cnt[1], (unsigned long long)sum_even,
           (unsigned long long)sum_odd);
    }
    bootk_use_generic(0);
    return done_testing();
}
