/* datasets/csv.c: the streaming RFC 4180 reader of csv.h. A record is located first
 * (a scan that only tracks quote state, refilling the buffer as needed), then split
 * and unescaped in place, so fields point into the buffer and nothing is copied.
 * Records without quotes (nearly all) are split sixteen bytes at a time. The number
 * parsers are in csvnum.c. */
#include "config.h"
#include "datasets/csv.h"
#include "datasets/input.h"
#include "ope/base/progress.h"
#include "ope/base/sha256.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define CSV_BLOCK ((size_t)1 << 20)

struct csv_reader {
    struct in_src *in;      /* NULL for memory input */
    int held;               /* csv_unget: hand out the last record again */
    char **paths;           /* several inputs of one log (csv_open_many), else NULL */
    char **srcs;            /* csv_open_named: the files read for paths[k] (NULL: paths) */
    size_t n_srcs;
    FILE *const *tee;       /* csv_set_tee: per input, NULL or where its bytes go */
    const char *const *tee_name;
    size_t n_in, cur;       /* how many, and which one is being read */
    size_t stop;            /* csv_set_inputs: read no input from this one on (0: n_in) */
    char **hdr;             /* the first input's header, the others must match */
    size_t nhdr;
    int have_hdr;
    struct sha256 sha;      /* several inputs: one digest of all their bytes */
    char *name;
    char sep;
    char *buf;              /* data in [0, len); buf[len] is always writable */
    size_t len, cap;
    size_t pos;             /* start of the next record in buf */
    size_t base;            /* absolute offset of buf[0] in the input */
    int eof;
    size_t line;            /* line of buf[pos] */
    size_t line_start;      /* absolute offset where that line starts */
    size_t rec_line;        /* line of the last record returned */
    size_t rec_off;         /* and its offset in the input */
    size_t taken;           /* csv_bytes_taken */
    int seeked;             /* csv_seek skipped bytes: no digest */
    size_t size;            /* total input size if known */
    size_t end;             /* csv_set_end: input end_in ends here (0: at its end) */
    size_t end_in;
    struct ope_progress *progress;  /* csv_set_progress: bytes read, and a cancel */
    long pause_ms;                  /* OPE_TEST_READ_SLEEP_MS (csv.h), else 0 */
    struct csv_field *f;
    size_t nf, capf;
};

/* The inputs read end before this one (csv_set_inputs). */
static size_t inputs_end(const struct csv_reader *r)
{
    return r->stop ? r->stop : r->n_in;
}

static struct csv_reader *reader_new(const char *name, char sep, struct ope_error *err)
{
    struct csv_reader *r = ope_calloc(1, sizeof *r, err);
    if (!r)
        return NULL;
    r->name = ope_strdup(name ? name : "(input)", err);
    r->cap = CSV_BLOCK;
    r->buf = ope_malloc(r->cap + 1, err);
    if (!r->name || !r->buf) {
        csv_close(r);
        return NULL;
    }
    r->sep = sep ? sep : ',';
    r->line = 1;
    return r;
}

/* Skip a UTF-8 byte order mark at the very start of the input. */
static void skip_bom(struct csv_reader *r)
{
    if (r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) {
        r->pos = 3;
        r->line_start = 3;
    }
}

/* Read more input after the data in the buffer, first dropping the records already
 * returned. Returns 1 if bytes were added, 0 at end of input, -1 on error. */
