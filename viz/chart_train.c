/* viz/chart_train.c: learning curves with seed bands from a policy-gradient curve file
 * (see chart_train.h). One pass over the CSV accumulates, per algorithm and
 * iteration, the sum, minimum and maximum of the exact value and the mean step count;
 * the chart then draws at most MAX_POINTS evenly spaced iterations per algorithm. */
#include "config.h"
#include "viz/chart_train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/csv.h"

#define MAX_ALGOS 16
#define MAX_POINTS 400

struct acc {
    char name[32];
    size_t cap, n;              /* iterations seen: 0..n-1 */
    double *sum, *lo, *hi, *cnt, *xs;
};

static int acc_grow(struct acc *a, size_t k, struct ope_error *err)
{
    if (k < a->cap)
        return 0;
    size_t cap = a->cap ? a->cap : 256;
    while (cap <= k)
        cap *= 2;
    double **arr[5] = { &a->sum, &a->lo, &a->hi, &a->cnt, &a->xs };
    for (int j = 0; j < 5; j++) {
        double *g = ope_realloc(*arr[j], cap * sizeof *g, err);
        if (!g)
            return -1;
        for (size_t i = a->cap; i < cap; i++)
            g[i] = j == 1 ? INFINITY : j == 2 ? -INFINITY : 0.0;
        *arr[j] = g;
    }
    a->cap = cap;
    return 0;
}

static void acc_release(struct acc *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(a[i].sum);
        free(a[i].lo);
        free(a[i].hi);
        free(a[i].cnt);
        free(a[i].xs);
    }
}

/* The columns of the header; -1 for a missing one. */
static int header(const char *path, const struct csv_field *f, size_t n, int *col,
                  struct ope_error *err)
{
    static const char *const want[4] = { "algorithm", "iteration", "true_value", "samples" };
    for (int j = 0; j < 4; j++) {
        col[j] = -1;
        for (size_t c = 0; c < n; c++)
            if (strcmp(f[c].s, want[j]) == 0)
                col[j] = (int)c;
        if (col[j] < 0)
            return ope_fail(err, OPE_EDATA, "%s:1: no column '%s': expected the curve file of "
                            "`ope train ALGO --env` (algorithm,run,iteration,true_value,"
                            "grad_norm,samples)", path, want[j]);
    }
    return 0;
}

static int read_rows(const char *path, struct csv_reader *r, const int *col, struct acc *al,
                     size_t *na, struct ope_error *err)
{
    const struct csv_field *f;
    size_t n;
    int got;
    while ((got = csv_next(r, &f, &n, err)) == 1) {
        if (n == 1 && f[0].len == 0)
            continue;
        for (int j = 0; j < 4; j++)
            if ((size_t)col[j] >= n)
                return ope_fail(err, OPE_EDATA, "%s:%zu: %zu fields, too few", path,
                                csv_record_line(r), n);
        long it;
        double y, x;
        if (csv_parse_long(f[col[1]].s, f[col[1]].len, 0, 1000000000, &it) != 0 ||
            csv_parse_double(f[col[2]].s, f[col[2]].len, &y) != 0 ||
            csv_parse_double(f[col[3]].s, f[col[3]].len, &x) != 0)
            return ope_fail(err, OPE_EDATA, "%s:%zu: expected an iteration number and finite "
                            "true_value and samples", path, csv_record_line(r));
        size_t a = 0;
        while (a < *na && strcmp(al[a].name, f[col[0]].s) != 0)
            a++;
        if (a == *na) {
            if (*na == MAX_ALGOS)
                return ope_fail(err, OPE_EDATA, "%s: more than %d algorithms", path, MAX_ALGOS);
            snprintf(al[(*na)++].name, sizeof al[0].name, "%s", f[col[0]].s);
        }
        struct acc *q = &al[a];
        size_t k = (size_t)it;
        if (acc_grow(q, k, err) != 0)
            return -1;
        q->sum[k] += y;
        q->cnt[k] += 1.0;
        q->xs[k] += x;
        q->lo[k] = fmin(q->lo[k], y);
        q->hi[k] = fmax(q->hi[k], y);
        q->n = k + 1 > q->n ? k + 1 : q->n;
    }
    return got < 0 ? -1 : 0;
}

int chart_train(const char *path, const struct chart_text *t, struct strbuf *sb,
                struct ope_error *err)
{
    struct csv_reader *r = csv_open(path, ',', err);
    if (!r)
        return -1;
    struct acc al[MAX_ALGOS];
    memset(al, 0, sizeof al);
    size_t na = 0;
    int col[4], rc = -1;
    const struct csv_field *f;
    size_t n;
    double *buf = NULL;
    int got = csv_next(r, &f, &n, err);
    if (got != 1) {
        if (got == 0)
            ope_fail(err, OPE_EDATA, "%s: empty file, expected an `ope train` curve file", path);
        goto out;
    }
    if (header(path, f, n, col, err) < 0 || read_rows(path, r, col, al, &na, err) < 0)
        goto out;
    if (na == 0) {
        ope_fail(err, OPE_EDATA, "%s: no rows", path);
        goto out;
    }
    int by_steps = 0;
    for (size_t a = 0; a < na; a++)
        for (size_t k = 0; k < al[a].n; k++)
            by_steps |= al[a].cnt[k] > 0 && al[a].xs[k] > 0;
    size_t pts = t && t->dumb ? 24 : MAX_POINTS;  /* error bars in text: keep them few */
    if (!(buf = ope_calloc(na * pts * 4 + 1, sizeof *buf, err)))
        goto out;
    struct chart_series s[MAX_ALGOS];
    for (size_t a = 0; a < na; a++) {
        double *x = buf + a * pts * 4, *y = x + pts, *lo = y + pts, *hi = lo + pts;
        size_t stride = (al[a].n + pts - 1) / pts, m = 0;
        stride = stride ? stride : 1;
        for (size_t k = 0; k < al[a].n && m < pts; k += stride) {
            /* the last iteration is always drawn: it is the final value */
            size_t kk = k + stride >= al[a].n ? al[a].n - 1 : k;
            if (al[a].cnt[kk] == 0)
                continue;
            x[m] = by_steps ? al[a].xs[kk] / al[a].cnt[kk] : (double)kk;
            y[m] = al[a].sum[kk] / al[a].cnt[kk];
            lo[m] = al[a].lo[kk];
            hi[m] = al[a].hi[kk];
            m++;
        }
        s[a] = (struct chart_series){ al[a].name, m, x, y, lo, hi };
    }
    struct chart_text tt = t ? *t : (struct chart_text){ NULL, NULL, NULL, 0 };
    if (!tt.title)
        tt.title = "Exact value of the learned policy (mean over seeds, band: min-max)";
    if (!tt.xlabel)
        tt.xlabel = by_steps ? "environment steps sampled" : "iteration";
    if (!tt.ylabel)
        tt.ylabel = "exact value";
    chart_curves(s, na, &tt, sb);
    rc = 0;
out:
    free(buf);
    acc_release(al, na);
    csv_close(r);
    return rc;
}
