/* estimators/ops_lesson.c: find, in a selection benchmark's summaries, the pair of
 * estimators that shows why SharpeRatio@k exists (see the header). Only comparisons
 * between replicate means with their standard errors: a difference within one
 * standard error is "alike", one beyond z_min standard errors "differs". */
#include "config.h"
#include "estimators/ops_lesson.h"

#include <math.h>

/* Standard error of the difference of two replicate means; NAN when undefined. */
static double se_diff(const struct ops_stat *a, const struct ops_stat *b)
{
    if (a->n < 2 || b->n < 2 || isnan(a->sd) || isnan(b->sd))
        return NAN;
    return sqrt(a->sd * a->sd / (double)a->n + b->sd * b->sd / (double)b->n);
}

/* Means within one standard error (exactly equal means are alike even when both
 * spreads are 0). */
static int alike(const struct ops_stat *a, const struct ops_stat *b)
{
    if (isnan(a->mean) || isnan(b->mean))
        return 0;
    double d = fabs(a->mean - b->mean), se = se_diff(a, b);
    return d == 0.0 || (!isnan(se) && d <= se);
}

void ops_find_lesson(const struct ops_summary *s, size_t n_est, size_t kmax, double z_min,
                     struct ops_lesson *out)
{
    out->found = 0;
    out->z = 0.0;
    if (n_est < 2 || s[0].M < 2)
        return;
    size_t M = s[0].M, kk = kmax < M ? kmax : M;
    double best = 0.0;
    int best_kind = 2;      /* lower is preferred: 0 regret, 1 spearman */
    for (size_t a = 0; a < n_est; a++)
        for (size_t b = a + 1; b < n_est; b++) {
            int kind = alike(&s[a].regretk, &s[b].regretk) ? 0
                     : alike(&s[a].spearman, &s[b].spearman) ? 1 : 2;
            if (kind == 2)
                continue;
            for (size_t k = 2; k <= kk; k++) {
                const struct ops_stat *sa = &s[a].topk[k - 1].sharpe, *sb = &s[b].topk[k - 1].sharpe;
                double se = se_diff(sa, sb), d = fabs(sa->mean - sb->mean);
                if (isnan(se) || isnan(d) || se <= 0.0)
                    continue;
                double z = d / se;
                if (z < z_min || kind > best_kind || (kind == best_kind && z <= best))
                    continue;
                best = z;
                best_kind = kind;
                out->found = 1;
                out->a = sa->mean >= sb->mean ? a : b;
                out->b = sa->mean >= sb->mean ? b : a;
                out->alike = kind == 0 ? OPS_ALIKE_REGRET : OPS_ALIKE_SPEARMAN;
                out->k = k;
                out->z = z;
            }
        }
}
