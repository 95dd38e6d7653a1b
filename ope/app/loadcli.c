/* ope/app/loadcli.c: parsing of the shared load options (see loadcli.h). */
#include "config.h"
#include "ope/app/loadcli.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/csv.h"
#include "datasets/input.h"
#include "datasets/tlog.h"
#include "ope/base/comm.h"

static int parse_sep(struct load_opts *o, const char *arg, struct ope_error *err)
{
    if (strcmp(arg, "tab") == 0 || strcmp(arg, "\\t") == 0)
        o->sep = '\t';
    else if (strlen(arg) == 1 && arg[0] != '"' && arg[0] != '\n' && arg[0] != '\r')
        o->sep = arg[0];
    else
        return ope_fail(err, OPE_EUSAGE, "--sep expects one character (e.g. ';') or 'tab', "
                        "got '%s'", arg);
    return 0;
}

static int parse_int(const char *opt, const char *arg, long lo, long hi, long *out,
                     struct ope_error *err)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || v < lo || v > hi)
        return ope_fail(err, OPE_EUSAGE, "%s expects an integer from %ld to %ld, got '%s'",
                        opt, lo, hi, arg);
    *out = v;
    return 0;
}

/* floor(0.DIGITS * 2^shift) for the digits of s (up to a byte that is not a digit),
 * exactly: Horner's rule from the last digit, each step floored (floor((a + floor(b))
 * / 10) = floor((a + b) / 10) for a whole a), the terms below 10 * 2^30. */
static unsigned long long fraction_bytes(const char *s, unsigned shift)
{
    size_t n = strspn(s, "0123456789");
    unsigned long long t = 0;
    while (n-- > 0)
        t = ((unsigned long long)(s[n] - '0') * (1ULL << shift) + t) / 10;
    return t;
}

/* A number of bytes: digits, or with K, M or G (binary multiples) digits with an
 * optional fraction (1.5G, 0.5M), rounded down to a whole byte. A fraction of a byte
 * (1.5) is refused rather than rounded: a plain number counts bytes, and 1.5 was more
 * likely meant with a suffix. */
static int parse_bytes(const char *arg, unsigned long long *out, struct ope_error *err)
{
    static const char what[] = "--memory-limit expects a positive number of bytes: digits "
                               "(2000000), or with K, M or G (binary: 1K = 1024) digits with "
                               "an optional fraction (512M, 1.5G, 0.5M)";
    /* Digits first: strtoull would skip blanks and take a sign (" -1" wraps to 2^64 - 1). */
    if (!isdigit((unsigned char)*arg))
        return ope_fail(err, OPE_EUSAGE, "%s, got '%s'", what, arg);
    char *digits_end;
    errno = 0;
    unsigned long long v = strtoull(arg, &digits_end, 10);
    const char *end = digits_end, *frac = NULL;
    if (*end == '.') {
        frac = end + 1;
        end = frac + strspn(frac, "0123456789");
    }
    unsigned shift = !*end ? 0 : end[1] ? 99
                   : strchr("kK", *end) ? 10 : strchr("mM", *end) ? 20 : strchr("gG", *end) ? 30 : 99;
    if (errno || (frac && end == frac))
        shift = 99;                     /* too large, or "1." with no digit after */
    if (shift == 99 || v > (~0ULL >> shift))
        return ope_fail(err, OPE_EUSAGE, "%s, got '%s'", what, arg);
    if (frac && shift == 0)
        return ope_fail(err, OPE_EUSAGE, "--memory-limit %s: a number of bytes is whole (a "
                        "fraction needs K, M or G: 1.5K is 1536 bytes)", arg);
    /* The fraction adds less than 2^shift to a multiple of 2^shift: no overflow. */
    *out = (v << shift) + (frac ? fraction_bytes(frac, shift) : 0);
    if (*out == 0)
        return ope_fail(err, OPE_EUSAGE, "--memory-limit %s comes to 0 bytes: give at least 1 "
                        "byte (e.g. 512M, 1.5G)", arg);
    return 0;
}

