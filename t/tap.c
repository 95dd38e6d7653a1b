/* t/tap.c: the TAP producer. */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_no, failures, planned = -1, deferred;

void plan(int n)
{
    planned = n;
    printf("1..%d\n", n);
    fflush(stdout);
}

void plan_no_plan(void)
{
    deferred = 1;
}

void plan_skip_all(const char *why)
{
    printf("1..0 # SKIP %s\n", why);
    exit(0);
}

static int report(int cond, const char *fmt, va_list ap)
{
    test_no++;
    printf("%sok %d - ", cond ? "" : "not ", test_no);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    if (!cond)
        failures++;
    return cond;
}

int ok(int cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(cond, fmt, ap);
    va_end(ap);
    return cond;
}

int is_int(long long got, long long want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int c = report(got == want, fmt, ap);
    va_end(ap);
    if (!c)
        printf("#   got:  %lld\n#   want: %lld\n", got, want);
    return c;
}

static int close_enough(double got, double want, double tol)
{
    if (isnan(want))
        return isnan(got);
    if (isinf(want))
        return got == want;
    return !isnan(got) && fabs(got - want) <= tol;
}

int is_double(double got, double want, double tol, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int c = report(close_enough(got, want, tol), fmt, ap);
    va_end(ap);
    if (!c)
        printf("#   got:  %.17g\n#   want: %.17g (tolerance %g)\n", got, want, tol);
    return c;
}

int is_double_rel(double got, double want, double tol, const char *fmt, ...)
{
    double scale = fabs(want) > 1.0 ? fabs(want) : 1.0;
    va_list ap;
    va_start(ap, fmt);
    int c = report(close_enough(got, want, tol * scale), fmt, ap);
    va_end(ap);
    if (!c)
        printf("#   got:  %.17g\n#   want: %.17g (relative tolerance %g)\n", got, want, tol);
    return c;
}

int is_string(const char *got, const char *want, const char *fmt, ...)
{
    int same = got && want ? strcmp(got, want) == 0 : got == want;
    va_list ap;
    va_start(ap, fmt);
    int c = report(same, fmt, ap);
    va_end(ap);
    if (!c)
        printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)", want ? want : "(null)");
    return c;
}

int like(const char *got, const char *needle, const char *fmt, ...)
{
    int found = got && needle && strstr(got, needle) != NULL;
    va_list ap;
    va_start(ap, fmt);
    int c = report(found, fmt, ap);
    va_end(ap);
    if (!c)
        printf("#   got:     '%s'\n#   missing: '%s'\n", got ? got : "(null)", needle);
    return c;
}

void diag(const char *fmt, ...)
{
    va_list ap;
    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

void skip(int n, const char *why)
{
    for (int i = 0; i < n; i++) {
        test_no++;
        printf("ok %d # skip %s\n", test_no, why);
    }
    fflush(stdout);
}

void bail_out(const char *fmt, ...)
{
    va_list ap;
    printf("Bail out! ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    exit(255);
}

int done_testing(void)
{
    if (deferred)
        printf("1..%d\n", test_no);
    else if (planned >= 0 && planned != test_no)
        printf("# planned %d tests but ran %d\n", planned, test_no);
    fflush(stdout);
    return failures || (!deferred && planned != test_no) ? 1 : 0;
}

const char *tap_data_path(const char *name)
{
    static char buf[4096];
    const char *src = getenv("OPE_SRCDIR");
    snprintf(buf, sizeof buf, "%s/t/data/%s", src && *src ? src : ".", name);
    return buf;
}
