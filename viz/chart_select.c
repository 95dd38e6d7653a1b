/* viz/chart_select.c: top-k curves of a selection (see chart_select.h). */
#include "config.h"
#include "viz/chart_select.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of metric j at one k. */
static double metric_of(const struct ops_topk *t, int j)
{
    const double v[6] = { t->sharpe, t->best, t->worst, t->mean, t->std, t->violation };
    return v[j];
}

int chart_select(const struct ops_curves *c, const char *metric, const struct chart_text *t,
                 struct strbuf *sb, struct ope_error *err)
{
    static const char *const names[6] = { "sharpe_ratio", "best", "worst", "mean", "std",
                                          "safety_violation_rate" };
    int j = 0;
    while (j < 6 && strcmp(names[j], metric) != 0)
        j++;
    if (j == 6)
        return ope_fail(err, OPE_EUSAGE, "unknown top-k metric '%s' (sharpe_ratio, best, "
                        "worst, mean, std or safety_violation_rate)", metric);
    size_t n = c->n, M = c->M;
    struct chart_series *s = ope_calloc(n ? n : 1, sizeof *s, err);
    double *x = s ? ope_calloc(M ? M : 1, sizeof *x, err) : NULL;
    double *y = x ? ope_calloc((n ? n : 1) * (M ? M : 1), sizeof *y, err) : NULL;
    if (!y) {
        free(s);
        free(x);
        return -1;
    }
    for (size_t k = 0; k < M; k++)
        x[k] = (double)(k + 1);
    for (size_t e = 0; e < n; e++) {
        for (size_t k = 0; k < M; k++) {
            double v = metric_of(&c->curve[e].topk[k], j);
            y[e * M + k] = isfinite(v) ? v : NAN;
        }
        s[e] = (struct chart_series){ c->curve[e].label, M, x, y + e * M, NULL, NULL };
    }
    char title[160];
    snprintf(title, sizeof title, "%s against k (top-k of each estimator's ranking)", metric);
    struct chart_text tt = t ? *t : (struct chart_text){ NULL, NULL, NULL, 0 };
    if (!tt.title)
        tt.title = title;
    if (!tt.ylabel)
        tt.ylabel = metric;
    chart_topk(s, n, &tt, sb);
    free(s);
    free(x);
    free(y);
    return 0;
}
