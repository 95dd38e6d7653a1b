/* t/0380-blog-stream.c: a bandit log read in windows (datasets/blog_stream.h). The
 * reference is blog_load on the whole log: every window must hold exactly its rows'
 * values, positions, policy and model matrices, categorical codes and line numbers,
 * with the whole log's actions, positions and levels; the first error must be the one
 * blog_load reports. Logs with positions and @P columns, a context column that turns
 * categorical late, quoted fields, CRLF and blank lines, several files, gzip, a FIFO
 * (spilled to a temporary file), and windows of 4096 rows and of a few rows. The
 * later passes read the parsed batches back from their cache (blog_stream_cache.h):
 * which passes parse and which read it back, and that the rows are the same either
 * way, when the cache stops (a late categorical turn, a full file system) and for a
 * range of rows. */
#include "config.h"
#include "t/tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include "datasets/blog.h"
#include "datasets/blog_loader.h"
#include "datasets/blog_stream.h"
#include "datasets/blog_stream_cache.h"
#include "datasets/csv.h"
#include "ope/base/rng.h"
#include "ope/base/sha256.h"
#include "ope/base/progress.h"

static char dir[] = "/tmp/ope-t0380-XXXXXX";

struct shape {
    size_t rows;
    int crlf, blank_every, quote_every, positions, no_final_newline;
    size_t categorical_at;      /* row where x1 becomes a word (0: never) */
    size_t bad_pscore_at;       /* a pscore of 0 (0: none) */
    size_t bad_sum_at;          /* policy b's probabilities sum to 0.9 (0: none) */
    size_t low_pos_at;          /* position 0 in a 1-based log (0: none) */
};

/* A log with a numeric x0, x1 numeric or (from categorical_at, every third row) a
 * word, x2 always a word; q.0-2, policies a and b; with positions, slots 1..4 (5 and
 * 0 only late), pi.a.*@2 overriding a at slot 2, and qhat.*, qhat.1@3. */
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
        fprintf(f, "%d,%d,%s%.17g%s,", (int)(ope_rng_u64(&g) % 3), u < 0.4,
                q ? "\"" : "", sh->bad_pscore_at == i ? 0.0 : p, q ? "\"" : "");
        if (sh->positions) {
            int late = i > sh->rows / 3 * 2, pos = 1 + (int)(ope_rng_u64(&g) % 4);
            fprintf(f, "%d,", sh->low_pos_at == i ? 0 : late && i % 7 == 0 ? 5 : pos);
        }
        if (sh->categorical_at && i >= sh->categorical_at && i % 3 == 0)
            fprintf(f, "%.6g,w%d,", ope_rng_normal(&g), (int)(ope_rng_u64(&g) % 5));
        else
            fprintf(f, "%.6g,%.3g,", ope_rng_normal(&g), ope_rng_normal(&g));
        fprintf(f, "%sc%d%s,", q ? "\"" : "", (int)(ope_rng_u64(&g) % 7), q ? "\"" : "");
        fprintf(f, "%.17g,%.17g,%.17g,", ope_rng_uniform(&g), ope_rng_uniform(&g),
                ope_rng_uniform(&g));
        fprintf(f, "0.25,0.25,0.5,0.5,0,%s", sh->bad_sum_at == i ? "0.4" : "0.5");
        if (sh->positions)
            fprintf(f, ",0.1,0.2,0.7,%.6g,%.6g,%.6g,%.6g", ope_rng_normal(&g),
                    ope_rng_normal(&g), ope_rng_normal(&g), ope_rng_normal(&g));
        fputs(sh->no_final_newline && i == sh->rows ? "" : eol, f);
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

