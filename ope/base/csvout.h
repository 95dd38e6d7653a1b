/* ope/base/csvout.h: the one writer of CSV cells for every CSV that ope writes
 * (evaluation, selection, training curves, exploration runs): RFC 4180 quoting only
 * where a cell needs it, and numbers with the shortest digits that read back to the
 * same double, so a CSV round-trips exactly. */
#ifndef OPE_BASE_CSVOUT_H
#define OPE_BASE_CSVOUT_H

#include "ope/base/strbuf.h"

/* One CSV cell, quoted per RFC 4180 only when it needs it. */
void csvout_cell(struct strbuf *sb, const char *s);

/* ",number" with the shortest round-trip digits; "," alone (an empty cell) for NaN;
 * "inf"/"-inf" for infinities. */
void csvout_number(struct strbuf *sb, double v);

#endif
