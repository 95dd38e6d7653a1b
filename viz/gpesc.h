/* viz/gpesc.h: the one way a string from data (policy names, estimator labels, column
 * names, titles, file names) enters a gnuplot script: as single-quoted literals,
 * where gnuplot expands neither backquotes, nor `@` macros, nor backslash escapes. */
#ifndef VIZ_GPESC_H
#define VIZ_GPESC_H

#include "ope/base/strbuf.h"

/* Append s to sb as a gnuplot string expression built of single-quoted literals,
 * quotes included: each `'` closes the literal and is joined on as "'" ('it' . "'" .
 * 's': a doubled `'` is misread by gnuplot 5.4 at the start of a literal or twice in
 * a row), so the result goes only where gnuplot takes a string expression. Control
 * characters (newline, tab, CR, ESC, DEL...) become spaces,
 * and bytes that are not valid UTF-8 become `?`, so the literal is one line that
 * gnuplot reads back as exactly the text shown (and SVG output stays valid XML).
 * Enhanced-text markup (^ _ @ & { } ~) is not altered: every label is drawn with
 * `noenhanced` instead. NULL is treated as "". */
void gp_quote(struct strbuf *sb, const char *s);

/* The same for a label in an explicit tic list, `set xtics (LABEL POS, ...)`, which
 * gnuplot uses as a printf format for the tic's value: every `%` is doubled, so a
 * name holding "%s" or "100%" is shown as it is (not "0.000000", not an error). */
void gp_quote_tic(struct strbuf *sb, const char *s);

/* The same literal as a malloc'ed string (NULL on out-of-memory). */
char *gp_quote_dup(const char *s);

#endif
