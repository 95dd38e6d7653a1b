/* datasets/blog_stream_cache.c: the parsed batches of a streamed log in a temporary
 * file (blog_stream_cache.h). Each batch is one record: its first row and row count,
 * then the loader's columns as the process holds them (actions, rewards, propensities,
 * lines, raw positions when the log has them, then every stored column in header
 * order: numbers, or categorical codes). The file never leaves this process: no byte
 * order to fix, and it is unlinked as soon as it is made. */
#include "config.h"
#include "datasets/blog_stream_cache.h"
#include "datasets/blog_stream.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ope/base/progress.h"
#include "ope/base/tmpfile.h"

/* What a column holds: nothing, numbers, or categorical codes. */
enum { COL_NONE, COL_NUM, COL_CODE };

/* One temporary file of batches: rows [lo, hi) once complete, with the columns' kinds. */
struct bsc_file {
    int fd;                     /* -1 until needed */
    size_t lo, hi;              /* the rows it holds */
    size_t shift;               /* a batch's rows are its stored rows + shift (bsc_shift) */
    size_t line_shift;          /* and its lines their stored lines + line_shift */
    size_t vlo, vhi;            /* the rows it serves, within them */
    int regrid;                 /* bsc_shift: its batches are cut again on the grid */
    size_t n_cols;
    unsigned char *col;         /* [n_cols] COL_* of the pass that wrote it */
    int has_pos, shaped;
};

/* Two files: the pass being written never overwrites the one that is ready, so a pass
 * that is abandoned (one read only in part, superseded by another range) leaves the
 * ready rows readable; when it completes it becomes the ready one. */
struct bsc {
    struct bsc_file f[2];
    int ready;                  /* the file holding a complete pass, or -1 */
    int writing;                /* the file being written, or -1 */
    /* bsc_write_start asked for a pass from row pending_lo: writing begins at the
     * pass's first batch, so a pass that reads none costs nothing. */
    int pending;
    size_t pending_lo;
    size_t next;                /* the row the next batch written or read starts at */
    size_t carry, carry_at;     /* rows read back past the batch handed out (to the
                                   grid), held in the loader from row carry_at on */
    unsigned long long bytes;   /* written by the pass */
    int full;                   /* no room once: no pass writes again */
};

static size_t test_limit;

void bsc_test_limit(size_t bytes)
{
    test_limit = bytes;
}

static size_t test_read_error;      /* batches read back until one fails; 0: none */

void bsc_test_read_error(size_t k)
{
    test_read_error = k;
}

struct bsc *bsc_new(void)
{
    const char *no = getenv("OPE_TEST_NO_STREAM_CACHE");
    if (no && *no)
        return NULL;
    /* $OPE_TEST_STREAM_CACHE_READ_ERROR=k: bsc_test_read_error(k), for the commands. */
    const char *k = getenv("OPE_TEST_STREAM_CACHE_READ_ERROR");
    if (k && *k)
        bsc_test_read_error((size_t)strtoul(k, NULL, 10));
    struct bsc *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ready = c->writing = -1;
    c->f[1].fd = -1;
    /* (not on a tmpfs or ramfs: its pages would be memory) */
    c->f[0].fd = ope_tmp_anon_disk("ope-batches");
    if (c->f[0].fd < 0) {
        free(c);
        return NULL;
    }
    return c;
}

void bsc_free(struct bsc *c)
{
    if (!c)
        return;
    for (int k = 0; k < 2; k++) {
        if (c->f[k].fd >= 0)
            close(c->f[k].fd);
        free(c->f[k].col);
    }
    free(c);
}

static int col_kind(const struct loader *L, size_t j)
{
    return L->val[j] ? COL_NUM : L->ctx[j].code ? COL_CODE : COL_NONE;
}

/* Whether L's columns are of the kinds f was written with. */
static int same_shape(const struct bsc_file *f, const struct loader *L)
{
    if (!f->shaped || f->n_cols != L->r.n_cols || f->has_pos != (L->pos != NULL))
        return 0;
    for (size_t j = 0; j < f->n_cols; j++)
        if (f->col[j] != col_kind(L, j))
            return 0;
    return 1;
}

