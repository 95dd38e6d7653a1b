/* datasets/input.c: the input layer of input.h. The raw bytes come from one FILE
 * opened once; the first few are sniffed for a magic number and then handed on as
 * if unread. gzip (several members allowed) and zstd (several frames allowed) are
 * decompressed as a stream, so a pipe never needs a second pass; a compressed
 * regular file on a thread of its own, ahead of the reader (the read-ahead below).
 * gzip is inflated by ISA-L's igzip when the build has it (about twice zlib's speed
 * on a log here: 2.6 s of CPU against 5.5 s for 1.5 GB), else, or with OPE_ZLIB=1, by
 * zlib; the two read the same streams to the same bytes, and refuse the same ones
 * (t/0406) but for Huffman codes that do not fill their code space, which zlib refuses
 * and igzip inflates (the CRC-32 and length still checked). */
#include "config.h"
#include "datasets/input.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "datasets/members.h"
#include "ope/base/outfile.h"
#include "ope/base/sha256.h"
#include "ope/base/tmpfile.h"

#define IN_RAW ((size_t)1 << 18)

/* Read-ahead of a compressed input: a thread decompresses into RA_N blocks of RA_SIZE
 * bytes while the reader parses the blocks before, so decompression (zlib inflates
 * about 300 MB/s here) overlaps the parsing instead of adding to it. */
#define RA_N 16
#define RA_SIZE ((size_t)1 << 20)

struct ra_block {
    char *p;
    size_t len;
    size_t raw_from;            /* in_raw_taken before the block was decompressed */
    size_t raw_taken;           /* and once it was */
};

struct readahead {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct ra_block b[RA_N];
    size_t head, count, pos;    /* the reader's block, the blocks ready, its place */
    int eof, failed, stop;      /* (under mu) */
    struct ope_error err;       /* the decoder's, once failed */
    size_t raw_taken;           /* where the reader is: within its block, the block's
                                   raw bytes in proportion (ra_read) */
};

#ifdef HAVE_ISAL
/* A gzip member's header (RFC 1952, 2.3), read here as its bytes come: igzip reads one
 * only when it is given whole (isa-l issue 224: a header split between two reads lost
 * its flags) and refused a valid one with a header CRC (FHCRC) in 2.30. */
enum { GH_FIXED, GH_XLEN, GH_EXTRA, GH_NAME, GH_COMMENT, GH_HCRC, GH_DONE };

struct gz_head {
    int st;
    size_t i;                   /* bytes of the current field read */
    unsigned flg;
    size_t xlen;
    unsigned hcrc;              /* the header CRC16 as stored */
    uLong crc;                  /* CRC-32 of the header bytes before the CRC16 */
};
#endif

struct in_src {
    FILE *fp;
    int own_fp;
    char *name;
    enum in_format fmt;
    int regular;                /* a regular file opened by its name */
    size_t size;                /* regular plain file: its size */
    unsigned char peek[8];      /* sniffed bytes not yet handed on */
    size_t npeek, peek_pos;
    int raw_eof;
    int hashing;                /* non-regular input: hash while reading */
    struct sha256 own_sha;
    struct sha256 *sha;         /* &own_sha, or the caller's */
    int done;                   /* the decompressed stream ended cleanly */
    int zero_tail;              /* gzip: zero bytes followed its last member */
    unsigned char *raw;         /* compressed input buffer */
    size_t raw_len, raw_pos;
    z_stream z;
    int z_live;
#ifdef HAVE_ISAL
    struct inflate_state *ig;   /* gzip inflated by igzip (NULL: by zlib, z) */
    struct gz_head gh;          /* its member's header, read here (gz_head_feed) */
#endif
    ZSTD_DCtx *zd;
    size_t zs_left;             /* last ZSTD_decompressStream hint: 0 at a frame end */
    FILE *tee;                  /* in_set_tee: every raw byte is also written here */
    const char *tee_name;
    size_t out;                 /* decompressed bytes handed out (in_seek's start) */
    size_t raw_in;              /* raw bytes read so far, the sniffed ones too */
    int seeked;                 /* in_seek skipped bytes: the digest is not known */
    struct readahead *ra;       /* the read-ahead thread of a compressed input, once
                                   started (then only it touches the decoder) */
    int ra_tried;
    int no_ra;                  /* in_set_no_readahead */
    const struct in_members *vm;    /* a compressed regular file's member index, checked
                                       as the decoder goes (member_begins) */
    int strict;                 /* in_set_members_strict: a member off it is an error */
    uint64_t watch;             /* ... and whether one began at this byte of the file */
    int watched;
    uint64_t dec;               /* the decoder's place in the decompressed bytes */
    uint64_t began;             /* where in the file the member it decodes began */
};

/* Write bytes handed on to the tee, if any. A write past the process's file size
 * limit (ulimit -f) raises SIGXFSZ, which ended the process and left the copy behind:
 * the copy is refused before it. */
