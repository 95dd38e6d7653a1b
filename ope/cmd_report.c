/* ope/cmd_report.c: `ope report LOG -o REPORT.html|REPORT.md`: evaluate a log exactly
 * as `ope eval` does (ope/app/evalcli.h) and write the result as a report for people
 * who will never run ope (reports/report.h); `--demo` does the same for the
 * built-in Open Bandit Dataset demo. */
#include "config.h"
#include "ope/cmd.h"
#include "ope/base/datapath.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/blog.h"
#include "datasets/tlog.h"
#include "datasets/truth.h"
#include "estimators/evaluate.h"
#include "estimators/trajret.h"
#include "ope/app/demo.h"
#include "ope/app/evalcli.h"
#include "ope/app/loadcli.h"
#include "ope/app/output.h"
#include "ope/base/progress.h"
#include "ope/base/sha256.h"
#include "ope/base/strbuf.h"
#include "reports/report.h"

enum { REP_K = 0x5200, REP_SAFETY, REP_CLIP, REP_FORCE, REP_TITLE, REP_NO_CHARTS, REP_DEMO,
       REP_QUIET = 'q' };

struct report_cli {
    struct evalcli c;
    struct report_in in;
    const char *out, *demo, *log;
    int force, quiet;
    char note[1024];            /* the demo's story */
};

/* Parse the options; -1 to go on, else the exit status. */
static int report_parse(int argc, char **argv, struct report_cli *rc)
{
    static const struct option opts[] = {
        EVALCLI_OPTIONS,
        EVALCLI_SEG_OPTIONS,
        LOADCLI_OPTIONS,
        LOADCLI_STREAM_OPTIONS,
        { "output", required_argument, NULL, 'o' },
        { "force", no_argument, NULL, REP_FORCE },
        { "k", required_argument, NULL, REP_K },
        { "safety", required_argument, NULL, REP_SAFETY },
        { "clip-sharpe", no_argument, NULL, REP_CLIP },
        { "title", required_argument, NULL, REP_TITLE },
        { "no-charts", no_argument, NULL, REP_NO_CHARTS },
        { "demo", optional_argument, NULL, REP_DEMO },
        { "quiet", no_argument, NULL, REP_QUIET },
        { NULL, 0, NULL, 0 }
    };
    struct ope_error err = { 0 };
    long v;
    double d;
    int opt;
    while ((opt = cli_getopt("report", argc, argv, "o:q", opts)) != -1) {
        if (opt == '?')
            return OPE_EUSAGE;
        int r = evalcli_option(&rc->c, opt, optarg, &err);
        if (r == 0)
            r = loadcli_option(&rc->c.lo, opt, optarg, &err);
        if (r < 0)
            return cli_usage("report", "%s", err.msg);
        if (r == 1) {
            if (opt == EVALCLI_RISK) {
                /* The report always has the risk section for trajectory logs; --risk
                 * only sets its CVaR level (the evaluation itself stays eval's). */
                rc->in.risk_alpha = rc->c.set.risk_alpha;
                rc->c.set.risk = 0;
            }
            continue;
        }
        switch (opt) {
        case 'o':
            rc->out = optarg;
            break;
        case REP_FORCE:
            rc->force = 1;
            break;
        case REP_QUIET:
            rc->quiet = 1;
            break;
        case REP_K:
            if (cli_parse_int("report", "--k", optarg, 1, 100000, &v))
                return OPE_EUSAGE;
            rc->in.ops.k = (size_t)v;
            break;
        case REP_SAFETY:
            if (cli_parse_double("report", "--safety", optarg, 0, 10, &d))
                return OPE_EUSAGE;
            rc->in.ops.relative_safety = d;
            break;
        case REP_CLIP:
            rc->in.ops.clip_sharpe = 1;
            break;
        case REP_TITLE:
            rc->in.title = optarg;
            break;
        case REP_NO_CHARTS:
            rc->in.no_charts = 1;
            break;
        case REP_DEMO:
            rc->demo = optarg ? optarg : "men";
            if (strcmp(rc->demo, "men") && strcmp(rc->demo, "women"))
                return cli_usage("report", "--demo: the campaigns are men and women, got '%s'",
                                 rc->demo);
            break;
        default:
            return OPE_EUSAGE;
        }
    }
    if (!rc->out)
        return cli_usage("report", "where to? -o REPORT.html (one self-contained file) or "
                         "-o REPORT.md (Markdown, charts as SVG files next to it)");
    if (rc->demo && optind != argc)
        return cli_usage("report", "--demo reads the shipped Open Bandit Dataset: give no LOG");
    if (!rc->demo && optind + 1 != argc)
        return cli_usage("report", optind >= argc ? "which log? ope report LOG.csv -o "
                         "REPORT.html (or --demo)" : "one log at a time (got %d)", argc - optind);
    rc->log = rc->demo ? NULL : argv[optind];
    if (rc->log && strcmp(rc->log, "-") == 0)
        return cli_usage("report", "the report names its input and its SHA-256: give a file, "
                         "not standard input");
    return -1;
}

