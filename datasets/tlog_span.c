/* datasets/tlog_span.c: reading a run of plain lines (csv_next_span) into the
 * trajectory loader on several threads. The lines are indexed first, so every line
 * knows its row; parts of the run are then split and parsed at once, each into its
 * own rows, by copies of the loader that change no shared state; last, one pass in
 * order checks every row's episode and step against the rows before it. Anything
 * wrong in any part makes the whole run be read again line by line in order, which
 * gives exactly the serial result or first error. */
#include "config.h"
#include "datasets/tlog_loader.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ope/base/threads.h"

/* Bytes of lines per parallel task. */
#define PART_BYTES ((size_t)1 << 20)

/* What the ordered pass needs of a line: its episode and step fields (pointing into
 * the run) and the step they hold. */
struct tline {
    struct csv_field fe, fs;
    long step;
};

struct span_ctx {
    struct tloader *L;
    const struct csv_span *sp;
    const size_t *off;          /* [n_lines + 1] line k is [off[k], off[k + 1] - 1) */
    const size_t *first;        /* [n_parts + 1] first line of each part */
    const size_t *row;          /* [n_lines] row of each line, SIZE_MAX when blank */
    struct tline *tl;           /* [n_lines] */
    long *max_action, *max_state;  /* [n_parts] */
    int *failed;                /* [n_parts] */
};

static void part_task(void *arg, size_t part)
{
    struct span_ctx *c = arg;
    struct tloader copy = *c->L;
    copy.memo = calloc(copy.r.n_cols, sizeof *copy.memo);     /* none: parse every field */
    struct ope_error err = { 0 };
    struct csv_field *f = NULL;
    size_t cap = 0;
    size_t je = (size_t)copy.r.single[ROLE_EPISODE], js = (size_t)copy.r.single[ROLE_STEP];
    for (size_t k = c->first[part]; k < c->first[part + 1]; k++) {
        if (c->row[k] == SIZE_MAX)
            continue;
        size_t line = c->sp->line + k;
        long nf = csv_split_line(c->sp->p + c->off[k], c->off[k + 1] - 1 - c->off[k],
                                 copy.o->sep ? copy.o->sep : ',', line, &f, &cap, &err);
        copy.n = c->row[k];
        if (nf < 0 || roles_check_width(&copy.r, f, (size_t)nf, line, &err) < 0 ||
            tlog_loader_step(&copy, f, &c->tl[k].step, &err) < 0 ||
            tlog_loader_columns(&copy, f, &err) < 0) {
            c->failed[part] = 1;
            break;
        }
        c->tl[k].fe = f[je];
        c->tl[k].fs = f[js];
        c->L->line[copy.n] = line;
    }
    c->max_action[part] = copy.max_action;
    c->max_state[part] = copy.max_state;
    free(copy.memo);
    free(f);
}

/* The serial reading of every line, in order. */
static int serial(struct tloader *L, const struct csv_span *sp, const size_t *off,
                  size_t n_lines, struct ope_error *err)
{
    struct csv_field *f = NULL;
    size_t cap = 0;
    int rc = 0;
    const struct roles *r = &L->r;
    for (size_t k = 0; k < n_lines && rc == 0; k++) {
        if (csv_span_blank(sp, off, k))
            continue;
        size_t line = sp->line + k;
        long nf = csv_split_line(sp->p + off[k], off[k + 1] - 1 - off[k],
                                 L->o->sep ? L->o->sep : ',', line, &f, &cap, err), step;
        if (nf < 0 || roles_check_width(r, f, (size_t)nf, line, err) < 0 ||
            tlog_loader_reserve(L, L->n + 1, err) < 0)
            rc = -1;
        else {
            L->line[L->n] = line;
            if (tlog_loader_step(L, f, &step, err) < 0 ||
                tlog_loader_episode(L, &f[r->single[ROLE_EPISODE]], &f[r->single[ROLE_STEP]],
                                    step, err) < 0 ||
                tlog_loader_columns(L, f, err) < 0)
                rc = -1;
            else {
                if (L->done && L->done[L->n])
                    L->done_line = line;
                L->n++;
            }
        }
    }
    free(f);
    return rc;
}

