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

/* The runs of one experiment: filled on the job's worker, read by the UI thread once
 * the job is joined. */
struct tui_explore_res {
    struct xpl_record *rec;     /* [alg][seed][episode] */
    size_t n_algs;
    double vstar, vb, tau;
};

static void res_free(struct tui_explore_res *r)
{
    if (r)
        free(r->rec);
    free(r);
}

/* The `ope explore` defaults on RiverSwim, on the worker; xpl_run_many's results do
 * not depend on its threads, and it stops at a cancel. */
static int explore_work(void *ctx, struct ope_progress *progress, struct ope_error *err)
{
    struct tui_explore_res *r = ctx;
    struct mdp *m = env_build_named("riverswim", NULL, 0, 20, 1.0, err);
    struct policy *pb = m ? policy_from_spec(m, "mix:0.8", NULL, err) : NULL;
    r->n_algs = 0;
    while (xpl_registry[r->n_algs])
        r->n_algs++;
    r->rec = calloc(r->n_algs * XR * XK, sizeof *r->rec);
    double w[64];
    int rc = -1;
    if (!m || !pb || !r->rec || m->n_states > 32) {
        if (!err->status)
            ope_fail(err, OPE_ESOFTWARE, "out of memory");
        goto out;
    }
    struct xpl_config cfg = { m, XK, 0.1, 0.05,
                              { XPL_BERNSTEIN, 0.1,
                                xpl_log_term(m->n_states, m->n_actions, m->horizon, XK, 0.05),
                                xpl_return_bound("riverswim", NULL, 0, m->horizon) },
                              pb->p, xpl_eval_true(m, m->horizon, 0.0, NULL, pb->p, w),
                              mdp_optimal_finite(m, NULL, NULL, err), 1e-4 };
    if (xpl_run_many(&cfg, xpl_registry, r->n_algs, 1, XR, 0, r->rec, progress, err) != 0)
        goto out;
    r->vstar = cfg.Vstar;
    r->vb = cfg.Vb;
    r->tau = (1 - cfg.alpha) * cfg.Vb;
    rc = 0;
out:
    policy_free(pb);
    mdp_free(m);
    return rc;
}

/* The summary and chart of the last finished runs. */
static void explore_lines_of(struct tui *t)
{
    const struct tui_explore_res *r = t->explore_res;
    tui_lines_free(&lines, &n_lines);
    tui_live_chart_clear(&t->explore_chart);
    tui_linef(&lines, &n_lines, "# Conservative exploration on RiverSwim (S=6, H=20), %d episodes x %d seeds",
              XK, XR);
    tui_linef(&lines, &n_lines, "  V* = %.4g, baseline mix:0.8 V^b = %.4g, constraint (1 - 0.1) V^b = %.4g",
              r->vstar, r->vb, r->tau);
    tui_linef(&lines, &n_lines, "  %-10s %12s %12s %10s", "algorithm", "regret(K)", "violations",
              "mean mix");
    for (size_t a = 0; a < r->n_algs; a++) {
        double reg = 0, mix = 0;
        long viol = 0;
        for (size_t s = 0; s < XR; s++) {
            const struct xpl_record *q = &r->rec[(a * XR + s) * XK];
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
    add_chart(t, r->rec, r->n_algs, r->tau, 10, t->pane_rows, t->pane_cols);
}

static void explore_done(struct tui *t, void *ctx, int rc, const struct ope_error *err)
{
    if (rc != 0) {
        res_free(ctx);
        if (err->status == OPE_EINTERRUPTED)
            tui_message(t, 0, "exploration cancelled; the previous result stays");
        else
            tui_message(t, 1, "cannot run: %s", err->msg);
        return;
    }
    res_free(t->explore_res);
    t->explore_res = ctx;
    /* the lines are made by the next draw: done also runs at exit */
    tui_lines_free(&lines, &n_lines);
    tui_live_chart_clear(&t->explore_chart);
    tui_message(t, 0, "done");
}

static const struct tui_job_class explore_job = { "explore", explore_work, explore_done };

void tui_explore_free(struct tui *t)
{
    res_free(t->explore_res);
    t->explore_res = NULL;
}

static void explore_draw(struct tui *t, WINDOW *w, int rows, int cols)
{
    if (!t->explore_res) {
        /* as text lines, so that they are clipped at the pane's edge, never wrapped */
        char *intro[4];
        char buf[4][200];
        snprintf(buf[0], sizeof buf[0], "%s", "");
        snprintf(buf[1], sizeof buf[1], "%s",
                 "  Conservative exploration (StepMix, EpsMix, UCBVI, baselines) on RiverSwim.");
        snprintf(buf[2], sizeof buf[2], "%s", "");
        snprintf(buf[3], sizeof buf[3], "  Press Enter to run %d episodes x %d seeds (c cancels).",
                 XK, XR);
        for (int i = 0; i < 4; i++)
            intro[i] = buf[i];
        tui_draw_text(t, w, intro, 4, rows, cols);
        return;
    }
    if (!lines)
        explore_lines_of(t);
    tui_live_chart_fit(&t->explore_chart, rows, cols, &lines, &n_lines);
    tui_draw_text(t, w, lines, n_lines, rows, cols);
}

static int explore_key(struct tui *t, int ch)
{
    if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
        struct tui_explore_res *r = calloc(1, sizeof *r);
        struct ope_error err = { 0 };
        if (!r)
            tui_message(t, 1, "out of memory");
        else if (tui_job_start(&t->job, &explore_job, r, &err) != 0) {
            free(r);
            tui_message(t, 1, "%s", err.msg);
        }
        return 1;
    }
    if (ch == 'v' && t->explore_res) {
        /* the same runs, the other chart: nothing to compute again */
        value_view = !value_view;
        tui_lines_free(&lines, &n_lines);
        tui_live_chart_clear(&t->explore_chart);
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
