/* datasets/ingest.c: PCRE2 ingestion of raw log lines (see ingest.h). */
#include "config.h"
#include "datasets/ingest.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/csv.h"
#include "datasets/roles.h"
#include "ope/base/csvout.h"
#include "ope/base/utf8.h"

void ingest_opts_init(struct ingest_opts *o)
{
    memset(o, 0, sizeof *o);
    o->match_limit = 1000000;
    o->depth_limit = 10000;
    o->use_jit = 1;
}

struct group {
    uint32_t number;
    char column[128];
};

static int cmp_group(const void *a, const void *b)
{
    const struct group *x = a, *y = b;
    return (x->number > y->number) - (x->number < y->number);
}

/* The pattern's named groups in group order; "__" in a name becomes "." in the
 * column name (PCRE2 names cannot hold dots: (?<pi__bts__0>...) -> pi.bts.0). */
static int named_groups(const pcre2_code *re, struct group **out, size_t *n,
                        struct ope_error *err)
{
    uint32_t count = 0, size = 0;
    PCRE2_SPTR table;
    pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &size);
    pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table);
    struct group *g = ope_calloc(count ? count : 1, sizeof *g, err);
    if (!g)
        return -1;
    for (uint32_t k = 0; k < count; k++) {
        const unsigned char *e = table + (size_t)k * size;
        g[k].number = (uint32_t)e[0] << 8 | e[1];
        const char *name = (const char *)e + 2;
        size_t w = 0;
        for (size_t i = 0; name[i] && w + 1 < sizeof g[k].column; i++) {
            if (name[i] == '_' && name[i + 1] == '_') {
                g[k].column[w++] = '.';
                i++;
            } else {
                g[k].column[w++] = name[i];
            }
        }
        g[k].column[w] = '\0';
    }
    qsort(g, count, sizeof *g, cmp_group);
    *out = g;
    *n = count;
    return 0;
}

/* Read one line (its newline dropped) into *buf: 1, 0 at the end of the input, -1 on
 * a read error or when memory runs out (errno says which; a failed read is never
 * taken for the end), -2 when the line passes CSV_MAX_RECORD (the CSV reader's
 * limit: a file without newlines, such as /dev/zero, must not eat the memory). */
static int read_line(FILE *in, char **buf, size_t *cap, size_t *len)
{
    size_t n = 0;
    int c;
    errno = 0;
    while ((c = getc_unlocked(in)) != EOF && c != '\n') {
        if (n >= CSV_MAX_RECORD)
            return -2;
        if (n + 2 > *cap) {
            size_t nc = *cap ? *cap * 2 : 256;
            char *nb = realloc(*buf, nc);
            if (!nb) {
                errno = ENOMEM;
                return -1;
            }
            *buf = nb;
            *cap = nc;
        }
        (*buf)[n++] = (char)c;
    }
    if (c == EOF && ferror(in))
        return -1;
    if (c == EOF && n == 0)
        return 0;
    if (!*buf && !(*buf = malloc(*cap = 1))) {
        errno = ENOMEM;
        return -1;
    }
    (*buf)[n] = '\0';
    *len = n;
    return 1;
}

/* The loaders' rules for the three required columns (blog_load.c, formats.md), so
 * that a captured row eval would reject is refused here, naming the line. The
 * other columns (pi.*, q.*, context) are checked when the log is loaded: their
 * rules depend on the whole header and on the options of the command that reads it. */
static int check_required(const char *path, size_t line, const char *column, const char *s,
                          size_t len, struct ope_error *err)
{
    double v;
    long lv;
    const char *what = NULL;
    if (strcmp(column, "action") == 0) {
        if (csv_parse_long(s, len, 0, 1000000L, &lv) != 0)
            what = "an action: an integer from 0 to 1000000";
    } else if (strcmp(column, "reward") == 0) {
        if (csv_parse_double(s, len, &v) != 0 || !(fabs(v) <= ROLES_REWARD_MAX))
            what = ROLES_REWARD_WHAT;
    } else if (strcmp(column, "pscore") == 0) {
        if (csv_parse_double(s, len, &v) != 0 || v <= 0.0 || v > 1.0)
            what = "a probability in (0, 1]";
    }
    if (!what)
        return 0;
    char q[160];
    return ope_fail(err, OPE_EDATA, "%s:%zu: group '%s' captured '%s', expected %s (the "
                    "bandit log's rule; fix the line or the pattern)", path, line, column,
                    utf8_printable(s, len, q, sizeof q), what);
}

