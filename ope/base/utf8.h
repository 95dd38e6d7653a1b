/* ope/base/utf8.h: strict UTF-8 decoding, shared by every writer that must not pass
 * malformed bytes on (JSON, gnuplot scripts, HTML and Markdown reports). */
#ifndef OPE_UTF8_H
#define OPE_UTF8_H

/* Decode the sequence starting at s: its length (1..4) with the code point in *cp
 * (cp may be NULL), or 0 when s does not start a valid sequence (overlong forms,
 * surrogates, code points above U+10FFFF, a truncated sequence: a NUL stops it). */
int utf8_decode(const unsigned char *s, unsigned *cp);

#endif
