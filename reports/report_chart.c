/* reports/report_chart.c: the report's charts. The scripts come from the same chart
 * builders as `ope plot` and the TUI (viz/chart.h); one gnuplot (viz/gp.h) renders
 * them with its svg terminal to its standard output, and the SVG is checked and made
 * safe to inline: the XML prolog dropped, ids made unique per chart, and anything
 * active or external refused. Without gnuplot the report is still written, with a
 * note where each chart would be. */
#include "config.h"
#include "reports/report_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "viz/chart.h"
#include "viz/chart_select.h"
#include "viz/gp.h"

#define REPORT_SVG_W 860
#define REPORT_SVG_H 460

/* Elements that could run code, pull in other documents or restyle the page. */
static int forbidden_element(const char *name, size_t n)
{
    /* (<use> stays allowed: gnuplot draws point symbols with it; its href is checked.) */
    static const char *const bad[] = { "script", "foreignObject", "iframe", "object", "embed",
                                       "image", "a", "style", "animate", "set", "handler" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (strlen(bad[i]) == n && strncasecmp(bad[i], name, n) == 0)
            return 1;
    return 0;
}

/* Copy one attribute value, prefixing the ids it names. Returns 0, or -1 (why
 * filled) for a value that refers outside the document. */
static int put_value(struct strbuf *sb, const char *name, size_t nn, const char *v, size_t vn,
                     const char *prefix, char *why, size_t wn)
{
    int is_id = nn == 2 && strncmp(name, "id", 2) == 0;
    int is_href = nn >= 4 && strncasecmp(name + nn - 4, "href", 4) == 0;
    if (is_id) {
        strbuf_puts(sb, prefix);
        strbuf_add(sb, v, vn);
        return 0;
    }
    if (is_href) {
        if (vn == 0 || v[0] != '#') {
            snprintf(why, wn, "the SVG links outside itself (%.*s)", (int)(nn < 40 ? nn : 40), name);
            return -1;
        }
        strbuf_putc(sb, '#');
        strbuf_puts(sb, prefix);
        strbuf_add(sb, v + 1, vn - 1);
        return 0;
    }
    /* url(#id) references (clip paths, filters); any other url() is refused. */
    for (size_t i = 0; i < vn; i++) {
        if (i + 4 <= vn && strncasecmp(v + i, "url(", 4) == 0) {
            if (i + 5 > vn || v[i + 4] != '#') {
                snprintf(why, wn, "the SVG refers to an external resource");
                return -1;
            }
            strbuf_puts(sb, "url(#");
            strbuf_puts(sb, prefix);
            i += 4;
            continue;
        }
        if (i + 11 <= vn && strncasecmp(v + i, "javascript:", 11) == 0) {
            snprintf(why, wn, "the SVG contains a script URL");
            return -1;
        }
        strbuf_putc(sb, v[i]);
    }
    return 0;
}

/* Copy the tag starting at *pp ('<'), rewritten; advance *pp past it. */
static int put_tag(struct strbuf *sb, const char **pp, const char *end, const char *prefix,
                   char *why, size_t wn)
{
    const char *p = *pp + 1;
    int closing = *p == '/';
    if (closing)
        p++;
    const char *name = p;
    while (p < end && (isalnum((unsigned char)*p) || *p == ':' || *p == '-' || *p == '_'))
        p++;
    size_t nn = (size_t)(p - name);
    if (nn == 0) {
        snprintf(why, wn, "unexpected markup in gnuplot's SVG");
        return -1;
    }
    if (forbidden_element(name, nn)) {
        snprintf(why, wn, "the SVG contains a <%.*s> element", (int)(nn < 40 ? nn : 40), name);
        return -1;
    }
    strbuf_puts(sb, closing ? "</" : "<");
    strbuf_add(sb, name, nn);
    for (;;) {
        while (p < end && isspace((unsigned char)*p))
            p++;
        if (p >= end) {
            snprintf(why, wn, "gnuplot's SVG ends inside a tag");
            return -1;
        }
        if (*p == '>' || (*p == '/' && p + 1 < end && p[1] == '>')) {
            strbuf_puts(sb, *p == '>' ? ">" : "/>");
            *pp = p + (*p == '>' ? 1 : 2);
            return 0;
        }
        const char *an = p;
        while (p < end && !isspace((unsigned char)*p) && *p != '=' && *p != '>' && *p != '/')
            p++;
        size_t anl = (size_t)(p - an);
        if (anl == 0) {
            snprintf(why, wn, "unexpected markup in gnuplot's SVG");
            return -1;
        }
        if (anl >= 2 && strncasecmp(an, "on", 2) == 0) {
            snprintf(why, wn, "the SVG has an event handler (%.*s)", (int)(anl < 40 ? anl : 40), an);
            return -1;
        }
        strbuf_putc(sb, ' ');
        strbuf_add(sb, an, anl);
        while (p < end && isspace((unsigned char)*p))
            p++;
        if (*p != '=')
            continue;           /* an attribute without a value */
        p++;
        while (p < end && isspace((unsigned char)*p))
            p++;
        char q = *p;
        if (q != '"' && q != '\'') {
            snprintf(why, wn, "an unquoted attribute in gnuplot's SVG");
            return -1;
        }
        const char *v = ++p;
        while (p < end && *p != q)
            p++;
        if (p >= end) {
            snprintf(why, wn, "gnuplot's SVG ends inside an attribute");
            return -1;
        }
        strbuf_putc(sb, '=');
        strbuf_putc(sb, q);
        if (put_value(sb, an, anl, v, (size_t)(p - v), prefix, why, wn) != 0)
            return -1;
        strbuf_putc(sb, q);
        p++;
    }
}

char *report_svg_inline(const char *svg, int seq, char *why, size_t wn)
{
    const char *p = svg ? strstr(svg, "<svg") : NULL;
    const char *end = NULL;
    for (const char *q = p; q && (q = strstr(q, "</svg>")) != NULL; q += 6)
        end = q + 6;
    if (!p || !end) {
        snprintf(why, wn, "gnuplot wrote no SVG");
        return NULL;
    }
    char prefix[24];
    snprintf(prefix, sizeof prefix, "c%d-", seq);
    struct strbuf sb = STRBUF_INIT;
    while (p < end) {
        if (*p != '<') {
            const char *lt = memchr(p, '<', (size_t)(end - p));
            size_t n = lt ? (size_t)(lt - p) : (size_t)(end - p);
            strbuf_add(&sb, p, n);
            p += n;
            continue;
        }
        if (strncmp(p, "<!--", 4) == 0) {
            const char *q = strstr(p + 4, "-->");
            if (!q || q + 3 > end) {
                snprintf(why, wn, "gnuplot's SVG has an unterminated comment");
                strbuf_release(&sb);
                return NULL;
            }
            p = q + 3;          /* comments are dropped */
            continue;
        }
        if (p[1] == '!' || p[1] == '?') {
            snprintf(why, wn, "unexpected declaration inside gnuplot's SVG");
            strbuf_release(&sb);
            return NULL;
        }
        if (put_tag(&sb, &p, end, prefix, why, wn) != 0) {
            strbuf_release(&sb);
            return NULL;
        }
    }
    if (strbuf_failed(&sb)) {
        snprintf(why, wn, "out of memory");
        strbuf_release(&sb);
        return NULL;
    }
    return strbuf_detach(&sb);
}

/* Render one script with gnuplot's svg terminal to its standard output. */
static void render_one(struct gp *g, const char *script, int seq, struct report_chart *ch)
{
    struct strbuf sb = STRBUF_INIT;
    strbuf_printf(&sb, "reset session\nset terminal svg size %d,%d noenhanced font 'sans,12' "
                  "background rgb 'white'\nset output\nset encoding utf8\n",
                  REPORT_SVG_W, REPORT_SVG_H);
    strbuf_puts(&sb, script);
    strbuf_puts(&sb, "\nunset output\n");
    char *text = NULL;
    struct ope_error err = { 0 };
    if (strbuf_failed(&sb)) {
        snprintf(ch->why, sizeof ch->why, "out of memory");
        ch->status = OPE_ESOFTWARE;
    } else if (gp_exec(g, strbuf_str(&sb), &text, &err) != 0) {
        snprintf(ch->why, sizeof ch->why, "%.290s", err.msg);
        ch->status = err.status ? err.status : OPE_ESOFTWARE;
    } else if (!(ch->svg = report_svg_inline(text, seq, ch->why, sizeof ch->why))) {
        ch->status = OPE_ESOFTWARE;
    }
    free(text);
    strbuf_release(&sb);
}

/* The estimates chart: as `ope plot estimates`, with the outside reference when the
 * caller has one, else the logged policy's own value. */
static void script_estimates(const struct report_ctx *c, struct strbuf *sb)
{
    const struct report_in *in = c->in;
    int traj = strcmp(c->r->kind, "bandit") != 0;
    if (isfinite(in->reference))
        chart_estimates(c->r, -1, in->reference, in->reference_label ? in->reference_label
                                                                    : "reference", sb);
    else
        chart_estimates(c->r, -1, c->J, traj ? "logged policy (mean return)"
                                             : "logged policy (mean reward)", sb);
}

/* SharpeRatio@k against k, one line per estimator (selection.md's main figure): the
 * chart of `ope plot sharpe`, from the report's metrics in memory. */
static void script_sharpe(const struct report_ctx *c, struct strbuf *sb)
{
    const struct report_sel *s = &c->sel;
    struct ops_curve *cv = calloc(s->E ? s->E : 1, sizeof *cv);
    struct ope_error err = { 0 };
    if (!cv) {
        sb->failed = 1;
        return;
    }
    for (size_t e = 0; e < s->E; e++)
        cv[e] = (struct ops_curve){ c->r->pol[0].est[e].label, s->ops[e].topk };
    struct ops_curves curves = { s->E, s->M, cv };
    struct chart_text t = { "SharpeRatio@k: return of deploying the top k, per unit of risk",
                            "k (policies handed to an online test)", "SharpeRatio@k", 0 };
    if (chart_select(&curves, "sharpe_ratio", &t, sb, &err) != 0)
        sb->failed = 1;
    free(cv);
}

/* Return CDFs: the self-normalised estimate per policy, and the logged returns. */
static void script_cdf(const struct report_ctx *c, struct strbuf *sb)
{
    const struct report_risk *k = &c->risk;
    struct chart_series *ser = calloc(k->n + 1, sizeof *ser);
    char **names = calloc(k->n + 1, sizeof *names);
    size_t ns = 0;
    if (!ser || !names) {
        sb->failed = 1;
    } else {
        if (k->logged_ok) {
            ser[ns].name = "logged (behaviour policy)";
            ser[ns].n = k->logged.n;
            ser[ns].x = k->logged.y;
            ser[ns].y = k->logged.F;
            ns++;
        }
        for (size_t p = 0; p < k->n; p++) {
            int m = report_risk_drawn(&k->pol[p], k->n_methods);
            if (m < 0)
                continue;
            size_t len = strlen(c->r->pol[p].name) + 16;
            names[p] = malloc(len);
            if (!names[p]) {
                sb->failed = 1;
                break;
            }
            snprintf(names[p], len, "%s (%s)", c->r->pol[p].name,
                     report_risk_method_name((size_t)m));
            ser[ns].name = names[p];
            ser[ns].n = k->pol[p].cdf[m].n;
            ser[ns].x = k->pol[p].cdf[m].y;
            ser[ns].y = k->pol[p].cdf[m].F;
            ns++;
        }
        struct chart_text t = { "Estimated distribution of the return per policy "
                                "(self-normalised)", "return", "P(return <= x)", 0 };
        if (!sb->failed)
            chart_cdf(ser, ns, &t, sb);
    }
    for (size_t p = 0; names && p < k->n; p++)
        free(names[p]);
    free(names);
    free(ser);
}

void report_charts_render(struct report_ctx *c)
{
    /* Each name at most 24 bytes (report.c: CHART_NAME_MAX, for the file names). */
    static const char *const names[] = { "estimates", "sharpe", "cdf", "segments" };
    for (int i = 0; i < REPORT_N_CHARTS; i++)
        c->chart[i].name = names[i];
    c->chart[REPORT_CHART_ESTIMATES].caption =
        "Each estimator's estimate of each policy with its interval; a dashed black bar "
        "marks the true value where it is known, the dotted line the reference value.";
    c->chart[REPORT_CHART_SHARPE].caption =
        "SharpeRatio@k = (best true value among an estimator's top k - J(pi_b)) / (spread "
        "of their true values): higher is better; k = 1 is undefined.";
    c->chart[REPORT_CHART_CDF].caption =
        "Estimated probability that the return is at most x under each policy; a curve "
        "further right is better, a long flat start means a risk of low returns.";
    c->chart[REPORT_CHART_SEGMENTS].caption =
        "The first estimator's estimate of each policy in each segment, with the interval "
        "simultaneous over the segments: every bar of a colour holds its segment's true "
        "value at once, with probability about 1 - alpha.";
    int any = 0;
    for (int i = 0; i < REPORT_N_CHARTS; i++)
        any |= c->wanted[i];
    if (!any)
        return;
    const char *why = NULL;
    char buf[300];
    struct gp *g = NULL;
    struct ope_error err = { 0 };
    if (c->in->no_charts) {
        why = "left out (--no-charts)";
    } else if (!(g = gp_open(&err))) {
        snprintf(buf, sizeof buf, "%.290s", err.status == OPE_EUNAVAILABLE
                 ? "gnuplot is not installed (install gnuplot-nox and run the command again)"
                 : err.msg);
        why = buf;
    } else if (!gp_has_terminal(g, "svg")) {
        snprintf(buf, sizeof buf, "this gnuplot (%s) has no svg terminal", gp_path(g));
        why = buf;
    }
    if (why) {
        snprintf(c->charts_note, sizeof c->charts_note, "%s", why);
        for (int i = 0; i < REPORT_N_CHARTS; i++)
            if (c->wanted[i])
                snprintf(c->chart[i].why, sizeof c->chart[i].why, "%s", why);
        gp_close(g);
        return;
    }
    snprintf(c->gnuplot, sizeof c->gnuplot, "%s", gp_version(g));
    for (int i = 0; i < REPORT_N_CHARTS; i++) {
        if (!c->wanted[i])
            continue;
        struct strbuf sb = STRBUF_INIT;
        if (i == REPORT_CHART_ESTIMATES)
            script_estimates(c, &sb);
        else if (i == REPORT_CHART_SHARPE)
            script_sharpe(c, &sb);
        else if (i == REPORT_CHART_SEGMENTS)
            chart_segments(c->r, 0, &sb);
        else
            script_cdf(c, &sb);
        if (strbuf_failed(&sb)) {
            snprintf(c->chart[i].why, sizeof c->chart[i].why, "out of memory");
            c->chart[i].status = OPE_ESOFTWARE;
        } else {
            render_one(g, strbuf_str(&sb), i + 1, &c->chart[i]);
        }
        strbuf_release(&sb);
    }
    gp_close(g);
}

void report_charts_release(struct report_ctx *c)
{
    for (int i = 0; i < REPORT_N_CHARTS; i++) {
        free(c->chart[i].svg);
        c->chart[i].svg = NULL;
    }
}
