/* t/1200-report.c: the report writers without the command line: HTML and Markdown
 * escaping of hostile text (script tags, quotes, invalid UTF-8, control characters,
 * Markdown markup), the check that makes gnuplot's SVG safe to inline, the summary's
 * agreement statements on a hand-made result, shell quoting of the command line,
 * and a Markdown report whose chart write fails midway (nothing left behind). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ope/base/outfile.h"
#include "ope/base/strbuf.h"
#include "reports/report.h"
#include "reports/report_int.h"
#include "t/tap.h"
#include "viz/gp.h"

static char out[4096];

static const char *html(const char *s)
{
    struct strbuf sb = STRBUF_INIT;
    report_html_escape(&sb, s);
    snprintf(out, sizeof out, "%s", strbuf_str(&sb));
    strbuf_release(&sb);
    return out;
}

static const char *md(const char *s)
{
    struct strbuf sb = STRBUF_INIT;
    report_md_escape(&sb, s);
    snprintf(out, sizeof out, "%s", strbuf_str(&sb));
    strbuf_release(&sb);
    return out;
}

static void test_escape(void)
{
    is_string(html("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;",
              "html: a script tag becomes text");
    is_string(html("a&b \"q\" 'x'"), "a&amp;b &quot;q&quot; &#39;x&#39;",
              "html: & and both quotes (safe inside attributes too)");
    is_string(html("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac", "html: UTF-8 kept");
    is_string(html("a\xff" "b\xed\xa0\x80" "c"), "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "c",
              "html: invalid bytes (stray, surrogate) become U+FFFD, one per byte");
    is_string(html("a\x01" "b\x1b[0m\x7f" "c\xc2\x85" "d\ne"), "a b [0m c d\ne",
              "html: C0, ESC, DEL and C1 controls become spaces; newlines stay");
    is_string(html(NULL), "", "html: NULL is empty");

    is_string(md("<b>x</b> & y"), "\\<b\\>x\\</b\\> \\& y", "md: no raw HTML, no entities");
    is_string(md("a|b *c* `d` [e](f) ~g~ \\"), "a\\|b \\*c\\* \\`d\\` \\[e\\](f) \\~g\\~ \\\\",
              "md: table pipes, emphasis, code, links, strike and backslashes are escaped");
    is_string(md("snake_case _x_"), "snake_case \\_x\\_",
              "md: an underscore inside a word stays (it cannot make emphasis)");
    is_string(md("# not a heading"), "\\# not a heading", "md: a leading # is escaped");
    is_string(md("12. not a list"), "12\\. not a list", "md: a leading ordered-list marker");
    is_string(md("0.5 is a number"), "0.5 is a number", "md: a leading decimal number is not");
    is_string(md("- not a list"), "\\- not a list", "md: a leading bullet");
    is_string(md("two\nlines"), "two lines", "md: a newline in inline text becomes a space");
}

static void test_svg(void)
{
    char why[300] = "";
    const char *svg =
        "<?xml version=\"1.0\" encoding=\"utf-8\"  standalone=\"no\"?>\n"
        "<svg width=\"10\" height=\"10\" xmlns=\"http://www.w3.org/2000/svg\" "
        "xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n<!-- comment -->"
        "<defs><path id='gpPt0' d='M0,0'/></defs><use xlink:href='#gpPt0'/>"
        "<g clip-path=\"url(#gpclip1)\"><text>a&lt;b> &amp; c</text></g></svg>\n";
    char *s = report_svg_inline(svg, 3, why, sizeof why);
    ok(s != NULL, "gnuplot-like SVG is accepted (%s)", why);
    if (s) {
        ok(strncmp(s, "<svg", 4) == 0, "the XML prolog is dropped");
        like(s, "id='c3-gpPt0'", "ids get the chart's prefix");
        like(s, "xlink:href='#c3-gpPt0'", "references to them too");
        like(s, "url(#c3-gpclip1)", "and url(#...) references");
        like(s, "<text>a&lt;b> &amp; c</text>", "text is copied as is");
        ok(strstr(s, "comment") == NULL, "comments are dropped");
    }
    free(s);
    static const char *const bad[] = {
        "<svg><script>alert(1)</script></svg>",
        "<svg><g onload=\"alert(1)\"/></svg>",
        "<svg><use xlink:href='http://evil/x.svg#a'/></svg>",
        "<svg><rect fill=\"url(http://evil/)\"/></svg>",
        "<svg><foreignObject/></svg>",
        "<svg><a href=\"javascript:alert(1)\">x</a></svg>",
        "<svg><g",
        "no svg at all",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        s = report_svg_inline(bad[i], 1, why, sizeof why);
        ok(s == NULL && why[0], "refused: %.40s (%s)", bad[i], why);
        free(s);
    }
}

/* P policies, two estimators (ipw, dm); values and intervals given per [p * 2 + e]. */
static struct res_eval *make_result(const char *const *pn, size_t P, const double *v,
                                    const double *lo, const double *hi)
{
    struct res_eval *r = res_eval_new(P, 2);
    if (!r)
        return NULL;
    r->path = strdup("in-memory.csv");
    r->rows = 100;
    r->n_actions = 2;
    r->behavior_value = 0.5;
    r->n_boot = 200;
    r->seed = 7;
    snprintf(r->ci, sizeof r->ci, "bootstrap");
    const char *en[2] = { "ipw", "dm" };
    for (size_t p = 0; p < P; p++) {
        r->pol[p].name = strdup(pn[p]);
        for (size_t e = 0; e < 2; e++) {
            struct res_estimate *x = &r->pol[p].est[e];
            x->estimator = strdup(en[e]);
            x->label = strdup(en[e]);
            x->params_json = strdup("{}");
            x->value = v[p * 2 + e];
            x->lower = lo[p * 2 + e];
            x->upper = hi[p * 2 + e];
        }
    }
    return r;
}