static int tee_write(struct in_src *s, const void *buf, size_t n, struct ope_error *err)
{
    if (!s->tee || !n)
        return 0;
    const char *what = strcmp(s->name, "-") == 0 ? "standard input" : s->name;
    off_t at = ftello(s->tee);
    if (at >= 0 && !ope_tmp_fits((unsigned long long)at + n))
        return ope_fail(err, OPE_ECANTCREAT, "%s: the temporary copy of %s would pass the "
                        "file size limit (ulimit -f: %llu bytes): raise the limit, or give "
                        "the log as a file", s->tee_name, what, ope_tmp_fsize_limit());
    if (fwrite(buf, 1, n, s->tee) != n)
        return ope_fail(err, OPE_ECANTCREAT, "%s: cannot write the temporary copy of %s: %s",
                        s->tee_name, what, strerror(errno));
    return 0;
}

int in_distinct(const char *const *paths, size_t n, struct ope_error *err)
{
    if (n < 2)
        return 0;
    struct stat *st = ope_calloc(n, sizeof *st, err);
    unsigned char *ok = ope_calloc(n, 1, err);
    int rc = st && ok ? 0 : -1;
    for (size_t k = 0; rc == 0 && k < n; k++)
        ok[k] = (strcmp(paths[k], "-") == 0 ? fstat(0, &st[k]) : stat(paths[k], &st[k])) == 0;
    for (size_t k = 1; rc == 0 && k < n; k++)
        for (size_t j = 0; rc == 0 && j < k; j++) {
            int same = ok[j] && ok[k] && st[j].st_dev == st[k].st_dev &&
                       st[j].st_ino == st[k].st_ino;
            if (same || (strcmp(paths[j], "-") == 0 && strcmp(paths[k], "-") == 0)) {
                const char *a = strcmp(paths[j], "-") == 0 ? "standard input" : paths[j];
                const char *b = strcmp(paths[k], "-") == 0 ? "standard input" : paths[k];
                rc = ope_fail(err, OPE_EUSAGE, "inputs %zu and %zu (%s and %s) are the "
                              "same input: its rows would count twice; give each file once",
                              j + 1, k + 1, a, b);
            }
        }
    free(st);
    free(ok);
    return rc;
}

/* Read raw bytes of the input as given: the sniffed bytes first, then the file. */
static long raw_read(struct in_src *s, void *buf, size_t n, struct ope_error *err)
{
    if (s->peek_pos < s->npeek) {
        size_t k = s->npeek - s->peek_pos;
        if (k > n)
            k = n;
        memcpy(buf, s->peek + s->peek_pos, k);
        s->peek_pos += k;
        s->raw_in += k;
        return tee_write(s, buf, k, err) < 0 ? -1 : (long)k;
    }
    if (s->raw_eof)
        return 0;
    size_t got = fread(buf, 1, n, s->fp);
    if (got == 0) {
        if (ferror(s->fp))
            return ope_fail(err, OPE_ENOINPUT, "%s: read error: %s", s->name, strerror(errno));
        s->raw_eof = 1;
        return 0;
    }
    s->raw_in += got;
    if (s->hashing)
        sha256_update(s->sha, buf, got);
    return tee_write(s, buf, got, err) < 0 ? -1 : (long)got;
}

enum in_format in_sniff(const unsigned char *m, size_t n)
{
    if (n >= 2 && m[0] == 0x1F && m[1] == 0x8B)
        return IN_GZIP;
    /* A skippable frame: 0x184D2A50 to 0x184D2A5F, little-endian; zstd -d reads past
     * it. */
    if (n >= 4 && (memcmp(m, "\x28\xB5\x2F\xFD", 4) == 0 ||
                   ((m[0] & 0xF0) == 0x50 && memcmp(m + 1, "\x2A\x4D\x18", 3) == 0)))
        return IN_ZSTD;
    return IN_PLAIN;
}

/* A format ope recognises but does not read: name it and say what to do. */
static int refuse(const char *path, const unsigned char *m, size_t n, struct ope_error *err)
{
    static const struct {
        const char *magic;
        size_t len;
        const char *name, *how;
    } other[] = {
        { "BZh", 3, "bzip2", "bunzip2 -k" },
        { "\xFD" "7zXZ\0", 6, "xz", "unxz -k" },
        { "\x04\x22\x4D\x18", 4, "lz4", "unlz4" },
        { "PK\x03\x04", 4, "zip", "unzip" },
        { "\x1F\x9D", 2, "compress (.Z)", "uncompress" },
    };
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (n >= other[i].len && memcmp(m, other[i].magic, other[i].len) == 0)
            return ope_fail(err, OPE_EDATA, "%s: %s-compressed input is not supported (ope "
                            "reads plain CSV, gzip and zstd); decompress it first (%s)",
                            path, other[i].name, other[i].how);
    return 0;
}

