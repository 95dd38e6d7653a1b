/* datasets/truth.c: reading ground-truth files (truth.h). */
#include "config.h"
#include "datasets/truth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/csv.h"

int truth_load(const char *path, struct truth *t, struct ope_error *err)
{
    memset(t, 0, sizeof *t);
    t->behavior = NAN;
    struct csv_reader *r = csv_open(path, ',', err);
    if (!r)
        return -1;
    const struct csv_field *f;
    size_t n, cap = 0;
    int rc = csv_next(r, &f, &n, err);
    if (rc <= 0 || n < 2 || strcmp(f[0].s, "policy") != 0 || strcmp(f[1].s, "value") != 0) {
        csv_close(r);
        if (rc < 0)
            return -1;
        return ope_fail(err, OPE_EDATA, "%s:1:1: expected the header 'policy,value' of a "
                        "truth file", path);
    }
    while ((rc = csv_next(r, &f, &n, err)) == 1) {
        if (n == 1 && f[0].len == 0)
            continue;   /* blank line */
        if (n != 2) {
            rc = ope_fail(err, OPE_EDATA, "%s:%zu:1: expected 2 fields (policy,value), saw %zu",
                          path, csv_record_line(r), n);
            break;
        }
        double v;
        if (csv_parse_double(f[1].s, f[1].len, &v) != 0) {
            rc = ope_fail(err, OPE_EDATA, "%s:%zu:%zu: column 'value': saw '%.40s', expected a "
                          "finite number", path, f[1].line, f[1].col, f[1].s);
            break;
        }
        if (f[0].len == 0) {
            rc = ope_fail(err, OPE_EDATA, "%s:%zu:1: column 'policy': empty name", path,
                          f[0].line);
            break;
        }
        if (memchr(f[0].s, '\0', f[0].len)) {    /* it would be cut short at the NUL */
            rc = ope_fail(err, OPE_EDATA, "%s:%zu:1: column 'policy': a NUL byte in the "
                          "name; expected a policy name", path, f[0].line);
            break;
        }
        if (strcmp(f[0].s, "behavior") == 0) {
            if (!isnan(t->behavior)) {
                rc = ope_fail(err, OPE_EDATA, "%s:%zu:1: a second 'behavior' row", path,
                              f[0].line);
                break;
            }
            t->behavior = v;
            continue;
        }
        if (!isnan(truth_of(t, f[0].s))) {
            rc = ope_fail(err, OPE_EDATA, "%s:%zu:1: policy '%s' is listed twice", path,
                          f[0].line, f[0].s);
            break;
        }
        if (t->n == cap) {
            cap = cap ? 2 * cap : 16;
            char **nm = ope_realloc(t->name, cap * sizeof *nm, err);
            if (!nm) {
                rc = -1;
                break;
            }
            t->name = nm;
            double *vv = ope_realloc(t->value, cap * sizeof *vv, err);
            if (!vv) {
                rc = -1;
                break;
            }
            t->value = vv;
        }
        if (!(t->name[t->n] = ope_strdup(f[0].s, err))) {
            rc = -1;
            break;
        }
        t->value[t->n++] = v;
    }
    csv_close(r);
    if (rc < 0) {
        truth_release(t);
        return -1;
    }
    return 0;
}

double truth_of(const struct truth *t, const char *policy)
{
    for (size_t k = 0; k < t->n; k++)
        if (strcmp(t->name[k], policy) == 0)
            return t->value[k];
    return NAN;
}

void truth_release(struct truth *t)
{
    if (!t)
        return;
    for (size_t k = 0; k < t->n; k++)
        free(t->name[k]);
    free(t->name);
    free(t->value);
    memset(t, 0, sizeof *t);
    t->behavior = NAN;
}
