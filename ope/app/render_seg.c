/* ope/app/render_seg.c: the segments of an evaluation (ope eval --by, result.h's
 * struct res_segments) as a table after the main one, the JSON "segments" object and
 * the CSV that replaces the estimates' CSV when there are segments (formats.md). */
#include "config.h"
#include "ope/app/render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ope/base/csvout.h"
#include "ope/base/json.h"
#include "ope/base/utf8.h"

static void cell(struct strbuf *sb, double v, int width)
{
    char buf[48];
    if (isnan(v))
        snprintf(buf, sizeof buf, "-");
    else
        snprintf(buf, sizeof buf, "%.6g", v);
    strbuf_printf(sb, " %*s", width, buf);
}

/* A name from the data, with control bytes as \xNN (one line, nothing reaches the
 * terminal). */
static const char *printable(const char *s, char *buf, size_t size)
{
    return utf8_printable(s, strlen(s), buf, size);
}

/* Terminal cells of printable UTF-8 text: one per character (its lead byte), so that
 * "España" pads like "Espana". (Wide CJK characters still count one.) */
static int cells(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* s left-aligned in w cells. */
static void padded(struct strbuf *sb, const char *s, int w)
{
    strbuf_puts(sb, s);
    for (int k = cells(s); k < w; k++)
        strbuf_putc(sb, ' ');
}

/* The headline: what the segments are and how the intervals are simultaneous. */
static void headline(const struct res_eval *r, struct strbuf *sb)
{
    const struct res_segments *g = r->segments;
    char nm[512];
    strbuf_printf(sb, "\nsegments by %s: ", printable(g->column, nm, sizeof nm));
    const char *pl = g->n_seg == 1 ? "" : "s";
    if (g->bins)
        strbuf_printf(sb, "%zu equal-count bin%s (of %d asked)", g->n_seg, pl, g->bins);
    else
        strbuf_printf(sb, "%zu level%s", g->n_seg, pl);
    if (strcmp(g->method, "none") == 0)
        strbuf_printf(sb, "; no intervals");
    else
        strbuf_printf(sb, "; %.4g%% intervals simultaneous over the segments (%s)",
                      100 * (1 - r->alpha), g->method);
    strbuf_printf(sb, "; ESS below %g warns\n", g->min_ess);
}

void render_segments_table(const struct res_eval *r, struct strbuf *sb)
{
    const struct res_segments *g = r->segments;
    if (!g)
        return;
    headline(r, sb);
    int seg_w = 7, label_w = 9;
    char nm[512];
    for (size_t s = 0; s < g->n_seg; s++) {
        int l = cells(printable(g->seg[s].label, nm, sizeof nm));
        seg_w = l > seg_w ? l : seg_w;
    }
    for (size_t p = 0; p < r->n_policies; p++)
        for (size_t e = 0; e < r->pol[p].n_estimates; e++) {
            int l = (int)strlen(r->pol[p].est[e].label);
            label_w = l > label_w ? l : label_w;
        }
    for (size_t p = 0; p < g->n_policies; p++) {
        int truth = 0;
        for (size_t s = 0; s < g->n_seg; s++)
            truth |= !isnan(g->seg[s].truth[p]);
        strbuf_printf(sb, "\npolicy %s\n  %-*s %8s %9s", printable(r->pol[p].name, nm, sizeof nm),
                      seg_w, "segment", "rows", "ESS");
        if (truth)
            strbuf_printf(sb, " %9s", "truth");
        strbuf_printf(sb, "  %-*s %10s %10s %10s\n", label_w, "estimator", "value", "lower",
                      "upper");
        for (size_t s = 0; s < g->n_seg; s++) {
            const struct res_segment *x = &g->seg[s];
            for (size_t e = 0; e < g->n_estimates; e++) {
                const struct res_seg_est *y = &x->est[p * g->n_estimates + e];
                if (e == 0) {
                    strbuf_puts(sb, "  ");
                    padded(sb, printable(x->label, nm, sizeof nm), seg_w);
                    strbuf_printf(sb, " %8zu", x->rows);
                    cell(sb, x->ess[p], 9);
                    if (truth)
                        cell(sb, x->truth[p], 9);
                } else {
                    strbuf_printf(sb, "  %-*s %8s %9s", seg_w, "", "", "");
                    if (truth)
                        strbuf_printf(sb, " %9s", "");
                }
                strbuf_printf(sb, "  %-*s", label_w, r->pol[p].est[e].label);
                cell(sb, y->value, 10);
                cell(sb, y->lower, 10);
                cell(sb, y->upper, 10);
                strbuf_printf(sb, "%s\n", y->warning ? "  !" : "");
            }
        }
        for (size_t s = 0; s < g->n_seg; s++)
            for (size_t e = 0; e < g->n_estimates; e++) {
                const char *w = g->seg[s].est[p * g->n_estimates + e].warning;
                char wb[1024];
                if (w)
                    strbuf_printf(sb, "  ! %s %s: %s\n",
                                  printable(g->seg[s].label, nm, sizeof nm),
                                  r->pol[p].est[e].label, printable(w, wb, sizeof wb));
            }
    }
}

static void key(struct strbuf *sb, const char *k)
{
    json_string(sb, k);
    strbuf_putc(sb, ':');
}

static void null_or_string(struct strbuf *sb, const char *s)
{
    if (s)
        json_string(sb, s);
    else
        strbuf_puts(sb, "null");
}

void render_segments_json(const struct res_eval *r, struct strbuf *sb)
{
    const struct res_segments *g = r->segments;
    strbuf_puts(sb, "{");
    key(sb, "column");
    json_string(sb, g->column);
    strbuf_printf(sb, ",\"bins\":%d,", g->bins);
    key(sb, "method");
    json_string(sb, g->method);
    strbuf_puts(sb, ",\"alpha\":");
    json_number(sb, r->alpha);
    strbuf_puts(sb, ",\"min_ess\":");
    json_number(sb, g->min_ess);
    strbuf_puts(sb, ",\"segments\":[");
    for (size_t s = 0; s < g->n_seg; s++) {
        const struct res_segment *x = &g->seg[s];
        strbuf_puts(sb, s ? ",\n  {" : "\n  {");
        key(sb, "label");
        json_string(sb, x->label);
        strbuf_puts(sb, ",\"lo\":");
        json_number(sb, x->lo);
        strbuf_puts(sb, ",\"hi\":");
        json_number(sb, x->hi);
        strbuf_printf(sb, ",\"rows\":%zu,\"policies\":[", x->rows);
        for (size_t p = 0; p < g->n_policies; p++) {
            strbuf_puts(sb, p ? ",\n   {" : "\n   {");
            key(sb, "name");
            json_string(sb, r->pol[p].name);
            strbuf_puts(sb, ",\"ess\":");
            json_number(sb, x->ess[p]);
            strbuf_puts(sb, ",\"ground_truth\":");
            json_number(sb, x->truth[p]);
            strbuf_puts(sb, ",\"estimates\":[");
            for (size_t e = 0; e < g->n_estimates; e++) {
                const struct res_seg_est *y = &x->est[p * g->n_estimates + e];
                const struct res_estimate *w = &r->pol[p].est[e];
                strbuf_puts(sb, e ? ",{" : "{");
                key(sb, "estimator");
                json_string(sb, w->estimator);
                strbuf_puts(sb, ",\"label\":");
                json_string(sb, w->label);
                strbuf_puts(sb, ",\"value\":");
                json_number(sb, y->value);
                strbuf_puts(sb, ",\"ci\":{\"lower\":");
                json_number(sb, y->lower);
                strbuf_puts(sb, ",\"upper\":");
                json_number(sb, y->upper);
                strbuf_puts(sb, "},\"ess\":");
                json_number(sb, y->ess);
                strbuf_puts(sb, ",\"warning\":");
                null_or_string(sb, y->warning);
                strbuf_puts(sb, "}");
            }
            strbuf_puts(sb, "]}");
        }
        strbuf_puts(sb, "]}");
    }
    strbuf_puts(sb, "]}");
}

void render_segments_csv(const struct res_eval *r, struct strbuf *sb)
{
    const struct res_segments *g = r->segments;
    strbuf_puts(sb, "column,segment,lo,hi,rows,policy,policy_ess,truth,estimator,params,"
                    "value,lower,upper,ess,method,warning\n");
    for (size_t s = 0; s < g->n_seg; s++) {
        const struct res_segment *x = &g->seg[s];
        for (size_t p = 0; p < g->n_policies; p++)
            for (size_t e = 0; e < g->n_estimates; e++) {
                const struct res_seg_est *y = &x->est[p * g->n_estimates + e];
                const struct res_estimate *w = &r->pol[p].est[e];
                csvout_cell(sb, g->column);
                strbuf_putc(sb, ',');
                csvout_cell(sb, x->label);
                csvout_number(sb, x->lo);
                csvout_number(sb, x->hi);
                strbuf_printf(sb, ",%zu,", x->rows);
                csvout_cell(sb, r->pol[p].name);
                csvout_number(sb, x->ess[p]);
                csvout_number(sb, x->truth[p]);
                strbuf_putc(sb, ',');
                csvout_cell(sb, w->estimator);
                strbuf_putc(sb, ',');
                csvout_cell(sb, w->params_json);
                csvout_number(sb, y->value);
                csvout_number(sb, y->lower);
                csvout_number(sb, y->upper);
                csvout_number(sb, y->ess);
                strbuf_putc(sb, ',');
                csvout_cell(sb, g->method);
                strbuf_putc(sb, ',');
                csvout_cell(sb, y->warning ? y->warning : "");
                strbuf_putc(sb, '\n');
            }
    }
}