static int start_decoder(struct in_src *s, struct ope_error *err)
{
    if (s->fmt == IN_PLAIN)
        return 0;
    if (!(s->raw = ope_malloc(IN_RAW, err)))
        return -1;
#ifdef HAVE_ISAL
    const char *zl = getenv("OPE_ZLIB");
    if (s->fmt == IN_GZIP && !(zl && *zl && strcmp(zl, "0") != 0)) {
        if (!(s->ig = ope_malloc(sizeof *s->ig, err)))
            return -1;
        isal_inflate_init(s->ig);       /* started at the end of the header (ig_read) */
        return 0;
    }
#endif
    if (s->fmt == IN_GZIP) {
        memset(&s->z, 0, sizeof s->z);
        if (inflateInit2(&s->z, 15 + 16) != Z_OK)     /* 16: a gzip wrapper */
            return ope_fail(err, OPE_ESOFTWARE, "%s: cannot start zlib", s->name);
        s->z_live = 1;
    } else {
        if (!(s->zd = ZSTD_createDCtx()))
            return ope_fail(err, OPE_ESOFTWARE, "%s: cannot start zstd", s->name);
        s->zs_left = 1;
    }
    return 0;
}

struct in_src *in_open(const char *path, struct sha256 *sha, struct ope_error *err)
{
    struct in_src *s = ope_calloc(1, sizeof *s, err);
    if (!s)
        return NULL;
    if (!(s->name = ope_strdup(path, err)))
        goto fail;
    if (strcmp(path, "-") == 0) {
        s->fp = stdin;
        /* Standard input redirected from a file is that file: no output may replace
         * it either (ope eval - -o LOG < LOG). */
        ope_outfile_note_input_fd(fileno(stdin));
    } else if (!(s->fp = fopen(path, "rb"))) {
        int e = errno;
        /* A process substitution's descriptor is the shell's children's alone: an
         * mpirun rank (started by mpirun's daemon) does not have it. */
        int fd = e == ENOENT && (strncmp(path, "/dev/fd/", 8) == 0 ||
                                 strncmp(path, "/proc/self/fd/", 14) == 0);
        ope_fail(err, OPE_ENOINPUT, "%s: cannot open: %s%s", path, strerror(e),
                 fd ? " (a process substitution <(...) is open only in the processes the "
                      "shell starts; mpirun's ranks do not have it: give the log as a file)"
                    : "");
        goto fail;
    } else {
        s->own_fp = 1;
        ope_outfile_note_input_fd(fileno(s->fp));   /* no output may replace it */
    }
    struct stat st;
    if (fstat(fileno(s->fp), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            ope_fail(err, OPE_ENOINPUT, "%s: is a directory, expected a CSV file", path);
            goto fail;
        }
        /* Standard input redirected from a file is read like one, but it has no
         * name to open again: it is hashed as it is read. */
        s->regular = S_ISREG(st.st_mode) && s->own_fp;
        if (S_ISREG(st.st_mode))
            s->size = (size_t)st.st_size;
    }
    s->hashing = sha || !s->regular;
    s->sha = sha ? sha : &s->own_sha;
    if (!sha)
        sha256_init(s->sha);
    /* Sniff: fread loops until it has the bytes or the input ends, so a pipe that
     * delivers one byte at a time is still sniffed whole. */
    s->npeek = fread(s->peek, 1, sizeof s->peek, s->fp);
    if (s->npeek < sizeof s->peek && ferror(s->fp)) {
        ope_fail(err, OPE_ENOINPUT, "%s: read error: %s", path, strerror(errno));
        goto fail;
    }
    if (s->hashing)
        sha256_update(s->sha, s->peek, s->npeek);
    s->fmt = in_sniff(s->peek, s->npeek);
    if (s->fmt == IN_PLAIN && refuse(path, s->peek, s->npeek, err) < 0)
        goto fail;
    if (s->fmt != IN_PLAIN)
        s->size = 0;
    if (s->fmt != IN_PLAIN && s->regular)
        s->vm = in_members_of(fileno(s->fp), path);
    if (start_decoder(s, err) < 0)
        goto fail;
    return s;
fail:
    in_close(s);
    return NULL;
}

/* Make compressed bytes available: 1 when some are, 0 at the end of the file. */
static int fill_raw(struct in_src *s, struct ope_error *err)
{
    if (s->raw_pos < s->raw_len)
        return 1;
    long got = raw_read(s, s->raw, IN_RAW, err);
    if (got < 0)
        return -1;
    s->raw_len = (size_t)got;
    s->raw_pos = 0;
    return got > 0;
}

static int truncated(struct in_src *s, const char *what, struct ope_error *err)
{
    return ope_fail(err, OPE_EDATA, "%s: the %s stream is truncated or corrupt (%s); "
                    "check the file (e.g. %s -t)", s->name,
                    s->fmt == IN_GZIP ? "gzip" : "zstd", what,
                    s->fmt == IN_GZIP ? "gzip" : "zstd");
}

