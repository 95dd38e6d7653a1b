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
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "datasets/bgzf.h"

/* The members so far (BGZF: bgzf.h), with where each begins, written at the end. */
static struct strbuf kept = STRBUF_INIT;
static size_t n_members, member_at[1 << 20];

static int bgzf_member(const unsigned char *in, size_t n)
{
    struct ope_error err = { 0 };
    if (n_members < sizeof member_at / sizeof member_at[0])
        member_at[n_members++] = kept.len;
    if (n)
        return bgzf_compress(in, n, 1, &kept, &err);
    bgzf_end(&kept);
    return strbuf_failed(&kept) ? -1 : 0;
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

/* The kept members with the lie told (how NULL: none), written out. */
static int lie(const char *how)
{
    unsigned char *kb = (unsigned char *)kept.buf;
    size_t kept_len = kept.len;
    unsigned long k = 0, d = 0;
    if (!how)
        return fwrite(kb, 1, kept_len, stdout) == kept_len ? 0 : -1;
    if (sscanf(how, "isize:%lu:%lu", &k, &d) == 2 && k < n_members) {
        unsigned char *end = kb + (k + 1 < n_members ? member_at[k + 1] : kept_len);
        unsigned long isize = (unsigned long)end[-4] | (unsigned long)end[-3] << 8 |
                              (unsigned long)end[-2] << 16 | (unsigned long)end[-1] << 24;
        bgzf_put_le(end - 4, isize - d, 4);
    } else if (sscanf(how, "span:%lu", &k) == 1 && k + 2 < n_members) {
        size_t len = member_at[k + 2] - member_at[k];
        if (len > 65536)
            return -1;
        bgzf_put_le(kb + member_at[k] + 16, (unsigned long)(len - 1), 2);
    } else {
        return -1;
    }
    return fwrite(kb, 1, kept_len, stdout) == kept_len ? 0 : -1;
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
        if ((gz ? bgzf_member(buf, n) : zstd_frame(buf, n)) != 0) {
            fprintf(stderr, "memberize: cannot write\n");
            return 74;
        }
    free(buf);
    /* bgzip's end-of-file marker: an empty member */
    if (gz && bgzf_member((const unsigned char *)"", 0) != 0)
        return 74;
    if (gz && lie(lying ? argv[3] : NULL) != 0) {
        fprintf(stderr, "memberize: cannot tell that lie (%s)\n", argv[3]);
        return 64;
    }
    return fflush(stdout) == 0 ? 0 : 74;
}
