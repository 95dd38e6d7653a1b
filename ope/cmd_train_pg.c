/* ope/cmd_train_pg.c: `ope train ALGO --env ENV` and `ope train --compare --env ENV`:
 * policy-gradient training (ope/learn/pg/pg.h) on a built-in environment, R seeded runs,
 * the final policy as a policy file, the per-iteration curve CSV, and a summary table
 * (final exact value, % of V*, samples) with every constant used. */
#include "config.h"
#include "ope/cmd.h"
#include "ope/cmd_train_pg.h"
#include "ope/base/closest.h"
#include "ope/learn/train/train.h"
#include "ope/app/envcli.h"
#include "ope/app/output.h"
#include "ope/base/json.h"
#include "ope/base/outfile.h"
#include "ope/learn/pg/copg.h"
#include "ope/learn/pg/pg.h"
#include "ope/learn/pg/props.h"
#include "ope/base/progress.h"
#include "ope/base/strbuf.h"
#include "datasets/env.h"
#include "datasets/loadopts.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "datasets/tlog.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ALGOS 8

struct pgcli {
    const char *algo, *curve, *offline, *algorithms, *policy;
    struct outcli out;          /* -o: policy file (curves with --compare); --format: summary */
    enum out_format format;
    struct envcli ec;           /* --env, --param (or KEY=VALUE words), --horizon */
    long runs, threads, episodes;
    double gamma;
    uint64_t seed;
    int compare, iter_set;
    int K;                          /* linear basis size; 0: tabular */
    struct pg_params p;
    struct props_opts po;
    struct pg_copg_opts co;
    struct tlog *off;
};

enum { O_GAMMA = 256, O_ITER, O_EPISODES, O_RUNS, O_SEED, O_STEP,
       O_BATCH, O_EXACT, O_DAMP, O_NOBASE, O_BRATE, O_IETA, O_IGAM, O_OFFLINE, O_CL2,
       O_PCLIP, O_PKLW, O_PTKL, O_PLR, O_PEP, O_PEVERY, O_PBUF, O_PAIRS, O_RSD, O_BETA,
       O_METHOD, O_POLICY, O_COMPARE, O_ALGOS, O_CURVE, O_THREADS, O_HELP };

const struct option train_pg_options[] = {
    ENVCLI_OPTIONS, {"gamma", required_argument, 0, O_GAMMA},
    {"iterations", required_argument, 0, O_ITER}, {"episodes", required_argument, 0, O_EPISODES},
    {"runs", required_argument, 0, O_RUNS}, {"seed", required_argument, 0, O_SEED},
    {"step-size", required_argument, 0, O_STEP}, {"step", required_argument, 0, O_STEP},
    {"batch", required_argument, 0, O_BATCH}, {"exact", no_argument, 0, O_EXACT},
    {"damping", required_argument, 0, O_DAMP}, {"no-baseline", no_argument, 0, O_NOBASE},
    {"baseline-rate", required_argument, 0, O_BRATE},
    {"igt-eta-exp", required_argument, 0, O_IETA}, {"igt-gamma-exp", required_argument, 0, O_IGAM},
    {"offline", required_argument, 0, O_OFFLINE}, {"critic-l2", required_argument, 0, O_CL2},
    {"props-clip", required_argument, 0, O_PCLIP}, {"props-kl-weight", required_argument, 0, O_PKLW},
    {"props-target-kl", required_argument, 0, O_PTKL},
    {"props-step-size", required_argument, 0, O_PLR},
    {"props-epochs", required_argument, 0, O_PEP}, {"props-every", required_argument, 0, O_PEVERY},
    {"props-buffer", required_argument, 0, O_PBUF}, {"pairs", required_argument, 0, O_PAIRS},
    {"reward-sd", required_argument, 0, O_RSD}, {"beta", required_argument, 0, O_BETA},
    {"method", required_argument, 0, O_METHOD}, {"policy", required_argument, 0, O_POLICY},
    {"compare", no_argument, 0, O_COMPARE}, {"algorithms", required_argument, 0, O_ALGOS},
    {"curve", required_argument, 0, O_CURVE}, {"threads", required_argument, 0, O_THREADS},
    {"help", no_argument, 0, O_HELP}, OUTCLI_OPTIONS, {0, 0, 0, 0}
};