/* After a gzip member's end, bytes that do not begin another (its magic 1f 8b, the
 * second byte when this read holds it): trailing data, said as such by both
 * inflaters (zlib's own words were "incorrect header check"). */
#define NOT_MEMBER "data after its end that is not another gzip member"

static int not_member(const struct in_src *s)
{
    return s->raw[s->raw_pos] != 0x1F ||
           (s->raw_pos + 1 < s->raw_len && s->raw[s->raw_pos + 1] != 0x8B);
}

/* A member has ended (s->done); more: whether raw bytes follow (fill_raw). 0 at the
 * stream's end, -1 with err, 1 when zero bytes were passed over (the caller reads on),
 * 2 when another member begins (s->done cleared: the caller restarts its inflater).
 * Zero bytes after the last member (a tape's or a block device's padding, which
 * gzip -d ignores) end the stream; anything after them is refused; `cat a.gz b.gz`
 * is one stream. */
static int after_member(struct in_src *s, int more, struct ope_error *err)
{
    if (!more)
        return 0;
    if (s->raw[s->raw_pos] == 0) {
        while (s->raw_pos < s->raw_len && s->raw[s->raw_pos] == 0)
            s->raw_pos++;
        s->zero_tail = 1;
        return 1;
    }
    if (s->zero_tail)
        return truncated(s, "data after the zero bytes that follow its end", err);
    if (not_member(s))
        return truncated(s, NOT_MEMBER, err);
    s->done = 0;
    return 2;
}

/* The decoder begins a member (a frame) at byte decoder_raw_taken(s) of the file and
 * byte s->dec of the stream: is that where the file's member index says one begins?
 * When it is not, the index is not used for seeks again (in_members_distrust), and a
 * reader that asked for it strictly (in_set_members_strict) fails. 0, or -1 with err. */
static int member_begins(struct in_src *s, struct ope_error *err)
{
    const struct in_members *m = s->vm;
    uint64_t raw = s->raw_in - (s->raw_len - s->raw_pos);
    s->began = raw;
    if (!m)
        return 0;
    if (raw == s->watch)
        s->watched = 1;
    size_t k = in_members_at_raw(m, raw);
    if (k != SIZE_MAX && m->out[k] == s->dec)
        return 0;
    in_members_distrust(m);
    if (!s->strict)
        return 0;
    return ope_fail(err, OPE_EDATA, "%s: a member begins at byte %llu of the file, %llu "
                    "decompressed, which is not where the members' headers place one",
                    s->name, (unsigned long long)raw, (unsigned long long)s->dec);
}

/* One gzip inflater (zlib's, igzip's) as the member loop drives it: the output room
 * left, a new member begun, and one call on the raw bytes from raw_pos (0, or -1 with
 * err; it sets done at a member's end). */
struct gz_inflater {
    uint32_t (*left)(const struct in_src *s);
    int (*restart)(struct in_src *s, struct ope_error *err);
    int (*step)(struct in_src *s, int more, struct ope_error *err);
};

/* Read gzip members through f until some output is made (want bytes of room given):
 * its bytes, 0 at the end of the last member (after_member: padding, trailing data),
 * or -1 with err. */
static long gz_members(struct in_src *s, const struct gz_inflater *f, uint32_t want,
                       struct ope_error *err)
{
    while (f->left(s) == want) {
        int more = fill_raw(s, err);
        if (more < 0)
            return -1;
        if (s->done) {
            int next = after_member(s, more, err);
            if (next == 1)
                continue;
            if (next < 2)
                return next;
            if (member_begins(s, err) != 0 || f->restart(s, err) != 0)
                return -1;
        }
        if (f->step(s, more, err) != 0)
            return -1;
    }
    return (long)(want - f->left(s));
}

static uint32_t z_left(const struct in_src *s)
{
    return s->z.avail_out;
}

static int z_restart(struct in_src *s, struct ope_error *err)
{
    return inflateReset(&s->z) == Z_OK ? 0 : truncated(s, "cannot restart", err);
}

static int z_step(struct in_src *s, int more, struct ope_error *err)
{
    /* At the end of the file inflate still runs once: it may hold output of input it
     * has already consumed. */
    s->z.next_in = s->raw + s->raw_pos;
    s->z.avail_in = (uInt)(s->raw_len - s->raw_pos);
    int rc = inflate(&s->z, Z_NO_FLUSH);
    s->raw_pos = s->raw_len - s->z.avail_in;
    if (rc == Z_STREAM_END)
        s->done = 1;
    else if (rc == Z_BUF_ERROR && !more)
        return truncated(s, "the file ends inside it", err);
    else if (rc != Z_OK && rc != Z_BUF_ERROR)
        return truncated(s, s->z.msg ? s->z.msg : "bad data", err);
    return 0;
}

static const struct gz_inflater zlib_inflater = { z_left, z_restart, z_step };

