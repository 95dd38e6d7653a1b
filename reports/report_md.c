/* reports/report_md.c: the Markdown format of reports (CommonMark with GitHub's pipe
 * tables). Charts are SVG files next to the report, linked as images; the files
 * themselves are written by reports/report.c. Every string from data is escaped so
 * that no renderer turns it into markup, raw HTML or a link. */
#include "config.h"
#include "reports/report_doc.h"

#include <ctype.h>
#include <string.h>

/* 1 when the next character written starts a line (or follows a block quote marker),
 * where '#', '-', '+', '=' and "1." would start a heading or a list. */
static int at_line_start(const struct strbuf *sb)
{
    if (sb->len == 0)
        return 1;
    if (sb->buf[sb->len - 1] == '\n')
        return 1;
    return sb->len >= 2 && sb->buf[sb->len - 2] == '>' && sb->buf[sb->len - 1] == ' ' &&
           (sb->len == 2 || sb->buf[sb->len - 3] == '\n');
}

void report_md_escape(struct strbuf *sb, const char *s)
{
    struct strbuf clean = STRBUF_INIT;
    report_clean_text(&clean, s, 0);
    if (strbuf_failed(&clean)) {
        sb->failed = 1;
        strbuf_release(&clean);
        return;
    }
    const char *p = strbuf_str(&clean);
    if (at_line_start(sb)) {
        /* A leading '#', '-', '+', '=' or "12." / "12)" would make a heading or list. */
        size_t digits = strspn(p, "0123456789");
        if (*p && strchr("#-+=", *p))
            strbuf_putc(sb, '\\');
        else if (digits && digits < 10 && (p[digits] == '.' || p[digits] == ')') &&
                 (p[digits + 1] == ' ' || p[digits + 1] == '\0')) {
            strbuf_add(sb, p, digits);
            strbuf_putc(sb, '\\');
            p += digits;
        }
    }
    const char *start = p;
    for (; *p; p++) {
        /* An underscore between two letters or digits can neither open nor close
         * emphasis (CommonMark), so "pi_b" stays readable in the raw file. */
        int inner = *p == '_' && p > start && isalnum((unsigned char)p[-1]) &&
                    isalnum((unsigned char)p[1]);
        if (!inner && strchr("\\`*_[]<>|&~", *p))
            strbuf_putc(sb, '\\');
        strbuf_putc(sb, *p);
    }
    strbuf_release(&clean);
}

static void put(struct report_doc *d, const char *s)
{
    strbuf_puts(&d->out, s);
}

static void esc(struct report_doc *d, const char *s)
{
    report_md_escape(&d->out, s);
}

/* The longest run of backticks in s. */
static size_t longest_backticks(const char *s)
{
    size_t best = 0, run = 0;
    for (; *s; s++) {
        run = *s == '`' ? run + 1 : 0;
        best = run > best ? run : best;
    }
    return best;
}

static void md_begin(struct report_doc *d, const char *title)
{
    put(d, "# ");
    esc(d, title);
    put(d, "\n\n");
}

static void md_end(struct report_doc *d)
{
    (void)d;
}

static void md_heading(struct report_doc *d, int level, const char *anchor, const char *text)
{
    (void)anchor;   /* renderers derive anchors from the heading text */
    level = level < 1 ? 1 : level > 3 ? 3 : level;
    put(d, "\n");
    for (int i = 0; i < level; i++)
        strbuf_putc(&d->out, '#');
    put(d, " ");
    esc(d, text);
    put(d, "\n\n");
}

static void md_block_begin(struct report_doc *d, enum report_block b)
{
    static const char *const open[] = { "", "> **Note:** ", "> **Warning:** ", "", "- " };
    put(d, open[b]);
}

static void md_block_end(struct report_doc *d, enum report_block b)
{
    static const char *const close[] = { "\n\n", "\n\n", "\n\n", "\n", "\n" };
    put(d, close[b]);
}

