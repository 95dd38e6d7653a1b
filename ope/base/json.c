/* ope/base/json.c: JSON string escaping and number formatting. */
#include "config.h"
#include "ope/base/json.h"
#include "ope/base/decimal.h"
#include "ope/base/utf8.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_string(struct strbuf *sb, const char *str)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    strbuf_putc(sb, '"');
    while (*s) {
        unsigned c = *s;
        if (c == '"' || c == '\\') {
            strbuf_putc(sb, '\\');
            strbuf_putc(sb, (char)c);
            s++;
        } else if (c < 0x20) {
            switch (c) {
            case '\n': strbuf_puts(sb, "\\n"); break;
            case '\r': strbuf_puts(sb, "\\r"); break;
            case '\t': strbuf_puts(sb, "\\t"); break;
            default: strbuf_printf(sb, "\\u%04x", c); break;
            }
            s++;
        } else {
            int n = utf8_decode(s, NULL);
            if (n == 0) {
                strbuf_puts(sb, "\\ufffd");
                s++;
            } else {
                strbuf_add(sb, (const char *)s, (size_t)n);
                s += n;
            }
        }
    }
    strbuf_putc(sb, '"');
}

/* The shortest of "%.15g", "%.16g", "%.17g" that reads back as x, without asking
 * printf three times: one "%.16e" gives the correctly rounded 17 significant digits,
 * and the 15- and 16-digit roundings follow from them unless the digits dropped are
 * exactly a half ("5" or "50"), the one case where rounding the rounded digits can
 * differ from rounding x itself; then printf is asked. (The carry of the 17-digit
 * rounding needs no care: it only moves digits that are rounded up anyway.) So the
 * text is printf's own, byte for byte, at about a third of the cost; writing logs
 * spends most of its time here. */
static void format_g(char *out, size_t size, int neg, const char *dig, int prec, int e10)
{
    char buf[48];
    size_t n = 0;
    int k = prec;
    while (k > 1 && dig[k - 1] == '0')
        k--;
    if (neg)
        buf[n++] = '-';
    if (e10 < -4 || e10 >= prec) {
        buf[n++] = dig[0];
        if (k > 1) {
            buf[n++] = '.';
            for (int i = 1; i < k; i++)
                buf[n++] = dig[i];
        }
        int ae = e10 < 0 ? -e10 : e10;
        buf[n++] = 'e';
        buf[n++] = e10 < 0 ? '-' : '+';
        if (ae >= 100)
            buf[n++] = (char)('0' + ae / 100);
        buf[n++] = (char)('0' + ae / 10 % 10);
        buf[n++] = (char)('0' + ae % 10);
        buf[n] = '\0';
    } else if (e10 >= 0) {
        for (int i = 0; i <= e10; i++)
            buf[n++] = i < k ? dig[i] : '0';
        if (k > e10 + 1) {
            buf[n++] = '.';
            for (int i = e10 + 1; i < k; i++)
                buf[n++] = dig[i];
        }
        buf[n] = '\0';
    } else {
        buf[n++] = '0';
        buf[n++] = '.';
        for (int i = 0; i < -e10 - 1; i++)
            buf[n++] = '0';
        for (int i = 0; i < k; i++)
            buf[n++] = dig[i];
        buf[n] = '\0';
    }
    if (size > 0) {
        size_t m = n < size ? n : size - 1;
        memcpy(out, buf, m);
        out[m] = '\0';
    }
}

/* dig (17 digits) rounded to prec digits into r, the exponent into *e; -1 when the
 * dropped digits are exactly a half (ambiguous: printf must decide). */
static int round_digits(const char *dig, int prec, char *r, int e10, int *e)
{
    int cmp = 0;    /* dropped digits against "500...": <0, 0, >0 */
    for (int i = prec; i < 17 && cmp == 0; i++) {
        int half = i == prec ? '5' : '0';
        cmp = dig[i] - half;
    }
    if (cmp == 0)
        return -1;
    memcpy(r, dig, (size_t)prec);
    *e = e10;
    if (cmp > 0) {
        int i = prec - 1;
        while (i >= 0 && r[i] == '9')
            r[i--] = '0';
        if (i >= 0) {
            r[i]++;
        } else {    /* 99...9 rounds up to 100...0: one more digit before the point */
            r[0] = '1';
            (*e)++;
        }
    }
    return 0;
}

