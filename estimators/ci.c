/* estimators/ci.c: the interval methods of ci.h. */
#include "config.h"
#include "estimators/ci.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ope/base/sum.h"

static const char *const method_names[CI_N_METHODS] = {
    "none", "bootstrap", "t", "hoeffding", "bernstein", "cs"
};

int ci_method_parse(const char *s)
{
    for (int m = 0; m < CI_N_METHODS; m++)
        if (strcmp(s, method_names[m]) == 0)
            return m;
    return -1;
}

const char *ci_method_name(enum ci_method m)
{
    return method_names[m];
}

void ci_stats_of(const double *c, size_t n, struct ci_stats *st)
{
    struct ope_sum s;
    ope_sum_init(&s);
    st->n = n;
    st->min = INFINITY;
    st->max = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        ope_sum_add(&s, c[i]);
        st->min = c[i] < st->min ? c[i] : st->min;
        st->max = c[i] > st->max ? c[i] : st->max;
    }
    st->mean = n ? ope_sum_value(&s) / (double)n : NAN;
    /* Two-pass variance around the compensated mean. */
    struct ope_sum v;
    ope_sum_init(&v);
    for (size_t i = 0; i < n; i++) {
        double d = c[i] - st->mean;
        ope_sum_add(&v, d * d);
    }
    st->sd = n > 1 ? sqrt(ope_sum_value(&v) / (double)(n - 1)) : NAN;
    /* Equal contributions have sd 0 exactly, not the rounding of their mean. */
    if (n > 1 && st->min == st->max)
        st->sd = 0.0;
}

void ci_stats_acc_init(struct ci_stats_acc *a)
{
    memset(a, 0, sizeof *a);
    ope_sum_init(&a->s);
    a->min = INFINITY;
    a->max = -INFINITY;
}

void ci_stats_acc_add(struct ci_stats_acc *a, const double *c, size_t m)
{
    if (!m)
        return;
    /* The mean before this piece from the compensated sum, not a running update: the
     * delta term then carries no error accumulated over the pieces. */
    double ma = a->n ? ope_sum_value(&a->s) / (double)a->n : 0.0;
    struct ope_sum w, v;
    ope_sum_init(&w);
    for (size_t i = 0; i < m; i++) {
        ope_sum_add(&a->s, c[i]);
        ope_sum_add(&w, c[i]);
        a->min = c[i] < a->min ? c[i] : a->min;
        a->max = c[i] > a->max ? c[i] : a->max;
    }
    double mb = ope_sum_value(&w) / (double)m;
    ope_sum_init(&v);
    for (size_t i = 0; i < m; i++)
        ope_sum_add(&v, (c[i] - mb) * (c[i] - mb));
    double na = (double)a->n, nb = (double)m, d = mb - ma;
    a->m2 = a->n ? a->m2 + ope_sum_value(&v) + d * d * (na * nb / (na + nb))
                 : ope_sum_value(&v);
    a->n += m;
}

void ci_stats_acc_result(const struct ci_stats_acc *a, struct ci_stats *st)
{
    st->n = a->n;
    st->min = a->min;
    st->max = a->max;
    st->mean = a->n ? ope_sum_value(&a->s) / (double)a->n : NAN;
    st->sd = a->n > 1 ? sqrt(a->m2 / (double)(a->n - 1)) : NAN;
    /* Equal contributions have sd 0 exactly, however the parts' means rounded when
     * they were merged (the engine then says no interval, as one pass does). */
    if (a->n > 1 && a->min == a->max)
        st->sd = 0.0;
}

void ci_stats_acc_merge(struct ci_stats_acc *into, const struct ci_stats_acc *from)
{
    if (!from->n)
        return;
    if (!into->n) {
        *into = *from;
        return;
    }
    double na = (double)into->n, nb = (double)from->n;
    double d = ope_sum_value(&from->s) / nb - ope_sum_value(&into->s) / na;
    into->m2 += from->m2 + d * d * (na * nb / (na + nb));
    ope_sum_merge(&into->s, &from->s);
    into->min = from->min < into->min ? from->min : into->min;
    into->max = from->max > into->max ? from->max : into->max;
    into->n += from->n;
}

void ci_stats_acc_put(struct strbuf *sb, const struct ci_stats_acc *a)
{
    sf_put_u64(sb, a->n);
    sf_put_f64(sb, a->s.s);
    sf_put_f64(sb, a->s.c);
    sf_put_f64(sb, a->min);
    sf_put_f64(sb, a->max);
    sf_put_f64(sb, a->m2);
}

void ci_stats_acc_get(struct sf_state *st, struct ci_stats_acc *a)
{
    a->n = (size_t)sf_get_u64(st);
    a->s.s = sf_get_f64(st);
    a->s.c = sf_get_f64(st);
    a->min = sf_get_f64(st);
    a->max = sf_get_f64(st);
    a->m2 = sf_get_f64(st);
    /* M2 is a sum of squares (each piece's, and Chan's update adds one more): below 0
     * it is damage, never rounding (a crafted state's would give a NaN standard error). */
    if (a->m2 < 0.0)
        st->bad = 1;
}

int ci_stats_acc_possible(const struct ci_stats_acc *a)
{
    double n = (double)a->n, sum = ope_sum_value(&a->s), mean = sum / n;
    double range = a->max - a->min, slack = 1e-9 * (fabs(a->min) + fabs(a->max)) + 1e-300;
    return isfinite(sum) && isfinite(a->min) && isfinite(a->max) && a->min <= a->max &&
           isfinite(a->m2) && a->m2 >= 0.0 && mean >= a->min - slack &&
           mean <= a->max + slack && a->m2 <= n * (range + slack) * (range + slack) * (1 + 1e-9);
}

