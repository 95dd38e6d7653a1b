/* datasets/blog_stream_cache.c: the parsed batches of a streamed log in a temporary
 * file (blog_stream_cache.h). Each batch is one record: its first row and row count,
 * then the loader's columns as the process holds them (actions, rewards, propensities,
 * lines, raw positions when the log has them, then every stored column in header
 * order: numbers, or categorical codes). The file never leaves this process: no byte
 * order to fix, and it is unlinked as soon as it is made. */
#include "config.h"
#include "datasets/blog_stream_cache.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/vfs.h>
#endif

#include "ope/base/progress.h"
#include "ope/base/tmpfile.h"

/* What the cache may never leave free of its file system: the larger of these. */
#define KEEP_FREE_BYTES ((unsigned long long)256 << 20)
#define KEEP_FREE_SHARE 0.05
/* statfs's f_type of the file systems whose pages are memory (linux/magic.h). */
#define TMPFS_MAGIC_ 0x01021994L
#define RAMFS_MAGIC_ 0x858458f6L

enum bsc_state { BSC_IDLE, BSC_WRITING, BSC_READY };

/* What a column holds: nothing, numbers, or categorical codes. */
enum { COL_NONE, COL_NUM, COL_CODE };

struct bsc {
    int fd;
    enum bsc_state state;
    size_t lo, hi;              /* READY: the rows served; WRITING: lo and next row */
    size_t next;                /* WRITING: the next batch's first row; reading: too */
    unsigned long long bytes;   /* written by the pass */
    size_t n_cols;
    unsigned char *col;         /* [n_cols] COL_* when the pass began writing */
    int has_pos, shaped;
    int full;                   /* the file system had no room: no pass writes again */
};

static size_t test_limit;

void bsc_test_limit(size_t bytes)
{
    test_limit = bytes;
}

struct bsc *bsc_new(void)
{
    const char *no = getenv("OPE_TEST_NO_STREAM_CACHE");
    if (no && *no)
        return NULL;
    struct bsc *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fd = ope_tmp_anon("ope-batches");
#ifdef __linux__
    struct statfs fs;
    if (c->fd >= 0 && fstatfs(c->fd, &fs) == 0 &&
        ((long)fs.f_type == TMPFS_MAGIC_ || (long)fs.f_type == RAMFS_MAGIC_)) {
        close(c->fd);
        c->fd = -1;
    }
#endif
    if (c->fd < 0) {
        free(c);
        return NULL;
    }
    return c;
}

void bsc_free(struct bsc *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    free(c->col);
    free(c);
}

static int col_kind(const struct loader *L, size_t j)
{
    return L->val[j] ? COL_NUM : L->ctx[j].code ? COL_CODE : COL_NONE;
}

/* Whether L's columns are of the kinds the cache was written with. */
static int same_shape(const struct bsc *c, const struct loader *L)
{
    if (!c->shaped || c->n_cols != L->r.n_cols || c->has_pos != (L->pos != NULL))
        return 0;
    for (size_t j = 0; j < c->n_cols; j++)
        if (c->col[j] != col_kind(L, j))
            return 0;
    return 1;
}

static void give_up(struct bsc *c)
{
    c->state = BSC_IDLE;
    c->shaped = 0;
    if (ftruncate(c->fd, 0) != 0) {
        /* The file is unlinked: what it keeps goes when the stream closes. */
    }
}

void bsc_drop(struct bsc *c)
{
    if (c)
        give_up(c);
}

void bsc_write_start(struct bsc *c, size_t lo)
{
    if (!c)
        return;
    give_up(c);
    if (c->full || lseek(c->fd, 0, SEEK_SET) != 0)
        return;
    c->state = BSC_WRITING;
    c->lo = c->next = lo;
    c->bytes = 0;
}

/* Whether size more bytes leave the file system enough free space. */
static int room_for(const struct bsc *c, unsigned long long size)
{
    if (test_limit)
        return c->bytes + size <= test_limit;
    struct statvfs fs;
    if (fstatvfs(c->fd, &fs) != 0)
        return 0;
    unsigned long long unit = fs.f_frsize ? fs.f_frsize : fs.f_bsize;
    unsigned long long avail = (unsigned long long)fs.f_bavail * unit;
    unsigned long long keep = (unsigned long long)((double)fs.f_blocks * (double)unit *
                                                   KEEP_FREE_SHARE);
    if (keep < KEEP_FREE_BYTES)
        keep = KEEP_FREE_BYTES;
    return avail > keep && avail - keep >= size;
}

static int put(struct bsc *c, const void *p, size_t size)
{
    if (ope_fd_write_all(c->fd, p, size) != 0)
        return -1;
    c->bytes += size;
    return 0;
}