/* The 17 significant digits of x > 0 rounded to nearest, ties to even, and the
 * decimal exponent of the first, as printf's "%.16e" gives them: 0, or -1 where this
 * does not apply (then ask printf, whose multi-precision path took a third of `ope
 * gen`'s time). For 1e-11 <= x < 1e17, x 10^s (s = 16 - e10, 0 <= s <= 27) is
 * m 5^s 2^(e2 + s) with m 5^s < 2^116 exact in 128 bits, so the digits are that
 * integer shifted right with its remainder rounded by hand. */
static int digits17(double x, char *dig, int *e10)
{
#if defined(OPE_HAVE_DECIMAL)
    if (!(x >= 1e-11 && x < 1e17))
        return -1;
    int e2;
    double f = frexp(x, &e2);                       /* x = f 2^e2, 0.5 <= f < 1 */
    uint64_t m = (uint64_t)ldexp(f, 53);            /* exact: 53 bits */
    e2 -= 53;                                       /* x = m 2^e2 */
    int e = (int)floor(log10(x));                   /* maybe one off: fixed below */
    static const uint64_t p17 = 100000000000000000ULL, p16 = 10000000000000000ULL;
    for (int tries = 0; tries < 3; tries++) {
        int s = 16 - e;
        if (s < 0 || s > 27)
            return -1;
        ope_u128_ v = (ope_u128_)m * ope_pow5_[s];  /* x 10^s = v 2^(e2 + s) */
        int t = -(e2 + s);
        uint64_t d;
        if (t <= 0) {
            if (t < -60 || (v << -t) >> -t != v || (v << -t) >= p17)
                d = p17;                            /* too large: e is one low */
            else
                d = (uint64_t)(v << -t);
        } else if (t >= 128) {
            d = 0;
        } else {
            ope_u128_ q = v >> t, rem = v - (q << t), half = (ope_u128_)1 << (t - 1);
            if (rem > half || (rem == half && (q & 1)))
                q++;
            d = q >= p17 ? p17 : (uint64_t)q;
        }
        if (d >= p17) {
            e++;
            continue;
        }
        if (d < p16) {
            e--;
            continue;
        }
        for (int k = 16; k >= 0; k--) {
            dig[k] = (char)('0' + d % 10);
            d /= 10;
        }
        *e10 = e;
        return 0;
    }
    return -1;
#else
    (void)x;
    (void)dig;
    (void)e10;
    return -1;
#endif
}

void ope_format_double(char *out, size_t size, double x)
{
    if (x == 0.0) {
        snprintf(out, size, "0");
        return;
    }
    if (!isfinite(x)) {
        snprintf(out, size, "%.17g", x);
        return;
    }
    char dig[17], r[17];
    int e10;
    if (digits17(fabs(x), dig, &e10) != 0) {
        char e17[40];
        snprintf(e17, sizeof e17, "%.16e", fabs(x));    /* "d.dddddddddddddddde+XX" */
        dig[0] = e17[0];
        memcpy(dig + 1, e17 + 2, 16);
        e10 = (int)strtol(e17 + 19, NULL, 10);
    }
    int neg = x < 0;
    for (int prec = 15; prec <= 16; prec++) {
        int e;
        if (round_digits(dig, prec, r, e10, &e) == 0) {
            /* Whether it reads back as x: its digits as an integer times a power of
             * ten, rounded as strtod rounds it (decimal.h; strtod took a third of `ope
             * gen`'s time), or by strtod where that does not apply; the text is
             * written only for the digits that are kept. */
            uint64_t w = 0;
            for (int i = 0; i < prec; i++)
                w = w * 10 + (uint64_t)(r[i] - '0');
            double v;
            int exact = ope_decimal_to_double(w, e - prec + 1, &v) == 0;
            if (exact && v != fabs(x))
                continue;
            format_g(out, size, neg, r, prec, e);
            if (exact || strtod(out, NULL) == x)
                return;
        } else {
            snprintf(out, size, "%.*g", prec, x);
            if (strtod(out, NULL) == x)
                return;
        }
    }
    format_g(out, size, neg, dig, 17, e10);
}

void json_number(struct strbuf *sb, double x)
{
    if (!isfinite(x)) {
        strbuf_puts(sb, "null");
        return;
    }
    char tmp[40];
    ope_format_double(tmp, sizeof tmp, x);
    strbuf_puts(sb, tmp);
}
