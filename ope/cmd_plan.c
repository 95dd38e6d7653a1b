/* ope/cmd_plan.c: `ope plan LOG --policy NAME`: how many logged rows (episodes) an
 * estimate needs -- for an interval of a target width, or to detect a lift with a
 * stated power -- from the per-row spread of the log's own estimates (plan.h); and
 * for ipw, how that changes had the logging policy explored towards the candidate. */
#include "config.h"
#include "ope/cmd.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/blog.h"
#include "estimators/ci.h"
#include "ope/app/cli.h"
#include "ope/app/evalcli.h"
#include "ope/app/loadcli.h"
#include "ope/app/output.h"
#include "ope/app/plan.h"
#include "ope/base/csvout.h"
#include "ope/base/json.h"
#include "ope/base/progress.h"
#include "ope/base/strbuf.h"
#include "ope/base/utf8.h"

enum { PLAN_WIDTH = 0x4800, PLAN_LIFT, PLAN_POWER, PLAN_EXPLORE };

#define PLAN_MAX_EPS 8

struct explore_row {
    const char *policy;
    double eps, sigma, rows;    /* ipw's sd under the mixture; rows for today's width */
};

static void num(struct strbuf *sb, double v, int w)
{
    char b[48];
    if (isnan(v))
        snprintf(b, sizeof b, "-");
    else
        snprintf(b, sizeof b, "%.6g", v);
    strbuf_printf(sb, " %*s", w, b);
}

/* Why a plan's number is missing or moot, for the table and the JSON: at most two. */
struct plan_notes {
    char text[2][320];
    size_t n;
};

/* A '-' under "rows for lift" when no --lift was given: the estimate's own lift is not
 * above 0 (or undefined). A --lift beyond the whole range of the log's rewards
 * lo..hi (bandit logs; NAN otherwise): no policy can gain that much. */
static void plan_notes(const struct plan_opts *o, const struct plan_row *rows, size_t n,
                       double lo, double hi, int traj, struct plan_notes *pn)
{
    pn->n = 0;
    int none = 0;
    for (size_t k = 0; k < n; k++)
        none |= isnan(rows[k].lift_target);
    if (none && !isfinite(o->lift))
        snprintf(pn->text[pn->n++], sizeof pn->text[0], "no %s for lift where the "
                 "estimated lift is not above 0 (or undefined): there is no gain to detect; "
                 "--lift X plans for a lift of X", traj ? "episodes" : "rows");
    if (isfinite(o->lift) && isfinite(lo) && isfinite(hi) && o->lift > hi - lo)
        snprintf(pn->text[pn->n++], sizeof pn->text[0], "--lift %g is more than the whole "
                 "range of the log's rewards (%g to %g): no policy gains that much, so the "
                 "rows for lift plan for the impossible", o->lift, lo, hi);
}

static void write_table(struct strbuf *sb, const struct res_eval *r, const struct plan_opts *o,
                        const struct plan_row *rows, size_t n, const struct explore_row *ex,
                        size_t n_ex, const struct plan_notes *pn)
{
    int traj = strcmp(r->kind, "bandit") != 0;
    const char *unit = traj ? "episodes" : "rows";
    int cw = traj ? 18 : 14;    /* the rows (episodes) columns */
    strbuf_printf(sb, "%s: %.0f %s; sd = the per-%s spread of the contributions (se sqrt(n)); "
                  "rows scale as 1/width^2\n", r->path ? r->path : "(log)", rows ? rows[0].n : 0,
                  unit, traj ? "episode" : "row");
    strbuf_printf(sb, "interval: %.4g%% t", 100 * (1 - r->alpha));
    if (isfinite(o->width))
        strbuf_printf(sb, ", target full width %.6g", o->width);
    strbuf_printf(sb, "; lift detected one-sided at alpha %.4g with power %.4g (%s)\n",
                  o->alpha, o->power, isfinite(o->lift) ? "the lift given" : "the lift as "
                  "estimated");
    const char *last = NULL;
    for (size_t k = 0; k < n; k++) {
        const struct plan_row *w = &rows[k];
        if (!last || strcmp(last, w->policy) != 0) {
            char name[256];
            utf8_printable(w->policy, strlen(w->policy), name, sizeof name);
            /* "episodes" in full: "eps." read as the --explore share. */
            strbuf_printf(sb, "\npolicy %s\n  %-20s %12s %12s %*s %12s %*s\n", name,
                          "estimator", "sd", "half-width", cw, traj ? "episodes for width" :
                          "rows for width", "lift", cw, traj ? "episodes for lift" :
                          "rows for lift");
            last = w->policy;
        }
        strbuf_printf(sb, "  %-20s", w->label);
        num(sb, w->sigma, 12);
        num(sb, w->half, 12);
        num(sb, w->rows_width, cw);
        num(sb, w->lift_target, 12);
        num(sb, w->rows_lift, cw);
        strbuf_putc(sb, '\n');
    }
    for (size_t k = 0; k < pn->n; k++)
        strbuf_printf(sb, "%snote: %s\n", k ? "" : "\n", pn->text[k]);
    if (n_ex) {
        strbuf_printf(sb, "\nipw if the log had been collected by (1 - eps) pi_b + eps pi_e "
                      "(estimated from this log's rows):\n  %-20s %8s %12s %22s\n", "policy",
                      "eps", "ipw sd", "rows for today's width");
        for (size_t k = 0; k < n_ex; k++) {
            char name[256];
            utf8_printable(ex[k].policy, strlen(ex[k].policy), name, sizeof name);
            strbuf_printf(sb, "  %-20s", name);
            num(sb, ex[k].eps, 8);
            num(sb, ex[k].sigma, 12);
            num(sb, ex[k].rows, 22);
            strbuf_putc(sb, '\n');
        }
    }
}

