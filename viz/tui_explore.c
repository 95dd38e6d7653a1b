/* viz/tui_explore.c: the Explore view: conservative exploration on RiverSwim, run
 * on demand (Enter) with the `ope explore` defaults: the summary per algorithm and
 * gnuplot's drawing of the cumulative regret; v switches to the executed value
 * against the constraint line (the charts of `ope plot regret` and `ope plot value`,
 * from the records in memory). A small budget (3000 episodes, 2 seeds) keeps it
 * interactive; `ope explore` on the command line runs the full experiment. */
#include "config.h"
#include "viz/tui_extra.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/env.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "ope/learn/explore/record.h"
#include "ope/learn/explore/run.h"
#include "viz/chart.h"
#include "viz/chart_explore.h"
#include "viz/gp.h"

enum { XK = 3000, XR = 2 };

#define lines (t->explore_lines)
#define n_lines (t->n_explore_lines)
#define value_view (t->explore_value_view)

/* The chart of the runs just computed, drawn by the builder of `ope plot regret` and
 * `ope plot value` from the records in memory. */
static void add_chart(struct tui *t, struct xpl_record *rec, size_t n_algs, double tau,
                      int rows_off, int rows, int cols)
{
    const char *names[16];
    if (n_algs > sizeof names / sizeof names[0])
        return;
    for (size_t a = 0; a < n_algs; a++)
        names[a] = xpl_registry[a]->name;
    struct xpl_runs x = { n_algs, XR, XK, names, 1, tau, 0, NAN, NAN, NAN, rec };
    struct chart_text ct = { value_view ? "Executed value per episode (mean of 2 seeds)" :
                             "Cumulative regret (mean of 2 seeds)", "episode",
                             value_view ? "value" : "regret", 1 };
    struct strbuf sb = STRBUF_INIT;
    struct ope_error err = { 0 };
    if (chart_explore(&x, value_view, &ct, &sb, &err) == 0 && !strbuf_failed(&sb))
        tui_live_chart_set(&t->explore_chart, strbuf_str(&sb), rows_off, 12, 0, rows, cols,
                           &lines, &n_lines);
    strbuf_release(&sb);
}

static void explore_run(struct tui *t)
{
    tui_lines_free(&lines, &n_lines);
    tui_live_chart_clear(&t->explore_chart);
    struct ope_error err = { 0 };
    struct mdp *m = env_build_named("riverswim", NULL, 0, 20, 1.0, &err);
    struct policy *pb = m ? policy_from_spec(m, "mix:0.8", NULL, &err) : NULL;
    size_t n_algs = 0;
    while (xpl_registry[n_algs])
        n_algs++;
    struct xpl_record *rec = calloc(n_algs * XR * XK, sizeof *rec);
    double w[64];
    if (!m || !pb || !rec || m->n_states > 32) {
        tui_linef(&lines, &n_lines, "cannot run: %s", err.msg[0] ? err.msg : "out of memory");
        goto out;
    }
    struct xpl_config cfg = { m, XK, 0.1, 0.05,
                              { XPL_BERNSTEIN, 0.1,
                                xpl_log_term(m->n_states, m->n_actions, m->horizon, XK, 0.05),
                                xpl_return_bound("riverswim", NULL, 0, m->horizon) },
                              pb->p, xpl_eval_true(m, m->horizon, 0.0, NULL, pb->p, w),
                              mdp_optimal_finite(m, NULL, NULL, &err), 1e-4 };
    if (xpl_run_many(&cfg, xpl_registry, n_algs, 1, XR, 0, rec, NULL, &err) != 0) {
        tui_linef(&lines, &n_lines, "cannot run: %s", err.msg);
        goto out;
    }
    double tau = (1 - cfg.alpha) * cfg.Vb;
    tui_linef(&lines, &n_lines, "# Conservative exploration on RiverSwim (S=6, H=20), %d episodes x %d seeds",
              XK, XR);
    tui_linef(&lines, &n_lines, "  V* = %.4g, baseline mix:0.8 V^b = %.4g, constraint (1 - 0.1) V^b = %.4g",
              cfg.Vstar, cfg.Vb, tau);
    tui_linef(&lines, &n_lines, "  %-10s %12s %12s %10s", "algorithm", "regret(K)", "violations",
              "mean mix");
    for (size_t a = 0; a < n_algs; a++) {
        double reg = 0, mix = 0;
        long viol = 0;
        for (size_t r = 0; r < XR; r++) {
            const struct xpl_record *q = &rec[(a * XR + r) * XK];
            reg += q[XK - 1].regret / XR;
            for (size_t k = 0; k < XK; k++) {
                viol += q[k].violated;
                mix += q[k].mix / (XK * XR);
            }
        }
        tui_linef(&lines, &n_lines, "  %-10s %12.1f %12ld %10.3f", xpl_registry[a]->name, reg, viol, mix);
    }
    tui_linef(&lines, &n_lines, "  StepMix and EpsMix keep every episode's expected value above the line; UCBVI");
    tui_linef(&lines, &n_lines, "  learns fastest but violates early. v: regret/value chart; Enter: run again.");
    add_chart(t, rec, n_algs, tau, 10, t->pane_rows, t->pane_cols);
out:
    free(rec);
    policy_free(pb);
    mdp_free(m);
}

static void explore_draw(struct tui *t, WINDOW *w, int rows, int cols)
{
    if (!lines) {
        /* as text lines, so that they are clipped at the pane's edge, never wrapped */
        char *intro[4];
        char buf[4][200];
        snprintf(buf[0], sizeof buf[0], "%s", "");
        snprintf(buf[1], sizeof buf[1], "%s",
                 "  Conservative exploration (StepMix, EpsMix, UCBVI, baselines) on RiverSwim.");
        snprintf(buf[2], sizeof buf[2], "%s", "");
        snprintf(buf[3], sizeof buf[3], "  Press Enter to run %d episodes x %d seeds (about a second).",
                 XK, XR);
        for (int i = 0; i < 4; i++)
            intro[i] = buf[i];
        tui_draw_text(t, w, intro, 4, rows, cols);
        return;
    }
    tui_live_chart_fit(&t->explore_chart, rows, cols, &lines, &n_lines);
    tui_draw_text(t, w, lines, n_lines, rows, cols);
}

static int explore_key(struct tui *t, int ch)
{
    if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
        tui_message(t, 0, "running the exploration experiment...");
        explore_run(t);
        tui_message(t, 0, "done");
        return 1;
    }
    if (ch == 'v' && lines) {
        value_view = !value_view;
        explore_run(t);
        return 1;
    }
    return 0;
}

const struct tui_view tui_view_explore = {
    "Explore", "Enter  run the experiment\nv      regret / executed value chart", NULL,
    explore_draw, explore_key, NULL,
    "conservative exploration (StepMix, EpsMix, UCBVI) on RiverSwim",
    "ope explore --compare --env riverswim", 0
};
