/* viz/tui_learn.c: the Learn view, a teaching mode. Pick an estimator (< and >; the
 * list and each card come from the registry's descriptors) to read what it computes,
 * its assumptions and how it fails; then run a live experiment on
 * generated data (Enter; m switches the experiment): errors as n grows, a behaviour
 * policy that rarely takes the actions the evaluation policy likes, and what clipping
 * buys (on poor overlap); a trajectory estimator, tis, pdis and wdr on RiverSwim as
 * the horizon grows. Each experiment draws R independent logs per setting from the synthetic
 * generator and charts the mean error with a +-1 sd band, so bias and variance are
 * both visible. The reward model is a fixed, deliberately wrong q̂ = 0.8 q + 0.1 (no
 * fitting, so the experiment is instant and DR's robustness shows). */
#include "config.h"
#include "viz/tui_extra.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/env.h"
#include "datasets/gen_bandit.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "datasets/sampler.h"
#include "datasets/tlog.h"
#include "estimators/ci.h"
#include "estimators/evaluate.h"
#include "estimators/evaluate_traj.h"
#include "viz/chart.h"
#include "viz/gp.h"

static const char *const experiments[] = {
    "errors as n grows (good overlap)",
    "poor overlap: the behaviour policy avoids what pi_e likes",
    "what clipping buys on poor overlap: ipw with clip = inf, 50, 10, 2",
    "trajectory weights as the horizon grows (RiverSwim, 200 episodes)",
};
enum { EXP_TRAJ = 3 };      /* the experiment of every trajectory estimator */
static const double horizons[] = { 2, 3, 5, 8, 12, 16, 20 };

static size_t learn_est;    /* index in the registry */
static int learn_exp;

size_t tui_learn_count(void)
{
    size_t n = 0;
    while (est_registry[n])
        n++;
    return n;
}

const struct est_desc *tui_learn_at(size_t k)
{
    return k < tui_learn_count() ? est_registry[k] : NULL;
}

/* One line of the list: the estimators of a kind, the chosen one in brackets. */
static void list_line(const struct est_desc *chosen, enum est_kind kind, char ***L, size_t *n)
{
    char buf[512];
    size_t len = (size_t)snprintf(buf, sizeof buf, "  %-11s",
                                  kind == EST_BANDIT ? "bandit:" : "trajectory:");
    for (size_t r = 0; est_registry[r] && len < sizeof buf; r++)
        if (est_registry[r]->kind == kind)
            len += (size_t)snprintf(buf + len, sizeof buf - len,
                                    est_registry[r] == chosen ? " [%s]" : " %s",
                                    est_registry[r]->name);
    tui_linef(L, n, "%s", buf);
}

/* The card of estimator k, its prose wrapped at width cells (0: one line each) under
 * its label ("  assumes:   ..." continues at column 13). */
static void card_lines(size_t k, int width, char ***L, size_t *n)
{
    const struct est_desc *d = tui_learn_at(k);
    if (!d)
        return;
    tui_linef(L, n, "# %s (%s)   < > other estimator   m experiment   Enter run", d->title,
              d->name);
    list_line(d, EST_BANDIT, L, n);
    list_line(d, EST_TRAJ, L, n);
    tui_linef_wrap(L, n, width, 13, "  computes:  %s", d->formula);
    if (d->card.assumes)
        tui_linef_wrap(L, n, width, 13, "  assumes:   %s", d->card.assumes);
    if (d->card.fails)
        tui_linef_wrap(L, n, width, 13, "  fails:     %s", d->card.fails);
    for (size_t p = 0; p < d->n_params; p++)
        tui_linef_wrap(L, n, width, 13, "  parameter: %s = %g (%s)", d->param[p].name,
                       d->param[p].def, d->param[p].help);
    tui_linef_wrap(L, n, width, 13, "  source:    %s", d->citation);
    tui_linef_wrap(L, n, width, 13, "  symbols:   %s", d->kind == EST_BANDIT ?
                   "w_i = pi_e(a_i|x_i) / pi_b(a_i|x_i), the importance weight of row i; "
                   "q̂(x, a) the reward model's prediction; qhat_pi(x) = sum_a pi_e(a|x) "
                   "q̂(x, a); r_i the reward, n the rows" :
                   "w_{i,t} the product of pi_e / pi_b over episode i's steps up to t; "
                   "Q̂, V̂ the value model's predictions; gamma the discount; n the episodes");
}

