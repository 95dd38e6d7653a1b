/* t/0337-format-double.c: ope_format_double (the numbers of every CSV and JSON ope
 * writes) derives the 15- and 16-digit roundings from one "%.16e" instead of asking
 * printf for each, and reads each back by ope/base/decimal.h's exact w x 10^q instead
 * of strtod where it applies. Its text must be exactly what the plain rule gives: the
 * first of printf's "%.15g", "%.16g", "%.17g" that strtod reads back as x (the
 * reference below, the code it replaced). Checked on random bit patterns (every
 * exponent, subnormals included), random numbers in [0, 1) and of the generator's
 * shapes, and on the hard cases by construction: values whose dropped digits are
 * exactly or nearly a half, rounding that carries into a new digit (9.99...), and %g's
 * switch between fixed and exponent notation (exponents -5, -4, 14..17). */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ope/base/json.h"
#include "t/tap.h"

static void reference(char *out, size_t size, double x)
{
    if (x == 0.0) {
        snprintf(out, size, "0");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, size, "%.*g", prec, x);
        if (strtod(out, NULL) == x)
            return;
    }
}

static uint64_t state = 0x9e3779b97f4a7c15u;
static uint64_t next(void)     /* splitmix64 */
{
    uint64_t z = (state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static long mismatches;
static char first_bad[200];
static void check(double x)
{
    char got[48], want[48];
    ope_format_double(got, sizeof got, x);
    reference(want, sizeof want, x);
    if (strcmp(got, want) != 0 && mismatches++ == 0)
        snprintf(first_bad, sizeof first_bad, "%a: got %s, want %s", x, got, want);
}

static void report(const char *what, long n)
{
    ok(mismatches == 0, "%s: %ld values, printf's text every time", what, n);
    if (mismatches)
        diag("%ld differ; first %s", mismatches, first_bad);
    mismatches = 0;
}

int main(void)
{
    plan_no_plan();
    long n = 0;
    for (int i = 0; i < 200000; i++, n++) {     /* any finite bit pattern */
        uint64_t u = next();
        double x;
        memcpy(&x, &u, sizeof x);
        if (isfinite(x))
            check(x);
    }
    report("random bit patterns", n);
    for (n = 0; n < 200000; n++) {      /* what logs hold: probabilities, z-scores */
        double u = (double)(next() >> 11) * 0x1p-53;
        check(n % 3 == 0 ? u : n % 3 == 1 ? 1.0 / (1.0 + exp(-8 * (u - 0.5))) : -4.0 * log(u + 1e-300));
    }
    report("numbers in [0, 1), logistic and log shapes", n);
    /* Decimals of 15 to 17 digits near a half in their last places, at every exponent
     * from -310 to 308: d.ddddddddddddd5 and d.dddddddddddddd50, +-1 ulp. */
    n = 0;
    for (int e = -310; e <= 308; e++)
        for (int k = 0; k < 12; k++) {
            char s[64];
            uint64_t m = next() % 1000000000000000u;    /* 15 digits */
            snprintf(s, sizeof s, "%llu%s5e%d", (unsigned long long)(m + 100000000000000u),
                     k % 2 ? "" : "0", e);
            double x = strtod(s, NULL);
            if (!isfinite(x) || x == 0)
                continue;
            check(x); check(nextafter(x, 0)); check(nextafter(x, INFINITY)); check(-x);
            n += 4;
        }
    report("values whose dropped digits are about a half", n);
    n = 0;
    for (int e = -320; e <= 308; e++) {     /* 9.999... carries into a new digit */
        for (int d = 13; d <= 17; d++) {
            char s[64];
            snprintf(s, sizeof s, "%.*se%d", d + 1, "9.99999999999999999999", e);
            double x = strtod(s, NULL);
            if (!isfinite(x) || x == 0)
                continue;
            check(x); check(nextafter(x, 0)); check(nextafter(x, INFINITY));
            n += 3;
        }
        double p = pow(10.0, e);
        if (isfinite(p) && p > 0) {
            check(p); check(nextafter(p, 0)); check(nextafter(p, INFINITY)); check(3 * p); check(p / 3);
            n += 5;
        }
    }
    report("powers of ten, their neighbours and 9.99... carries", n);
    const double edge[] = { DBL_MAX, DBL_MIN, DBL_TRUE_MIN, -DBL_MAX, 1e23, 9.5e-5, 0.0001,
                            0.00009999999999999999, 1e15, 1e16, 1e17, 123456789012345678.0,
                            0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 5e-324, 1.5, 0.5, 2.5, 1e-5,
                            99999999999999.99, 999999999999999.9, 9999999999999998.0, -0.0 };
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
        check(edge[i]);
    report("named edge cases", (long)(sizeof edge / sizeof *edge));
    char buf[48];
    ope_format_double(buf, sizeof buf, 0.1);
    is_string(buf, "0.1", "0.1 is written 0.1");
    ope_format_double(buf, sizeof buf, 1.0 / 3);
    is_string(buf, "0.3333333333333333", "1/3 takes 16 digits");
    ope_format_double(buf, sizeof buf, 1e-5);
    is_string(buf, "1e-05", "1e-5 in exponent form, as printf writes it");
    ope_format_double(buf, sizeof buf, -2.5e20);
    is_string(buf, "-2.5e+20", "a negative number with an exponent");
    return done_testing();
}
