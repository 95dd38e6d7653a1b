/* viz/chart_train.c: learning curves with seed bands (see chart_train.h). Per
 * algorithm and drawn iteration: the sum over runs (in run order), minimum and
 * maximum of the exact value, and the mean step count. */
#include "config.h"
#include "viz/chart_train.h"

#include <math.h>
#include <stdlib.h>

#define MAX_POINTS 400

/* The sum over runs of the samples at iteration k of r. */
static double steps_at(const struct pg_result *r, size_t k)
{
    size_t K = (size_t)r->n_iter + 1;
    double xs = 0.0;
    for (int i = 0; i < r->n_runs; i++)
        xs += r->rec[(size_t)i * K + k].samples;
    return xs;
}

/* r's curve at pts evenly spaced iterations; returns the points made. */
static size_t curve(const struct pg_result *r, int by_steps, size_t pts, double *x,
                    double *y, double *lo, double *hi)
{
    size_t K = (size_t)r->n_iter + 1, stride = (K + pts - 1) / pts, m = 0;
    stride = stride ? stride : 1;
    if (r->n_runs <= 0)
        return 0;
    for (size_t k = 0; k < K && m < pts; k += stride) {
        /* the last iteration is always drawn: it is the final value */
        size_t kk = k + stride >= K ? K - 1 : k;
        double sum = 0.0, mn = INFINITY, mx = -INFINITY;
        for (int i = 0; i < r->n_runs; i++) {
            double v = r->rec[(size_t)i * K + kk].value;
            sum += v;
            mn = fmin(mn, v);
            mx = fmax(mx, v);
        }
        x[m] = by_steps ? steps_at(r, kk) / r->n_runs : (double)kk;
        y[m] = sum / r->n_runs;
        lo[m] = mn;
        hi[m] = mx;
        m++;
    }
    return m;
}

int chart_train(const struct pg_result *res, size_t n, const struct chart_text *t,
                struct strbuf *sb, struct ope_error *err)
{
    int by_steps = 0;
    for (size_t a = 0; a < n && !by_steps; a++)
        for (size_t k = 0; k <= (size_t)res[a].n_iter && !by_steps; k++)
            by_steps = res[a].n_runs > 0 && steps_at(&res[a], k) > 0;
    size_t pts = t && t->dumb ? 24 : MAX_POINTS;  /* error bars in text: keep them few */
    struct chart_series *s = ope_calloc(n ? n : 1, sizeof *s, err);
    double *buf = s ? ope_calloc(n * pts * 4 + 1, sizeof *buf, err) : NULL;
    if (!buf) {
        free(s);
        return -1;
    }
    for (size_t a = 0; a < n; a++) {
        double *x = buf + a * pts * 4, *y = x + pts, *lo = y + pts, *hi = lo + pts;
        s[a] = (struct chart_series){ res[a].label, curve(&res[a], by_steps, pts, x, y, lo, hi),
                                      x, y, lo, hi };
    }
    struct chart_text tt = t ? *t : (struct chart_text){ NULL, NULL, NULL, 0 };
    if (!tt.title)
        tt.title = "Exact value of the learned policy (mean over seeds, band: min-max)";
    if (!tt.xlabel)
        tt.xlabel = by_steps ? "environment steps sampled" : "iteration";
    if (!tt.ylabel)
        tt.ylabel = "exact value";
    chart_curves(s, n, &tt, sb);
    free(buf);
    free(s);
    return 0;
}
