/* datasets/blog_span.c: reading a run of plain lines (csv_next_span) into the loader
 * on several threads. The lines are indexed first, so every line knows its row; then
 * parts of the run are parsed at once, each into its own rows, by copies of the
 * loader that may not change shared state. Anything unusual in any part (a bad
 * value, a context column turning categorical) makes the whole run be read again
 * line by line in order, which gives exactly the serial result or first error. */
#include "config.h"
#include "datasets/blog_loader.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ope/base/threads.h"

/* Bytes of lines per parallel task. */
#define PART_BYTES ((size_t)1 << 20)

struct span_ctx {
    struct loader *L;
    const struct csv_span *sp;
    const size_t *off;          /* [n_lines + 1] line k is [off[k], off[k + 1] - 1) */
    const size_t *first;        /* [n_parts + 1] first line of each part */
    size_t n0;                  /* L->n when the run starts */
    const size_t *row;          /* [n_lines] row of each line, SIZE_MAX when blank */
    long *max_action, *min_pos, *max_pos;  /* [n_parts] */
    int *failed;                /* [n_parts] */
};

static void part_task(void *arg, size_t part)
{
    struct span_ctx *c = arg;
    struct loader copy = *c->L;
    copy.frozen = 1;
    struct ope_error err = { 0 };
    struct csv_field *f = NULL;
    size_t cap = 0;
    for (size_t k = c->first[part]; k < c->first[part + 1]; k++) {
        if (c->row[k] == SIZE_MAX)
            continue;
        size_t line = c->sp->line + k;
        long nf = csv_split_line(c->sp->p + c->off[k], c->off[k + 1] - 1 - c->off[k],
                                 copy.o->sep ? copy.o->sep : ',', line, &f, &cap, &err);
        copy.n = c->row[k];
        if (nf < 0 || roles_check_width(&copy.r, f, (size_t)nf, line, &err) < 0 ||
            blog_loader_read_row(&copy, f, &err) != 0) {
            c->failed[part] = 1;
            break;
        }
        c->L->line[copy.n] = line;
        if (c->L->offset)
            c->L->offset[copy.n] = c->sp->offset + c->off[k];
    }
    c->max_action[part] = copy.max_action;
    c->min_pos[part] = copy.min_pos;
    c->max_pos[part] = copy.max_pos;
    free(f);
}

/* Before the first run is read, the columns sized for the whole input (L->size_hint
 * bytes) at this run's bytes per row, with 2% to spare. Grown by doubling from 4096
 * rows, the first megabytes of every column were written before the column was large
 * enough to be given huge pages (bigmem.h), and a 2 MB range holding any 4 KB page
 * stays in 4 KB pages: a fault for every 4 KB of them (bench_eval took 110,741 page
 * faults before this and the aligned blocks of bigmem.h, 5,600 after). A wrong guess
 * costs only growth later (too few) or untouched address space (too many). 0, or -1
 * with err. */
static int size_rows(struct loader *L, const struct csv_span *sp, size_t rows,
                     struct ope_error *err)
{
    if (!L->size_hint || L->size_hint_used || rows == 0 || sp->len == 0)
        return 0;
    L->size_hint_used = 1;
    double want = (double)L->size_hint / (double)sp->len * (double)rows * 1.02 + 4096.0;
    /* (more rows than bytes: not a guess worth taking) */
    if (!(want < (double)L->size_hint))
        return 0;
    return blog_loader_reserve_exact(L, L->n + (size_t)want, err);
}

/* The serial reading of every line, in order. */
static int serial(struct loader *L, const struct csv_span *sp, const size_t *off,
                  size_t n_lines, struct ope_error *err)
{
    struct csv_field *f = NULL;
    size_t cap = 0;
    int rc = 0;
    for (size_t k = 0; k < n_lines && rc == 0; k++) {
        if (csv_span_blank(sp, off, k))
            continue;
        size_t line = sp->line + k;
        long nf = csv_split_line(sp->p + off[k], off[k + 1] - 1 - off[k],
                                 L->o->sep ? L->o->sep : ',', line, &f, &cap, err);
        if (nf < 0 || roles_check_width(&L->r, f, (size_t)nf, line, err) < 0 ||
            blog_loader_reserve(L, L->n + 1, err) < 0 || blog_loader_read_row(L, f, err) < 0)
            rc = -1;
        else {
            if (L->offset)
                L->offset[L->n] = sp->offset + off[k];
            L->line[L->n++] = line;
        }
    }
    free(f);
    return rc;
}

int blog_loader_read_span(struct loader *L, const struct csv_span *sp, struct ope_error *err)
{
    /* Index the lines (a final line without '\n' ends at the end of the run). */
    size_t n_lines = 0;
    for (const char *p = sp->p, *e = sp->p + sp->len; p < e; n_lines++) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        p = nl ? nl + 1 : e;
    }
    size_t *off = malloc((n_lines + 1) * sizeof *off);
    size_t *row = malloc((n_lines ? n_lines : 1) * sizeof *row);
    size_t n_parts = sp->len / PART_BYTES + 1, *first = malloc((n_parts + 1) * sizeof *first);
    long *red = malloc(3 * n_parts * sizeof *red);
    int *failed = calloc(n_parts, sizeof *failed);
    int rc = -1;
    if (!off || !row || !first || !red || !failed) {
        ope_fail_oom(err);
        goto out;
    }
    size_t k = 0, rows = 0, parts = 0;
    for (const char *p = sp->p, *e = sp->p + sp->len; p < e; k++) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        off[k] = (size_t)(p - sp->p);
        if (parts < n_parts && off[k] >= parts * PART_BYTES)
            first[parts++] = k;
        p = nl ? nl + 1 : e;
    }
    /* Just past the last line's '\n', or past a line end it does not have. */
    off[n_lines] = sp->len > 0 && sp->p[sp->len - 1] == '\n' ? sp->len : sp->len + 1;
    for (k = 0; k < n_lines; k++)
        row[k] = csv_span_blank(sp, off, k) ? SIZE_MAX : L->n + rows++;
    first[parts] = n_lines;
    if (size_rows(L, sp, rows, err) < 0 || blog_loader_reserve(L, L->n + rows, err) < 0)
        goto out;
    struct span_ctx c = { L, sp, off, first, L->n, row, red, red + n_parts, red + 2 * n_parts,
                          failed };
    int threads = L->o->threads > 0 ? L->o->threads : ope_default_threads();
    int bad = ope_parallel_for(parts, threads, part_task, &c, NULL, NULL) != 0;
    for (size_t q = 0; q < parts; q++)
        bad |= failed[q];
    if (bad) {
        rc = serial(L, sp, off, n_lines, err);
        goto out;
    }
    for (size_t q = 0; q < parts; q++) {
        if (c.max_action[q] > L->max_action)
            L->max_action = c.max_action[q];
        if (c.min_pos[q] >= 0 && (L->min_pos < 0 || c.min_pos[q] < L->min_pos))
            L->min_pos = c.min_pos[q];
        if (c.max_pos[q] > L->max_pos)
            L->max_pos = c.max_pos[q];
    }
    L->n += rows;
    rc = 0;
out:
    free(off);
    free(row);
    free(first);
    free(red);
    free(failed);
    return rc;
}
