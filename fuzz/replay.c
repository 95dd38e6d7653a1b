/* fuzz/replay.c: a main() for the libFuzzer harnesses, so that every harness builds
 * with any compiler and runs in `make check` (under ASan+UBSan in CI's second build).
 * It feeds each file named on the command line to LLVMFuzzerTestOneInput, then a
 * fixed number of inputs mutated from them by a seeded generator (bit flips, byte
 * insertions and deletions, splices, truncations): a short, deterministic stand-in
 * for a fuzzing campaign. A harness reports a finding by crashing or aborting; an
 * input that runs longer than OPE_FUZZ_TIMEOUT seconds (default 10, as libFuzzer's
 * -timeout in `make fuzz`) is a finding too, so a hang fails the test instead of
 * stalling it. The real campaign is `make fuzz` with clang's libFuzzer. Prints TAP. */
#include "config.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_INPUT = 1 << 16, MAX_FILES = 256 };

static uint64_t next(uint64_t *s)    /* splitmix64 */
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* One mutation of in[0..n) into out; returns the new length (<= MAX_INPUT). */
static size_t mutate(const uint8_t *in, size_t n, const uint8_t *other, size_t m,
                     uint8_t *out, uint64_t *s)
{
    static const char interesting[] = ",\"\r\n;\t.-+eE0123456789 nanifNAN\xef\xbb\xbf\xff";
    memcpy(out, in, n);
    int rounds = 1 + (int)(next(s) % 8);
    for (int k = 0; k < rounds; k++) {
        size_t pos = n ? (size_t)(next(s) % n) : 0;
        switch (next(s) % 6) {
        case 0:     /* flip a bit */
            if (n)
                out[pos] ^= (uint8_t)(1u << (next(s) % 8));
            break;
        case 1:     /* overwrite with a byte the parsers care about */
            if (n)
                out[pos] = (uint8_t)interesting[next(s) % (sizeof interesting - 1)];
            break;
        case 2:     /* insert one */
            if (n < MAX_INPUT) {
                memmove(out + pos + 1, out + pos, n - pos);
                out[pos] = (uint8_t)interesting[next(s) % (sizeof interesting - 1)];
                n++;
            }
            break;
        case 3:     /* delete a run */
            if (n) {
                size_t len = 1 + (size_t)(next(s) % 16);
                if (len > n - pos)
                    len = n - pos;
                memmove(out + pos, out + pos + len, n - pos - len);
                n -= len;
            }
            break;
        case 4:     /* splice in a piece of another input */
            if (m) {
                size_t from = (size_t)(next(s) % m), len = 1 + (size_t)(next(s) % 64);
                if (len > m - from)
                    len = m - from;
                if (n + len <= MAX_INPUT) {
                    memmove(out + pos + len, out + pos, n - pos);
                    memcpy(out + pos, other + from, len);
                    n += len;
                }
            }
            break;
        default:    /* truncate */
            n = pos;
        }
    }
    return n;
}

static void timed_out(int sig)
{
    static const char msg[] = "fuzz replay: an input ran past OPE_FUZZ_TIMEOUT (a hang)\n";
    (void)sig;
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    abort();
}

/* One input under the per-input time cap. */
static void run_one(const uint8_t *data, size_t size, unsigned timeout)
{
    alarm(timeout);
    LLVMFuzzerTestOneInput(data, size);
    alarm(0);
}

int main(int argc, char **argv)
{
    long iterations = 3000;
    const char *env = getenv("OPE_FUZZ_ITERATIONS");
    if (env && *env)
        iterations = strtol(env, NULL, 10);
    unsigned timeout = 10;
    env = getenv("OPE_FUZZ_TIMEOUT");
    if (env && *env)
        timeout = (unsigned)strtoul(env, NULL, 10);
    signal(SIGALRM, timed_out);
    static uint8_t file[MAX_FILES][MAX_INPUT];
    static size_t len[MAX_FILES];
    static uint8_t out[MAX_INPUT];
    size_t nf = 0;
    for (int i = 1; i < argc && nf < MAX_FILES; i++) {
        len[nf] = read_file(argv[i], file[nf], MAX_INPUT);
        run_one(file[nf], len[nf], timeout);
        nf++;
    }
    if (nf == 0) {      /* no corpus: start from a small CSV */
        static const char seed[] = "action,reward,pscore\n0,1,0.5\n1,0,0.5\n";
        len[0] = sizeof seed - 1;
        memcpy(file[0], seed, len[0]);
        nf = 1;
    }
    uint64_t s = 20261202;
    for (long it = 0; it < iterations; it++) {
        size_t a = (size_t)(next(&s) % nf), b = (size_t)(next(&s) % nf);
        size_t n = mutate(file[a], len[a], file[b], len[b], out, &s);
        run_one(out, n, timeout);
    }
    printf("1..1\nok 1 - %s: %zu corpus files and %ld mutated inputs, no finding\n", argv[0],
           nf, iterations);
    return 0;
}
