/* t/memberize.c: a checker the shell tests run (not a test). It compresses standard
 * input to standard output in independent parts of BYTES input bytes each: `gz` as
 * BGZF members (the SAM/BAM specification's 4.1, as bgzip writes them: each gzip
 * member carries a 'BC' extra subfield with its size less one, and the last is
 * bgzip's empty end-of-file member), `zst` as zstd frames that say their decompressed
 * size (as ZSTD_compress writes them), each after a skippable frame as pzstd puts
 * one. So the tests need no bgzip (Debian's tabix) to make the files. */
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

/* One BGZF member of the n bytes at in. */
static int bgzf_member(const unsigned char *in, size_t n)
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
    return fwrite(out, 1, 18 + clen + 8, stdout) == 18 + clen + 8 ? 0 : -1;
}

/* A skippable frame (4 bytes of content), then one zstd frame of the n bytes at in. */
static int zstd_frame(const unsigned char *in, size_t n)
{
    size_t cap = ZSTD_compressBound(n);
    unsigned char *out = malloc(cap), skip[12] = { 0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0 };
    if (!out)
        return -1;
    size_t k = ZSTD_compress(out, cap, in, n, 1);
    put32(skip + 8, (unsigned long)(ZSTD_isError(k) ? 0 : k));
    int rc = !ZSTD_isError(k) && fwrite(skip, 1, sizeof skip, stdout) == sizeof skip &&
             fwrite(out, 1, k, stdout) == k ? 0 : -1;
    free(out);
    return rc;
}

int main(int argc, char **argv)
{
    size_t block = argc == 3 ? strtoul(argv[2], NULL, 10) : 0;
    int gz = argc == 3 && strcmp(argv[1], "gz") == 0;
    if (argc != 3 || (!gz && strcmp(argv[1], "zst") != 0) || block == 0 ||
        (gz && block > 65280)) {
        fprintf(stderr, "usage: memberize gz|zst BYTES < in > out (gz: BYTES <= 65280)\n");
        return 64;
    }
    unsigned char *buf = malloc(block);
    if (!buf)
        return 70;
    size_t n;
    while ((n = fread(buf, 1, block, stdin)) > 0)
        if ((gz ? bgzf_member(buf, n) : zstd_frame(buf, n)) != 0) {
            fprintf(stderr, "memberize: cannot write\n");
            return 74;
        }
    free(buf);
    /* bgzip's end-of-file marker: an empty member */
    if (gz && bgzf_member((const unsigned char *)"", 0) != 0)
        return 74;
    return fflush(stdout) == 0 ? 0 : 74;
}
