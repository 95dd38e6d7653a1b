/* viz/tui_segments.c: the Segments view: every policy and estimator per segment of a
 * context column (ope eval --by), as a table with the simultaneous intervals, the
 * segment's size and ESS and its warning; b asks for the column (and bins) and
 * re-runs the evaluation with them. */
#include "config.h"
#include "viz/tui_extra.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/segments.h"

static void num(char *buf, size_t n, double v)
{
    if (isnan(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.6g", v);
}

static void seg_rebuild(struct tui *t)
{
    static const char *const head[] = { "segment", "policy", "estimator", "rows", "ESS",
                                        "value", "lower", "upper", "truth", "warning" };
    struct grid *old = t->seg_grid;
    t->seg_grid = grid_new(10, head);
    struct grid *g = t->seg_grid;
    const struct res_eval *r = t->s->res;
    const struct res_segments *sg = r ? r->segments : NULL;
    if (!g || !sg) {
        grid_free(old);
        return;
    }
    for (size_t c = 3; c < 9; c++)
        g->right[c] = 1;
    g->frozen = 3;      /* segment, policy and estimator name the row */
    for (size_t s = 0; s < sg->n_seg; s++) {
        const struct res_segment *x = &sg->seg[s];
        for (size_t p = 0; p < sg->n_policies; p++)
            for (size_t e = 0; e < sg->n_estimates; e++) {
                const struct res_seg_est *y = &x->est[p * sg->n_estimates + e];
                char rows[32], ess[32], v[32], lo[32], hi[32], tr[32];
                snprintf(rows, sizeof rows, "%zu", x->rows);
                num(ess, sizeof ess, isnan(y->ess) ? x->ess[p] : y->ess);
                num(v, sizeof v, y->value);
                num(lo, sizeof lo, y->lower);
                num(hi, sizeof hi, y->upper);
                num(tr, sizeof tr, x->truth[p]);
                const char *cells[] = { x->label, r->pol[p].name, r->pol[p].est[e].label, rows,
                                        ess, v, lo, hi, tr, y->warning ? y->warning : "" };
                if (grid_add(g, cells) != 0)
                    break;
                if (y->warning)
                    g->mark[g->n_rows - 1] = 2;
            }
    }
    tui_grid_keep(old, g);
    grid_free(old);
}

static void seg_draw(struct tui *t, WINDOW *w, int rows, int cols)
{
    const struct res_eval *r = t->s->res;
    const struct res_segments *sg = r ? r->segments : NULL;
    if (!sg) {
        char *lines[4], buf[4][200];
        snprintf(buf[0], sizeof buf[0], "%s", "");
        if (t->s->tlog) {       /* b would only refuse: do not offer it */
            snprintf(buf[1], sizeof buf[1], "  Segments are for bandit logs (ope eval --by): "
                     "this is a trajectory log,");
            snprintf(buf[2], sizeof buf[2], "  which has no context columns to segment by.");
        } else {
            snprintf(buf[1], sizeof buf[1], "  No segments. Press b to estimate every policy "
                     "per segment of a context");
            snprintf(buf[2], sizeof buf[2], "  column: its levels, or equal-count bins of a "
                     "numeric one (ope eval --by).");
        }
        snprintf(buf[3], sizeof buf[3], "%s", "");
        for (int i = 0; i < 4; i++)
            lines[i] = buf[i];
        tui_draw_text(t, w, lines, 4, rows, cols);
        return;
    }
    char line[256];
    const char *pl = sg->n_seg == 1 ? "" : "s";
    if (strcmp(sg->method, "none") == 0)
        snprintf(line, sizeof line, "by %s: %zu segment%s, no intervals", sg->column,
                 sg->n_seg, pl);
    else
        snprintf(line, sizeof line, "by %s: %zu segment%s, %.3g simultaneous (%s); yellow: "
                 "ESS < %g", sg->column, sg->n_seg, pl, 1 - r->alpha, sg->method, sg->min_ess);
    wmove(w, 0, 0);
    tui_put(w, line, cols);
    WINDOW *sub = derwin(w, rows - 1, cols, 1, 0);
    if (!sub)
        return;
    tui_draw_grid(t, sub, t->seg_grid, rows - 1, cols);
    delwin(sub);
}

/* b: the column, then the bins (empty for a categorical column), then re-run. An
 * empty column turns the segments off. */
static int seg_key(struct tui *t, int ch)
{
    if (ch != 'b')
        return 0;
    struct session *s = t->s;
    if (s->tlog) {      /* before the questions, not after them */
        tui_message(t, 1, "segments are for bandit logs; this is a trajectory log");
        return 1;
    }
    char by[sizeof s->set.by], bins[32], old_by[sizeof s->set.by];
    snprintf(by, sizeof by, "%s", s->set.by);
    if (!tui_prompt(t, "segment by context column (empty: none):", by, sizeof by))
        return 1;
    long k = 0;
    if (by[0]) {
        if (s->set.bins)
            snprintf(bins, sizeof bins, "%d", s->set.bins);
        else
            bins[0] = '\0';
        /* At most 40 characters: the prompt keeps half of an 80-column line. */
        if (!tui_prompt(t, "bins, 2 to 64 (empty: categorical):", bins, sizeof bins))
            return 1;
        char *end;
        k = bins[0] ? strtol(bins, &end, 10) : 0;
        if (bins[0] && (*end || k < 2 || k > 64)) {
            tui_message(t, 1, "bins must be an integer from 2 to 64, got '%s'", bins);
            return 1;
        }
    }
    /* Refuse a column the log does not have here, not after a run on the worker
     * (the settings would then keep it). */
    struct ope_error err = { 0 };
    struct seg_plan pl;
    if (by[0] && s->log) {
        if (seg_plan_blog(s->log, by, (int)k, &pl, &err) != 0) {
            tui_message(t, 1, "%s", err.msg);
            return 1;
        }
        seg_plan_release(&pl);
    }
    int old_bins = s->set.bins;
    memcpy(old_by, s->set.by, sizeof old_by);
    memcpy(s->set.by, by, sizeof by);
    s->set.bins = (int)k;
    if (session_start(s, &err) != 0) {
        memcpy(s->set.by, old_by, sizeof old_by);
        s->set.bins = old_bins;
        tui_message(t, 1, "%s", err.msg);
    }
    return 1;
}

static struct grid *seg_grid(struct tui *t)
{
    return t->seg_grid;
}

const struct tui_view tui_view_segments = {
    "Segments", "b  segment by a context column", seg_rebuild, seg_draw, seg_key, seg_grid,
    "every policy per segment of a context column, intervals simultaneous over\n"
    "the segments; b chooses the column",
    "ope eval LOG --by COLUMN [--bins K]", 0
};