static char *render(const struct res_eval *r, enum report_format f)
{
    struct report_in in;
    report_in_init(&in);
    in.r = r;
    in.no_charts = 1;
    in.title = "<title>T & \"x\"</title>";
    in.cmdline = "ope report '<script>' -o r.html";
    char *s = NULL, note[300];
    size_t n = 0;
    struct ope_error err = { 0 };
    if (report_render(&in, f, "r", &s, &n, note, sizeof note, &err) != 0)
        diag("report_render: %s", err.msg);
    return s;
}

static void test_render(void)
{
    /* By hand: ipw picks A (1.0 > 0.5), dm picks B (0.8 > 0.2); A's intervals
     * [0.9, 1.1] (ipw) and [0.1, 0.3] (dm) do not overlap, B's [0.4, 0.6] and
     * [0.7, 0.9] neither. */
    const double v[] = { 1.0, 0.2, 0.5, 0.8 };
    const double lo[] = { 0.9, 0.1, 0.4, 0.7 };
    const double hi[] = { 1.1, 0.3, 0.6, 0.9 };
    const char *evil = "<script>alert(1)</script>";
    const char *names[] = { evil, "b'\"&`$(x)" };
    struct res_eval *r = make_result(names, 2, v, lo, hi);
    char *h = render(r, REPORT_HTML);
    ok(h != NULL, "an HTML report renders in memory");
    if (h) {
        ok(strstr(h, "<script") == NULL, "no script element anywhere");
        like(h, "&lt;script&gt;alert(1)&lt;/script&gt;", "the hostile policy name is text");
        like(h, "b&#39;&quot;&amp;`$(x)", "quotes and ampersands are escaped");
        like(h, "<title>&lt;title&gt;T &amp; &quot;x&quot;&lt;/title&gt;</title>",
             "the title is escaped inside <title>");
        like(h, "<pre>ope report &#39;&lt;script&gt;&#39; -o r.html</pre>",
             "the command line is shown escaped");
        like(h, "disagree on the best policy", "the summary says the estimators disagree");
        like(h, "the intervals do not all overlap", "and that the intervals do not overlap");
        like(h, "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>ipw</td><td class=\"n\">1</td>"
             "<td class=\"n\">0.9</td><td class=\"n\">1.1</td>",
             "the estimates table row of (policy, ipw)");
        like(h, "Chart not drawn: left out (--no-charts)", "charts left out say so");
    }
    char *m = render(r, REPORT_MD);
    ok(m != NULL, "a Markdown report renders in memory");
    if (m) {
        /* Outside code blocks (whose content Markdown shows literally). */
        int raw = 0, code = 0;
        for (const char *p = m; *p; p++) {
            if ((p == m || p[-1] == '\n') && strncmp(p, "```", 3) == 0)
                code = !code;
            if (!code && strncmp(p, "<script", 7) == 0 && (p == m || p[-1] != '\\'))
                raw = 1;
        }
        ok(!raw, "no unescaped <script in the Markdown text");
        like(m, "| \\<script\\>alert(1)\\</script\\> | ipw | 1 | 0.9 | 1.1 |",
             "the estimates table row, escaped for Markdown");
        like(m, "```text\nope report '<script>' -o r.html\n```", "the command line in a code block");
    }
    free(h);
    free(m);
    res_eval_free(r);
}

