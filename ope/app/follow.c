/* ope/app/follow.c: the reader of a growing log (follow.h). Looks fall on exact row
 * counts (every k-th complete record after the header, as the loader counts rows),
 * whatever sizes the reads come in, so what is printed depends on the data alone. */
#include "config.h"
#include "ope/app/follow.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ope/base/error.h"

void follow_opts_init(struct follow_opts *o)
{
    memset(o, 0, sizeof *o);
    o->every = 1000;
    o->idle = 5.0;
    o->poll = 0.1;
}

struct fbuf {
    char *b;
    size_t len, cap;
    size_t scanned;     /* bytes searched for line ends */
    size_t lines;       /* complete records, the header included */
    size_t looked;      /* rows at the last look */
    size_t line_start;  /* where the record being scanned starts */
    int inq;            /* inside a quoted field (its newlines end no record) */
};

/* Does byte k end a record the loader counts as a row? The reader's own rule
 * (datasets/csv.c): a newline outside quotes ends a record, every '"' toggles quoting;
 * a blank record (nothing, or a lone '\r') is skipped by the loaders, so it is no row. */
static int record_end(struct fbuf *f, size_t k)
{
    char c = f->b[k];
    if (c == '"')
        f->inq = !f->inq;
    if (c != '\n' || f->inq)
        return 0;
    size_t len = k - f->line_start;
    f->line_start = k + 1;
    return !(len == 0 || (len == 1 && f->b[k - 1] == '\r'));
}