static int compile(const struct ingest_opts *o, pcre2_code **re, struct ope_error *err)
{
    int code;
    PCRE2_SIZE off;
    *re = pcre2_compile((PCRE2_SPTR)o->pattern, PCRE2_ZERO_TERMINATED,
                        PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
    if (*re)
        return 0;
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(code, msg, sizeof msg);
    size_t len = strlen(o->pattern);
    if (off > len)
        off = len;
    return ope_fail(err, OPE_EUSAGE, "--regex does not compile: %s at offset %zu\n  %s\n  %*s^",
                    (const char *)msg, (size_t)off, o->pattern, (int)off, "");
}

int ingest_file(const char *path, const struct ingest_opts *o,
                int (*flush)(void *ctx, const char *buf, size_t len, struct ope_error *err),
                void *ctx, struct ingest_stats *st, struct ope_error *err)
{
    memset(st, 0, sizeof *st);
    pcre2_code *re = NULL;
    if (compile(o, &re, err) != 0)
        return -1;
    struct group *g = NULL;
    size_t ng = 0;
    FILE *in = NULL;
    char *line = NULL;
    pcre2_match_data *md = NULL;
    pcre2_match_context *mc = NULL;
    pcre2_jit_stack *js = NULL;
    struct strbuf sb = STRBUF_INIT;
    int rc = -1;
    if (named_groups(re, &g, &ng, err) != 0)
        goto out;
    const char *need[] = { "action", "reward", "pscore" };
    for (size_t k = 0; k < 3; k++) {
        size_t j = 0;
        while (j < ng && strcmp(g[j].column, need[k]) != 0)
            j++;
        if (j == ng) {
            ope_fail(err, OPE_EUSAGE, "--regex has no named group '%s': a bandit log needs "
                     "(?<action>...), (?<reward>...) and (?<pscore>...)", need[k]);
            goto out;
        }
    }
    md = pcre2_match_data_create_from_pattern(re, NULL);
    mc = pcre2_match_context_create(NULL);
    if (!md || !mc) {
        ope_fail_oom(err);
        goto out;
    }
    pcre2_set_match_limit(mc, o->match_limit);
    pcre2_set_depth_limit(mc, o->depth_limit);
    if (o->use_jit && pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0) {
        js = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
        if (js) {
            pcre2_jit_stack_assign(mc, NULL, js);
            st->jit = 1;
        }
    }
    in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!in) {
        ope_fail(err, OPE_ENOINPUT, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    for (size_t k = 0; k < ng; k++) {
        if (k)
            strbuf_putc(&sb, ',');
        csvout_cell(&sb, g[k].column);
    }
    strbuf_putc(&sb, '\n');
    size_t cap = 0, len = 0;
    int got;
    while ((got = read_line(in, &line, &cap, &len)) == 1) {
        st->lines++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        int m = pcre2_match(re, (PCRE2_SPTR)line, (PCRE2_SIZE)len, 0, 0, md, mc);
        /* The JIT has no depth limit, so a line it finds unmatched could exhaust the
         * interpreter's (--no-jit): ask the interpreter too, so that the two modes give
         * the same answer (only unmatched lines pay for it). */
        if (m == PCRE2_ERROR_NOMATCH && st->jit) {
            int m2 = pcre2_match(re, (PCRE2_SPTR)line, (PCRE2_SIZE)len, 0, PCRE2_NO_JIT, md, mc);
            if (m2 == PCRE2_ERROR_MATCHLIMIT || m2 == PCRE2_ERROR_DEPTHLIMIT)
                m = m2;
        }
        if (m == PCRE2_ERROR_NOMATCH) {
            if (st->unmatched < INGEST_MAX_REPORTED) {
                st->unmatched_line[st->unmatched] = st->lines;
                utf8_printable(line, len, st->unmatched_text[st->unmatched],
                               sizeof st->unmatched_text[0]);
            }
            st->unmatched++;
            continue;
        }
        if (m == PCRE2_ERROR_MATCHLIMIT || m == PCRE2_ERROR_DEPTHLIMIT ||
            m == PCRE2_ERROR_JIT_STACKLIMIT) {
            ope_fail(err, OPE_EDATA, "%s:%zu: the pattern hit PCRE2's %s limit on this line "
                     "(catastrophic backtracking?); simplify the pattern (avoid nested "
                     "quantifiers such as (a+)+) or raise --match-limit/--depth-limit",
                     path, st->lines, m == PCRE2_ERROR_MATCHLIMIT ? "match" : "depth");
            goto out;
        }
        if (m < 0) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(m, msg, sizeof msg);
            ope_fail(err, OPE_EDATA, "%s:%zu: matching failed: %s", path, st->lines,
                     (const char *)msg);
            goto out;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        for (size_t k = 0; k < ng; k++) {
            if (k)
                strbuf_putc(&sb, ',');
            uint32_t gi = g[k].number;
            const char *cs = "";
            size_t cl = 0;
            if ((int)gi < m && ov[2 * gi] != PCRE2_UNSET) {
                cs = line + ov[2 * gi];
                cl = ov[2 * gi + 1] - ov[2 * gi];
                csvout_field(&sb, cs, cl, ',', 0);
            }
            if (check_required(path, st->lines, g[k].column, cs, cl, err) != 0)
                goto out;
        }
        strbuf_putc(&sb, '\n');
        st->rows++;
        if (sb.len > (1u << 20)) {
            if (strbuf_failed(&sb)) {
                ope_fail_oom(err);
                goto out;
            }
            if (flush(ctx, sb.buf, sb.len, err) != 0)
                goto out;
            strbuf_reset(&sb);
        }
    }
    if (got == -2) {
        ope_fail(err, OPE_EDATA, "%s:%zu: the line is longer than %zu MB; is this a text "
                 "log?", path, st->lines + 1, CSV_MAX_RECORD >> 20);
        goto out;
    }
    if (got < 0) {
        ope_fail(err, errno == ENOMEM ? OPE_ESOFTWARE : OPE_ENOINPUT,
                 "%s:%zu: read error: %s", path, st->lines + 1, strerror(errno));
        goto out;
    }
    if (st->rows == 0) {
        ope_fail(err, OPE_EDATA, "%s: no line matched the pattern (%zu line%s read): a "
                 "bandit log needs at least one row", path, st->lines,
                 st->lines == 1 ? "" : "s");
        goto out;
    }
    if (strbuf_failed(&sb)) {
        ope_fail_oom(err);
        goto out;
    }
    if (flush(ctx, strbuf_str(&sb), sb.len, err) != 0)
        goto out;
    rc = 0;
out:
    if (in && in != stdin)
        fclose(in);
    free(line);
    free(g);
    strbuf_release(&sb);
    pcre2_match_data_free(md);
    pcre2_match_context_free(mc);
    pcre2_jit_stack_free(js);
    pcre2_code_free(re);
    return rc;
}
