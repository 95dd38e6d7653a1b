/* t/0382-stream-range.c: a streamed bandit log read over a range of its rows
 * (blog_stream_set_range, issue 17: each MPI rank reads its own rows). The reference
 * is blog_load on the whole log, which t/0380 shows the whole stream equals: the
 * ranges of a split must hand out, between them, every row once, in order, with the
 * same global rows and the same bits in every column, for plain, CRLF, quoted fields
 * holding line breaks and blank lines, gzip, zstd, a FIFO and two files of one log;
 * a bad value in a range is named at its file:line:col; a plain file's range is
 * reached by a seek (far fewer bytes read); a log that changed under the marks is
 * refused; a range off the grid is a usage error. */
#include "config.h"
#include "t/tap.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "datasets/blog.h"
#include "datasets/blog_loader.h"
#include "datasets/blog_stream.h"
#include "datasets/csv.h"
#include "datasets/input.h"
#include "ope/base/rng.h"

static char dir[] = "/tmp/ope-t0382-XXXXXX";

struct shape {
    size_t rows;
    int crlf, blank_every, quote_every, nl_every, positions;
    size_t categorical_at;      /* row where x1 becomes a word (0: never) */
    size_t shorter_at, longer_at;   /* x0 with one digit less / more (0: none) */
};

/* A log like t/0380's: x0 numeric (six decimals), x1 numeric or (from
 * categorical_at, every third row) a word, x2 a word, quoted every quote_every rows
 * and, every nl_every rows, holding a line break, a blank line and another line; q.*,
 * policies a and b; with positions, slots 1..4, pi.a.*@2 and qhat.*, qhat.1@3. The
 * action is one digit, so the reward is always at column 3. */
static void write_log(const char *path, const struct shape *sh, uint64_t seed)
{
    FILE *f = fopen(path, "w");
    if (!f)
        bail_out("cannot write %s", path);
    struct ope_rng g;
    ope_rng_init(&g, seed, OPE_RNG_TEST, 5);
    const char *eol = sh->crlf ? "\r\n" : "\n";
    fprintf(f, "action,reward,pscore,%sx0,x1,x2,q.0,q.1,q.2,pi.a.0,pi.a.1,pi.a.2,pi.b.0,"
            "pi.b.1,pi.b.2%s%s", sh->positions ? "position," : "",
            sh->positions ? ",pi.a.0@2,pi.a.1@2,pi.a.2@2,qhat.0,qhat.1,qhat.2,qhat.1@3" : "",
            eol);
    for (size_t i = 1; i <= sh->rows; i++) {
        if (sh->blank_every && i % sh->blank_every == 0)
            fputs(eol, f);
        double p = 0.05 + 0.9 * ope_rng_uniform(&g), u = ope_rng_uniform(&g);
        int q = sh->quote_every && i % sh->quote_every == 0;
        int nl = sh->nl_every && i % sh->nl_every == 0;
        fprintf(f, "%d,%d,%s%.17g%s,", (int)(ope_rng_u64(&g) % 3), u < 0.4,
                q ? "\"" : "", p, q ? "\"" : "");
        if (sh->positions)
            fprintf(f, "%d,", 1 + (int)(ope_rng_u64(&g) % 4));
        int digits = i == sh->shorter_at ? 5 : i == sh->longer_at ? 7 : 6;
        fprintf(f, "%.*f,", digits, ope_rng_normal(&g));
        if (sh->categorical_at && i >= sh->categorical_at && i % 3 == 0)
            fprintf(f, "w%d,", (int)(ope_rng_u64(&g) % 5));
        else
            fprintf(f, "%.3g,", ope_rng_normal(&g));
        int c = (int)(ope_rng_u64(&g) % 7);
        if (nl)
            fprintf(f, "\"c%d%s%smore\",", c, eol, eol);
        else
            fprintf(f, "%sc%d%s,", q ? "\"" : "", c, q ? "\"" : "");
        fprintf(f, "%.17g,%.17g,%.17g,", ope_rng_uniform(&g), ope_rng_uniform(&g),
                ope_rng_uniform(&g));
        fputs("0.25,0.25,0.5,0.5,0,0.5", f);
        if (sh->positions)
            fprintf(f, ",0.1,0.2,0.7,%.6g,%.6g,%.6g,%.6g", ope_rng_normal(&g),
                    ope_rng_normal(&g), ope_rng_normal(&g), ope_rng_normal(&g));
        fputs(eol, f);
    }
    fclose(f);
}

