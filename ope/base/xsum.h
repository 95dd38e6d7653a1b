/* ope/base/xsum.h: an order-free sum of doubles. Unlike a compensated sum, whose
 * result depends on the order of the additions, an ope_xsum holds integer digit
 * sums at fixed binary positions, so adding the same values in any order, or
 * merging partial sums in any grouping (threads, chunks of a stream, machines),
 * gives the same bits. It is what makes an evaluation's accumulators mergeable. */
#ifndef OPE_XSUM_H
#define OPE_XSUM_H

#include <stdint.h>

/* Three 32-bit digits' worth of integer sums below the digit of the largest value
 * added so far (a 96-bit window: finer than a double-double sum). Each value is
 * cut at the window's bottom toward zero; because the digits sit at fixed places,
 * moving the window up drops exactly what a later start would never have added.
 * The digit sums cannot overflow before 2^31 additions. */
struct ope_xsum {
    int64_t w[3];       /* w[j]: sum of digit top - 2 + j of every |value|, signed */
    int32_t top;        /* digit index of w[2]; -1 while nothing non-zero was added */
    uint32_t special;   /* bit 0 NaN, bit 1 +inf, bit 2 -inf seen */
};

static inline void ope_xsum_init(struct ope_xsum *x)
{
    x->w[0] = x->w[1] = x->w[2] = 0;
    x->top = -1;
    x->special = 0;
}

/* The slow cases of ope_xsum_add: a value that moves the window up, an infinity or
 * a NaN. */
void ope_xsum_add_slow(struct ope_xsum *x, double v);

/* Add one value (any double: infinities and NaN are remembered). Inline: the
 * bootstrap adds one per (chunk, replicate, column). */
static inline void ope_xsum_add(struct ope_xsum *x, double v)
{
    union { double d; uint64_t u; } b = { v };
    int e = (int)((b.u >> 52) & 0x7ff);
    uint64_t m = b.u & ((UINT64_C(1) << 52) - 1);
    if (e == 0 && m == 0)
        return;                         /* +0 and -0 add nothing */
    /* Digit of the msb (1088: the bias of xsum.c, digits of 32 bits). */
    int p = e ? e - 1075 : -1074;       /* weight of m's lsb */
    if (e)
        m |= UINT64_C(1) << 52;
    int msb = p + 63 - __builtin_clzll(m);
    if (e == 0x7ff || (int32_t)((msb + 1088) >> 5) > x->top) {
        ope_xsum_add_slow(x, v);
        return;
    }
    /* m's lsb sits q bits above the window's bottom (q < 0: bits below it are cut). */
    int q = p + 1088 - 32 * (x->top - 2);
    __extension__ unsigned __int128 t = q >= 0 ? (unsigned __int128)m << q
                                               : q > -64 ? (unsigned __int128)(m >> -q) : 0;
    int64_t d0 = (int64_t)(uint32_t)t, d1 = (int64_t)(uint32_t)(t >> 32),
            d2 = (int64_t)(uint64_t)(t >> 64);
    if (b.u >> 63) {
        x->w[0] -= d0, x->w[1] -= d1, x->w[2] -= d2;
    } else {
        x->w[0] += d0, x->w[1] += d1, x->w[2] += d2;
    }
}

/* into += from: the same as adding from's values to into one by one. */
void ope_xsum_merge(struct ope_xsum *into, const struct ope_xsum *from);

/* The sum rounded to the nearest double; NaN when a NaN or both infinities were
 * added, an infinity when one was; +0 when empty. A pure function of the digit
 * sums, hence of the multiset of values added. */
double ope_xsum_value(const struct ope_xsum *x);

#endif
