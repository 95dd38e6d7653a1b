/* ope/cmd_plot.c: `ope plot KIND`: draw one chart with gnuplot, to an SVG/PNG/PDF
 * file (format from the -o extension) or as text in the terminal (--term dumb).
 * Kinds: estimates (from a log or an `ope eval --format json` file), weights,
 * sample-size (from a log), and cdf / topk / curves from a series CSV. */
#include "config.h"
#include "ope/cmd.h"
#include "ope/base/closest.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "datasets/blog.h"
#include "datasets/csv.h"
#include "estimators/ci.h"
#include "estimators/evaluate.h"
#include "ope/app/evalcli.h"
#include "ope/app/loadcli.h"
#include "ope/app/output.h"
#include "ope/app/resultread.h"
#include "ope/base/outfile.h"
#include "ope/base/strbuf.h"
#include "viz/chart.h"
#include "viz/chart_explore.h"
#include "viz/chart_select.h"
#include "viz/chart_train.h"
#include "viz/gp.h"

enum { PLOT_FROM_JSON = 0x5000, PLOT_FROM_CSV, PLOT_TERM, PLOT_WIDTH, PLOT_HEIGHT,
       PLOT_TITLE, PLOT_FORCE, PLOT_SIZE, PLOT_METRIC };

struct plot;

/* Where a chart's data come from, which decides the arguments it takes. */
enum plot_source {
    SRC_EVAL,       /* a log (evaluated here) or --from-json EVAL.json */
    SRC_LOG,        /* a log */
    SRC_SERIES,     /* --from-csv with columns series,x,y[,lo,hi] */
    SRC_FILE,       /* another command's saved output file */
};

/* The chart kinds: a new chart is one row here (and its builder in viz/). */
struct plot_kind {
    const char *name;
    enum plot_source source;
    const char *needs;      /* SRC_FILE: the message when the file is missing */
    int (*build)(struct plot *pl, struct strbuf *sb, struct ope_error *err);
    void (*series)(const struct chart_series *, size_t, const struct chart_text *,
                   struct strbuf *);            /* SRC_SERIES: the chart builder */
};

struct plot {
    struct evalcli ev;
    const struct plot_kind *k;
    const char *kind, *data, *json, *csv, *title, *metric;
    struct gp_out out;
    int dumb, quiet;
};

/* Give a built chart the caller's title: a `set title` just before its plot command. */
static int retitle(struct strbuf *sb, const char *title, struct ope_error *err)
{
    const char *s = strbuf_str(sb), *at = NULL;
    for (const char *p = strstr(s, "\nplot "); p; p = strstr(p + 1, "\nplot "))
        at = p + 1;
    if (!at)
        return 0;
    struct strbuf out = STRBUF_INIT;
    strbuf_add(&out, s, (size_t)(at - s));
    strbuf_puts(&out, "set title ");
    gp_quote(&out, title);
    strbuf_puts(&out, " noenhanced\n");
    strbuf_puts(&out, at);
    if (strbuf_failed(&out)) {
        strbuf_release(&out);
        return ope_fail_oom(err);
    }
    strbuf_release(sb);
    *sb = out;
    return 0;
}

/* The evaluation a chart draws: the saved JSON's, or the log's, evaluated here. */
static struct res_eval *plot_eval(struct plot *pl, struct ope_error *err)
{
    if (pl->json)
        return jr_load_eval(pl->json, err);
    pl->ev.progress = outcli_progress(&(struct outcli){ .quiet = pl->quiet });
    struct res_eval *r = evalcli_run(&pl->ev, pl->data, err);
    ope_progress_stderr_done();
    return r;
}

static int plot_estimates(struct plot *pl, struct strbuf *sb, struct ope_error *err)
{
    struct res_eval *r = plot_eval(pl, err);
    if (!r)
        return -1;
    chart_estimates(r, -1, r->behavior_value, "logged policy (mean reward)", sb);
    res_eval_free(r);
    return pl->title ? retitle(sb, pl->title, err) : 0;
}

/* The segments of an evaluation with --by (the log's, evaluated here, or its saved
 * JSON): the first estimator's estimate per segment and policy with its simultaneous
 * interval. */