static int refill(struct csv_reader *r, struct ope_error *err)
{
    if (!r->in || r->eof)
        return 0;
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->base += r->pos;
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->cap - r->len < CSV_BLOCK / 2) {
        if (r->len > CSV_MAX_RECORD)
            return ope_fail(err, OPE_EDATA, "%s:%zu: a record longer than %zu MB; is the "
                            "separator right (--sep) or a quote left open?",
                            r->name, r->line, CSV_MAX_RECORD >> 20);
        size_t cap = r->cap * 2;
        char *grown = ope_realloc(r->buf, cap + 1, err);
        if (!grown)
            return -1;
        r->buf = grown;
        r->cap = cap;
    }
    if (ope_progress_cancelled(r->progress))
        return ope_fail(err, OPE_EINTERRUPTED, "%s: loading cancelled", r->name);
    size_t room = r->cap - r->len, at = r->base + r->len;
    size_t end = r->cur == r->end_in ? r->end : 0;
    if (end && at >= end) {
        r->eof = 1;
        return 0;
    }
    if (end && end - at < room)
        room = end - at;
    long got = in_read(r->in, r->buf + r->len, room, err);
    if (got < 0)
        return -1;
    if (got == 0) {
        r->eof = 1;
        return 0;
    }
    int first = r->base == 0 && r->len == 0;
    r->len += (size_t)got;
    r->taken += (size_t)got;
    /* A BOM that comes in two reads (the first members of a compressed input, of a
     * byte or two each) is still one. */
    while (first && r->len < 3 && room > r->len) {
        long more = in_read(r->in, r->buf + r->len, room - r->len, err);
        if (more < 0)
            return -1;
        if (more == 0)
            break;
        r->len += (size_t)more;
        r->taken += (size_t)more;
    }
    if (r->progress) {
        /* once per block (1 MB): the bytes read so far, a fraction when the size is known */
        size_t done = r->base + r->len;
        char label[48];
        snprintf(label, sizeof label, "loading: %.1f MB read", (double)done / 1e6);
        ope_progress_report(r->progress, r->size ? (double)done / (double)r->size : 0, label);
        if (r->pause_ms > 0) {
            struct timespec ts = { r->pause_ms / 1000, (r->pause_ms % 1000) * 1000000L };
            nanosleep(&ts, NULL);
        }
    }
    if (first)
        skip_bom(r);
    return 1;
}

struct csv_reader *csv_open(const char *path, char sep, struct ope_error *err)
{
    return csv_open_many(&path, 1, sep, err);
}

struct csv_reader *csv_open_many(const char *const *paths, size_t n, char sep,
                                 struct ope_error *err)
{
    if (in_distinct(paths, n, err) != 0)
        return NULL;
    return csv_open_named(paths, paths, n, sep, err);
}

/* csv_open_named, its inputs' bytes hashed for csv_digest unless !digest. */
static struct csv_reader *open_named(const char *const *files, const char *const *paths,
                                     size_t n, char sep, int digest, struct ope_error *err)
{
    size_t longest = 0;
    for (size_t k = 0; k < n; k++)
        if (strlen(paths[k]) > longest)
            longest = strlen(paths[k]);
    struct csv_reader *r = reader_new(paths[0], sep, err);
    if (!r)
        return NULL;
    /* The name is rewritten in place at each input, so a pointer to it taken by a
     * loader for its messages names the input being read. */
    char *name = ope_realloc(r->name, longest + 1, err);
    if (!name) {
        csv_close(r);
        return NULL;
    }
    r->name = name;
    if (n > 1) {
        sha256_init(&r->sha);
        if (!(r->paths = ope_calloc(n, sizeof *r->paths, err))) {
            csv_close(r);
            return NULL;
        }
        r->n_in = n;
        for (size_t k = 0; k < n; k++)
            if (!(r->paths[k] = ope_strdup(paths[k], err))) {
                csv_close(r);
                return NULL;
            }
    }
    if (files != paths) {
        if (!(r->srcs = ope_calloc(n, sizeof *r->srcs, err))) {
            csv_close(r);
            return NULL;
        }
        r->n_srcs = n;
        for (size_t k = 0; k < n; k++)
            if (!(r->srcs[k] = ope_strdup(files[k], err))) {
                csv_close(r);
                return NULL;
            }
    }
    /* (no digest: as after a seek, no input is hashed) */
    r->seeked = !digest;
    if (!(r->in = in_open(files[0], n > 1 && digest ? &r->sha : NULL, err))) {
        csv_close(r);
        return NULL;
    }
    r->size = n > 1 ? 0 : in_size(r->in);
    return r;
}

struct csv_reader *csv_open_named(const char *const *files, const char *const *paths,
                                  size_t n, char sep, struct ope_error *err)
{
    return open_named(files, paths, n, sep, 1, err);
}

struct csv_reader *csv_open_again(const char *const *files, const char *const *paths,
                                  size_t n, char sep, struct ope_error *err)
{
    return open_named(files, paths, n, sep, 0, err);
}

