/* reports/report_doc.h: the document a report is built as. The section code calls
 * these functions with plain text; a format (HTML or Markdown: one table of function
 * pointers each, htop-style) turns the calls into markup and escapes every string, so
 * no section ever writes markup or forgets to escape a name that came from data. */
#ifndef REPORTS_REPORT_DOC_H
#define REPORTS_REPORT_DOC_H

#include <stddef.h>
#include "ope/base/strbuf.h"

/* Blocks that hold spans of text. */
enum report_block {
    REPORT_P,           /* a paragraph */
    REPORT_NOTE,        /* a highlighted aside (how to read something) */
    REPORT_WARN,        /* a warning the reader must not miss */
    REPORT_LIST,        /* a bullet list of REPORT_ITEM blocks */
    REPORT_ITEM
};

/* Inline spans. */
enum report_span { REPORT_TEXT, REPORT_CODE, REPORT_STRONG };

/* A chart: its SVG text when drawn, else why it was not. */
struct report_chart {
    const char *name;       /* file suffix for Markdown: BASE-NAME.svg ("estimates") */
    const char *caption;    /* one sentence: what it shows and how to read it */
    char *svg;              /* the <svg> element (ids made unique), or NULL */
    char why[300];          /* when svg is NULL: the reason, shown instead */
    int status;             /* a wanted chart that failed to render (gnuplot refused
                             * its script, wrote no usable SVG): the exit status, which
                             * fails the report; 0 for a chart left out by design */
};

struct report_doc;

/* One output format. Every const char * argument is plain text, escaped here. */
struct report_fmt {
    const char *name;       /* "html" or "markdown" */
    void (*begin)(struct report_doc *d, const char *title);
    void (*end)(struct report_doc *d);
    /* level 1..3; anchor: a fixed ASCII id for links within the document. */
    void (*heading)(struct report_doc *d, int level, const char *anchor, const char *text);
    void (*block_begin)(struct report_doc *d, enum report_block b);
    void (*block_end)(struct report_doc *d, enum report_block b);
    void (*span)(struct report_doc *d, enum report_span s, const char *text);
    /* Preformatted text (command lines, formulas), kept verbatim but escaped. */
    void (*pre)(struct report_doc *d, const char *text);
    /* align: one character per column, 'l' or 'r' (numbers). */
    void (*table_begin)(struct report_doc *d, size_t ncol, const char *const *head,
                        const char *align);
    void (*table_row)(struct report_doc *d, const char *const *cells);
    void (*table_end)(struct report_doc *d);
    void (*figure)(struct report_doc *d, const struct report_chart *c);
    /* A link to a heading's anchor in the same document (Markdown: plain text, as
     * renderers derive their own anchors). */
    void (*link)(struct report_doc *d, const char *anchor, const char *text);
};

extern const struct report_fmt report_fmt_html;    /* reports/report_html.c */
extern const struct report_fmt report_fmt_md;      /* reports/report_md.c */

struct report_doc {
    const struct report_fmt *fmt;
    struct strbuf out;      /* the document text */
    const char *chart_base; /* Markdown: chart files are CHART_BASE-NAME.svg (no dir) */
    size_t ncol;            /* columns of the open table */
    char align[64];         /* its alignment per column ('l' / 'r') */
};

/* Start a document in format fmt; chart_base is used by Markdown only. */
void report_doc_init(struct report_doc *d, const struct report_fmt *fmt, const char *chart_base);
void report_doc_release(struct report_doc *d);

/* Shorthands for the section code. */
void report_h(struct report_doc *d, int level, const char *anchor, const char *text);
/* A whole paragraph (or note / warning) from a printf format, escaped. */
void report_para(struct report_doc *d, enum report_block b, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A span from a printf format, inside an open block. */
void report_spanf(struct report_doc *d, enum report_span s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void report_begin(struct report_doc *d, enum report_block b);
void report_end(struct report_doc *d, enum report_block b);

/* Tables: report_table_begin remembers the alignment for the rows. */
void report_table_begin(struct report_doc *d, size_t ncol, const char *const *head,
                        const char *align);
void report_table_row(struct report_doc *d, const char *const *cells);
void report_table_end(struct report_doc *d);
/* Alignment of column c of the open table ('l' when unknown). */
char report_doc_align(const struct report_doc *d, size_t c);

/* A number as tables show it: %.6g (the precision of `ope eval`'s table), "-" for
 * NaN (not available), "inf"/"-inf". buf must hold 32 bytes. Returns buf. */
const char *report_num(char *buf, double v);

/* The escapers, exposed for the tests. Both first make the text safe as characters:
 * bytes that are not valid UTF-8 become U+FFFD, control characters (C0 except tab,
 * C1, DEL) and U+FFFE/U+FFFF become a space, so the output is always well-formed. */
/* HTML text and attribute values: & < > " ' as character references. */
void report_html_escape(struct strbuf *sb, const char *s);
/* Markdown inline text: newlines become spaces; every character Markdown or HTML
 * could act on (\ ` * _ [ ] < > | & ~ ! # { } ( ) + - .) is backslash-escaped. */
void report_md_escape(struct strbuf *sb, const char *s);
/* The sanitising step alone (valid UTF-8, no control characters except \t and \n
 * when keep_newlines, else newlines become spaces). */
void report_clean_text(struct strbuf *sb, const char *s, int keep_newlines);

#endif
