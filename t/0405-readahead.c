/* t/0405-readahead.c: a compressed regular file is decompressed on a thread of its own,
 * blocks ahead of the reader (datasets/input.c): in_read must hand out exactly the
 * bytes of the reading without the thread (OPE_NO_READAHEAD=1), in any sizes of
 * request, through several gzip members and zstd frames; a stream cut short must fail
 * after the same bytes with the same message; in_raw_taken must grow with the bytes
 * read and end at the file's size; in_seek (which reads and drops) must land where
 * the bytes say; and an input closed before its end must stop its thread (the test
 * ends; ThreadSanitizer, which runs every C test in CI's third build, watches the
 * hand-over).
 *
 * How it can fail: a block handed out twice or skipped at the ring's wrap (the bytes
 * differ from the second block on), a request served from a block not yet filled
 * (garbage, or a race), a failure reported before the good bytes before it, a thread
 * left waiting on a full ring at close (the test hangs), in_raw_taken read while the
 * thread moves it (a race). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "datasets/input.h"
#include "t/tap.h"

#define MB ((size_t)1 << 20)

/* n bytes of CSV-like text, not too compressible: a row counter and a hash. */
static char *text(size_t n)
{
    char *p = malloc(n);
    uint64_t x = 88172645463325252ULL;
    for (size_t i = 0; p && i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = i % 64 == 63 ? '\n' : (char)('0' + (x >> 58) % 10);
        if (i % 7 == 3)
            p[i] = ',';
    }
    return p;
}

static int write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(p, 1, n, f) == n;
    if (f && fclose(f) != 0)
        ok = 0;
    return ok;
}

/* gzip members of the parts of p (cut at each of cuts[], ascending, then the end). */
static int gzip_file(const char *path, const char *p, size_t n, const size_t *cuts, int k)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    size_t at = 0;
    int ok = 1;
    for (int c = 0; c <= k && ok; c++) {
        size_t end = c < k ? cuts[c] : n;
        z_stream z;
        memset(&z, 0, sizeof z);
        ok = deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
        size_t cap = deflateBound(&z, (uLong)(end - at));
        unsigned char *out = ok ? malloc(cap) : NULL;
        z.next_in = (unsigned char *)p + at;
        z.avail_in = (uInt)(end - at);
        z.next_out = out;
        z.avail_out = (uInt)cap;
        ok = out && deflate(&z, Z_FINISH) == Z_STREAM_END &&
             fwrite(out, 1, cap - z.avail_out, f) == cap - z.avail_out;
        deflateEnd(&z);
        free(out);
        at = end;
    }
    return fclose(f) == 0 && ok;
}

static int zstd_file(const char *path, const char *p, size_t n)
{
    size_t cap = ZSTD_compressBound(n);
    void *out = malloc(cap);
    size_t got = out ? ZSTD_compress(out, cap, p, n, 1) : 0;
    int ok = out && !ZSTD_isError(got) && write_file(path, out, got);
    free(out);
    return ok;
}

/* Everything in_read gives from path, in requests of sizes cycling through want[],
 * into *got (malloc'd; *n bytes); *rc the last in_read's (0 at the end, -1: *err).
 * Checks that in_raw_taken never decreases. */
static int read_all(const char *path, const size_t *want, int k, char **got, size_t *n,
                    struct ope_error *err, size_t *raw_end)
{
    struct in_src *in = in_open(path, NULL, err);
    if (!in)
        return -2;
    size_t cap = 64 * MB, len = 0, last_raw = 0;
    char *buf = malloc(cap);
    int monotone = 1;
    long r = 0;
    for (int i = 0; buf; i++) {
        size_t w = want[i % k];
        if (len + w > cap)
            break;
        r = in_read(in, buf + len, w, err);
        if (r <= 0)
            break;
        len += (size_t)r;
        size_t raw = in_raw_taken(in);
        monotone &= raw >= last_raw;
        last_raw = raw;
    }
    *raw_end = in_raw_taken(in);
    in_close(in);
    *got = buf;
    *n = len;
    return !monotone ? -3 : r < 0 ? -1 : 0;
}