static int plot_segments(struct plot *pl, struct strbuf *sb, struct ope_error *err)
{
    if (!pl->json && !pl->ev.set.by[0])
        return ope_fail(err, OPE_EUSAGE, "segments: give --by COLUMN (and --bins K for a "
                        "numeric column)");
    struct res_eval *r = plot_eval(pl, err);
    if (!r)
        return -1;
    if (!r->segments) {
        ope_fail(err, OPE_EDATA, "%s: an evaluation without segments (ope eval --by COLUMN "
                 "--format json)", pl->json ? pl->json : pl->data);
        res_eval_free(r);
        return -1;
    }
    chart_segments(r, 0, sb);
    res_eval_free(r);
    return pl->title ? retitle(sb, pl->title, err) : 0;
}

static struct blog *load_log(struct plot *pl, struct ope_error *err)
{
    /* These charts read bandit logs, where a policy file does not apply: said so
     * rather than "no policy 'NAME'". */
    if (evalcli_no_policy_files(&pl->ev, "the bandit logs this chart reads", err) != 0)
        return NULL;
    pl->ev.lo.want_policies = 1;
    return blog_load(pl->data, &pl->ev.lo, err);
}

static int plot_weights(struct plot *pl, struct strbuf *sb, struct ope_error *err)
{
    if (pl->ev.set.n_policies > 1)
        return ope_fail(err, OPE_EUSAGE, "weights: one --policy at a time");
    struct blog *b = load_log(pl, err);
    if (!b)
        return -1;
    const char *pname = pl->ev.set.n_policies ? pl->ev.set.policies[0]
                        : b->n_policies ? b->policy[0].name : "";
    int p = blog_policy_index(b, pname);
    double *w = p < 0 ? NULL : ope_calloc(b->n ? b->n : 1, sizeof *w, err);
    if (p < 0)
        ope_fail(err, OPE_EUSAGE, "%s has no policy '%s' (it has %zu: columns pi.NAME.A)",
                 pl->data, pname, b->n_policies);
    if (!w) {
        blog_free(b);
        return -1;
    }
    /* w_i = pi_e(a_i | x_i) / pi_b(a_i | x_i): pscore is in (0, 1] (checked on load). */
    for (size_t i = 0; i < b->n; i++)
        w[i] = b->policy[p].prob[b->action[i]][i] / b->pscore[i];
    struct strbuf title = STRBUF_INIT;     /* the whole name, however long */
    strbuf_printf(&title, "Importance weights of policy %s", pname);
    chart_weights(w, b->n, pl->title ? pl->title : strbuf_str(&title), sb);
    if (strbuf_failed(&title))
        sb->failed = 1;
    strbuf_release(&title);
    free(w);
    blog_free(b);
    return 0;
}

/* Estimates of one policy on the first n rows, n doubling from 100 up to all rows:
 * how estimates settle (or do not) as data grows. A prefix is a shallow view of the
 * loaded columns. Bootstrap intervals become t intervals here (one evaluation per n). */
