/* reports/report_html.c: the HTML format of reports: one self-contained file (inline
 * CSS, charts as inline SVG, no script, nothing fetched from elsewhere). The markup is
 * also well-formed XML (every element closed, attributes quoted), so both an HTML
 * parser and an XML parser read it; every string from data goes through
 * report_html_escape. */
#include "config.h"
#include "reports/report_doc.h"

#include <string.h>

void report_html_escape(struct strbuf *sb, const char *s)
{
    struct strbuf clean = STRBUF_INIT;
    report_clean_text(&clean, s, 1);
    if (strbuf_failed(&clean)) {
        sb->failed = 1;
        strbuf_release(&clean);
        return;
    }
    for (const char *p = strbuf_str(&clean); *p; p++) {
        switch (*p) {
        case '&': strbuf_puts(sb, "&amp;"); break;
        case '<': strbuf_puts(sb, "&lt;"); break;
        case '>': strbuf_puts(sb, "&gt;"); break;
        case '"': strbuf_puts(sb, "&quot;"); break;
        case '\'': strbuf_puts(sb, "&#39;"); break;
        default: strbuf_putc(sb, *p);
        }
    }
    strbuf_release(&clean);
}

/* Restrained, printable, readable without the tool: system fonts, numbers in tabular
 * figures and right-aligned. Tables fit: headers wrap at their spaces, values do not
 * (a long prose cell, class w, does), and a name such as dr-os:lambda=100 never breaks
 * at its hyphen (span.nw). Prose keeps a readable measure (62em), tables may use
 * the wider page (76em). On paper every column prints (no sideways scrolling) and
 * the header row repeats on each page. No '<' or '&' in here, so the style element
 * stays well-formed XML. */
static const char css[] =
    "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,"
    "sans-serif;color:#1a1a1a;background:#fff;margin:0}\n"
    "main{max-width:76em;margin:0 auto;padding:1.5em 1.2em 4em}\n"
    "p,ul,pre,div.fig{max-width:62em}\n"
    "h1{font-size:1.7em;margin:.2em 0 .1em}h2{font-size:1.3em;margin-top:2em;"
    "border-bottom:2px solid #0072B2;padding-bottom:.15em}h3{font-size:1.08em;margin-top:1.4em}\n"
    "p.sub{color:#555;margin-top:0}\n"
    "table{border-collapse:collapse;margin:.6em 0 1em;display:block;overflow-x:auto;"
    "font-size:.86em}\n"
    "th,td{padding:.25em .42em;border-bottom:1px solid #ddd;text-align:left;"
    "vertical-align:top}\n"
    "th{border-bottom:2px solid #999;background:#f4f6f8;vertical-align:bottom;"
    "white-space:normal}\n"
    "td{white-space:nowrap}td.w{white-space:normal;min-width:14em}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".nw{white-space:nowrap}\n"
    "tbody tr:nth-child(even){background:#fafbfc}\n"
    "code,pre{font-family:ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace;"
    "font-size:.9em}\n"
    "code{background:#f2f2f2;padding:0 .2em;border-radius:3px}\n"
    "pre{background:#f5f5f5;border:1px solid #e2e2e2;padding:.6em .8em;overflow-x:auto;"
    "white-space:pre-wrap;word-break:break-all}\n"
    "p.note{background:#eef5fb;border-left:4px solid #0072B2;padding:.4em .8em}\n"
    "p.warn{background:#fdf3e7;border-left:4px solid #D55E00;padding:.4em .8em}\n"
    "div.fig{margin:1em 0}div.fig svg{max-width:100%;height:auto;display:block}\n"
    "p.cap{color:#444;font-size:.9em;margin-top:.2em}\n"
    "a{color:#0072B2}\n"
    "@media print{@page{margin:1.4cm}body{font-size:10.5pt}main{max-width:none;padding:0}"
    "table{display:table;overflow:visible;font-size:.85em}thead{display:table-header-group}"
    "th,td{padding:.15em .4em}tr,div.fig,pre{break-inside:avoid}h2,h3{break-after:avoid}"
    "tbody tr:nth-child(even){background:none}a{color:inherit;text-decoration:none}}\n";

static void put(struct report_doc *d, const char *s)
{
    strbuf_puts(&d->out, s);
}

static void esc(struct report_doc *d, const char *s)
{
    report_html_escape(&d->out, s);
}

/* Escaped text that may wrap at its spaces but never inside a word that holds a '-'
 * or a '/' (a browser breaks after those: "dr-" / "os:lambda=100"): such words go in
 * a nowrap span. Escaping adds no space, '-' or '/', so the words are cut after it. */
static void esc_words(struct report_doc *d, const char *s)
{
    struct strbuf e = STRBUF_INIT;
    report_html_escape(&e, s);
    if (strbuf_failed(&e)) {
        d->out.failed = 1;
        strbuf_release(&e);
        return;
    }
    const char *p = strbuf_str(&e);
    while (*p) {
        size_t sp = strspn(p, " "), len = strcspn(p + sp, " ");
        strbuf_printf(&d->out, "%.*s", (int)sp, p);
        p += sp;
        int keep = len > 1 && (memchr(p, '-', len) || memchr(p, '/', len));
        strbuf_printf(&d->out, keep ? "<span class=\"nw\">%.*s</span>" : "%.*s", (int)len, p);
        p += len;
    }
    strbuf_release(&e);
}

