/* reports/report.c: writing a report: compute what the sections need (log summary,
 * selection metrics, return distributions, charts), build the document in the
 * chosen format, and put the files in place atomically — for Markdown the chart
 * files too, removed again if the report itself cannot be written. */
#include "config.h"
#include "reports/report.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ope/base/outfile.h"
#include "ope/base/strbuf.h"
#include "reports/report_int.h"

void report_in_init(struct report_in *in)
{
    memset(in, 0, sizeof *in);
    in->reference = NAN;
    in->reference_half = NAN;
    in->behavior_truth = NAN;
    in->risk_alpha = 0.1;
    ops_opts_init(&in->ops);
}

int report_format_of(const char *path, enum report_format *f)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.');
    if (strcmp(path, "-") == 0) {
        *f = REPORT_HTML;       /* -o -: the self-contained HTML on standard output */
        return 0;
    }
    if (!dot)
        return -1;
    if (strcasecmp(dot, ".html") == 0 || strcasecmp(dot, ".htm") == 0)
        *f = REPORT_HTML;
    else if (strcasecmp(dot, ".md") == 0 || strcasecmp(dot, ".markdown") == 0)
        *f = REPORT_MD;
    else
        return -1;
    return 0;
}

int report_check_paths(const char *path, int force, struct ope_error *err)
{
    enum report_format f;
    if (!path || !*path)
        return ope_fail(err, OPE_EUSAGE, "no report file given (-o REPORT.html or -o REPORT.md)");
    if (report_format_of(path, &f) != 0)
        return ope_fail(err, OPE_EUSAGE, "-o %s: a report is .html (one self-contained file) "
                        "or .md (Markdown with SVG charts next to it); PDF is not offered", path);
    return ope_outfile_check(path, force, err);
}

/* A chart's file name is the report's stem, "-", the chart's name and ".svg", and a
 * file name has at most 255 bytes: a stem longer than STEM_MAX keeps its first bytes
 * (whole UTF-8 characters) and gets "~" and 8 hex digits of a hash of the whole stem,
 * so that two long report names sharing a prefix still get distinct charts. */
enum { NAME_MAX_BYTES = 255, CHART_NAME_MAX = 24 };
#define STEM_MAX (NAME_MAX_BYTES - 1 - CHART_NAME_MAX - 4)

/* The chart stem of the report file path (its basename without the extension,
 * shortened as above), malloc'd; *dir_len the length of its directory part. */
static char *chart_stem(const char *path, size_t *dir_len)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t n = dot ? (size_t)(dot - base) : strlen(base);
    *dir_len = (size_t)(base - path);
    char *s = malloc(STEM_MAX + 1 > n + 1 ? STEM_MAX + 1 : n + 1);
    if (!s)
        return NULL;
    if (n <= STEM_MAX) {
        memcpy(s, base, n);
        s[n] = '\0';
        return s;
    }
    uint64_t h = UINT64_C(0xcbf29ce484222325);     /* FNV-1a: a name, not a secret */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)base[i]) * UINT64_C(0x100000001b3);
    size_t keep = STEM_MAX - 9;
    while (keep > 0 && ((unsigned char)base[keep] & 0xc0) == 0x80)
        keep--;     /* not inside a UTF-8 character */
    memcpy(s, base, keep);
    snprintf(s + keep, STEM_MAX + 1 - keep, "~%08x", (unsigned)(h ^ (h >> 32)));
    return s;
}

/* The chart file name of a Markdown report: "DIR/STEM-NAME.svg" for "DIR/BASE.md". */
static char *chart_path(const char *path, const char *name)
{
    size_t dir;
    char *stem = chart_stem(path, &dir);
    if (!stem)
        return NULL;
    size_t n = dir + strlen(stem) + strlen(name) + 6;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%.*s%s-%s.svg", (int)dir, path, stem, name);
    free(stem);
    return p;
}

/* The stem alone, for the links inside the Markdown file. */
static char *chart_base(const char *path)
{
    size_t dir;
    return chart_stem(path, &dir);
}

struct built {
    struct report_ctx c;
    double *truth_own;
};

static void built_release(struct built *b)
{
    report_charts_release(&b->c);
    report_risk_release(&b->c.risk);
    report_sel_release(&b->c.sel);
    report_data_release(&b->c.data);
    free(b->truth_own);
}

