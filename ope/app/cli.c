/* ope/app/cli.c: helpers shared by the subcommands: usage errors, printing errors,
 * option-value parsing (see cli.h). */
#include "config.h"
#include "ope/app/cli.h"

#include "ope/base/closest.h"
#include "ope/base/outfile.h"
#include "ope/base/utf8.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    int top = !cmd || !*cmd;        /* ope's own options, before any command */
    fprintf(stderr, top ? "ope: " : "ope %s: ", cmd);
    char msg[2048], shown[4 * sizeof msg];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fputs(utf8_printable_lines(msg, strlen(msg), shown, sizeof shown), stderr);
    if (top)
        fprintf(stderr, "\nTry 'ope help'.\n");
    else
        fprintf(stderr, "\nTry 'ope help %s' for the options.\n", cmd);
    return OPE_EUSAGE;
}

/* Messages quote names from the data (a policy, a column, a value seen): a control
 * byte in one is shown as \xNN, so it cannot start a terminal escape sequence. */
int cli_error(const struct ope_error *err)
{
    /* Standard output's reader went away (`ope ... | head -c1`): the status says that
     * the output could not be written; a message about it would only be noise. */
    if (err->status == OPE_ECANTCREAT && strstr(err->msg, "standard output") &&
        ope_stdout_gone())
        return err->status;
    char shown[4 * sizeof err->msg + 1];
    fprintf(stderr, "ope: %s\n", err->msg[0] ? utf8_printable_lines(err->msg, strlen(err->msg),
                                                                    shown, sizeof shown)
                                             : ope_status_name(err->status));
    return err->status ? err->status : OPE_EFAIL;
}

int cli_value_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int cli_value_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    /* ERANGE also flags an underflow, whose result (a subnormal, or 0) is the number
     * asked for as nearly as a double holds it: only an overflow is refused. */
    if ((errno && !(errno == ERANGE && fabs(v) < DBL_MIN)) || end == s || *end ||
        !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_int(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out)
{
    if (cli_value_long(s, lo, hi, out) != 0)
        return cli_usage(cmd, "%s expects an integer from %ld to %ld, got '%s'", opt, lo, hi, s);
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
    if (cli_value_double(s, lo, hi, out) != 0)
        return cli_usage(cmd, "%s expects a number from %g to %g, got '%s'", opt, lo, hi, s);
    return 0;
}

/* The long option names of a table, for ope_closest. */
static size_t long_names(const struct option *lo, const char **names, size_t cap)
{
    size_t n = 0;
    for (; lo && lo->name && n < cap; lo++)
        names[n++] = lo->name;
    return n;
}

/* "unknown option '--truht'; did you mean '--truth'?" */
static int bad_long(const char *cmd, const char *typed, const struct option *lo, int abbrev)
{
    const char *names[256];
    size_t len = strcspn(typed, "=");
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1), typed);
    const char *near = ope_closest(name, names, long_names(lo, names, 256));
    if (near)
        return cli_usage(cmd, "unknown option '--%s'; did you mean '--%s'?%s", name, near,
                         abbrev ? " (long options are spelt in full)" : "");
    return cli_usage(cmd, "unknown option '--%s'", name);
}

/* The long option spelt exactly as name (up to '='), or NULL. */
static const struct option *exact_long(const struct option *lo, const char *name)
{
    size_t len = strcspn(name, "=");
    for (; lo && lo->name; lo++)
        if (strlen(lo->name) == len && strncmp(lo->name, name, len) == 0)
            return lo;
    return NULL;
}

int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
               const struct option *longopts)
{
    /* A leading ':' makes a missing value its own code; keep a leading '+' or '-'. */
    char spec[128];
    int lead = shortopts[0] == '+' || shortopts[0] == '-';
    snprintf(spec, sizeof spec, "%.*s:%s", lead, shortopts, shortopts + lead);
    opterr = 0;
    int idx = -1;
    int c = getopt_long(argc, argv, spec, longopts, &idx);
    const char *el = optind >= 1 && optind <= argc ? argv[optind - 1] : "";
    if (c == ':') {
        if (el[0] == '-' && el[1] == '-')
            return cli_usage(cmd, "option '%s' needs a value", el), '?';
        return cli_usage(cmd, "option '-%c' needs a value", optopt), '?';
    }
    if (c == '?') {
        if (optopt == 0 && el[0] == '-' && el[1] == '-')
            return bad_long(cmd, el + 2, longopts, 0), '?';
        const struct option *o = el[0] == '-' && el[1] == '-' ? exact_long(longopts, el + 2)
                                                                : NULL;
        if (o && o->has_arg == no_argument && strchr(el, '='))
            return cli_usage(cmd, "option '--%s' takes no value", o->name), '?';
        if (optopt > 0 && optopt < 128)
            return cli_usage(cmd, "unknown option '-%c'", optopt), '?';
        return cli_usage(cmd, "unknown option '%s'", el), '?';
    }
    if (c != -1 && idx >= 0) {
        /* The word that held the option: the one before a separate value. */
        const char *word = optarg && optind >= 2 && optarg == argv[optind - 1]
                           ? argv[optind - 2] : el;
        if (word[0] == '-' && word[1] == '-' && !exact_long(longopts, word + 2))
            return bad_long(cmd, word + 2, longopts, 1), '?';
    }
    return c;
}