static long gz_read(struct in_src *s, char *buf, size_t n, struct ope_error *err)
{
    s->z.next_out = (unsigned char *)buf;
    s->z.avail_out = (uInt)(n > (1u << 30) ? 1u << 30 : n);
    return gz_members(s, &zlib_inflater, s->z.avail_out, err);
}

#ifdef HAVE_ISAL
/* Feed the header bytes p[0..n): how many it took (all of it while the header goes on,
 * up to its end when it ends: h->st GH_DONE), or -1 with *what (zlib's words). */
static long gz_head_feed(struct gz_head *h, const unsigned char *p, size_t n, const char **what)
{
    size_t k = 0;
    for (; k < n && h->st != GH_DONE; k++) {
        unsigned b = p[k];
        if (h->st != GH_HCRC)
            h->crc = crc32(h->crc, p + k, 1);
        switch (h->st) {
        case GH_FIXED:          /* ID1 ID2 CM FLG MTIME(4) XFL OS */
            if ((h->i == 0 && b != 0x1F) || (h->i == 1 && b != 0x8B))
                return *what = "incorrect header check", -1;
            if (h->i == 2 && b != 8)
                return *what = "unknown compression method", -1;
            if (h->i == 3 && (h->flg = b) & 0xE0)
                return *what = "unknown header flags set", -1;
            if (++h->i < 10)
                continue;
            break;
        case GH_XLEN:
            h->xlen |= (size_t)b << (8 * h->i);
            if (++h->i < 2)
                continue;
            if (h->xlen)
                h->st = GH_EXTRA, h->i = 0;
            else
                break;
            continue;
        case GH_EXTRA:
            if (++h->i < h->xlen)
                continue;
            break;
        case GH_NAME:
        case GH_COMMENT:
            if (b != 0)
                continue;
            break;
        case GH_HCRC:
            h->hcrc |= b << (8 * h->i);
            if (++h->i < 2)
                continue;
            if (h->hcrc != (h->crc & 0xFFFF))
                return *what = "header crc mismatch", -1;
            h->st = GH_DONE;
            continue;
        }
        /* The field is over: on to the next one the flags name (GH_EXTRA comes only
         * after a length above 0, its flag 0 here). */
        static const unsigned flag[] = { 0, 4, 0, 8, 16, 2 };
        int next = h->st == GH_XLEN ? GH_NAME : h->st + 1;
        while (next < GH_DONE && !(h->flg & flag[next]))
            next++;
        h->st = next;
        h->i = 0;
    }
    return (long)k;
}

/* What igzip found wrong, in zlib's words where zlib has them. */
static const char *ig_what(int rc)
{
    switch (rc) {
    case ISAL_INVALID_BLOCK: return "invalid block";
    case ISAL_INVALID_SYMBOL: return "invalid code";
    case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER: return "incorrect header check";
    case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM: return "incorrect data check";
    default: return "bad data";
    }
}

/* igzip under the member loop: the header by gz_head_feed, then the deflate data. */
static uint32_t ig_left(const struct in_src *s)
{
    return s->ig->avail_out;
}

static int ig_restart(struct in_src *s, struct ope_error *err)
{
    (void)err;
    memset(&s->gh, 0, sizeof s->gh);        /* its header read anew */
    return 0;
}

static int ig_step(struct in_src *s, int more, struct ope_error *err)
{
    struct inflate_state *g = s->ig;
    if (s->gh.st != GH_DONE) {
        if (!more)
            return truncated(s, "the file ends inside it", err);
        const char *what = NULL;
        long used = gz_head_feed(&s->gh, s->raw + s->raw_pos, s->raw_len - s->raw_pos, &what);
        if (used < 0)
            return truncated(s, what, err);
        s->raw_pos += (size_t)used;
        if (s->gh.st == GH_DONE) {
            /* The deflate data and the trailer's CRC and length checked after it; the
             * reset starts a stream, the output stays where it is. */
            uint8_t *at = g->next_out;
            uint32_t left = g->avail_out;
            isal_inflate_reset(g);
            g->crc_flag = ISAL_GZIP_NO_HDR_VER;
            g->next_out = at;
            g->avail_out = left;
        }
        return 0;
    }
    g->next_in = s->raw + s->raw_pos;
    g->avail_in = (uint32_t)(s->raw_len - s->raw_pos);
    uint32_t in0 = g->avail_in, out0 = g->avail_out;
    int rc = isal_inflate(g);
    s->raw_pos = s->raw_len - g->avail_in;
    if (rc < 0)
        return truncated(s, ig_what(rc), err);
    if (g->block_state == ISAL_BLOCK_FINISH)
        s->done = 1;
    else if (!more && g->avail_in == in0 && g->avail_out == out0)
        return truncated(s, "the file ends inside it", err);
    return 0;
}

static const struct gz_inflater igzip_inflater = { ig_left, ig_restart, ig_step };

