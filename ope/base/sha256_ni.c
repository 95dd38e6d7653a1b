/* ope/base/sha256_ni.c: SHA-256 block compression with the SHA-NI instructions (Intel SDM,
 * SHA256RNDS2 / SHA256MSG1 / SHA256MSG2). The eight state words travel as two
 * vectors, {A,B,E,F} and {C,D,G,H} (A in the top lane); each SHA256RNDS2 does two
 * rounds from W[t] + sha256_k[t] in the low lanes of its third operand, and the message
 * schedule W[t..t+3] = MSG2(MSG1(W[t-16..], W[t-12..]) + W[t-7..t-4], W[t-4..]). */
#include "config.h"
#include "ope/base/sha256_ni.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(OPE_NO_SIMD)
#include <cpuid.h>
#include <immintrin.h>
#include <pthread.h>

#define SHANI __attribute__((target("sha,sse4.1,ssse3")))

static int have_shani;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* CPUID: SHA is leaf 7 EBX bit 29; SSSE3 and SSE4.1 are leaf 1 ECX bits 9 and 19. */
static void detect(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19)))
        return;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return;
    have_shani = (b >> 29) & 1;
}

/* Four rounds t..t+3 from the message words m = W[t..t+3]. */
SHANI static inline void rounds4(__m128i *abef, __m128i *cdgh, __m128i m, int t)
{
    __m128i wk = _mm_add_epi32(m, _mm_load_si128((const __m128i *)(const void *)(sha256_k + t)));
    *cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, wk);               /* now {A,B,E,F} */
    *abef = _mm_sha256rnds2_epu32(*abef, *cdgh, _mm_shuffle_epi32(wk, 0x0E));
}

/* W[t..t+3] from the four previous groups w0 = W[t-16..], ..., w3 = W[t-4..]. */
SHANI static inline __m128i schedule(__m128i w0, __m128i w1, __m128i w2, __m128i w3)
{
    __m128i x = _mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8(w3, w2, 4));
    return _mm_sha256msg2_epu32(x, w3);
}

SHANI static void blocks(uint32_t h[8], const unsigned char *p, size_t n)
{
    /* Big-endian words: reverse the bytes of every 32-bit lane. */
    const __m128i bswap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
    __m128i s0 = _mm_loadu_si128((const __m128i *)(const void *)h);        /* a b c d */
    __m128i s1 = _mm_loadu_si128((const __m128i *)(const void *)(h + 4));  /* e f g h */
    __m128i t = _mm_shuffle_epi32(s0, 0xB1);                               /* b a d c */
    s1 = _mm_shuffle_epi32(s1, 0x1B);                                      /* h g f e */
    __m128i abef = _mm_alignr_epi8(t, s1, 8);                              /* f e b a */
    __m128i cdgh = _mm_blend_epi16(s1, t, 0xF0);                           /* h g d c */
    for (size_t k = 0; k < n; k++, p += 64) {
        __m128i abef0 = abef, cdgh0 = cdgh, w[4];
        for (int i = 0; i < 4; i++) {
            w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i)),
                                    bswap);
            rounds4(&abef, &cdgh, w[i], 4 * i);
        }
        for (int g = 4; g < 16; g++) {
            __m128i next = schedule(w[0], w[1], w[2], w[3]);
            w[0] = w[1];
            w[1] = w[2];
            w[2] = w[3];
            w[3] = next;
            rounds4(&abef, &cdgh, next, 4 * g);
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }
    t = _mm_shuffle_epi32(abef, 0x1B);                                     /* a b e f */
    cdgh = _mm_shuffle_epi32(cdgh, 0xB1);                                  /* g h c d */
    _mm_storeu_si128((__m128i *)(void *)h, _mm_blend_epi16(t, cdgh, 0xF0));         /* a b c d */
    _mm_storeu_si128((__m128i *)(void *)(h + 4), _mm_alignr_epi8(cdgh, t, 8));      /* e f g h */
}

size_t sha256_ni_blocks(uint32_t h[8], const unsigned char *p, size_t n)
{
    pthread_once(&once, detect);
    if (!have_shani || n == 0)
        return 0;
    blocks(h, p, n);
    return n;
}

#else

size_t sha256_ni_blocks(uint32_t h[8], const unsigned char *p, size_t n)
{
    (void)h;
    (void)p;
    (void)n;
    return 0;
}

#endif
