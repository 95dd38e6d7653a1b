/* ope/base/decimal.h: w x 10^q as the nearest double (ties to even), exactly as strtod
 * rounds it, without strtod: the CSV reader's numbers (datasets/csvnum.c) and the
 * round-trip check of the shortest decimal that names a double (json.c's
 * ope_format_double). Header-only, so the parser's hot path keeps it inlined.
 *
 * A decimal with at most 19 significant digits is w 10^q with w an exact 64-bit
 * integer. For |q| <= 27, 5^|q| < 2^63, so w 5^q (q >= 0) is an exact 128-bit
 * product, and w / 5^|q| (q < 0) an exact 64-bit quotient plus a remainder: either
 * way the binary value is known exactly enough to round it to nearest-even by hand. */
#ifndef OPE_BASE_DECIMAL_H
#define OPE_BASE_DECIMAL_H

#include <stdint.h>
#include <string.h>

/* Exact powers of ten representable in a double (10^22 is the largest). */
static const double ope_pow10_exact_[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/* 10^k for 0 <= k <= 22, exact. */
static inline double ope_pow10_exact(int k)
{
    return ope_pow10_exact_[k];
}

#if defined(__SIZEOF_INT128__)
#define OPE_HAVE_DECIMAL 1
typedef unsigned __int128 ope_u128_;

/* 5^0 .. 5^27 (5^27 < 2^63). */
static const uint64_t ope_pow5_[28] = {
    1ULL, 5ULL, 25ULL, 125ULL, 625ULL, 3125ULL, 15625ULL, 78125ULL, 390625ULL,
    1953125ULL, 9765625ULL, 48828125ULL, 244140625ULL, 1220703125ULL, 6103515625ULL,
    30517578125ULL, 152587890625ULL, 762939453125ULL, 3814697265625ULL,
    19073486328125ULL, 95367431640625ULL, 476837158203125ULL, 2384185791015625ULL,
    11920928955078125ULL, 59604644775390625ULL, 298023223876953125ULL,
    1490116119384765625ULL, 7450580596923828125ULL
};

/* x * 2^e rounded to the nearest double (ties to even), where sticky says that
 * the exact value is a little above x * 2^e (nonzero bits were cut off below x).
 * x > 0; the caller keeps the result far from overflow and subnormals. */
static inline double ope_round_u128_(ope_u128_ x, int e, int sticky)
{
    uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
    int lz = hi ? __builtin_clzll(hi) : 64 + __builtin_clzll(lo);
    x <<= lz;
    e -= lz;
    uint64_t top = (uint64_t)(x >> 64), rest = (uint64_t)x;
    uint64_t m = top >> 11;                     /* the 53 leading bits */
    int half = (int)((top >> 10) & 1);
    int below = sticky || (top & 0x3FF) != 0 || rest != 0;
    if (half && (below || (m & 1))) {
        m++;
        if (m >> 53) {
            m >>= 1;
            e++;
        }
    }
    /* x = m 2^75 (+ the rounded-off part), so the value is m 2^(e + 75). */
    uint64_t bits = ((uint64_t)(e + 75 + 52 + 1023) << 52) | (m & ((1ULL << 52) - 1));
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* w 10^q for w > 0, |q| <= 27, correctly rounded. */
static inline double ope_decimal_to_double_(uint64_t w, int q)
{
    if (w <= ((uint64_t)1 << 53) && q >= -22 && q <= 22)    /* Clinger: one exact op */
        return q < 0 ? (double)w / ope_pow10_exact_[-q] : (double)w * ope_pow10_exact_[q];
    if (q >= 0)
        return ope_round_u128_((ope_u128_)w * ope_pow5_[q], q, 0);
    uint64_t d = ope_pow5_[-q];
    int bits_d = 64 - __builtin_clzll(d), bits_w = 64 - __builtin_clzll(w);
    int sh = bits_d + 63 - bits_w;      /* n = w 2^sh < d 2^64: a 64-bit quotient */
    ope_u128_ n = (ope_u128_)w << sh;
    uint64_t quo, rem;
#if defined(__x86_64__) && defined(__GNUC__)
    /* One divq: the quotient fits in 64 bits (n < d 2^64), which the compiler cannot
     * know, so n / d would call the general 128-bit division. Same quotient and
     * remainder. */
    __asm__("divq %4" : "=a"(quo), "=d"(rem) : "a"((uint64_t)n), "d"((uint64_t)(n >> 64)),
            "rm"(d));
#else
    quo = (uint64_t)(n / d);
    rem = (uint64_t)(n - (ope_u128_)quo * d);
#endif
    return ope_round_u128_(quo, -sh + q, rem != 0);
}

/* w 10^q correctly rounded into *out, for w > 0 and |q| <= 27: 0. -1 (nothing
 * written) outside that range, or without 128-bit integers: use strtod. */
static inline int ope_decimal_to_double(uint64_t w, int q, double *out)
{
    if (w == 0 || q < -27 || q > 27)
        return -1;
    *out = ope_decimal_to_double_(w, q);
    return 0;
}
#else
static inline int ope_decimal_to_double(uint64_t w, int q, double *out)
{
    (void)w;
    (void)q;
    (void)out;
    return -1;
}
#endif

#endif
