/* ope/base/json.h: writing JSON into a strbuf. Strings are escaped per RFC 8259 (control
 * characters as \uXXXX; invalid UTF-8 bytes replaced by U+FFFD so the output is
 * always valid JSON); non-finite numbers become null, never NaN. */
#ifndef OPE_JSON_H
#define OPE_JSON_H

#include "ope/base/strbuf.h"

void json_string(struct strbuf *sb, const char *s);
/* Shortest round-trip representation (%.17g trimmed); null when not finite. */
void json_number(struct strbuf *sb, double x);
/* Format a double with the fewest digits that read back to the same value. */
void ope_format_double(char *out, size_t size, double x);

#endif
