/* datasets/members.c: the index of a compressed file's members (members.h). A BGZF
 * member's header names its length (SAM/BAM specification, 4.1: the 'BC' extra
 * subfield holds the member's size less one) and its trailer its decompressed size
 * (RFC 1952's ISIZE, exact since a member is at most 64 KB); a zstd frame's header
 * may hold its decompressed size (RFC 8878, Frame_Content_Size) and its blocks name
 * their lengths, which libzstd walks (ZSTD_findFrameCompressedSize). */
#include "config.h"
#include "datasets/members.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

static int grow(struct in_members *m, size_t *cap, uint64_t raw, uint64_t out,
                struct ope_error *err)
{
    if (m->n + 1 >= *cap) {
        size_t c = *cap ? *cap * 2 : 1024;
        uint64_t *r = ope_realloc(m->raw, c * sizeof *r, err);
        if (!r)
            return -1;
        m->raw = r;
        uint64_t *o = ope_realloc(m->out, c * sizeof *o, err);
        if (!o)
            return -1;
        m->out = o;
        *cap = c;
    }
    m->raw[m->n] = raw;
    m->out[m->n] = out;
    m->n++;
    return 0;
}

/* n bytes at off: 1 all read, 0 the file ends first, -1 with err. */
static int read_at(int fd, void *buf, size_t n, uint64_t off, const char *path,
                   struct ope_error *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return ope_fail(err, OPE_ENOINPUT, "%s: read error: %s", path, strerror(errno));
        if (k == 0)
            return 0;
        got += (size_t)k;
    }
    return 1;
}

static unsigned le16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* BGZF: every member a gzip member with FEXTRA and a 'BC' subfield of 2 bytes. */
static int gzip_walk(int fd, uint64_t size, const char *path, struct in_members *m,
                     size_t *cap, struct ope_error *err)
{
    unsigned char h[12], x[65535 + 4];
    uint64_t at = 0, out = 0;
    while (at < size) {
        int rc = read_at(fd, h, sizeof h, at, path, err);
        if (rc <= 0)
            return rc;
        if (h[0] != 0x1F || h[1] != 0x8B || h[2] != 8 || !(h[3] & 4) || (h[3] & 0xE0))
            return 0;
        unsigned xlen = le16(h + 10);
        if ((rc = read_at(fd, x, xlen, at + 12, path, err)) <= 0)
            return rc;
        uint64_t bsize = 0;
        for (unsigned i = 0; i + 4 <= xlen;) {
            unsigned slen = le16(x + i + 2);
            if (x[i] == 'B' && x[i + 1] == 'C' && slen == 2 && i + 6 <= xlen)
                bsize = (uint64_t)le16(x + i + 4) + 1;
            i += 4 + slen;
        }
        /* (the header, then at least an empty deflate block and the trailer) */
        if (bsize < 12 + (uint64_t)xlen + 2 + 8 || bsize > size - at)
            return 0;
        if ((rc = read_at(fd, x, 4, at + bsize - 4, path, err)) <= 0)
            return rc;
        if (grow(m, cap, at, out, err) < 0)
            return -1;
        out += le32(x);
        at += bsize;
    }
    return grow(m, cap, at, out, err) < 0 ? -1 : 1;
}

/* zstd: frames with their decompressed size, and no skippable frame (its end would be
 * a frame's beginning that no member names, which the decoders' check cannot tell
 * from a wrong index). */
static int zstd_walk(int fd, uint64_t size, struct in_members *m, size_t *cap,
                     struct ope_error *err)
{
    if (size > SIZE_MAX)
        return 0;
    const unsigned char *map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        return 0;
    /* (only the frame and block headers are read) */
    madvise((void *)map, (size_t)size, MADV_RANDOM);
    uint64_t at = 0, out = 0;
    int rc = 1;
    while (rc == 1 && at < size) {
        const unsigned char *p = map + at;
        size_t left = (size_t)(size - at);
        if (left < 4 || memcmp(p, "\x28\xB5\x2F\xFD", 4) != 0) {
            rc = 0;
            break;
        }
        unsigned long long fcs = ZSTD_getFrameContentSize(p, left);
        size_t cs = ZSTD_findFrameCompressedSize(p, left);
        if (fcs == ZSTD_CONTENTSIZE_UNKNOWN || fcs == ZSTD_CONTENTSIZE_ERROR ||
            ZSTD_isError(cs) || cs == 0 || fcs > UINT64_MAX - out)
            rc = 0;
        else if (grow(m, cap, at, out, err) < 0)
            rc = -1;
        out += fcs;
        at += cs;
    }
    munmap((void *)map, (size_t)size);
    if (rc == 1 && grow(m, cap, size, out, err) < 0)
        rc = -1;
    return rc;
}

