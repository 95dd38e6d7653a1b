/* t/0343-bigmem.c: large blocks start on a 2 MB boundary and span whole huge pages
 * (ope/base/bigmem.h), and the allocation functions built on it keep what a block
 * holds: ope_malloc, ope_realloc from small to large (moved to an aligned block) and
 * from large to larger (left to realloc), ope_calloc zeroed, strbuf growing past 4 MB.
 * With OPE_NO_HUGEPAGES=1 (the second run, argv[1] = "off") ope_bigmem_alloc gives
 * nothing and the same functions still work as malloc and realloc.
 *
 * How it can fail: a block not on a 2 MB boundary (the column of 8,196,096 bytes
 * that got 2 huge pages of 4), a copy that loses bytes when a small block moves (the
 * memcpy of the old block's usable size), a NULL where malloc would have served. */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ope/base/bigmem.h"
#include "ope/base/error.h"
#include "ope/base/strbuf.h"
#include "t/tap.h"

#define MB ((size_t)1 << 20)

static int aligned(const void *p)
{
    return ((uintptr_t)p & (2 * MB - 1)) == 0;
}

/* Whether p[0..n) holds the pattern byte(i) = i * 7 + 3 (mod 256). */
static int holds(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(i * 7 + 3))
            return 0;
    return 1;
}

static void fill(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 7 + 3);
}

int main(int argc, char **argv)
{
    int off = argc > 1 && strcmp(argv[1], "off") == 0;
    if (off)
        setenv("OPE_NO_HUGEPAGES", "1", 1);
    plan_no_plan();
    struct ope_error err = { 0 };

    /* The column of 1,020,096 doubles of the 1M-row bench: 8,196,096 bytes. */
    size_t col = 8196096;
    void *a = ope_bigmem_alloc(col);
    if (off) {
        ok(a == NULL, "huge pages off: ope_bigmem_alloc gives nothing");
    } else {
        ok(a != NULL && aligned(a), "a large block starts on a 2 MB boundary");
        if (a)
            memset(a, 1, col);      /* every byte of it is the caller's */
    }
    free(a);
    ok(ope_bigmem_alloc(OPE_BIGMEM_MIN - 1) == NULL, "below 4 MB: nothing (the caller mallocs)");
    ok(ope_bigmem_alloc(SIZE_MAX - 100) == NULL, "a size that cannot be rounded up: nothing");

    unsigned char *m = ope_malloc(col, &err);
    ok(m != NULL && (off || aligned(m)), "ope_malloc of 8 MB: %s",
       off ? "served" : "aligned");
    fill(m, col);
    ok(holds(m, col), "... and every byte holds what was written");
    free(m);

    /* Small to large: moved to an aligned block, what it held copied. */
    size_t small = 1000 * 1000;     /* under 2 MB */
    unsigned char *r = ope_malloc(small, &err);
    fill(r, small);
    r = ope_realloc(r, 5 * MB, &err);
    ok(r != NULL && (off || aligned(r)), "ope_realloc from 1 MB to 5 MB: %s",
       off ? "served" : "moved to a 2 MB boundary");
    ok(r && holds(r, small), "... keeping its first 1,000,000 bytes");
    fill(r, 5 * MB);
    /* Large to larger: realloc's (grown in place or remapped), contents kept. */
    r = ope_realloc(r, 24 * MB, &err);
    ok(r && holds(r, 5 * MB), "ope_realloc from 5 MB to 24 MB keeps every byte");
    /* And shrinking. */
    r = ope_realloc(r, 3 * MB, &err);
    ok(r && holds(r, 3 * MB), "ope_realloc down to 3 MB keeps what fits");
    free(r);
    /* From NULL: as malloc. */
    r = ope_realloc(NULL, 6 * MB, &err);
    ok(r != NULL && (off || aligned(r)), "ope_realloc(NULL, 6 MB): %s",
       off ? "served" : "aligned");
    free(r);

    double *z = ope_calloc(1 << 20, sizeof *z, &err);
    int zero = z != NULL;
    for (size_t i = 0; z && i < (size_t)1 << 20; i++)
        zero &= z[i] == 0.0;
    ok(zero, "ope_calloc of 8 MB is zero");
    free(z);

    /* A strbuf growing past 4 MB a byte pattern at a time. */
    struct strbuf sb = STRBUF_INIT;
    unsigned char chunk[4096];
    size_t total = 0;
    while (total < 9 * MB) {
        for (size_t i = 0; i < sizeof chunk; i++)
            chunk[i] = (unsigned char)((total + i) * 7 + 3);
        strbuf_add(&sb, (const char *)chunk, sizeof chunk);
        total += sizeof chunk;
    }
    ok(!strbuf_failed(&sb) && sb.len == total && holds((const unsigned char *)sb.buf, total),
       "a strbuf grown to 9 MB holds every byte added");
    strbuf_release(&sb);

    /* The same with huge pages off, in a process of its own (the setting is read
     * once per process): its checks must all pass. */
    if (!off) {
        pid_t pid = fork();
        if (pid == 0) {
            int dn = open("/dev/null", O_WRONLY);
            if (dn >= 0)
                dup2(dn, 1);
            execl(argv[0], argv[0], "off", (char *)NULL);
            _exit(127);
        }
        int status = 0;
        ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0, "with OPE_NO_HUGEPAGES=1 every check passes too");
    }
    return done_testing();
}
