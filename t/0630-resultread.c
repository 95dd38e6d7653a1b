/* t/0630-resultread.c: the readers of saved results (ope/app/resultread.h) and the
 * chart builders that take results. For each kind (exploration runs, training
 * curves, selection top-k curves): a result computed in memory, written with the
 * command's own writer, reads back field for field, and its chart from memory is
 * the same gnuplot script as its chart from the saved file; small hand-made files
 * give the chart data derived by hand; bad files give the errors they should. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/env.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "estimators/ops.h"
#include "estimators/result.h"
#include "ope/app/resultread.h"
#include "ope/app/select_render.h"
#include "ope/base/strbuf.h"
#include "ope/learn/explore/record.h"
#include "ope/learn/explore/run.h"
#include "ope/learn/pg/pg.h"
#include "t/tap.h"
#include "viz/chart_explore.h"
#include "viz/chart_select.h"
#include "viz/chart_train.h"

static char dir[] = "/tmp/ope-0630-XXXXXX";

/* dir/name, written with text; the path in a static buffer of the caller's choice. */
static const char *put(char *path, size_t size, const char *name, const char *text, size_t len)
{
    snprintf(path, size, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
        bail_out("cannot write %s", path);
    return path;
}

/* Two doubles are the same number (NaN equals NaN, infinities by sign). */
static int same(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

/* ---- exploration runs ------------------------------------------------------------- */

enum { XK = 60, XR = 2 };

static void explore_roundtrip(const struct mdp *m, const struct policy *pb)
{
    struct ope_error err = { 0 };
    size_t na = 0;
    while (xpl_registry[na])
        na++;
    struct xpl_record *rec = calloc(na * XR * XK, sizeof *rec);
    const char *names[16];
    double w[64];
    if (!rec || na > 16 || m->n_states > 32)
        bail_out("setup");
    struct xpl_config cfg = { m, XK, 0.1, 0.05,
                              { XPL_BERNSTEIN, 0.1,
                                xpl_log_term(m->n_states, m->n_actions, m->horizon, XK, 0.05),
                                0.0 },
                              pb->p, xpl_eval_true(m, m->horizon, 0.0, NULL, pb->p, w),
                              mdp_optimal_finite(m, NULL, NULL, &err), 1e-4 };
    if (xpl_run_many(&cfg, xpl_registry, na, 11, XR, 2, rec, NULL, &err) != 0)
        bail_out("xpl_run_many: %s", err.msg);
    for (size_t a = 0; a < na; a++)
        names[a] = xpl_registry[a]->name;
    for (int offline = 0; offline < 2; offline++) {
        /* As `ope explore` holds its runs (cmd_explore.c: runs_view); the offline
         * values are made up: only their round trip is checked. */
        struct xpl_runs x = { na, XR, XK, names, 11, (1 - cfg.alpha) * cfg.Vb, offline,
                              offline ? 0.25 : NAN, offline ? 1.5 : NAN,
                              offline ? 1.35 : NAN, rec };
        struct strbuf sb = STRBUF_INIT;
        xpl_runs_csv_header(&x, &sb);
        for (size_t a = 0; a < na; a++)
            for (long r = 0; r < XR; r++)
                for (long k = 0; k < XK; k++)
                    xpl_runs_csv_row(&x, a, r, k, &sb);
        char path[256];
        put(path, sizeof path, "run.csv", strbuf_str(&sb), sb.len);
        strbuf_release(&sb);
        struct xpl_runs y;
        if (rr_load_explore(path, &y, &err) != 0) {
            ok(0, "explore%s: the record reads back: %s", offline ? " (offline)" : "", err.msg);
            continue;
        }
        ok(y.n_algs == na && y.R == XR && y.K == XK, "explore%s: %zu algorithms x %ld runs x "
           "%ld episodes", offline ? " (offline)" : "", y.n_algs, y.R, y.K);
        int names_ok = 1;
        for (size_t a = 0; a < na && a < y.n_algs; a++)
            names_ok &= strcmp(y.name[a], names[a]) == 0;
        ok(names_ok, "explore: the algorithms' names, in order");
        ok(y.seed == 11 && y.threshold == x.threshold, "explore: seed %llu and threshold %.17g",
           (unsigned long long)y.seed, y.threshold);
        ok(y.offline == offline && same(y.vb_learned, x.vb_learned) &&
           same(y.vb_exact, x.vb_exact) && same(y.threshold_exact, x.threshold_exact),
           "explore: offline %d and its baseline values", y.offline);
        size_t bad = 0, bad_mix = 0;
        for (size_t i = 0; y.rec && i < na * XR * XK && y.n_algs == na; i++) {
            const struct xpl_record *p = &rec[i], *q = &y.rec[i];
            bad += !(same(p->value, q->value) && same(p->value_real, q->value_real) &&
                     same(p->lower, q->lower) && same(p->regret, q->regret) &&
                     p->optimistic == q->optimistic && p->violated == q->violated &&
                     p->violated_real == q->violated_real &&
                     p->violated_exact == q->violated_exact);
            /* mix is written with 10 significant digits (formats of `ope explore`) */
            bad_mix += !(fabs(p->mix - q->mix) <= 1e-9 * fmax(1.0, fabs(p->mix)));
        }
        is_int((long long)bad, 0, "explore: every record's values, bounds and flags read back "
               "exactly");
        is_int((long long)bad_mix, 0, "explore: mix to its 10 written digits");
        for (int view = 0; view < 2; view++)
            for (int dumb = 0; dumb < 2; dumb++) {
                struct chart_text t = { NULL, NULL, NULL, dumb };
                struct strbuf s1 = STRBUF_INIT, s2 = STRBUF_INIT;
                int rc = chart_explore(&x, view, &t, &s1, &err) |
                         chart_explore(&y, view, &t, &s2, &err);
                ok(rc == 0 && !strbuf_failed(&s1) && s1.len > 0 &&
                   strcmp(strbuf_str(&s1), strbuf_str(&s2)) == 0,
                   "explore%s: the %s chart (%s) from memory = from the saved file",
                   offline ? " (offline)" : "", view ? "value" : "regret",
                   dumb ? "text" : "file");
                strbuf_release(&s1);
                strbuf_release(&s2);
            }
        xpl_runs_release(&y);
    }
    free(rec);
}

/* By hand: algorithm a, runs 0 and 1, episodes 1 and 2, rows out of order.
 * regret: episode 1 = (1, 2) -> mean 1.5, band 1..2; episode 2 = (3, 5) -> 4, 3..5.
 * value: episode 1 = (1, 0.5) -> 0.75, 0.5..1; episode 2 = (2, 1) -> 1.5, 1..2; the
 * threshold 0.5 as a two-point line from episode 1 to 2. */
static void explore_by_hand(void)
{
    static const char text[] =
        "episode,run,algorithm,value,regret,threshold\n"
        "2,1,a,1,5,0.5\n1,0,a,1,1,0.5\n2,0,a,2,3,0.5\n1,1,a,0.5,2,0.5\n";
    char path[256];
    struct ope_error err = { 0 };
    struct xpl_runs x;
    put(path, sizeof path, "hand.csv", text, sizeof text - 1);
    if (rr_load_explore(path, &x, &err) != 0)
        bail_out("hand.csv: %s", err.msg);
    ok(x.seed == 0 && isnan(x.rec[0].lower) && x.rec[0].violated_exact == 0,
       "explore: missing columns read as 0 (seed, flags) or NaN (lower)");
    struct strbuf sb = STRBUF_INIT;
    chart_explore(&x, 0, NULL, &sb, &err);
    like(strbuf_str(&sb), "$s0 << EOD\n1 1.5 1 2\n2 4 3 5\nEOD\n",
         "explore by hand: regret means and min-max bands over runs");
    strbuf_reset(&sb);
    chart_explore(&x, 1, NULL, &sb, &err);
    like(strbuf_str(&sb), "$s0 << EOD\n1 0.75 0.5 1\n2 1.5 1 2\nEOD\n$s1 << EOD\n"
         "1 0.5 0.5 0.5\n2 0.5 0.5 0.5\nEOD\n", "explore by hand: values and the threshold line");
    strbuf_release(&sb);
    xpl_runs_release(&x);
}

/* ---- training curves -------------------------------------------------------------- */

static void curves_roundtrip(const struct mdp *m)
{
    struct ope_error err = { 0 };
    struct pg_policy pol;
    if (pg_policy_init(&pol, PG_TABULAR, m->n_states, m->n_actions, 0, &err) != 0)
        bail_out("pg_policy_init: %s", err.msg);
    const struct pg_algo *algs[2] = { &pg_reinforce, &pg_npg };
    struct pg_result res[2];
    for (int i = 0; i < 2; i++) {
        struct pg_params p;
        pg_params_init(&p);
        p.iterations = 7 + 5 * i;
        struct pg_problem pb = { m, &pol, &p, NULL };
        if (pg_run_many(&pb, algs[i], 3, 3, 2, &res[i], &err) != 0)
            bail_out("pg_run_many: %s", err.msg);
    }
    snprintf(res[1].label, sizeof res[1].label, "npg \"b\",c");   /* quoted in the CSV */
    struct strbuf sb = STRBUF_INIT;
    for (int i = 0; i < 2; i++)
        pg_curves_format(&res[i], i == 0, &sb);
    char path[256];
    put(path, sizeof path, "curves.csv", strbuf_str(&sb), sb.len);
    strbuf_release(&sb);
    struct pg_result *got;
    size_t n;
    if (rr_load_curves(path, &got, &n, &err) != 0)
        bail_out("rr_load_curves: %s", err.msg);
    is_int((long long)n, 2, "curves: one result per algorithm");
    for (size_t i = 0; i < n && i < 2; i++) {
        const struct pg_result *p = &res[i], *q = &got[i];
        ok(strcmp(p->label, q->label) == 0 && q->algo == pg_find(q->label) &&
           q->n_runs == p->n_runs && q->n_iter == p->n_iter,
           "curves: %s: label, algorithm, %d runs x %ld iterations", q->label, q->n_runs,
           q->n_iter);
        size_t K = (size_t)p->n_iter + 1, bad = 0;
        for (size_t j = 0; q->n_runs == p->n_runs && q->n_iter == p->n_iter &&
                           j < (size_t)p->n_runs * K; j++) {
            const struct pg_record *a = &p->rec[j], *b = &q->rec[j];
            /* row 0 (the initial policy) has no gradient: an empty cell */
            double g = j % K == 0 ? NAN : a->grad_norm;
            bad += !(same(a->value, b->value) && same(a->samples, b->samples) &&
                     same(g, b->grad_norm) && isnan(b->aux[0]) && isnan(b->aux[1]));
        }
        is_int((long long)bad, 0, "curves: %s: every record reads back exactly", q->label);
    }
    for (int dumb = 0; dumb < 2; dumb++) {
        struct chart_text t = { NULL, NULL, NULL, dumb };
        struct strbuf s1 = STRBUF_INIT, s2 = STRBUF_INIT;
        int rc = chart_train(res, 2, &t, &s1, &err) | chart_train(got, n, &t, &s2, &err);
        ok(rc == 0 && s1.len > 0 && strcmp(strbuf_str(&s1), strbuf_str(&s2)) == 0,
           "curves: the chart (%s) from memory = from the saved file", dumb ? "text" : "file");
        strbuf_release(&s1);
        strbuf_release(&s2);
    }
    rr_curves_free(got, n);
    for (int i = 0; i < 2; i++)
        pg_result_release(&res[i]);
    pg_policy_release(&pol);
}

/* By hand: runs 1 and 0 of a, iterations 0 and 1. Iteration 0: values (0.5, 1) ->
 * mean 0.75, band 0.5..1, no steps yet (x = 0); iteration 1: values (4, 2) -> 3,
 * 2..4, steps (30, 10) -> x = 20. Some run sampled, so x is the steps. */
static void curves_by_hand(void)
{
    static const char text[] =
        "algorithm,run,iteration,true_value,grad_norm,samples\n"
        "a,1,0,0.5,,0\na,0,0,1,,0\na,0,1,2,0.1,10\n\na,1,1,4,0.2,30\n";
    char path[256];
    struct ope_error err = { 0 };
    struct pg_result *res;
    size_t n;
    put(path, sizeof path, "hand-curves.csv", text, sizeof text - 1);
    if (rr_load_curves(path, &res, &n, &err) != 0)
        bail_out("hand-curves.csv: %s", err.msg);
    struct strbuf sb = STRBUF_INIT;
    chart_train(res, n, NULL, &sb, &err);
    like(strbuf_str(&sb), "$s0 << EOD\n0 0.75 0.5 1\n20 3 2 4\nEOD\n",
         "curves by hand: mean steps, mean value and min-max band per iteration");
    like(strbuf_str(&sb), "environment steps sampled", "curves by hand: x is the steps");
    strbuf_release(&sb);
    rr_curves_free(res, n);
}

/* ---- selection top-k curves ------------------------------------------------------- */

/* Five candidates, three estimators. Truth (1, 1, 0.5, 0.2, 0.1) and J = 0.3: an
 * estimator that ranks candidates 0 and 1 first has std@2 = 0 and best@2 - J > 0,
 * so SharpeRatio@2 = +inf (written "inf"). */
static void select_roundtrip(void)
{
    static const double truth[5] = { 1, 1, 0.5, 0.2, 0.1 };
    static const double est[3][5] = { { 0.9, 0.8, 0.3, 0.2, 0.1 },
                                      { 0.1, 0.5, 0.9, 0.3, 0.2 },
                                      { 0.4, 0.3, 0.5, 0.9, 0.6 } };
    static const char *const labels[3] = { "ipw", "dr \"x\",y", "snipw:clip=10" };
    struct ope_error err = { 0 };
    struct res_eval *r = res_eval_new(5, 3);
    if (!r)
        bail_out("res_eval_new");
    for (size_t p = 0; p < 5; p++) {
        char name[16];
        snprintf(name, sizeof name, "pi%zu", p);
        r->pol[p].name = strdup(name);
        for (size_t e = 0; e < 3; e++) {
            r->pol[p].est[e].label = strdup(labels[e]);
            r->pol[p].est[e].estimator = strdup("x");
            r->pol[p].est[e].value = est[e][p];
        }
    }
    struct ops_opts o;
    ops_opts_init(&o);
    struct ops_result ops[3];
    memset(ops, 0, sizeof ops);
    if (ops_score_eval(r, truth, 0.3, &o, ops, &err) != 0)
        bail_out("ops_score_eval: %s", err.msg);
    ok(isinf(ops[0].topk[1].sharpe), "select: the first estimator has SharpeRatio@2 = inf");
    struct selection s = { r, truth, 0.3, 0.27, 3, ops, 0 };
    struct strbuf sb = STRBUF_INIT;
    select_csv(&s, &sb);
    char path[256];
    put(path, sizeof path, "sel.csv", strbuf_str(&sb), sb.len);
    strbuf_release(&sb);
    struct ops_curves got;
    if (rr_load_select(path, &got, &err) != 0)
        bail_out("rr_load_select: %s", err.msg);
    ok(got.n == 3 && got.M == 5, "select: 3 estimators x 5 values of k");
    size_t bad = 0;
    for (size_t e = 0; e < got.n && e < 3; e++) {
        bad += strcmp(got.curve[e].label, labels[e]) != 0;
        for (size_t k = 0; k < 5 && got.M == 5; k++) {
            const struct ops_topk *a = &ops[e].topk[k], *b = &got.curve[e].topk[k];
            bad += !(same(a->best, b->best) && same(a->worst, b->worst) &&
                     same(a->mean, b->mean) && same(a->std, b->std) &&
                     same(a->violation, b->violation) && same(a->sharpe, b->sharpe));
        }
    }
    is_int((long long)bad, 0, "select: labels (quoted in the CSV) and every top-k metric "
           "read back exactly, inf and undefined included");
    struct ops_curve view[3];
    for (size_t e = 0; e < 3; e++)
        view[e] = (struct ops_curve){ r->pol[0].est[e].label, ops[e].topk };
    struct ops_curves mem = { 3, 5, view };
    static const char *const metrics[6] = { "sharpe_ratio", "best", "worst", "mean", "std",
                                            "safety_violation_rate" };
    int same_charts = 0;
    for (int j = 0; j < 6; j++) {
        struct strbuf s1 = STRBUF_INIT, s2 = STRBUF_INIT;
        int rc = chart_select(&mem, metrics[j], NULL, &s1, &err) |
                 chart_select(&got, metrics[j], NULL, &s2, &err);
        same_charts += rc == 0 && s1.len > 0 && strcmp(strbuf_str(&s1), strbuf_str(&s2)) == 0;
        strbuf_release(&s1);
        strbuf_release(&s2);
    }
    is_int(same_charts, 6, "select: each metric's chart from memory = from the saved file");
    struct strbuf s3 = STRBUF_INIT;
    ok(chart_select(&got, "regret", NULL, &s3, &err) == -1 && err.status == OPE_EUSAGE,
       "select: an unknown metric is a usage error");
    strbuf_release(&s3);
    ops_curves_release(&got);

    /* Several datasets: the replicate CSV's means read as the curves. */
    struct ops_summary sum[3];
    memset(sum, 0, sizeof sum);
    for (size_t e = 0; e < 3; e++)
        if (ops_summarize(&ops[e], 1, &sum[e], &err) != 0)
            bail_out("ops_summarize: %s", err.msg);
    char *pol[5], *lab[3];
    for (size_t p = 0; p < 5; p++)
        pol[p] = r->pol[p].name;
    for (size_t e = 0; e < 3; e++)
        lab[e] = r->pol[0].est[e].label;
    struct select_rep rep = { 1, 5, 3, "1 log", pol, lab, { 0.3, NAN, 1 }, 0.9, 1, sum, NULL,
                              NULL };
    strbuf_init(&sb);
    select_rep_csv(&rep, &sb);
    put(path, sizeof path, "selrep.csv", strbuf_str(&sb), sb.len);
    strbuf_release(&sb);
    if (rr_load_select(path, &got, &err) != 0)
        bail_out("rr_load_select (replicates): %s", err.msg);
    bad = got.n != 3 || got.M != 5;
    for (size_t e = 0; !bad && e < 3; e++)
        for (size_t k = 0; k < 5; k++) {
            const struct ops_topk_stat *a = &sum[e].topk[k];
            const struct ops_topk *b = &got.curve[e].topk[k];
            /* select_rep_csv writes a mean over no finite replicate as empty */
            bad += !(same(a->best.n ? a->best.mean : NAN, b->best) &&
                     same(a->sharpe.n ? a->sharpe.mean : NAN, b->sharpe));
        }
    is_int((long long)bad, 0, "select: the replicate CSV's means read back");
    ops_curves_release(&got);
    for (size_t e = 0; e < 3; e++) {
        ops_summary_release(&sum[e]);
        ops_result_release(&ops[e]);
    }
    res_eval_free(r);
}

/* By hand: estimator e, k = 2 before k = 1; std@1 empty (undefined), Sharpe@2 inf.
 * best is 3 at both k: the chart's rows are "1 3 3 3" and "2 3 3 3" (no band). */
static void select_by_hand(void)
{
    static const char text[] =
        "estimator,k,best,worst,mean,std,safety_violation_rate,sharpe_ratio\n"
        "e,2,3,1,2,1.4142135623730951,0.5,inf\ne,1,3,3,3,,0,\n";
    char path[256];
    struct ope_error err = { 0 };
    struct ops_curves c;
    put(path, sizeof path, "hand-sel.csv", text, sizeof text - 1);
    if (rr_load_select(path, &c, &err) != 0)
        bail_out("hand-sel.csv: %s", err.msg);
    ok(c.M == 2 && isnan(c.curve[0].topk[0].std) && c.curve[0].topk[1].sharpe == INFINITY,
       "select by hand: k in any order, empty = NaN, inf = infinity");
    struct strbuf sb = STRBUF_INIT;
    chart_select(&c, "best", NULL, &sb, &err);
    like(strbuf_str(&sb), "$s0 << EOD\n1 3 3 3\n2 3 3 3\nEOD\n", "select by hand: best@k");
    strbuf_release(&sb);
    ops_curves_release(&c);
}

/* ---- bad files ---------------------------------------------------------------------- */

static void bad_files(void)
{
    static const struct {
        int kind;               /* 0 explore, 1 curves, 2 select */
        const char *text, *msg;
    } cases[] = {
        { 0, "a,b\n1,2\n", "bad.csv:1: no column 'episode': expected an `ope explore -o`" },
        { 0, "", "bad.csv: empty file, expected an `ope explore -o` run file" },
        { 0, "episode,run,algorithm,value,regret\n", "bad.csv: no episodes" },
        { 0, "episode,run,algorithm,value,regret\n1,0,a,1,1\n2,1,a,1,1\n",
          "bad.csv: not a whole run record: 1 algorithm(s) x 2 run(s) x 2 episode(s) make 4 "
          "rows, the file has 2" },
        { 0, "episode,run,algorithm,value,regret\n1,0,a,1,1\n1,0,a,1,1\n",
          "bad.csv: not a whole run record" },
        { 0, "episode,run,algorithm,value,regret\n1,0,a,1,1\n2,0,a,1,1\n1,0,b,1,1\n1,0,b,2,2\n",
          "bad.csv:5: algorithm b, run 0, episode 1 appears twice" },
        { 0, "episode,run,algorithm,value,regret\n0,0,a,1,1\n",
          "bad.csv:2:1: column 'episode': saw '0', expected 1..100000000" },
        { 0, "episode,run,algorithm,value,regret\n1,0,a,1,inf\n",
          "bad.csv:2:9: column 'regret': saw 'inf', expected a finite number" },
        { 0, "episode,run,algorithm,value,regret\n1,0,a\n", "bad.csv:2: 3 fields, too few" },
        { 0, "episode,run,algorithm,value,regret,seed\n1,0,a,1,1,-1\n",
          "bad.csv:2:11: column 'seed': saw '-1'" },
        { 1, "algorithm,iteration,true_value,samples\na,0,1,0\n",
          "bad.csv:1: no column 'run': expected the curve file of `ope train ALGO --env`" },
        { 1, "algorithm,run,iteration,true_value,samples\na,0,0,1,0\na,0,2,1,0\n",
          "bad.csv: algorithm a: not whole curves: 1 run(s) x 3 iteration(s) make 3 rows, "
          "the file has 2" },
        { 1, "algorithm,run,iteration,true_value,samples\n"
             "an-algorithm-name-of-more-than-31-bytes,0,0,1,0\n",
          "bad.csv:2: algorithm name 'an-algorithm-name-of-more-than-31-bytes...' is longer" },
        { 2, "estimator,k,sharpe_ratio\ne,1,2\n", "bad.csv:1: no column 'best': expected the "
          "per-k CSV of `ope select --format csv`" },
        { 2, "estimator,k,best,worst,mean,std,safety_violation_rate,sharpe_ratio\n"
             "e,0,1,1,1,,0,\n", "bad.csv:2:3: column 'k': saw '0', expected 1..4096" },
        { 2, "estimator,k,best,worst,mean,std,safety_violation_rate,sharpe_ratio\n"
             "e,1,x,1,1,,0,\n", "bad.csv:2:5: column 'best': saw 'x', expected a number" },
        { 2, "estimator,k,best,worst,mean,std,safety_violation_rate,sharpe_ratio\n"
             "e,1,1,1,1,,0,\ne,1,1,1,1,,0,\n", "bad.csv:3: estimator e has k = 1 twice" },
        { 2, "estimator,k,best,worst,mean,std,safety_violation_rate,sharpe_ratio\n"
             "\"e,1,1,1,1,,0,\n", "bad.csv:2:1: a quoted field is never closed" },
    };
    char path[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ope_error err = { 0 };
        put(path, sizeof path, "bad.csv", cases[i].text, strlen(cases[i].text));
        int rc;
        if (cases[i].kind == 0) {
            struct xpl_runs x;
            rc = rr_load_explore(path, &x, &err);
            ok(rc != 0 || (xpl_runs_release(&x), 0), "case %zu fails", i);
        } else if (cases[i].kind == 1) {
            struct pg_result *res;
            size_t n;
            rc = rr_load_curves(path, &res, &n, &err);
            ok(rc != 0 || (rr_curves_free(res, n), 0), "case %zu fails", i);
        } else {
            struct ops_curves c;
            rc = rr_load_select(path, &c, &err);
            ok(rc != 0 || (ops_curves_release(&c), 0), "case %zu fails", i);
        }
        is_int(err.status, OPE_EDATA, "case %zu: data error (65)", i);
        like(err.msg, cases[i].msg, "case %zu: says '%s'", i, cases[i].msg);
    }
    struct ope_error err = { 0 };
    struct xpl_runs x;
    snprintf(path, sizeof path, "%s/no-such-file.csv", dir);
    ok(rr_load_explore(path, &x, &err) != 0 && err.status == OPE_ENOINPUT,
       "a missing file is OPE_ENOINPUT (66)");
    unlink(strcat(strcpy(path, dir), "/bad.csv"));
}

int main(void)
{
    plan_no_plan();
    if (!mkdtemp(dir))
        bail_out("no temporary directory");
    struct ope_error err = { 0 };
    struct mdp *m = env_build_named("riverswim", NULL, 0, 20, 1.0, &err);
    struct policy *pb = m ? policy_from_spec(m, "mix:0.8", NULL, &err) : NULL;
    if (!pb)
        bail_out("riverswim: %s", err.msg);
    explore_roundtrip(m, pb);
    explore_by_hand();
    curves_roundtrip(m);
    curves_by_hand();
    select_roundtrip();
    select_by_hand();
    bad_files();
    policy_free(pb);
    mdp_free(m);
    static const char *const files[] = { "run.csv", "hand.csv", "curves.csv",
                                         "hand-curves.csv", "sel.csv", "selrep.csv",
                                         "hand-sel.csv" };
    char path[256];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
    return done_testing();
}
