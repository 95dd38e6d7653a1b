/* datasets/logrange.c: the largest importance-weighted term of a log against what a
 * double can sum (logrange.h), so that an overflow is a data error naming its row. */
#include "config.h"
#include "datasets/logrange.h"
#include "datasets/blog.h"
#include "datasets/tlog.h"

#include <float.h>
#include <math.h>
#include <stdio.h>

double logrange_term_max(size_t n)
{
    return sqrt(DBL_MAX / (double)(n ? n : 1)) / 1e6;
}

int blog_check_range_policy(const struct blog *b, size_t p, double rmax, size_t n,
                            struct ope_error *err)
{
    double lim = logrange_term_max(n);
    for (size_t i = 0; i < b->n; i++) {
        double pi = b->policy[p].prob[b->action[i]][i], w = pi / b->pscore[i];
        if (!(w * rmax <= lim))
            return ope_fail(err, OPE_EDATA, "%s:%zu: policy '%s': the importance weight "
                            "pi/pscore = %g / %g = %g, times rewards up to %g, passes %.3g, "
                            "past which the sums over %zu rows overflow double precision "
                            "(the estimates would be infinite or NaN); check this row's "
                            "pscore, or rescale the rewards", b->path ? b->path : "(log)",
                            b->line ? b->line[i] : i + 2, b->policy[p].name, pi,
                            b->pscore[i], w, rmax, lim, n);
    }
    return 0;
}

int blog_check_range(const struct blog *b, struct ope_error *err)
{
    double rmax = 1.0;
    for (size_t i = 0; i < b->n; i++)
        rmax = fmax(rmax, fabs(b->reward[i]));
    for (size_t p = 0; p < b->n_policies; p++)
        if (blog_check_range_policy(b, p, rmax, b->n, err) != 0)
            return -1;
    return 0;
}

int tlog_check_range(const struct tlog *t, struct ope_error *err)
{
    double gmax = 1.0;
    for (size_t e = 0; e < t->n_episodes; e++) {
        double g = 0.0;
        for (size_t i = t->ep_start[e]; i < t->ep_start[e + 1]; i++)
            g += fabs(t->reward[i]);
        gmax = fmax(gmax, g);
    }
    /* The running product is checked at every step, so it stops at the first one past
     * the limit (a product of 200 ratios of 100, 1e400, would be inf by the end). */
    double lim = logrange_term_max(t->n_episodes) / gmax;
    for (size_t p = 0; p < t->n_policies; p++)
        for (size_t e = 0; e < t->n_episodes; e++) {
            double w = 1.0;
            for (size_t i = t->ep_start[e]; i < t->ep_start[e + 1] && w > 0.0; i++) {
                w *= t->policy[p].prob[t->action[i]][i] / t->pscore[i];
                if (w > lim) {
                    char ep[64], wt[32];
                    if (t->ep_id && t->ep_id[e])
                        snprintf(ep, sizeof ep, "episode '%.40s'", t->ep_id[e]);
                    else
                        snprintf(ep, sizeof ep, "episode %zu", e + 1);
                    snprintf(wt, sizeof wt, isinf(w) ? "more than %g" : "%.3g",
                             isinf(w) ? DBL_MAX : w);
                    return ope_fail(err, OPE_EDATA, "%s:%zu: policy '%s': the weight of %s, "
                                    "the product of pi/pscore over its steps up to this one, "
                                    "reaches %s, which with returns up to %g passes %.3g, "
                                    "past which the sums over %zu episodes overflow double "
                                    "precision (the estimates would be infinite or NaN); "
                                    "check the pscores of this episode, or use shorter "
                                    "episodes", t->path ? t->path : "(log)",
                                    t->line ? t->line[i] : i + 2, t->policy[p].name, ep, wt,
                                    gmax, logrange_term_max(t->n_episodes), t->n_episodes);
                }
            }
        }
    return 0;
}