/* An integer option into an int field. */
static int opt_int(const char *name, const char *arg, long lo, long hi, int *out)
{
    long v;
    if (cli_parse_int("train", name, arg, lo, hi, &v))
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_policy(struct pgcli *c, const char *s)
{
    if (strcmp(s, "tabular") == 0) {
        c->K = 0;
        return 0;
    }
    long K;
    char extra;
    if (sscanf(s, "linear:%ld%c", &K, &extra) == 1 && K >= 1 && K <= PG_MAX_BASIS) {
        c->K = (int)K;
        return 0;
    }
    return cli_usage("train", "--policy: tabular or linear:K with K in 1..%d, got '%s'",
                     PG_MAX_BASIS, s);
}

/* One option; 0, or an exit status. */
static int parse_one(struct pgcli *c, int opt, const char *a)
{
    const char *cmd = "train";
    long v;
    switch (opt) {
    case O_GAMMA: return cli_parse_double(cmd, "--gamma", a, 0.0, 1.0, &c->gamma);
    case O_ITER:
        c->iter_set = 1;
        return cli_parse_int(cmd, "--iterations", a, 1, 10000000, &c->p.iterations);
    case O_EPISODES: return cli_parse_int(cmd, "--episodes", a, 1, 100000000, &c->episodes);
    case O_RUNS: return cli_parse_int(cmd, "--runs", a, 1, 10000, &c->runs);
    case O_SEED:
        return cli_parse_seed(cmd, "--seed", a, &c->seed) ? OPE_EUSAGE : 0;
    case O_STEP: return cli_parse_double(cmd, "--step-size", a, 1e-12, 1e6, &c->p.step);
    case O_BATCH: return opt_int("--batch", a, 1, 1000000, &c->p.batch) ? OPE_EUSAGE : 0;
    case O_EXACT: c->p.exact = 1; return 0;
    case O_DAMP: return cli_parse_double(cmd, "--damping", a, 1e-12, 1e12, &c->p.damping);
    case O_NOBASE: c->p.use_baseline = 0; return 0;
    case O_BRATE: return cli_parse_double(cmd, "--baseline-rate", a, 1e-9, 1.0, &c->p.baseline_rate);
    case O_IETA: return cli_parse_double(cmd, "--igt-eta-exp", a, 0.0, 1.0, &c->p.igt_eta_exp);
    case O_IGAM: return cli_parse_double(cmd, "--igt-gamma-exp", a, 0.0, 2.0, &c->p.igt_gamma_exp);
    case O_OFFLINE: c->offline = a; return 0;
    case O_CL2: return cli_parse_double(cmd, "--critic-l2", a, 1e-12, 1e12, &c->p.critic_l2);
    case O_PCLIP: return cli_parse_double(cmd, "--props-clip", a, 1e-6, 10.0, &c->po.clip);
    case O_PKLW: return cli_parse_double(cmd, "--props-kl-weight", a, 0.0, 1e6, &c->po.lambda);
    case O_PTKL: return cli_parse_double(cmd, "--props-target-kl", a, 1e-9, 1e6, &c->po.target_kl);
    case O_PLR: return cli_parse_double(cmd, "--props-step-size", a, 1e-9, 1e6, &c->po.props_lr);
    case O_PEP: return opt_int("--props-epochs", a, 1, 100000, &c->po.props_epochs) ? OPE_EUSAGE : 0;
    case O_PEVERY: return opt_int("--props-every", a, 1, 100000000, &c->po.props_steps) ? OPE_EUSAGE : 0;
    case O_PBUF: return opt_int("--props-buffer", a, 1, 10000, &c->po.buffer_batches) ? OPE_EUSAGE : 0;
    case O_PAIRS:
        if (cli_parse_int(cmd, "--pairs", a, 1, 100000000, &v))
            return OPE_EUSAGE;
        c->co.pairs = (size_t)v;
        return 0;
    case O_RSD: return cli_parse_double(cmd, "--reward-sd", a, 0.0, 1e6, &c->co.reward_sd);
    case O_BETA: return cli_parse_double(cmd, "--beta", a, 1e-9, 1e6, &c->co.beta);
    case O_METHOD:
        if ((c->co.method = copg_method_find(a)) < 0)
            return cli_usage(cmd, "--method: copg, pg or ipo, got '%s'", a);
        return 0;
    case O_POLICY: return parse_policy(c, a);
    case O_COMPARE: c->compare = 1; return 0;
    case O_ALGOS: c->algorithms = a; return 0;
    case O_CURVE: c->curve = a; return 0;
    case O_THREADS: return cli_parse_int(cmd, "--threads", a, 1, 256, &c->threads);
    case O_HELP:
    case 'h':
        cmd_print_help(cmd_find("train"));
        return -1;
    default:
        return OPE_EUSAGE;     /* cli_getopt has said why */
    }
}

static int parse_args(int argc, char **argv, struct pgcli *c)
{
    int opt;
    struct ope_error err = { 0 };
    optind = 0;
    while ((opt = cli_getopt("train", argc, argv, OUTCLI_SHORT "h", train_pg_options)) != -1) {
        int r = opt == '?' ? 0 : outcli_option(&c->out, opt, optarg, &err);
        if (r == 0 && opt != '?')
            r = envcli_option(&c->ec, opt, optarg, &err);
        if (r < 0)
            return cli_usage("train", "%s", err.msg);
        int st = r ? 0 : parse_one(c, opt, optarg);
        if (st != 0)
            return st;
    }
    enum out_format f;
    if (outcli_format_flag(&c->out, OUT_ALL, "the training summary", &c->format, &err) != 0 ||
        (c->out.path && outcli_format(&(struct outcli){ .path = c->out.path, .format = -1 },
                                      OUT_HAS(OUT_CSV), c->compare ? "the curves file"
                                      : "a policy file", &f, &err) != 0))
        return cli_usage("train", "%s", err.msg);
    for (int i = optind; i < argc; i++) {
        if (!strchr(argv[i], '=') && !c->algo && !c->compare)
            c->algo = argv[i];
        else if (strchr(argv[i], '=') && envcli_param(&c->ec, argv[i], &err) == 0)
            continue;
        else
            return cli_usage("train", "unexpected argument '%s'", argv[i]);
    }
    const char *cmd = "train";
    if (!c->compare && !c->algo)
        return cli_usage(cmd, "which algorithm? (ope help train lists them)");
    if (c->algo && !pg_find(c->algo))
        return train_unknown_algo(c->algo);
    int copg = c->algo && strcmp(c->algo, "copg") == 0;
    if (!copg && !c->ec.env)
        return cli_usage(cmd, "--env ENV is required (riverswim, chain, gridworld, dirichlet)");
    if (copg && (c->ec.env || c->compare))
        return cli_usage(cmd, "copg learns on its own toy bandit: no --env, no --compare");
    if (c->iter_set && c->episodes)
        return cli_usage(cmd, "give --iterations or --episodes, not both");
    if (c->p.exact && (c->compare || !c->algo ||
                       (strcmp(c->algo, "reinforce") && strcmp(c->algo, "npg"))))
        return cli_usage(cmd, "--exact applies to reinforce and npg (alone, not --compare)");
    if (c->p.exact && c->episodes)
        return cli_usage(cmd, "--exact samples nothing: use --iterations, not --episodes");
    if (c->offline && !c->compare && strcmp(c->algo, "hnpg") != 0)
        return cli_usage(cmd, "--offline is for hnpg");
    if (c->compare && c->algo)
        return cli_usage(cmd, "--compare runs every algorithm: no ALGO (or --algorithms LIST)");
    if (!c->compare && c->algorithms)
        return cli_usage(cmd, "--algorithms goes with --compare");
    return 0;
}

/* The iterations of algorithm a under the episode budget (or --iterations). */
static long iterations_for(const struct pgcli *c, const struct pg_algo *a)
{
    if (!c->episodes)
        return c->p.iterations;
    long b = pg_batch_size(a, &c->p);
    return b > 0 ? (c->episodes + b - 1) / b : c->p.iterations;
}

/* "riverswim_curve.csv" next to "riverswim.csv". */
static void derived_path(const char *out, struct strbuf *sb)
{
    size_t len = strlen(out);
    int csv = len > 4 && strcmp(out + len - 4, ".csv") == 0;
    strbuf_add(sb, out, csv ? len - 4 : len);
    strbuf_puts(sb, "_curve.csv");
}

/* The constants an algorithm runs with, for the summary. */
static void constants(const struct pgcli *c, const struct pg_algo *a, int offline,
                      struct strbuf *sb)
{
    const struct pg_params *p = &c->p;
    double step = pg_step(a, p);
    int b = p->exact ? 0 : pg_batch_size(a, p);     /* exact: no episodes */
    if (a == &pg_reinforce)
        strbuf_printf(sb, "alpha %g", step);
    else if (a == &pg_npg)
        strbuf_printf(sb, "eta %g, damping %g", step, p->damping);
    if ((a == &pg_reinforce || a == &pg_npg) && !p->exact)
        strbuf_printf(sb, ", batch %d", b);
    else if (a == &pg_npg_igt)
        strbuf_printf(sb, "gamma_0 %g, batch %d, eta_t = (2/(t+2))^%g, gamma_t = gamma_0 "
                      "(2/(t+2))^%g", step, b, p->igt_eta_exp, p->igt_gamma_exp);
    else if (a == &pg_hnpg)
        strbuf_printf(sb, "eta %g, batch %d, damping %g, critic ridge %g, offline %s", step, b,
                      p->damping, p->critic_l2, offline ? c->offline : "none");
    else if (a == &pg_props)
        strbuf_printf(sb, "target step %g, batch %d, clip %g, KL weight %g, target KL %g, "
                      "behaviour step %g x %d epochs every %d steps, buffer %d batches", step,
                      b, c->po.clip, c->po.lambda, c->po.target_kl, c->po.props_lr,
                      c->po.props_epochs, c->po.props_steps, c->po.buffer_batches);
    if (p->exact)
        strbuf_puts(sb, a == &pg_npg ? ", exact gradient and Fisher" : ", exact gradient");
    else if (a != &pg_props && a != &pg_hnpg)
        strbuf_printf(sb, p->use_baseline ? ", baseline: moving average %g" : ", no baseline",
                      p->baseline_rate);
}

/* The summary of a training run: what the table, JSON and CSV writers show. */
struct pg_summary {
    const struct pgcli *c;
    const char *head;           /* the table's opening lines */
    const char *samples;        /* "steps/run" or "pairs": what a sample is */
    const char *ref_name;       /* "V*" or "J*" */
    double ref, start;          /* the optimum and the value of the uniform start */
    const struct pg_result *res;
    size_t n;
    char (*constants)[512];     /* [n]: every constant each algorithm ran with */
};

/* PROPS's central measurement: the sampling error of its buffer against an on-policy
 * buffer of the same size, averaged over iterations and runs (n = 0: none recorded). */
static size_t sampling_error(const struct pg_result *r, double *se, double *ref_se)
{
    size_t n = 0, K = (size_t)r->n_iter + 1;
    *se = *ref_se = 0.0;
    for (int i = 0; i < r->n_runs; i++)
        for (size_t k = 1; k < K; k++) {
            const struct pg_record *x = &r->rec[(size_t)i * K + k];
            if (isfinite(x->aux[0]) && isfinite(x->aux[1])) {
                *se += x->aux[0];
                *ref_se += x->aux[1];
                n++;
            }
        }
    if (n) {
        *se /= (double)n;
        *ref_se /= (double)n;
    }
    return n;
}

static void summary_table(const struct pg_summary *s, struct strbuf *sb)
{
    strbuf_puts(sb, s->head);
    strbuf_printf(sb, "%-14s %10s %12s %12s %10s %9s%s\n", "algorithm", "iterations",
                  s->samples, "final value", "sd", "% of ", s->ref_name);
    for (size_t i = 0; i < s->n; i++) {
        const struct pg_result *r = &s->res[i];
        double mean, sd, samples, se, ref_se;
        pg_result_final(r, &mean, &sd, &samples);
        strbuf_printf(sb, "%-14s %10ld %12.0f %12.6g %10.3g %9.1f%%", r->label, r->n_iter,
                      samples, mean, sd, fabs(s->ref) > 0 ? 100.0 * mean / s->ref : NAN);
        if (sampling_error(r, &se, &ref_se))
            strbuf_printf(sb, "  sampling error %.4g (on-policy %.4g)", se, ref_se);
        strbuf_puts(sb, "\n");
    }
    strbuf_puts(sb, "constants:\n");
    for (size_t i = 0; i < s->n; i++)
        strbuf_printf(sb, "  %-12s %s\n", s->res[i].label, s->constants[i]);
}

static void summary_json(const struct pg_summary *s, struct strbuf *sb)
{
    strbuf_printf(sb, "{\"tool\":\"ope\",\"version\":\"%s\",\"task\":\"train\",\"env\":",
                  PACKAGE_VERSION);
    if (s->c->ec.env)
        json_string(sb, s->c->ec.env);
    else
        strbuf_puts(sb, "null");
    strbuf_printf(sb, ",\"runs\":%ld,\"seed\":%llu,\"reference\":", s->c->runs,
                  (unsigned long long)s->c->seed);
    json_string(sb, s->ref_name);
    strbuf_puts(sb, ",\"reference_value\":");
    json_number(sb, s->ref);
    strbuf_puts(sb, ",\"start_value\":");
    json_number(sb, s->start);
    strbuf_puts(sb, ",\"samples\":");
    json_string(sb, s->samples);
    strbuf_puts(sb, ",\"algorithms\":[");
    for (size_t i = 0; i < s->n; i++) {
        const struct pg_result *r = &s->res[i];
        double mean, sd, samples, se, ref_se;
        pg_result_final(r, &mean, &sd, &samples);
        strbuf_puts(sb, i ? ",\n {\"algorithm\":" : "\n {\"algorithm\":");
        json_string(sb, r->label);
        strbuf_printf(sb, ",\"iterations\":%ld,\"samples\":", r->n_iter);
        json_number(sb, samples);
        strbuf_puts(sb, ",\"final_value\":");
        json_number(sb, mean);
        strbuf_puts(sb, ",\"sd\":");
        json_number(sb, sd);
        strbuf_puts(sb, ",\"share_of_reference\":");
        json_number(sb, fabs(s->ref) > 0 ? mean / s->ref : NAN);
        int has = sampling_error(r, &se, &ref_se) > 0;
        strbuf_puts(sb, ",\"sampling_error\":");
        json_number(sb, has ? se : NAN);
        strbuf_puts(sb, ",\"sampling_error_on_policy\":");
        json_number(sb, has ? ref_se : NAN);
        strbuf_puts(sb, ",\"constants\":");
        json_string(sb, s->constants[i]);
        strbuf_putc(sb, '}');
    }
    strbuf_puts(sb, "]}\n");
}

static void summary_csv(const struct pg_summary *s, struct strbuf *sb)
{
    strbuf_puts(sb, "algorithm,iterations,samples,final_value,sd,share_of_reference,"
                    "sampling_error,sampling_error_on_policy\n");
    for (size_t i = 0; i < s->n; i++) {
        const struct pg_result *r = &s->res[i];
        double mean, sd, samples, se, ref_se;
        pg_result_final(r, &mean, &sd, &samples);
        int has = sampling_error(r, &se, &ref_se) > 0;
        double v[6] = { samples, mean, sd, fabs(s->ref) > 0 ? mean / s->ref : NAN,
                        has ? se : NAN, has ? ref_se : NAN };
        strbuf_printf(sb, "%s,%ld", r->label, r->n_iter);
        for (int j = 0; j < 6; j++) {
            char num[40];
            ope_format_double(num, sizeof num, v[j]);
            strbuf_printf(sb, ",%s", isnan(v[j]) ? "" : num);
        }
        strbuf_puts(sb, "\n");
    }
}

/* Print the summary in the chosen format: on standard output, or on standard error
 * when the policy or curves go to standard output (-o -). */
static int print_summary(const struct pg_summary *s, struct ope_error *err)
{
    static void (*const writer[OUT_N_FORMATS])(const struct pg_summary *, struct strbuf *) = {
        [OUT_TABLE] = summary_table, [OUT_JSON] = summary_json, [OUT_CSV] = summary_csv,
    };
    struct strbuf sb = STRBUF_INIT;
    writer[s->c->format](s, &sb);
    int rc = strbuf_failed(&sb) ? ope_fail_oom(err) : 0;
    if (rc == 0)
        fputs(strbuf_str(&sb), s->c->out.path && ope_outfile_is_stdout(s->c->out.path)
                               ? stderr : stdout);
    strbuf_release(&sb);
    return rc;
}

/* Write the curves of res[0..n-1] (atomic). */
static int write_curves(const char *path, int force, struct pg_result *res, size_t n,
                        struct ope_error *err)
{
    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < n; i++)
        pg_curves_format(&res[i], i == 0, &sb);
    int rc = strbuf_failed(&sb) ? ope_fail_oom(err)
                                : ope_write_file_atomic(path, sb.buf, sb.len, force, err);
    strbuf_release(&sb);
    return rc;
}