/* The built-in demo: the random log with BTS attached, evaluated like eval does. */
static struct res_eval *run_demo(struct report_cli *rc, struct blog **log, double *ctr,
                                 double *half, struct ope_error *err)
{
    size_t rows;
    if (demo_campaign(rc->demo, log, ctr, half, &rows, err) != 0)
        return NULL;
    struct res_eval *r = eval_settings_run(&rc->c.set, *log, NULL, rc->c.progress, err);
    if (r && (*log)->path && sha256_file_hex((*log)->path, r->sha256, err) != 0) {
        res_eval_free(r);
        r = NULL;
    }
    return r;
}

/* Add an input file (truth file, the demo's BTS log) with its digest. */
static int add_input(struct report_in *in, const char *role, const char *path,
                     struct ope_error *err)
{
    if (in->n_inputs == REPORT_MAX_INPUTS)
        return 0;
    struct report_input *x = &in->inputs[in->n_inputs++];
    x->role = role;
    x->path = path;
    return sha256_file_hex(path, x->sha256, err);
}

/* The truth file's value of each evaluated policy, in the result's order. */
static int load_truth(struct report_cli *rc, const struct res_eval *r, struct truth *tf,
                      double **tv, struct ope_error *err)
{
    if (truth_load(rc->c.set.truth_path, tf, err) != 0)
        return -1;
    *tv = ope_calloc(r->n_policies ? r->n_policies : 1, sizeof **tv, err);
    if (!*tv)
        return -1;
    for (size_t p = 0; p < r->n_policies; p++)
        (*tv)[p] = truth_of(tf, r->pol[p].name);
    rc->in.truth = *tv;
    rc->in.truth_source = "from the truth file";
    rc->in.behavior_truth = tf->behavior;
    return add_input(&rc->in, "truth file", rc->c.set.truth_path, err);
}

