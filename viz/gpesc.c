/* viz/gpesc.c: quoting data strings for gnuplot. Single quotes are the only safe
 * context (double-quoted strings expand backslashes and, in some places, backquoted
 * shell commands), so everything goes through gp_quote. An apostrophe cannot be
 * doubled inside them: gnuplot 5.4 reads '''x' as '' then 'x', and 'a''''b' stops
 * after the first pair, so it is joined on as the constant "'" instead. */
#include "config.h"
#include "viz/gpesc.h"
#include "ope/base/utf8.h"

#include <stddef.h>

static void quote(struct strbuf *sb, const char *s, int tic)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    strbuf_putc(sb, '\'');
    while (*p) {
        if (*p == '\'') {
            /* close the literal, join an apostrophe, open the next literal: every
             * place a chart puts text (set title, label and output, xtics lists,
             * plot titles) takes a string expression */
            strbuf_puts(sb, "' . \"'\" . '");
            p++;
        } else if (*p == '%' && tic) {
            strbuf_add(sb, "%%", 2);
            p++;
        } else if (*p < 0x20 || *p == 0x7f) {
            strbuf_putc(sb, ' ');
            p++;
        } else {
            size_t n = (size_t)utf8_decode(p, NULL);
            if (n == 0) {
                strbuf_putc(sb, '?');
                p++;
            } else {
                strbuf_add(sb, (const char *)p, n);
                p += n;
            }
        }
    }
    strbuf_putc(sb, '\'');
}

void gp_quote(struct strbuf *sb, const char *s)
{
    quote(sb, s, 0);
}

void gp_quote_tic(struct strbuf *sb, const char *s)
{
    quote(sb, s, 1);
}

char *gp_quote_dup(const char *s)
{
    struct strbuf sb = STRBUF_INIT;
    gp_quote(&sb, s);
    if (strbuf_failed(&sb)) {
        strbuf_release(&sb);
        return NULL;
    }
    return strbuf_detach(&sb);
}
