/* t/memberize.c: a checker the shell tests run (not a test). It compresses standard
 * input to standard output in independent parts of BYTES input bytes each: `gz` as
 * BGZF members (the SAM/BAM specification's 4.1, as bgzip writes them: each gzip
 * member carries a 'BC' extra subfield with its size less one, and the last is
 * bgzip's empty end-of-file member), `zst` as zstd frames that say their decompressed
 * size (as ZSTD_compress writes them). So the tests need no bgzip (Debian's tabix) to
 * make the files. A third argument makes a BGZF file whose index lies, for the tests
 * of what the member split does with one: `isize:K:D` writes member K's length D bytes
 * short (gzip -t refuses the file), `span:K` has member K's 'BC' field cover member
 * K + 1 as well (gzip -t takes the file: only the index is wrong). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, unsigned long v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)((v >> (8 * i)) & 0xff);
}

/* The members so far, kept to be written at the end (lie). */
static unsigned char *kept;
static size_t kept_len, kept_cap, n_members, member_at[1 << 20];

static int keep(const unsigned char *p, size_t n)
{
    if (kept_len + n > kept_cap) {
        size_t c = (kept_len + n) * 2;
        unsigned char *k = realloc(kept, c);
        if (!k)
            return -1;
        kept = k;
        kept_cap = c;
    }
    if (n_members < sizeof member_at / sizeof member_at[0])
        member_at[n_members++] = kept_len;
    memcpy(kept + kept_len, p, n);
    kept_len += n;
    return 0;
}

/* One BGZF member of the n bytes at in (kept when lying). */
static int bgzf_member(const unsigned char *in, size_t n, int lying)
{
    unsigned char out[18 + 70000 + 8];
    static const unsigned char head[16] = { 0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0,
                                            'B', 'C', 2, 0 };
    memcpy(out, head, sizeof head);
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)n;
    z.next_out = out + 18;
    z.avail_out = 70000;
    int rc = deflate(&z, Z_FINISH);
    size_t clen = 70000 - z.avail_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END || 18 + clen + 8 > 65536)
        return -1;
    put16(out + 16, (unsigned)(18 + clen + 8 - 1));
    put32(out + 18 + clen, crc32(crc32(0, NULL, 0), in, (uInt)n));
    put32(out + 18 + clen + 4, (unsigned long)n);
    if (lying)
        return keep(out, 18 + clen + 8);
    return fwrite(out, 1, 18 + clen + 8, stdout) == 18 + clen + 8 ? 0 : -1;
}

/* One zstd frame of the n bytes at in. */
static int zstd_frame(const unsigned char *in, size_t n)
{
    size_t cap = ZSTD_compressBound(n);
    unsigned char *out = malloc(cap);
    if (!out)
        return -1;
    size_t k = ZSTD_compress(out, cap, in, n, 1);
    int rc = !ZSTD_isError(k) && fwrite(out, 1, k, stdout) == k ? 0 : -1;
    free(out);
    return rc;
}

/* The kept members with the lie told, written out. */
static int lie(const char *how)
{
    unsigned long k = 0, d = 0;
    if (sscanf(how, "isize:%lu:%lu", &k, &d) == 2 && k < n_members) {
        unsigned char *end = kept + (k + 1 < n_members ? member_at[k + 1] : kept_len);
        unsigned long isize = (unsigned long)end[-4] | (unsigned long)end[-3] << 8 |
                              (unsigned long)end[-2] << 16 | (unsigned long)end[-1] << 24;
        put32(end - 4, isize - d);
    } else if (sscanf(how, "span:%lu", &k) == 1 && k + 2 < n_members) {
        size_t len = member_at[k + 2] - member_at[k];
        if (len > 65536)
            return -1;
        put16(kept + member_at[k] + 16, (unsigned)(len - 1));
    } else {
        return -1;
    }
    return fwrite(kept, 1, kept_len, stdout) == kept_len ? 0 : -1;
}

int main(int argc, char **argv)
{
    size_t block = argc >= 3 ? strtoul(argv[2], NULL, 10) : 0;
    int gz = argc >= 3 && strcmp(argv[1], "gz") == 0, lying = argc == 4;
    if (argc < 3 || argc > 4 || (!gz && strcmp(argv[1], "zst") != 0) || block == 0 ||
        (gz && block > 65280) || (lying && !gz)) {
        fprintf(stderr, "usage: memberize gz|zst BYTES [isize:K:D|span:K] < in > out "
                "(gz: BYTES <= 65280)\n");
        return 64;
    }
    unsigned char *buf = malloc(block);
    if (!buf)
        return 70;
    size_t n;
    while ((n = fread(buf, 1, block, stdin)) > 0)
        if ((gz ? bgzf_member(buf, n, lying) : zstd_frame(buf, n)) != 0) {
            fprintf(stderr, "memberize: cannot write\n");
            return 74;
        }
    free(buf);
    /* bgzip's end-of-file marker: an empty member */
    if (gz && bgzf_member((const unsigned char *)"", 0, lying) != 0)
        return 74;
    if (lying && lie(argv[3]) != 0) {
        fprintf(stderr, "memberize: cannot tell that lie (%s)\n", argv[3]);
        return 64;
    }
    return fflush(stdout) == 0 ? 0 : 74;
}