/* gz_read by igzip: the same members, zero bytes after the last and ends. */
static long ig_read(struct in_src *s, char *buf, size_t n, struct ope_error *err)
{
    s->ig->next_out = (uint8_t *)buf;
    s->ig->avail_out = (uint32_t)(n > (1u << 30) ? 1u << 30 : n);
    return gz_members(s, &igzip_inflater, s->ig->avail_out, err);
}
#endif

static long zst_read(struct in_src *s, char *buf, size_t n, struct ope_error *err)
{
    ZSTD_outBuffer out = { buf, n, 0 };
    while (out.pos == 0) {
        int more = fill_raw(s, err);
        if (more < 0)
            return -1;
        if (!more && s->zs_left == 0)
            return 0;
        /* (a frame ended: the next begins here) */
        if (s->zs_left == 0 && member_begins(s, err) != 0)
            return -1;
        /* At the end of the file the decoder still runs once: it may hold output. */
        ZSTD_inBuffer in = { s->raw + s->raw_pos, s->raw_len - s->raw_pos, 0 };
        size_t rc = ZSTD_decompressStream(s->zd, &out, &in);
        s->raw_pos += in.pos;
        if (ZSTD_isError(rc))
            return truncated(s, ZSTD_getErrorName(rc), err);
        s->zs_left = rc;
        if (!more && out.pos == 0 && rc != 0)
            return truncated(s, "the file ends inside a frame", err);
    }
    return (long)out.pos;
}

/* Decompressed bytes, as the decoder gives them. */
static long decode(struct in_src *s, char *buf, size_t n, struct ope_error *err)
{
    long got;
#ifdef HAVE_ISAL
    if (s->ig)
        got = ig_read(s, buf, n, err);
    else
#endif
        got = s->fmt == IN_GZIP ? gz_read(s, buf, n, err) : zst_read(s, buf, n, err);
    if (got > 0)
        s->dec += (uint64_t)got;
    return got;
}

static size_t decoder_raw_taken(const struct in_src *s)
{
    return s->raw_in - (s->raw_len - s->raw_pos);
}

static void *ra_main(void *arg)
{
    struct in_src *s = arg;
    struct readahead *ra = s->ra;
    pthread_mutex_lock(&ra->mu);
    for (;;) {
        while (!ra->stop && ra->count == RA_N)
            pthread_cond_wait(&ra->cv, &ra->mu);
        if (ra->stop)
            break;
        struct ra_block *b = &ra->b[(ra->head + ra->count) % RA_N];
        pthread_mutex_unlock(&ra->mu);
        struct ope_error e = { 0 };
        size_t from = decoder_raw_taken(s);
        long got = decode(s, b->p, RA_SIZE, &e);
        size_t taken = decoder_raw_taken(s);
        pthread_mutex_lock(&ra->mu);
        if (got < 0) {
            ra->err = e;
            ra->failed = 1;
        } else if (got == 0) {
            ra->eof = 1;
        } else {
            b->len = (size_t)got;
            b->raw_from = from;
            b->raw_taken = taken;
            ra->count++;
        }
        pthread_cond_broadcast(&ra->cv);
        if (got <= 0)
            break;
    }
    pthread_mutex_unlock(&ra->mu);
    return NULL;
}

/* Start the read-ahead of a compressed regular file at its first read. Not with one
 * CPU; nor with OPE_NO_READAHEAD set, not empty and not 0 (the tests read both ways);
 * nor for a pipe (a reader that stops early must not wait for a thread blocked on a
 * pipe that has no more to say yet) or an input being copied (its copy is the
 * caller's to close); nor when a thread cannot be made. The input is then
 * decompressed as it is read. */
static void ra_start(struct in_src *s)
{
    s->ra_tried = 1;
    const char *no = getenv("OPE_NO_READAHEAD");
    if ((no && *no && strcmp(no, "0") != 0) || !s->regular || s->tee || s->no_ra ||
        sysconf(_SC_NPROCESSORS_ONLN) < 2)
        return;
    struct readahead *ra = calloc(1, sizeof *ra);
    if (!ra)
        return;
    int k = 0;
    for (; k < RA_N && (ra->b[k].p = malloc(RA_SIZE)); k++)
        ;
    int mu = k == RA_N && pthread_mutex_init(&ra->mu, NULL) == 0;
    int cv = mu && pthread_cond_init(&ra->cv, NULL) == 0;
    s->ra = ra;
    if (cv && pthread_create(&ra->thread, NULL, ra_main, s) == 0)
        return;
    s->ra = NULL;
    if (cv)
        pthread_cond_destroy(&ra->cv);
    if (mu)
        pthread_mutex_destroy(&ra->mu);
    for (int j = 0; j < k; j++)
        free(ra->b[j].p);
    free(ra);
}

