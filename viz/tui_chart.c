/* viz/tui_chart.c: the Chart view: gnuplot's dumb terminal drawing of the estimates
 * (all policies, or the one under the Estimates cursor with p), sized to the pane;
 * x writes the same chart as SVG. */
#include "config.h"
#include "viz/tui_extra.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "viz/chart.h"
#include "viz/gp.h"

static long chart_policy = -1;      /* -1: every policy */

static void chart_invalidate(struct tui *t)
{
    tui_lines_free(&t->chart_lines, &t->n_chart_lines);
    t->chart_rows = t->chart_cols = 0;
}

void tui_chart_lines(const char *script, int cols, int rows, int indent, char ***lines,
                     size_t *n)
{
    char *text = NULL;
    struct ope_error err = { 0 };
    if (gp_run(script, "dumb", cols, rows, NULL, 0, &text, &err) != 0) {
        tui_linef(lines, n, "%*s(chart: %s)", indent, "", err.msg);
        return;
    }
    for (char *p = text; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        if (*p != '\f')            /* the dumb terminal starts a page with a form feed */
            tui_linef(lines, n, "%s", p);
        else if (p[1])
            tui_linef(lines, n, "%s", p + 1);
        p = nl ? nl + 1 : NULL;
    }
    free(text);
}

static void live_render(struct tui_live_chart *c, int rows, int cols, char ***lines, size_t *n)
{
    /* The chart takes the rows below its view's text; when that leaves too few (80x24:
     * a plot five rows high), it takes nearly a pane, 20 rows at most, and the text
     * view scrolls to it (j, PgDn, G). */
    int floor = rows - 2 < 20 ? rows - 2 : 20;
    if (floor < c->min_rows)
        floor = c->min_rows;
    int crows = rows - c->rows_off > floor ? rows - c->rows_off : floor;
    c->rows = rows;
    c->cols = cols;
    c->at = *n;
    tui_chart_lines(c->script, cols > 41 ? cols - 1 : 40, crows, c->indent, lines, n);
}

void tui_live_chart_set(struct tui_live_chart *c, const char *script, int rows_off,
                        int min_rows, int indent, int rows, int cols, char ***lines, size_t *n)
{
    tui_live_chart_clear(c);
    c->script = strdup(script);
    c->rows_off = rows_off;
    c->min_rows = min_rows;
    c->indent = indent;
    if (c->script)
        live_render(c, rows, cols, lines, n);
    else
        tui_chart_lines(script, cols > 41 ? cols - 1 : 40, rows - rows_off > min_rows ?
                        rows - rows_off : min_rows, indent, lines, n);
}

void tui_live_chart_fit(struct tui_live_chart *c, int rows, int cols, char ***lines, size_t *n)
{
    if (!c->script || (c->rows == rows && c->cols == cols) || c->at > *n)
        return;
    for (size_t i = c->at; i < *n; i++)
        free((*lines)[i]);
    *n = c->at;
    live_render(c, rows, cols, lines, n);
}

void tui_live_chart_clear(struct tui_live_chart *c)
{
    free(c->script);
    memset(c, 0, sizeof *c);
}

static void chart_render(struct tui *t, int rows, int cols)
{
    tui_lines_free(&t->chart_lines, &t->n_chart_lines);
    t->chart_rows = rows;
    t->chart_cols = cols;
    if (!t->s->res) {
        tui_linef(&t->chart_lines, &t->n_chart_lines, "No results yet.");
        return;
    }
    struct strbuf sb = STRBUF_INIT;
    chart_estimates(t->s->res, chart_policy, t->s->reference_value, t->s->reference_label, &sb);
    tui_chart_lines(strbuf_str(&sb), cols - 1, rows - 1, 0, &t->chart_lines, &t->n_chart_lines);
    strbuf_release(&sb);
}

static void chart_draw(struct tui *t, WINDOW *w, int rows, int cols)
{
    if (t->chart_rows != rows || t->chart_cols != cols || !t->chart_lines)
        chart_render(t, rows, cols);
    size_t top = t->text_top;
    t->text_top = 0;
    tui_draw_text(t, w, t->chart_lines, t->n_chart_lines, rows, cols);
    t->text_top = top;
}

static int chart_key(struct tui *t, int ch)
{
    const struct res_eval *r = t->s->res;
    if (ch == 'p' && r && r->n_policies) {
        /* Cycle: all policies, then each one. */
        chart_policy = chart_policy + 1 >= (long)r->n_policies ? -1 : chart_policy + 1;
        chart_invalidate(t);
        return 1;
    }
    if (ch == 'x' && r) {
        char path[512] = "ope-chart.svg";
        if (!tui_prompt(t, "write chart to (.svg, .png or .pdf; .html/.md: report of the "
                        "session):", path, sizeof path) || !path[0])
            return 1;
        /* a report from here too, as Help's x promises in every view */
        if (t->report && t->report->is_report(path)) {
            struct ope_error err = { 0 };
            char note[600];
            if (t->report->write(t->s, path, note, sizeof note, &err) == 0)
                tui_message(t, 0, "%s", note);
            else
                tui_message(t, 1, "%s", err.msg);
            return 1;
        }
        const char *term = gp_term_for_path(path);
        if (!term) {
            tui_message(t, 1, "'%s': the name must end in .svg, .png or .pdf", path);
            return 1;
        }
        struct strbuf sb = STRBUF_INIT;
        chart_estimates(r, chart_policy, t->s->reference_value, t->s->reference_label, &sb);
        struct ope_error err = { 0 };
        if (gp_run(strbuf_str(&sb), term, 900, 540, path, 0, NULL, &err) == 0)
            tui_message(t, 0, "wrote %s", path);
        else
            tui_message(t, 1, "%s", err.msg);
        strbuf_release(&sb);
        return 1;
    }
    return 0;
}

const struct tui_view tui_view_chart = {
    "Chart", "p  cycle: all policies / one policy\nx  write the chart as SVG/PNG/PDF (.html/.md: a report)",
    chart_invalidate, chart_draw, chart_key, NULL,
    "the estimates with interval bars (gnuplot), for every policy; p: one policy at a time",
    "ope plot estimates LOG -o f.svg", 0
};
