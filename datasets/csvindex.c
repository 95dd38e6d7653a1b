/* datasets/csvindex.c: the row index of csvindex.h. A byte loop with three states
 * (outside quotes, inside, just after a quote inside: a "" escape or the closing
 * quote), outside quotes by memchr from one line end or quote to the next, so it runs
 * at memory speed and needs no field parsing. */
#include "config.h"
#include "datasets/csvindex.h"

#include <stdlib.h>
#include <string.h>

#include "datasets/input.h"
#include "ope/base/sha256.h"

void csv_index_release(struct csv_index *ix)
{
    free(ix->off);
    free(ix->line);
    memset(ix, 0, sizeof *ix);
}

/* Note the row that starts at byte off on line `line` (its index is ix->rows). */
static int mark(struct csv_index *ix, size_t *cap, uint64_t off, size_t line,
                struct ope_error *err)
{
    if (ix->rows % ix->every == 0) {
        if (ix->n == *cap) {
            size_t nc = *cap ? 2 * *cap : 64;
            uint64_t *o = ope_realloc(ix->off, nc * sizeof *o, err);
            if (!o)
                return -1;
            ix->off = o;
            size_t *l = ope_realloc(ix->line, nc * sizeof *l, err);
            if (!l)
                return -1;
            ix->line = l;
            *cap = nc;
        }
        ix->off[ix->n] = off;
        ix->line[ix->n] = line;
        ix->n++;
    }
    ix->rows++;
    return 0;
}

int csv_index_build(const char *path, size_t every, int want_digest, struct csv_index *ix,
                    struct ope_error *err)
{
    struct sha256 sha;
    sha256_init(&sha);
    int rc = csv_index_build_hashing(path, every, want_digest ? &sha : NULL, ix, err);
    if (rc == 0 && want_digest)
        sha256_final_hex(&sha, ix->sha256);
    return rc;
}

int csv_index_build_hashing(const char *path, size_t every, struct sha256 *sha,
                            struct csv_index *ix, struct ope_error *err)
{
    memset(ix, 0, sizeof *ix);
    ix->every = every ? every : 1;
    struct in_src *in = in_open(path, sha, err);
    if (!in)
        return -1;
    ix->seekable = in_format_of(in) == IN_PLAIN && in_is_regular(in);
    enum { OUT, IN, QUOTE_IN } st = OUT;
    size_t cap = 0, line = 1, rec_line = 1, quote_line = 0;
    uint64_t pos = 0, rec_start = 0;
    int header = 1;             /* the next record is the header */
    int content = 0;            /* the record so far has a byte besides '\r' */
    int rc = 0;
    char *buf = malloc(1 << 20);
    if (!buf) {
        in_close(in);
        return ope_fail_oom(err);
    }
    long got;
    int first_block = 1;
    while (rc == 0 && (got = in_read(in, buf, 1 << 20, err)) > 0) {
        size_t i = 0;
        if (first_block && got >= 3 && (unsigned char)buf[0] == 0xef &&
            (unsigned char)buf[1] == 0xbb && (unsigned char)buf[2] == 0xbf) {
            i = 3;      /* a UTF-8 BOM before the header, as csv.c skips it */
            rec_start = 3;
        }
        first_block = 0;
        while (i < (size_t)got && rc == 0) {
            if (st == OUT) {
                /* Up to the next line end or quote at memchr speed: most records
                 * hold no quote, and only whether one has a byte besides '\r'
                 * matters. */
                const char *p = buf + i, *e = buf + got;
                const char *nl = memchr(p, '\n', (size_t)(e - p));
                const char *q = memchr(p, '"', (size_t)((nl ? nl : e) - p));
                const char *stop = q ? q : nl ? nl : e;
                for (const char *x = p; x < stop && !content; x++)
                    content = *x != '\r';
                i = (size_t)(stop - buf);
                if (stop == e)
                    break;
                if (*stop == '"') {
                    st = IN;
                    quote_line = line;
                    content = 1;
                } else {
                    /* A record ends: the header, a blank line, or a row. */
                    if (header)
                        header = 0;
                    else if (content)
                        rc = mark(ix, &cap, rec_start, rec_line, err);
                    line++;
                    rec_line = line;
                    rec_start = pos + i + 1;
                    content = 0;
                }
                i++;
                continue;
            }
            char c = buf[i];
            if (st == IN) {
                if (c == '"')
                    st = QUOTE_IN;
                else if (c == '\n')
                    line++;
                i++;
            } else if (c == '"') {
                /* "" is an escaped quote */
                st = IN;
                i++;
            } else {
                st = OUT;       /* the field closed: look at c again outside */
            }
        }
        pos += (uint64_t)got;
    }
    if (got < 0)
        rc = -1;
    if (rc == 0 && st == IN)
        rc = ope_fail(err, OPE_EDATA, "%s:%zu: a quoted field opens on this line and never "
                      "ends (the file ends on line %zu inside it): close the quote", path,
                      quote_line, line);
    /* A last record without a line end. */
    if (rc == 0 && !header && content)
        rc = mark(ix, &cap, rec_start, rec_line, err);
    free(buf);
    in_close(in);
    if (rc != 0)
        csv_index_release(ix);
    return rc;
}
