/* reports/report_segments.c: the Segments section (a report of an evaluation with
 * --by): how the rows were split and how the intervals are simultaneous, the table of
 * every segment x policy x estimator with its size, ESS and warning (the numbers of
 * `ope eval --by`), and the segments chart. */
#include "config.h"
#include "reports/report_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void method_para(struct report_doc *d, const struct res_eval *r)
{
    const struct res_segments *g = r->segments;
    char a[32];
    report_begin(d, REPORT_P);
    report_spanf(d, REPORT_TEXT, "Every policy is estimated again on the rows of each "
                 "segment of the context column ");
    report_spanf(d, REPORT_CODE, "%s", g->column);
    const char *pl = g->n_seg == 1 ? "" : "s";
    if (g->bins)
        report_spanf(d, REPORT_TEXT, ": %zu equal-count bin%s (of %d asked; a bin's edges are "
                     "order statistics, and tied values share a bin).", g->n_seg, pl, g->bins);
    else
        report_spanf(d, REPORT_TEXT, ": its %zu level%s.", g->n_seg, pl);
    report_spanf(d, REPORT_TEXT, " The reward model is fitted once on the whole log and held "
                 "fixed per segment. ");
    if (strcmp(g->method, "max-t bootstrap") == 0)
        report_spanf(d, REPORT_TEXT, "Intervals are simultaneous over the segments at %.4g%% "
                     "(max-t bootstrap): each segment is resampled with the whole log's "
                     "bootstrap counts of its rows; c is the %.4g%% quantile over the "
                     "replicates of the largest |replicate - estimate| / SE among the "
                     "segments, and each interval is the estimate -/+ c SE.",
                     100 * (1 - r->alpha), 100 * (1 - r->alpha));
    else if (strcmp(g->method, "none") == 0)
        report_spanf(d, REPORT_TEXT, "No intervals were computed (--ci none).");
    else
        report_spanf(d, REPORT_TEXT, "Intervals are simultaneous over the segments at %.4g%% "
                     "(%s): each segment's interval is at level 1 - alpha / %zu.",
                     100 * (1 - r->alpha), g->method, g->n_seg);
    report_spanf(d, REPORT_TEXT, " An estimate whose ESS is below %s is marked: its segment "
                 "is too small to say anything.", report_num(a, g->min_ess));
    report_end(d, REPORT_P);
}

void report_sec_segments(struct report_doc *d, const struct report_ctx *c)
{
    const struct res_eval *r = c->r;
    const struct res_segments *g = r->segments;
    report_h(d, 2, "segments", "Segments");
    method_para(d, r);
    const char *head[] = { "segment", "rows", "policy", "policy ESS", "true value",
                           "estimator", "estimate", "lower", "upper", "warning" };
    report_table_begin(d, 10, head, "lrlrrlrrrl");
    for (size_t s = 0; s < g->n_seg; s++) {
        const struct res_segment *x = &g->seg[s];
        for (size_t p = 0; p < g->n_policies; p++)
            for (size_t e = 0; e < g->n_estimates; e++) {
                const struct res_seg_est *y = &x->est[p * g->n_estimates + e];
                char b[6][32];
                snprintf(b[0], sizeof b[0], "%zu", x->rows);
                report_num(b[1], x->ess[p]);
                report_num(b[2], x->truth[p]);
                report_num(b[3], y->value);
                report_num(b[4], y->lower);
                report_num(b[5], y->upper);
                const char *row[] = { x->label, b[0], r->pol[p].name, b[1], b[2],
                                      r->pol[p].est[e].label, b[3], b[4], b[5],
                                      y->warning ? y->warning : "" };
                report_table_row(d, row);
            }
    }
    report_table_end(d);
    report_begin(d, REPORT_NOTE);
    report_spanf(d, REPORT_TEXT, "The same numbers, machine-readable: ");
    report_spanf(d, REPORT_CODE, "ope eval --by %s%s --format json", g->column,
                 g->bins ? " --bins K" : "");
    report_spanf(d, REPORT_TEXT, " (or --format csv).");
    report_end(d, REPORT_NOTE);
    d->fmt->figure(d, &c->chart[REPORT_CHART_SEGMENTS]);
}
