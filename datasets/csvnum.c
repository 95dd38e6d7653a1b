/* datasets/csvnum.c: the number parsers of csv.h. csv_parse_double accepts one fixed
 * grammar and must return exactly what strtod returns for it: plain decimals of up
 * to 19 significant digits take an exact integer path (below), the rest Clinger's
 * fast path, a long-double path with a proven error bound, or strtod itself. */
#include "config.h"
#include "datasets/csv.h"
#include "ope/base/decimal.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}


static int word_is(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    if (n != k)
        return 0;
    for (size_t i = 0; i < k; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != w[i])
            return 0;
    }
    return 1;
}

/* The general parser: any length of mantissa or exponent. */
static int parse_double_general(const char *s, size_t len, double *out)
{
    while (len && is_space(*s)) {
        s++;
        len--;
    }
    while (len && is_space(s[len - 1]))
        len--;
    if (len == 0)
        return -1;
    /* Grammar: [+-] digits [. digits] [(e|E) [+-] digits], at least one digit. */
    size_t i = 0;
    int neg = 0;
    if (s[i] == '+' || s[i] == '-')
        neg = s[i++] == '-';
    {
        const char *w = s + i;
        size_t wn = len - i;
        if (word_is(w, wn, "nan") || word_is(w, wn, "inf") || word_is(w, wn, "infinity"))
            return -2;
    }
    uint64_t mant = 0;
    int sig = 0;            /* significant digits accumulated in mant */
    int dropped = 0;        /* significant digits beyond what mant holds exactly */
    int exp10 = 0;
    int digits = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        int d = s[i++] - '0';
        digits++;
        if (sig < 19) {
            if (mant || d) {
                mant = mant * 10 + (uint64_t)d;
                sig++;
            }
        } else {
            dropped = 1;
            exp10++;
        }
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            int d = s[i++] - '0';
            digits++;
            if (sig < 19) {
                if (mant || d) {
                    mant = mant * 10 + (uint64_t)d;
                    sig++;
                }
                exp10--;
            } else {
                dropped = 1;
            }
        }
    }
    if (digits == 0)
        return -1;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        if (i >= len || s[i] < '0' || s[i] > '9')
            return -1;
        long e = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (e < 100000)
                e = e * 10 + (s[i] - '0');
            i++;
        }
        exp10 += (int)(eneg ? -e : e);
    }
    if (i != len)
        return -1;
    /* Clinger's fast path: an exact integer mantissa below 2^53 and an exact power
     * of ten give a correctly rounded result with one IEEE operation. */
    if (!dropped && mant <= ((uint64_t)1 << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mant;
        v = exp10 < 0 ? v / ope_pow10_exact(-exp10) : v * ope_pow10_exact(exp10);
        *out = neg ? -v : v;
        return 0;
    }
#if LDBL_MANT_DIG == 64 && (defined(__x86_64__) || defined(__i386__))
    /* Long mantissas (up to 19 digits, e.g. the 17 significant digits of a
     * shortest round-trip double): w and 10^|q| (|q| <= 27) are exact in x87 extended
     * precision, so one division or product there is correctly rounded to 64 bits.
     * Rounding that to 53 bits is then exact unless the 64-bit result lies within
     * one unit of a 53-bit midpoint (low 11 bits 0x3FF..0x401): only then fall back
     * to strtod. */
    if (!dropped && mant > 0 && exp10 >= -27 && exp10 <= 27) {
        static const long double p10[28] = {
            1e0L, 1e1L, 1e2L, 1e3L, 1e4L, 1e5L, 1e6L, 1e7L, 1e8L, 1e9L, 1e10L, 1e11L, 1e12L,
            1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L, 1e21L, 1e22L, 1e23L,
            1e24L, 1e25L, 1e26L, 1e27L
        };
        long double x = (long double)mant;
        x = exp10 < 0 ? x / p10[-exp10] : x * p10[exp10];
        /* The x87 format: a 64-bit significand with an explicit integer bit, then
         * sign and a 15-bit exponent biased by 16383 (little-endian). */
        union {
            long double ld;
            struct {
                uint64_t mant;
                uint16_t sexp;
            } p;
        } u;
        memset(&u, 0, sizeof u);
        u.ld = x;
        unsigned low = (unsigned)(u.p.mant & 0x7FF);
        int e2 = (int)(u.p.sexp & 0x7FFF) - 16383;
        if ((low < 0x3FF || low > 0x401) && e2 > -1021 && e2 < 1023) {
            double v = (double)x;
            *out = neg ? -v : v;
            return 0;
        }
    }
#endif
    char local[256];
    char *copy = len < sizeof local ? local : malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, s, len);
    copy[len] = '\0';
    errno = 0;
    char *endp;
    double v = strtod(copy, &endp);
    int bad = endp != copy + len;
    int range = errno == ERANGE && isinf(v);
    if (copy != local)
        free(copy);
    if (bad)
        return -1;
    if (range || !isfinite(v))
        return -2;
    *out = v;
    return 0;
}

