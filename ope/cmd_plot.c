/* ope/cmd_plot.c: `ope plot KIND LOG [options] -o FILE.svg|png|pdf` (or --term dumb):
 * the workbench's charts from the command line. */
#include "config.h"
#include "ope/cmd.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/blog.h"
#include "estimators/ci.h"
#include "estimators/evaluate.h"
#include "ope/evalcli.h"
#include "ope/loadcli.h"
#include "viz/chart.h"
#include "viz/gp.h"
#include "ope/outfile.h"

/* Importance weights of one policy of a log. */
static int weights_script(struct evalcli *c, const char *path, struct strbuf *sb,
                          struct ope_error *err)
{
    c->lo.want_policies = 1;
    struct blog *log = blog_load(path, &c->lo, err);
    if (!log)
        return -1;
    int p = c->n_policies ? blog_policy_index(log, c->policies[0]) : 0;
    if (p < 0 || (size_t)p >= log->n_policies) {
        ope_fail(err, OPE_EUSAGE, "%s: no policy '%s'", path,
                 c->n_policies ? c->policies[0] : "(any)");
        blog_free(log);
        return -1;
    }
    double *w = ope_malloc(log->n * sizeof *w, err);
    if (!w) {
        blog_free(log);
        return -1;
    }
    for (size_t i = 0; i < log->n; i++)
        w[i] = log->policy[p].prob[log->action[i]][i] / log->pscore[i];
    char title[200];
    snprintf(title, sizeof title, "Importance weights of policy %s", log->policy[p].name);
    chart_weights(w, log->n, title, sb);
    free(w);
    blog_free(log);
    return 0;
}

/* Estimates of the first policy on growing prefixes of the log (teaching). */
static int sample_size_script(struct evalcli *c, const char *path, struct strbuf *sb,
                              struct ope_error *err)
{
    c->lo.want_policies = 1;
    struct blog *log = blog_load(path, &c->lo, err);
    if (!log)
        return -1;
    struct est_spec *spec = NULL;
    size_t n_spec = 0;
    if (est_spec_list(c->estimators ? c->estimators : "ipw,snipw,ipw:clip=10", EST_BANDIT,
                      &spec, &n_spec, err) != 0 || n_spec > 6) {
        if (n_spec > 6)
            ope_fail(err, OPE_EUSAGE, "at most 6 estimators on this chart");
        free(spec);
        blog_free(log);
        return -1;
    }
    const char *pname = c->n_policies ? c->policies[0] : log->policy[0].name;
    struct eval_opts o = c->eo;
    o.spec = spec;
    o.n_spec = n_spec;
    if (o.ci == CI_BOOTSTRAP)
        o.ci = CI_T;
    o.policies = &pname;
    o.n_policies = 1;
    double sizes[24], val[6 * 24], lo[6 * 24], hi[6 * 24], truth = NAN;
    size_t m = 0;
    for (double s = 100; m < 24; s *= 2) {
        sizes[m++] = s < (double)log->n ? s : (double)log->n;
        if (s >= (double)log->n)
            break;
    }
    const char *names[6];
    int rc = 0;
    for (size_t k = 0; k < m && rc == 0; k++) {
        struct blog sub = *log;
        sub.n = (size_t)sizes[k];
        struct res_eval *r = eval_bandit(&sub, &o, err);
        if (!r) {
            rc = -1;
            break;
        }
        for (size_t e = 0; e < n_spec; e++) {
            val[e * m + k] = r->pol[0].est[e].value;
            lo[e * m + k] = r->pol[0].est[e].lower;
            hi[e * m + k] = r->pol[0].est[e].upper;
        }
        truth = r->pol[0].truth;
        res_eval_free(r);
    }
    for (size_t e = 0; e < n_spec; e++)
        names[e] = spec[e].label;
    if (rc == 0) {
        char title[200];
        snprintf(title, sizeof title, "Policy %s: estimate vs rows used", pname);
        chart_sample_size(names, n_spec, sizes, m, val, lo, hi, truth, title, sb);
    }
    free(spec);
    blog_free(log);
    return rc;
}