static int plot_sample_size(struct plot *pl, struct strbuf *sb, struct ope_error *err)
{
    struct blog *b = load_log(pl, err);
    if (!b)
        return -1;
    enum { MAXK = 24, MAXE = 6 };
    struct est_spec *spec = NULL;
    size_t n_spec = 0, m = 0;
    double sizes[MAXK], val[MAXE * MAXK], lo[MAXE * MAXK], hi[MAXE * MAXK], truth = NAN;
    const char *names[MAXE];
    const char *pname = pl->ev.set.n_policies ? pl->ev.set.policies[0]
                        : b->n_policies ? b->policy[0].name : "";
    int rc = est_spec_list(pl->ev.set.estimators[0] ? pl->ev.set.estimators
                                                    : "ipw,snipw,ipw:clip=10",
                           EST_BANDIT, &spec, &n_spec, err);
    if (rc == 0 && n_spec > MAXE)
        rc = ope_fail(err, OPE_EUSAGE, "at most %d estimators on this chart", MAXE);
    for (double n = 100; rc == 0 && m < MAXK; n *= 2) {
        sizes[m++] = n < (double)b->n ? n : (double)b->n;
        if (n >= (double)b->n)
            break;
    }
    struct eval_opts o;
    eval_settings_to_opts(&pl->ev.set, &o, NULL, err);
    o.spec = spec;
    o.n_spec = n_spec;
    o.ci = o.ci == CI_BOOTSTRAP ? CI_T : o.ci;
    o.policies = &pname;
    o.n_policies = 1;
    for (size_t k = 0; rc == 0 && k < m; k++) {
        struct blog view = *b;
        view.n = (size_t)sizes[k];
        struct res_eval *r = eval_bandit(&view, &o, err);
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
    if (rc == 0) {
        for (size_t e = 0; e < n_spec; e++)
            names[e] = spec[e].label;
        struct strbuf title = STRBUF_INIT;
        strbuf_printf(&title, "Policy %s: estimate vs rows used", pname);
        chart_sample_size(names, n_spec, sizes, m, val, lo, hi, truth,
                          pl->title ? pl->title : strbuf_str(&title), sb);
        if (strbuf_failed(&title))
            sb->failed = 1;
        strbuf_release(&title);
    }
    free(spec);
    blog_free(b);
    return rc;
}

/* Series for cdf / topk / curves from a CSV with a header naming series, x, y and
 * optionally lo, hi; rows of one series keep their order. */
struct series_set {
    size_t n, cap_s;
    struct chart_series *s;
    char **names;
    double **col[4];            /* x, y, lo, hi per series */
    size_t *cap;
    int band;
};

static void series_release(struct series_set *ss)
{
    for (size_t k = 0; k < ss->n; k++) {
        free(ss->names[k]);
        for (int c = 0; c < 4; c++)
            free(ss->col[c][k]);
    }
    for (int c = 0; c < 4; c++)
        free(ss->col[c]);
    free(ss->names);
    free(ss->cap);
    free(ss->s);
}

/* The series called name (added when new); NULL on out-of-memory. */
static struct chart_series *series_get(struct series_set *ss, const char *name, size_t *idx)
{
    for (size_t k = 0; k < ss->n; k++)
        if (strcmp(ss->names[k], name) == 0) {
            *idx = k;
            return &ss->s[k];
        }
    if (ss->n == ss->cap_s) {
        size_t c = ss->cap_s ? 2 * ss->cap_s : 4;
        void *p[7] = { realloc(ss->s, c * sizeof *ss->s), realloc(ss->names, c * sizeof(char *)),
                       realloc(ss->cap, c * sizeof(size_t)) };
        if (p[0]) ss->s = p[0];
        if (p[1]) ss->names = p[1];
        if (p[2]) ss->cap = p[2];
        int ok = p[0] && p[1] && p[2];
        for (int j = 0; j < 4; j++) {
            double **q = realloc(ss->col[j], c * sizeof *q);
            if (q)
                ss->col[j] = q;
            ok = ok && q;
        }
        if (!ok)
            return NULL;
        ss->cap_s = c;
    }
    size_t k = ss->n;
    ss->names[k] = strdup(name);
    if (!ss->names[k])
        return NULL;
    for (int j = 0; j < 4; j++)
        ss->col[j][k] = NULL;
    ss->cap[k] = 0;
    memset(&ss->s[k], 0, sizeof ss->s[k]);
    ss->n++;
    *idx = k;
    return &ss->s[k];
}

static int read_series(const char *path, struct series_set *ss, struct ope_error *err)
{
    struct csv_reader *r = csv_open(path, ',', err);
    if (!r)
        return -1;
    const struct csv_field *f;
    size_t nf;
    int at[5] = { -1, -1, -1, -1, -1 };    /* series, x, y, lo, hi */
    static const char *const want[5] = { "series", "x", "y", "lo", "hi" };
    int rc = csv_next(r, &f, &nf, err);
    if (rc == 0)
        rc = ope_fail(err, OPE_EDATA, "%s: empty file (expected a header series,x,y[,lo,hi])",
                      path);
    for (size_t i = 0; rc == 1 && i < nf; i++)
        for (int j = 0; j < 5; j++)
            if (strcmp(f[i].s, want[j]) == 0)
                at[j] = (int)i;
    if (rc == 1 && (at[0] < 0 || at[1] < 0 || at[2] < 0 || (at[3] < 0) != (at[4] < 0)))
        rc = ope_fail(err, OPE_EDATA, "%s:1: the header needs columns series, x and y (and "
                      "lo with hi for bands); got %zu columns", path, nf);
    ss->band = at[3] >= 0;
    while (rc >= 0 && (rc = csv_next(r, &f, &nf, err)) == 1) {
        if (nf == 1 && f[0].len == 0)
            continue;                       /* blank line */
        size_t k = 0;       /* set by series_get; -O1 cannot see that */
        double v[4] = { 0, 0, 0, 0 };
        for (int j = 1; j < 5 && rc == 1; j++) {
            if (at[j] < 0)
                continue;
            if ((size_t)at[j] >= nf)
                rc = ope_fail(err, OPE_EDATA, "%s:%zu: %zu fields, expected at least %d",
                              path, csv_record_line(r), nf, at[j] + 1);
            else if (csv_parse_double(f[at[j]].s, f[at[j]].len, &v[j - 1]) != 0)
                rc = ope_fail(err, OPE_EDATA, "%s:%zu:%zu: column %s: expected a finite "
                              "number, got '%.40s'", path, f[at[j]].line, f[at[j]].col,
                              want[j], f[at[j]].s);
        }
        if (rc == 1 && (size_t)at[0] >= nf)
            rc = ope_fail(err, OPE_EDATA, "%s:%zu: missing the series field", path,
                          csv_record_line(r));
        struct chart_series *s = rc == 1 ? series_get(ss, f[at[0]].s, &k) : NULL;
        if (rc == 1 && !s)
            rc = ope_fail_oom(err);
        if (rc == 1 && s->n == ss->cap[k]) {
            size_t c = ss->cap[k] ? 2 * ss->cap[k] : 64;
            for (int j = 0; j < 4; j++) {
                double *q = realloc(ss->col[j][k], c * sizeof *q);
                if (!q) {
                    rc = ope_fail_oom(err);
                    break;
                }
                ss->col[j][k] = q;
            }
            if (rc == 1)
                ss->cap[k] = c;
        }
        if (rc == 1) {
            for (int j = 0; j < 4; j++)
                ss->col[j][k][s->n] = v[j];
            s->n++;
        }
    }
    csv_close(r);
    if (rc < 0)
        return -1;
    if (ss->n == 0)
        return ope_fail(err, OPE_EDATA, "%s: no data rows", path);
    for (size_t k = 0; k < ss->n; k++) {
        ss->s[k].name = ss->names[k];
        ss->s[k].x = ss->col[0][k];
        ss->s[k].y = ss->col[1][k];
        ss->s[k].lo = ss->band ? ss->col[2][k] : NULL;
        ss->s[k].hi = ss->band ? ss->col[3][k] : NULL;
    }
    return 0;
}

static int plot_series(struct plot *pl, struct strbuf *sb, struct ope_error *err)
{
    struct series_set ss;
    memset(&ss, 0, sizeof ss);
    if (read_series(pl->csv, &ss, err) != 0) {
        series_release(&ss);
        return -1;
    }
    struct chart_text t = { pl->title, NULL, NULL, pl->dumb };
    pl->k->series(ss.s, ss.n, &t, sb);
    series_release(&ss);
    return 0;
}

/* Charts of another command's saved result (the file is DATA): its one reader
 * (ope/app/resultread.h), then the chart builder that draws it from memory too. */
static int plot_sharpe(struct plot *pl, struct strbuf *sb, struct ope_error *err)
{
    struct chart_text t = { pl->title, NULL, NULL, pl->dumb };
    struct ops_curves c;
    if (rr_load_select(pl->data, &c, err) != 0)
        return -1;
    int rc = chart_select(&c, pl->metric ? pl->metric : "sharpe_ratio", &t, sb, err);
    ops_curves_release(&c);
    return rc;
}

static int plot_train(struct plot *pl, struct strbuf *sb, struct ope_error *err)
{
    struct chart_text t = { pl->title, NULL, NULL, pl->dumb };
    struct pg_result *res;
    size_t n;
    if (rr_load_curves(pl->data, &res, &n, err) != 0)
        return -1;
    int rc = chart_train(res, n, &t, sb, err);
    rr_curves_free(res, n);
    return rc;
}

static int plot_runs(struct plot *pl, int value_view, struct strbuf *sb, struct ope_error *err)
{
    struct chart_text t = { pl->title, NULL, NULL, pl->dumb };
    struct xpl_runs x;
    if (rr_load_explore(pl->data, &x, err) != 0)
        return -1;
    int rc = chart_explore(&x, value_view, &t, sb, err);
    xpl_runs_release(&x);
    return rc;
}

static int plot_regret(struct plot *pl, struct strbuf *sb, struct ope_error *err)
{
    return plot_runs(pl, 0, sb, err);
}

static int plot_value(struct plot *pl, struct strbuf *sb, struct ope_error *err)
{
    return plot_runs(pl, 1, sb, err);
}

static const struct plot_kind plot_kinds[] = {
    { "estimates", SRC_EVAL, NULL, plot_estimates, NULL },
    { "segments", SRC_EVAL, NULL, plot_segments, NULL },
    { "weights", SRC_LOG, NULL, plot_weights, NULL },
    { "sample-size", SRC_LOG, NULL, plot_sample_size, NULL },
    { "learn", SRC_LOG, NULL, plot_sample_size, NULL },
    { "cdf", SRC_SERIES, NULL, plot_series, chart_cdf },
    { "topk", SRC_SERIES, NULL, plot_series, chart_topk },
    { "curves", SRC_SERIES, NULL, plot_series, chart_curves },
    { "regret", SRC_FILE, "regret: which run file? ope plot regret RUN.csv (from ope explore -o)",
      plot_regret, NULL },
    { "value", SRC_FILE, "value: which run file? ope plot value RUN.csv (from ope explore -o)",
      plot_value, NULL },
    { "sharpe", SRC_FILE, "sharpe: which file? ope plot sharpe SELECT.csv (from ope select "
      "--format csv)", plot_sharpe, NULL },
    { "train", SRC_FILE, "train: which file? ope plot train CURVES.csv (from ope train --env, "
      "--curve or --compare -o)", plot_train, NULL },
};
#define N_PLOT_KINDS (sizeof plot_kinds / sizeof plot_kinds[0])

/* Check the command line before anything runs. Returns 0 or an exit status. */
static int plot_check_args(struct plot *pl, const char *term)
{
    const char *names[N_PLOT_KINDS];
    pl->k = NULL;
    for (size_t i = 0; i < N_PLOT_KINDS; i++) {
        names[i] = plot_kinds[i].name;
        if (strcmp(plot_kinds[i].name, pl->kind) == 0)
            pl->k = &plot_kinds[i];
    }
    if (!pl->k) {
        const char *near = ope_closest(pl->kind, names, N_PLOT_KINDS);
        return cli_usage("plot", "unknown chart '%s'%s%s%s (estimates, segments, weights, sample-size, "
                         "cdf, topk, curves, regret, value, sharpe, train)", pl->kind,
                         near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
    }
    enum plot_source src = pl->k->source;
    if (src == SRC_FILE && !pl->data)
        return cli_usage("plot", "%s", pl->k->needs);
    if (src == SRC_SERIES && !pl->csv)
        return cli_usage("plot", "%s charts read --from-csv FILE (columns series,x,y[,lo,hi])",
                         pl->kind);
    if (src == SRC_EVAL && !pl->json == !pl->data)
        return cli_usage("plot", "estimates: give a log, or --from-json EVAL.json (not both)");
    if (src == SRC_LOG && !pl->data)
        return cli_usage("plot", "%s: which log? ope plot %s LOG.csv", pl->kind, pl->kind);
    if ((src == SRC_SERIES || pl->json) && pl->data)
        return cli_usage("plot", "unexpected argument '%s'", pl->data);
    /* -o -: the chart on standard output, which for a chart is the text drawing. */
    if (pl->out.path && strcmp(pl->out.path, "-") == 0) {
        pl->out.path = NULL;
        if (!term)
            term = "dumb";
    }
    if (term && strcmp(term, "dumb") != 0)
        return cli_usage("plot", "--term: only 'dumb' (files take their format from the "
                         "extension of -o)");
    pl->dumb = term != NULL || !pl->out.path;
    if (pl->dumb && pl->out.path)
        return cli_usage("plot", "either -o FILE or --term dumb, not both");
    struct ope_error err = { 0 };
    if (!pl->dumb && gp_term_from_path(pl->out.path, &pl->out.term) != 0)
        return cli_usage("plot", "-o %s: the name must end in .svg, .png or .pdf",
                         pl->out.path);
    if (!pl->dumb && ope_outfile_check(pl->out.path, pl->out.force, &err) != 0)
        return cli_error(&err);
    if (pl->dumb)
        pl->out.term = GP_DUMB;
    return 0;
}

/* Build the chart's script and draw it. */
static int plot_render(struct plot *pl, struct gp *g, struct ope_error *err)
{
    struct strbuf sb = STRBUF_INIT;
    int rc;
    rc = pl->k->build(pl, &sb, err);
    if (rc == 0 && strbuf_failed(&sb))
        rc = ope_fail_oom(err);
    if (rc == 0) {
        if (pl->dumb && pl->out.width <= 0) {
            pl->out.width = 100;
            pl->out.height = 30;
        } else if (!pl->dumb && pl->out.width <= 0) {
            pl->out.width = 900;
            pl->out.height = 540;
        }
        rc = gp_render(g, &pl->out, strbuf_str(&sb), err);
    }
    strbuf_release(&sb);
    if (rc == 0 && pl->out.note[0] && !pl->quiet)
        fprintf(stderr, "ope plot: note: %s\n", pl->out.note);
    if (rc == 0 && pl->out.text)
        fputs(pl->out.text, stdout);
    free(pl->out.text);
    return rc;
}

static int plot_exec(int argc, char **argv)
{
    static const struct option opts[] = {
        EVALCLI_OPTIONS,
        EVALCLI_SEG_OPTIONS,
        LOADCLI_OPTIONS,
        { "output", required_argument, NULL, 'o' },
        { "force", no_argument, NULL, PLOT_FORCE },
        { "from-json", required_argument, NULL, PLOT_FROM_JSON },
        { "from-csv", required_argument, NULL, PLOT_FROM_CSV },
        { "term", required_argument, NULL, PLOT_TERM },
        { "width", required_argument, NULL, PLOT_WIDTH },
        { "height", required_argument, NULL, PLOT_HEIGHT },
        { "title", required_argument, NULL, PLOT_TITLE },
        { "size", required_argument, NULL, PLOT_SIZE },
        { "metric", required_argument, NULL, PLOT_METRIC },
        { "quiet", no_argument, NULL, 'q' },
        { NULL, 0, NULL, 0 }
    };
    struct plot pl;
    memset(&pl, 0, sizeof pl);
    evalcli_init(&pl.ev);
    const char *term = NULL;
    long v;
    int opt;
    struct ope_error err = { 0 };
    while ((opt = cli_getopt("plot", argc, argv, "o:q", opts)) != -1) {
        if (opt == '?')
            return OPE_EUSAGE;
        int rc = evalcli_option(&pl.ev, opt, optarg, &err);
        if (rc == 0)
            rc = loadcli_option(&pl.ev.lo, opt, optarg, &err);
        if (rc < 0)
            return cli_usage("plot", "%s", err.msg);
        if (rc == 1)
            continue;
        switch (opt) {
        case 'o': pl.out.path = optarg; break;
        case 'q': pl.quiet = 1; break;
        case PLOT_FORCE: pl.out.force = 1; break;
        case PLOT_FROM_JSON: pl.json = optarg; break;
        case PLOT_FROM_CSV: pl.csv = optarg; break;
        case PLOT_TERM: term = optarg; break;
        case PLOT_TITLE: pl.title = optarg; break;
        case PLOT_METRIC:
            if (strcmp(optarg, "sharpe_ratio") && strcmp(optarg, "best") && strcmp(optarg, "worst") &&
                strcmp(optarg, "mean") && strcmp(optarg, "std") &&
                strcmp(optarg, "safety_violation_rate"))
                return cli_usage("plot", "--metric: sharpe_ratio, best, worst, mean, std or "
                                 "safety_violation_rate, got '%s'", optarg);
            pl.metric = optarg;
            break;
        case PLOT_SIZE: {
            char extra;
            if (sscanf(optarg, "%dx%d%c", &pl.out.width, &pl.out.height, &extra) != 2 ||
                pl.out.width < 20 || pl.out.height < 8 || pl.out.width > 10000 ||
                pl.out.height > 10000)
                return cli_usage("plot", "--size expects WxH, e.g. 900x540, got '%s'", optarg);
            break;
        }
        case PLOT_WIDTH:
        case PLOT_HEIGHT:
            if (cli_parse_int("plot", opt == PLOT_WIDTH ? "--width" : "--height", optarg, 1,
                              10000, &v) != 0)
                return OPE_EUSAGE;
            *(opt == PLOT_WIDTH ? &pl.out.width : &pl.out.height) = (int)v;
            break;
        default:
            return OPE_EUSAGE;
        }
    }
    if (optind >= argc) {
        char kinds[256] = "";
        for (size_t i = 0; i < N_PLOT_KINDS; i++) {
            size_t l = strlen(kinds);
            snprintf(kinds + l, sizeof kinds - l, "%s%s", i ? (i + 1 < N_PLOT_KINDS ? ", " : " or ")
                     : "", plot_kinds[i].name);
        }
        return cli_usage("plot", "which chart? %s", kinds);
    }
    pl.kind = argv[optind++];
    if (optind < argc)
        pl.data = argv[optind++];
    if (optind < argc)
        return cli_usage("plot", "unexpected argument '%s'", argv[optind]);
    int rc = plot_check_args(&pl, term);
    if (rc != 0)
        return rc;
    /* gnuplot first: if it is missing, say so before any long computation. */
    struct gp *g = gp_open(&err);
    if (!g)
        return cli_error(&err);
    rc = plot_render(&pl, g, &err);
    gp_close(g);
    return rc ? cli_error(&err) : 0;
}

const struct cmd_entry cmd_plot_entry = {
    "plot",
    "ope plot KIND [DATA] [options] (-o FILE.svg|png|pdf | --term dumb)",
    "draw a chart with gnuplot: estimates, weights, sample-size, regret, ...",
    "Kinds:\n"
    "  estimates DATA           every estimator on every policy with intervals\n"
    "                           (evaluation options below), ground truth when known\n"
    "  estimates --from-json F  the same from `ope eval --format json` output\n"
    "  segments DATA --by COLUMN [--bins K]\n"
    "                           the first estimator per segment of a context column,\n"
    "                           one colour per policy, intervals simultaneous over the\n"
    "                           segments (ope eval --by); or --from-json F, the JSON\n"
    "                           of ope eval --by\n"
    "  weights DATA --policy P  histogram of the importance weights of policy P\n"
    "                           (log-scaled bins; default: the first policy)\n"
    "  sample-size DATA --policy P   (alias: learn)\n"
    "                           estimates on the first n rows, n doubling from 100,\n"
    "                           t intervals (default estimators ipw,snipw,ipw:clip=10)\n"
    "  cdf|topk|curves --from-csv F\n"
    "                           lines from a CSV with columns series,x,y[,lo,hi]:\n"
    "                           return CDFs, top-k metric curves, per-episode values\n"
    "                           with seed bands\n"
    "  regret RUN.csv           cumulative regret per algorithm of an `ope explore -o`\n"
    "                           run file (mean over runs, min-max band)\n"
    "  value RUN.csv            the executed policy's exact value per episode against\n"
    "                           the constraint (1 - alpha) V^b\n"
    "  sharpe SELECT.csv        top-k curves of `ope select --format csv`, one line per\n"
    "                           estimator: SharpeRatio@k, or --metric best|worst|mean|\n"
    "                           std|safety_violation_rate\n"
    "  train CURVES.csv         learning curves of `ope train ALGO --env` / --compare:\n"
    "                           exact value against environment steps, mean over\n"
    "                           seeds with the min-max band\n"
    "Output:\n"
    "  -o, --output FILE        write FILE; .svg, .png or .pdf picks the format;\n"
    "                           -o - draws as text on standard output (--term dumb)\n"
    "  -q, --quiet              no notes or progress on standard error\n"
    "  --force                  replace an existing file\n"
    "  --term dumb              draw as text on standard output (the default without -o)\n"
    "  --size WxH               pixels (files, default 900x540) or characters (dumb,\n"
    "                           default 100x30); also --width W, --height H\n"
    "  --title TEXT             replace the chart's title\n"
    EVALCLI_HELP
    EVALCLI_SEG_HELP
    LOADCLI_HELP
    "gnuplot 5 is needed (OPE_GNUPLOT=/path/to/gnuplot picks one); without it ope plot\n"
    "exits with status 69 and everything else in ope keeps working.\n"
    "\nExit status: 0 drawn, 64 usage, 65 bad data, 66 unreadable input, 69 no gnuplot,\n"
    "70 gnuplot rejected the chart's script (a bug in ope), 73 the chart cannot be\n"
    "written (exists without --force, not a regular file, disk full: gnuplot's file is\n"
    "checked whole before it is put in place; nothing partial is left behind).\n",
    plot_exec,
    NULL
};