/* Empty file k (unlinked: its space comes back at once). */
static void empty(struct bsc *c, int k)
{
    c->f[k].shaped = 0;
    if (ftruncate(c->f[k].fd, 0) != 0) {
        /* The file is unlinked: what it keeps goes when the stream closes. */
    }
}

/* The pass being written goes on without the cache. */
static void stop_writing(struct bsc *c)
{
    if (c->writing >= 0)
        empty(c, c->writing);
    c->writing = -1;
}

void bsc_drop(struct bsc *c)
{
    if (!c)
        return;
    stop_writing(c);
    if (c->ready >= 0)
        empty(c, c->ready);
    c->ready = -1;
    c->pending = 0;
}

void bsc_write_start(struct bsc *c, size_t lo)
{
    if (!c || c->full)
        return;
    stop_writing(c);
    c->pending = 1;
    c->pending_lo = lo;
}

/* The pending pass's first batch: the file that is not ready is emptied for it.
 * 0, or -1 (no file). */
static int begin_writing(struct bsc *c)
{
    c->pending = 0;
    int k = c->ready == 0 ? 1 : 0;
    if (c->f[k].fd < 0 && (c->f[k].fd = ope_tmp_anon("ope-batches")) < 0)
        return -1;
    empty(c, k);
    if (lseek(c->f[k].fd, 0, SEEK_SET) != 0)
        return -1;
    c->writing = k;
    c->f[k].lo = c->next = c->pending_lo;
    c->f[k].shift = 0;
    c->f[k].line_shift = 0;
    c->f[k].regrid = 0;
    c->bytes = 0;
    return 0;
}

/* Whether size more bytes leave the file system enough free space, and stay within
 * the process's file size limit (ulimit -f: past it a write raises SIGXFSZ, which
 * ends the process). */
static int room_for(const struct bsc *c, int fd, unsigned long long size)
{
    if (test_limit)
        return c->bytes + size <= test_limit;
    return ope_tmp_room(fd, c->bytes, size);
}

static int put(struct bsc *c, const void *p, size_t size)
{
    if (ope_fd_write_all(c->f[c->writing].fd, p, size) != 0)
        return -1;
    c->bytes += size;
    return 0;
}

void bsc_write_batch(struct bsc *c, const struct loader *L)
{
    if (!c || (c->pending && begin_writing(c) != 0) || c->writing < 0)
        return;
    struct bsc_file *f = &c->f[c->writing];
    if (!f->shaped) {
        unsigned char *col = realloc(f->col, L->r.n_cols ? L->r.n_cols : 1);
        if (!col) {
            stop_writing(c);
            return;
        }
        f->col = col;
        f->n_cols = L->r.n_cols;
        f->has_pos = L->pos != NULL;
        for (size_t j = 0; j < f->n_cols; j++)
            f->col[j] = (unsigned char)col_kind(L, j);
        f->shaped = 1;
    }
    size_t n = L->n;
    unsigned long long size = 2 * sizeof(uint64_t) +
                              n * (sizeof *L->action + sizeof *L->reward + sizeof *L->pscore +
                                   sizeof *L->line + (f->has_pos ? sizeof *L->pos : 0));
    for (size_t j = 0; j < f->n_cols; j++)
        size += f->col[j] == COL_NUM ? n * sizeof(double)
              : f->col[j] == COL_CODE ? n * sizeof(int) : 0;
    /* A column that turned categorical (or one the batch lacks), a batch that does not
     * follow the last, no room: the pass goes on without the cache. */
    if (!same_shape(f, L) || L->row0 != c->next) {
        stop_writing(c);
        return;
    }
    if (!room_for(c, f->fd, size)) {
        c->full = 1;
        stop_writing(c);
        return;
    }
    uint64_t head[2] = { (uint64_t)L->row0, (uint64_t)n };
    int rc = put(c, head, sizeof head);
    rc |= put(c, L->action, n * sizeof *L->action);
    rc |= put(c, L->reward, n * sizeof *L->reward);
    rc |= put(c, L->pscore, n * sizeof *L->pscore);
    rc |= put(c, L->line, n * sizeof *L->line);
    if (f->has_pos)
        rc |= put(c, L->pos, n * sizeof *L->pos);
    for (size_t j = 0; j < f->n_cols && rc == 0; j++) {
        if (f->col[j] == COL_NUM)
            rc |= put(c, L->val[j], n * sizeof(double));
        else if (f->col[j] == COL_CODE)
            rc |= put(c, L->ctx[j].code, n * sizeof(int));
    }
    if (rc != 0) {
        stop_writing(c);
        return;
    }
    c->next += n;
}