/* Window w equals rows first.. of the whole log b, and has b's whole-log facts. */
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
        if (strcmp(w->num_ctx_name[j], b->num_ctx_name[j]) != 0 ||
            !same_rows(w->num_ctx[j], b->num_ctx[j] + first, n * sizeof(double)))
            return "numeric context";
    for (size_t j = 0; j < w->n_cat_ctx; j++) {
        const struct blog_catcol *x = &w->cat_ctx[j], *y = &b->cat_ctx[j];
        if (strcmp(x->name, y->name) != 0 || x->n_levels != y->n_levels ||
            !same_rows(x->code, y->code + first, n * sizeof(int)))
            return "categorical codes";
        for (size_t l = 0; l < x->n_levels; l++)
            if (strcmp(x->levels[l], y->levels[l]) != 0)
                return "categorical levels";
    }
    if (w->n_policies != b->n_policies)
        return "policies";
    for (size_t p = 0; p < w->n_policies; p++)
        if (strcmp(w->policy[p].name, b->policy[p].name) != 0 ||
            !same_matrix(w->policy[p].prob, b->policy[p].prob, w->n_actions, first, n))
            return "policy probabilities";
    if (!same_matrix(w->qhat, b->qhat, w->n_actions, first, n) ||
        !same_matrix(w->q, b->q, w->n_actions, first, n))
        return "qhat or q";
    if (w->n_columns != b->n_columns)
        return "columns";
    for (size_t c = 0; c < w->n_columns; c++)
        if (strcmp(w->columns[c], b->columns[c]) != 0 ||
            strcmp(w->column_role[c], b->column_role[c]) != 0)
            return "column roles";
    return NULL;
}

/* Two passes over the stream, each window checked against b. NULL or what differs. */
static const char *compare_passes(struct blog_stream *s, const struct blog *b, size_t window,
                                  size_t *windows)
{
    static char why[2300];
    struct ope_error err = { 0 };
    *windows = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass && blog_stream_rewind(s, &err) < 0)
            return snprintf(why, sizeof why, "rewind: %s", err.msg), why;
        size_t next = 0, first;
        const struct blog *w;
        int rc;
        while ((rc = blog_stream_next(s, &w, &first, &err)) == 1) {
            const char *d = same_window(w, b, first);
            if (first != next || (w->n != window && first + w->n != b->n) || w->n == 0)
                d = "windows not consecutive and full";
            if (d)
                return snprintf(why, sizeof why, "pass %d, window at row %zu: %s", pass,
                                first, d), why;
            next += w->n;
            *windows += !pass;
        }
        if (rc < 0)
            return snprintf(why, sizeof why, "pass %d: %s", pass, err.msg), why;
        if (next != b->n || blog_stream_rows(s) != b->n)
            return snprintf(why, sizeof why, "pass %d: %zu rows, %zu expected", pass, next,
                            b->n), why;
    }
    return NULL;
}

static struct blog *load_many(const char *const *paths, size_t n, const struct load_opts *o,
                              struct ope_error *err)
{
    struct csv_reader *csv = csv_open_many(paths, n, o->sep, err);
    struct blog *b = csv ? blog_load_csv(csv, o, err) : NULL;
    csv_close(csv);
    return b;
}

/* Stream paths in windows and compare with the whole load. */
static void check_same(const char *what, const char *const *paths, size_t n,
                       const struct load_opts *o, size_t window)
{
    struct ope_error e1 = { 0 }, e2 = { 0 };
    struct blog *b = load_many(paths, n, o, &e1);
    struct blog_stream *s = blog_stream_open(paths, n, o, window, &e2);
    size_t windows = 0;
    const char *why = !b ? e1.msg : !s ? e2.msg : compare_passes(s, b, window, &windows);
    ok(!why, "%s (window %zu): %zu windows equal the whole load's rows, twice", what,
       window, windows);
    if (why)
        diag("%s", why);
    blog_stream_close(s);
    blog_free(b);
}

/* Both fail, with the same status and message. */
static void check_error(const char *what, const char *path, const struct load_opts *o,
                        size_t window)
{
    struct ope_error e1 = { 0 }, e2 = { 0 };
    struct blog *b = blog_load(path, o, &e1);
    struct blog_stream *s = blog_stream_open(&path, 1, o, window, &e2);
    ok(!b && !s && e1.status == e2.status && strcmp(e1.msg, e2.msg) == 0,
       "%s: blog_load's error", what);
    if (b || s || strcmp(e1.msg, e2.msg) != 0)
        diag("load: %s / stream: %s", e1.msg, e2.msg);
    blog_stream_close(s);
    blog_free(b);
}

