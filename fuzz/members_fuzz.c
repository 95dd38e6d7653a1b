/* fuzz/members_fuzz.c: libFuzzer harness for the index of a compressed file's members
 * (datasets/members.h: BGZF headers and trailers, zstd frame and block headers, read
 * without decompressing) and for the seeks it serves (in_seek starting the decoder
 * at a member), reached through a file as a log is. Oracles: an index covers the file
 * from byte 0 to its end in increasing members whose decompressed starts do not go
 * back; and every seek that the file's bytes allow (the input read from its start
 * gives them without an error) reads the same bytes as reading from the start. Built
 * into `make check` with fuzz/replay.c (t/0151); `make fuzz` / `make fuzz-smoke` run
 * it under libFuzzer. */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/input.h"
#include "datasets/members.h"
#include "fuzz/fuzz_tmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WHOLE ((size_t)1 << 20)     /* decompressed bytes compared at most */
#define PIECE 512

/* The input's first bytes read from its start, up to WHOLE: how many before its end or
 * its first error. */
static size_t read_whole(const char *path, char *buf)
{
    struct ope_error err = { 0 };
    struct in_src *in = in_open(path, NULL, &err);
    size_t got = 0;
    while (in && got < WHOLE) {
        long k = in_read(in, buf + got, WHOLE - got, &err);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    in_close(in);
    return got;
}

/* The bytes at off by a seek equal the whole reading's (where it has them). */
static void check_seek(const char *path, const char *whole, size_t have, size_t off)
{
    struct ope_error err = { 0 };
    struct in_src *in = in_open(path, NULL, &err);
    if (!in)
        return;
    in_set_no_readahead(in);
    char piece[PIECE];
    size_t got = 0;
    if (in_seek(in, off, &err) == 0)
        while (got < PIECE) {
            long k = in_read(in, piece + got, PIECE - got, &err);
            if (k <= 0)
                break;
            got += (size_t)k;
        }
    in_close(in);
    size_t cmp = off < have ? have - off : 0;
    if (cmp > got)
        cmp = got;
    if (cmp && memcmp(piece, whole + off, cmp) != 0)
        abort();                    /* a seek read other bytes */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    in_members_test_forget();
    const char *path = fuzz_tmp_write(data, size, "log.csv.gz");
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        abort();
    struct ope_error err = { 0 };
    struct in_members m;
    int rc = in_members_find(fd, path, &m, &err);
    close(fd);
    if (rc < 0)
        return 0;
    if (rc == 0) {
        if (m.n || m.raw || m.out)
            abort();                /* no index: nothing held */
        return 0;
    }
    if (m.n < 1 || m.raw[0] != 0 || m.raw[m.n] != size || m.out[0] != 0)
        abort();
    for (size_t k = 0; k < m.n; k++)
        if (m.raw[k + 1] <= m.raw[k] || m.out[k + 1] < m.out[k])
            abort();
    static char whole[WHOLE];
    size_t have = read_whole(path, whole);
    /* Each member's start, a byte into it, and the end; at most a few dozen. */
    for (size_t k = 0; k < m.n && k < 24; k++) {
        if (m.out[k] < WHOLE) {
            check_seek(path, whole, have, (size_t)m.out[k]);
            check_seek(path, whole, have, (size_t)m.out[k] + 1);
        }
        if (in_members_at(&m, m.out[k]) < k)
            abort();
    }
    in_members_release(&m);
    return 0;
}
