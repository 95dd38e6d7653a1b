/* viz/gpesc.h: the one way a string from data (policy names, estimator labels, column
 * names, titles, file names) enters a gnuplot script: as a single-quoted literal,
 * where gnuplot expands neither backquotes, nor `@` macros, nor backslash escapes. */
#ifndef VIZ_GPESC_H
#define VIZ_GPESC_H

#include "ope/base/strbuf.h"

/* Append s to sb as a gnuplot single-quoted string literal, quotes included: every
 * `'` is doubled, control characters (newline, tab, CR, ESC, DEL...) become spaces,
 * and bytes that are not valid UTF-8 become `?`, so the literal is one line that
 * gnuplot reads back as exactly the text shown (and SVG output stays valid XML).
 * Enhanced-text markup (^ _ @ & { } ~) is not altered: every label is drawn with
 * `noenhanced` instead. NULL is treated as "". */
void gp_quote(struct strbuf *sb, const char *s);

/* The same literal as a malloc'ed string (NULL on out-of-memory). */
char *gp_quote_dup(const char *s);

#endif