/* The final policy of run 0 of res as a policy file. */
static int write_policy(const struct pgcli *c, const struct pg_policy *pol,
                        const struct pg_result *res, int S, int A, struct ope_error *err)
{
    struct policy *pi = policy_new(S, A, err);
    if (!pi)
        return -1;
    if (pol)
        pg_probs_all(pol, res->theta, pi->p);
    else {      /* copg: one state, pi = softmax(ln pi) */
        struct pg_policy one;
        if (pg_policy_init(&one, PG_TABULAR, 1, A, 0, err) < 0) {
            policy_free(pi);
            return -1;
        }
        pg_probs_all(&one, res->theta, pi->p);
        pg_policy_release(&one);
    }
    int rc = policy_write(pi, c->out.path, c->out.force, err);
    policy_free(pi);
    return rc;
}

/* The algorithms of --compare: --algorithms LIST, or every MDP algorithm (with
 * --offline, hnpg both without and with the offline data). */
static int compare_list(const struct pgcli *c, const struct pg_algo **al, int *with_off,
                        int *n)
{
    *n = 0;
    if (!c->algorithms) {
        for (size_t i = 0; pg_registry[i] && *n < MAX_ALGOS; i++) {
            if (c->K && pg_registry[i]->tabular_only)
                continue;
            al[*n] = pg_registry[i];
            with_off[(*n)++] = 0;
            if (pg_registry[i] == &pg_hnpg && c->off && *n < MAX_ALGOS) {
                al[*n] = &pg_hnpg;
                with_off[(*n)++] = 1;
            }
        }
        return 0;
    }
    const char *s = c->algorithms;
    while (*s) {
        size_t len = strcspn(s, ",");
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)(len < 31 ? len : 31), s);
        const struct pg_algo *a = pg_find(name);
        if (!a || !a->run)
            return cli_usage("train", "--algorithms: '%s' is not an environment algorithm "
                             "(reinforce, npg, npg-igt, hnpg, props)", name);
        if (*n == MAX_ALGOS)
            return cli_usage("train", "--algorithms: at most %d", MAX_ALGOS);
        al[*n] = a;
        with_off[(*n)++] = a == &pg_hnpg && c->off != NULL;
        s += len + (s[len] == ',');
    }
    return *n ? 0 : cli_usage("train", "--algorithms: empty list");
}

