/* datasets/bgzf.c: the BGZF writer of bgzf.h, by zlib's raw deflate. */
#include "config.h"
#include "datasets/bgzf.h"

#include <string.h>
#include <zlib.h>

void bgzf_put_le(unsigned char *p, unsigned long v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)((v >> (8 * i)) & 0xff);
}

/* One member of the n <= BGZF_BLOCK bytes at in. */
static int member(const unsigned char *in, size_t n, int level, struct strbuf *out,
                  struct ope_error *err)
{
    /* the header (ID1 ID2 CM FLG=FEXTRA MTIME XFL OS XLEN, then 'B' 'C' SLEN BSIZE),
     * the deflate data, CRC-32 and ISIZE; a block of 65280 bytes deflates into less
     * than 64 KB less the rest, even stored */
    static const unsigned char head[16] = { 0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0,
                                            'B', 'C', 2, 0 };
    unsigned char buf[18 + 65536 + 8];
    memcpy(buf, head, sizeof head);
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return ope_fail_oom(err);
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)n;
    z.next_out = buf + 18;
    z.avail_out = 65536 - 18 - 8;
    int rc = deflate(&z, Z_FINISH);
    size_t clen = 65536 - 18 - 8 - z.avail_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END)
        return ope_fail(err, OPE_ESOFTWARE, "bgzf: a block of %zu bytes did not fit a member",
                        n);
    bgzf_put_le(buf + 16, (unsigned long)(18 + clen + 8 - 1), 2);
    bgzf_put_le(buf + 18 + clen, crc32(crc32(0L, Z_NULL, 0), in, (uInt)n), 4);
    bgzf_put_le(buf + 18 + clen + 4, (unsigned long)n, 4);
    strbuf_add(out, (const char *)buf, 18 + clen + 8);
    return strbuf_failed(out) ? ope_fail_oom(err) : 0;
}

int bgzf_compress(const void *in, size_t n, int level, struct strbuf *out,
                  struct ope_error *err)
{
    const unsigned char *p = in;
    for (size_t at = 0; at < n; at += BGZF_BLOCK)
        if (member(p + at, n - at < BGZF_BLOCK ? n - at : BGZF_BLOCK, level, out, err) != 0)
            return -1;
    return 0;
}

void bgzf_end(struct strbuf *out)
{
    struct ope_error e = { 0 };
    member((const unsigned char *)"", 0, 1, out, &e);
}

int bgzf_wanted(const char *path)
{
    size_t n = strlen(path);
    return n > 3 && strcmp(path + n - 3, ".gz") == 0;
}
