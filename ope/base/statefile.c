/* ope/base/statefile.c: the checked state container of statefile.h. Every check is
 * made on the whole byte string before any part of it is handed out, so a reader
 * never acts on half a state. */
#include "config.h"
#include "ope/base/statefile.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ope/base/outfile.h"
#include "ope/base/sha256.h"

static const char magic[8] = { 'O', 'P', 'E', 'S', 'T', 'A', 'T', 'E' };

/* A state file larger than this is refused before it is read (a damaged length, or
 * not a state). A bandit state of 100 policies x 10 settings x B = 10,000 is far
 * below it. */
#define SF_MAX_BYTES ((uint64_t)1 << 36)

void sf_put_u64(struct strbuf *sb, uint64_t v)
{
    char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (char)(unsigned char)(v >> (8 * i));
    strbuf_add(sb, b, 8);
}

static void put_u32(struct strbuf *sb, uint32_t v)
{
    char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (char)(unsigned char)(v >> (8 * i));
    strbuf_add(sb, b, 4);
}

void sf_put_f64(struct strbuf *sb, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    sf_put_u64(sb, u);
}

void sf_put_str(struct strbuf *sb, const char *s)
{
    size_t n = strlen(s);
    put_u32(sb, (uint32_t)n);
    strbuf_add(sb, s, n);
}

void sf_put_xsum(struct strbuf *sb, const struct ope_xsum *x)
{
    for (int j = 0; j < 3; j++)
        sf_put_u64(sb, (uint64_t)x->w[j]);
    put_u32(sb, (uint32_t)x->top);
    put_u32(sb, x->special);
}

void sf_put_sum(struct strbuf *sb, const struct ope_sum *k)
{
    sf_put_f64(sb, k->s);
    sf_put_f64(sb, k->c);
}

