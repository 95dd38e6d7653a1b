/* ope/cli.c: helpers shared by the subcommands: usage errors, printing errors,
 * option-value parsing, and finding the shipped data. */
#include "config.h"
#include "ope/cmd.h"

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

static char *join_path(const char *dir, const char *rel)
{
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, rel);
    return p;
}

char *ope_data_path(const char *rel)
{
    const char *dirs[3];
    int nd = 0;
    const char *env = getenv("OPE_DATA_DIR");
    if (env && *env)
        dirs[nd++] = env;
    dirs[nd++] = OPE_DATADIR;
    dirs[nd++] = OPE_SRCDIR "/data";
    for (int i = 0; i < nd; i++) {
        char *p = join_path(dirs[i], rel);
        if (p && access(p, R_OK) == 0)
            return p;
        free(p);
    }
    return NULL;
}
