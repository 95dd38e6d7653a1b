/* ope/cmd_select.c: `ope select LOG`: estimate every candidate policy with every
 * chosen estimator, rank them, and (with the truth) score each estimator as a
 * selection tool: MSE, rank correlation, regret, Type I/II and the top-k risk-return
 * curves with SharpeRatio@k (estimators/ops.c). */
#include "config.h"
#include "ope/cmd.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/truth.h"
#include "estimators/ops.h"
#include "ope/evalcli.h"
#include "ope/json.h"
#include "ope/loadcli.h"
#include "ope/outfile.h"
#include "ope/render.h"
#include "ope/strbuf.h"

enum { SEL_K = 0x5300, SEL_SAFETY, SEL_CLIP, SEL_FORMAT, SEL_OUT, SEL_FORCE };

struct selection {
    const struct res_eval *r;
    const double *truth;        /* [M] or NULL */
    double J;
    double tau;
    size_t n_est;
    struct ops_result *ops;     /* [n_est] */
};

static void num(struct strbuf *sb, double v, int w)
{
    char b[48];
    if (isnan(v))
        snprintf(b, sizeof b, "-");
    else if (isinf(v))
        snprintf(b, sizeof b, v > 0 ? "inf" : "-inf");
    else
        snprintf(b, sizeof b, "%.4g", v);
    strbuf_printf(sb, " %*s", w, b);
}

static void select_table(const struct selection *s, struct strbuf *sb)
{
    const struct res_eval *r = s->r;
    size_t M = r->n_policies;
    strbuf_printf(sb, "%zu candidate policies, %zu estimators; J(pi_b) = %.6g (%s), safety "
                  "threshold %.6g\n", M, s->n_est, s->J, "behaviour value", s->tau);
    if (!s->truth)
        strbuf_puts(sb, "no ground truth (--truth FILE or q.* columns): rankings and estimates "
                        "only; MSE, correlation, regret and the top-k metrics need the truth\n");
    strbuf_printf(sb, "\n%-20s %9s %9s %9s %9s %9s %9s %7s %7s  %s\n", "estimator", "MSE", "nMSE",
                  "spearman", "kendall", "regret@1", "regret@k", "typeI", "typeII", "chosen");
    for (size_t e = 0; e < s->n_est; e++) {
        const struct ops_result *o = &s->ops[e];
        strbuf_printf(sb, "%-20s", r->pol[0].est[e].label);
        num(sb, o->mse, 9);
        num(sb, o->nmse, 9);
        num(sb, o->spearman, 9);
        num(sb, o->kendall, 9);
        num(sb, o->regret1, 9);
        num(sb, o->regretk, 9);
        num(sb, o->type1, 7);
        num(sb, o->type2, 7);
        strbuf_printf(sb, "  %s\n", r->pol[o->ranking[0]].name);
    }
    if (s->n_est)
        strbuf_printf(sb, "(regret@k with k = %zu)\n", s->ops[0].k);
    if (s->truth) {
        static const char *const what[] = { "SharpeRatio@k", "best@k", "std@k",
                                            "safety violation rate@k" };
        for (int m = 0; m < 4; m++) {
            strbuf_printf(sb, "\n%s\n%4s", what[m], "k");
            for (size_t e = 0; e < s->n_est; e++)
                strbuf_printf(sb, " %12.12s", r->pol[0].est[e].label);
            strbuf_putc(sb, '\n');
            for (size_t k = 1; k <= M; k++) {
                strbuf_printf(sb, "%4zu", k);
                for (size_t e = 0; e < s->n_est; e++) {
                    const struct ops_topk *t = &s->ops[e].topk[k - 1];
                    num(sb, m == 0 ? t->sharpe : m == 1 ? t->best : m == 2 ? t->std : t->violation, 12);
                }
                strbuf_putc(sb, '\n');
            }
        }
    }
    strbuf_puts(sb, "\nEstimates (ranked by each estimator in the JSON output):\n");
    strbuf_printf(sb, "%-14s", "policy");
    if (s->truth)
        strbuf_printf(sb, " %12s", "truth");
    for (size_t e = 0; e < s->n_est; e++)
        strbuf_printf(sb, " %12.12s", r->pol[0].est[e].label);
    strbuf_putc(sb, '\n');
    for (size_t p = 0; p < M; p++) {
        strbuf_printf(sb, "%-14s", r->pol[p].name);
        if (s->truth)
            num(sb, s->truth[p], 12);
        for (size_t e = 0; e < s->n_est; e++)
            num(sb, r->pol[p].est[e].value, 12);
        strbuf_putc(sb, '\n');
    }
    int any = 0;
    for (size_t e = 0; e < s->n_est; e++)
        for (size_t k = 0; k < s->ops[e].n_notes; k++) {
            int dup = 0;
            for (size_t f = 0; f < e && !dup; f++)
                for (size_t j = 0; j < s->ops[f].n_notes; j++)
                    dup |= strcmp(s->ops[f].notes[j], s->ops[e].notes[k]) == 0;
            if (!dup) {
                strbuf_printf(sb, "%snote: %s\n", any ? "" : "\n", s->ops[e].notes[k]);
                any = 1;
            }
        }
}

