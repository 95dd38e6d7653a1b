/* ope/base/utf8.h: strict UTF-8 decoding, shared by every writer that must not pass
 * malformed bytes on (JSON, gnuplot scripts, HTML and Markdown reports). */
#ifndef OPE_UTF8_H
#define OPE_UTF8_H

#include <stddef.h>

/* Decode the sequence starting at s: its length (1..4) with the code point in *cp
 * (cp may be NULL), or 0 when s does not start a valid sequence (overlong forms,
 * surrogates, code points above U+10FFFF, a truncated sequence: a NUL stops it). */
int utf8_decode(const unsigned char *s, unsigned *cp);

/* Copy len bytes of s into buf (size bytes, always NUL-terminated) so that they are
 * safe on a terminal: valid UTF-8 stays as it is; control characters (C0, DEL, C1),
 * NULs and bytes of invalid sequences become \xNN. Text that does not fit is cut at a
 * character boundary. Returns buf. */
const char *utf8_printable(const char *s, size_t len, char *buf, size_t size);

/* The same for a message of one or more lines: newlines and tabs stay as they are,
 * every other control character becomes \xNN. */
const char *utf8_printable_lines(const char *s, size_t len, char *buf, size_t size);

/* The length utf8_printable gives s (len bytes) with room enough: the bytes it keeps
 * plus four for each \xNN. For laying out columns of names from data. */
size_t utf8_printable_len(const char *s, size_t len);

#endif
