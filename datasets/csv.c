/* datasets/csv.c: the streaming RFC 4180 reader of csv.h. A record is located first
 * (a scan that only tracks quote state, refilling the buffer as needed), then split
 * and unescaped in place, so fields point into the buffer and nothing is copied.
 * Numbers are parsed with an exact fast path (Clinger) and strtod otherwise. */
#include "config.h"
#include "datasets/csv.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CSV_BLOCK ((size_t)1 << 20)

struct csv_reader {
    FILE *fp;               /* NULL for memory input */
    int own_fp;
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
    size_t size;            /* total input size if known */
    struct csv_field *f;
    size_t nf, capf;
};

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
    if (!r->fp || r->eof)
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
    size_t got = fread(r->buf + r->len, 1, r->cap - r->len, r->fp);
    if (got == 0) {
        if (ferror(r->fp))
            return ope_fail(err, OPE_ENOINPUT, "%s: read error: %s", r->name, strerror(errno));
        r->eof = 1;
        return 0;
    }
    int first = r->base == 0 && r->len == 0;
    r->len += got;
    if (first)
        skip_bom(r);
    return 1;
}

struct csv_reader *csv_open(const char *path, char sep, struct ope_error *err)
{
    FILE *fp;
    int own = 1;
    if (strcmp(path, "-") == 0) {
        fp = stdin;
        own = 0;
    } else {
        fp = fopen(path, "rb");
        if (!fp) {
            ope_fail(err, OPE_ENOINPUT, "%s: cannot open: %s", path, strerror(errno));
            return NULL;
        }
        struct stat st;
        if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
            fclose(fp);
            ope_fail(err, OPE_ENOINPUT, "%s: is a directory, expected a CSV file", path);
            return NULL;
        }
    }
    struct csv_reader *r = reader_new(path, sep, err);
    if (!r) {
        if (own)
            fclose(fp);
        return NULL;
    }
    r->fp = fp;
    r->own_fp = own;
    struct stat st;
    if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode))
        r->size = (size_t)st.st_size;
    return r;
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
 * r->len at end of input. Only quote state matters here. */
