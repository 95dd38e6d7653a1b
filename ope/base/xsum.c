/* ope/base/xsum.c: the order-free sum of xsum.h. A double is m 2^p with m a 53-bit
 * integer; its digit d (d = 0..66) is bits [32 d - BIAS, 32 d + 32 - BIAS) of |v|. */
#include "config.h"
#include "ope/base/xsum.h"

#include <math.h>
#include <string.h>

#define BIAS 1088   /* a multiple of 32 above 1074 (the subnormal lsb); also in xsum.h */
#define MASK UINT64_C(0xffffffff)

__extension__ typedef __int128 xs_i128;
__extension__ typedef unsigned __int128 xs_u128;

/* Digit j of the window whose bottom bit is 2^q below m's lsb: bits [32 j - q, ...)
 * of m (q > 0: m's lsb sits above the window bottom; q < 0: bits cut off). */
static inline int64_t digit(uint64_t m, int q, int j)
{
    int s = 32 * j - q;
    if (s >= 64 || s <= -32)
        return 0;
    return (int64_t)((s >= 0 ? m >> s : m << -s) & MASK);
}

/* Move the window up so that its top digit is t (> x->top). */
static void lift(struct ope_xsum *x, int32_t t)
{
    int32_t sh = x->top < 0 ? 3 : t - x->top;
    for (int j = 0; j < 3; j++)
        x->w[j] = j + sh < 3 ? x->w[j + sh] : 0;
    x->top = t;
}

void ope_xsum_add_slow(struct ope_xsum *x, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int e = (int)((bits >> 52) & 0x7ff);
    uint64_t m = bits & ((UINT64_C(1) << 52) - 1);
    if (e == 0x7ff) {
        x->special |= m ? 1u : bits >> 63 ? 4u : 2u;
        return;
    }
    if (e == 0 && m == 0)
        return;                         /* +0 and -0 add nothing */
    int p = e ? e - 1075 : -1074;       /* weight of m's lsb */
    if (e)
        m |= UINT64_C(1) << 52;
    int msb = p + 63 - __builtin_clzll(m);
    int32_t t = (int32_t)((msb + BIAS) >> 5);
    if (t > x->top)
        lift(x, t);
    int q = p + BIAS - 32 * (x->top - 2);
    if (bits >> 63) {
        x->w[0] -= digit(m, q, 0);
        x->w[1] -= digit(m, q, 1);
        x->w[2] -= digit(m, q, 2);
    } else {
        x->w[0] += digit(m, q, 0);
        x->w[1] += digit(m, q, 1);
        x->w[2] += digit(m, q, 2);
    }
}

void ope_xsum_merge(struct ope_xsum *into, const struct ope_xsum *from)
{
    into->special |= from->special;
    if (from->top < 0)
        return;
    struct ope_xsum f = *from;
    if (f.top > into->top)
        lift(into, f.top);
    else if (f.top < into->top)
        lift(&f, into->top);
    for (int j = 0; j < 3; j++)
        into->w[j] += f.w[j];
}

double ope_xsum_value(const struct ope_xsum *x)
{
    if (x->special)
        return (x->special & 1) || (x->special & 6) == 6 ? NAN
               : x->special & 2 ? INFINITY : -INFINITY;
    if (x->top < 0)
        return 0.0;
    /* The window as one integer (|w| < 2^63, so |V| < 2^127), then its magnitude
     * rounded to 64 bits with a sticky bit below them, so that the conversion to
     * double rounds once, to nearest. */
    xs_i128 V = (xs_i128)x->w[2] * ((xs_i128)1 << 64) + (xs_i128)x->w[1] * ((xs_i128)1 << 32)
                + (xs_i128)x->w[0];
    if (V == 0)
        return 0.0;
    int neg = V < 0;
    xs_u128 U = neg ? -(xs_u128)V : (xs_u128)V;
    uint64_t hi = (uint64_t)(U >> 64), lo = (uint64_t)U;
    int len = hi ? 128 - __builtin_clzll(hi) : 64 - __builtin_clzll(lo);
    int sh = len > 64 ? len - 64 : 0;
    uint64_t top = (uint64_t)(U >> sh);
    if (sh && (U & (((xs_u128)1 << sh) - 1)))
        top |= 1;
    double r = ldexp((double)top, sh + 32 * (x->top - 2) - BIAS);
    return neg ? -r : r;
}