static void html_begin(struct report_doc *d, const char *title)
{
    put(d, "<!DOCTYPE html>\n<html lang=\"en\" xmlns=\"http://www.w3.org/1999/xhtml\">\n"
           "<head>\n<meta charset=\"utf-8\"/>\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
           "<meta name=\"generator\" content=\"ope " PACKAGE_VERSION "\"/>\n<title>");
    esc(d, title);
    put(d, "</title>\n<style>\n");
    put(d, css);
    put(d, "</style>\n</head>\n<body>\n<main>\n<h1>");
    esc_words(d, title);    /* the title on the page, not only in the tab */
    put(d, "</h1>\n");
}

static void html_end(struct report_doc *d)
{
    put(d, "</main>\n</body>\n</html>\n");
}

static void html_heading(struct report_doc *d, int level, const char *anchor, const char *text)
{
    level = level < 1 ? 1 : level > 3 ? 3 : level;
    strbuf_printf(&d->out, "<h%d", level);
    if (anchor) {
        put(d, " id=\"");
        esc(d, anchor);
        put(d, "\"");
    }
    put(d, ">");
    esc(d, text);
    strbuf_printf(&d->out, "</h%d>\n", level);
}

static void html_block_begin(struct report_doc *d, enum report_block b)
{
    static const char *const open[] = { "<p>", "<p class=\"note\">", "<p class=\"warn\">",
                                         "<ul>\n", "<li>" };
    put(d, open[b]);
}

static void html_block_end(struct report_doc *d, enum report_block b)
{
    static const char *const close[] = { "</p>\n", "</p>\n", "</p>\n", "</ul>\n", "</li>\n" };
    put(d, close[b]);
}

static void html_span(struct report_doc *d, enum report_span s, const char *text)
{
    static const char *const open[] = { "", "<code>", "<strong>" };
    static const char *const close[] = { "", "</code>", "</strong>" };
    /* a name or a path in code is one token: it does not break at its hyphens */
    put(d, s == REPORT_CODE && !strchr(text, ' ') ? "<code class=\"nw\">" : open[s]);
    esc(d, text);
    put(d, close[s]);
}

static void html_pre(struct report_doc *d, const char *text)
{
    put(d, "<pre>");
    esc(d, text);
    put(d, "</pre>\n");
}

static void html_table_begin(struct report_doc *d, size_t ncol, const char *const *head,
                             const char *align)
{
    d->ncol = ncol;
    put(d, "<table>\n<thead><tr>");
    for (size_t c = 0; c < ncol; c++) {
        put(d, report_doc_align(d, c) == 'r' ? "<th class=\"n\">" : "<th>");
        esc_words(d, head[c]);
        put(d, "</th>");
    }
    put(d, "</tr></thead>\n<tbody>\n");
    (void)align;    /* kept in d by the caller (report_table_begin) */
}

static void html_table_row(struct report_doc *d, const char *const *cells)
{
    put(d, "<tr>");
    for (size_t c = 0; c < d->ncol; c++) {
        const char *cell = cells[c] ? cells[c] : "";
        /* values stay on one line; a long one of several words (a ranking) wraps */
        if (report_doc_align(d, c) == 'r') {
            put(d, "<td class=\"n\">");
            esc(d, cell);
        } else if (strchr(cell, ' ') && strlen(cell) >= 40) {
            put(d, "<td class=\"w\">");
            esc_words(d, cell);
        } else {
            put(d, "<td>");
            esc(d, cell);
        }
        put(d, "</td>");
    }
    put(d, "</tr>\n");
}

static void html_table_end(struct report_doc *d)
{
    put(d, "</tbody>\n</table>\n");
    d->ncol = 0;
}

static void html_figure(struct report_doc *d, const struct report_chart *c)
{
    if (!c->svg) {
        put(d, "<p class=\"note\">Chart not drawn: ");
        esc(d, c->why);
        put(d, "</p>\n");
        return;
    }
    put(d, "<div class=\"fig\">\n");
    put(d, c->svg);     /* gnuplot's SVG, checked and with unique ids (report_chart.c) */
    put(d, "\n<p class=\"cap\">");
    esc(d, c->caption);
    put(d, "</p>\n</div>\n");
}

static void html_link(struct report_doc *d, const char *anchor, const char *text)
{
    put(d, "<a href=\"#");
    esc(d, anchor);
    put(d, "\">");
    esc(d, text);
    put(d, "</a>");
}

const struct report_fmt report_fmt_html = {
    "html", html_begin, html_end, html_heading, html_block_begin, html_block_end, html_span,
    html_pre, html_table_begin, html_table_row, html_table_end, html_figure, html_link
};