static void test_args(void)
{
    char *argv[] = { "report", "log.csv", "--title", "it's a <b>", "--seed=3", "", NULL };
    struct strbuf sb = STRBUF_INIT;
    strbuf_shell_words(&sb, 6, argv);
    is_string(strbuf_str(&sb), "report log.csv --title 'it'\\''s a <b>' --seed=3 ''",
              "arguments are shell-quoted only when they need it");
    strbuf_release(&sb);
    enum report_format f = REPORT_MD;
    ok(report_format_of("a/b.HTML", &f) == 0 && f == REPORT_HTML, ".HTML is HTML");
    ok(report_format_of("b.markdown", &f) == 0 && f == REPORT_MD, ".markdown is Markdown");
    ok(report_format_of("b.pdf", &f) != 0, ".pdf is refused");
    ok(report_format_of("d.md/report", &f) != 0, "an extension of the directory does not count");
}

/* The write seam: fail the n-th write call (counting from 1) with ENOSPC. */
static int calls, fail_at;
static ssize_t failing_write(int fd, const void *buf, size_t n)
{
    if (++calls == fail_at) {
        errno = ENOSPC;
        return -1;
    }
    return write(fd, buf, n);
}

static size_t dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

static void test_write_failure(void)
{
    if (!gp_available()) {
        skip(5, "gnuplot is not installed");
        return;
    }
    char dir[] = "/tmp/ope-1200-XXXXXX";
    if (!mkdtemp(dir)) {
        skip(5, "no temporary directory");
        return;
    }
    /* With the truth of three policies the Markdown report has two charts (estimates
     * and SharpeRatio@k), written after the report's own temporary file. */
    const double v[] = { 1.0, 0.9, 0.5, 0.6, 0.2, 0.1 }, lo[] = { 0.8, 0.7, 0.3, 0.4, 0, -0.1 },
                 hi[] = { 1.2, 1.1, 0.7, 0.8, 0.4, 0.3 }, truth[] = { 0.95, 0.55, 0.15 };
    const char *names[] = { "a", "b", "c" };
    struct res_eval *r = make_result(names, 3, v, lo, hi);
    struct report_in in;
    report_in_init(&in);
    in.r = r;
    in.truth = truth;
    char path[512];
    snprintf(path, sizeof path, "%s/r.md", dir);
    struct ope_error err = { 0 };
    ope_write_fn old = ope_outfile_set_write_fn(failing_write);
    calls = 0;
    fail_at = 3;    /* 1: the report's temporary file, 2: the first chart, 3: the second */
    int rc = report_write(&in, path, 0, NULL, 0, &err);
    ok(rc != 0 && err.status == OPE_ECANTCREAT, "the second chart's write fails: 73 (%s)",
       err.msg);

    is_int((long long)dir_entries(dir), 0, "nothing is left: report, temporary files and the "
           "first chart are removed");
    calls = 0;
    fail_at = 0;
    char note[300];
    rc = report_write(&in, path, 0, note, sizeof note, &err);
    ok(rc == 0, "without the failure it is written (%s)", rc ? err.msg : note);
    is_int((long long)dir_entries(dir), 3, "the report and its two chart files");
    calls = 0;
    fail_at = 1;
    rc = report_write(&in, path, 1, NULL, 0, &err);
    is_int((long long)dir_entries(dir), 3, "a failed --force rewrite leaves the old files "
           "and no temporary file");
    ope_outfile_set_write_fn(old);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        diag("could not remove %s", dir);
    res_eval_free(r);
}

int main(void)
{
    plan_no_plan();
    setenv("OPE_REPORT_DATE", "2000-01-01T00:00:00Z", 1);
    test_escape();
    test_svg();
    test_render();
    test_args();
    test_write_failure();
    return done_testing();
}