static void ra_stop(struct in_src *s)
{
    struct readahead *ra = s->ra;
    if (!ra)
        return;
    pthread_mutex_lock(&ra->mu);
    ra->stop = 1;
    pthread_cond_broadcast(&ra->cv);
    pthread_mutex_unlock(&ra->mu);
    pthread_join(ra->thread, NULL);
    pthread_cond_destroy(&ra->cv);
    pthread_mutex_destroy(&ra->mu);
    for (int k = 0; k < RA_N; k++)
        free(ra->b[k].p);
    free(ra);
    s->ra = NULL;
}

/* Up to n bytes from the blocks the thread decompressed, waiting for one. */
static long ra_read(struct in_src *s, char *buf, size_t n, struct ope_error *err)
{
    struct readahead *ra = s->ra;
    size_t given = 0;
    pthread_mutex_lock(&ra->mu);
    while (given < n) {
        while (ra->count == 0 && !ra->eof && !ra->failed)
            pthread_cond_wait(&ra->cv, &ra->mu);
        if (ra->count == 0)
            break;
        struct ra_block *b = &ra->b[ra->head];
        size_t k = b->len - ra->pos < n - given ? b->len - ra->pos : n - given;
        memcpy(buf + given, b->p + ra->pos, k);
        given += k;
        ra->pos += k;
        /* The raw bytes of the reader's place: with the block's own (all of them once
         * read), an expansion ratio taken part way into a block would count the
         * bytes the reader has of it against all of its raw bytes. */
        ra->raw_taken = b->raw_from + (size_t)((double)(b->raw_taken - b->raw_from) *
                                               ((double)ra->pos / (double)b->len));
        if (ra->pos == b->len) {
            ra->head = (ra->head + 1) % RA_N;
            ra->count--;
            ra->pos = 0;
            pthread_cond_broadcast(&ra->cv);
        }
        /* What is ready goes out now: the reader need not wait for all n. */
        if (ra->count == 0)
            break;
    }
    int failed = ra->failed && given == 0;
    if (failed)
        *err = ra->err;
    pthread_mutex_unlock(&ra->mu);
    return failed ? -1 : (long)given;
}

long in_read(struct in_src *s, char *buf, size_t n, struct ope_error *err)
{
    if (n == 0)
        return 0;
    if (s->fmt != IN_PLAIN && !s->ra_tried)
        ra_start(s);
    long got;
    if (s->ra)
        got = ra_read(s, buf, n, err);
    else if (s->fmt != IN_PLAIN)
        got = decode(s, buf, n, err);
    else
        got = raw_read(s, buf, n, err);
    if (got > 0)
        s->out += (size_t)got;
    return got;
}

/* A compressed regular file whose members (frames) have an index (members.h): the
 * decoder starts afresh at the member in which off lies, when that is behind the
 * bytes handed out or a later member, so the bytes before it are neither decompressed
 * nor dropped. 0 (done, or nothing to do), or -1 with err. */
static int member_jump(struct in_src *s, size_t off, struct ope_error *err)
{
    if (!s->regular || s->fmt == IN_PLAIN)
        return 0;
    const struct in_members *m = s->vm;
    if (!m || !in_members_trusted(m))
        return 0;
    size_t k = in_members_at(m, off);
    if (off >= s->out && m->out[k] <= s->out)
        return 0;
    ra_stop(s);
    s->ra_tried = 0;
    if (fseeko(s->fp, (off_t)m->raw[k], SEEK_SET) != 0)
        return ope_fail(err, OPE_ENOINPUT, "%s: cannot seek: %s", s->name, strerror(errno));
    s->peek_pos = s->npeek;
    s->raw_eof = 0;
    s->raw_len = s->raw_pos = 0;
    s->raw_in = (size_t)m->raw[k];
    s->done = 0;
    s->zero_tail = 0;
#ifdef HAVE_ISAL
    if (s->ig)
        memset(&s->gh, 0, sizeof s->gh);        /* its header read anew (ig_step) */
    else
#endif
    if (s->fmt == IN_GZIP && inflateReset(&s->z) != Z_OK)
        return truncated(s, "cannot restart", err);
    if (s->fmt == IN_ZSTD) {
        ZSTD_DCtx_reset(s->zd, ZSTD_reset_session_only);
        s->zs_left = 1;
    }
    s->out = (size_t)m->out[k];
    s->dec = m->out[k];
    s->began = m->raw[k];
    if (s->began == s->watch)
        s->watched = 1;
    return 0;
}

void in_set_members_strict(struct in_src *s, uint64_t watch)
{
    s->strict = 1;
    s->watch = watch;
    s->watched = s->began == watch;
}