static void select_json(const struct selection *s, struct strbuf *sb)
{
    const struct res_eval *r = s->r;
    size_t M = r->n_policies;
    strbuf_printf(sb, "{\"tool\":\"ope\",\"version\":\"%s\",\n \"behavior_value\":", PACKAGE_VERSION);
    json_number(sb, s->J);
    strbuf_puts(sb, ",\"safety_threshold\":");
    json_number(sb, s->tau);
    strbuf_puts(sb, ",\n \"truth\":");
    if (s->truth) {
        strbuf_putc(sb, '{');
        for (size_t p = 0; p < M; p++) {
            if (p)
                strbuf_putc(sb, ',');
            json_string(sb, r->pol[p].name);
            strbuf_putc(sb, ':');
            json_number(sb, s->truth[p]);
        }
        strbuf_putc(sb, '}');
    } else {
        strbuf_puts(sb, "null");
    }
    strbuf_puts(sb, ",\n \"estimators\":[");
    for (size_t e = 0; e < s->n_est; e++) {
        const struct ops_result *o = &s->ops[e];
        strbuf_puts(sb, e ? ",\n  {" : "\n  {");
        strbuf_puts(sb, "\"estimator\":");
        json_string(sb, r->pol[0].est[e].label);
        strbuf_puts(sb, ",\"estimates\":{");
        for (size_t p = 0; p < M; p++) {
            if (p)
                strbuf_putc(sb, ',');
            json_string(sb, r->pol[p].name);
            strbuf_putc(sb, ':');
            json_number(sb, r->pol[p].est[e].value);
        }
        strbuf_puts(sb, "},\"ranking\":[");
        for (size_t k = 0; k < M; k++) {
            if (k)
                strbuf_putc(sb, ',');
            json_string(sb, r->pol[o->ranking[k]].name);
        }
        strbuf_puts(sb, "],\n   \"mse\":");
        json_number(sb, o->mse);
        strbuf_puts(sb, ",\"nmse\":");
        json_number(sb, o->nmse);
        strbuf_puts(sb, ",\"spearman\":");
        json_number(sb, o->spearman);
        strbuf_puts(sb, ",\"kendall\":");
        json_number(sb, o->kendall);
        strbuf_puts(sb, ",\"regret\":{\"1\":");
        json_number(sb, o->regret1);
        strbuf_puts(sb, ",\"k\":");
        json_number(sb, o->regretk);
        strbuf_printf(sb, ",\"k_value\":%zu},\"nregret_1\":", o->k);
        json_number(sb, o->nregret1);
        strbuf_puts(sb, ",\"type1_error_rate\":");
        json_number(sb, o->type1);
        strbuf_puts(sb, ",\"type2_error_rate\":");
        json_number(sb, o->type2);
        strbuf_puts(sb, ",\n   \"topk\":[");
        for (size_t k = 1; k <= M; k++) {
            const struct ops_topk *t = &o->topk[k - 1];
            strbuf_printf(sb, "%s{\"k\":%zu,\"best\":", k > 1 ? "," : "", k);
            json_number(sb, t->best);
            strbuf_puts(sb, ",\"worst\":");
            json_number(sb, t->worst);
            strbuf_puts(sb, ",\"mean\":");
            json_number(sb, t->mean);
            strbuf_puts(sb, ",\"std\":");
            json_number(sb, t->std);
            strbuf_puts(sb, ",\"safety_violation_rate\":");
            json_number(sb, t->violation);
            strbuf_puts(sb, ",\"sharpe_ratio\":");
            if (isinf(t->sharpe))
                strbuf_puts(sb, "null");    /* +inf: explained in notes */
            else
                json_number(sb, t->sharpe);
            strbuf_putc(sb, '}');
        }
        strbuf_puts(sb, "],\n   \"notes\":[");
        for (size_t k = 0; k < o->n_notes; k++) {
            if (k)
                strbuf_putc(sb, ',');
            json_string(sb, o->notes[k]);
        }
        strbuf_puts(sb, "]}");
    }
    strbuf_puts(sb, "]}\n");
}