static int same_rows(const void *a, const void *b, size_t size)
{
    return (!a && !b) || (a && b && memcmp(a, b, size) == 0);
}

static int same_matrix(double **a, double **b, int A, size_t first, size_t n)
{
    if (!a || !b)
        return !a && !b;
    for (int k = 0; k < A; k++)
        if (!same_rows(a[k], b[k] + first, n * sizeof **a))
            return 0;
    return 1;
}

/* Window w equals rows first.. of the whole log b, bit for bit (as t/0380). */
static const char *same_window(const struct blog *w, const struct blog *b, size_t first)
{
    size_t n = w->n;
    if (first + n > b->n)
        return "rows past the log";
    if (w->n_actions != b->n_actions || w->n_positions != b->n_positions)
        return "actions or positions";
    if (strcmp(w->path, b->path) != 0)
        return "path";
    if (!same_rows(w->action, b->action + first, n * sizeof *w->action) ||
        !same_rows(w->reward, b->reward + first, n * sizeof *w->reward) ||
        !same_rows(w->pscore, b->pscore + first, n * sizeof *w->pscore) ||
        !same_rows(w->line, b->line + first, n * sizeof *w->line))
        return "action, reward, pscore or line";
    if (!w->position != !b->position ||
        (w->position && !same_rows(w->position, b->position + first, n * sizeof(int))))
        return "position";
    if (w->n_num_ctx != b->n_num_ctx || w->n_cat_ctx != b->n_cat_ctx)
        return "context columns";
    for (size_t j = 0; j < w->n_num_ctx; j++)
        if (!same_rows(w->num_ctx[j], b->num_ctx[j] + first, n * sizeof(double)))
            return "numeric context";
    for (size_t j = 0; j < w->n_cat_ctx; j++) {
        const struct blog_catcol *x = &w->cat_ctx[j], *y = &b->cat_ctx[j];
        if (x->n_levels != y->n_levels || !same_rows(x->code, y->code + first, n * sizeof(int)))
            return "categorical codes";
        for (size_t l = 0; l < x->n_levels; l++)
            if (strcmp(x->levels[l], y->levels[l]) != 0)
                return "categorical levels";
    }
    if (w->n_policies != b->n_policies)
        return "policies";
    for (size_t p = 0; p < w->n_policies; p++)
        if (!same_matrix(w->policy[p].prob, b->policy[p].prob, w->n_actions, first, n))
            return "policy probabilities";
    if (!same_matrix(w->qhat, b->qhat, w->n_actions, first, n) ||
        !same_matrix(w->q, b->q, w->n_actions, first, n))
        return "qhat or q";
    return NULL;
}

/* Set the range [lo, hi) and read it `passes` times: windows from lo in steps of
 * window, all full but the last, which ends at hi, each equal to b's rows. NULL, or
 * what differs. */
static const char *read_range(struct blog_stream *s, const struct blog *b, size_t lo,
                              size_t hi, size_t window, int passes)
{
    static char why[2300];
    struct ope_error err = { 0 };
    if (blog_stream_set_range(s, lo, hi, &err) < 0)
        return snprintf(why, sizeof why, "set_range(%zu, %zu): %s", lo, hi, err.msg), why;
    size_t got_lo = 1;
    if (blog_stream_range_rows(s, &got_lo) != hi - lo || (hi > lo && got_lo != lo))
        return snprintf(why, sizeof why, "range_rows of [%zu, %zu)", lo, hi), why;
    for (int pass = 0; pass < passes; pass++) {
        if (pass && blog_stream_rewind(s, &err) < 0)
            return snprintf(why, sizeof why, "rewind: %s", err.msg), why;
        size_t next = lo, first;
        const struct blog *w;
        int rc;
        while ((rc = blog_stream_next(s, &w, &first, &err)) == 1) {
            const char *d = same_window(w, b, first);
            if (first != next || w->n == 0 || first + w->n > hi ||
                (w->n != window && first + w->n != hi))
                d = "windows not consecutive, full and within the range";
            if (d)
                return snprintf(why, sizeof why, "[%zu, %zu) pass %d, window at row %zu "
                                "(%zu rows): %s", lo, hi, pass, first, w->n, d), why;
            next += w->n;
        }
        if (rc < 0)
            return snprintf(why, sizeof why, "[%zu, %zu) pass %d: %s", lo, hi, pass,
                            err.msg), why;
        if (next != hi)
            return snprintf(why, sizeof why, "[%zu, %zu) pass %d: ended at row %zu", lo, hi,
                            pass, next), why;
    }
    return NULL;
}

