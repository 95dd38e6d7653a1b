/* t/0330-numparse.c: csv_parse_double returns exactly strtod's double (bit for bit)
 * on every string of its grammar, whichever internal path takes it: the exact
 * integer path of plain decimals up to 19 significant digits (q in -27..27), the
 * general parser beyond. Exact ties between two doubles (round half to even) are
 * built on purpose, since random strings almost never hit them. */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/csv.h"
#include "ope/base/rng.h"

static struct ope_rng rng;
static long checked, wrong;

static uint64_t bits(void)
{
    return ope_rng_u64(&rng);
}

/* One grammar-valid string: the parse must succeed and equal strtod bitwise (or
 * return -2 where strtod overflows). */
static void check(const char *s)
{
    double want, got;
    char *end;
    want = strtod(s, &end);
    int rc = csv_parse_double(s, strlen(s), &got);
    checked++;
    if (*end != '\0') {
        wrong++;
        diag("generator produced '%s', which strtod does not read whole", s);
        return;
    }
    if (!isfinite(want)) {          /* overflow: rejected like inf */
        if (rc != -2 && wrong++ < 10)
            diag("'%s' overflows, but rc %d", s, rc);
        return;
    }
    if (rc != 0 || memcmp(&got, &want, sizeof got) != 0) {
        if (wrong++ < 10)
            diag("'%s': rc %d, got %.17g, strtod %.17g", s, rc, got, want);
    }
}

static int report(const char *what)
{
    int r = ok(wrong == 0, "%ld %s parse as strtod (%ld differ)", checked, what, wrong);
    checked = wrong = 0;
    return r;
}

/* Random doubles of every magnitude, printed with every precision. */
static void printed_doubles(void)
{
    char buf[400];
    for (int k = 0; k < 40000; k++) {
        uint64_t u = bits();
        double x;
        memcpy(&x, &u, sizeof x);
        if (!isfinite(x))
            continue;
        snprintf(buf, sizeof buf, "%.17g", x);
        check(buf);
        snprintf(buf, sizeof buf, "%.*g", (int)(bits() % 17) + 1, x);
        check(buf);
        /* Moderate magnitudes (the integer path's range) with %f and %e. */
        double y = ldexp((double)(bits() >> 11), -(int)(bits() % 90)) * (bits() % 2 ? 1 : -1);
        snprintf(buf, sizeof buf, "%.17g", y);
        check(buf);
        snprintf(buf, sizeof buf, "%.*f", (int)(bits() % 25), y);
        check(buf);
        snprintf(buf, sizeof buf, "%.*e", (int)(bits() % 20), y);
        check(buf);
    }
    report("printed doubles (%.17g, %.Ng, %.Nf, %.Ne)");
}

/* Random strings of the grammar: sign, leading zeros, up to 24 digits on either
 * side of the point, an optional exponent of up to 3 digits (some overflow). */
static void digit_strings(void)
{
    char buf[128];
    for (int k = 0; k < 150000; k++) {
        int n = 0;
        if (bits() % 2)
            buf[n++] = bits() % 2 ? '-' : '+';
        int li = (int)(bits() % 25), lf = (int)(bits() % 25);
        int point = bits() % 4 != 0;
        if (li == 0 && (!point || lf == 0))
            li = 1;
        for (int i = 0; i < li; i++)
            buf[n++] = bits() % 3 == 0 ? '0' : (char)('0' + bits() % 10);
        if (point) {
            buf[n++] = '.';
            for (int i = 0; i < lf; i++)
                buf[n++] = bits() % 3 == 0 ? '0' : (char)('0' + bits() % 10);
        }
        if (bits() % 2) {
            buf[n++] = bits() % 2 ? 'e' : 'E';
            if (bits() % 2)
                buf[n++] = bits() % 2 ? '-' : '+';
            int le = (int)(bits() % 3) + 1;
            for (int i = 0; i < le; i++)
                buf[n++] = (char)('0' + bits() % (i == 0 ? 4 : 10));
        }
        buf[n] = '\0';
        check(buf);
    }
    report("random digit strings");
}

