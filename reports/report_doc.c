/* reports/report_doc.c: the format-independent half of the report document: the
 * shorthands the sections use, number formatting, and the character-level
 * sanitising both formats apply before their own escaping. */
#include "config.h"
#include "reports/report_doc.h"
#include "ope/base/utf8.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void report_doc_init(struct report_doc *d, const struct report_fmt *fmt, const char *chart_base)
{
    memset(d, 0, sizeof *d);
    d->fmt = fmt;
    strbuf_init(&d->out);
    d->chart_base = chart_base;
}

void report_doc_release(struct report_doc *d)
{
    strbuf_release(&d->out);
}

void report_h(struct report_doc *d, int level, const char *anchor, const char *text)
{
    d->fmt->heading(d, level, anchor, text);
}

void report_begin(struct report_doc *d, enum report_block b)
{
    d->fmt->block_begin(d, b);
}

void report_end(struct report_doc *d, enum report_block b)
{
    d->fmt->block_end(d, b);
}

void report_table_begin(struct report_doc *d, size_t ncol, const char *const *head,
                        const char *align)
{
    memset(d->align, 'l', sizeof d->align);
    for (size_t c = 0; c < ncol && c < sizeof d->align && align[c]; c++)
        d->align[c] = align[c];
    d->ncol = ncol;
    d->fmt->table_begin(d, ncol, head, align);
}

void report_table_row(struct report_doc *d, const char *const *cells)
{
    d->fmt->table_row(d, cells);
}

void report_table_end(struct report_doc *d)
{
    d->fmt->table_end(d);
    d->ncol = 0;
}

char report_doc_align(const struct report_doc *d, size_t c)
{
    return c < sizeof d->align && d->align[c] == 'r' ? 'r' : 'l';
}

/* vsnprintf into a heap string (NULL on out-of-memory: the caller marks the
 * document failed, so a short report is never written as if complete). */
static char *vformat(const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

void report_para(struct report_doc *d, enum report_block b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    if (!s) {
        d->out.failed = 1;
        return;
    }
    d->fmt->block_begin(d, b);
    d->fmt->span(d, REPORT_TEXT, s);
    d->fmt->block_end(d, b);
    free(s);
}

void report_spanf(struct report_doc *d, enum report_span sp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vformat(fmt, ap);
    va_end(ap);
    if (!s) {
        d->out.failed = 1;
        return;
    }
    d->fmt->span(d, sp, s);
    free(s);
}

const char *report_num(char *buf, double v)
{
    if (isnan(v))
        snprintf(buf, 32, "-");
    else if (isinf(v))
        snprintf(buf, 32, v > 0 ? "inf" : "-inf");
    else
        snprintf(buf, 32, "%.6g", v);
    return buf;
}

void report_clean_text(struct strbuf *sb, const char *str, int keep_newlines)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    while (*s) {
        unsigned cp;
        int n = utf8_decode(s, &cp);
        if (n == 0) {
            strbuf_puts(sb, "\xef\xbf\xbd");    /* U+FFFD */
            s++;
            continue;
        }
        if (cp == '\n' && keep_newlines)
            strbuf_putc(sb, '\n');
        else if (cp == '\t' && keep_newlines)
            strbuf_putc(sb, '\t');
        else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0xfffe ||
                 cp == 0xffff)
            strbuf_putc(sb, ' ');   /* not allowed (or invisible) in XML and HTML text */
        else
            strbuf_add(sb, (const char *)s, (size_t)n);
        s += n;
    }
}
