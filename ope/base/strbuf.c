/* ope/base/strbuf.c: growable strings. */
#include "config.h"
#include "ope/base/strbuf.h"
#include "ope/base/bigmem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_init(struct strbuf *sb)
{
    sb->buf = NULL;
    sb->len = sb->cap = 0;
    sb->failed = 0;
}

void strbuf_release(struct strbuf *sb)
{
    free(sb->buf);
    strbuf_init(sb);
}

void strbuf_reset(struct strbuf *sb)
{
    sb->len = 0;
    if (sb->buf)
        sb->buf[0] = '\0';
}

static int strbuf_grow(struct strbuf *sb, size_t extra)
{
    if (sb->failed)
        return -1;
    if (extra < sb->cap - sb->len)     /* (cap > len always once allocated) */
        return 0;
    if (extra > SIZE_MAX / 2 - sb->len) {
        sb->failed = 1;
        return -1;
    }
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    char *b = ope_bigmem_realloc(sb->buf, cap);
    if (!b) {
        sb->failed = 1;
        return -1;
    }
    sb->buf = b;
    sb->cap = cap;
    return 0;
}

void strbuf_add(struct strbuf *sb, const char *s, size_t n)
{
    if (strbuf_grow(sb, n) != 0)
        return;
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

char *strbuf_extend(struct strbuf *sb, size_t n)
{
    if (strbuf_grow(sb, n) != 0)
        return NULL;
    char *p = sb->buf + sb->len;
    sb->len += n;
    sb->buf[sb->len] = '\0';
    return p;
}

void strbuf_puts(struct strbuf *sb, const char *s)
{
    strbuf_add(sb, s, strlen(s));
}

void strbuf_putc(struct strbuf *sb, char c)
{
    strbuf_add(sb, &c, 1);
}

void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || strbuf_grow(sb, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

int strbuf_failed(const struct strbuf *sb)
{
    return sb->failed;
}

const char *strbuf_str(const struct strbuf *sb)
{
    return sb->buf ? sb->buf : "";
}

char *strbuf_detach(struct strbuf *sb)
{
    char *s = sb->buf;
    if (!s)
        s = calloc(1, 1);
    strbuf_init(sb);
    return s;
}

void strbuf_shell_words(struct strbuf *sb, int argc, char *const *argv)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (sb->len)
            strbuf_putc(sb, ' ');
        if (*a && strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                            "0123456789_./:=,@%+-") == strlen(a)) {
            strbuf_puts(sb, a);
            continue;
        }
        strbuf_putc(sb, '\'');
        for (; *a; a++) {
            if (*a == '\'')
                strbuf_puts(sb, "'\\''");
            else
                strbuf_putc(sb, *a);
        }
        strbuf_putc(sb, '\'');
    }
}