static void write_json(struct strbuf *sb, const struct res_eval *r, const struct plan_opts *o,
                       const struct plan_row *rows, size_t n, const struct explore_row *ex,
                       size_t n_ex, const struct plan_notes *pn)
{
    strbuf_printf(sb, "{\"tool\":\"ope\",\"version\":\"%s\",\"command\":\"plan\",\n \"input\":{"
                  "\"path\":", PACKAGE_VERSION);
    json_string(sb, r->path ? r->path : "");
    strbuf_puts(sb, ",\"kind\":");
    json_string(sb, r->kind);
    strbuf_puts(sb, ",\"n\":");
    json_number(sb, n ? rows[0].n : NAN);
    strbuf_puts(sb, "},\n \"settings\":{\"alpha\":");
    json_number(sb, o->alpha);
    strbuf_puts(sb, ",\"power\":");
    json_number(sb, o->power);
    strbuf_puts(sb, ",\"width\":");
    json_number(sb, o->width);
    strbuf_puts(sb, ",\"lift\":");
    json_number(sb, o->lift);
    strbuf_puts(sb, "},\n \"plan\":[");
    for (size_t k = 0; k < n; k++) {
        const struct plan_row *w = &rows[k];
        strbuf_puts(sb, k ? ",\n  {\"policy\":" : "\n  {\"policy\":");
        json_string(sb, w->policy);
        strbuf_puts(sb, ",\"estimator\":");
        json_string(sb, w->label);
        static const char *const keys[] = { "sd", "half_width", "rows_for_width", "lift",
                                            "lift_target", "rows_for_lift" };
        double v[] = { w->sigma, w->half, w->rows_width, w->lift, w->lift_target, w->rows_lift };
        for (size_t j = 0; j < 6; j++) {
            strbuf_printf(sb, ",\"%s\":", keys[j]);
            json_number(sb, v[j]);
        }
        strbuf_putc(sb, '}');
    }
    strbuf_puts(sb, "],\n \"explore\":[");
    for (size_t k = 0; k < n_ex; k++) {
        strbuf_puts(sb, k ? ",{\"policy\":" : "{\"policy\":");
        json_string(sb, ex[k].policy);
        strbuf_puts(sb, ",\"epsilon\":");
        json_number(sb, ex[k].eps);
        strbuf_puts(sb, ",\"ipw_sd\":");
        json_number(sb, ex[k].sigma);
        strbuf_puts(sb, ",\"rows_for_width\":");
        json_number(sb, ex[k].rows);
        strbuf_putc(sb, '}');
    }
    strbuf_puts(sb, "],\n \"warnings\":[");
    for (size_t k = 0; k < pn->n; k++) {
        if (k)
            strbuf_putc(sb, ',');
        json_string(sb, pn->text[k]);
    }
    strbuf_puts(sb, "]}\n");
}

static void write_csv(struct strbuf *sb, const struct plan_row *rows, size_t n)
{
    strbuf_puts(sb, "policy,estimator,sd,half_width,rows_for_width,lift,lift_target,"
                "rows_for_lift\n");
    for (size_t k = 0; k < n; k++) {
        const struct plan_row *w = &rows[k];
        csvout_cell(sb, w->policy);
        strbuf_putc(sb, ',');
        csvout_cell(sb, w->label);
        double v[] = { w->sigma, w->half, w->rows_width, w->lift, w->lift_target, w->rows_lift };
        for (size_t j = 0; j < 6; j++)
            csvout_number(sb, v[j]);        /* ",number" */
        strbuf_putc(sb, '\n');
    }
}