/* The per-k curves, one row per (estimator, k). */
static void select_csv(const struct selection *s, struct strbuf *sb)
{
    strbuf_puts(sb, "estimator,k,best,worst,mean,std,safety_violation_rate,sharpe_ratio,"
                    "regret_k,chosen_k\n");
    for (size_t e = 0; e < s->n_est; e++)
        for (size_t k = 1; k <= s->r->n_policies; k++) {
            const struct ops_topk *t = &s->ops[e].topk[k - 1];
            render_csv_cell(sb, s->r->pol[0].est[e].label);
            strbuf_printf(sb, ",%zu", k);
            render_csv_number(sb, t->best);
            render_csv_number(sb, t->worst);
            render_csv_number(sb, t->mean);
            render_csv_number(sb, t->std);
            render_csv_number(sb, t->violation);
            render_csv_number(sb, t->sharpe);
            render_csv_number(sb, k == s->ops[e].k ? s->ops[e].regretk : NAN);
            strbuf_putc(sb, ',');
            render_csv_cell(sb, s->r->pol[s->ops[e].ranking[k - 1]].name);
            strbuf_putc(sb, '\n');
        }
}

static int select_exec(int argc, char **argv)
{
    static const struct option opts[] = {
        EVALCLI_OPTIONS,
        LOADCLI_OPTIONS,
        { "k", required_argument, NULL, SEL_K },
        { "safety", required_argument, NULL, SEL_SAFETY },
        { "clip-sharpe", no_argument, NULL, SEL_CLIP },
        { "format", required_argument, NULL, SEL_FORMAT },
        { "output", required_argument, NULL, SEL_OUT },
        { "force", no_argument, NULL, SEL_FORCE },
        { NULL, 0, NULL, 0 }
    };
    struct evalcli c;
    evalcli_init(&c);
    c.eo.ci = 0;    /* selection needs point estimates; --ci adds intervals to the eval */
    struct ops_opts oo;
    ops_opts_init(&oo);
    const char *format = "table", *out = NULL;
    int force = 0, opt;
    long v;
    double d;
    struct ope_error err = { 0 };
    while ((opt = getopt_long(argc, argv, "o:f:", opts, NULL)) != -1) {
        int rc = evalcli_option(&c, opt, optarg, &err);
        if (rc == 0)
            rc = loadcli_option(&c.lo, opt, optarg, &err);
        if (rc < 0)
            return cli_usage("select", "%s", err.msg);
        if (rc == 1)
            continue;
        switch (opt) {
        case SEL_K:
            if (cli_parse_int("select", "--k", optarg, 1, 100000, &v))
                return OPE_EUSAGE;
            oo.k = (size_t)v;
            break;
        case SEL_SAFETY:
            if (cli_parse_double("select", "--safety", optarg, 0, 10, &d))
                return OPE_EUSAGE;
            oo.relative_safety = d;
            break;
        case SEL_CLIP:
            oo.clip_sharpe = 1;
            break;
        case SEL_FORMAT: case 'f':
            if (strcmp(optarg, "table") && strcmp(optarg, "json") && strcmp(optarg, "csv"))
                return cli_usage("select", "--format: expected table, json or csv, got '%s'", optarg);
            format = optarg;
            break;
        case SEL_OUT: case 'o':
            out = optarg;
            break;
        case SEL_FORCE:
            force = 1;
            break;
        default:
            return cli_usage("select", "unknown option");
        }
    }
    if (optind + 1 != argc)
        return cli_usage("select", "which log? ope select LOG.csv --truth TRUTH.csv");
    if (out && ope_outfile_check(out, force, &err) != 0)
        return cli_error(&err);
    struct truth tf;
    memset(&tf, 0, sizeof tf);
    tf.behavior = NAN;
    if (c.truth_path && truth_load(c.truth_path, &tf, &err) != 0)
        return cli_error(&err);
    c.eo.progress = ope_progress_cli();
    struct res_eval *r = evalcli_run(&c, argv[optind], &err);
    ope_progress_stderr_done();
    if (!r) {
        truth_free(&tf);
        return cli_error(&err);
    }
    size_t M = r->n_policies, E = M ? r->pol[0].n_estimates : 0;
    double *truth = calloc(M ? M : 1, sizeof *truth), *est = calloc(M ? M : 1, sizeof *est);
    struct ops_result *ops = calloc(E ? E : 1, sizeof *ops);
    int rc = 0, have_truth = 1;
    if (!truth || !est || !ops) {
        rc = cli_error(&(struct ope_error){ OPE_ESOFTWARE, "out of memory" });
        goto out;
    }
    for (size_t p = 0; p < M; p++) {
        truth[p] = c.truth_path ? truth_of(&tf, r->pol[p].name) : r->pol[p].truth;
        if (isnan(truth[p]) && c.truth_path) {
            ope_fail(&err, OPE_EDATA, "%s: no value for candidate policy '%s'; the truth file "
                     "must list every policy of the log", c.truth_path, r->pol[p].name);
            rc = cli_error(&err);
            goto out;
        }
        have_truth &= !isnan(truth[p]);
    }
    double J = c.truth_path && !isnan(tf.behavior) ? tf.behavior : r->behavior_value;
    if (oo.k > M) {
        rc = cli_usage("select", "--k %zu is larger than the %zu candidate policies", oo.k, M);
        goto out;
    }
    for (size_t e = 0; e < E; e++) {
        for (size_t p = 0; p < M; p++)
            est[p] = r->pol[p].est[e].value;
        if (ops_compute(est, have_truth ? truth : NULL, M, J, &oo, &ops[e], &err) != 0) {
            rc = cli_error(&err);
            goto out;
        }
    }
    struct selection s = { r, have_truth ? truth : NULL, J, oo.relative_safety * J, E, ops };
    struct strbuf sb = STRBUF_INIT;
    if (strcmp(format, "json") == 0)
        select_json(&s, &sb);
    else if (strcmp(format, "csv") == 0)
        select_csv(&s, &sb);
    else
        select_table(&s, &sb);
    if (strbuf_failed(&sb))
        rc = cli_error(&(struct ope_error){ OPE_ESOFTWARE, "out of memory" });
    else if (out && ope_write_file_atomic(out, sb.buf, sb.len, force, &err) != 0)
        rc = cli_error(&err);
    else if (!out)
        fwrite(strbuf_str(&sb), 1, sb.len, stdout);
    strbuf_release(&sb);
out:
    for (size_t e = 0; e < E && ops; e++)
        ops_result_free(&ops[e]);
    free(ops);
    free(truth);
    free(est);
    truth_free(&tf);
    res_eval_free(r);
    return rc;
}