int in_members_find(int fd, const char *path, struct in_members *m, struct ope_error *err)
{
    memset(m, 0, sizeof *m);
    struct stat st;
    unsigned char magic[4];
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 4)
        return 0;
    int rc = read_at(fd, magic, sizeof magic, 0, path, err);
    size_t cap = 0;
    if (rc == 1 && magic[0] == 0x1F && magic[1] == 0x8B)
        rc = gzip_walk(fd, (uint64_t)st.st_size, path, m, &cap, err);
    else if (rc == 1 && memcmp(magic, "\x28\xB5\x2F\xFD", 4) == 0)
        rc = zstd_walk(fd, (uint64_t)st.st_size, m, &cap, err);
    else if (rc == 1)
        rc = 0;
    /* (the terminal entry makes n one more than the members) */
    if (rc == 1 && m->n >= 2) {
        m->n--;
        return 1;
    }
    in_members_release(m);
    return rc < 0 ? -1 : 0;
}

void in_members_release(struct in_members *m)
{
    free(m->raw);
    free(m->out);
    memset(m, 0, sizeof *m);
}

size_t in_members_at(const struct in_members *m, uint64_t off)
{
    size_t lo = 0, hi = m->n;       /* the answer is in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->out[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

size_t in_members_at_raw(const struct in_members *m, uint64_t raw)
{
    size_t lo = 0, hi = m->n;       /* members [lo, hi) may begin there */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->raw[mid] == raw)
            return mid;
        if (m->raw[mid] < raw)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

void in_members_distrust(const struct in_members *m)
{
    __atomic_store_n(&((struct in_members *)m)->distrusted, 1, __ATOMIC_RELAXED);
}

int in_members_trusted(const struct in_members *m)
{
    return !__atomic_load_n(&m->distrusted, __ATOMIC_RELAXED);
}

/* The files indexed so far: a few, each found once (a log is read in several passes,
 * each opening it again), kept to the process's end. */
#define KEPT 16

static struct kept {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime, ctime;
    struct in_members *m;       /* NULL: the file has no index */
} kept[KEPT];
static size_t n_kept;
static pthread_mutex_t kept_mu = PTHREAD_MUTEX_INITIALIZER;

void in_members_test_forget(void)
{
    pthread_mutex_lock(&kept_mu);
    for (size_t k = 0; k < n_kept; k++)
        if (kept[k].m) {
            in_members_release(kept[k].m);
            free(kept[k].m);
        }
    n_kept = 0;
    pthread_mutex_unlock(&kept_mu);
}

const struct in_members *in_members_of(int fd, const char *path)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return NULL;
    pthread_mutex_lock(&kept_mu);
    for (size_t k = 0; k < n_kept; k++) {
        const struct kept *e = &kept[k];
        if (e->dev == st.st_dev && e->ino == st.st_ino && e->size == st.st_size &&
            e->mtime.tv_sec == st.st_mtim.tv_sec && e->mtime.tv_nsec == st.st_mtim.tv_nsec &&
            e->ctime.tv_sec == st.st_ctim.tv_sec && e->ctime.tv_nsec == st.st_ctim.tv_nsec) {
            const struct in_members *m = e->m;
            pthread_mutex_unlock(&kept_mu);
            return m;
        }
    }
    struct ope_error err = { 0 };
    struct in_members *m = malloc(sizeof *m);
    if (m && in_members_find(fd, path, m, &err) != 1) {
        free(m);
        m = NULL;
    }
    if (n_kept < KEPT)
        kept[n_kept++] = (struct kept){ st.st_dev, st.st_ino, st.st_size, st.st_mtim,
                                        st.st_ctim, m };
    else if (m) {
        /* (no room to keep it: not used, rather than freed under a caller) */
        in_members_release(m);
        free(m);
        m = NULL;
    }
    pthread_mutex_unlock(&kept_mu);
    return m;
}