/* Compute everything the sections read, then draw the charts. */
static int build(const struct report_in *in, const char *path, struct built *b,
                 struct ope_error *err)
{
    memset(b, 0, sizeof *b);
    struct report_ctx *c = &b->c;
    const struct res_eval *r = in->r;
    c->in = in;
    c->r = r;
    c->path = path;
    c->J = isfinite(in->behavior_truth) ? in->behavior_truth : r->behavior_value;
    int traj = strcmp(r->kind, "bandit") != 0;
    c->J_label = isfinite(in->behavior_truth) || c->J == r->behavior_exact
                 ? "the logged policy's exact value"
                 : traj ? "the logged policy's observed mean return"
                        : "the logged policy's observed mean reward";
    if (in->truth) {
        c->truth = in->truth;
    } else {
        int any = 0;
        for (size_t p = 0; p < r->n_policies; p++)
            any |= isfinite(r->pol[p].truth);
        if (any) {
            b->truth_own = ope_calloc(r->n_policies, sizeof *b->truth_own, err);
            if (!b->truth_own)
                return -1;
            for (size_t p = 0; p < r->n_policies; p++)
                b->truth_own[p] = r->pol[p].truth;
            c->truth = b->truth_own;
        }
    }
    if (report_data_compute(in, &c->data, err) != 0 ||
        report_sel_compute(in, &c->sel, err) != 0 ||
        report_risk_compute(in, &c->data, &c->risk, err) != 0)
        return -1;
    c->wanted[REPORT_CHART_ESTIMATES] = r->n_policies > 0;
    /* SharpeRatio@k is undefined at k = 1: with two candidates the curve is one point. */
    c->wanted[REPORT_CHART_SHARPE] = c->sel.shown && c->sel.truth != NULL && c->sel.M >= 3;
    c->wanted[REPORT_CHART_SEGMENTS] = r->segments && r->n_policies > 0 &&
                                       r->segments->n_estimates > 0;
    for (size_t p = 0; c->risk.shown && p < c->risk.n; p++)
        c->wanted[REPORT_CHART_CDF] |= report_risk_drawn(&c->risk.pol[p], c->risk.n_methods) >= 0;
    static const char *const nothing[REPORT_N_CHARTS] = {
        "there is no policy to draw",
        "with two candidates SharpeRatio@k is a single point (k = 2): see the table",
        "no policy has a self-normalised return distribution to draw",
        "no segments (--by COLUMN)" };
    for (int i = 0; i < REPORT_N_CHARTS; i++)
        if (!c->wanted[i])
            snprintf(c->chart[i].why, sizeof c->chart[i].why, "%s", nothing[i]);
    report_charts_render(c);
    /* A chart that should be there and failed fails the report: a report that quietly
     * says "0 charts inline" hides a bug (gnuplot refusing a script a name broke). */
    for (int i = 0; i < REPORT_N_CHARTS; i++)
        if (c->chart[i].status)
            return ope_fail(err, c->chart[i].status, "%s: the %s chart could not be drawn, "
                            "so no report was written: %s", path, c->chart[i].name,
                            c->chart[i].why);
    return 0;
}

static void compose(struct report_doc *d, const struct report_ctx *c)
{
    const struct res_eval *r = c->r;
    const char *path = r->path ? r->path : "(in memory)";
    const char *slash = strrchr(path, '/');
    char title[400], date[64];
    if (c->in->title)
        snprintf(title, sizeof title, "%s", c->in->title);
    else
        snprintf(title, sizeof title, "Off-policy evaluation report: %s", slash ? slash + 1 : path);
    report_date(date, sizeof date);
    d->fmt->begin(d, title);
    report_begin(d, REPORT_P);
    report_spanf(d, REPORT_TEXT, "Written by ope %s on %s (UTC) from %s. Sections: ",
                 PACKAGE_VERSION, date, path);
    static const char *const sec[][2] = {
        { "summary", "Summary" }, { "data", "Data" }, { "estimates", "Estimates" },
        { "selection", "Selection" }, { "risk", "Risk" }, { "methods", "Methods" },
        { "reproducibility", "Reproducibility" } };
    int first = 1;
    for (size_t i = 0; i < sizeof sec / sizeof sec[0]; i++) {
        if ((i == 3 && !c->sel.shown) || (i == 4 && !c->risk.shown))
            continue;
        if (!first)
            report_spanf(d, REPORT_TEXT, ", ");
        d->fmt->link(d, sec[i][0], sec[i][1]);
        first = 0;
    }
    report_spanf(d, REPORT_TEXT, ".");
    report_end(d, REPORT_P);
    if (c->charts_note[0])
        report_para(d, REPORT_NOTE, "No charts in this report: %s.", c->charts_note);
    report_sec_summary(d, c);
    report_sec_data(d, c);
    report_sec_estimates(d, c);
    report_sec_selection(d, c);
    report_sec_risk(d, c);
    report_sec_methods(d, c);
    report_sec_repro(d, c);
    d->fmt->end(d);
}

