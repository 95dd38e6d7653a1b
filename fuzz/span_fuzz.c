/* fuzz/span_fuzz.c: libFuzzer oracle for the bulk reading of plain lines
 * (csv_next_span + csv_split_line, used by the parallel bandit loader): on any input
 * it must yield the same records, fields, lines and columns as csv_next alone, and
 * fail where csv_next fails; and blog_loader_skip_rows (an MPI rank passing over the
 * rows before its share of a compressed log) must stop at the row, give the marks and
 * leave the reader where csv_next's rows say, or fail where they fail. Built into `make check` with fuzz/replay.c (t/0150);
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

#include "datasets/blog_loader.h"
#include "datasets/csv.h"
#include "datasets/roles.h"

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

/* ---- blog_loader_skip_rows against csv_next ---------------------------------------- */

struct row_at {
    size_t offset, line;
};

struct marks {
    struct row_at *m;
    size_t n, every;
};

static int note_mark(void *ctx, size_t row, size_t offset, size_t line, struct ope_error *err)
{
    (void)err;
    struct marks *k = ctx;
    if (row != k->n * k->every)
        abort();
    struct row_at *m = realloc(k->m, (k->n + 1) * sizeof *m);
    if (!m)
        abort();
    k->m = m;
    k->m[k->n++] = (struct row_at){ offset, line };
    return 0;
}

/* The rows of the input after its first record, as a loader meets them (a blank
 * record is none): where each begins and its line, through csv_next; *failed when a
 * record did not read (the rows before it are given). */
static struct row_at *rows_of(const uint8_t *data, size_t size, char sep, size_t *n,
                              int *failed)
{
    struct ope_error err = { 0 };
    struct csv_reader *r = csv_open_mem((const char *)data, size, "fuzz", sep, &err);
    if (!r)
        abort();
    struct row_at *rows = NULL;
    const struct csv_field *f;
    size_t nf;
    int rc = csv_next(r, &f, &nf, &err);
    *n = 0;
    while (rc == 1 && (rc = csv_next(r, &f, &nf, &err)) == 1) {
        if (roles_blank_record(f, nf))
            continue;
        if (!(rows = realloc(rows, (*n + 1) * sizeof *rows)))
            abort();
        rows[(*n)++] = (struct row_at){ csv_record_offset(r), csv_record_line(r) };
    }
    *failed = rc < 0;
    csv_close(r);
    return rows;
}

/* Skip to the first row g, a positive multiple of every, whose previous row begins at
 * byte past or later: the rows, marks, stop and next row must be what csv_next's rows
 * say, and a record that does not read must fail the skip when it comes before. */
static void skip_oracle(const uint8_t *data, size_t size, char sep, size_t every,
                        uint64_t past)
{
    size_t n;
    int failed;
    struct row_at *rows = rows_of(data, size, sep, &n, &failed);
    size_t g = 0;
    for (size_t i = every; i < n && !g; i += every)
        if (rows[i - 1].offset >= past)
            g = i;
    struct ope_error err = { 0 };
    struct csv_reader *r = csv_open_mem((const char *)data, size, "fuzz", sep, &err);
    const struct csv_field *f;
    size_t nf;
    if (!r)
        abort();
    int hdr = csv_next(r, &f, &nf, &err);
    struct loader L;
    memset(&L, 0, sizeof L);
    struct marks k = { NULL, 0, every };
    size_t row = 0;
    uint64_t prev = 0;
    int rc = hdr == 1 ? blog_loader_skip_rows(&L, r, every, past, &row, &prev, note_mark, &k,
                                              &err) : hdr;
    if (hdr == 1) {
        int want = g ? 1 : failed ? -1 : 0;
        if (rc != want)
            abort();
        size_t stop = g ? g : n;
        if (rc >= 0 && row != stop)
            abort();
        if (rc == 1 && prev != rows[g - 1].offset)
            abort();
        if (rc >= 0 && k.n != (stop + every - 1) / every)
            abort();
        for (size_t i = 0; rc >= 0 && i < k.n; i++)
            if (k.m[i].offset != rows[i * every].offset || k.m[i].line != rows[i * every].line)
                abort();
        /* The next row is row g: in the loader's rest, or csv_next's next record. */
        if (rc == 1 && L.rest.len &&
            (L.rest.offset != rows[g].offset || L.rest.line != rows[g].line))
            abort();
        if (rc == 1 && !L.rest.len) {
            do
                if (csv_next(r, &f, &nf, &err) != 1)
                    abort();
            while (roles_blank_record(f, nf));
            if (csv_record_offset(r) != rows[g].offset || csv_record_line(r) != rows[g].line)
                abort();
        }
    }
    free(k.m);
    free(rows);
    csv_close(r);
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
    /* The same bytes skipped by blog_loader_skip_rows, every 1..7 rows, past a byte
     * offset anywhere in them. */
    skip_oracle(data + 2, size - 2, sep, 1 + data[1] % 7,
                (uint64_t)(size - 2) * (data[1] / 7) / 36);
    free(a.s);
    free(b.s);
    return 0;
}
