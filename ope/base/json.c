/* ope/base/json.c: JSON string escaping and number formatting. */
#include "config.h"
#include "ope/base/json.h"
#include "ope/base/utf8.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_string(struct strbuf *sb, const char *str)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    strbuf_putc(sb, '"');
    while (*s) {
        unsigned c = *s;
        if (c == '"' || c == '\\') {
            strbuf_putc(sb, '\\');
            strbuf_putc(sb, (char)c);
            s++;
        } else if (c < 0x20) {
            switch (c) {
            case '\n': strbuf_puts(sb, "\\n"); break;
            case '\r': strbuf_puts(sb, "\\r"); break;
            case '\t': strbuf_puts(sb, "\\t"); break;
            default: strbuf_printf(sb, "\\u%04x", c); break;
            }
            s++;
        } else {
            int n = utf8_decode(s, NULL);
            if (n == 0) {
                strbuf_puts(sb, "\\ufffd");
                s++;
            } else {
                strbuf_add(sb, (const char *)s, (size_t)n);
                s += n;
            }
        }
    }
    strbuf_putc(sb, '"');
}

void ope_format_double(char *out, size_t size, double x)
{
    if (x == 0.0) {
        snprintf(out, size, "0");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, size, "%.*g", prec, x);
        if (strtod(out, NULL) == x)
            return;
    }
}

void json_number(struct strbuf *sb, double x)
{
    if (!isfinite(x)) {
        strbuf_puts(sb, "null");
        return;
    }
    char tmp[40];
    ope_format_double(tmp, sizeof tmp, x);
    strbuf_puts(sb, tmp);
}