static int render_doc(const struct report_ctx *c, enum report_format f, const char *base,
                      struct report_doc *d, struct ope_error *err)
{
    report_doc_init(d, f == REPORT_HTML ? &report_fmt_html : &report_fmt_md, base);
    compose(d, c);
    if (strbuf_failed(&d->out)) {
        report_doc_release(d);
        return ope_fail_oom(err);
    }
    return 0;
}

int report_render(const struct report_in *in, enum report_format f, const char *base,
                  char **out, size_t *len, char *note, size_t note_size,
                  struct ope_error *err)
{
    struct built b;
    struct report_doc d;
    int rc = build(in, "report", &b, err);
    if (rc == 0)
        rc = render_doc(&b.c, f, base, &d, err);
    if (rc == 0) {
        *len = d.out.len;
        *out = strbuf_detach(&d.out);
        report_doc_release(&d);
        if (note && note_size)
            snprintf(note, note_size, "%s", b.c.charts_note);
    }
    built_release(&b);
    return rc;
}

/* Markdown: the chart files first (each atomic), then the report's rename; any
 * failure removes the chart files this call wrote. */
static int write_md(const struct report_ctx *c, const char *path, int force,
                    const struct report_doc *d, size_t *n_files, struct ope_error *err)
{
    /* Every file goes to its own temporary first; only when all are fully written are
     * they renamed into place, so a failure leaves the previous report and its charts
     * as they were (and never a new report linking to missing charts). */
    struct ope_outfile *cf[REPORT_N_CHARTS] = { NULL };
    size_t nf = 0;
    int rc = 0;
    for (int i = 0; i < REPORT_N_CHARTS && rc == 0; i++) {
        if (!c->chart[i].svg)
            continue;
        char *name = chart_path(path, c->chart[i].name);
        if (!name) {
            rc = ope_fail_oom(err);
            break;
        }
        if ((rc = ope_outfile_check(name, force, err)) == 0 &&
            !(cf[nf] = ope_outfile_open(name, force, err)))
            rc = -1;
        free(name);
        if (rc != 0)
            break;
        static const char head[] = "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"no\"?>\n";
        if ((rc = ope_outfile_write(cf[nf], head, sizeof head - 1, err)) == 0 &&
            (rc = ope_outfile_write(cf[nf], c->chart[i].svg, strlen(c->chart[i].svg), err)) == 0)
            rc = ope_outfile_write(cf[nf], "\n", 1, err);
        nf++;
    }
    struct ope_outfile *f = rc == 0 ? ope_outfile_open(path, force, err) : NULL;
    if (rc == 0 && !f)
        rc = -1;
    if (rc == 0)
        rc = ope_outfile_write(f, d->out.buf, d->out.len, err);
    size_t committed = 0;
    for (size_t i = 0; i < nf && rc == 0; i++) {
        rc = ope_outfile_commit(cf[i], err);
        cf[i] = NULL;
        committed += rc == 0;
    }
    if (rc == 0) {
        rc = ope_outfile_commit(f, err);
        f = NULL;
    }
    for (size_t i = 0; i < nf; i++)
        ope_outfile_abort(cf[i]);
    ope_outfile_abort(f);
    *n_files = rc == 0 ? committed : 0;
    return rc;
}

int report_write(const struct report_in *in, const char *path, int force, char *note,
                 size_t note_size, struct ope_error *err)
{
    enum report_format f;
    if (report_check_paths(path, force, err) != 0)
        return -1;
    report_format_of(path, &f);
    char *base = chart_base(path);
    if (!base)
        return ope_fail_oom(err);
    struct built b;
    struct report_doc d;
    int rc = build(in, path, &b, err);
    int have_doc = 0;
    if (rc == 0)
        rc = render_doc(&b.c, f, base, &d, err);
    have_doc = rc == 0;
    size_t n_files = 0, n_charts = 0;
    for (int i = 0; i < REPORT_N_CHARTS; i++)
        n_charts += b.c.chart[i].svg != NULL;
    if (rc == 0 && f == REPORT_HTML)
        rc = ope_write_file_atomic(path, d.out.buf, d.out.len, force, err);
    else if (rc == 0)
        rc = write_md(&b.c, path, force, &d, &n_files, err);
    if (rc == 0 && note && note_size) {
        if (f == REPORT_HTML)
            snprintf(note, note_size, "wrote %s (%zu chart%s inline)%s%s", path, n_charts,
                     n_charts == 1 ? "" : "s", b.c.charts_note[0] ? "; no charts: " : "",
                     b.c.charts_note);
        else
            snprintf(note, note_size, "wrote %s and %zu chart file%s next to it%s%s", path,
                     n_files, n_files == 1 ? "" : "s", b.c.charts_note[0] ? "; no charts: " : "",
                     b.c.charts_note);
    }
    if (have_doc)
        report_doc_release(&d);
    built_release(&b);
    free(base);
    return rc;
}