void tui_learn_card(size_t k, char ***L, size_t *n)
{
    card_lines(k, 0, L, n);
}

enum { REPS = 12, SIZES = 7, MAX_EST = 4 };

/* An experiment's numbers: what it was run for (estimator and experiment) and, per
 * estimator e and size k, the mean error and +-1 sd at [e * SIZES + k]. Filled on the
 * job's worker, read by the UI thread once the job is joined. */
struct tui_learn_res {
    size_t est;
    int exp;
    size_t ns;
    char labels[MAX_EST][96];
    double sizes[SIZES], mean[MAX_EST * SIZES], lo[MAX_EST * SIZES], hi[MAX_EST * SIZES];
};

/* Mean error and +-1 sd over the repetitions, per estimator and size. */
static void summarise(struct tui_learn_res *res, double err_v[][SIZES][REPS])
{
    for (size_t e = 0; e < res->ns; e++)
        for (int k = 0; k < SIZES; k++) {
            struct ci_stats st;
            ci_stats_of(err_v[e][k], REPS, &st);
            res->mean[e * SIZES + (size_t)k] = st.mean;
            res->lo[e * SIZES + (size_t)k] = st.mean - st.sd;
            res->hi[e * SIZES + (size_t)k] = st.mean + st.sd;
        }
}

/* One trajectory log of RiverSwim with horizon H: 200 episodes of the behaviour
 * mix:0.5 (half optimal, half uniform) with the evaluation policy mix:0.9 attached;
 * *truth gets the evaluation policy's exact value (dynamic programming). */
/* The estimators an experiment compares, from a comma list: at most MAX_EST, their
 * labels into res. 0, or -1 with err. */
static int experiment_specs(const char *list, enum est_kind kind, struct tui_learn_res *res,
                            struct est_spec **spec, size_t *n_spec, struct ope_error *err)
{
    if (est_spec_list(list, kind, spec, n_spec, err) != 0)
        return -1;
    if (*n_spec > MAX_EST)
        *n_spec = MAX_EST;
    res->ns = *n_spec;
    for (size_t e = 0; e < *n_spec; e++)
        snprintf(res->labels[e], sizeof res->labels[e], "%s", (*spec)[e].label);
    return 0;
}

static struct tlog *traj_log(int H, uint64_t seed, double *truth, struct ope_error *err)
{
    struct mdp *m = env_build_named("riverswim", NULL, 0, H, 1.0, err);
    struct policy *b = m ? policy_from_spec(m, "mix:0.5", NULL, err) : NULL;
    struct policy *pe = b ? policy_from_spec(m, "mix:0.9", NULL, err) : NULL;
    struct sampler *smp = pe ? sampler_new(m, b, err) : NULL;
    struct tlog *t = NULL;
    if (smp) {
        *truth = mdp_eval_finite(m, pe->p, NULL, NULL, err);
        const struct policy *cand[1] = { pe };
        const char *names[1] = { "mix0.9" };
        if (!isnan(*truth))
            t = sampler_run(smp, 200, seed, cand, names, 1, 1, NULL, err);
    }
    sampler_free(smp);
    policy_free(pe);
    policy_free(b);
    mdp_free(m);
    return t;
}

/* The errors of tis, pdis, wdr (and the chosen estimator) against the horizon: the
 * product of weights over a longer episode has a larger variance, which per-decision
 * weights and a value model temper. */