/* Check what one algorithm needs of the policy class before anything runs. */
static int check_algo(const struct pg_algo *a, const struct pg_policy *pol)
{
    if (a->tabular_only && pol->kind != PG_TABULAR)
        return cli_usage("train", "%s has no linear-softmax version: --policy tabular", a->name);
    if ((a == &pg_npg || a == &pg_hnpg) && pol->dim > PG_MAX_DENSE_DIM)
        return cli_usage("train", "%s holds a %zu x %zu matrix: at most %d parameters (use "
                         "--policy linear:K or a smaller environment)", a->name, pol->dim,
                         pol->dim, PG_MAX_DENSE_DIM);
    return 0;
}

static int run_env(struct pgcli *c, const struct mdp *m, const struct pg_policy *pol,
                   struct ope_error *err)
{
    const struct pg_algo *al[MAX_ALGOS];
    int with_off[MAX_ALGOS], n = 0, st;
    if (c->compare) {
        if ((st = compare_list(c, al, with_off, &n)) != 0)
            return st;
    } else {
        al[0] = pg_find(c->algo);
        with_off[0] = c->off != NULL;
        n = 1;
    }
    for (int i = 0; i < n; i++) {
        if ((st = check_algo(al[i], pol)) != 0)
            return st;
        /* Each record is 40 bytes: 5 million per algorithm is 200 MB. */
        if ((double)c->runs * (double)(iterations_for(c, al[i]) + 1) > 5e6)
            return cli_usage("train", "%s: %ld runs x %ld iterations is more than 5 million "
                             "records; use fewer", al[i]->name, c->runs, iterations_for(c, al[i]));
    }
    const char *curve = c->compare ? (c->curve ? c->curve : c->out.path) : c->curve;
    struct strbuf cpath = STRBUF_INIT;
    if (!c->compare && !curve && c->out.path && !ope_outfile_is_stdout(c->out.path)) {
        derived_path(c->out.path, &cpath);
        curve = strbuf_str(&cpath);
    }
    int rc = 0;
    if ((!c->compare && c->out.path && ope_outfile_check(c->out.path, c->out.force, err) < 0) ||
        (curve && ope_outfile_check(curve, c->out.force, err) < 0))
        rc = -1;
    double vstar = rc == 0 ? mdp_optimal_finite(m, NULL, NULL, err) : NAN;
    struct pg_result res[MAX_ALGOS];
    memset(res, 0, sizeof res);
    struct pg_meter meter = { outcli_progress(&c->out), "train", 0, 0 };
    for (int i = 0; i < n; i++)
        meter.total += iterations_for(c, al[i]) * c->runs;
    if (rc == 0 && isnan(vstar))
        rc = -1;
    int done = 0;
    for (int i = 0; rc == 0 && i < n; i++, done++) {
        struct pg_params p = c->p;
        p.iterations = iterations_for(c, al[i]);
        p.offline = with_off[i] ? c->off : NULL;
        p.props = &c->po;
        struct pg_problem pb = { m, pol, &p, &meter };
        meter.label = al[i]->name;
        rc = pg_run_many(&pb, al[i], c->seed, (int)c->runs, (int)c->threads, &res[i], err);
        if (rc == 0 && with_off[i] && c->compare)
            snprintf(res[i].label, sizeof res[i].label, "%s+offline", al[i]->name);
    }
    ope_progress_stderr_done();
    if (rc == 0) {
        char head[512], cons[MAX_ALGOS][512];
        double J0 = res[0].rec[0].value;     /* row 0 of every run: theta = 0 */
        snprintf(head, sizeof head, "ope train: %s (S=%d, A=%d, H=%d, gamma=%g), %s softmax, "
                 "%ld run%s from seed %llu\nV* = %.6g (optimal, backward induction); the "
                 "uniform start: %.6g\n", c->ec.env, m->n_states, m->n_actions, m->horizon,
                 m->gamma, pol->kind == PG_TABULAR ? "tabular" : "linear", c->runs,
                 c->runs == 1 ? "" : "s", (unsigned long long)c->seed, vstar, J0);
        for (int i = 0; i < n; i++) {
            struct strbuf sb = STRBUF_INIT;
            constants(c, al[i], with_off[i], &sb);
            snprintf(cons[i], sizeof cons[i], "%s", strbuf_str(&sb));
            strbuf_release(&sb);
        }
        struct pg_summary sum = { c, head, "steps/run", "V*", vstar, J0, res, (size_t)n, cons };
        rc = print_summary(&sum, err);
    }
    if (rc == 0 && curve) {
        rc = write_curves(curve, c->out.force, res, (size_t)n, err);
        if (rc == 0 && !c->out.quiet)
            fprintf(stderr, "ope train: wrote %s\n", curve);
    }
    if (rc == 0 && !c->compare && c->out.path) {
        rc = write_policy(c, pol, &res[0], m->n_states, m->n_actions, err);
        if (rc == 0 && !c->out.quiet)
            fprintf(stderr, "ope train: wrote %s (the final policy of seed %llu)\n", c->out.path,
                    (unsigned long long)c->seed);
    }
    for (int i = 0; i < done; i++)
        pg_result_release(&res[i]);
    strbuf_release(&cpath);
    return rc;
}

