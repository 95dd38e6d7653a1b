/* ope/base/utf8.c: strict UTF-8 decoding (see the header). */
#include "config.h"
#include "ope/base/utf8.h"

#include <stdio.h>
#include <string.h>

int utf8_decode(const unsigned char *s, unsigned *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        if (cp)
            *cp = c;
        return 1;
    }
    int n;
    unsigned min;
    if ((c & 0xe0) == 0xc0) { n = 2; min = 0x80; c &= 0x1f; }
    else if ((c & 0xf0) == 0xe0) { n = 3; min = 0x800; c &= 0x0f; }
    else if ((c & 0xf8) == 0xf0) { n = 4; min = 0x10000; c &= 0x07; }
    else return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)      /* also stops at the terminating NUL */
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    if (cp)
        *cp = c;
    return n;
}

/* The length of the sequence utf8_printable keeps at s (i bytes in, len in all), or 0
 * for a byte it shows as \xNN. */
static int printable_at(const unsigned char *u, size_t i, size_t len, int lines)
{
    unsigned cp;
    int n = u[i] ? utf8_decode(u + i, &cp) : 0;
    if (lines && (u[i] == '\n' || u[i] == '\t'))
        return 1;
    /* C0, DEL and C1 controls start terminal escape sequences: never raw. */
    if (n == 0 || (size_t)n > len - i || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
        return 0;
    return n;
}

size_t utf8_printable_len(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        int n = printable_at(u, i, len, 0);
        o += n ? (size_t)n : 4;
        i += n ? (size_t)n : 1;
    }
    return o;
}

static const char *printable(const char *s, size_t len, char *buf, size_t size, int lines)
{
    size_t o = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len && o + 4 < size;) {
        int n = printable_at(u, i, len, lines);
        if (n == 0) {
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", u[i]);
            i++;
            continue;
        }
        if (o + (size_t)n + 1 > size)
            break;
        memcpy(buf + o, s + i, (size_t)n);
        o += (size_t)n;
        i += (size_t)n;
    }
    if (size)
        buf[o < size ? o : size - 1] = '\0';
    return buf;
}

const char *utf8_printable(const char *s, size_t len, char *buf, size_t size)
{
    return printable(s, len, buf, size, 0);
}

const char *utf8_printable_lines(const char *s, size_t len, char *buf, size_t size)
{
    return printable(s, len, buf, size, 1);
}