/* "0.1,0.3": the exploration shares to plan for, each in (0, 1]. */
static int parse_eps(const char *s, double *eps, size_t *n)
{
    *n = 0;
    while (*s) {
        char *end;
        double v = strtod(s, &end);
        if (end == s || !(v > 0 && v <= 1) || *n == PLAN_MAX_EPS || (*end && *end != ','))
            return -1;
        eps[(*n)++] = v;
        s = *end ? end + 1 : end;
    }
    return *n ? 0 : -1;
}

static int plan_exec(int argc, char **argv)
{
    static const struct option opts[] = {
        { "width", required_argument, NULL, PLAN_WIDTH },
        { "lift", required_argument, NULL, PLAN_LIFT },
        { "power", required_argument, NULL, PLAN_POWER },
        { "explore", required_argument, NULL, PLAN_EXPLORE },
        EVALCLI_OPTIONS,
        LOADCLI_OPTIONS,
        LOADCLI_STREAM_OPTIONS,
        OUTCLI_OPTIONS,
        { NULL, 0, NULL, 0 }
    };
    struct evalcli c;
    evalcli_init(&c);
    c.no_risk = "a plan counts rows for an estimate's width or a lift and shows no return "
                "distributions; use ope eval --risk";
    struct outcli out;
    outcli_init(&out);
    struct plan_opts po = { NAN, NAN, 0.8, 0.05 };
    double eps[PLAN_MAX_EPS];
    size_t n_eps = 0;
    enum out_format format;
    int opt;
    struct ope_error err = { 0 };
    while ((opt = cli_getopt("plan", argc, argv, OUTCLI_SHORT, opts)) != -1) {
        switch (opt) {
        case '?':
            return OPE_EUSAGE;
        case PLAN_WIDTH:
            if (cli_parse_double("plan", "--width", optarg, 0, INFINITY, &po.width) != 0)
                return OPE_EUSAGE;
            if (!(po.width > 0))
                return cli_usage("plan", "--width %s: a width above 0", optarg);
            continue;
        case PLAN_LIFT:
            if (cli_parse_double("plan", "--lift", optarg, 0, INFINITY, &po.lift) != 0)
                return OPE_EUSAGE;
            if (!(po.lift > 0))
                return cli_usage("plan", "--lift %s: a lift above 0 to detect", optarg);
            continue;
        case PLAN_POWER:
            if (cli_parse_double("plan", "--power", optarg, 0.5, 0.9999, &po.power) != 0)
                return OPE_EUSAGE;
            continue;
        case PLAN_EXPLORE:
            if (parse_eps(optarg, eps, &n_eps) != 0)
                return cli_usage("plan", "--explore %s: a comma list of up to %d shares in "
                                 "(0, 1], e.g. 0.1,0.3", optarg, PLAN_MAX_EPS);
            continue;
        default:
            break;
        }
        int rc = evalcli_group_option(&c, &out, opt, optarg, &err);
        if (rc < 0)
            return cli_usage("plan", "%s", err.msg);
        if (rc == 0)
            return OPE_EUSAGE;
    }
    if (optind >= argc)
        return cli_usage("plan", "which log? ope plan LOG.csv --policy NAME");
    if (optind + 1 < argc)
        return cli_usage("plan", "one log at a time: '%s' is extra", argv[optind + 1]);
    if (c.set.ci != CI_T && c.set.ci != CI_BOOTSTRAP)
        return cli_usage("plan", "a plan reads the spread of t intervals: --ci t (the default "
                         "here)");
    c.set.ci = CI_T;        /* the per-row sd: the t interval's */
    po.alpha = c.set.alpha;
    if (!(po.alpha < 0.5))  /* as ope gate: z_{1 - alpha} <= 0 detects nothing */
        return cli_usage("plan", "--alpha %g: the lift's one-sided level must be below 0.5",
                         po.alpha);
    if (outcli_format(&out, OUT_ALL, "a plan", &format, &err) != 0)
        return cli_usage("plan", "%s", err.msg);
    if (outcli_check(&out, &err) != 0)
        return cli_error(&err);
    /* --explore sums over the rows of the log it keeps; without it the plan needs only
     * the evaluation, which a log read in windows gives as well. */
    if (n_eps && c.lo.stream)
        return cli_usage("plan", "--explore reads the log's rows after the evaluation, "
                         "which --stream does not keep: drop one");
    c.progress = outcli_progress(&out);
    struct blog *blog = NULL;
    struct tlog *tlog = NULL;
    c.keep_blog = &blog;
    c.keep_tlog = &tlog;
    c.keep_if_whole = n_eps == 0;
    struct res_eval *r = evalcli_run(&c, argv[optind], &err);
    ope_progress_stderr_done();
    if (!r)
        return cli_error(&err);
    /* A streamed log's estimators left out, an input copied: the plan has no place. */
    evalcli_say_read_warnings("plan", r, c.read_warnings, NULL);
    struct plan_row *rows = NULL;
    size_t n = 0, n_ex = 0;
    struct explore_row ex[EVALCLI_MAX_POLICIES * PLAN_MAX_EPS];
    int rc = plan_compute(r, &po, &rows, &n, &err);
    if (rc == 0 && n_eps && !blog)
        rc = ope_fail(&err, OPE_EUSAGE, "--explore plans a bandit log's logging policy (ipw); "
                      "this is a trajectory log");
    for (size_t p = 0; rc == 0 && blog && p < r->n_policies; p++) {
        long bp = blog_policy_index(blog, r->pol[p].name);
        /* ipw's sd now, from the log itself, so that the ratio is like for like. */
        double s0 = bp >= 0 ? plan_ipw_sigma_explore(blog, (size_t)bp, 0.0) : NAN;
        for (size_t k = 0; bp >= 0 && k < n_eps; k++) {
            struct explore_row *x = &ex[n_ex++];
            x->policy = r->pol[p].name;
            x->eps = eps[k];
            x->sigma = plan_ipw_sigma_explore(blog, (size_t)bp, eps[k]);
            x->rows = s0 > 0 ? ceil((double)blog->n * (x->sigma / s0) * (x->sigma / s0)) : NAN;
        }
    }
    /* The range of a bandit log's rewards, which a lift cannot exceed (a trajectory
     * log's observed returns do not bound what another policy could obtain). */
    double lo = blog ? INFINITY : NAN, hi = blog ? -INFINITY : NAN;
    for (size_t i = 0; blog && i < blog->n; i++) {
        lo = fmin(lo, blog->reward[i]);
        hi = fmax(hi, blog->reward[i]);
    }
    struct plan_notes pn = { .n = 0 };
    if (rc == 0)
        plan_notes(&po, rows, n, lo, hi, strcmp(r->kind, "bandit") != 0, &pn);
    struct strbuf sb = STRBUF_INIT;
    if (rc == 0) {
        if (format == OUT_JSON)
            write_json(&sb, r, &po, rows, n, ex, n_ex, &pn);
        else if (format == OUT_CSV)
            write_csv(&sb, rows, n);
        else
            write_table(&sb, r, &po, rows, n, ex, n_ex, &pn);
        rc = strbuf_failed(&sb) ? ope_fail_oom(&err) : outcli_write(&out, &sb, &err);
    }
    strbuf_release(&sb);
    free(rows);
    res_eval_free(r);
    blog_free(blog);
    tlog_free(tlog);
    return rc ? cli_error(&err) : 0;
}

