/* t/0378-csvindex.c: the row index (datasets/csvindex.h) against the CSV reader it
 * must agree with. For crafted files (quoted fields holding line breaks and "" escapes,
 * blank lines, CR LF, a BOM, no final line end) the reference is csv_next record by
 * record, skipping blank records as the loaders do (roles_blank_record): the index's
 * row count is the reference's, each mark's line is the line of that row, and reading
 * from the mark's byte offset gives that row's fields first. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/csv.h"
#include "datasets/csvindex.h"
#include "datasets/roles.h"
#include "ope/base/sha256.h"
#include "t/tap.h"

#define MAXROWS 4000

static char *fields_of[MAXROWS];
static size_t line_of[MAXROWS];

/* The reference: every row's line and fields (joined by '|'), and the row count. */
static size_t reference(const char *text, size_t len)
{
    struct ope_error err = { 0 };
    struct csv_reader *r = csv_open_mem(text, len, "x.csv", ',', &err);
    const struct csv_field *f;
    size_t n, rows = 0;
    int header = 1;
    while (csv_next(r, &f, &n, &err) == 1) {
        if (header) {
            header = 0;
            continue;
        }
        if (roles_blank_record(f, n))
            continue;
        char buf[4096] = "";
        for (size_t k = 0; k < n; k++) {
            strncat(buf, f[k].s, sizeof buf - strlen(buf) - 2);
            strcat(buf, "|");
        }
        line_of[rows] = csv_record_line(r);
        fields_of[rows++] = strdup(buf);
    }
    csv_close(r);
    return rows;
}

/* The first record read from text + off, joined as reference() joins. */
static char *first_at(const char *text, size_t len, size_t off)
{
    struct ope_error err = { 0 };
    /* A dummy header first: csv_open_mem skips a BOM only at the start. */
    size_t m = len - off + 2;
    char *b = malloc(m);
    memcpy(b, "h\n", 2);
    memcpy(b + 2, text + off, len - off);
    struct csv_reader *r = csv_open_mem(b, m, "y.csv", ',', &err);
    const struct csv_field *f;
    size_t n;
    char buf[4096] = "";
    csv_next(r, &f, &n, &err);
    if (csv_next(r, &f, &n, &err) == 1)
        for (size_t k = 0; k < n; k++) {
            strncat(buf, f[k].s, sizeof buf - strlen(buf) - 2);
            strcat(buf, "|");
        }
    csv_close(r);
    free(b);
    return strdup(buf);
}

static void check(const char *what, const char *text, size_t len, size_t every)
{
    char path[] = "/tmp/ope-t0378-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len)
        bail_out("cannot write %s", path);
    close(fd);
    size_t rows = reference(text, len);
    struct csv_index ix;
    struct ope_error err = { 0 };
    int rc = csv_index_build(path, every, 0, &ix, &err);
    ok(rc == 0, "%s (every %zu): indexed (%s)", what, every, err.msg);
    if (rc == 0) {
        is_int((long long)ix.rows, (long long)rows, "%s: the reader's row count", what);
        is_int((long long)ix.n, (long long)((rows + every - 1) / every), "%s: one mark per "
               "%zu rows", what, every);
        int lines = 1, firsts = 1;
        for (size_t k = 0; k < ix.n; k++) {
            size_t row = k * every;
            lines &= ix.line[k] == line_of[row];
            char *got = first_at(text, len, (size_t)ix.off[k]);
            if (strcmp(got, fields_of[row]) != 0) {
                firsts = 0;
                diag("row %zu: read '%s' at offset %llu, expected '%s'", row, got,
                     (unsigned long long)ix.off[k], fields_of[row]);
            }
            free(got);
        }
        ok(lines, "%s: each mark's line is its row's", what);
        ok(firsts, "%s: reading from each mark's offset gives its row", what);
        ok(ix.seekable, "%s: a plain file is seekable", what);
        is_string(ix.sha256, "", "%s: no digest unless asked", what);
        csv_index_release(&ix);
    }
    /* Asked, the same reading hashes every byte of the file as given (a BOM too): the
     * digest of the whole text in one call. */
    char want[65];
    sha256_hex(text, len, want);
    if (csv_index_build(path, every, 1, &ix, &err) == 0) {
        is_string(ix.sha256, want, "%s: with its digest, the file's SHA-256", what);
        is_int((long long)ix.rows, (long long)rows, "%s: ... and the same rows", what);
        csv_index_release(&ix);
    } else {
        ok(0, "%s: indexed with its digest (%s)", what, err.msg);
    }
    for (size_t i = 0; i < rows; i++)
        free(fields_of[i]);
    unlink(path);
}

int main(void)
{
    plan_no_plan();
    const char *plain = "a,b\n1,2\n3,4\n5,6\n7,8\n9,10\n";
    check("plain", plain, strlen(plain), 1);
    check("plain", plain, strlen(plain), 2);
    const char *quoted = "a,b\n\"x\ny\",1\n\"say \"\"hi\"\"\n\",2\n\n3,\"\"\n\r\n4,\"a,b\"\n"
                         "\"\n\n\",5\n6,7";
    check("quotes, line breaks in fields, blanks, no final line end", quoted,
          strlen(quoted), 1);
    check("the same", quoted, strlen(quoted), 3);
    const char *crlf = "\xef\xbb\xbf" "a,b\r\n1,2\r\n\r\n3,\"x\r\ny\"\r\n5,6\r\n";
    check("BOM and CR LF", crlf, strlen(crlf), 1);
    /* Many rows with a quoted line break now and then, across the 1 MiB blocks. */
    size_t cap = 3000000, len = 0;
    char *big = malloc(cap);
    len += (size_t)sprintf(big, "id,text,v\n");
    for (int i = 0; i < 3900 && len < cap - 1000; i++) {
        if (i % 7 == 3)
            len += (size_t)sprintf(big + len, "%d,\"multi\nline %d \"\"q\"\"\",%d\n", i, i, i);
        else if (i % 11 == 5)
            len += (size_t)sprintf(big + len, "\n");
        else
            len += (size_t)sprintf(big + len, "%d,%0300d,%d\n", i, i, i);
    }
    check("3900 records across blocks", big, len, 64);
    free(big);

    char path[] = "/tmp/ope-t0378-XXXXXX";
    int fd = mkstemp(path);
    const char *open_q = "a,b\n1,\"never\nends\n";
    if (fd < 0 || write(fd, open_q, strlen(open_q)) != (ssize_t)strlen(open_q))
        bail_out("write");
    close(fd);
    struct csv_index ix;
    struct ope_error err = { 0 };
    ok(csv_index_build(path, 1, 0, &ix, &err) != 0 && err.status == OPE_EDATA,
       "a quote that never closes is a data error");
    like(err.msg, ":2: a quoted field opens on this line and never ends", "%s",
         err.msg);
    unlink(path);
    return done_testing();
}