static int traj_errors(struct tui_learn_res *res, const struct est_desc *chosen,
                       double err_v[][SIZES][REPS], struct ope_progress *progress,
                       struct ope_error *err)
{
    char list[256];
    if (strcmp(chosen->name, "tis") == 0 || strcmp(chosen->name, "pdis") == 0 ||
        strcmp(chosen->name, "wdr") == 0)
        snprintf(list, sizeof list, "tis,pdis,wdr");
    else
        snprintf(list, sizeof list, "tis,pdis,wdr,%s", chosen->name);
    struct est_spec *spec = NULL;
    size_t n_spec = 0;
    if (experiment_specs(list, EST_TRAJ, res, &spec, &n_spec, err) != 0)
        return -1;
    for (int k = 0; k < SIZES; k++) {
        res->sizes[k] = horizons[k];
        for (int rep = 0; rep < REPS; rep++) {
            if (ope_progress_cancelled(progress)) {
                free(spec);
                return ope_fail(err, OPE_EINTERRUPTED, "cancelled");
            }
            double truth = NAN;
            struct tlog *t = traj_log((int)horizons[k], 2000 + (uint64_t)rep * 131 + (uint64_t)k,
                                      &truth, err);
            if (!t) {
                free(spec);
                return -1;
            }
            struct eval_opts o;
            eval_opts_init(&o);
            o.spec = spec;
            o.n_spec = n_spec;
            o.ci = CI_NONE;
            o.threads = 1;
            struct res_eval *r = eval_traj(t, &o, err);
            for (size_t e = 0; e < n_spec; e++)
                err_v[e][k][rep] = r ? r->pol[0].est[e].value - truth : NAN;
            res_eval_free(r);
            tlog_free(t);
            ope_progress_report(progress, (double)(k * REPS + rep + 1) / (SIZES * REPS),
                                "learn: experiment");
        }
    }
    free(spec);
    return 0;
}

/* Run experiment r->exp for estimator r->est on the worker: REPS generated logs per
 * size, each with its own seed, evaluated on one thread, so the numbers never depend
 * on threads; progress after each log, and a cancel stops between logs. */
static int experiment(void *ctx, struct ope_progress *progress, struct ope_error *err)
{
    struct tui_learn_res *res = ctx;
    const struct est_desc *chosen = tui_learn_at(res->est);
    double err_v[MAX_EST][SIZES][REPS];
    if (res->exp == EXP_TRAJ) {
        if (traj_errors(res, chosen, err_v, progress, err) != 0)
            return -1;
        summarise(res, err_v);
        return 0;
    }
    char list[256];
    if (res->exp == 2)
        snprintf(list, sizeof list, "ipw,ipw:clip=50,ipw:clip=10,ipw:clip=2");
    else if (strcmp(chosen->name, "ipw") == 0 || strcmp(chosen->name, "snipw") == 0 ||
             strcmp(chosen->name, "dr") == 0)
        snprintf(list, sizeof list, "ipw,snipw,dr");
    else
        snprintf(list, sizeof list, "ipw,snipw,dr,%s", chosen->name);
    struct est_spec *spec = NULL;
    size_t n_spec = 0;
    if (experiment_specs(list, EST_BANDIT, res, &spec, &n_spec, err) != 0)
        return -1;
    for (int k = 0; k < SIZES; k++) {
        res->sizes[k] = 100.0 * (1 << k);
        for (int rep = 0; rep < REPS; rep++) {
            if (ope_progress_cancelled(progress)) {
                free(spec);
                return ope_fail(err, OPE_EINTERRUPTED, "cancelled");
            }
            struct gen_bandit_opts g;
            gen_bandit_opts_init(&g);
            g.rows = (size_t)res->sizes[k];
            g.seed = 1000 + (uint64_t)rep * 131 + (uint64_t)k;
            g.policies = "greedy";
            /* -3: the logger prefers bad actions. Clipping is shown on such data too:
             * with good overlap no weight reaches 2, and clipping changes nothing. */
            g.beta = res->exp >= 1 ? -3.0 : 1.0;
            struct blog *b = gen_bandit(&g, err);
            if (!b) {
                free(spec);
                return -1;
            }
            b->qhat = blog_matrix_new(b->n_actions, b->n, err);
            for (int a = 0; b->qhat && a < b->n_actions; a++)
                for (size_t i = 0; i < b->n; i++)
                    b->qhat[a][i] = 0.8 * b->q[a][i] + 0.1;
            struct eval_opts o;
            eval_opts_init(&o);
            o.spec = spec;
            o.n_spec = n_spec;
            o.ci = CI_NONE;
            o.threads = 1;
            struct res_eval *r = b->qhat ? eval_bandit(b, &o, err) : NULL;
            for (size_t e = 0; e < n_spec; e++)
                err_v[e][k][rep] = r ? r->pol[0].est[e].value - r->pol[0].truth : NAN;
            res_eval_free(r);
            blog_free(b);
            ope_progress_report(progress, (double)(k * REPS + rep + 1) / (SIZES * REPS),
                                "learn: experiment");
        }
    }
    summarise(res, err_v);
    free(spec);
    return 0;
}

