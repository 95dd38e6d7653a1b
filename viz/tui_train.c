/* viz/tui_train.c: the Train view: policy-gradient training (ope/pg) on a built-in
 * environment, run on demand (Enter) with the `ope train --compare` defaults on a small
 * budget (1000 episodes, 4 seeds): a table of the final exact value per algorithm and
 * gnuplot's drawing of the learning curves (mean over seeds with the min-max band).
 * e cycles the environment: RiverSwim, the hard chain with 100 mixed offline episodes
 * for HNPG (where offline data make the difference), and a Dirichlet random MDP. */
#include "config.h"
#include "viz/tui_extra.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/env.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "datasets/sampler.h"
#include "datasets/tlog.h"
#include "ope/learn/pg/pg.h"
#include "viz/chart.h"
#include "viz/chart_train.h"
#include "viz/gp.h"

enum { TR_EPISODES = 1000, TR_RUNS = 4 };

static const struct {
    const char *env;
    const char *kv[2];
    size_t n_kv;
    const char *title;
    int offline;            /* give HNPG offline episodes of mix:0.5 */
} setups[] = {
    { "riverswim", { NULL, NULL }, 0, "RiverSwim (S=6, H=20)", 0 },
    { "chain", { "n=8", "actions=4" }, 2, "hard chain (n=8, 4 actions, H=20) + offline data", 1 },
    { "dirichlet", { NULL, NULL }, 0, "Dirichlet random MDP (S=10, A=3)", 0 },
};

#define lines (t->train_lines)
#define n_lines (t->n_train_lines)
#define setup (t->train_setup)

/* Mean and min-max band of each result's exact value against environment steps: the
 * chart of `ope plot train`, from the results in memory. */
static void add_chart(struct tui *t, const struct pg_result *res, size_t n, int rows_off, int rows,
                      int cols)
{
    struct chart_text ct = { "Exact value (mean of 4 seeds, band min-max)", "environment steps",
                             "exact value", 1 };
    struct strbuf sb = STRBUF_INIT;
    struct ope_error err = { 0 };
    if (chart_train(res, n, &ct, &sb, &err) == 0 && !strbuf_failed(&sb))
        tui_live_chart_set(&t->train_chart, strbuf_str(&sb), rows_off, 12, 0, rows, cols,
                           &lines, &n_lines);
    strbuf_release(&sb);
}

static struct tlog *offline_data(const struct mdp *m, struct ope_error *err)
{
    struct policy *b = policy_from_spec(m, "mix:0.5", NULL, err);
    struct sampler *smp = b ? sampler_new(m, b, err) : NULL;
    struct tlog *log = smp ? sampler_run(smp, 100, 7, NULL, NULL, 0, 1, NULL, err) : NULL;
    sampler_free(smp);
    policy_free(b);
    return log;
}

