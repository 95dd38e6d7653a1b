/* datasets/ingest.c: PCRE2 ingestion of raw log lines (see ingest.h). */
#include "config.h"
#include "datasets/ingest.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ope/base/csvout.h"

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
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, in)) >= 0) {
        st->lines++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        int m = pcre2_match(re, (PCRE2_SPTR)line, (PCRE2_SIZE)len, 0, 0, md, mc);
        if (m == PCRE2_ERROR_NOMATCH) {
            if (st->unmatched < INGEST_MAX_REPORTED) {
                st->unmatched_line[st->unmatched] = st->lines;
                snprintf(st->unmatched_text[st->unmatched], sizeof st->unmatched_text[0], "%s",
                         line);
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
            if ((int)gi < m && ov[2 * gi] != PCRE2_UNSET)
                csvout_field(&sb, line + ov[2 * gi], ov[2 * gi + 1] - ov[2 * gi], ',', 0);
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
    if (ferror(in)) {
        ope_fail(err, OPE_ENOINPUT, "%s: read error: %s", path, strerror(errno));
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