int loadcli_option(struct load_opts *o, int opt, const char *arg, struct ope_error *err)
{
    long v;
    switch (opt) {
    case LOADCLI_STREAM:
        o->stream = 1;
        return 1;
    case LOADCLI_MEMORY_LIMIT:
        return parse_bytes(arg, &o->memory_limit, err) < 0 ? -1 : 1;
    case LOADCLI_REPARSE:
        o->reparse = 1;
        return 1;
    case LOADCLI_SEP:
        return parse_sep(o, arg, err) < 0 ? -1 : 1;
    case LOADCLI_MAP:
        return load_opts_map(o, arg, err) < 0 ? -1 : 1;
    case LOADCLI_POLICY_COLUMNS:
        o->policy_pattern = arg;
        return 1;
    case LOADCLI_QHAT_COLUMNS:
        o->qhat_pattern = arg;
        return 1;
    case LOADCLI_CONTEXT_COLUMNS:
        o->context_pattern = arg;
        o->state_feature_pattern = arg;
        return 1;
    case LOADCLI_TRUTH_COLUMNS:
        o->truth_pattern = arg;
        return 1;
    case LOADCLI_POSITION_BASE:
        if (parse_int("--position-base", arg, 0, 1, &v, err) < 0)
            return -1;
        o->position_base = (int)v;
        return 1;
    case LOADCLI_N_ACTIONS:
        if (parse_int("--n-actions", arg, 1, 1000000, &v, err) < 0)
            return -1;
        o->n_actions = (int)v;
        return 1;
    case LOADCLI_PRESET:
        if (strcmp(arg, "obd") != 0)
            return ope_fail(err, OPE_EUSAGE, "unknown --preset '%s' (known: obd)", arg);
        /* Only roles the user has not mapped yet: presets never override --map. */
        if (!o->role_column[ROLE_ACTION])
            o->role_column[ROLE_ACTION] = "item_id";
        if (!o->role_column[ROLE_REWARD])
            o->role_column[ROLE_REWARD] = "click";
        if (!o->role_column[ROLE_PSCORE])
            o->role_column[ROLE_PSCORE] = "propensity_score";
        if (!o->context_pattern)
            o->context_pattern = LOADCLI_OBD_CONTEXT;
        return 1;
    default:
        return 0;
    }
}

unsigned long long loadcli_memory_limit(const struct load_opts *o)
{
    if (o->memory_limit)
        return o->memory_limit;
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || size <= 0)
        return ~0ULL;           /* unknown: never stream unless asked */
    /* (ranks of an MPI job on one machine share it) */
    return (unsigned long long)pages * (unsigned long long)size / 4 /
           (unsigned long long)comm_node_size();
}

unsigned long long loadcli_model_budget(void)
{
    /* A test's budget (t/0394: the refusal without a machine too small). */
    const char *t = getenv("OPE_TEST_MODEL_BUDGET");
    if (t && *t)
        return strtoull(t, NULL, 10);
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || size <= 0)
        return 0;               /* unknown: no budget */
    return (unsigned long long)pages * (unsigned long long)size / 4 * 3 /
           (unsigned long long)comm_node_size();
}

/* The bytes a regular file's rows take as CSV: its size, 4 times it when it starts
 * with the gzip or zstd magic bytes (a guess at the ratio of a numeric CSV); 0 when
 * unknown (standard input, a pipe, a FIFO, a missing file). */
static unsigned long long input_bytes(const char *path)
{
    struct stat st;
    if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    unsigned char m[4] = { 0 };
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(m, 1, sizeof m, f) : 0;
    if (f)
        fclose(f);
    int packed = in_sniff(m, got) != IN_PLAIN;
    return (unsigned long long)st.st_size * (packed ? 4 : 1);
}

int loadcli_stream_wanted(const struct load_opts *o, const char *const *paths, size_t n)
{
    if (o->stream)
        return 1;
    unsigned long long total = 0;
    for (size_t k = 0; k < n; k++)
        total += input_bytes(paths[k]);
    return total > loadcli_memory_limit(o);
}

int loadcli_stream_kind(const struct load_opts *o, const char *path, const char *whole_by,
                        struct ope_error *err)
{
    struct stat st;
    if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 2;
    struct ope_error e = { 0 };
    struct csv_reader *csv = csv_open(path, o->sep, &e);
    int traj = csv ? log_csv_is_trajectory(csv, o, &e) : -1;
    csv_close(csv);
    if (traj < 0)
        return 0;
    if (traj == 1)
        return o->stream ? ope_fail(err, OPE_EUSAGE, "%s: --stream reads bandit logs; this "
                                    "is a trajectory log (episode and step columns), which "
                                    "%s whole: drop --stream", path, whole_by)
                         : 0;
    return 1;
}