const struct cmd_entry cmd_select_entry = {
    "select", "ope select LOG.csv [--truth TRUTH.csv] [options]",
    "rank candidate policies with every estimator; score the estimators (SharpeRatio@k)",
    "Estimates every candidate policy of the log (pi.NAME.* columns) with every chosen\n"
    "estimator and ranks them. With the true values (--truth FILE with policy,value\n"
    "rows, or the q.* columns of a synthetic bandit log) it scores each estimator as a\n"
    "selection tool (selection.md, SCOPE-RL's conventions): MSE, nMSE, Spearman and\n"
    "Kendall rank correlation, regret@1 and regret@k, Type I/II error rates at the\n"
    "safety threshold, and for k = 1..M the top-k metrics best@k, worst@k, mean@k,\n"
    "std@k, safety violation rate@k and SharpeRatio@k = max(best@k - J(pi_b), 0) /\n"
    "std@k. J(pi_b) is the truth file's `behavior` row, else the log's on-policy value.\n"
    "Ties in the estimates keep the log's policy order.\n\n"
    "  --truth FILE          true values (policy,value; a `behavior` row for J(pi_b))\n"
    "  --k K                 k of regret@k (default min(3, M))\n"
    "  --safety R            safety threshold R * J(pi_b) (default 0.9)\n"
    "  --clip-sharpe         clip SharpeRatio@k to [0, 100] (SCOPE-RL's option)\n"
    "  -f, --format F        table (default), json (formats.md) or csv (the per-k curves)\n"
    "  -o, --output FILE     write atomically; --force replaces\n\n"
    EVALCLI_HELP "\n" LOADCLI_HELP,
    select_exec
};