static int run_copg(struct pgcli *c, struct ope_error *err)
{
    struct strbuf cpath = STRBUF_INIT;
    const char *curve = c->curve;
    if (!curve && c->out.path && !ope_outfile_is_stdout(c->out.path)) {
        derived_path(c->out.path, &cpath);
        curve = strbuf_str(&cpath);
    }
    int rc = 0;
    if ((c->out.path && ope_outfile_check(c->out.path, c->out.force, err) < 0) ||
        (curve && ope_outfile_check(curve, c->out.force, err) < 0))
        rc = -1;
    struct pg_params p = c->p;
    if (!c->iter_set)
        p.iterations = 3000;    /* copg_opts_init's default */
    struct pg_result res;
    memset(&res, 0, sizeof res);
    double jstar = NAN;
    if (rc == 0)
        rc = pg_copg_run_many(&c->co, &p, c->seed, (int)c->runs, &res, &jstar, err);
    if (rc == 0) {
        char head[512], cons[1][512];
        snprintf(head, sizeof head, "ope train: copg on the toy bandit (%zu arms), %zu pairs per "
                 "run, %ld run%s from seed %llu\nJ* = %.6g (the KL-regularised optimum); value "
                 "= exact J_beta(pi)\n", res.dim, c->co.pairs, c->runs, c->runs == 1 ? "" : "s",
                 (unsigned long long)c->seed, jstar);
        snprintf(cons[0], sizeof cons[0], "method %s, lr %g, reward noise %g, beta %s",
                 copg_method_name(c->co.method), isnan(c->p.step) ? 2.0 : c->p.step,
                 c->co.reward_sd, isnan(c->co.beta) ? "0.1 (the toy bandit's)" : "as given");
        double start = res.rec[0].value;
        struct pg_summary sum = { c, head, "pairs", "J*", jstar, start, &res, 1, cons };
        rc = print_summary(&sum, err);
    }
    if (rc == 0 && curve) {
        rc = write_curves(curve, c->out.force, &res, 1, err);
        if (rc == 0 && !c->out.quiet)
            fprintf(stderr, "ope train: wrote %s\n", curve);
    }
    if (rc == 0 && c->out.path)
        rc = write_policy(c, NULL, &res, 1, (int)res.dim, err);
    pg_result_release(&res);
    strbuf_release(&cpath);
    return rc;
}

