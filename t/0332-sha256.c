/* t/0332-sha256.c: SHA-256 on the example messages of FIPS 180-2 (appendix B), and
 * the same digest however the input is cut into sha256_update calls, so whole blocks
 * taken straight from the input (with SHA-NI when the CPU has it) and the partial
 * blocks buffered in between chain correctly. */
#include "config.h"
#include "t/tap.h"

#include <stdlib.h>
#include <string.h>

#include "ope/base/rng.h"
#include "ope/base/sha256.h"
#include "ope/base/sha256_ni.h"

static void hex_of(struct sha256 *s, char out[65])
{
    unsigned char d[32];
    static const char hx[] = "0123456789abcdef";
    sha256_final(s, d);
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[64] = '\0';
}

int main(void)
{
    plan_no_plan();
    char hex[65];
    uint32_t h[8] = { 0 };
    unsigned char blk[64] = { 0 };
    diag("SHA-NI %s", sha256_ni_blocks(h, blk, 1) ? "used" : "not available: plain C");

    /* The digests printed in FIPS 180-2, appendix B.1 - B.3. */
    sha256_hex("abc", 3, hex);
    is_string(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
              "FIPS 180-2 B.1: 'abc'");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256_hex(two, strlen(two), hex);
    is_string(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
              "FIPS 180-2 B.2: the 448-bit message");
    size_t n = 1000000;
    char *a = malloc(n);
    if (!a)
        bail_out("out of memory");
    memset(a, 'a', n);
    sha256_hex(a, n, hex);
    is_string(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
              "FIPS 180-2 B.3: one million 'a'");
    sha256_hex("", 0, hex);
    is_string(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
              "the empty message");

    /* Random bytes fed in random pieces (0 to 300 bytes) give the one-call digest. */
    struct ope_rng g;
    ope_rng_init(&g, 11, OPE_RNG_TEST, 0);
    for (size_t i = 0; i < n; i++)
        a[i] = (char)ope_rng_u64(&g);
    int bad = 0;
    for (int trial = 0; trial < 20; trial++) {
        size_t len = (size_t)ope_rng_below(&g, 200000);
        char whole[65], parts[65];
        sha256_hex(a, len, whole);
        struct sha256 s;
        sha256_init(&s);
        for (size_t off = 0; off < len;) {
            size_t k = (size_t)ope_rng_below(&g, 301);
            if (k > len - off)
                k = len - off;
            sha256_update(&s, a + off, k);
            off += k;
        }
        hex_of(&s, parts);
        bad += strcmp(whole, parts) != 0;
    }
    ok(bad == 0, "20 random messages: the digest does not depend on how they are cut");
    free(a);
    return done_testing();
}