static struct blog *load_many(const char *const *paths, size_t n, struct ope_error *err)
{
    struct load_opts o;
    load_opts_init(&o);
    struct csv_reader *csv = csv_open_many(paths, n, o.sep, err);
    struct blog *b = csv ? blog_load_csv(csv, &o, err) : NULL;
    csv_close(csv);
    return b;
}

static struct blog_stream *open_stream(const char *const *paths, size_t n, size_t window,
                                       struct ope_error *err)
{
    struct load_opts o;
    load_opts_init(&o);
    return blog_stream_open(paths, n, &o, window, err);
}

/* The splits tried: boundaries on the grid from 0 to the log's rows T (SIZE_MAX
 * stands for T), among them empty ranges at the start, the middle and the end. */
static const size_t splits[][8] = {
    { 0, SIZE_MAX },
    { 0, 8192, SIZE_MAX },
    { 0, 4096, 12288, SIZE_MAX },
    { 0, 0, 8192, 8192, 16384, SIZE_MAX, SIZE_MAX },
};
static const size_t n_bounds[] = { 2, 3, 4, 7 };

/* Every split of the log of paths: the explicit ones, blog_stream_part into 1, 2, 3,
 * 5 and 7 parts (7 > the chunks: an empty part), and a range that ends inside a
 * window; one stream for them all, and (as the ranks of a run would) a stream of its
 * own for each part of the split into 3. */
static void check_splits(const char *what, const char *const *paths, size_t n,
                         const struct blog *ref, size_t window)
{
    struct ope_error e = { 0 };
    struct blog_stream *s = open_stream(paths, n, window, &e);
    if (!s || !ref) {
        ok(0, "%s: opened", what);
        diag("%s", e.msg);
        blog_stream_close(s);
        return;
    }
    size_t T = blog_stream_rows(s);
    const char *why = T == ref->n ? NULL : "rows";
    size_t tried = 0;
    for (size_t k = 0; !why && k < sizeof n_bounds / sizeof *n_bounds; k++)
        for (size_t r = 0; !why && r + 1 < n_bounds[k]; r++, tried++) {
            size_t lo = splits[k][r] == SIZE_MAX ? T : splits[k][r];
            size_t hi = splits[k][r + 1] == SIZE_MAX ? T : splits[k][r + 1];
            why = read_range(s, ref, lo, hi, window, k == 1 ? 2 : 1);
        }
    static const size_t parts[] = { 1, 2, 3, 5, 7 };
    for (size_t k = 0; !why && k < sizeof parts / sizeof *parts; k++)
        for (size_t r = 0; !why && r < parts[k]; r++, tried++) {
            size_t lo, hi;
            blog_stream_part(T, parts[k], r, &lo, &hi);
            why = read_range(s, ref, lo, hi, window, 1);
        }
    /* Ends 1808 rows into the window that starts at 8192 (or inside the first). */
    if (!why && T > 10000)
        why = read_range(s, ref, 4096, 10000, window, 2);
    ok(!why, "%s (windows of %zu): %zu ranges give the whole log's rows and bits", what,
       window, tried);
    if (why)
        diag("%s", why);
    blog_stream_close(s);
    for (size_t r = 0; r < 3 && !why; r++) {
        size_t lo, hi;
        blog_stream_part(T, 3, r, &lo, &hi);
        s = open_stream(paths, n, window, &e);
        why = !s ? e.msg : read_range(s, ref, lo, hi, window, 2);
        blog_stream_close(s);
    }
    if (window == 4096) {
        ok(!why, "%s: three streams, one a part each, twice", what);
        if (why)
            diag("%s", why);
    }
}