void bsc_write_end(struct bsc *c, size_t hi)
{
    if (!c)
        return;
    c->pending = 0;             /* a pass of no rows: the cache keeps what it held */
    if (c->writing < 0)
        return;
    struct bsc_file *f = &c->f[c->writing];
    if (hi != c->next || !f->shaped) {
        stop_writing(c);
        return;
    }
    f->hi = f->vhi = hi;
    f->vlo = f->lo;
    if (c->ready >= 0)
        empty(c, c->ready);
    c->ready = c->writing;
    c->writing = -1;
}

int bsc_covers(const struct bsc *c, size_t lo, size_t hi, const struct loader *L)
{
    if (!c || c->ready < 0)
        return 0;
    const struct bsc_file *f = &c->f[c->ready];
    return f->vlo == lo && f->vhi == hi && lo < hi && same_shape(f, L);
}

int bsc_shift(struct bsc *c, size_t shift, size_t line_shift, size_t lo, size_t hi)
{
    if (!c || c->ready < 0 || c->writing >= 0 || c->pending)
        return 0;
    struct bsc_file *f = &c->f[c->ready];
    f->lo += shift;
    f->hi += shift;
    f->shift += shift;
    f->line_shift += line_shift;
    if (lo < f->lo || hi > f->hi || lo >= hi) {
        bsc_drop(c);
        return 0;
    }
    f->vlo = lo;
    f->vhi = hi;
    f->regrid = 1;
    return 1;
}

/* Move the loader's rows [from, from + n) to its first rows. */
static void move_rows(const struct bsc_file *f, struct loader *L, size_t from, size_t n)
{
    memmove(L->action, L->action + from, n * sizeof *L->action);
    memmove(L->reward, L->reward + from, n * sizeof *L->reward);
    memmove(L->pscore, L->pscore + from, n * sizeof *L->pscore);
    memmove(L->line, L->line + from, n * sizeof *L->line);
    if (f->has_pos)
        memmove(L->pos, L->pos + from, n * sizeof *L->pos);
    for (size_t j = 0; j < f->n_cols; j++)
        if (f->col[j] == COL_NUM)
            memmove(L->val[j], L->val[j] + from, n * sizeof(double));
        else if (f->col[j] == COL_CODE)
            memmove(L->ctx[j].code, L->ctx[j].code + from, n * sizeof(int));
}

int bsc_read_start(struct bsc *c)
{
    if (!c || c->ready < 0)
        return -1;
    c->pending = 0;
    stop_writing(c);
    if (lseek(c->f[c->ready].fd, 0, SEEK_SET) != 0) {
        bsc_drop(c);
        return -1;
    }
    c->next = c->f[c->ready].lo;
    c->carry = 0;
    return 0;
}

static int get(struct bsc *c, void *p, size_t size)
{
    return ope_fd_read_all(c->f[c->ready].fd, p, size);
}

/* The next batch as it was written into the loader's rows from L->n on (L->n grows by
 * its rows). 0, or -1 with err (OPE_ENOINPUT: the cache is then dropped and not
 * written again). */