static int report_exec(int argc, char **argv)
{
    struct report_cli rc;
    memset(&rc, 0, sizeof rc);
    evalcli_init(&rc.c);
    report_in_init(&rc.in);
    /* The command line as typed, before getopt_long permutes argv. */
    struct strbuf cmd = STRBUF_INIT;
    strbuf_puts(&cmd, "ope report");
    strbuf_shell_words(&cmd, argc - 1, argv + 1);
    int st = report_parse(argc, argv, &rc);
    if (st >= 0) {
        strbuf_release(&cmd);
        return st;
    }
    struct ope_error err = { 0 };
    if (report_check_paths(rc.out, rc.force, &err) != 0) {
        strbuf_release(&cmd);
        return err.status == OPE_EUSAGE ? cli_usage("report", "%s", err.msg) : cli_error(&err);
    }
    struct blog *blog = NULL;
    struct tlog *tlog = NULL;
    struct truth tf;
    memset(&tf, 0, sizeof tf);
    double *tv = NULL, ctr = NAN, half = NAN;
    char *bts = NULL;
    rc.c.progress = outcli_progress(&(struct outcli){ .quiet = rc.quiet });
    /* eval's own evaluation; it keeps the log it loaded for the data section and the
     * return distributions. */
    rc.c.keep_blog = &blog;
    rc.c.keep_tlog = &tlog;
    /* Streamed: every episode's return and weights, for the Risk section. */
    struct traj_returns returns;
    traj_returns_init(&returns, 0, 0, NULL);
    rc.c.keep_returns = &returns;
    rc.c.keep_if_whole = 1;     /* a streamed log (--stream, --memory-limit) is not kept */
    struct res_eval *r = rc.demo ? run_demo(&rc, &blog, &ctr, &half, &err)
                                 : evalcli_run(&rc.c, rc.log, &err);
    ope_progress_stderr_done();
    int status = r ? 0 : -1;
    if (status == 0 && rc.c.set.truth_path)
        status = load_truth(&rc, r, &tf, &tv, &err);
    if (status == 0 && rc.demo) {
        char rel[128], label[512];
        snprintf(rel, sizeof rel, "obd/bts/%s/%s.csv", rc.demo, rc.demo);
        bts = ope_data_path(rel);
        if (bts)
            status = add_input(&rc.in, "BTS log (builds policy bts)", bts, &err);
        rc.in.reference = ctr;
        rc.in.reference_half = half;
        rc.in.reference_label = "BTS's observed click rate in its own log";
        snprintf(label, sizeof label, "The built-in demo: the Open Bandit Dataset (ZOZOTOWN; "
                 "Saito et al. 2021), '%s' campaign. The log is the uniform-random policy's; "
                 "the policy bts is Bernoulli Thompson Sampling, its probabilities the "
                 "frequency of each item at each position in BTS's own log. ", rc.demo);
        snprintf(rc.note, sizeof rc.note, "%sBTS actually obtained a click rate of %.5f "
                 "(95%% interval %.5f to %.5f): compare the estimates with it.", label, ctr,
                 ctr - half, ctr + half);
        rc.in.note = rc.note;
        if (!rc.in.title)
            rc.in.title = "Off-policy evaluation report: the Open Bandit Dataset demo";
    }
    if (status == 0) {
        rc.in.r = r;
        rc.in.blog = blog;
        rc.in.tlog = tlog;
        rc.in.returns = !tlog && returns.P ? &returns : NULL;
        if (!blog && !tlog)
            rc.in.no_log = "it was read in windows (--stream, or a log past --memory-limit), "
                           "not held in memory";
        rc.in.cmdline = strbuf_str(&cmd);
        char note[600];
        status = report_write(&rc.in, rc.out, rc.force, note, sizeof note, &err);
        if (status == 0 && !rc.quiet)
            fprintf(stderr, "ope report: %s\n", note);
    }
    int exit_status = status == 0 ? 0 : cli_error(&err);
    strbuf_release(&cmd);
    free(bts);
    free(tv);
    truth_release(&tf);
    blog_free(blog);
    tlog_free(tlog);
    traj_returns_release(&returns);
    res_eval_free(r);
    return exit_status;
}