static void train_run(struct tui *t)
{
    tui_lines_free(&lines, &n_lines);
    tui_live_chart_clear(&t->train_chart);
    struct ope_error err = { 0 };
    int su = setup;
    struct mdp *m = env_build_named(setups[su].env, setups[su].kv, setups[su].n_kv, 0, 1.0,
                                    &err);
    struct tlog *off = m && setups[su].offline ? offline_data(m, &err) : NULL;
    struct pg_policy pol;
    int have_pol = m && pg_policy_init(&pol, PG_TABULAR, m->n_states, m->n_actions, 0, &err) == 0;
    struct pg_result res[8];
    size_t n = 0;
    double vstar = m ? mdp_optimal_finite(m, NULL, NULL, &err) : NAN;
    if (!m || !have_pol || (setups[su].offline && !off) || isnan(vstar)) {
        tui_linef(&lines, &n_lines, "cannot run: %s", err.msg[0] ? err.msg : "out of memory");
        goto out;
    }
    for (size_t i = 0; pg_registry[i] && n < 8; i++) {
        int variants = pg_registry[i] == &pg_hnpg && off ? 2 : 1;
        for (int v = 0; v < variants && n < 8; v++) {
            struct pg_params p;
            pg_params_init(&p);
            p.offline = v ? off : NULL;
            int b = pg_batch_size(pg_registry[i], &p);
            p.iterations = (TR_EPISODES + b - 1) / b;
            struct pg_problem pb = { m, &pol, &p, NULL };
            if (pg_run_many(&pb, pg_registry[i], 1, TR_RUNS, 0, &res[n], &err) != 0) {
                tui_linef(&lines, &n_lines, "%s: %s", pg_registry[i]->name, err.msg);
                goto out;
            }
            if (v)
                snprintf(res[n].label, sizeof res[n].label, "hnpg+offline");
            n++;
        }
    }
    tui_linef(&lines, &n_lines, "# Policy gradient on %s: %d episodes x %d seeds, from uniform",
              setups[su].title, TR_EPISODES, TR_RUNS);
    tui_linef(&lines, &n_lines, "  V* = %.4g (backward induction); values are exact (DP)", vstar);
    tui_linef(&lines, &n_lines, "  %-14s %12s %10s %9s", "algorithm", "final value", "sd", "% of V*");
    for (size_t i = 0; i < n; i++) {
        double mean, sd, smp;
        pg_result_final(&res[i], &mean, &sd, &smp);
        tui_linef(&lines, &n_lines, "  %-14s %12.4g %10.3g %8.1f%%", res[i].label, mean, sd,
                  100.0 * mean / vstar);
    }
    tui_linef(&lines, &n_lines, "  e: next environment; Enter: run again. `ope train --compare "
              "--env %s` runs the full budget.", setups[su].env);
    add_chart(t, res, n, 12, t->pane_rows, t->pane_cols);
out:
    for (size_t i = 0; i < n; i++)
        pg_result_release(&res[i]);
    if (have_pol)
        pg_policy_release(&pol);
    tlog_free(off);
    mdp_free(m);
}

static void train_draw(struct tui *t, WINDOW *w, int rows, int cols)
{
    if (!lines) {
        /* as text lines, so that they are clipped at the pane's edge, never wrapped */
        char *intro[4];
        char buf[4][200];
        snprintf(buf[0], sizeof buf[0], "%s", "");
        snprintf(buf[1], sizeof buf[1], "  Policy gradient: REINFORCE, NPG, N-PG-IGT, HNPG, PROPS on %s.",
                 setups[setup].title);
        snprintf(buf[2], sizeof buf[2], "%s", "");
        snprintf(buf[3], sizeof buf[3], "  Press Enter to train (%d episodes x %d seeds, about a "
                 "second); e: next environment.", TR_EPISODES, TR_RUNS);
        for (int i = 0; i < 4; i++)
            intro[i] = buf[i];
        tui_draw_text(t, w, intro, 4, rows, cols);
        return;
    }
    tui_live_chart_fit(&t->train_chart, rows, cols, &lines, &n_lines);
    tui_draw_text(t, w, lines, n_lines, rows, cols);
}

static int train_key(struct tui *t, int ch)
{
    if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
        tui_message(t, 0, "training...");
        train_run(t);
        tui_message(t, 0, "done");
        return 1;
    }
    if (ch == 'e') {
        setup = (setup + 1) % (int)(sizeof setups / sizeof setups[0]);
        tui_lines_free(&lines, &n_lines);
        tui_live_chart_clear(&t->train_chart);
        tui_message(t, 0, "environment: %s (Enter to train)", setups[setup].title);
        return 1;
    }
    return 0;
}

const struct tui_view tui_view_train = {
    "Train", "Enter  train every algorithm\ne      next environment", NULL,
    train_draw, train_key, NULL,
    "policy gradient (REINFORCE, NPG, N-PG-IGT, HNPG, PROPS) with exact\n"
    "learning curves; Enter trains, e: next environment",
    "ope train --compare --env riverswim", 0
};