struct csv_reader *csv_open_mem(const char *buf, size_t len, const char *name, char sep,
                                struct ope_error *err)
{
    struct csv_reader *r = reader_new(name, sep, err);
    if (!r)
        return NULL;
    if (len + 1 > r->cap + 1) {
        char *grown = ope_realloc(r->buf, len + 1, err);
        if (!grown) {
            csv_close(r);
            return NULL;
        }
        r->buf = grown;
        r->cap = len;
    }
    memcpy(r->buf, buf, len);
    r->len = len;
    r->size = len;
    r->eof = 1;
    skip_bom(r);
    return r;
}

/* Find the end of the record starting at r->pos: the index just past its '\n', or
 * r->len at end of input. Only quote state matters here. *plain is set when the
 * record has no quote at all (the common case: fields are then split by separators
 * alone). */
static int find_record_end(struct csv_reader *r, size_t *end, int *plain,
                           struct ope_error *err)
{
    size_t i = r->pos;
    int inq = 0;
    *plain = 1;
    for (;;) {
        const char *b = r->buf;
        size_t n = r->len;
        while (i < n) {
            if (!inq) {
                /* Fast skip to the next quote or newline. */
                const char *nl = memchr(b + i, '\n', n - i);
                size_t stop = nl ? (size_t)(nl - b) : n;
                const char *q = memchr(b + i, '"', stop - i);
                if (!q) {
                    if (nl) {
                        *end = stop + 1;
                        return 0;
                    }
                    i = n;
                    break;
                }
                i = (size_t)(q - b) + 1;
                inq = 1;
                *plain = 0;
            } else {
                const char *q = memchr(b + i, '"', n - i);
                if (!q) {
                    i = n;
                    break;
                }
                i = (size_t)(q - b) + 1;
                inq = 0;
            }
        }
        size_t done = i - r->pos;
        int rc = refill(r, err);    /* may move the record to the front of the buffer */
        if (rc < 0)
            return -1;
        i = r->pos + done;
        if (rc == 0) {
            *end = r->len;
            return 0;
        }
    }
}

/* Make room for one more field. */
static int reserve_field(struct csv_reader *r, struct ope_error *err)
{
    if (r->nf == r->capf) {
        size_t cap = r->capf ? 2 * r->capf : 64;
        struct csv_field *f = ope_realloc(r->f, cap * sizeof *f, err);
        if (!f)
            return -1;
        r->f = f;
        r->capf = cap;
    }
    return 0;
}

static int push_field(struct csv_reader *r, struct ope_error *err)
{
    if (reserve_field(r, err) != 0)
        return -1;
    r->nf++;
    return 0;
}

/* Show a byte in a message: printable as is, otherwise as an escape. */
static const char *show_byte(char c, char *buf)
{
    if (c == '\n')
        return "end of line";
    if ((unsigned char)c >= 32 && c != 127)
        snprintf(buf, 8, "'%c'", c);
    else
        snprintf(buf, 8, "\\x%02X", (unsigned char)c);
    return buf;
}

/* Add the unquoted field b[i, j) of the current record; b[j] becomes its NUL. */
static int add_plain(struct csv_reader *r, size_t i, size_t j, struct ope_error *err)
{
    if (reserve_field(r, err) != 0)
        return -1;
    struct csv_field *f = &r->f[r->nf++];
    f->s = r->buf + i;
    f->len = j - i;
    f->line = r->line;
    f->col = r->base + i - r->line_start + 1;
    f->quoted = 0;
    r->buf[j] = '\0';
    return 0;
}

/* Split a record without quotes, b[i, stop), at every separator: sixteen bytes at a
 * time where SSE2 is available (every x86-64), a byte at a time otherwise. */
static int split_plain(struct csv_reader *r, size_t i, size_t stop, struct ope_error *err)
{
    char *b = r->buf, sep = r->sep;
    size_t start = i, j = i;
#ifdef __SSE2__
    const __m128i vs = _mm_set1_epi8(sep);
    for (; j + 16 <= stop; j += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + j));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vs));
        while (mask) {
            size_t k = j + (size_t)__builtin_ctz(mask);
            if (add_plain(r, start, k, err) != 0)
                return -1;
            start = k + 1;
            mask &= mask - 1;
        }
    }
#endif
    for (; j < stop; j++)
        if (b[j] == sep) {
            if (add_plain(r, start, j, err) != 0)
                return -1;
            start = j + 1;
        }
    return add_plain(r, start, stop, err);   /* stop <= len, and buf[len] is writable */
}