static int find_record_end(struct csv_reader *r, size_t *end, struct ope_error *err)
{
    size_t i = r->pos;
    int inq = 0;
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

static int push_field(struct csv_reader *r, struct ope_error *err)
{
    if (r->nf == r->capf) {
        size_t cap = r->capf ? 2 * r->capf : 64;
        struct csv_field *f = ope_realloc(r->f, cap * sizeof *f, err);
        if (!f)
            return -1;
        r->f = f;
        r->capf = cap;
    }
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

int csv_next(struct csv_reader *r, const struct csv_field **fields, size_t *n,
             struct ope_error *err)
{
    if (r->pos >= r->len) {
        int rc = refill(r, err);
        if (rc <= 0)
            return rc;
    }
    size_t end;
    if (find_record_end(r, &end, err) != 0)
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
    size_t i = r->pos;
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
    if (end > stop) {   /* the record ended with a newline */
        r->line++;
        r->line_start = r->base + end;
    }
    r->pos = end;
    *fields = r->f;
    *n = r->nf;
    return 1;
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

size_t csv_size(const struct csv_reader *r)
{
    return r->size;
}

void csv_close(struct csv_reader *r)
{
    if (!r)
        return;
    if (r->fp && r->own_fp)
        fclose(r->fp);
    free(r->name);
    free(r->buf);
    free(r->f);
    free(r);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Exact powers of ten representable in a double (10^22 is the largest). */
static const double pow10_exact[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

static int word_is(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    if (n != k)
        return 0;
    for (size_t i = 0; i < k; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != w[i])
            return 0;
    }
    return 1;
}

int csv_parse_double(const char *s, size_t len, double *out)
{
    while (len && is_space(*s)) {
        s++;
        len--;
    }
    while (len && is_space(s[len - 1]))
        len--;
    if (len == 0)
        return -1;
    /* Grammar: [+-] digits [. digits] [(e|E) [+-] digits], at least one digit. */
    size_t i = 0;
    int neg = 0;
    if (s[i] == '+' || s[i] == '-')
        neg = s[i++] == '-';
    {
        const char *w = s + i;
        size_t wn = len - i;
        if (word_is(w, wn, "nan") || word_is(w, wn, "inf") || word_is(w, wn, "infinity"))
            return -2;
    }
    uint64_t mant = 0;
    int sig = 0;            /* significant digits accumulated in mant */
    int dropped = 0;        /* significant digits beyond what mant holds exactly */
    int exp10 = 0;
    int digits = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        int d = s[i++] - '0';
        digits++;
        if (sig < 19) {
            if (mant || d) {
                mant = mant * 10 + (uint64_t)d;
                sig++;
            }
        } else {
            dropped = 1;
            exp10++;
        }
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            int d = s[i++] - '0';
            digits++;
            if (sig < 19) {
                if (mant || d) {
                    mant = mant * 10 + (uint64_t)d;
                    sig++;
                }
                exp10--;
            } else {
                dropped = 1;
            }
        }
    }
    if (digits == 0)
        return -1;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        if (i >= len || s[i] < '0' || s[i] > '9')
            return -1;
        long e = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (e < 100000)
                e = e * 10 + (s[i] - '0');
            i++;
        }
        exp10 += (int)(eneg ? -e : e);
    }
    if (i != len)
        return -1;
    /* Clinger's fast path: an exact integer mantissa below 2^53 and an exact power
     * of ten give a correctly rounded result with one IEEE operation. */
    if (!dropped && mant <= ((uint64_t)1 << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mant;
        v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
        *out = neg ? -v : v;
        return 0;
    }
#if LDBL_MANT_DIG == 64 && (defined(__x86_64__) || defined(__i386__))
    /* Long mantissas (up to 19 digits, e.g. the 17 significant digits of a
     * shortest round-trip double): w and 10^|q| (|q| <= 27) are exact in x87 extended
     * precision, so one division or product there is correctly rounded to 64 bits.
     * Rounding that to 53 bits is then exact unless the 64-bit result lies within
     * one unit of a 53-bit midpoint (low 11 bits 0x3FF..0x401): only then fall back
     * to strtod. */
    if (!dropped && mant > 0 && exp10 >= -27 && exp10 <= 27) {
        static const long double p10[28] = {
            1e0L, 1e1L, 1e2L, 1e3L, 1e4L, 1e5L, 1e6L, 1e7L, 1e8L, 1e9L, 1e10L, 1e11L, 1e12L,
            1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L, 1e21L, 1e22L, 1e23L,
            1e24L, 1e25L, 1e26L, 1e27L
        };
        long double x = (long double)mant;
        x = exp10 < 0 ? x / p10[-exp10] : x * p10[exp10];
        /* The x87 format: a 64-bit significand with an explicit integer bit, then
         * sign and a 15-bit exponent biased by 16383 (little-endian). */
        union {
            long double ld;
            struct {
                uint64_t mant;
                uint16_t sexp;
            } p;
        } u;
        memset(&u, 0, sizeof u);
        u.ld = x;
        unsigned low = (unsigned)(u.p.mant & 0x7FF);
        int e2 = (int)(u.p.sexp & 0x7FFF) - 16383;
        if ((low < 0x3FF || low > 0x401) && e2 > -1021 && e2 < 1023) {
            double v = (double)x;
            *out = neg ? -v : v;
            return 0;
        }
    }
#endif
    char local[256];
    char *copy = len < sizeof local ? local : malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, s, len);
    copy[len] = '\0';
    errno = 0;
    char *endp;
    double v = strtod(copy, &endp);
    int bad = endp != copy + len;
    int range = errno == ERANGE && isinf(v);
    if (copy != local)
        free(copy);
    if (bad)
        return -1;
    if (range || !isfinite(v))
        return -2;
    *out = v;
    return 0;
}

int csv_parse_long(const char *s, size_t len, long lo, long hi, long *out)
{
    while (len && is_space(*s)) {
        s++;
        len--;
    }
    while (len && is_space(s[len - 1]))
        len--;
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i >= len)
        return -1;
    unsigned long long v = 0;
    int over = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        if (v > (ULLONG_MAX - 9) / 10)
            over = 1;
        else
            v = v * 10 + (unsigned long long)(s[i] - '0');
    }
    if (over || v > (unsigned long long)LONG_MAX + (neg ? 1ULL : 0ULL))
        return -2;
    long x = neg ? (long)(0ULL - v) : (long)v;
    if (neg && v == (unsigned long long)LONG_MAX + 1ULL)
        x = LONG_MIN;
    if (x < lo || x > hi)
        return -2;
    *out = x;
    return 0;
}