static char *tpath(const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void gzip_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    gzFile out = gzopen(to, "wb");
    char buf[65536];
    size_t got;
    if (!in || !out)
        bail_out("cannot gzip %s", from);
    while ((got = fread(buf, 1, sizeof buf, in)) > 0)
        gzwrite(out, buf, (unsigned)got);
    gzclose(out);
    fclose(in);
}

/* zstd in two frames (a stream of several frames is valid, and the skip must cross
 * from one to the next). */
static void zstd_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (!in || !out)
        bail_out("cannot zstd %s", from);
    fseek(in, 0, SEEK_END);
    size_t n = (size_t)ftell(in), half = n / 3;
    rewind(in);
    char *src = malloc(n), *dst = malloc(ZSTD_compressBound(n));
    if (!src || !dst || fread(src, 1, n, in) != n)
        bail_out("cannot read %s", from);
    size_t a = ZSTD_compress(dst, ZSTD_compressBound(n), src, half, 3);
    size_t b = ZSTD_isError(a) ? a : ZSTD_compress(dst + a, ZSTD_compressBound(n) - a,
                                                   src + half, n - half, 3);
    if (ZSTD_isError(a) || ZSTD_isError(b) || fwrite(dst, 1, a + b, out) != a + b)
        bail_out("cannot compress %s", from);
    fclose(out);
    fclose(in);
    free(src);
    free(dst);
}

static size_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

/* The byte offset where line `line` of path starts. */
static size_t offset_of_line(const char *path, size_t line)
{
    FILE *f = fopen(path, "rb");
    size_t at = 0, l = 1;
    int ch;
    while (f && l < line && (ch = fgetc(f)) != EOF) {
        at++;
        l += ch == '\n';
    }
    if (f)
        fclose(f);
    return at;
}

/* Overwrite the byte at the start of line `line` plus skip of path with c, keeping
 * its size and time (so only the rows tell the change). */
static void poke(const char *path, size_t line, size_t skip, char c)
{
    struct stat st;
    FILE *f = fopen(path, "r+b");
    if (!f || stat(path, &st) != 0)
        bail_out("cannot open %s", path);
    size_t at = 0, l = 1;
    int ch;
    while (l < line && (ch = fgetc(f)) != EOF) {
        at++;
        l += ch == '\n';
    }
    if (fseek(f, (long)(at + skip), SEEK_SET) != 0 || fputc(c, f) == EOF)
        bail_out("cannot write %s", path);
    fclose(f);
    struct timespec t[2] = { st.st_atim, st.st_mtim };
    if (utimensat(AT_FDCWD, path, t, 0) != 0)
        bail_out("utimensat %s", path);
}

/* Put a letter in the reward (column 3) of the row `row` of the log of paths, which
 * ref holds (its line), inside input `in`: a pass over [lo, hi) must fail with the
 * message blog_load gives, at line:3. The rewrite moves the file's status change time,
 * which the stream's stamp would refuse first (t/0380): here it is left out of the
 * stamp, so that the range's rows tell the change, with their lines. */
static void check_bad_value(const char *what, const char *const *paths, size_t n,
                            size_t in, const struct blog *ref, size_t row, size_t in_line,
                            size_t lo, size_t hi)
{
    struct ope_error e = { 0 }, e1 = { 0 };
    in_stamp_test_mtime_only(1);
    struct blog_stream *s = open_stream(paths, n, 4096, &e);
    poke(paths[in], in_line, 2, 'x');
    struct blog *b = load_many(paths, n, &e1);
    int rc = s ? blog_stream_set_range(s, lo, hi, &e) : -1;
    const struct blog *w;
    size_t first;
    while (rc == 0 && (rc = blog_stream_next(s, &w, &first, &e)) == 1)
        rc = 0;
    char at[300];
    snprintf(at, sizeof at, "%s:%zu:3: ", paths[in], in_line);
    ok(!b && rc < 0 && e.status == e1.status && strcmp(e.msg, e1.msg) == 0 &&
       strncmp(e.msg, at, strlen(at)) == 0,
       "%s: a bad reward on row %zu, in the range [%zu, %zu): %s", what, row, lo, hi, at);
    if (b || rc >= 0 || strcmp(e.msg, e1.msg) != 0 || strncmp(e.msg, at, strlen(at)) != 0)
        diag("load: %s / range: %s", e1.msg, e.msg);
    poke(paths[in], in_line, 2, ref->reward[row] != 0 ? '1' : '0');
    in_stamp_test_mtime_only(0);
    blog_stream_close(s);
    blog_free(b);
}