/* v's 8 bytes, little-endian, at p. */
static void le64_store(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* The bits of entry i's word j of x, an array of entries of w doubles each. */
static uint64_t word(const unsigned char *x, size_t i, size_t w, size_t j)
{
    uint64_t u;
    memcpy(&u, x + 8 * (i * w + j), sizeof u);
    return u;
}

/* The dense form of n entries of w doubles each at sb's end. */
static void put_dense(struct strbuf *sb, const unsigned char *x, size_t n, size_t w)
{
    unsigned char *p = (unsigned char *)strbuf_extend(sb, 8 + n * w * 8);
    if (!p)
        return;
    le64_store(p, 0);
    for (size_t i = 0; i < n * w; i++)
        le64_store(p + 8 + 8 * i, word(x, i, 1, 0));
}

/* sf_put_sums and sf_put_f64s: n entries of w doubles at x. The sparse form is written
 * in one scan, and given up for the dense one as soon as it would be no shorter (the
 * pairs take 8 + 8w bytes, a dense entry 8w). */
static void put_entries(struct strbuf *sb, const unsigned char *x, size_t n, size_t w)
{
    size_t start = sb->len, limit = n * w * 8, used = 0, k = 0;
    if (!strbuf_extend(sb, 16))
        return;
    for (size_t i = 0; i < n; i++) {
        int zero = 1;
        for (size_t j = 0; j < w; j++)
            zero &= word(x, i, w, j) == 0;
        if (zero)
            continue;
        used += 8 + 8 * w;
        if (used >= limit)
            break;
        unsigned char *p = (unsigned char *)strbuf_extend(sb, 8 + 8 * w);
        if (!p)
            return;
        le64_store(p, i);
        for (size_t j = 0; j < w; j++)
            le64_store(p + 8 + 8 * j, word(x, i, w, j));
        k++;
    }
    if (used >= limit) {
        sb->len = start;
        put_dense(sb, x, n, w);
        return;
    }
    unsigned char *head = (unsigned char *)sb->buf + start;
    le64_store(head, 1);
    le64_store(head + 8, k);
}

void sf_put_sums(struct strbuf *sb, const struct ope_sum *a, size_t n)
{
    /* (struct ope_sum is two doubles, s then c: the words sf_put_sum writes) */
    _Static_assert(sizeof(struct ope_sum) == 2 * sizeof(double)
                   && offsetof(struct ope_sum, c) == sizeof(double), "ope_sum is s, c");
    put_entries(sb, (const unsigned char *)a, n, 2);
}

void sf_put_f64s(struct strbuf *sb, const double *a, size_t n)
{
    put_entries(sb, (const unsigned char *)a, n, 1);
}

int sf_seal(struct strbuf *out, const char *kind, const char *settings,
            const struct strbuf *payload, struct ope_error *err)
{
    strbuf_reset(out);
    strbuf_add(out, magic, sizeof magic);
    put_u32(out, SF_VERSION);
    put_u32(out, 0);
    sf_put_str(out, kind);
    sf_put_str(out, settings);
    sf_put_u64(out, payload->len);
    if (payload->len)
        strbuf_add(out, payload->buf, payload->len);
    if (strbuf_failed(out) || strbuf_failed(payload))
        return ope_fail_oom(err);
    unsigned char h[32];
    struct sha256 s;
    sha256_init(&s);
    sha256_update(&s, out->buf, out->len);
    sha256_final(&s, h);
    strbuf_add(out, (const char *)h, sizeof h);
    return strbuf_failed(out) ? ope_fail_oom(err) : 0;
}

int sf_write(const char *path, int force, const char *kind, const char *settings,
             const struct strbuf *payload, struct ope_error *err)
{
    struct strbuf sb = STRBUF_INIT;
    int rc = -1;
    if (sf_seal(&sb, kind, settings, payload, err) == 0) {
        struct ope_outfile *f = ope_outfile_open(path, force, err);
        if (f) {
            if (ope_outfile_write(f, sb.buf, sb.len, err) == 0)
                rc = ope_outfile_commit(f, err);
            else
                ope_outfile_abort(f);
        }
    }
    strbuf_release(&sb);
    return rc;
}

/* ---- reading ------------------------------------------------------------------------ */

static uint64_t le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* A string of the header at *off (bounded by end); NULL when it runs past end. */
static char *header_str(const unsigned char *b, size_t *off, size_t end, struct ope_error *err)
{
    if (end - *off < 4)
        return NULL;
    uint64_t len = le(b + *off, 4);
    if (len > end - *off - 4)
        return NULL;
    char *s = ope_strndup((const char *)b + *off + 4, (size_t)len, err);
    *off += 4 + (size_t)len;
    return s;
}

void sf_close(struct sf_state *st)
{
    free(st->kind);
    free(st->settings);
    free(st->mem);
    memset(st, 0, sizeof *st);
}

/* How open_checked keeps the payload: copied into memory of its own; in buf, which
 * st then owns (from malloc: the caller frees it on failure), so a state read from a
 * file is not copied again; in buf, borrowed. */
enum keep { KEEP_COPY, KEEP_OWN, KEEP_VIEW };

static int open_checked(struct sf_state *st, const void *buf, size_t n, const char *name,
                        const char *kind, enum keep keep, struct ope_error *err)
{
    const unsigned char *b = buf;
    memset(st, 0, sizeof *st);
    st->name = name;
    if (n < sizeof magic + 8 || memcmp(b, magic, sizeof magic) != 0)
        return ope_fail(err, OPE_EDATA, "%s: not an ope state file (it does not begin with "
                        "OPESTATE); give a file written by --save-state", name);
    uint32_t version = (uint32_t)le(b + 8, 4);
    if (version != SF_VERSION)
        return ope_fail(err, OPE_EDATA, "%s: a state of format version %u; this ope reads "
                        "version %u: make the state again with this ope", name, version,
                        SF_VERSION);
    if (n < sizeof magic + 8 + 32)
        goto truncated;
    /* The checksum first: nothing of a damaged state is believed, not even its
     * lengths. */
    unsigned char h[32];
    struct sha256 s;
    sha256_init(&s);
    sha256_update(&s, b, n - 32);
    sha256_final(&s, h);
    if (memcmp(h, b + n - 32, 32) != 0) {
        /* Tell a cut-short file from damaged bytes when the lengths allow it. */
        size_t off = 16, end = n - 32;
        for (int i = 0; i < 2 && end - off >= 4; i++) {
            uint64_t len = le(b + off, 4);
            off = len > end - off - 4 ? end : off + 4 + (size_t)len;
        }
        if (end - off >= 8 && le(b + off, 8) > end - off - 8)
            goto truncated;
        return ope_fail(err, OPE_EDATA, "%s: damaged state: its SHA-256 does not match its "
                        "contents (the file was changed or corrupted); make it again",
                        name);
    }
    size_t off = 16, end = n - 32;
    st->kind = header_str(b, &off, end, err);
    st->settings = st->kind ? header_str(b, &off, end, err) : NULL;
    if (!st->kind || !st->settings || end - off < 8) {
        sf_close(st);
        goto truncated;
    }
    uint64_t len = le(b + off, 8);
    off += 8;
    if (len != end - off) {
        sf_close(st);
        goto truncated;
    }
    if (kind && strcmp(st->kind, kind) != 0) {
        int rc = ope_fail(err, OPE_EDATA, "%s: a state of kind '%s', where '%s' was expected",
                          name, st->kind, kind);
        sf_close(st);
        return rc;
    }
    st->name = name;
    st->n = (size_t)len;
    if (keep != KEEP_COPY) {
        st->data = (unsigned char *)b + off;
        st->mem = keep == KEEP_OWN ? (void *)b : NULL;
        return 0;
    }
    st->data = st->mem = ope_malloc(st->n + 1, err);
    if (!st->data) {
        sf_close(st);
        return -1;
    }
    if (st->n)
        memcpy(st->data, b + off, st->n);
    return 0;
truncated:
    return ope_fail(err, OPE_EDATA, "%s: truncated state (%zu bytes: its lengths do not add "
                    "up); make it again", name, n);
}

int sf_open_bytes(struct sf_state *st, const void *buf, size_t n, const char *name,
                  const char *kind, struct ope_error *err)
{
    return open_checked(st, buf, n, name, kind, KEEP_COPY, err);
}

void sf_cursor(struct sf_state *st, const void *payload, size_t n, const char *name,
               const char *kind)
{
    memset(st, 0, sizeof *st);
    st->data = (unsigned char *)payload;
    st->n = n;
    st->name = name;
    st->kind = (char *)kind;
}

int sf_open_view(struct sf_state *st, const void *buf, size_t n, const char *name,
                 const char *kind, struct ope_error *err)
{
    return open_checked(st, buf, n, name, kind, KEEP_VIEW, err);
}

/* A state file read into one growing buffer, no further than asked. */
struct rd {
    FILE *f;
    unsigned char *buf;
    size_t n, cap;
};

/* Make r hold want bytes, reading no more: 1; 0 when the file ends first; -1 on a read
 * error (errno) or out of memory (errno ENOMEM). */
static int rd_fill(struct rd *r, size_t want)
{
    if (want > r->cap) {
        size_t cap = 2 * r->cap > want ? 2 * r->cap : want;
        unsigned char *b = realloc(r->buf, cap < 4096 ? 4096 : cap);
        if (!b) {
            errno = ENOMEM;
            return -1;
        }
        r->buf = b;
        r->cap = cap < 4096 ? 4096 : cap;
    }
    while (r->n < want) {
        size_t got = fread(r->buf + r->n, 1, want - r->n, r->f);
        if (got == 0)
            return ferror(r->f) ? -1 : 0;
        r->n += got;
    }
    return 1;
}

/* The longest kind and settings texts a state may have (a real one's are far shorter):
 * a damaged length is refused before it is read. */
#define SF_MAX_KIND 4096
#define SF_MAX_SETTINGS ((uint64_t)16 << 20)

/* The state container of path read header first: what the header says is checked
 * (magic, version, lengths) before the rest is read, and against the file's size when
 * it has one, so a damaged file of gigabytes is refused after a few bytes; a pipe is
 * read to the declared end and one byte past it. 0 with r holding exactly the
 * container, or -1 with err. */
static int read_container(struct rd *r, const char *path, int regular, uint64_t size,
                          struct ope_error *err)
{
    int got = rd_fill(r, 16);
    if (got > 0 && memcmp(r->buf, magic, sizeof magic) != 0)
        got = -2;
    if (got == 0 && r->n >= sizeof magic && memcmp(r->buf, magic, sizeof magic) == 0)
        goto truncated;
    if (got == 0 || got == -2)
        return ope_fail(err, OPE_EDATA, "%s: not an ope state file (it does not begin with "
                        "OPESTATE); give a file written by --save-state", path);
    if (got < 0)
        goto bad_read;
    uint32_t version = (uint32_t)le(r->buf + 8, 4);
    if (version != SF_VERSION)
        return ope_fail(err, OPE_EDATA, "%s: a state of format version %u; this ope reads "
                        "version %u: make the state again with this ope", path, version,
                        SF_VERSION);
    uint64_t at = 16;
    for (int i = 0; i < 2; i++) {       /* kind, settings: u32 length, then the bytes */
        if ((got = rd_fill(r, (size_t)at + 4)) <= 0)
            goto short_read;
        uint64_t len = le(r->buf + at, 4);
        if (len > (i == 0 ? SF_MAX_KIND : SF_MAX_SETTINGS))
            return ope_fail(err, OPE_EDATA, "%s: damaged state: its header gives its %s a "
                            "length of %llu bytes; make it again", path,
                            i == 0 ? "kind" : "settings", (unsigned long long)len);
        at += 4 + len;
        if (regular && at + 8 + 32 > size)
            goto truncated;
        if ((got = rd_fill(r, (size_t)at)) <= 0)
            goto short_read;
    }
    if ((got = rd_fill(r, (size_t)at + 8)) <= 0)
        goto short_read;
    uint64_t len = le(r->buf + at, 8);
    if (len > SF_MAX_BYTES)
        return ope_fail(err, OPE_EDATA, "%s: not an ope state file (larger than any state)",
                        path);
    uint64_t total = at + 8 + len + 32;
    /* Told from the header alone: a state with gigabytes appended is not read whole
     * before it is refused. */
    if (regular && total < size)
        return ope_fail(err, OPE_EDATA, "%s: damaged state: %llu bytes after the end of the "
                        "state it holds (%llu bytes); make it again", path,
                        (unsigned long long)(size - total), (unsigned long long)total);
    if (regular && total > size)
        goto truncated;
    if ((got = rd_fill(r, (size_t)total + 1)) < 0)
        goto bad_read;
    if (r->n < total)
        goto truncated;
    if (r->n > total)
        return ope_fail(err, OPE_EDATA, "%s: damaged state: bytes after the end of the state "
                        "it holds (%llu bytes); make it again", path,
                        (unsigned long long)total);
    return 0;
short_read:
    if (got == 0)
        goto truncated;
bad_read:
    if (errno == ENOMEM)
        return ope_fail_oom(err);
    return ope_fail(err, OPE_ENOINPUT, "%s: read error: %s", path, strerror(errno));
truncated:
    return ope_fail(err, OPE_EDATA, "%s: truncated state (%llu bytes: its lengths do not "
                    "add up); make it again", path,
                    (unsigned long long)(regular ? size : (uint64_t)r->n));
}

int sf_open_file(struct sf_state *st, const char *path, const char *kind,
                 struct ope_error *err)
{
    memset(st, 0, sizeof *st);
    FILE *f = fopen(path, "rb");
    if (!f)
        return ope_fail(err, OPE_ENOINPUT, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    int regular = fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode);
    if (!regular && S_ISDIR(sb.st_mode)) {
        fclose(f);
        return ope_fail(err, OPE_ENOINPUT, "%s: a directory, not a state file; give the file "
                        "ope eval --save-state wrote", path);
    }
    if (regular && (uint64_t)sb.st_size > SF_MAX_BYTES) {
        fclose(f);
        return ope_fail(err, OPE_EDATA, "%s: not an ope state file (larger than any state)",
                        path);
    }
    /* One buffer, grown to the container's declared size, which the state then keeps:
     * a fit's state of 15 MB, read by every shard in every round, was copied three
     * times into fresh memory. */
    struct rd r = { f, NULL, 0, 0 };
    int rc = read_container(&r, path, regular, regular ? (uint64_t)sb.st_size : 0, err);
    fclose(f);
    if (rc == 0 && (rc = open_checked(st, r.buf, r.n, path, kind, KEEP_OWN, err)) == 0)
        return 0;       /* st keeps the buffer */
    free(r.buf);
    return rc;
}

static const unsigned char *take(struct sf_state *st, size_t k)
{
    if (st->bad || st->n - st->off < k) {
        st->bad = 1;
        return NULL;
    }
    const unsigned char *p = st->data + st->off;
    st->off += k;
    return p;
}

uint64_t sf_get_u64(struct sf_state *st)
{
    const unsigned char *p = take(st, 8);
    return p ? le(p, 8) : 0;
}

double sf_get_f64(struct sf_state *st)
{
    uint64_t u = sf_get_u64(st);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

char *sf_get_str(struct sf_state *st)
{
    const unsigned char *p = take(st, 4);
    if (!p)
        return NULL;
    uint64_t len = le(p, 4);
    const unsigned char *s = take(st, (size_t)len);
    if (!s)
        return NULL;
    char *out = malloc((size_t)len + 1);
    if (!out) {
        st->bad = 1;
        return NULL;
    }
    memcpy(out, s, (size_t)len);
    out[len] = '\0';
    return out;
}

void sf_get_sum(struct sf_state *st, struct ope_sum *k)
{
    k->s = sf_get_f64(st);
    k->c = sf_get_f64(st);
    if (!isfinite(k->s) || !isfinite(k->c))
        st->bad = 1;
}

void sf_get_xsum(struct sf_state *st, struct ope_xsum *x)
{
    ope_xsum_init(x);
    const unsigned char *p = take(st, 32);
    if (!p)
        return;
    for (int j = 0; j < 3; j++)
        x->w[j] = (int64_t)le(p + 8 * j, 8);
    x->top = (int32_t)(uint32_t)le(p + 24, 4);
    x->special = (uint32_t)le(p + 28, 4);
    /* The digit index of any double's msb lies in [0, 65] (xsum.h's bias of 1088,
     * 32-bit digits), -1 when empty: a checksum that matched makes another value a
     * bug rather than damage, but it is never trusted. */
    if (x->top < -1 || x->top > 65 || x->special > 7) {
        st->bad = 1;
        ope_xsum_init(x);
    }
}

uint64_t sf_get_count(struct sf_state *st, uint64_t lo, uint64_t hi)
{
    uint64_t v = sf_get_u64(st);
    if (v < lo || v > hi) {
        st->bad = 1;
        return lo;
    }
    return v;
}

/* The entries of an array of n that sf_put_sums or sf_put_f64s wrote, each of `each`
 * bytes: calls got(ctx, i) for each index read, in order, which reads the value. */
static void get_entries(struct sf_state *st, size_t n, size_t each,
                        void (*got)(struct sf_state *st, void *ctx, size_t i), void *ctx)
{
    uint64_t form = sf_get_count(st, 0, 1);
    if (st->bad)
        return;
    if (form == 0) {
        for (size_t i = 0; i < n && !st->bad; i++)
            got(st, ctx, i);
        return;
    }
    uint64_t k = sf_get_count(st, 0, n < sf_room(st, 8 + each) ? n : sf_room(st, 8 + each));
    uint64_t next = 0;      /* the least index the next pair may have */
    for (uint64_t j = 0; j < k && !st->bad; j++) {
        uint64_t i = sf_get_count(st, next, n ? n - 1 : 0);
        if (st->bad || n == 0) {
            st->bad = 1;
            return;
        }
        got(st, ctx, (size_t)i);
        next = i + 1;
    }
}

static void got_sum(struct sf_state *st, void *ctx, size_t i)
{
    struct ope_sum k;
    sf_get_sum(st, &k);
    if (!st->bad)
        ope_sum_merge(&((struct ope_sum *)ctx)[i], &k);
}

void sf_merge_sums(struct sf_state *st, struct ope_sum *a, size_t n)
{
    get_entries(st, n, 16, got_sum, a);
}

static void got_f64(struct sf_state *st, void *ctx, size_t i)
{
    double v = sf_get_f64(st);
    if (!isfinite(v))       /* as sf_get_sum: every value a state carries is finite */
        st->bad = 1;
    else
        ((double *)ctx)[i] += v;
}

void sf_add_f64s(struct sf_state *st, double *a, size_t n)
{
    get_entries(st, n, 8, got_f64, a);
}

uint64_t sf_room(const struct sf_state *st, size_t each)
{
    return st->off < st->n && each ? (uint64_t)(st->n - st->off) / each : 0;
}

int sf_done(struct sf_state *st, struct ope_error *err)
{
    if (st->bad)
        return ope_fail(err, OPE_EDATA, "%s: damaged state: its contents do not have the "
                        "shape of a '%s' state; make it again", st->name, st->kind);
    if (st->off != st->n)
        return ope_fail(err, OPE_EDATA, "%s: damaged state: %zu bytes left over after its "
                        "contents; make it again", st->name, st->n - st->off);
    return 0;
}

/* The line of text that starts at s (up to '\n' or the end), as a length. */
static size_t line_len(const char *s)
{
    const char *e = strchr(s, '\n');
    return e ? (size_t)(e - s) : strlen(s);
}

int sf_settings_diff(const char *x, const char *y, const char **ax, size_t *lx,
                     const char **ay, size_t *ly)
{
    while (*x || *y) {
        size_t nx = line_len(x), ny = line_len(y);
        if (nx != ny || memcmp(x, y, nx) != 0 || !*x || !*y) {
            *ax = x;
            *lx = nx;
            *ay = y;
            *ly = ny;
            return 1;
        }
        x += nx + (x[nx] == '\n');
        y += ny + (y[ny] == '\n');
    }
    return 0;
}

int sf_rank_settings(const char *name, const char *x, const char *first,
                     struct ope_error *err)
{
    const char *ax, *ay;
    size_t lx, ly;
    if (!sf_settings_diff(x, first, &ax, &lx, &ay, &ly))
        return 0;
    if (lx && ly)
        return ope_fail(err, OPE_EUSAGE, "%s runs with %.*s, rank 0 with %.*s: every "
                        "MPI rank must run the same command (but for the log's path)",
                        name, (int)lx, ax, (int)ly, ay);
    return ope_fail(err, OPE_EUSAGE, "%s runs with other settings than rank 0: every MPI "
                    "rank must run the same command", name);
}

int sf_compatible(const struct sf_state *a, const struct sf_state *b, struct ope_error *err)
{
    if (strcmp(a->kind, b->kind) != 0)
        return ope_fail(err, OPE_EDATA, "%s is a '%s' state and %s a '%s' state: they cannot "
                        "be merged", a->name, a->kind, b->name, b->kind);
    const char *x, *y;
    size_t lx, ly;
    if (sf_settings_diff(a->settings, b->settings, &x, &lx, &y, &ly))
        return ope_fail(err, OPE_EDATA, "%s and %s were made with different settings "
                        "(%.*s in %s, %.*s in %s): merge only the states of one "
                        "evaluation, made with the same options",
                        a->name, b->name, (int)(lx ? lx : 6), lx ? x : "(none)",
                        a->name, (int)(ly ? ly : 6), ly ? y : "(none)", b->name);
    return 0;
}