/* ---- the fast path of csv_parse_double ------------------------------------------
 * A plain decimal with at most 19 significant digits is w * 10^q with w an exact
 * 64-bit integer, converted by ope_decimal_to_double (ope/base/decimal.h) when
 * |q| <= 27, as strtod rounds it. Everything else goes to the general parser. */

#if defined(__SIZEOF_INT128__)
static int is_digit(char c)
{
    return (unsigned)(c - '0') < 10u;
}

/* Eight bytes at p (little-endian load: the first character in the low byte)
 * when all are ASCII digits; their value is then swar8_value(v). */
static int swar8_digits(const char *p, uint64_t *v)
{
    uint64_t x;
    memcpy(&x, p, 8);
    *v = x;
    /* Every high nibble 3 (bytes 0x30..0x3F), and still 3 after adding 6 to every
     * byte (0x30..0x39); the adds cannot carry between bytes. */
    return (x & 0xF0F0F0F0F0F0F0F0ULL) == 0x3030303030303030ULL &&
           ((x + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) == 0x3030303030303030ULL;
}

/* The number written by eight digit bytes, by pairs, then quads, then the whole. */
static uint64_t swar8_value(uint64_t x)
{
    x -= 0x3030303030303030ULL;                     /* bytes d0 (low) .. d7 */
    x = x * 10 + (x >> 8);                          /* even bytes: 10 d_k + d_k+1 <= 99 */
    x &= 0x00FF00FF00FF00FFULL;
    x = x * 100 + (x >> 16);                        /* even 16-bit lanes: 4 digits */
    x &= 0x0000FFFF0000FFFFULL;
    return (uint64_t)(uint32_t)(x * 10000 + (x >> 32));
}

/* Append the digits at *pp (up to end) to w; returns the new w. Always inlined: it
 * runs twice per number, and as a call it kept *pp in memory (10% of a parse). */
static inline __attribute__((always_inline)) uint64_t
take_digits(const char **pp, const char *end, uint64_t w)
{
    const char *p = *pp;
    uint64_t v;
    while (end - p >= 8 && swar8_digits(p, &v)) {
        w = w * 100000000ULL + swar8_value(v);
        p += 8;
    }
    while (p < end && is_digit(*p))
        w = w * 10 + (uint64_t)(*p++ - '0');
    *pp = p;
    return w;
}
#endif

int csv_parse_double(const char *s, size_t len, double *out)
{
#if defined(__SIZEOF_INT128__)
    /* Grammar as the general parser: [+-] digits [. digits] [(e|E) [+-] digits]. */
    const char *p = s, *end = s + len;
    if (p < end && (*p == '+' || *p == '-'))
        p++;
    int neg = p > s && s[0] == '-';
    const char *d0 = p;
    while (p < end && *p == '0')
        p++;
    const char *sig = p;
    uint64_t w = take_digits(&p, end, 0);
    int nsig = (int)(p - sig), q = 0, ndig = (int)(p - d0);
    if (p < end && *p == '.') {
        p++;
        const char *f0 = p;
        if (nsig == 0)
            while (p < end && *p == '0')
                p++;
        const char *f1 = p;
        w = take_digits(&p, end, w);
        nsig += (int)(p - f1);
        ndig += (int)(p - f0);
        q = -(int)(p - f0);
    }
    if (ndig > 0 && nsig <= 19) {
        int ok = 1;
        if (p < end && (*p == 'e' || *p == 'E')) {
            p++;
            int eneg = 0;
            if (p < end && (*p == '+' || *p == '-'))
                eneg = *p++ == '-';
            const char *e0 = p;
            int e = 0;
            while (p < end && is_digit(*p) && p - e0 < 4)
                e = e * 10 + (*p++ - '0');
            ok = p > e0;
            q += eneg ? -e : e;
        }
        if (ok && p == end && q >= -27 && q <= 27) {
            double v = 0.0;
            if (w)
                ope_decimal_to_double(w, q, &v);
            *out = neg ? -v : v;
            return 0;
        }
    }
#endif
    return parse_double_general(s, len, out);
}

int csv_parse_long(const char *s, size_t len, long lo, long hi, long *out)
{
    while (len && is_space(*s)) {
        s++;
        len--;
    }
    while (len && is_space(s[len - 1]))
        len--;
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i >= len)
        return -1;
    unsigned long long v = 0;
    int over = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        if (v > (ULLONG_MAX - 9) / 10)
            over = 1;
        else
            v = v * 10 + (unsigned long long)(s[i] - '0');
    }
    if (over || v > (unsigned long long)LONG_MAX + (neg ? 1ULL : 0ULL))
        return -2;
    long x = neg ? (long)(0ULL - v) : (long)v;
    if (neg && v == (unsigned long long)LONG_MAX + 1ULL)
        x = LONG_MIN;
    if (x < lo || x > hi)
        return -2;
    *out = x;
    return 0;
}