static int next_record(struct csv_reader *r, const struct csv_field **fields, size_t *n,
                       struct ope_error *err)
{
    if (r->pos >= r->len) {
        int rc = refill(r, err);
        if (rc <= 0)
            return rc;
    }
    size_t end;
    int plain;
    if (find_record_end(r, &end, &plain, err) != 0)
        return -1;
    if (end == r->pos)
        return 0;
    char *b = r->buf;
    size_t stop = end;              /* exclusive end of the record's contents */
    if (stop > r->pos && b[stop - 1] == '\n')
        stop--;
    if (stop > r->pos && b[stop - 1] == '\r')
        stop--;
    r->nf = 0;
    r->rec_line = r->line;
    r->rec_off = r->base + r->pos;
    size_t i = r->pos;
    if (plain) {
        if (split_plain(r, r->pos, stop, err) != 0)
            return -1;
        goto done;
    }
    for (;;) {
        if (push_field(r, err) != 0)
            return -1;
        struct csv_field *f = &r->f[r->nf - 1];
        f->line = r->line;
        f->col = r->base + i - r->line_start + 1;
        if (i < stop && b[i] == '"') {
            f->quoted = 1;
            size_t w = i, j = i + 1;
            for (;;) {
                if (j >= stop) {
                    /* The record scan ended inside the quotes: end of input. */
                    return ope_fail(err, OPE_EDATA,
                                    "%s:%zu:%zu: a quoted field is never closed (the file "
                                    "ends inside it); close it with '\"' or write '\"\"' for a "
                                    "literal quote", r->name, f->line, f->col);
                }
                char c = b[j];
                if (c == '"') {
                    if (j + 1 < stop && b[j + 1] == '"') {
                        b[w++] = '"';
                        j += 2;
                        continue;
                    }
                    j++;
                    break;
                }
                if (c == '\n') {
                    r->line++;
                    r->line_start = r->base + j + 1;
                }
                b[w++] = c;
                j++;
            }
            if (j < stop && b[j] != r->sep) {
                char shown[8];
                return ope_fail(err, OPE_EDATA,
                                "%s:%zu:%zu: saw %s after a closing quote, expected the "
                                "separator '%c' or the end of the line; quote the whole field "
                                "and double any quote inside it",
                                r->name, r->line, (size_t)(r->base + j - r->line_start + 1),
                                show_byte(b[j], shown), r->sep);
            }
            b[w] = '\0';
            f->s = b + i;
            f->len = w - i;
            i = j;
        } else {
            f->quoted = 0;
            size_t j = i;
            while (j < stop && b[j] != r->sep) {
                if (b[j] == '"')
                    return ope_fail(err, OPE_EDATA,
                                    "%s:%zu:%zu: saw '\"' inside an unquoted field, expected "
                                    "quotes only around a whole field; write the field as "
                                    "\"...\" with inner quotes doubled",
                                    r->name, r->line, (size_t)(r->base + j - r->line_start + 1));
                j++;
            }
            f->s = b + i;
            f->len = j - i;
            i = j;
        }
        if (i < stop) {             /* at a separator: another field follows */
            b[i] = '\0';
            i++;
            continue;
        }
        b[i] = '\0';                /* stop <= end <= len, and buf[len] is writable */
        break;
    }
done:
    if (end > stop) {   /* the record ended with a newline */
        r->line++;
        r->line_start = r->base + end;
    }
    r->pos = end;
    *fields = r->f;
    *n = r->nf;
    return 1;
}

/* Keep the first input's header, to check the others' against it. */
static int save_header(struct csv_reader *r, const struct csv_field *f, size_t n,
                       struct ope_error *err)
{
    if (!(r->hdr = ope_calloc(n ? n : 1, sizeof *r->hdr, err)))
        return -1;
    r->nhdr = n;
    for (size_t j = 0; j < n; j++)
        if (!(r->hdr[j] = ope_strdup(f[j].s, err)))
            return -1;
    r->have_hdr = 1;
    return 0;
}

/* Go on to the next input of the log: open it, read its header and check that it is
 * the first input's, so its rows mean the same. Line numbers and the name in
 * messages are the new input's from here on. */