static void md_span(struct report_doc *d, enum report_span s, const char *text)
{
    if (s == REPORT_CODE) {
        /* A code span shows its content literally; its fence must be longer than any
         * run of backticks inside, with a space when the content touches one. */
        struct strbuf clean = STRBUF_INIT;
        report_clean_text(&clean, text, 0);
        const char *c = strbuf_str(&clean);
        size_t n = longest_backticks(c) + 1;
        int pad = c[0] == '`' || (clean.len && c[clean.len - 1] == '`');
        for (size_t i = 0; i < n; i++)
            strbuf_putc(&d->out, '`');
        if (pad)
            put(d, " ");
        strbuf_add(&d->out, c, clean.len);
        if (pad)
            put(d, " ");
        for (size_t i = 0; i < n; i++)
            strbuf_putc(&d->out, '`');
        d->out.failed |= clean.failed;
        strbuf_release(&clean);
        return;
    }
    if (s != REPORT_STRONG) {
        esc(d, text);
        return;
    }
    /* "** text **" is not emphasis in CommonMark: keep the spaces outside the stars. */
    size_t lead = strspn(text, " "), len = strlen(text);
    while (len > lead && text[len - 1] == ' ')
        len--;
    struct strbuf core = STRBUF_INIT;
    strbuf_add(&core, text + lead, len - lead);
    put(d, lead ? " **" : "**");
    esc(d, strbuf_str(&core));
    put(d, text[len] ? "** " : "**");
    d->out.failed |= core.failed;
    strbuf_release(&core);
}

static void md_pre(struct report_doc *d, const char *text)
{
    struct strbuf clean = STRBUF_INIT;
    report_clean_text(&clean, text, 1);
    size_t n = longest_backticks(strbuf_str(&clean)) + 1;
    n = n < 3 ? 3 : n;
    for (size_t i = 0; i < n; i++)
        strbuf_putc(&d->out, '`');
    put(d, "text\n");
    strbuf_add(&d->out, strbuf_str(&clean), clean.len);
    if (!clean.len || clean.buf[clean.len - 1] != '\n')
        put(d, "\n");
    for (size_t i = 0; i < n; i++)
        strbuf_putc(&d->out, '`');
    put(d, "\n\n");
    d->out.failed |= clean.failed;
    strbuf_release(&clean);
}

static void md_table_begin(struct report_doc *d, size_t ncol, const char *const *head,
                           const char *align)
{
    (void)align;
    put(d, "|");
    for (size_t c = 0; c < ncol; c++) {
        put(d, " ");
        esc(d, head[c]);
        put(d, " |");
    }
    put(d, "\n|");
    for (size_t c = 0; c < ncol; c++)
        put(d, report_doc_align(d, c) == 'r' ? "---:|" : "---|");
    put(d, "\n");
}

static void md_table_row(struct report_doc *d, const char *const *cells)
{
    put(d, "|");
    for (size_t c = 0; c < d->ncol; c++) {
        put(d, " ");
        esc(d, cells[c] ? cells[c] : "");
        put(d, " |");
    }
    put(d, "\n");
}

static void md_table_end(struct report_doc *d)
{
    put(d, "\n");
}

/* A file name as a link destination: every byte outside the unreserved set
 * percent-encoded, so spaces, parentheses and angle brackets cannot end the link. */
static void url_encode(struct strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p)) {
            strbuf_putc(sb, (char)*p);
        } else {
            strbuf_putc(sb, '%');
            strbuf_putc(sb, hex[*p >> 4]);
            strbuf_putc(sb, hex[*p & 15]);
        }
    }
}

static void md_figure(struct report_doc *d, const struct report_chart *c)
{
    if (!c->svg) {
        put(d, "> **Note:** Chart not drawn: ");
        esc(d, c->why);
        put(d, "\n\n");
        return;
    }
    put(d, "![");
    esc(d, c->caption);
    put(d, "](");
    url_encode(&d->out, d->chart_base ? d->chart_base : "report");
    put(d, "-");
    url_encode(&d->out, c->name);
    put(d, ".svg)\n\n*");
    esc(d, c->caption);
    put(d, "*\n\n");
}

static void md_link(struct report_doc *d, const char *anchor, const char *text)
{
    (void)anchor;
    esc(d, text);
}

const struct report_fmt report_fmt_md = {
    "markdown", md_begin, md_end, md_heading, md_block_begin, md_block_end, md_span, md_pre,
    md_table_begin, md_table_row, md_table_end, md_figure, md_link
};