int in_members_check_until(struct in_src *s, struct ope_error *err)
{
    if (!s->vm || s->fmt == IN_PLAIN || !s->strict)
        return 0;
    /* The decoder's own place, past what the reader took (the read-ahead may have
     * gone further, checking as it went): its blocks go. */
    ra_stop(s);
    s->ra_tried = 1;
    char scrap[1 << 14];
    while (!s->watched && s->began < s->watch) {
        long got = decode(s, scrap, sizeof scrap, err);
        if (got < 0)
            return -1;
        if (got == 0)
            break;
    }
    uint64_t raw = s->watch;
    if (s->watched)
        return 0;
    in_members_distrust(s->vm);
    return ope_fail(err, OPE_EDATA, "%s: no member begins at byte %llu of the file, where "
                    "the members' headers place one", s->name, (unsigned long long)raw);
}

int in_seek(struct in_src *s, size_t off, struct ope_error *err)
{
    if (s->tee)
        return ope_fail(err, OPE_ESOFTWARE, "%s: in_seek on an input being copied", s->name);
    s->seeked = 1;
    if (s->fmt == IN_PLAIN && s->regular) {
        /* The sniffed bytes stand for the file's first npeek bytes. */
        size_t in_peek = off < s->npeek ? off : s->npeek;
        if (fseeko(s->fp, (off_t)(off > s->npeek ? off : s->npeek), SEEK_SET) != 0)
            return ope_fail(err, OPE_ENOINPUT, "%s: cannot seek: %s", s->name, strerror(errno));
        s->peek_pos = in_peek;
        s->raw_eof = 0;
        s->out = off;
        return 0;
    }
    if (member_jump(s, off, err) < 0)
        return -1;
    if (off < s->out)
        return ope_fail(err, OPE_ESOFTWARE, "%s: in_seek back to byte %zu of a stream at %zu",
                        s->name, off, s->out);
    /* A stream that cannot seek: decompress and drop the bytes before off. */
    size_t cap = (size_t)1 << 18;
    char *scrap = ope_malloc(cap, err);
    if (!scrap)
        return -1;
    while (s->out < off) {
        size_t want = off - s->out < cap ? off - s->out : cap;
        long got = in_read(s, scrap, want, err);
        if (got <= 0) {
            free(scrap);
            return got < 0 ? -1 : 0;
        }
    }
    free(scrap);
    return 0;
}

void in_set_no_readahead(struct in_src *s)
{
    s->no_ra = 1;
}

void in_set_tee(struct in_src *s, FILE *tee, const char *tee_name)
{
    s->tee = tee;
    s->tee_name = tee_name;
}

enum in_format in_format_of(const struct in_src *s)
{
    return s->fmt;
}

size_t in_size(const struct in_src *s)
{
    return s->size;
}

int in_is_regular(const struct in_src *s)
{
    return s->regular;
}

int in_digest(const struct in_src *s, char out[65])
{
    /* With a read-ahead, the raw bytes are the thread's until it has met their end. */
    int ended = 1;
    if (s->ra) {
        pthread_mutex_lock(&s->ra->mu);
        ended = s->ra->eof;
        pthread_mutex_unlock(&s->ra->mu);
    }
    if (!ended || !s->hashing || s->sha != &s->own_sha || !s->raw_eof || s->seeked)
        return -1;
    struct sha256 c = s->own_sha;
    sha256_final_hex(&c, out);
    return 0;
}

size_t in_raw_taken(const struct in_src *s)
{
    if (s->fmt == IN_PLAIN)
        return s->out;
    if (s->ra) {
        pthread_mutex_lock(&s->ra->mu);
        size_t taken = s->ra->raw_taken;
        pthread_mutex_unlock(&s->ra->mu);
        return taken;
    }
    return decoder_raw_taken(s);
}

void in_close(struct in_src *s)
{
    if (!s)
        return;
    ra_stop(s);
    if (s->fp && s->own_fp)
        fclose(s->fp);
    if (s->z_live)
        inflateEnd(&s->z);
#ifdef HAVE_ISAL
    free(s->ig);
#endif
    ZSTD_freeDCtx(s->zd);
    free(s->raw);
    free(s->name);
    free(s);
}

void in_stamp_of(const struct stat *st, struct in_stamp *s)
{
    s->dev = st->st_dev;
    s->ino = st->st_ino;
    s->size = st->st_size;
    s->mtime = st->st_mtim;
    s->ctime = st->st_ctim;
}

int in_stamp_take(const char *path, struct in_stamp *s)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    in_stamp_of(&st, s);
    return 0;
}

static int mtime_only;

void in_stamp_test_mtime_only(int on)
{
    mtime_only = on;
}

int in_stamp_same(const char *path, const struct in_stamp *s)
{
    struct in_stamp now;
    return in_stamp_take(path, &now) == 0 && now.dev == s->dev && now.ino == s->ino &&
           now.size == s->size && now.mtime.tv_sec == s->mtime.tv_sec &&
           now.mtime.tv_nsec == s->mtime.tv_nsec &&
           (mtime_only || (now.ctime.tv_sec == s->ctime.tv_sec &&
                           now.ctime.tv_nsec == s->ctime.tv_nsec));
}