static int next_input(struct csv_reader *r, struct ope_error *err)
{
    in_close(r->in);
    r->in = NULL;
    r->cur++;
    strcpy(r->name, r->paths[r->cur]);
    /* After a seek the digest is not known: no need to hash. */
    if (!(r->in = in_open(r->srcs ? r->srcs[r->cur] : r->paths[r->cur],
                          r->seeked ? NULL : &r->sha, err)))
        return -1;
    if (r->tee && r->tee[r->cur])
        in_set_tee(r->in, r->tee[r->cur], r->tee_name[r->cur]);
    r->len = r->pos = r->base = r->line_start = 0;
    r->line = 1;
    r->eof = 0;
    const struct csv_field *f;
    size_t n;
    int rc = next_record(r, &f, &n, err);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return ope_fail(err, OPE_EDATA, "%s: the file is empty; expected the header of %s "
                        "(every file of one log starts with the same header)", r->name,
                        r->paths[0]);
    for (size_t j = 0; j < n || j < r->nhdr; j++) {
        const char *here = j < n ? f[j].s : NULL, *there = j < r->nhdr ? r->hdr[j] : NULL;
        if (here && there && strcmp(here, there) == 0)
            continue;
        return ope_fail(err, OPE_EDATA, "%s:1: the header differs from %s's at column %zu: "
                        "%s%s%s here, %s%s%s there; the files of one log need the same header",
                        r->name, r->paths[0], j + 1, here ? "'" : "", here ? here : "none",
                        here ? "'" : "", there ? "'" : "", there ? there : "none",
                        there ? "'" : "");
    }
    return 1;
}

int csv_next(struct csv_reader *r, const struct csv_field **fields, size_t *n,
             struct ope_error *err)
{
    if (r->held) {          /* the record is still in place: nothing moved since */
        r->held = 0;
        *fields = r->f;
        *n = r->nf;
        return 1;
    }
    for (;;) {
        int rc = next_record(r, fields, n, err);
        if (rc == 1 && r->paths && !r->have_hdr && save_header(r, *fields, *n, err) < 0)
            return -1;
        /* An input that ends: the next one goes on (after a header, or the log is
         * empty, which the loader says of the first input). */
        if (rc != 0 || !r->have_hdr || r->cur + 1 >= inputs_end(r))
            return rc;
        if (next_input(r, err) < 0)
            return -1;
    }
}

/* ---- bulk access to plain records --------------------------------------------- */

int csv_next_span(struct csv_reader *r, size_t want, struct csv_span *sp,
                  struct ope_error *err)
{
    if (r->held)
        return 2;
    while (r->len - r->pos < want && !r->eof) {
        int rc = refill(r, err);
        if (rc < 0)
            return -1;
        if (rc == 0)
            break;
    }
    if (r->pos >= r->len)       /* another input follows: csv_next goes on to it */
        return r->have_hdr && r->cur + 1 < inputs_end(r) ? 2 : 0;
    char *b = r->buf + r->pos;
    size_t avail = r->len - r->pos, end;
    const char *nl = memrchr(b, '\n', avail);
    if (r->eof)
        end = avail;                        /* the last line needs no line end */
    else if (nl)
        end = (size_t)(nl - b) + 1;
    else
        return 2;                           /* a line longer than the buffer: csv_next */
    const char *q = memchr(b, '"', end);
    if (q) {                                /* stop before the line holding the quote */
        const char *ls = memrchr(b, '\n', (size_t)(q - b));
        if (!ls)
            return 2;
        end = (size_t)(ls - b) + 1;
    }
    size_t lines = 0, last = 0;             /* line ends, and just past the last one */
    for (const char *p = b; (p = memchr(p, '\n', end - (size_t)(p - b))) != NULL; p++) {
        lines++;
        last = (size_t)(p - b) + 1;
    }
    sp->p = b;
    sp->len = end;
    sp->line = r->line;
    sp->offset = r->base + r->pos;
    r->pos += end;
    r->line += lines;
    if (lines)
        r->line_start = r->base + (r->pos - end) + last;
    return 1;
}

/* Append the field s[start, j) to *f. */
static int span_field(const char *s, size_t start, size_t j, size_t line,
                      struct csv_field **f, size_t *cap, size_t *n, struct ope_error *err)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 64;
        struct csv_field *g = ope_realloc(*f, c * sizeof *g, err);
        if (!g)
            return -1;
        *f = g;
        *cap = c;
    }
    struct csv_field *x = &(*f)[(*n)++];
    x->s = s + start;
    x->len = j - start;
    x->line = line;
    x->col = start + 1;
    x->quoted = 0;
    return 0;
}