static char *tpath(const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* Split the log at path into pieces files with its header each. */
static void split_log(const char *path, int pieces, char names[][256])
{
    FILE *in = fopen(path, "r");
    char hdr[4096], line[4096];
    if (!in || !fgets(hdr, sizeof hdr, in))
        bail_out("cannot read %s", path);
    long lines = 0;
    while (fgets(line, sizeof line, in))
        lines++;
    rewind(in);
    if (!fgets(hdr, sizeof hdr, in))
        bail_out("cannot read %s", path);
    for (int k = 0; k < pieces; k++) {
        snprintf(names[k], 256, "%s/piece%d.csv", dir, k);
        FILE *out = fopen(names[k], "w");
        if (!out)
            bail_out("cannot write %s", names[k]);
        fputs(hdr, out);
        for (long i = 0; i < lines / pieces + (k == pieces - 1 ? lines % pieces : 0); i++)
            if (fgets(line, sizeof line, in))
                fputs(line, out);
        fclose(out);
    }
    fclose(in);
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

static int dir_entries(const char *d)
{
    DIR *D = opendir(d);
    int n = 0;
    struct dirent *e;
    while (D && (e = readdir(D)))
        n += e->d_name[0] != '.';
    if (D)
        closedir(D);
    return n;
}

/* One pass over the whole stream, each window checked against b; *taken: the bytes
 * the pass took from the input (0: its rows came from the cache). NULL or what
 * differs. */
static const char *one_pass(struct blog_stream *s, const struct blog *b, size_t *taken)
{
    static char why[2300];
    struct ope_error err = { 0 };
    size_t next = 0, first;
    const struct blog *w;
    int rc;
    if (blog_stream_rewind(s, &err) < 0)
        return snprintf(why, sizeof why, "rewind: %s", err.msg), why;
    while ((rc = blog_stream_next(s, &w, &first, &err)) == 1) {
        const char *d = first != next ? "windows not consecutive" : same_window(w, b, first);
        if (d)
            return snprintf(why, sizeof why, "window at row %zu: %s", first, d), why;
        next += w->n;
    }
    if (rc < 0)
        return snprintf(why, sizeof why, "%s", err.msg), why;
    *taken = blog_stream_bytes_taken(s);
    return next == b->n ? NULL : "not every row";
}

/* Three passes over path with the cache limited to limit bytes (0: none), each equal
 * to the whole load; parsed[k]: whether pass k must parse the input. */
static void check_cache(const char *what, const char *path, const struct load_opts *o,
                        size_t window, size_t limit, const int parsed[3])
{
    struct ope_error e1 = { 0 }, e2 = { 0 };
    bsc_test_limit(limit);
    struct blog *b = blog_load(path, o, &e1);
    struct blog_stream *s = blog_stream_open(&path, 1, o, window, &e2);
    const char *why = !b ? e1.msg : !s ? e2.msg : NULL;
    int as_said = 1;
    for (int k = 0; k < 3 && !why; k++) {
        size_t taken = 0;
        why = one_pass(s, b, &taken);
        as_said &= (taken > 0) == parsed[k];
        if ((taken > 0) != parsed[k])
            diag("pass %d took %zu bytes", k + 1, taken);
    }
    char which[32];
    snprintf(which, sizeof which, "%s%s%s", parsed[0] ? " 1" : "", parsed[1] ? " 2" : "",
             parsed[2] ? " 3" : "");
    ok(!why && as_said, "%s: three passes equal the whole load; %s%s parse the input", what,
       which[0] ? "passes" : "none", which);
    if (why)
        diag("%s", why);
    blog_stream_close(s);
    blog_free(b);
    bsc_test_limit(0);
}

/* A FIFO fed by a child with the file at path: streamed, spilled, removed at close. */
static void check_fifo(const char *path, const struct load_opts *o)
{
    char *fifo = tpath("fifo"), *spill = tpath("spill");
    if (mkfifo(fifo, 0600) != 0 || mkdir(spill, 0700) != 0)
        bail_out("mkfifo");
    setenv("TMPDIR", spill, 1);
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
    struct ope_error e1 = { 0 }, e2 = { 0 };
    struct blog *b = blog_load(path, o, &e1);
    const char *fp = fifo;
    struct blog_stream *s = blog_stream_open(&fp, 1, o, 4096, &e2);
    waitpid(pid, NULL, 0);
    ok(s && blog_stream_spilled(s), "a FIFO is spilled to a temporary file (%s)", e2.msg);
    ok(s && dir_entries(spill) == 1, "in $TMPDIR");
    char want[65] = "", got[65] = "";
    sha256_file_hex(path, want, &e1);
    ok(s && blog_stream_digest(s, got) == 0 && strcmp(got, want) == 0,
       "its digest is the SHA-256 of the bytes that came through (%s)", got);
    size_t windows;
    /* Messages and the window's path name the FIFO, not the copy. */
    const char *why;
    if (b) {
        free(b->path);
        b->path = strdup(fifo);
    }
    why = !b ? e1.msg : !s ? e2.msg : compare_passes(s, b, 4096, &windows);
    ok(!why, "the FIFO's windows equal the file's, in two passes");
    if (why)
        diag("%s", why);
    blog_stream_close(s);
    ok(dir_entries(spill) == 0, "the temporary copy is removed at close");
    blog_free(b);
    unsetenv("TMPDIR");
    unlink(fifo);
    rmdir(spill);
}

int main(void)
{
    plan_no_plan();
    if (!mkdtemp(dir))
        bail_out("mkdtemp");
    setenv("OPE_THREADS", "3", 1);
    struct load_opts o;
    load_opts_init(&o);

    /* About 10,000 rows, windows of 4096: three windows, the last partial. */
    struct shape plain = { 10000, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    char *p = tpath("plain.csv");
    write_log(p, &plain, 1);
    const char *one[1] = { p };
    check_same("numeric contexts, q.*, two policies", one, 1, &o, 4096);
    check_same("the same log, over 16 windows of a batch", one, 1, &o, 8192);

    struct shape odd = { 10500, 1, 97, 1777, 1, 1, 7000, 0, 0, 0 };
    p = tpath("odd.csv");
    write_log(p, &odd, 2);
    one[0] = p;
    check_same("CRLF, blank lines, quoted fields, positions with @P columns, qhat.*, a "
               "context turning categorical at row 7000", one, 1, &o, 4096);
    struct load_opts o0 = o;
    o0.position_base = 0;
    check_same("the same with --position-base 0", one, 1, &o0, 4096);

    /* Several files of one log, and gzip. */
    char pieces[3][256];
    split_log(p, 3, pieces);
    const char *three[3] = { pieces[0], pieces[1], pieces[2] };
    check_same("three files of one log", three, 3, &o, 4096);
    {   /* The digest of several files: SHA-256 of their bytes one after the other. */
        char cat[1200], catp[300], want[65] = "", got[65] = "";
        struct ope_error e = { 0 };
        snprintf(catp, sizeof catp, "%s/cat.csv", dir);
        snprintf(cat, sizeof cat, "cat %s %s %s > %s", pieces[0], pieces[1], pieces[2], catp);
        if (system(cat) != 0)
            bail_out("%s", cat);
        sha256_file_hex(catp, want, &e);
        unlink(catp);
        struct blog_stream *s = blog_stream_open(three, 3, &o, 4096, &e);
        ok(s && blog_stream_digest(s, got) == 0 && strcmp(got, want) == 0,
           "three files: the digest of their bytes in order");
        blog_stream_close(s);
        one[0] = p;
        s = blog_stream_open(one, 1, &o, 4096, &e);
        ok(s && blog_stream_digest(s, got) < 0, "one regular file: no digest (hash its path)");
        blog_stream_close(s);
    }
    char *gz = tpath("odd.csv.gz");
    gzip_file(p, gz);
    one[0] = gz;
    check_same("a gzip file", one, 1, &o, 4096);

    /* Tiny windows: many batches, the categorical turn in a late one. */
    blog_stream_test_any_window(1);
    struct shape small = { 700, 1, 13, 37, 1, 0, 400, 0, 0, 0 };
    p = tpath("small.csv");
    write_log(p, &small, 3);
    one[0] = p;
    check_same("700 rows with a late categorical turn", one, 1, &o, 7);
    check_same("one-row windows", one, 1, &o, 1);
    split_log(p, 3, pieces);
    check_same("three files in windows of 5 rows", three, 3, &o, 5);
    blog_stream_test_any_window(0);

    p = tpath("odd.csv");
    check_fifo(p, &o);

    /* The cache of parsed batches. The first pass (blog_stream_open's) fills it, so no
     * later pass parses; a context column that turns categorical after the first
     * batch stops it there (its earlier batches hold numbers), and the first later
     * pass fills it; a full file system stops every pass's, and each parses. */
    {
        static const int none[3] = { 0, 0, 0 }, first[3] = { 1, 0, 0 }, all[3] = { 1, 1, 1 };
        struct shape big = { 60000, 0, 0, 0, 1, 0, 0, 0, 0, 0 };
        char *c = tpath("cache.csv");
        write_log(c, &big, 9);
        check_cache("positions, qhat, a categorical column", c, &o, 4096, 0, none);
        /* Rows that end with a batch (48,000: three of 16,000 with windows of 1000): the
         * empty read after the last says the pass read them all, so the cache serves
         * the later passes (it did not, once). */
        struct shape even = big;
        even.rows = 48000;
        char *ev = tpath("even.csv");
        write_log(ev, &even, 9);
        blog_stream_test_any_window(1);
        check_cache("rows that end with a batch", ev, &o, 1000, 0, none);
        blog_stream_test_any_window(0);
        /* Windows of 1000 rows: batches of 16,000, the turn in the fourth. */
        char *l = tpath("late.csv");
        big.categorical_at = 50000;
        write_log(l, &big, 9);
        blog_stream_test_any_window(1);
        check_cache("a column turning categorical at row 50000", l, &o, 1000, 0, first);
        check_cache("a cache that fills its file system at 1 MB", l, &o, 1000,
                    (size_t)1 << 20, all);
        blog_stream_test_any_window(0);
        big.categorical_at = 30;
        write_log(l, &big, 9);
        check_cache("a column turning categorical in the first batch", l, &o, 4096, 0, none);
        /* A batch of the cache that cannot be read back (EIO): the pass parses the log
         * from that batch on (the rows before it read and dropped), with the same rows,
         * and the later passes parse too (the cache is not written again). Windows of
         * 1000 rows: batches of 16,000, four in all; the first or the third fails. */
        blog_stream_test_any_window(1);
        bsc_test_read_error(1);
        check_cache("the cache's first batch fails to read back", c, &o, 1000, 0, all);
        bsc_test_read_error(3);
        check_cache("the cache's third batch fails to read back", c, &o, 1000, 0, all);
        bsc_test_read_error(0);
        blog_stream_test_any_window(0);
        setenv("OPE_TEST_NO_STREAM_CACHE", "1", 1);
        check_cache("OPE_TEST_NO_STREAM_CACHE", c, &o, 4096, 0, all);
        unsetenv("OPE_TEST_NO_STREAM_CACHE");

        /* A range: its first pass parses, the next reads the range back; another range
         * parses again. */
        struct ope_error e = { 0 };
        struct blog *b = blog_load(c, &o, &e);
        const char *cp = c;
        struct blog_stream *s = blog_stream_open(&cp, 1, &o, 4096, &e);
        size_t lo[3] = { 8192, 8192, 4096 }, hi[3] = { 40000, 40000, 60000 };
        int fine = b && s, parsed[3] = { 0, 0, 0 };
        for (int k = 0; k < 3 && fine; k++) {
            const struct blog *w;
            size_t f, rows = 0;
            int rc = blog_stream_set_range(s, lo[k], hi[k], &e);
            while (rc == 0 && (rc = blog_stream_next(s, &w, &f, &e)) == 1) {
                fine &= f == lo[k] + rows && !same_window(w, b, f);
                rows += w->n;
                rc = 0;
            }
            fine &= rc == 0 && rows == hi[k] - lo[k];
            parsed[k] = blog_stream_bytes_taken(s) > 0;
        }
        ok(fine && parsed[0] && !parsed[1] && parsed[2], "ranges: [8192, 40000) parsed, "
           "then read back; [4096, 60000) parsed (%d %d %d) %s", parsed[0], parsed[1],
           parsed[2], e.msg);

        /* Cancelled while the rows come from the cache: the work stops there. */
        struct ope_progress pr;
        ope_progress_init(&pr, NULL, NULL);
        blog_stream_set_progress(s, &pr);
        const struct blog *w;
        size_t f;
        int rc = blog_stream_set_range(s, 0, 60000, &e);
        rc = rc == 0 ? blog_stream_next(s, &w, &f, &e) : -1;       /* parses: fills it */
        while (rc == 1)
            rc = blog_stream_next(s, &w, &f, &e);
        rc = rc == 0 ? blog_stream_rewind(s, &e) : -1;
        int cached = blog_stream_bytes_taken(s) == 0;
        atomic_store(&pr.cancel, 1);
        rc = rc == 0 ? blog_stream_next(s, &w, &f, &e) : -1;
        ok(cached && rc < 0 && e.status == OPE_EINTERRUPTED && strstr(e.msg, "cancelled"),
           "cancelled while reading the cache: %s", e.msg);
        atomic_store(&pr.cancel, 0);
        blog_stream_set_progress(s, NULL);

        /* Rewritten in place, the same size, its modification time put back (touch -r):
         * the status change time still shows it. */
        {
            char *c2 = tpath("rewrite.csv");
            write_log(c2, &big, 9);
            struct ope_error e2 = { 0 };
            const char *cp2 = c2;
            struct blog_stream *s2 = blog_stream_open(&cp2, 1, &o, 4096, &e2);
            struct stat st0, st1;
            FILE *rw = fopen(c2, "r+b");
            if (!s2 || !rw || stat(c2, &st0) != 0 || fseek(rw, -2, SEEK_END) != 0)
                bail_out("rewrite.csv: %s", e2.msg);
            int ch = fgetc(rw);     /* the last field's last digit */
            fseek(rw, -2, SEEK_END);
            fputc(ch == '0' ? '1' : '0', rw);
            fclose(rw);
            struct timespec ts[2] = { st0.st_atim, st0.st_mtim };
            int same = utimensat(AT_FDCWD, c2, ts, 0) == 0 && stat(c2, &st1) == 0 &&
                       st1.st_size == st0.st_size &&
                       st1.st_mtim.tv_sec == st0.st_mtim.tv_sec &&
                       st1.st_mtim.tv_nsec == st0.st_mtim.tv_nsec;
            rc = blog_stream_rewind(s2, &e2);
            ok(same && rc < 0 && strstr(e2.msg, "changed while it was read"),
               "rewritten in place, the same size and modification time: %s", e2.msg);
            blog_stream_close(s2);
        }

        /* An input changed after the cache was filled is refused as before: the cache
         * does not hide it. */
        FILE *a = fopen(c, "a");
        if (!a)
            bail_out("cannot append to %s", c);
        fputs("1,0,0.5,3,0.1,0.2,c1,0.1,0.2,0.3,0.25,0.25,0.5,0.5,0,0.5,0.1,0.2,0.7,0,0,0,0\n", a);
        fclose(a);
        e = (struct ope_error){ 0 };
        rc = blog_stream_rewind(s, &e);
        ok(rc < 0 && strstr(e.msg, "changed"), "the log changed after the cache was filled: "
           "%s", e.msg);
        blog_stream_close(s);
        blog_free(b);
    }

    /* Errors: the first one blog_load reports, at its file:line:column. */
    struct shape bad = plain;
    bad.bad_pscore_at = 9000;
    p = tpath("bad1.csv");
    write_log(p, &bad, 4);
    check_error("a bad pscore in the third window", p, &o, 4096);
    bad.bad_sum_at = 100;
    write_log(p, &bad, 4);
    check_error("a bad sum early and a bad pscore late: the pscore", p, &o, 4096);
    bad.bad_pscore_at = 0;
    bad.bad_sum_at = 8000;
    write_log(p, &bad, 4);
    check_error("probabilities summing to 0.9 in the second window", p, &o, 4096);
    {   /* The same log in three files: the row's own file is named. */
        split_log(p, 3, pieces);
        struct ope_error e1 = { 0 }, e2 = { 0 };
        struct blog *b = load_many(three, 3, &o, &e1);
        struct blog_stream *s = blog_stream_open(three, 3, &o, 4096, &e2);
        ok(!b && !s && strcmp(e1.msg, e2.msg) == 0 && strstr(e2.msg, "piece2.csv:"),
           "the bad sum in the third of three files: blog_load's error, naming that file");
        if (b || s || strcmp(e1.msg, e2.msg) != 0)
            diag("load: %s / stream: %s", e1.msg, e2.msg);
        blog_stream_close(s);
        blog_free(b);
    }
    struct shape lowpos = odd;
    lowpos.low_pos_at = 5000;
    write_log(p, &lowpos, 5);
    struct load_opts o1 = o;
    o1.position_base = 1;
    check_error("position 0 under --position-base 1", p, &o1, 4096);
    struct load_opts o4 = o;
    o4.n_actions = 2;
    write_log(p, &plain, 6);
    check_error("--n-actions 2 with pi.*.2 columns", p, &o4, 4096);
    FILE *f = fopen(p, "w");
    fputs("action,reward,pscore,qhat.0,qhat.1\n0,1,0.5,0.1,0.2\n", f);
    for (int i = 0; i < 5000; i++)
        fputs("1,0,0.5,0.1,0.2\n", f);
    fputs("2,0,0.5,0.1,0.2\n", f);
    fclose(f);
    check_error("an action past the qhat columns on line 5003", p, &o, 4096);
    f = fopen(p, "w");
    fputs("action,reward,pscore\n", f);
    fclose(f);
    check_error("a header and no rows", p, &o, 4096);
    {   /* Cancellation: the open's first pass, and a later pass, stop. */
        struct ope_progress pr;
        struct ope_error e = { 0 };
        ope_progress_init(&pr, NULL, NULL);
        atomic_store(&pr.cancel, 1);
        const char *pl = tpath("plain.csv");
        write_log(pl, &plain, 1);
        struct blog_stream *s = blog_stream_open_progress(&pl, 1, &o, 4096, &pr, &e);
        ok(!s && e.status == OPE_EINTERRUPTED, "a cancelled progress stops the first pass (%s)",
           e.msg);
        atomic_store(&pr.cancel, 0);
        s = blog_stream_open_progress(&pl, 1, &o, 4096, &pr, &e);
        const struct blog *w;
        size_t first;
        int rc = s ? blog_stream_next(s, &w, &first, &e) : -1;
        /* The log fits in one batch, read at once: the next pass is stopped. */
        atomic_store(&pr.cancel, 1);
        ope_error_clear(&e);
        if (rc == 1)
            rc = blog_stream_rewind(s, &e) < 0 ? -1 : blog_stream_next(s, &w, &first, &e);
        ok(s && rc < 0 && e.status == OPE_EINTERRUPTED, "and a later pass (%s)", e.msg);
        blog_stream_close(s);
    }
    const char *missing = tpath("missing.csv");
    check_error("a missing file", missing, &o, 4096);

    unlink(tpath("plain.csv"));
    unlink(tpath("odd.csv"));
    unlink(tpath("odd.csv.gz"));
    unlink(tpath("small.csv"));
    unlink(tpath("bad1.csv"));
    for (int k = 0; k < 3; k++)
        unlink(pieces[k]);
    rmdir(dir);
    return done_testing();
}
