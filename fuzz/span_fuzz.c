/* fuzz/span_fuzz.c: libFuzzer oracle for the bulk reading of plain lines
 * (csv_next_span + csv_split_line, used by the parallel bandit loader): on any input
 * it must yield the same records, fields, lines and columns as csv_next alone, and
 * fail where csv_next fails. Built into `make check` with fuzz/replay.c (t/0150);
 * `make fuzz` runs libFuzzer, or by hand (from the source tree, _build holding
 * config.h):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -I_build fuzz/span_fuzz.c \
 *     datasets/csv.c datasets/csvnum.c ope/base/error.c -o span_fuzz -lm &&
 *   ./span_fuzz -max_total_time=60 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Records as text: per field "line:col:len:bytes|", one record per '\n'. */
struct out {
    char *s;
    size_t n, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->n + n + 1 > o->cap) {
        o->cap = 2 * (o->n + n + 1);
        o->s = realloc(o->s, o->cap);
        if (!o->s)
            abort();
    }
    memcpy(o->s + o->n, s, n);
    o->n += n;
}

static void put_fields(struct out *o, const struct csv_field *f, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        char h[64];
        int l = snprintf(h, sizeof h, "%zu:%zu:%zu:", f[k].line, f[k].col, f[k].len);
        put(o, h, (size_t)l);
        put(o, f[k].s, f[k].len);
        put(o, "|", 1);
    }
    put(o, "\n", 1);
}

/* Read everything; returns 0 at the end, -1 on an error (its message appended). */
static int read_all(const uint8_t *data, size_t size, char sep, int spans, size_t want,
                    struct out *o)
{
    struct ope_error err = { 0 };
    struct csv_reader *r = csv_open_mem((const char *)data, size, "fuzz", sep, &err);
    if (!r)
        abort();
    struct csv_field *f = NULL;
    size_t cap = 0;
    int rc;
    for (;;) {
        struct csv_span sp;
        rc = spans ? csv_next_span(r, want, &sp, &err) : 2;
        if (rc == 1) {
            size_t k = 0;
            for (const char *p = sp.p, *e = sp.p + sp.len; p < e; k++) {
                const char *nl = memchr(p, '\n', (size_t)(e - p));
                size_t len = (size_t)((nl ? nl : e) - p);
                long nf = csv_split_line(p, len, sep, sp.line + k, &f, &cap, &err);
                if (nf < 0)
                    abort();
                put_fields(o, f, (size_t)nf);
                p = nl ? nl + 1 : e;
            }
            continue;
        }
        if (rc == 2) {
            const struct csv_field *g;
            size_t n;
            rc = csv_next(r, &g, &n, &err);
            if (rc == 1) {
                put_fields(o, g, n);
                continue;
            }
        }
        break;
    }
    if (rc < 0)
        put(o, err.msg, strlen(err.msg));
    free(f);
    csv_close(r);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    char sep = (char)(data[0] % 3 == 0 ? ',' : data[0] % 3 == 1 ? ';' : '\t');
    size_t want = 1 + data[1] % 64;
    struct out a = { 0 }, b = { 0 };
    int ra = read_all(data + 2, size - 2, sep, 0, want, &a);
    int rb = read_all(data + 2, size - 2, sep, 1, want, &b);
    if (ra != rb || a.n != b.n || (a.n && memcmp(a.s, b.s, a.n) != 0))
        abort();
    free(a.s);
    free(b.s);
    return 0;
}
