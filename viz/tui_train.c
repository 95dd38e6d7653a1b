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

/* The runs of one training: filled on the job's worker, read by the UI thread once the
 * job is joined. */
struct tui_train_res {
    int env;                    /* index in setups */
    struct pg_result res[8];
    size_t n;
    double vstar;
};

static void res_free(struct tui_train_res *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        pg_result_release(&r->res[i]);
    free(r);
}

/* Every algorithm of the registry (HNPG also with the offline episodes) on the setup,
 * on the worker (pg_run_many's numbers do not depend on its threads); the
 * meter reports iterations done and stops the runs at a cancel. */
static int train_work(void *ctx, struct ope_progress *progress, struct ope_error *err)
{
    struct tui_train_res *r = ctx;
    int su = r->env;
    struct mdp *m = env_build_named(setups[su].env, setups[su].kv, setups[su].n_kv, 0, 1.0,
                                    err);
    struct tlog *off = m && setups[su].offline ? offline_data(m, err) : NULL;
    struct pg_policy pol;
    int have_pol = m && pg_policy_init(&pol, PG_TABULAR, m->n_states, m->n_actions, 0, err) == 0;
    r->vstar = m ? mdp_optimal_finite(m, NULL, NULL, err) : NAN;
    int rc = -1;
    if (!m || !have_pol || (setups[su].offline && !off) || isnan(r->vstar)) {
        if (!err->status)
            ope_fail(err, OPE_ESOFTWARE, "out of memory");
        goto out;
    }
    struct pg_params ps[8];
    const struct pg_algo *al[8];
    size_t n = 0;
    struct pg_meter meter = { progress, "train", 0, 0 };
    for (size_t i = 0; pg_registry[i] && n < 8; i++) {
        int variants = pg_registry[i] == &pg_hnpg && off ? 2 : 1;
        for (int v = 0; v < variants && n < 8; v++, n++) {
            pg_params_init(&ps[n]);
            ps[n].offline = v ? off : NULL;
            int b = pg_batch_size(pg_registry[i], &ps[n]);
            ps[n].iterations = (TR_EPISODES + b - 1) / b;
            al[n] = pg_registry[i];
            meter.total += ps[n].iterations * TR_RUNS;
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct pg_problem pb = { m, &pol, &ps[i], &meter };
        meter.label = al[i]->name;
        if (pg_run_many(&pb, al[i], 1, TR_RUNS, 0, &r->res[i], err) != 0)
            goto out;
        r->n = i + 1;
        if (ps[i].offline)
            snprintf(r->res[i].label, sizeof r->res[i].label, "hnpg+offline");
    }
    rc = 0;
out:
    if (have_pol)
        pg_policy_release(&pol);
    tlog_free(off);
    mdp_free(m);
    return rc;
}

/* The table and chart of the last finished training. */
static void train_lines_of(struct tui *t)
{
    const struct tui_train_res *r = t->train_res;
    int su = r->env;
    tui_lines_free(&lines, &n_lines);
    tui_live_chart_clear(&t->train_chart);
    tui_linef(&lines, &n_lines, "# Policy gradient on %s: %d episodes x %d seeds, from uniform",
              setups[su].title, TR_EPISODES, TR_RUNS);
    tui_linef(&lines, &n_lines, "  V* = %.4g (backward induction); values are exact (DP)", r->vstar);
    tui_linef(&lines, &n_lines, "  %-14s %12s %10s %9s", "algorithm", "final value", "sd", "% of V*");
    for (size_t i = 0; i < r->n; i++) {
        double mean, sd, smp;
        pg_result_final(&r->res[i], &mean, &sd, &smp);
        tui_linef(&lines, &n_lines, "  %-14s %12.4g %10.3g %8.1f%%", r->res[i].label, mean, sd,
                  100.0 * mean / r->vstar);
    }
    tui_linef(&lines, &n_lines, "  e: next environment; Enter: run again. `ope train --compare "
              "--env %s` runs the full budget.", setups[su].env);
    add_chart(t, r->res, r->n, 12, t->pane_rows, t->pane_cols);
}

static void train_done(struct tui *t, void *ctx, int rc, const struct ope_error *err)
{
    if (rc != 0) {
        res_free(ctx);
        if (err->status == OPE_EINTERRUPTED)
            tui_message(t, 0, "training cancelled; the previous result stays");
        else
            tui_message(t, 1, "cannot run: %s", err->msg);
        return;
    }
    res_free(t->train_res);
    t->train_res = ctx;
    /* the lines are made by the next draw: done also runs at exit */
    tui_lines_free(&lines, &n_lines);
    tui_live_chart_clear(&t->train_chart);
    tui_message(t, 0, "done");
}

static const struct tui_job_class train_job = { "train", train_work, train_done };

void tui_train_free(struct tui *t)
{
    res_free(t->train_res);
    t->train_res = NULL;
}

static void train_draw(struct tui *t, WINDOW *w, int rows, int cols)
{
    if (!t->train_res || t->train_res->env != setup) {
        /* as text lines, so that they are clipped at the pane's edge, never wrapped */
        char *intro[4];
        char buf[4][200];
        snprintf(buf[0], sizeof buf[0], "%s", "");
        snprintf(buf[1], sizeof buf[1], "  Policy gradient: REINFORCE, NPG, N-PG-IGT, HNPG, PROPS on %s.",
                 setups[setup].title);
        snprintf(buf[2], sizeof buf[2], "%s", "");
        snprintf(buf[3], sizeof buf[3], "  Press Enter to train (%d episodes x %d seeds; c "
                 "cancels); e: next environment.", TR_EPISODES, TR_RUNS);
        for (int i = 0; i < 4; i++)
            intro[i] = buf[i];
        tui_draw_text(t, w, intro, 4, rows, cols);
        return;
    }
    if (!lines)
        train_lines_of(t);
    tui_live_chart_fit(&t->train_chart, rows, cols, &lines, &n_lines);
    tui_draw_text(t, w, lines, n_lines, rows, cols);
}

static int train_key(struct tui *t, int ch)
{
    if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
        struct tui_train_res *r = calloc(1, sizeof *r);
        struct ope_error err = { 0 };
        if (!r) {
            tui_message(t, 1, "out of memory");
            return 1;
        }
        r->env = setup;
        if (tui_job_start(&t->job, &train_job, r, &err) != 0) {
            free(r);
            tui_message(t, 1, "%s", err.msg);
        }
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
