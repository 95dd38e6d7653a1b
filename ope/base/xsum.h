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

/* Add one value (any double: infinities and NaN are remembered). */
void ope_xsum_add(struct ope_xsum *x, double v);

/* into += from: the same as adding from's values to into one by one. */
void ope_xsum_merge(struct ope_xsum *into, const struct ope_xsum *from);

/* The sum rounded to the nearest double; NaN when a NaN or both infinities were
 * added, an infinity when one was; +0 when empty. A pure function of the digit
 * sums, hence of the multiset of values added. */
double ope_xsum_value(const struct ope_xsum *x);

#endif
