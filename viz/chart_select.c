/* viz/chart_select.c: top-k curves from a selection CSV (see chart_select.h). */
#include "config.h"
#include "viz/chart_select.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/csv.h"

#define MAX_EST 16
#define MAX_K 4096

int chart_select_csv(const char *path, const char *metric, const struct chart_text *t,
                     struct strbuf *sb, struct ope_error *err)
{
    struct csv_reader *r = csv_open(path, ',', err);
    if (!r)
        return -1;
    char names[MAX_EST][96];
    size_t ne = 0, npts[MAX_EST] = { 0 };
    double *x = ope_calloc(MAX_EST * MAX_K, sizeof *x, err);
    double *y = ope_calloc(MAX_EST * MAX_K, sizeof *y, err);
    int rc = -1, ce = -1, ck = -1, cm = -1, got;
    const struct csv_field *f;
    size_t n;
    if (!x || !y)
        goto out;
    if (csv_next(r, &f, &n, err) != 1) {
        if (!err->status)
            ope_fail(err, OPE_EDATA, "%s: empty file, expected `ope select --format csv` output", path);
        goto out;
    }
    for (size_t c = 0; c < n; c++) {
        if (strcmp(f[c].s, "estimator") == 0)
            ce = (int)c;
        else if (strcmp(f[c].s, "k") == 0)
            ck = (int)c;
        else if (strcmp(f[c].s, metric) == 0)
            cm = (int)c;
    }
    if (ce < 0 || ck < 0 || cm < 0) {
        ope_fail(err, OPE_EDATA, "%s:1: expected the columns estimator, k and %s of "
                 "`ope select --format csv`", path, metric);
        goto out;
    }
    while ((got = csv_next(r, &f, &n, err)) == 1) {
        if ((size_t)ce >= n || (size_t)ck >= n || (size_t)cm >= n) {
            ope_fail(err, OPE_EDATA, "%s:%zu: too few fields", path, csv_record_line(r));
            goto out;
        }
        size_t e = 0;
        while (e < ne && strcmp(names[e], f[ce].s) != 0)
            e++;
        if (e == ne) {
            if (ne == MAX_EST) {
                ope_fail(err, OPE_EDATA, "%s: more than %d estimators", path, MAX_EST);
                goto out;
            }
            snprintf(names[ne++], sizeof names[0], "%s", f[ce].s);
        }
        long k;
        double v = NAN;
        if (csv_parse_long(f[ck].s, f[ck].len, 1, MAX_K, &k) != 0) {
            ope_fail(err, OPE_EDATA, "%s:%zu:%zu: column 'k': saw '%.20s', expected 1..%d", path,
                     f[ck].line, f[ck].col, f[ck].s, MAX_K);
            goto out;
        }
        if (f[cm].len && csv_parse_double(f[cm].s, f[cm].len, &v) == -1) {
            ope_fail(err, OPE_EDATA, "%s:%zu:%zu: column '%s': saw '%.20s', expected a number",
                     path, f[cm].line, f[cm].col, metric, f[cm].s);
            goto out;
        }
        if (npts[e] < MAX_K) {
            x[e * MAX_K + npts[e]] = (double)k;
            y[e * MAX_K + npts[e]] = v;     /* empty (undefined) cells stay NaN: not drawn */
            npts[e]++;
        }
    }
    if (got < 0)
        goto out;
    struct chart_series s[MAX_EST];
    for (size_t e = 0; e < ne; e++)
        s[e] = (struct chart_series){ names[e], npts[e], x + e * MAX_K, y + e * MAX_K, NULL, NULL };
    char title[160];
    snprintf(title, sizeof title, "%s against k (top-k of each estimator's ranking)", metric);
    struct chart_text tt = *t;
    if (!tt.title)
        tt.title = title;
    if (!tt.ylabel)
        tt.ylabel = metric;
    chart_topk(s, ne, &tt, sb);
    rc = 0;
out:
    free(x);
    free(y);
    csv_close(r);
    return rc;
}