const struct cmd_entry cmd_report_entry = {
    "report", "ope report LOG.csv [options] -o REPORT.html|REPORT.md | "
    "ope report --demo[=men|women] -o REPORT.html|REPORT.md",
    "write an evaluation as a self-contained HTML (or Markdown) report",
    "Evaluates the log exactly as `ope eval` does (same options, same numbers) and writes\n"
    "a report for readers who will never run ope:\n"
    "  Summary          first the decision: the best candidate's lift over the logged\n"
    "                   policy with its paired interval, how many estimators agree, what\n"
    "                   ope gate would say, how much more data would settle it; then\n"
    "                   each estimator's best policy with its interval, and whether the\n"
    "                   estimators agree (same favourite, overlapping intervals), against\n"
    "                   the logged policy's value and the truth when known\n"
    "  Data             rows, actions and how often each was logged, propensities,\n"
    "                   rewards (episodes and returns), every policy's importance weights\n"
    "                   (mean, max, effective sample size), all warnings\n"
    "  Estimates        the full table of estimates, intervals and diagnostics, and a chart\n"
    "  Selection        with two or more candidate policies: each estimator's ranking; with\n"
    "                   their true values (--truth, or q.* columns) also MSE, rank\n"
    "                   correlation, regret, Type I/II and SharpeRatio@k (as ope select)\n"
    "  Risk             trajectory logs: each policy's return distribution (tis and sn\n"
    "                   CDFs, as ope eval --risk) with mean, variance, CVaR and IQR\n"
    "  Methods          every estimator used: formula, assumptions, reference; intervals\n"
    "  Reproducibility  the command line, ope's version, seed, input paths with SHA-256,\n"
    "                   the date in UTC (OPE_REPORT_DATE overrides it)\n\n"
    "-o REPORT.html writes ONE self-contained file: inline CSS, charts as inline SVG, no\n"
    "JavaScript, nothing fetched from elsewhere. -o REPORT.md writes Markdown and the\n"
    "charts as REPORT-estimates.svg, REPORT-sharpe.svg, REPORT-cdf.svg next to it. PDF\n"
    "is not offered (print the HTML file from a browser). Charts need gnuplot; without\n"
    "it the report is still written, with a note where each chart would be.\n"
    "Every file is written atomically (a temporary file, then a rename); an existing file\n"
    "is replaced only with --force, a path that is not a regular file never; on failure\n"
    "nothing is left behind.\n\n"
    "Report:\n"
    "  -o, --output FILE     the report: .html/.htm or .md/.markdown (required);\n"
    "                        -o - writes the HTML report to standard output\n"
    "      --force           replace existing report and chart files\n"
    "  -q, --quiet           no progress or note on standard error\n"
    "      --title TEXT      the report's title (default: from the log's name)\n"
    "      --no-charts       leave the charts out (no gnuplot needed)\n"
    "      --demo[=CAMPAIGN] report on the built-in demo (men, the default, or women):\n"
    "                        Bernoulli-TS's click rate from the uniform-random Open\n"
    "                        Bandit Dataset log, next to the rate BTS really obtained\n"
    "Selection (two or more policies; --truth below, whose `behavior` row gives J(pi_b)):\n"
    "      --k K             k of regret@k (default min(3, number of policies))\n"
    "      --safety R        safety threshold R * J(pi_b) (default 0.9)\n"
    "      --clip-sharpe     clip SharpeRatio@k to [0, 100]\n"
    "The Risk section's CVaR level is --risk's ALPHA (below).\n\n"
    EVALCLI_HELP EVALCLI_SEG_HELP "\n" LOADCLI_HELP "\n" LOADCLI_STREAM_HELP
    "  A streamed log (--stream, or past --memory-limit) is evaluated as ope eval\n"
    "  --stream evaluates it, and is not held in memory: the report then has the\n"
    "  estimates, selection and methods, while its Data section gives the log's size\n"
    "  only (it says so); a trajectory log's Risk section has the tis and sn\n"
    "  distributions and the logged returns' (from every episode's return and weights,\n"
    "  kept as the windows pass), not dr's (its model needs every row). Not under\n"
    "  mpirun.\n"
    "\nExit status: 0 written, 64 usage, 65 bad data, 66 unreadable input, 70 a chart\n"
    "gnuplot could not draw (a bug in ope: nothing is written, the message says which\n"
    "chart and why), 73 the report cannot be written (exists without --force, not a\n"
    "regular file, directory missing or not writable, disk full).\n"
    "\nExamples:\n"
    "  ope report --demo -o demo.html\n"
    "  ope gen bandit --rows 5000 -o log.csv && ope report log.csv -o report.html\n"
    "  ope gen mdp riverswim --episodes 500 -o traj.csv --truth truth.csv\n"
    "  ope report traj.csv --truth truth.csv -o traj.md\n",
    report_exec,
    NULL
};