/* The ordered pass over rows whose columns all parsed: each row's episode against
 * the rows before it. Its first failure is the serial reading's first error, as
 * every row before it read cleanly and the row's own earlier checks passed. */
static int episodes(struct tloader *L, const struct csv_span *sp, const size_t *row,
                    const struct tline *tl, size_t n_lines, struct ope_error *err)
{
    for (size_t k = 0; k < n_lines; k++) {
        if (row[k] == SIZE_MAX)
            continue;
        L->n = row[k];
        if (tlog_loader_episode(L, &tl[k].fe, &tl[k].fs, tl[k].step, err) < 0)
            return -1;
        if (L->done && L->done[L->n])
            L->done_line = sp->line + k;
    }
    return 0;
}

int tlog_loader_read_span(struct tloader *L, const struct csv_span *sp, struct ope_error *err)
{
    /* Index the lines in one pass (a final line without '\n' ends at the end of the
     * run); a row takes at least one byte per column, so the first guess of the
     * count is rarely short. */
    size_t cap = sp->len / (L->r.n_cols + 1) + 16, n_lines = 0;
    size_t n_parts = sp->len / PART_BYTES + 1, parts = 0;
    size_t *off = malloc((cap + 1) * sizeof *off), *row = NULL, *first = NULL;
    struct tline *tl = NULL;
    long *red = NULL;
    int *failed = NULL, rc = -1;
    for (const char *p = sp->p, *e = sp->p + sp->len; off && p < e; n_lines++) {
        if (n_lines == cap) {
            size_t *g = realloc(off, (2 * cap + 1) * sizeof *off);
            if (!g) {
                free(off);
                off = NULL;
                break;
            }
            off = g;
            cap *= 2;
        }
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        off[n_lines] = (size_t)(p - sp->p);
        p = nl ? nl + 1 : e;
    }
    row = malloc((n_lines ? n_lines : 1) * sizeof *row);
    tl = malloc((n_lines ? n_lines : 1) * sizeof *tl);
    first = malloc((n_parts + 1) * sizeof *first);
    red = malloc(2 * n_parts * sizeof *red);
    failed = calloc(n_parts, sizeof *failed);
    if (!off || !row || !tl || !first || !red || !failed) {
        ope_fail_oom(err);
        goto out;
    }
    size_t k, rows = 0;
    for (k = 0; k < n_lines; k++)
        if (parts < n_parts && off[k] >= parts * PART_BYTES)
            first[parts++] = k;
    /* Just past the last line's '\n', or past a line end it does not have. */
    off[n_lines] = sp->len > 0 && sp->p[sp->len - 1] == '\n' ? sp->len : sp->len + 1;
    for (k = 0; k < n_lines; k++)
        row[k] = csv_span_blank(sp, off, k) ? SIZE_MAX : L->n + rows++;
    first[parts] = n_lines;
    if (tlog_loader_reserve(L, L->n + rows, err) < 0)
        goto out;
    struct span_ctx c = { L, sp, off, first, row, tl, red, red + n_parts, failed };
    int threads = L->o->threads > 0 ? L->o->threads : ope_default_threads();
    int bad = ope_parallel_for(parts, threads, part_task, &c, NULL, NULL) != 0;
    for (size_t q = 0; q < parts; q++)
        bad |= failed[q];
    if (bad) {
        rc = serial(L, sp, off, n_lines, err);
        goto out;
    }
    size_t n0 = L->n;
    if (episodes(L, sp, row, tl, n_lines, err) < 0)
        goto out;
    for (size_t q = 0; q < parts; q++) {
        if (c.max_action[q] > L->max_action)
            L->max_action = c.max_action[q];
        if (c.max_state[q] > L->max_state)
            L->max_state = c.max_state[q];
    }
    L->n = n0 + rows;
    rc = 0;
out:
    free(off);
    free(row);
    free(tl);
    free(first);
    free(red);
    free(failed);
    return rc;
}
