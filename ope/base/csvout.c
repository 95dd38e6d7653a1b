/* ope/base/csvout.c: CSV cells and numbers (see the header). */
#include "config.h"
#include "ope/base/csvout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ope/base/json.h"

void csvout_field(struct strbuf *sb, const char *s, size_t len, char sep, int force)
{
    if (!force && !memchr(s, sep, len) && !memchr(s, '"', len) && !memchr(s, '\r', len)
        && !memchr(s, '\n', len)) {
        strbuf_add(sb, s, len);
        return;
    }
    strbuf_putc(sb, '"');
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            strbuf_putc(sb, '"');
        strbuf_putc(sb, s[i]);
    }
    strbuf_putc(sb, '"');
}

void csvout_cell(struct strbuf *sb, const char *s)
{
    csvout_field(sb, s, strlen(s), ',', 0);
}

void csvout_number(struct strbuf *sb, double v)
{
    char buf[48];
    strbuf_putc(sb, ',');
    if (isnan(v))
        return;     /* empty cell: not available */
    if (isinf(v)) {
        strbuf_puts(sb, v > 0 ? "inf" : "-inf");
        return;
    }
    ope_format_double(buf, sizeof buf, v);
    strbuf_puts(sb, buf);
}

void csvout_format_g15_17(char *buf, size_t size, double x)
{
    snprintf(buf, size, "%.15g", x);
    if (strtod(buf, NULL) != x)
        snprintf(buf, size, "%.17g", x);
}
