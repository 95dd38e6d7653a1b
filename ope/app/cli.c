/* ope/app/cli.c: helpers shared by the subcommands: usage errors, printing errors,
 * option-value parsing (see cli.h). */
#include "config.h"
#include "ope/app/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "ope %s: ", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'ope help %s' for the options.\n", cmd ? cmd : "");
    return OPE_EUSAGE;
}

int cli_error(const struct ope_error *err)
{
    fprintf(stderr, "ope: %s\n", err->msg[0] ? err->msg : ope_status_name(err->status));
    return err->status ? err->status : OPE_EFAIL;
}

int cli_parse_int(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return cli_usage(cmd, "%s expects an integer from %ld to %ld, got '%s'", opt, lo, hi, s);
    *out = v;
    return 0;
}

int cli_parse_seed(const char *cmd, const char *opt, const char *s, uint64_t *out)
{
    /* Digits only: strtoull alone would accept "-1" (as 2^64 - 1) and leading blanks. */
    unsigned long long v = 0;
    int ok = *s && strspn(s, "0123456789") == strlen(s);
    if (ok) {
        errno = 0;
        v = strtoull(s, NULL, 10);
        ok = errno == 0;
    }
    if (!ok)
        return cli_usage(cmd, "%s expects a whole number from 0 to 2^64-1, got '%s'", opt, s);
    *out = (uint64_t)v;
    return 0;
}

int cli_parse_double(const char *cmd, const char *opt, const char *s, double lo, double hi,
                     double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
        return cli_usage(cmd, "%s expects a number from %g to %g, got '%s'", opt, lo, hi, s);
    *out = v;
    return 0;
}