int csv_span_blank(const struct csv_span *sp, const size_t *off, size_t k)
{
    size_t len = off[k + 1] - 1 - off[k];
    return len == 0 || (len == 1 && sp->p[off[k]] == '\r');
}

long csv_split_line(const char *s, size_t len, char sep, size_t line,
                    struct csv_field **f, size_t *cap, struct ope_error *err)
{
    if (len && s[len - 1] == '\r')
        len--;
    size_t n = 0, start = 0, j = 0;
#ifdef __SSE2__
    const __m128i vs = _mm_set1_epi8(sep);
    for (; j + 16 <= len; j += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + j));
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vs));
        while (mask) {
            size_t k = j + (size_t)__builtin_ctz(mask);
            if (span_field(s, start, k, line, f, cap, &n, err) != 0)
                return -1;
            start = k + 1;
            mask &= mask - 1;
        }
    }
#endif
    for (; j < len; j++)
        if (s[j] == sep) {
            if (span_field(s, start, j, line, f, cap, &n, err) != 0)
                return -1;
            start = j + 1;
        }
    if (span_field(s, start, len, line, f, cap, &n, err) != 0)
        return -1;
    return (long)n;
}

const char *csv_name(const struct csv_reader *r)
{
    return r->name;
}

size_t csv_record_line(const struct csv_reader *r)
{
    return r->rec_line;
}

size_t csv_bytes_read(const struct csv_reader *r)
{
    return r->base + r->pos;
}

size_t csv_bytes_taken(const struct csv_reader *r)
{
    return r->taken;
}

size_t csv_raw_taken(const struct csv_reader *r)
{
    return r->in ? in_raw_taken(r->in) : r->taken;
}

size_t csv_record_offset(const struct csv_reader *r)
{
    return r->rec_off;
}

void csv_set_members_strict(struct csv_reader *r, uint64_t watch)
{
    if (r->in)
        in_set_members_strict(r->in, watch);
}

int csv_members_check_until(struct csv_reader *r, struct ope_error *err)
{
    return r->in ? in_members_check_until(r->in, err) : 0;
}

size_t csv_next_offset(const struct csv_reader *r, size_t *line)
{
    if (line)
        *line = r->line;
    return r->base + r->pos;
}

int csv_seek(struct csv_reader *r, size_t input, size_t offset, size_t line,
             struct ope_error *err)
{
    if (!r->in || input < r->cur || input >= (r->paths ? r->n_in : 1) || offset == 0 ||
        (r->tee && r->tee[r->cur]))
        return ope_fail(err, OPE_ESOFTWARE, "%s: csv_seek to input %zu, byte %zu", r->name,
                        input, offset);
    r->held = 0;
    r->seeked = 1;
    if (input != r->cur) {
        in_close(r->in);
        r->cur = input;
        strcpy(r->name, r->paths[input]);
        if (!(r->in = in_open(r->srcs ? r->srcs[input] : r->paths[input], NULL, err)))
            return -1;
        r->len = r->pos = r->base = 0;
        r->eof = 0;
    }
    /* From the byte before the record, which must end a line: a record starts after
     * one, and a file that changed under the offset most likely shows it there. (The
     * bytes of records handed out may hold the NULs that ended their fields: a record
     * just after the last one handed out is taken as it is.) */
    size_t at = offset - 1;
    if (offset == r->base + r->pos && r->pos > 0) {
        r->line = line;
        r->line_start = offset;
        return 1;
    }
    if (at >= r->base + r->pos && at < r->base + r->len) {
        r->pos = at - r->base;
    } else {
        if (in_seek(r->in, at, err) < 0)
            return -1;
        r->base = at;
        r->len = r->pos = 0;
        r->eof = 0;
        int rc = refill(r, err);
        if (rc <= 0)
            return rc;
    }
    if (r->buf[r->pos] != '\n')
        return 0;
    r->pos++;
    r->line = line;
    r->line_start = offset;
    return 1;
}

