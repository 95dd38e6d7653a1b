/* ope/base/sum.h: compensated (Neumaier) summation, for every long sum in ope. A plain
 * running sum of a million terms loses about six digits in the worst case; this
 * keeps the error at a couple of ulps independent of n. */
#ifndef OPE_SUM_H
#define OPE_SUM_H

#include <math.h>
#include <stddef.h>

struct ope_sum {
    double s;   /* running sum */
    double c;   /* running compensation */
};

static inline void ope_sum_init(struct ope_sum *k) { k->s = 0.0; k->c = 0.0; }

static inline void ope_sum_add(struct ope_sum *k, double x)
{
    double t = k->s + x;
    if (fabs(k->s) >= fabs(x))
        k->c += (k->s - t) + x;
    else
        k->c += (x - t) + k->s;
    k->s = t;
}

static inline double ope_sum_value(const struct ope_sum *k) { return k->s + k->c; }

/* into += from: the sum of both runs of additions (another window's, another
 * process's), equal to one run over both to a couple of ulps. */
static inline void ope_sum_merge(struct ope_sum *into, const struct ope_sum *from)
{
    ope_sum_add(into, from->s);
    into->c += from->c;
}

/* Compensated sum of an array. */
static inline double ope_sum_array(const double *x, size_t n)
{
    struct ope_sum k;
    ope_sum_init(&k);
    for (size_t i = 0; i < n; i++)
        ope_sum_add(&k, x[i]);
    return ope_sum_value(&k);
}

#endif