/* Root-mean-square error of estimator e at size k: sqrt(bias^2 + sd^2). */
static double rmse_at(const struct tui_learn_res *r, size_t e, int k)
{
    double m = r->mean[e * SIZES + (size_t)k];
    double sd = (r->hi[e * SIZES + (size_t)k] - r->lo[e * SIZES + (size_t)k]) / 2;
    return sqrt(m * m + sd * sd);
}

/* One sentence of what the numbers of r show, computed from them. */
static void takeaway(const struct tui_learn_res *r, int width, char ***L, size_t *n)
{
    if (r->exp == EXP_TRAJ && r->ns >= 3) {
        int a = 0, b = SIZES - 1;
        double sd[3][2];
        for (int e = 0; e < 3; e++)
            for (int j = 0; j < 2; j++) {
                int k = j ? b : a;
                sd[e][j] = (r->hi[(size_t)e * SIZES + (size_t)k] - r->lo[(size_t)e * SIZES + (size_t)k]) / 2;
            }
        tui_linef_wrap(L, n, width, 2, "  Takeaway: from H = %.0f to %.0f the sd of tis goes "
                       "from %.4f to %.4f, that of pdis from %.4f to %.4f and that of wdr from "
                       "%.4f to %.4f: weighting each reward by the product up to its own step "
                       "(pdis), and a value model as a control variate (wdr), keep long "
                       "horizons usable.", r->sizes[a], r->sizes[b], sd[0][0], sd[0][1], sd[1][0],
                       sd[1][1], sd[2][0], sd[2][1]);
        return;
    }
    if (r->exp == 2 && r->ns == 4) {
        /* n = 400: small enough for the huge weights to matter */
        int k = 2;
        double sd0 = (r->hi[k] - r->lo[k]) / 2;
        double sd3 = (r->hi[3 * SIZES + (size_t)k] - r->lo[3 * SIZES + (size_t)k]) / 2;
        tui_linef_wrap(L, n, width, 2, "  Takeaway: at n = %.0f, clipping the weights at 2 "
                       "moves the sd from %.4f to %.4f and the mean error from %+.4f to %+.4f "
                       "(root-mean-square error %.4f -> %.4f): clipping trades variance for "
                       "bias.", r->sizes[k], sd0, sd3, r->mean[k], r->mean[3 * SIZES + (size_t)k],
                       rmse_at(r, 0, k), rmse_at(r, 3, k));
        return;
    }
    int last = SIZES - 1;
    size_t best = 0, worst = 0;
    for (size_t e = 1; e < r->ns; e++) {
        if (rmse_at(r, e, last) < rmse_at(r, best, last))
            best = e;
        if (rmse_at(r, e, last) > rmse_at(r, worst, last))
            worst = e;
    }
    double sd_first = (r->hi[0] - r->lo[0]) / 2;
    double sd_last = (r->hi[(size_t)last] - r->lo[(size_t)last]) / 2;
    tui_linef_wrap(L, n, width, 2, "  Takeaway: at n = %.0f %s has the smallest root-mean-square "
                   "error (%.4f) and %s the largest (%.4f); from n = %.0f to %.0f the sd of %s "
                   "falls %.1f-fold (a 1/sqrt(n) rate gives %.0f).", r->sizes[last],
                   r->labels[best], rmse_at(r, best, last), r->labels[worst],
                   rmse_at(r, worst, last), r->sizes[0], r->sizes[last], r->labels[0],
                   sd_last > 0 ? sd_first / sd_last : NAN, sqrt(r->sizes[last] / r->sizes[0]));
}

