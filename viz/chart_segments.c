/* viz/chart_segments.c: the segments chart (ope eval --by): for one estimator, a group
 * of bars per segment and a colour per policy, each bar the segment's simultaneous
 * interval. It is the estimates chart with segments in the place of policies and
 * policies in the place of estimators, so both look and escape alike. */
#include "config.h"
#include "viz/chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void chart_segments(const struct res_eval *r, size_t e, struct strbuf *sb)
{
    const struct res_segments *g = r->segments;
    if (!g || e >= g->n_estimates || !r->n_policies) {
        sb->failed = sb->failed || !g;
        return;
    }
    size_t S = g->n_seg, P = g->n_policies;
    struct res_eval *v = res_eval_new(S, P);
    if (!v) {
        sb->failed = 1;
        return;
    }
    v->alpha = r->alpha;
    snprintf(v->ci, sizeof v->ci, "%s", r->ci);
    int ok = 1;
    for (size_t s = 0; s < S && ok; s++) {
        struct res_policy *rp = &v->pol[s];
        ok = (rp->name = dup(g->seg[s].label)) != NULL;
        for (size_t p = 0; p < P && ok; p++) {
            struct res_estimate *x = &rp->est[p];
            const struct res_seg_est *y = &g->seg[s].est[p * g->n_estimates + e];
            ok = (x->label = dup(r->pol[p].name)) && (x->estimator = dup(r->pol[p].name));
            x->value = y->value;
            x->lower = y->lower;
            x->upper = y->upper;
        }
    }
    char title[512], xlabel[300];
    snprintf(title, sizeof title, "%s per segment of %s, %.3g%% simultaneous intervals (%s)",
             r->pol[0].est[e].label, g->column, 100 * (1 - r->alpha), g->method);
    snprintf(xlabel, sizeof xlabel, "segment of %s%s", g->column,
             g->bins ? " (equal-count bins)" : "");
    struct chart_text t = { title, xlabel, "estimated value", 0 };
    if (ok)
        chart_estimates_text(v, -1, NAN, NULL, &t, sb);
    else
        sb->failed = 1;
    res_eval_free(v);
}