void ci_t(const struct ci_stats *st, double alpha, double *lo, double *hi)
{
    if (st->n < 2) {
        *lo = *hi = NAN;
        return;
    }
    double q = gsl_cdf_tdist_Pinv(1.0 - alpha / 2.0, (double)(st->n - 1));
    double h = q * st->sd / sqrt((double)st->n);
    *lo = st->mean - h;
    *hi = st->mean + h;
}

void ci_hoeffding(const struct ci_stats *st, double a, double b, double alpha, double *lo,
                  double *hi)
{
    if (st->n < 1) {
        *lo = *hi = NAN;
        return;
    }
    double h = (b - a) * sqrt(log(2.0 / alpha) / (2.0 * (double)st->n));
    *lo = st->mean - h;
    *hi = st->mean + h;
}

void ci_bernstein(const struct ci_stats *st, double a, double b, double alpha, double *lo,
                  double *hi)
{
    if (st->n < 2) {
        *lo = *hi = NAN;
        return;
    }
    double n = (double)st->n, l = log(4.0 / alpha);
    double h = st->sd * sqrt(2.0 * l / n) + 7.0 * (b - a) * l / (3.0 * (n - 1.0));
    *lo = st->mean - h;
    *hi = st->mean + h;
}

void ci_cs_init(struct ci_cs *cs, double a, double b, double alpha)
{
    memset(cs, 0, sizeof *cs);
    cs->a = a;
    cs->b = b;
    cs->alpha = alpha;
    cs->l2a = log(2.0 / alpha);
    cs->lo = 0.0;
    cs->hi = 1.0;
}

/* psi_E(lambda) of the paper, for lambda in [0, 1). */
static double cs_psi(double l)
{
    return (-log1p(-l) - l) / 4.0;
}

void ci_cs_add(struct ci_cs *cs, double c)
{
    double x = (c - cs->a) / (cs->b - cs->a);
    if (!(x >= 0.0 && x <= 1.0)) {
        cs->outside++;
        x = x > 1.0 ? 1.0 : 0.0;    /* NAN too: counted, and taken as the low end */
    }
    double t = (double)(cs->t + 1);
    /* Before this observation: mu_{t-1} and s2_{t-1} (1/2 and 1/4 at t = 1). */
    double mu_prev = (0.5 + cs->sum_x) / t;
    double s2_prev = (0.25 + cs->sum_sq) / t;
    double l = sqrt(2.0 * cs->l2a / (s2_prev * t * log1p(t)));
    l = l < 0.5 ? l : 0.5;
    double d = x - mu_prev;
    cs->sum_l += l;
    cs->sum_lx += l * x;
    cs->sum_vpsi += 4.0 * d * d * cs_psi(l);
    cs->sum_x += x;
    cs->t++;
    double mu = (0.5 + cs->sum_x) / (t + 1.0);
    cs->sum_sq += (x - mu) * (x - mu);
    double centre = cs->sum_lx / cs->sum_l, half = (cs->l2a + cs->sum_vpsi) / cs->sum_l;
    if (centre - half > cs->lo)
        cs->lo = centre - half;
    if (centre + half < cs->hi)
        cs->hi = centre + half;
    /* An empty intersection (possible only outside the 1 - alpha event): keep a point
     * rather than a reversed interval. */
    if (cs->lo > cs->hi)
        cs->lo = cs->hi = centre < cs->lo ? cs->hi : centre > cs->hi ? cs->lo : centre;
}

void ci_cs_bounds(const struct ci_cs *cs, double *lo, double *hi)
{
    *lo = cs->a + (cs->b - cs->a) * cs->lo;
    *hi = cs->a + (cs->b - cs->a) * cs->hi;
}

size_t ci_cs_of(const double *c, size_t n, double a, double b, double alpha, double *lo,
                double *hi)
{
    struct ci_cs cs;
    ci_cs_init(&cs, a, b, alpha);
    for (size_t i = 0; i < n; i++)
        ci_cs_add(&cs, c[i]);
    ci_cs_bounds(&cs, lo, hi);
    return cs.outside;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Not gsl_stats_quantile_from_sorted_data: the same interpolation point, but it
 * computes (1 - d) x[k] + d x[k+1], which differs from x[k] + d (x[k+1] - x[k]) in the
 * last digit in about a fifth of random cases, and it returns 0 for n = 0. */
double ci_quantile_sorted(const double *x, size_t n, double p)
{
    if (n == 0)
        return NAN;
    double h = (double)(n - 1) * p;
    size_t k = (size_t)floor(h);
    if (k + 1 >= n)
        return x[n - 1];
    return x[k] + (h - (double)k) * (x[k + 1] - x[k]);
}

size_t ci_percentile(double *v, size_t B, double alpha, double *lo, double *hi)
{
    size_t m = 0;
    for (size_t b = 0; b < B; b++)
        if (isfinite(v[b]))
            v[m++] = v[b];
    qsort(v, m, sizeof *v, cmp_double);
    *lo = ci_quantile_sorted(v, m, alpha / 2.0);
    *hi = ci_quantile_sorted(v, m, 1.0 - alpha / 2.0);
    return m;
}