const struct cmd_entry cmd_plan_entry = {
    "plan", "ope plan LOG.csv [--policy NAME ...] [--width W] [--lift X] [--power P] "
    "[--explore EPS,...] [options]",
    "how many logged rows an estimate needs: a target width, a lift to detect",
    "Evaluates the log with t intervals and, from each estimate's per-row spread sd\n"
    "(its standard error times sqrt(n)), plans how many rows (episodes) an estimator\n"
    "needs: for an interval of full width W, n (half-width / (W/2))^2, as the width\n"
    "shrinks as 1/sqrt(n); to detect a lift X over the logged policy with power P --\n"
    "`ope gate` passing, one-sided at --alpha --, ((z_{1-alpha} + z_P) sd_lift / X)^2,\n"
    "with sd_lift the spread of the paired lift (default X: the lift as estimated, when\n"
    "above 0). --explore EPS asks how ipw's spread would change had the log been\n"
    "collected by the mixture (1 - EPS) pi_b + EPS pi_e, estimated from the log's own\n"
    "rows (E[pi_e^2 r^2 / (mu mu')]), and the rows that would then give today's width.\n"
    "Normal approximations: an estimate that a handful of large weights carry (the poor\n"
    "overlap warning) needs more than planned.\n\n"
    "Plan:\n"
    "  --width W             the full interval width wanted\n"
    "  --lift X              the lift to detect (default: each estimate's own, if > 0)\n"
    "  --power P             power of the detection (default 0.8)\n"
    "  --explore EPS,...     bandit logs: ipw under more exploration (shares in (0, 1])\n"
    "A log read in windows (--stream, or past --memory-limit without --explore) is\n"
    "evaluated as ope eval --stream evaluates it; the plan is the same, without the\n"
    "note on a --lift beyond the range of the log's rewards (it needs every row).\n\n"
    EVALCLI_HELP "\n" OUTCLI_HELP "\n" LOADCLI_HELP "\n" LOADCLI_STREAM_HELP
    "\nExamples:\n"
    "  ope plan log.csv --policy greedy --width 0.01\n"
    "  ope plan log.csv --policy eps0_2 --lift 0.02 --power 0.9 --explore 0.1,0.5\n",
    plan_exec,
    "risk"
};