static int fbuf_append(struct fbuf *f, const char *s, size_t n, struct ope_error *err)
{
    if (f->len + n + 1 > f->cap) {
        size_t cap = f->cap ? f->cap : 65536;
        while (cap < f->len + n + 1)
            cap *= 2;
        char *b = realloc(f->b, cap);
        if (!b)
            return ope_fail_oom(err);
        f->b = b;
        f->cap = cap;
    }
    memcpy(f->b + f->len, s, n);
    f->len += n;
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void nap(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    nanosleep(&ts, NULL);   /* EINTR (Ctrl-C): the caller looks at the flag */
}

/* Scan the new bytes for line ends; at each row count that is a multiple of every,
 * look at the lines up to it. 0, 1 (stop) or -1. */
static int scan(struct fbuf *f, const struct follow_opts *o, follow_fn fn, void *ctx,
                struct ope_error *err)
{
    for (; f->scanned < f->len; f->scanned++) {
        if (!record_end(f, f->scanned))
            continue;
        f->lines++;
        size_t rows = f->lines - 1;
        if (rows == 0 || !o->every || rows % o->every != 0)
            continue;
        f->looked = rows;
        int rc = fn(ctx, f->b, f->scanned + 1, rows, 0, err);
        if (rc != 0) {
            f->scanned++;
            return rc;
        }
    }
    return 0;
}

/* A compressed stream cannot be cut at line ends: refuse it by its magic bytes. */
static int check_plain(const struct fbuf *f, const char *path, struct ope_error *err)
{
    const unsigned char *u = (const unsigned char *)f->b;
    int gz = f->len >= 2 && u[0] == 0x1f && u[1] == 0x8b;
    int zst = f->len >= 4 && u[0] == 0x28 && u[1] == 0xb5 && u[2] == 0x2f && u[3] == 0xfd;
    if (gz || zst)
        return ope_fail(err, OPE_EUSAGE, "%s: a %s file cannot be followed; decompress it "
                        "into a pipe: %s %s | ope ... -", path, gz ? "gzip" : "zstd",
                        gz ? "zcat" : "zstdcat", path);
    return 0;
}

/* A followed file must only grow: one truncated, rewritten or replaced (renamed over)
 * under the reader would hand it the tail of other bytes, or nothing more, as if they
 * were this log's rows. Checked whenever the end is reached: the size against the
 * bytes read, the first bytes against those read, and what path names now (not for
 * standard input). A truncation followed within one poll by a rewrite of the same
 * first 4 KiB and more bytes than were read cannot be seen. */
static int check_same(int fd, const char *path, int named, const struct fbuf *f,
                      struct ope_error *err)
{
    struct stat st, sp;
    size_t rows = f->looked;    /* what the updates written so far stand on */
    if (fstat(fd, &st) != 0)
        return ope_fail(err, OPE_ENOINPUT, "%s: read error: %s", path, strerror(errno));
    if ((uintmax_t)st.st_size < (uintmax_t)f->len)
        return ope_fail(err, OPE_ENOINPUT, "%s: the file shrank from %zu to %jd bytes while "
                        "it was followed (truncated or rewritten); the updates written cover "
                        "its first %zu rows; --follow reads a log that is only appended to",
                        path, f->len, (intmax_t)st.st_size, rows);
    char head[4096];
    size_t k = f->len < sizeof head ? f->len : sizeof head;
    if (k && (pread(fd, head, k, 0) != (ssize_t)k || memcmp(head, f->b, k) != 0))
        return ope_fail(err, OPE_ENOINPUT, "%s: its first bytes changed while it was "
                        "followed (rewritten); the updates written cover its first %zu rows; "
                        "--follow reads a log that is only appended to", path, rows);
    if (named && stat(path, &sp) == 0 && (sp.st_ino != st.st_ino || sp.st_dev != st.st_dev))
        return ope_fail(err, OPE_ENOINPUT, "%s: the name now holds another file (renamed "
                        "over or rotated) while the old one was followed; the updates "
                        "written cover the old file's first %zu rows; follow the new one with another command",
                        path, rows);
    return 0;
}

static int follow_fd(int fd, int regular, int named, const char *path,
                     const struct follow_opts *o, follow_fn fn, void *ctx, struct fbuf *f,
                     struct ope_error *err)
{
    char tmp[65536];
    double grew = now();
    int sniffed = 0;
    for (;;) {
        if (ope_progress_cancelled(o->progress))
            return 2;
        ssize_t n = read(fd, tmp, sizeof tmp);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return ope_fail(err, OPE_ENOINPUT, "%s: read error: %s", path, strerror(errno));
        if (n > 0) {
            grew = now();
            if (fbuf_append(f, tmp, (size_t)n, err) != 0)
                return -1;
            if (!sniffed && f->len >= 4) {
                sniffed = 1;
                if (check_plain(f, path, err) != 0)
                    return -1;
            }
            int rc = scan(f, o, fn, ctx, err);
            if (rc != 0)
                return rc;
            continue;
        }
        /* The end for now: a pipe has ended; a regular file may still grow. */
        if (regular && check_same(fd, path, named, f, err) != 0)
            return -1;
        if (regular && o->idle > 0 && now() - grew < o->idle) {
            nap(o->poll);
            continue;
        }
        break;
    }
    if (check_plain(f, path, err) != 0)
        return -1;
    /* The last line may lack its newline: it is a row all the same. */
    if (f->len > f->scanned || (f->len && f->b[f->len - 1] != '\n')) {
        if (fbuf_append(f, "\n", 1, err) != 0)
            return -1;
        for (; f->scanned < f->len; f->scanned++)
            f->lines += (size_t)record_end(f, f->scanned);
    }
    size_t rows = f->lines ? f->lines - 1 : 0;
    int rc = fn(ctx, f->b ? f->b : "", f->len, rows, 1, err);
    return rc < 0 ? -1 : 0;
}

int follow_run(const char *path, const struct follow_opts *o, follow_fn fn, void *ctx,
               struct ope_error *err)
{
    int std = strcmp(path, "-") == 0;
    /* Opening a FIFO waits for its writer, however long (--idle is for files):
     * Ctrl-C then interrupts the open, and is the same clean end as during reading. */
    int fd = std ? STDIN_FILENO : open(path, O_RDONLY);
    if (fd < 0 && errno == EINTR && ope_progress_cancelled(o->progress))
        return 2;
    if (fd < 0)
        return ope_fail(err, OPE_ENOINPUT, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    int bad = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (bad) {
        if (!std)
            close(fd);
        return ope_fail(err, OPE_ENOINPUT, "%s: cannot read: %s", path,
                        bad == EISDIR ? "a directory" : strerror(bad));
    }
    struct fbuf f = { 0 };
    int rc = follow_fd(fd, S_ISREG(st.st_mode), !std, path, o, fn, ctx, &f, err);
    if (!std)
        close(fd);
    free(f.b);
    return rc;
}
