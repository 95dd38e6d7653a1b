/* viz/gpesc.c: quoting data strings for gnuplot. Single quotes are the only safe
 * context (double-quoted strings expand backslashes and, in some places, backquoted
 * shell commands), so everything goes through gp_quote. */
#include "config.h"
#include "viz/gpesc.h"

#include <stddef.h>

/* Length of the valid UTF-8 sequence starting at s (1..4), or 0 if s does not start
 * one (overlong forms, surrogates and code points above U+10FFFF are invalid). */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned min, cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2; min = 0x80; cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3; min = 0x800; cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4; min = 0x10000; cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)      /* also stops at the terminating NUL */
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

void gp_quote(struct strbuf *sb, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    strbuf_putc(sb, '\'');
    while (*p) {
        if (*p == '\'') {
            strbuf_add(sb, "''", 2);
            p++;
        } else if (*p < 0x20 || *p == 0x7f) {
            strbuf_putc(sb, ' ');
            p++;
        } else {
            size_t n = utf8_len(p);
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
