/* viz/chart_explore.c: exploration run charts (see chart_explore.h). */
#include "config.h"
#include "viz/chart_explore.h"

#include <math.h>
#include <stdlib.h>

#define MAX_POINTS 400

/* Algorithm a's curve at one episode in every stride: the mean over runs (summed in
 * run order) with the min and max; m points at most. Returns the points made. */
static size_t curve(const struct xpl_runs *x, size_t a, int value_view, size_t stride,
                    size_t m, double *px, double *py, double *lo, double *hi)
{
    size_t k = 0, K = (size_t)x->K;
    for (size_t e = stride - 1; e < K && k < m; e += stride) {
        double sum = 0.0, mn = INFINITY, mx = -INFINITY;
        for (long r = 0; r < x->R; r++) {
            const struct xpl_record *q = xpl_runs_at(x, a, r, (long)e);
            double y = value_view ? q->value : q->regret;
            sum += y;
            mn = y < mn ? y : mn;
            mx = y > mx ? y : mx;
        }
        px[k] = (double)(e + 1);
        py[k] = sum / (double)x->R;
        lo[k] = mn;
        hi[k] = mx;
        k++;
    }
    return k;
}

int chart_explore(const struct xpl_runs *x, int value_view, const struct chart_text *t,
                  struct strbuf *sb, struct ope_error *err)
{
    size_t na = x->n_algs, last = x->K > 0 ? (size_t)x->K : 0;
    size_t stride = (last + MAX_POINTS - 1) / MAX_POINTS;
    stride = stride ? stride : 1;
    size_t m = (last + stride - 1) / stride;
    m = m ? m : 1;
    struct chart_series *s = ope_calloc(na + 1, sizeof *s, err);
    double *buf = s ? ope_calloc((na + 1) * m * 4 + 4, sizeof *buf, err) : NULL;
    if (!buf) {
        free(s);
        return -1;
    }
    for (size_t a = 0; a < na; a++) {
        double *px = buf + a * m * 4, *py = px + m, *lo = py + m, *hi = lo + m;
        size_t k = x->R > 0 ? curve(x, a, value_view, stride, m, px, py, lo, hi) : 0;
        s[a] = (struct chart_series){ x->name[a], k, px, py, lo, hi };
    }
    size_t ns = na;
    if (value_view && !isnan(x->threshold)) {
        double *px = buf + na * m * 4, *py = px + 2;
        px[0] = 1;
        px[1] = (double)last;
        py[0] = py[1] = x->threshold;
        s[ns++] = (struct chart_series){ "threshold (1 - alpha) V^b", 2, px, py, NULL, NULL };
    }
    struct chart_text tt = t ? *t : (struct chart_text){ NULL, NULL, NULL, 0 };
    if (!tt.title)
        tt.title = value_view ? "Exact value of the executed policy per episode" :
                                "Cumulative regret (mean over runs, band min-max)";
    if (!tt.xlabel)
        tt.xlabel = "episode";
    if (!tt.ylabel)
        tt.ylabel = value_view ? "value" : "cumulative regret";
    chart_curves(s, ns, &tt, sb);
    free(buf);
    free(s);
    return 0;
}
