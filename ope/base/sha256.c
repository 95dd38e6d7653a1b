/* ope/base/sha256.c: SHA-256 per FIPS 180-4 (section 6.2). */
#include "config.h"
#include "ope/base/sha256.h"
#include "ope/base/sha256_ni.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The round constants (FIPS 180-4, 4.2.2), shared with the SHA-NI path. */
const uint32_t sha256_k[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2
};

static uint32_t ror(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

static void compress(struct sha256 *s, const unsigned char *b)
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)b[4 * t] << 24 | (uint32_t)b[4 * t + 1] << 16 |
               (uint32_t)b[4 * t + 2] << 8 | (uint32_t)b[4 * t + 3];
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = s->h[0], bb = s->h[1], c = s->h[2], d = s->h[3];
    uint32_t e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + sha256_k[t] + w[t];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & bb) ^ (a & c) ^ (bb & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = bb;
        bb = a;
        a = t1 + t2;
    }
    s->h[0] += a;
    s->h[1] += bb;
    s->h[2] += c;
    s->h[3] += d;
    s->h[4] += e;
    s->h[5] += f;
    s->h[6] += g;
    s->h[7] += h;
}

void sha256_init(struct sha256 *s)
{
    static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    memcpy(s->h, h0, sizeof h0);
    s->bytes = 0;
    s->used = 0;
}

void sha256_update(struct sha256 *s, const void *data, size_t n)
{
    const unsigned char *p = data;
    if (n == 0)
        return;
    s->bytes += n;
    /* A partial block first (an input's first bytes, sniffed apart, leave one): once
     * it is full, the rest goes by whole blocks from data again. Before, one partial
     * block sent every later byte through the copy and the portable rounds, six
     * times slower than SHA-NI. */
    if (s->used) {
        size_t take = 64 - s->used < n ? 64 - s->used : n;
        memcpy(s->block + s->used, p, take);
        s->used += take;
        p += take;
        n -= take;
        if (s->used < 64)
            return;
        if (sha256_ni_blocks(s->h, s->block, 1) == 0)
            compress(s, s->block);
        s->used = 0;
    }
    if (n >= 64) {                  /* whole blocks straight from data, SHA-NI if any */
        size_t nb = n / 64, done = sha256_ni_blocks(s->h, p, nb);
        for (size_t k = done; k < nb; k++)
            compress(s, p + 64 * k);
        p += 64 * nb;
        n -= 64 * nb;
    }
    if (n)
        memcpy(s->block, p, n);
    s->used = n;
}

void sha256_final(struct sha256 *s, unsigned char out[32])
{
    uint64_t bits = s->bytes * 8;
    unsigned char pad = 0x80;
    sha256_update(s, &pad, 1);
    unsigned char zero = 0;
    while (s->used != 56)
        sha256_update(s, &zero, 1);
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(bits >> (56 - 8 * i));
    sha256_update(s, len, 8);
    for (int i = 0; i < 8; i++)
        for (int k = 0; k < 4; k++)
            out[4 * i + k] = (unsigned char)(s->h[i] >> (24 - 8 * k));
}

static void to_hex(const unsigned char d[32], char out[65])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}

void sha256_final_hex(struct sha256 *s, char out[65])
{
    unsigned char d[32];
    sha256_final(s, d);
    to_hex(d, out);
}

void sha256_hex(const void *data, size_t n, char out[65])
{
    struct sha256 s;
    unsigned char d[32];
    sha256_init(&s);
    sha256_update(&s, data, n);
    sha256_final(&s, d);
    to_hex(d, out);
}

/* Add the bytes of the file at path to s. 0, or -1 with err. */
static int add_file(struct sha256 *s, const char *path, struct ope_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ope_fail(err, OPE_ENOINPUT, "%s: cannot open: %s", path, strerror(errno));
    unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sha256_update(s, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return ope_fail(err, OPE_ENOINPUT, "%s: read error", path);
    return 0;
}

int sha256_files_hex(const char *const *paths, size_t n, char out[65], struct ope_error *err)
{
    struct sha256 s;
    sha256_init(&s);
    for (size_t k = 0; k < n; k++)
        if (add_file(&s, paths[k], err) < 0)
            return -1;
    unsigned char d[32];
    sha256_final(&s, d);
    to_hex(d, out);
    return 0;
}

int sha256_file_hex(const char *path, char out[65], struct ope_error *err)
{
    return sha256_files_hex(&path, 1, out, err);
}

void *sha256_job_run(void *job)
{
    struct sha256_job *j = job;
    j->rc = sha256_files_hex(j->paths, j->n, j->hex, &j->err);
    return NULL;
}