void bsc_write_batch(struct bsc *c, const struct loader *L)
{
    if (!c || c->state != BSC_WRITING)
        return;
    if (!c->shaped) {
        unsigned char *col = realloc(c->col, L->r.n_cols ? L->r.n_cols : 1);
        if (!col) {
            give_up(c);
            return;
        }
        c->col = col;
        c->n_cols = L->r.n_cols;
        c->has_pos = L->pos != NULL;
        for (size_t j = 0; j < c->n_cols; j++)
            c->col[j] = (unsigned char)col_kind(L, j);
        c->shaped = 1;
    }
    size_t n = L->n;
    unsigned long long size = 2 * sizeof(uint64_t) +
                              n * (sizeof *L->action + sizeof *L->reward + sizeof *L->pscore +
                                   sizeof *L->line + (c->has_pos ? sizeof *L->pos : 0));
    for (size_t j = 0; j < c->n_cols; j++)
        size += c->col[j] == COL_NUM ? n * sizeof(double)
              : c->col[j] == COL_CODE ? n * sizeof(int) : 0;
    /* A column that turned categorical (or one the batch lacks), a batch that does not
     * follow the last, no room: the pass goes on without the cache. */
    if (!same_shape(c, L) || L->row0 != c->next) {
        give_up(c);
        return;
    }
    if (!room_for(c, size)) {
        c->full = 1;
        give_up(c);
        return;
    }
    uint64_t head[2] = { (uint64_t)L->row0, (uint64_t)n };
    int rc = put(c, head, sizeof head);
    rc |= put(c, L->action, n * sizeof *L->action);
    rc |= put(c, L->reward, n * sizeof *L->reward);
    rc |= put(c, L->pscore, n * sizeof *L->pscore);
    rc |= put(c, L->line, n * sizeof *L->line);
    if (c->has_pos)
        rc |= put(c, L->pos, n * sizeof *L->pos);
    for (size_t j = 0; j < c->n_cols && rc == 0; j++) {
        if (c->col[j] == COL_NUM)
            rc |= put(c, L->val[j], n * sizeof(double));
        else if (c->col[j] == COL_CODE)
            rc |= put(c, L->ctx[j].code, n * sizeof(int));
    }
    if (rc != 0) {
        give_up(c);
        return;
    }
    c->next += n;
}

void bsc_write_end(struct bsc *c, size_t hi)
{
    if (!c || c->state != BSC_WRITING)
        return;
    if (hi != c->next || !c->shaped) {
        give_up(c);
        return;
    }
    c->state = BSC_READY;
    c->hi = hi;
}

int bsc_covers(const struct bsc *c, size_t lo, size_t hi, const struct loader *L)
{
    return c && c->state == BSC_READY && c->lo == lo && c->hi == hi && lo < hi &&
           same_shape(c, L);
}

int bsc_read_start(struct bsc *c)
{
    if (!c || c->state != BSC_READY)
        return -1;
    if (lseek(c->fd, 0, SEEK_SET) != 0) {
        give_up(c);
        return -1;
    }
    c->next = c->lo;
    return 0;
}

static int get(struct bsc *c, void *p, size_t size)
{
    return ope_fd_read_all(c->fd, p, size);
}

int bsc_read_batch(struct bsc *c, struct loader *L, int *eof, struct ope_progress *progress,
                   const char *path, struct ope_error *err)
{
    L->n = 0;
    L->row0 = c->next;
    if (c->next >= c->hi) {
        *eof = 1;
        return 0;
    }
    if (ope_progress_cancelled(progress))
        return ope_fail(err, OPE_EINTERRUPTED, "%s: loading cancelled", path);
    errno = 0;
    uint64_t head[2];
    int rc = get(c, head, sizeof head);
    size_t n = rc == 0 ? (size_t)head[1] : 0;
    if (rc == 0 && (head[0] != c->next || n == 0 || n > c->hi - c->next))
        rc = -1;
    if (rc == 0 && n > L->cap && blog_loader_reserve(L, n, err) < 0)
        return -1;
    if (rc == 0)
        rc = get(c, L->action, n * sizeof *L->action) | get(c, L->reward, n * sizeof *L->reward) |
             get(c, L->pscore, n * sizeof *L->pscore) | get(c, L->line, n * sizeof *L->line);
    if (rc == 0 && c->has_pos)
        rc = get(c, L->pos, n * sizeof *L->pos);
    for (size_t j = 0; j < c->n_cols && rc == 0; j++) {
        if (c->col[j] == COL_NUM)
            rc = get(c, L->val[j], n * sizeof(double));
        else if (c->col[j] == COL_CODE)
            rc = get(c, L->ctx[j].code, n * sizeof(int));
    }
    if (rc != 0) {
        int e = errno;
        give_up(c);
        return ope_fail(err, OPE_ENOINPUT, "%s: the temporary copy of its parsed rows (in "
                        "%s) could not be read back: %s", path, ope_tmp_dir(),
                        e ? strerror(e) : "it is short");
    }
    L->n = n;
    c->next += n;
    *eof = c->next >= c->hi;
    if (progress) {
        char label[64];
        snprintf(label, sizeof label, "reading: %zu of %zu rows", c->next - c->lo,
                 c->hi - c->lo);
        ope_progress_report(progress, (double)(c->next - c->lo) / (double)(c->hi - c->lo),
                            label);
    }
    return 0;
}
