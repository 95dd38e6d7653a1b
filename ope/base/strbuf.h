/* ope/base/strbuf.h: a growable string, for building output (tables, JSON, scripts)
 * before it is written in one piece. Allocation failure is sticky: once set, further
 * appends are ignored and strbuf_failed() says so. */
#ifndef OPE_STRBUF_H
#define OPE_STRBUF_H

#include <stddef.h>

struct strbuf {
    char *buf;      /* NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
    int failed;     /* an allocation failed */
};

#define STRBUF_INIT { NULL, 0, 0, 0 }

void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);          /* free the insides */
void strbuf_reset(struct strbuf *sb);            /* length 0, keep memory */
void strbuf_add(struct strbuf *sb, const char *s, size_t n);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_putc(struct strbuf *sb, char c);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* n more bytes at the end, not yet written (NUL-terminated after them): where to write
 * them, or NULL (failed set) when memory runs out. */
char *strbuf_extend(struct strbuf *sb, size_t n);
int strbuf_failed(const struct strbuf *sb);
/* Append argv as words of a command line, each shell-quoted when it needs it (so the
 * line can be pasted back into a shell), a space before each when sb is not empty. */
void strbuf_shell_words(struct strbuf *sb, int argc, char *const *argv);
const char *strbuf_str(const struct strbuf *sb); /* never NULL */
/* Take ownership of the string (caller frees); sb is left empty. */
char *strbuf_detach(struct strbuf *sb);

#endif