int csv_set_inputs(struct csv_reader *r, size_t first, size_t end, struct ope_error *err)
{
    if (!r->paths || !r->have_hdr || r->held || first < r->cur || first >= end ||
        end > r->n_in || (r->tee && r->tee[r->cur]))
        return ope_fail(err, OPE_ESOFTWARE, "%s: csv_set_inputs [%zu, %zu) of %zu, at %zu",
                        r->name, first, end, r->n_in, r->cur);
    r->stop = end;
    if (first == r->cur)
        return 0;
    /* Come to input `first` as reading comes to the next input (next_input): its
     * header checked against the first input's, with the same message. The inputs
     * skipped are not hashed: no digest. */
    r->seeked = 1;
    r->cur = first - 1;
    return next_input(r, err) < 0 ? -1 : 0;
}

void csv_set_end(struct csv_reader *r, size_t offset)
{
    csv_set_end_at(r, r->cur, offset);
}

void csv_set_end_at(struct csv_reader *r, size_t input, size_t offset)
{
    r->end = offset;
    r->end_in = input;
    if (r->paths && input + 1 < inputs_end(r))
        r->stop = input + 1;
    /* Bytes past it already read (the block the header or a seek brought in) are
     * dropped, as if never read. */
    if (input == r->cur && offset && r->base + r->len > offset) {
        size_t keep = offset > r->base ? offset - r->base : 0;
        r->len = keep > r->pos ? keep : r->pos;
    }
}

void csv_set_progress(struct csv_reader *r, struct ope_progress *p)
{
    r->progress = p;
    const char *pause = getenv("OPE_TEST_READ_SLEEP_MS");
    long ms = pause && *pause ? strtol(pause, NULL, 10) : 0;
    r->pause_ms = ms > 0 && ms <= 10000 ? ms : 0;
}

size_t csv_size(const struct csv_reader *r)
{
    return r->size;
}

void csv_unget(struct csv_reader *r)
{
    r->held = 1;
}

void csv_set_tee(struct csv_reader *r, FILE *const *tee, const char *const *tee_name)
{
    r->tee = tee;
    r->tee_name = tee_name;
    if (r->in && (!tee || tee[r->cur]))
        in_set_tee(r->in, tee ? tee[r->cur] : NULL, tee ? tee_name[r->cur] : NULL);
}

int csv_is_regular(const struct csv_reader *r)
{
    return r->in && !r->paths && !r->srcs && in_is_regular(r->in);
}

int csv_digest(const struct csv_reader *r, char out[65])
{
    if (!r->paths)
        return r->in ? in_digest(r->in, out) : -1;
    if (r->cur + 1 < r->n_in || !r->eof || r->seeked)
        return -1;
    struct sha256 c = r->sha;
    sha256_final_hex(&c, out);
    return 0;
}

int csv_rows_note(struct csv_rows *w, const struct csv_reader *r, size_t rows,
                  struct ope_error *err)
{
    if (!r->paths || w->n > r->cur)
        return 0;
    size_t *g = ope_realloc(w->start, (r->cur + 1) * sizeof *g, err);
    if (!g)
        return -1;
    w->start = g;
    for (size_t k = w->n; k <= r->cur; k++)
        g[k] = k == 0 ? 0 : rows;   /* inputs with no rows start where the next does */
    w->n = r->cur + 1;
    return 0;
}

const char *csv_rows_name(const struct csv_rows *w, const struct csv_reader *r, size_t row)
{
    size_t k = 0;
    while (k + 1 < w->n && w->start[k + 1] <= row)
        k++;
    return csv_input_name(r, k);
}

size_t csv_n_inputs(const struct csv_reader *r)
{
    return r->paths ? r->n_in : 1;
}

size_t csv_input_index(const struct csv_reader *r)
{
    return r->cur;
}

const char *csv_input_name(const struct csv_reader *r, size_t k)
{
    return r->paths ? r->paths[k] : r->name;
}

void csv_close(struct csv_reader *r)
{
    if (!r)
        return;
    in_close(r->in);
    for (size_t k = 0; r->paths && k < r->n_in; k++)
        free(r->paths[k]);
    free(r->paths);
    for (size_t k = 0; r->srcs && k < r->n_srcs; k++)
        free(r->srcs[k]);
    free(r->srcs);
    for (size_t j = 0; r->hdr && j < r->nhdr; j++)
        free(r->hdr[j]);
    free(r->hdr);
    free(r->name);
    free(r->buf);
    free(r->f);
    free(r);
}