/* The experiment's table and chart, from the numbers of r. */
static void result_lines(struct tui *t, const struct tui_learn_res *r, char ***L, size_t *n)
{
    const char *names[MAX_EST];
    for (size_t e = 0; e < r->ns; e++)
        names[e] = r->labels[e];
    /* 17 columns per estimator: four of them fit 80 columns */
    tui_linef(L, n, "  mean error (estimate - truth) and (its sd) over %d logs:", REPS);
    char head[256] = "";
    size_t hl = (size_t)snprintf(head, sizeof head, "  %6s", r->exp == EXP_TRAJ ? "H" : "n");
    for (size_t e = 0; e < r->ns && hl < sizeof head; e++)
        hl += (size_t)snprintf(head + hl, sizeof head - hl, " %16s", names[e]);
    tui_linef(L, n, "%s", head);
    for (int k = 0; k < SIZES; k++) {
        char row[256];
        size_t rl = (size_t)snprintf(row, sizeof row, "  %6.0f", r->sizes[k]);
        for (size_t e = 0; e < r->ns && rl < sizeof row; e++)
            rl += (size_t)snprintf(row + rl, sizeof row - rl, " %+7.4f (%6.4f)",
                                   r->mean[e * SIZES + (size_t)k],
                                   (r->hi[e * SIZES + (size_t)k] - r->lo[e * SIZES + (size_t)k]) / 2);
        tui_linef(L, n, "%s", row);
    }
    takeaway(r, t->pane_cols, L, n);
    struct strbuf sb = STRBUF_INIT;
    char title[160];
    snprintf(title, sizeof title, "%s: error vs %s (band: +-1 sd over %d logs)",
             experiments[r->exp], r->exp == EXP_TRAJ ? "H" : "n", REPS);
    struct chart_series cs[MAX_EST];
    for (size_t e = 0; e < r->ns; e++) {
        cs[e].name = names[e];
        cs[e].n = SIZES;
        cs[e].x = r->sizes;
        cs[e].y = r->mean + e * SIZES;
        cs[e].lo = r->lo + e * SIZES;
        cs[e].hi = r->hi + e * SIZES;
    }
    struct chart_text ct = { title, r->exp == EXP_TRAJ ? "horizon H, log scale" :
                             "sample size n, log scale", "error", 1 };
    chart_vs_n(cs, r->ns, 0.0, &ct, &sb);
    if (!strbuf_failed(&sb))
        tui_live_chart_set(&t->learn_chart, strbuf_str(&sb), (int)*n + 1, 14, 2, t->pane_rows,
                           t->pane_cols, L, n);
    strbuf_release(&sb);
}

/* The experiment for the estimator shown: m picks among the bandit ones; every
 * trajectory estimator has the horizon experiment. */
static int current_exp(void)
{
    const struct est_desc *d = tui_learn_at(learn_est);
    return d && d->kind != EST_BANDIT ? EXP_TRAJ : learn_exp;
}