/* A FIFO fed by a child with the file at path: spilled, then read over ranges. */
static void check_fifo(const char *path, const struct blog *ref)
{
    char *fifo = tpath("fifo");
    if (mkfifo(fifo, 0600) != 0)
        bail_out("mkfifo");
    pid_t pid = fork();
    if (pid == 0) {
        FILE *in = fopen(path, "rb"), *out = fopen(fifo, "wb");
        char buf[4096];
        size_t got;
        while (in && out && (got = fread(buf, 1, sizeof buf, in)) > 0)
            fwrite(buf, 1, got, out);
        if (out)
            fclose(out);
        _exit(0);
    }
    struct ope_error e = { 0 };
    const char *fp = fifo;
    struct blog_stream *s = open_stream(&fp, 1, 4096, &e);
    waitpid(pid, NULL, 0);
    ok(s && blog_stream_spilled(s), "a FIFO is spilled to a temporary file");
    struct blog copy = *ref;
    copy.path = fifo;               /* the window's path names the FIFO */
    const char *why = s ? NULL : e.msg;
    size_t T = ref->n, lo, hi;
    for (size_t r = 0; !why && r < 3; r++) {
        blog_stream_part(T, 3, r, &lo, &hi);
        why = read_range(s, &copy, lo, hi, 4096, 2);
    }
    ok(!why, "the FIFO's copy, in three ranges, gives the file's rows");
    if (why)
        diag("%s", why);
    blog_stream_close(s);
    unlink(fifo);
}