int train_unknown_algo(const char *typed)
{
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; train_registry[i] && n < 60; i++)
        names[n++] = train_registry[i]->name;
    for (size_t i = 0; pg_registry[i] && n < 60; i++)
        names[n++] = pg_registry[i]->name;
    names[n++] = pg_copg.name;
    names[n++] = "prdc-lqr";
    const char *near = ope_closest(typed, names, n);
    if (near)
        return cli_usage("train", "unknown algorithm '%s'; did you mean '%s'? (ope help train "
                         "lists them)", typed, near);
    return cli_usage("train", "unknown algorithm '%s' (ope help train lists them)", typed);
}

int train_pg_exec(int argc, char **argv)
{
    struct pgcli c;
    memset(&c, 0, sizeof c);
    pg_params_init(&c.p);
    props_opts_init(&c.po);
    c.co.method = COPG_COPG;
    c.co.pairs = 1000;
    c.co.reward_sd = 0.0;
    c.co.beta = NAN;
    c.seed = 1;
    c.gamma = 1.0;
    outcli_init(&c.out);
    int st = parse_args(argc, argv, &c);
    if (st != 0)
        return st < 0 ? 0 : st;
    if (!c.runs)
        c.runs = c.compare ? 8 : 1;
    if (c.compare && !c.iter_set && !c.episodes)
        c.episodes = 5000;
    struct ope_error err = { 0 };
    if (strcmp(c.algo ? c.algo : "", "copg") == 0)
        return run_copg(&c, &err) < 0 ? cli_error(&err) : 0;
    if (props_opts_check(&c.po, &err) < 0)
        return cli_error(&err);
    if (!env_find(c.ec.env)) {
        env_unknown(c.ec.env, &err);
        return cli_usage("train", "%s", err.msg);
    }
    struct mdp *m = envcli_build(&c.ec, c.gamma, &err);
    if (!m)
        return cli_error(&err);
    struct pg_policy pol;
    int rc = pg_policy_init(&pol, c.K ? PG_LINEAR : PG_TABULAR, m->n_states, m->n_actions, c.K,
                            &err);
    if (rc == 0 && c.offline) {
        struct load_opts lo;
        load_opts_init(&lo);
        if (!(c.off = tlog_load(c.offline, &lo, &err)) || pg_offline_check(c.off, m, &err) < 0)
            rc = -1;
    }
    if (rc == 0)
        rc = run_env(&c, m, &pol, &err);
    tlog_free(c.off);
    pg_policy_release(&pol);
    mdp_free(m);
    if (rc > 0)
        return rc;      /* a usage status from a check */
    return rc < 0 ? cli_error(&err) : 0;
}