static int plot_exec(int argc, char **argv)
{
    static const struct option opts[] = {
        EVALCLI_OPTIONS,
        LOADCLI_OPTIONS,
        { "output", required_argument, NULL, 'o' },
        { "term", required_argument, NULL, 't' },
        { "size", required_argument, NULL, 'S' },
        { "force", no_argument, NULL, 'F' },
        { NULL, 0, NULL, 0 }
    };
    struct evalcli c;
    evalcli_init(&c);
    const char *out = NULL, *term = NULL;
    int force = 0, width = 0, height = 0, opt;
    struct ope_error err = { 0 };
    while ((opt = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        int rc = evalcli_option(&c, opt, optarg, &err);
        if (rc == 0)
            rc = loadcli_option(&c.lo, opt, optarg, &err);
        if (rc < 0)
            return cli_usage("plot", "%s", err.msg);
        if (rc == 1)
            continue;
        switch (opt) {
        case 'o':
            out = optarg;
            break;
        case 't':
            if (strcmp(optarg, "dumb") != 0)
                return cli_usage("plot", "--term: only 'dumb' (files take their terminal from "
                                 "the extension of -o)");
            term = "dumb";
            break;
        case 'S':
            if (sscanf(optarg, "%dx%d", &width, &height) != 2 || width < 20 || height < 8 ||
                width > 10000 || height > 10000)
                return cli_usage("plot", "--size expects WxH, e.g. 900x540, got '%s'", optarg);
            break;
        case 'F':
            force = 1;
            break;
        default:
            return cli_usage("plot", "unknown option");
        }
    }
    if (optind + 2 != argc)
        return cli_usage("plot", "expected KIND and LOG: ope plot estimates|weights|learn LOG.csv");
    const char *kind = argv[optind], *path = argv[optind + 1];
    if (!term) {
        if (!out)
            return cli_usage("plot", "where to? give -o FILE.svg|png|pdf, or --term dumb");
        term = gp_term_for_path(out);
        if (!term)
            return cli_usage("plot", "'%s': the output must end in .svg, .png or .pdf", out);
    }
    int dumb = strcmp(term, "dumb") == 0;
    if (!width) {
        width = dumb ? 100 : 900;
        height = dumb ? 30 : 540;
    }
    if (!dumb && ope_outfile_check(out, force, &err) != 0)
        return cli_error(&err);
    struct strbuf sb = STRBUF_INIT;
    int rc;
    if (strcmp(kind, "estimates") == 0) {
        c.eo.progress = ope_progress_cli();
        struct res_eval *r = evalcli_run(&c, path, &err);
        ope_progress_stderr_done();
        rc = r ? 0 : -1;
        if (r)
            chart_estimates(r, -1, NAN, NULL, &sb);
        res_eval_free(r);
    } else if (strcmp(kind, "weights") == 0) {
        rc = weights_script(&c, path, &sb, &err);
    } else if (strcmp(kind, "learn") == 0) {
        rc = sample_size_script(&c, path, &sb, &err);
    } else {
        strbuf_release(&sb);
        return cli_usage("plot", "unknown chart '%s' (estimates, weights, learn)", kind);
    }
    char *text = NULL;
    if (rc == 0)
        rc = gp_run(strbuf_str(&sb), term, width, height, out, force, dumb ? &text : NULL, &err);
    strbuf_release(&sb);
    if (rc != 0)
        return cli_error(&err);
    if (text)
        fputs(text, stdout);
    free(text);
    return 0;
}

const struct cmd_entry cmd_plot_entry = {
    "plot", "ope plot estimates|weights|learn LOG.csv [options] -o FILE.svg|png|pdf",
    "draw a chart with gnuplot: estimates with intervals, weights, estimate vs n",
    "Charts (gnuplot, through a pipe; every name from the data is quoted so it is shown\n"
    "literally):\n"
    "  estimates   every estimator's value and interval per policy, truth markers\n"
    "  weights     histogram of the importance weights of --policy NAME (log bins)\n"
    "  learn       estimates of --policy NAME on the first n rows for growing n, with\n"
    "              t intervals (default estimators ipw,snipw,ipw:clip=10)\n\n"
    "  -o, --output FILE     .svg, .png (pngcairo) or .pdf (pdfcairo); written\n"
    "                        atomically; --force replaces an existing file\n"
    "      --term dumb       draw in the terminal instead (text on standard output)\n"
    "      --size WxH        pixels (files, default 900x540) or characters (dumb)\n\n"
    "The evaluation options of `ope eval` apply (estimators, --ci, --seed, ...).\n"
    "Without gnuplot the command exits with status 69; nothing else needs it.\n\n"
    EVALCLI_HELP "\n" LOADCLI_HELP,
    plot_exec
};