int main(void)
{
    plan_no_plan();
    if (!mkdtemp(dir))
        bail_out("mkdtemp");
    setenv("OPE_THREADS", "3", 1);
    struct ope_error e = { 0 };

    /* 21,000 rows: five whole chunks of 4096 and 520 rows. */
    struct shape plain = { 21000, 0, 0, 0, 0, 0, 0, 0, 0 };
    char *p = tpath("plain.csv");
    write_log(p, &plain, 1);
    const char *one[1] = { p };
    struct blog *b = load_many(one, 1, &e);
    check_splits("plain CSV", one, 1, b, 4096);
    check_splits("plain CSV", one, 1, b, 8192);
    blog_stream_test_any_window(1);
    check_splits("plain CSV", one, 1, b, 3000);
    blog_stream_test_any_window(0);
    {   /* The range's bits are those of the whole stream: the same windows' rows. */
        struct blog_stream *s = open_stream(one, 1, 4096, &e);
        const struct blog *w;
        size_t first;
        int same = s != NULL;
        while (same && blog_stream_next(s, &w, &first, &e) == 1)
            same = same_window(w, b, first) == NULL;
        ok(same, "the whole stream's windows are blog_load's rows (the reference)");
        blog_stream_close(s);
    }
    check_bad_value("plain CSV", one, 1, 0, b, 17000, b->line[17000], 16384, 21000);
    check_bad_value("plain CSV, a range that stops before it", one, 1, 0, b, 5000,
                    b->line[5000], 4096, 8192);
    blog_free(b);

    /* CRLF, blank lines, quoted fields, fields holding line breaks and a blank line,
     * positions with @P columns, a context turning categorical at row 15000. */
    struct shape odd = { 21000, 1, 97, 53, 41, 1, 15000, 0, 0 };
    p = tpath("odd.csv");
    write_log(p, &odd, 2);
    one[0] = p;
    b = load_many(one, 1, &e);
    ok(b && b->line[20999] > 21000 + 21000 / 97 + 2 * (21000 / 41),
       "the odd log's rows span more lines than rows (line %zu)", b ? b->line[20999] : 0);
    check_splits("CRLF, blank lines, line breaks in quotes, positions, categorical late",
                 one, 1, b, 4096);
    check_bad_value("CRLF and line breaks in quotes", one, 1, 0, b, 12300, b->line[12300],
                    12288, 16384);
    char *gz = tpath("odd.csv.gz"), *zst = tpath("odd.csv.zst");
    gzip_file(p, gz);
    zstd_file(p, zst);
    /* The path of the windows is the input's own. */
    char *path0 = b->path;
    b->path = gz;
    one[0] = gz;
    check_splits("gzip (the skip decompresses)", one, 1, b, 4096);
    b->path = zst;
    one[0] = zst;
    check_splits("zstd in two frames", one, 1, b, 4096);
    b->path = path0;
    check_fifo(p, b);
    blog_free(b);

    /* Two files of one log: 10,000 rows and 11,000, so the grid's rows 8192..12288
     * cross from one to the other (row 10000 is the second file's first). */
    struct shape half = odd;
    half.rows = 10000;
    half.categorical_at = 0;
    char *f1 = tpath("part1.csv"), *f2 = tpath("part2.csv");
    write_log(f1, &half, 3);
    half.rows = 11000;
    half.categorical_at = 5000;
    write_log(f2, &half, 4);
    const char *two[2] = { f1, f2 };
    b = load_many(two, 2, &e);
    check_splits("two files of one log", two, 2, b, 4096);
    blog_stream_test_any_window(1);
    check_splits("two files of one log", two, 2, b, 1000);
    blog_stream_test_any_window(0);
    /* Row 10005 is line 6 or later of part2.csv (header, rows, blank lines). */
    check_bad_value("two files, in the second", two, 2, 1, b, 10005, b->line[10005], 8192,
                    16384);
    {   /* A range that starts in the second file (row 12288). */
        struct blog_stream *s = open_stream(two, 2, 4096, &e);
        const char *why = s ? read_range(s, b, 12288, 21000, 4096, 2) : e.msg;
        ok(!why, "a range that starts in the second file");
        if (why)
            diag("%s", why);
        blog_stream_close(s);
    }
    blog_free(b);

    /* A seek, not a reading: a plain log of 60,000 rows (about 8 MB, row r on line
     * r + 2). A pass over [lo, hi) takes the header's block (1 MB, csv.c's CSV_BLOCK),
     * then the bytes from the line end before row lo on (up to the end or about 8 MB
     * past hi: the runs of plain lines the loader takes); reading every row before lo
     * instead would take the whole file. The whole pass takes all of it. */
    struct shape big = plain;
    big.rows = 60000;
    p = tpath("big.csv");
    write_log(p, &big, 5);
    one[0] = p;
    {
        /* The bytes each pass takes from the input: without the cache of parsed
         * batches, which would serve the whole pass and take none (checked below). */
        setenv("OPE_TEST_NO_STREAM_CACHE", "1", 1);
        size_t size = file_size(p);
        struct blog_stream *s = open_stream(one, 1, 4096, &e);
        unsetenv("OPE_TEST_NO_STREAM_CACHE");
        size_t lo[3] = { 0, 57344, 28672 }, hi[3] = { 60000, 60000, 32768 };
        for (int k = 0; k < 3 && s; k++) {
            const struct blog *w;
            size_t first, rows = 0;
            int rc = blog_stream_set_range(s, lo[k], hi[k], &e);
            while (rc == 0 && (rc = blog_stream_next(s, &w, &first, &e)) == 1) {
                rows += w->n;
                rc = 0;
            }
            size_t taken = rc == 0 && rows == hi[k] - lo[k] ? blog_stream_bytes_taken(s) : 0;
            size_t before = offset_of_line(p, lo[k] + 2);
            if (k == 0)
                ok(taken >= size, "the whole pass takes the file's %zu bytes (%zu)", size,
                   taken);
            else
                ok(taken > 0 && taken < size && taken <= size - before + 1 + ((size_t)1 << 20),
                   "rows [%zu, %zu): %zu bytes taken: 1 MB and the %zu from row %zu on, +1",
                   lo[k], hi[k], taken, size - before, lo[k]);
        }
        blog_stream_close(s);
    }

    /* Usage errors; a failed call changes nothing. */
    p = tpath("plain.csv");
    one[0] = p;
    {
        struct blog_stream *s = open_stream(one, 1, 4096, &e);
        struct ope_error u = { 0 };
        int rc = s ? blog_stream_set_range(s, 100, 4096, &u) : 0;
        ok(rc < 0 && u.status == OPE_EUSAGE && strstr(u.msg, "multiple of 4096") &&
           strstr(u.msg, "row 100"), "row_lo off the grid: usage error (%s)", u.msg);
        rc = s ? blog_stream_set_range(s, 24576, 24576, &u) : 0;
        ok(rc < 0 && u.status == OPE_EUSAGE && strstr(u.msg, "21000 rows"),
           "row_lo past the rows: usage error (%s)", u.msg);
        rc = s ? blog_stream_set_range(s, 4096, 21001, &u) : 0;
        ok(rc < 0 && u.status == OPE_EUSAGE, "row_hi past the rows: usage error");
        rc = s ? blog_stream_set_range(s, 8192, 4096, &u) : 0;
        ok(rc < 0 && u.status == OPE_EUSAGE, "row_hi below row_lo: usage error");
        size_t lo = 1;
        ok(s && blog_stream_range_rows(s, &lo) == 21000 && lo == 0,
           "and the range is still the whole log");
        const struct blog *w;
        size_t first;
        rc = s ? blog_stream_set_range(s, 21000, 21000, &u) : -1;
        ok(rc == 0 && blog_stream_next(s, &w, &first, &u) == 0,
           "the empty range at the log's end (21000, off the grid) gives no window");
        blog_stream_close(s);
    }

    /* The log changes between the first pass and a range's: the same size and time
     * (only the rows tell), one byte less in row 10 and one more in row 20000, so row
     * 8192 begins a byte later than noted: refused, not read from the wrong byte. */
    {
        struct shape moved = plain;
        struct stat st;
        struct blog_stream *s = open_stream(one, 1, 4096, &e);
        moved.shorter_at = 10;
        moved.longer_at = 20000;
        stat(p, &st);
        write_log(p, &moved, 1);
        struct timespec t[2] = { st.st_atim, st.st_mtim };
        utimensat(AT_FDCWD, p, t, 0);
        struct ope_error c = { 0 };
        int rc = s ? blog_stream_set_range(s, 8192, 12288, &c) : 0;
        ok(file_size(p) == (size_t)st.st_size && rc < 0 && c.status == OPE_EDATA &&
           strstr(c.msg, "changed while it was read"), "rows moved under a range: %s", c.msg);
        FILE *f = fopen(p, "a");
        fputs("0,1,0.5,0.1,0.2,c1,0.1,0.1,0.1,0.25,0.25,0.5,0.5,0,0.5\n", f);
        fclose(f);
        rc = s ? blog_stream_set_range(s, 0, 4096, &c) : 0;
        ok(rc < 0 && c.status == OPE_EDATA && strstr(c.msg, "its size or time"),
           "a row added: %s", c.msg);
        blog_stream_close(s);
    }
    {   /* blog_stream_part: 6 chunks of 21000 rows into 4 parts: floor(6k/4) = 0, 1, 3,
         * 4, 6 chunks -> [0, 4096), [4096, 12288), [12288, 16384), [16384, 21000). */
        size_t want[5] = { 0, 4096, 12288, 16384, 21000 }, lo, hi;
        int good = 1;
        for (size_t k = 0; k < 4; k++) {
            blog_stream_part(21000, 4, k, &lo, &hi);
            good &= lo == want[k] && hi == want[k + 1];
        }
        blog_stream_part(21000, 4, 4, &lo, &hi);
        ok(good && lo == 21000 && hi == 21000, "blog_stream_part shares out whole chunks");
    }

    const char *files[] = { "plain.csv", "odd.csv", "odd.csv.gz", "odd.csv.zst",
                            "part1.csv", "part2.csv", "big.csv" };
    for (size_t k = 0; k < sizeof files / sizeof *files; k++)
        unlink(tpath(files[k]));
    rmdir(dir);
    return done_testing();
}