static int batch_get(struct bsc *c, struct loader *L, struct ope_error *err)
{
    size_t at = L->n;
    const struct bsc_file *f = &c->f[c->ready];
    errno = 0;
    uint64_t head[2];
    int rc = get(c, head, sizeof head);
    if (test_read_error && --test_read_error == 0)
        rc = -1, errno = EIO;
    size_t n = rc == 0 ? (size_t)head[1] : 0;
    if (rc == 0 && (head[0] + f->shift != c->next || n == 0 || n > f->hi - c->next))
        rc = -1;
    if (rc == 0 && at + n > L->cap && blog_loader_reserve_exact(L, at + n, err) < 0)
        return -1;
    if (rc == 0)
        rc = get(c, L->action + at, n * sizeof *L->action) |
             get(c, L->reward + at, n * sizeof *L->reward) |
             get(c, L->pscore + at, n * sizeof *L->pscore) |
             get(c, L->line + at, n * sizeof *L->line);
    for (size_t i = 0; rc == 0 && f->line_shift && i < n; i++)
        L->line[at + i] += f->line_shift;
    if (rc == 0 && f->has_pos)
        rc = get(c, L->pos + at, n * sizeof *L->pos);
    for (size_t j = 0; j < f->n_cols && rc == 0; j++) {
        if (f->col[j] == COL_NUM)
            rc = get(c, L->val[j] + at, n * sizeof(double));
        else if (f->col[j] == COL_CODE)
            rc = get(c, L->ctx[j].code + at, n * sizeof(int));
    }
    if (rc != 0) {
        int e = errno;
        bsc_drop(c);
        c->full = 1;        /* a file system that fails a read is not written again */
        return ope_fail(err, OPE_ENOINPUT, "the temporary copy of its parsed rows (in %s) "
                        "could not be read back (%s)", ope_tmp_dir(),
                        e ? strerror(e) : "it is short");
    }
    L->n = at + n;
    c->next += n;
    return 0;
}

int bsc_read_batch(struct bsc *c, struct loader *L, int *eof, struct ope_progress *progress,
                   const char *path, struct ope_error *err)
{
    if (c->ready < 0)
        return ope_fail(err, OPE_ESOFTWARE, "%s: no parsed rows to read back", path);
    const struct bsc_file *f = &c->f[c->ready];
    /* The rows read back past the last batch handed out come first. */
    if (c->carry)
        move_rows(f, L, c->carry_at, c->carry);
    L->n = c->carry;
    L->row0 = c->next - c->carry;
    c->carry = 0;
    /* The batches as they were written, as the passes that parse cut them (the windows
     * start where they start), but for those a rank of a log split by files kept of
     * its share (bsc_shift), which begin before its range, a share's rows off the
     * grid, and run on past it: those are cut to the range and to the grid, the rows
     * past the grid kept for the next batch. */
    for (;;) {
        if (c->next >= f->vhi) {
            L->n = L->row0 + L->n > f->vhi ? f->vhi - L->row0 : L->n;
            break;
        }
        if (ope_progress_cancelled(progress))
            return ope_fail(err, OPE_EINTERRUPTED, "%s: loading cancelled", path);
        if (batch_get(c, L, err) < 0)
            return -1;
        if (L->row0 < f->vlo) {
            size_t k = f->vlo - L->row0 < L->n ? f->vlo - L->row0 : L->n;
            move_rows(f, L, k, L->n - k);
            L->n -= k;
            L->row0 += k;
        }
        size_t end = L->row0 + L->n, grid = end / BLOG_STREAM_GRID * BLOG_STREAM_GRID;
        if (!f->regrid && end < f->vhi)
            break;
        if (end < f->vhi && grid > L->row0) {
            c->carry = end - grid;
            c->carry_at = grid - L->row0;
            L->n = grid - L->row0;
            break;
        }
        if (end >= f->vhi) {
            L->n = f->vhi - L->row0;
            break;
        }
    }
    *eof = L->row0 + L->n >= f->vhi;
    if (progress) {
        size_t done = L->row0 + L->n - f->vlo;
        char label[64];
        snprintf(label, sizeof label, "reading: %zu of %zu rows", done, f->vhi - f->vlo);
        ope_progress_report(progress, (double)done / (double)(f->vhi - f->vlo), label);
    }
    return 0;
}
