/* ope/base/csvout.c: CSV cells and numbers (see the header). */
#include "config.h"
#include "ope/base/csvout.h"

#include <math.h>
#include <string.h>

#include "ope/base/json.h"

void csvout_cell(struct strbuf *sb, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        strbuf_puts(sb, s);
        return;
    }
    strbuf_putc(sb, '"');
    for (; *s; s++) {
        if (*s == '"')
            strbuf_putc(sb, '"');
        strbuf_putc(sb, *s);
    }
    strbuf_putc(sb, '"');
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