/* Exact midpoints between adjacent doubles, and their neighbours one unit in the
 * last written digit away. */
static void ties(void)
{
    char buf[64];
    for (int k = 0; k < 20000; k++) {
        /* An odd 54-bit integer m lies halfway between two doubles 2 apart; m / 2^j
         * (j = 1..3) is halfway too and is written exactly with j decimals. */
        uint64_t m = (bits() >> 10) | ((uint64_t)1 << 53) | 1;
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)m);
        check(buf);
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)(m + 1));
        check(buf);
        for (int j = 1; j <= 3; j++) {
            uint64_t ip = m >> j, fr = m & ((1u << j) - 1);
            unsigned long long dec = (unsigned long long)(fr * (j == 1 ? 5 : j == 2 ? 25 : 125));
            snprintf(buf, sizeof buf, "%llu.%0*llu", (unsigned long long)ip, j, dec);
            check(buf);
            snprintf(buf, sizeof buf, "-%llu.%0*llue-0", (unsigned long long)ip, j, dec);
            check(buf);
        }
        /* 100 r with 25 r an odd 54-bit integer: a tie reached through q = 2
         * (w 5^q 2^q), written as digits and with an exponent. */
        uint64_t r = ((bits() >> 15) | ((uint64_t)1 << 48)) | 1;
        if (((unsigned __int128)r * 25) >> 53 == 1) {
            snprintf(buf, sizeof buf, "%llu00", (unsigned long long)r);
            check(buf);
            snprintf(buf, sizeof buf, "%llue2", (unsigned long long)r);
            check(buf);
            snprintf(buf, sizeof buf, "%llue2", (unsigned long long)(r + 1));
            check(buf);
        }
    }
    report("exact ties and neighbours");
}

static void edges(void)
{
    static const char *const s[] = {
        "0", "-0", "+0", "0.0", "-0.000", "00012", "000.5", ".5", "5.", "-.5",
        "1e0", "1E+0", "1e-0", "9007199254740992", "9007199254740993", "9007199254740995",
        "9999999999999999999", "18446744073709551615", "18446744073709551616",
        "1e27", "1e-27", "1e28", "1e-28", "9.999999999999999999e27",
        "1.234567890123456789e-8", "0.1", "0.3", "2.2250738585072014e-308",
        "4.9e-324", "1.7976931348623157e308", "0.10427500364999494",
        "123456789012345678901234567890", "1.00000000000000011102230246251565404236316680908203125",
        NULL
    };
    for (int k = 0; s[k]; k++)
        check(s[k]);
    report("edge cases");
    double v;
    is_int(csv_parse_double("1e309", 5, &v), -2, "1e309 overflows: -2");
    is_int(csv_parse_double("nan", 3, &v), -2, "nan: -2");
    is_int(csv_parse_double(" 1.5 ", 5, &v), 0, "surrounding spaces allowed");
    is_double(v, 1.5, 0, "and read as 1.5");
    is_int(csv_parse_double("1e", 2, &v), -1, "1e: not a number");
    is_int(csv_parse_double("1e+", 3, &v), -1, "1e+: not a number");
    is_int(csv_parse_double(".", 1, &v), -1, ". alone: not a number");
    is_int(csv_parse_double("-", 1, &v), -1, "- alone: not a number");
    is_int(csv_parse_double("1.2.3", 5, &v), -1, "two points: not a number");
    is_int(csv_parse_double("12345678x", 9, &v), -1, "a letter after 8 digits");
    is_int(csv_parse_double("0x10", 4, &v), -1, "hex is not accepted");
    /* The field length is honoured: the text after it is not read. */
    is_int(csv_parse_double("12345678901234567,9", 17, &v), 0, "length-limited field");
    is_double(v, 12345678901234567.0, 0, "reads only its own digits");
}

int main(void)
{
    plan_no_plan();
    ope_rng_init(&rng, 2024, OPE_RNG_TEST, 0);
    printed_doubles();
    digit_strings();
    ties();
    edges();
    return done_testing();
}