static void both_ways(const char *desc, const char *path, const char *want_text, size_t n)
{
    static const size_t sizes[] = { 1, 4096, 3 * MB + 17, 65536, MB, 100, 8 * MB };
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0, ra = 0, rb = 0;
    struct ope_error ea = { 0 }, eb = { 0 };
    unsetenv("OPE_NO_READAHEAD");
    int rca = read_all(path, sizes, 7, &a, &na, &ea, &ra);
    setenv("OPE_NO_READAHEAD", "1", 1);
    int rcb = read_all(path, sizes, 7, &b, &nb, &eb, &rb);
    unsetenv("OPE_NO_READAHEAD");
    if (want_text) {
        ok(rca == 0 && na == n && memcmp(a, want_text, n) == 0, "%s: the text, read ahead", desc);
        ok(rcb == 0 && nb == n && memcmp(b, want_text, n) == 0, "%s: ... and without", desc);
        ok(ra == rb && ra > 0, "%s: in_raw_taken ends at the same byte (%zu, %zu)", desc, ra,
           rb);
    } else {
        ok(rca == -1 && rcb == -1 && strcmp(ea.msg, eb.msg) == 0 && ea.status == eb.status,
           "%s: the same failure both ways (%s)", desc, ea.msg);
        ok(na == nb && memcmp(a, b, na) == 0, "%s: after the same %zu bytes", desc, na);
    }
    free(a);
    free(b);
}

int main(void)
{
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        plan_skip_all("one CPU: no read-ahead thread is started");
        return 0;
    }
    plan(13);
    char dir[] = "/tmp/ope-t0405-XXXXXX";
    if (!mkdtemp(dir))
        bail_out("mkdtemp");
    char gz[256], gz3[256], zs[256], cut[256];
    snprintf(gz, sizeof gz, "%s/a.csv.gz", dir);
    snprintf(gz3, sizeof gz3, "%s/three.gz", dir);
    snprintf(zs, sizeof zs, "%s/a.csv.zst", dir);
    snprintf(cut, sizeof cut, "%s/cut.gz", dir);
    size_t n = 40 * MB + 12345;
    char *t = text(n);
    size_t cuts[] = { 5 * MB + 1, 5 * MB + 2, 23 * MB };
    if (!t || !gzip_file(gz, t, n, NULL, 0) || !gzip_file(gz3, t, n, cuts, 3) ||
        !zstd_file(zs, t, n))
        bail_out("cannot write the test files in %s", dir);

    both_ways("gzip, 40 MB", gz, t, n);
    both_ways("gzip of four members", gz3, t, n);
    both_ways("zstd", zs, t, n);

    /* Cut at 60% of its bytes: the thread meets the end long before the reader. */
    FILE *f = fopen(gz, "rb");
    char *raw = malloc(64 * MB);
    size_t rn = f && raw ? fread(raw, 1, 64 * MB, f) : 0;
    if (f)
        fclose(f);
    if (!rn || !write_file(cut, raw, rn * 6 / 10))
        bail_out("cannot cut %s", gz);
    both_ways("gzip cut short", cut, NULL, 0);

    /* A seek reads and drops; the bytes after it are the text's. */
    struct ope_error err = { 0 };
    struct in_src *in = in_open(gz, NULL, &err);
    char buf[4096];
    int seek = in && in_seek(in, 17 * MB + 5, &err) == 0 && in_read(in, buf, 100, &err) == 100;
    ok(seek && memcmp(buf, t + 17 * MB + 5, 100) == 0, "in_seek into the 18th block");
    in_close(in);

    /* Closed after one byte, the thread blocked on a full ring: close stops it. */
    in = in_open(gz, NULL, &err);
    int one = in && in_read(in, buf, 1, &err) == 1;
    usleep(200000);
    in_close(in);
    ok(one, "an input closed after its first byte, its thread ahead: closed");

    free(t);
    free(raw);
    remove(gz);
    remove(gz3);
    remove(zs);
    remove(cut);
    rmdir(dir);
    return done_testing();
}