static void learn_rebuild(struct tui *t)
{
    tui_lines_free(&t->learn_lines, &t->n_learn_lines);
    tui_live_chart_clear(&t->learn_chart);
    char ***L = &t->learn_lines;
    size_t *n = &t->n_learn_lines;
    if (learn_est >= tui_learn_count())
        learn_est = 0;
    t->learn_cols = t->pane_cols;
    card_lines(learn_est, t->pane_cols, L, n);
    int exp = current_exp();
    tui_linef(L, n, "%s", "");
    tui_linef(L, n, "# Experiment: %s", experiments[exp]);
    /* The last finished run shows while it is the one picked (a cancelled re-run
     * keeps it). */
    const struct tui_learn_res *r = t->learn_res;
    if (!r || r->est != learn_est || r->exp != exp) {
        if (exp == EXP_TRAJ)
            tui_linef(L, n, "  Press Enter to run it: %d generated logs per horizon, H = 2 to 20.",
                      REPS);
        else
            tui_linef(L, n, "  Press Enter to run it: %d generated logs per size, n = 100 to 6400.",
                      REPS);
        return;
    }
    result_lines(t, r, L, n);
}

static void learn_done(struct tui *t, void *ctx, int rc, const struct ope_error *err)
{
    if (rc != 0) {
        free(ctx);
        if (err->status == OPE_EINTERRUPTED)
            tui_message(t, 0, "experiment cancelled; the previous result stays");
        else
            tui_message(t, 1, "the experiment failed: %s", err->msg);
        return;
    }
    free(t->learn_res);
    t->learn_res = ctx;
    /* lines are rebuilt by the next draw, not here: done also runs at exit */
    tui_lines_free(&t->learn_lines, &t->n_learn_lines);
    tui_live_chart_clear(&t->learn_chart);
    tui_message(t, 0, "done: < > picks another estimator, m another experiment");
}

static const struct tui_job_class learn_job = { "learn", experiment, learn_done };

void tui_learn_free(struct tui *t)
{
    free(t->learn_res);
    t->learn_res = NULL;
}

static void learn_draw(struct tui *t, WINDOW *w, int rows, int cols)
{
    if (!t->learn_lines || cols != t->learn_cols)
        learn_rebuild(t);     /* the prose is wrapped again at the new width */
    tui_live_chart_fit(&t->learn_chart, rows, cols, &t->learn_lines, &t->n_learn_lines);
    tui_draw_text(t, w, t->learn_lines, t->n_learn_lines, rows, cols);
}

static int learn_key(struct tui *t, int ch)
{
    size_t nb = tui_learn_count();
    switch (ch) {
    case '\n': case '\r': case KEY_ENTER: {
        struct tui_learn_res *r = calloc(1, sizeof *r);
        struct ope_error err = { 0 };
        if (!r) {
            tui_message(t, 1, "out of memory");
            return 1;
        }
        r->est = learn_est;
        r->exp = current_exp();
        if (tui_job_start(&t->job, &learn_job, r, &err) != 0) {
            free(r);
            tui_message(t, 1, "%s", err.msg);
        }
        return 1;
    }
    case '>': case KEY_RIGHT: case 'l':
        learn_est = (learn_est + 1) % nb;
        break;
    case '<': case KEY_LEFT: case 'h':
        learn_est = (learn_est + nb - 1) % nb;
        break;
    case 'm':
        learn_exp = (learn_exp + 1) % 3;
        break;
    default:
        return 0;
    }
    learn_rebuild(t);
    return 1;
}

static void learn_reset(struct tui *t)
{
    tui_lines_free(&t->learn_lines, &t->n_learn_lines);
    tui_live_chart_clear(&t->learn_chart);
}

const struct tui_view tui_view_learn = {
    "Learn", "< >    pick an estimator\nm      next experiment\nEnter  run it", learn_reset,
    learn_draw, learn_key, NULL,
    "teaching mode: pick an estimator (< >) to read its formula,\n"
    "assumptions and failure modes; Enter runs a live experiment on\n"
    "generated data (m: errors as n grows / poor overlap / clipping; trajectory:\n"
    "the horizon)",
    NULL, 0
};
