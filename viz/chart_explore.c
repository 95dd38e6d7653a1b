/* viz/chart_explore.c: exploration run charts (see chart_explore.h). */
#include "config.h"
#include "viz/chart_explore.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/csv.h"

#define MAX_ALGOS 8
#define MAX_POINTS 400

struct algo {
    char name[32];
    size_t k;               /* episodes seen (max episode index) */
    double *sum, *lo, *hi;  /* per episode over runs */
    double *count;
};

static int grow(struct algo *a, size_t e, struct ope_error *err)
{
    if (e < a->k)
        return 0;
    size_t k = a->k ? a->k : 1024;
    while (k <= e)
        k *= 2;
    double *arr[4] = { a->sum, a->lo, a->hi, a->count };
    for (int j = 0; j < 4; j++) {
        double *g = ope_realloc(arr[j], k * sizeof *g, err);
        if (!g)
            return -1;
        for (size_t i = a->k; i < k; i++)
            g[i] = j == 1 ? INFINITY : j == 2 ? -INFINITY : 0;
        arr[j] = g;
        if (j == 0)
            a->sum = g;
        else if (j == 1)
            a->lo = g;
        else if (j == 2)
            a->hi = g;
        else
            a->count = g;
    }
    a->k = k;
    return 0;
}

int chart_explore(const char *path, int value_view, const struct chart_text *t,
                  struct strbuf *sb, struct ope_error *err)
{
    struct csv_reader *r = csv_open(path, ',', err);
    if (!r)
        return -1;
    struct algo al[MAX_ALGOS];
    memset(al, 0, sizeof al);
    size_t na = 0, last = 0;
    double threshold = NAN;
    int rc = -1;
    const struct csv_field *f;
    size_t n;
    int col_ep = -1, col_alg = -1, col_y = -1, col_thr = -1;
    if (csv_next(r, &f, &n, err) != 1) {
        if (!err->status)
            ope_fail(err, OPE_EDATA, "%s: empty file, expected an `ope explore -o` run file", path);
        goto out;
    }
    for (size_t c = 0; c < n; c++) {
        if (strcmp(f[c].s, "episode") == 0)
            col_ep = (int)c;
        else if (strcmp(f[c].s, "algorithm") == 0)
            col_alg = (int)c;
        else if (strcmp(f[c].s, value_view ? "value" : "regret") == 0)
            col_y = (int)c;
        else if (strcmp(f[c].s, "threshold") == 0)
            col_thr = (int)c;
    }
    if (col_ep < 0 || col_alg < 0 || col_y < 0) {
        ope_fail(err, OPE_EDATA, "%s:1: expected the columns episode, algorithm and %s of an "
                 "`ope explore -o` run file", path, value_view ? "value" : "regret");
        goto out;
    }
    int got;
    while ((got = csv_next(r, &f, &n, err)) == 1) {
        if (n <= (size_t)col_y || n <= (size_t)col_alg || n <= (size_t)col_ep) {
            ope_fail(err, OPE_EDATA, "%s:%zu: too few fields", path, csv_record_line(r));
            goto out;
        }
        long ep;
        double y;
        if (csv_parse_long(f[col_ep].s, f[col_ep].len, 1, 100000000, &ep) != 0 ||
            csv_parse_double(f[col_y].s, f[col_y].len, &y) != 0) {
            ope_fail(err, OPE_EDATA, "%s:%zu: expected an episode number and a finite %s",
                     path, csv_record_line(r), value_view ? "value" : "regret");
            goto out;
        }
        if (col_thr >= 0 && (size_t)col_thr < n && isnan(threshold))
            csv_parse_double(f[col_thr].s, f[col_thr].len, &threshold);
        size_t a = 0;
        while (a < na && strcmp(al[a].name, f[col_alg].s) != 0)
            a++;
        if (a == na) {
            if (na == MAX_ALGOS) {
                ope_fail(err, OPE_EDATA, "%s: more than %d algorithms", path, MAX_ALGOS);
                goto out;
            }
            snprintf(al[na++].name, sizeof al[0].name, "%s", f[col_alg].s);
        }
        size_t e = (size_t)ep - 1;
        if (grow(&al[a], e, err) != 0)
            goto out;
        al[a].sum[e] += y;
        al[a].count[e] += 1;
        al[a].lo[e] = y < al[a].lo[e] ? y : al[a].lo[e];
        al[a].hi[e] = y > al[a].hi[e] ? y : al[a].hi[e];
        last = e + 1 > last ? e + 1 : last;
    }
    if (got < 0)
        goto out;
    if (na == 0) {
        ope_fail(err, OPE_EDATA, "%s: no episodes", path);
        goto out;
    }
    size_t stride = (last + MAX_POINTS - 1) / MAX_POINTS;
    size_t m = (last + stride - 1) / stride;
    struct chart_series s[MAX_ALGOS + 1];
    double *buf = ope_calloc((na + 1) * m * 4, sizeof *buf, err);
    if (!buf)
        goto out;
    for (size_t a = 0; a < na; a++) {
        double *x = buf + a * m * 4, *y = x + m, *lo = y + m, *hi = lo + m;
        size_t k = 0;
        for (size_t e = stride - 1; e < last && k < m; e += stride) {
            if (e >= al[a].k || al[a].count[e] == 0)
                continue;
            x[k] = (double)(e + 1);
            y[k] = al[a].sum[e] / al[a].count[e];
            lo[k] = al[a].lo[e];
            hi[k] = al[a].hi[e];
            k++;
        }
        s[a] = (struct chart_series){ al[a].name, k, x, y, lo, hi };
    }
    size_t ns = na;
    if (value_view && !isnan(threshold)) {
        double *x = buf + na * m * 4, *y = x + m;
        x[0] = 1;
        x[1] = (double)last;
        y[0] = y[1] = threshold;
        s[ns++] = (struct chart_series){ "threshold (1 - alpha) V^b", 2, x, y, NULL, NULL };
    }
    struct chart_text tt = *t;
    if (!tt.title)
        tt.title = value_view ? "Exact value of the executed policy per episode" :
                                "Cumulative regret (mean over runs, band min-max)";
    if (!tt.xlabel)
        tt.xlabel = "episode";
    if (!tt.ylabel)
        tt.ylabel = value_view ? "value" : "cumulative regret";
    chart_curves(s, ns, &tt, sb);
    free(buf);
    rc = 0;
out:
    for (size_t a = 0; a < na; a++) {
        free(al[a].sum);
        free(al[a].lo);
        free(al[a].hi);
        free(al[a].count);
    }
    csv_close(r);
    return rc;
}
