/* ope/base/csvout.h: the one writer of CSV cells for every CSV that ope writes
 * (evaluation, selection, training curves, exploration runs): RFC 4180 quoting only
 * where a cell needs it, and numbers with the shortest digits that read back to the
 * same double, so a CSV round-trips exactly. */
#ifndef OPE_BASE_CSVOUT_H
#define OPE_BASE_CSVOUT_H

#include "ope/base/strbuf.h"

#include <stddef.h>

/* One CSV cell, quoted per RFC 4180 only when it needs it. */
void csvout_cell(struct strbuf *sb, const char *s);

/* The general cell: len bytes (which may hold anything), quoted with inner quotes
 * doubled when they hold the separator sep, a quote, CR or LF, or always when
 * force is set (a field that was quoted where it was read stays quoted when it is
 * copied). csvout_cell(sb, s) is csvout_field(sb, s, strlen(s), ',', 0). */
void csvout_field(struct strbuf *sb, const char *s, size_t len, char sep, int force);

/* ",number" with the shortest round-trip digits; "," alone (an empty cell) for NaN;
 * "inf"/"-inf" for infinities. */
void csvout_number(struct strbuf *sb, double v);

/* The digits of the trajectory logs, truth files and policy files of `ope gen mdp`
 * and policy_write: "%.15g", or "%.17g" when that does not read back as x (never
 * 16 digits, and -0 stays "-0", unlike csvout_number). Kept apart from csvout_number
 * so those files stay byte for byte what they were. */
void csvout_format_g15_17(char *buf, size_t size, double x);

#endif
