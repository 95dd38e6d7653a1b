/* ope/cmd_explore.c: `ope explore ALGO --env ENV ...`: conservative exploration runs
 * (StepMix, EpsMix, UCBVI, the baseline, budget-based conservative UCBVI) on a
 * built-in environment, R seeds in parallel; writes the per-episode record and
 * prints a summary (regret at K, violations, mean mixing). See exploration.md. */
#include "config.h"
#include "ope/cmd.h"
#include "ope/base/closest.h"
#include "ope/learn/explore/offline.h"
#include "ope/learn/explore/record.h"
#include "ope/learn/explore/run.h"
#include "ope/app/envcli.h"
#include "ope/app/output.h"
#include "ope/base/json.h"
#include "ope/base/outfile.h"
#include "ope/base/progress.h"
#include "ope/base/strbuf.h"
#include "datasets/env.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "datasets/loadopts.h"
#include "datasets/tlog.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_BASELINE "mix:0.8"

struct xo {
    const char *algo, *baseline, *baseline_data;
    struct envcli ec;           /* --env, --param, --horizon */
    struct outcli out;          /* -o: the per-episode record; --format: the summary */
    enum out_format format;
    int compare;
    long K, R, threads;
    double alpha, delta, c, L, rho_tol, range;
    enum xpl_bonus_kind bonus;
    unsigned long long seed;
};

static int parse_args(int argc, char **argv, struct xo *o)
{
    enum { O_EPISODES = 256, O_ALPHA, O_DELTA, O_SEED, O_RUNS,
           O_BASELINE, O_BASEDATA, O_BONUS, O_C, O_L, O_TOL, O_THREADS, O_COMPARE,
           O_RANGE };
    static const struct option lo[] = {
        ENVCLI_OPTIONS,
        {"episodes", required_argument, 0, O_EPISODES},
        {"alpha", required_argument, 0, O_ALPHA}, {"delta", required_argument, 0, O_DELTA},
        {"seed", required_argument, 0, O_SEED}, {"runs", required_argument, 0, O_RUNS},
        {"baseline", required_argument, 0, O_BASELINE},
        {"baseline-data", required_argument, 0, O_BASEDATA},
        {"bonus", required_argument, 0, O_BONUS}, {"c", required_argument, 0, O_C},
        {"L", required_argument, 0, O_L}, {"rho-tol", required_argument, 0, O_TOL},
        {"range", required_argument, 0, O_RANGE},
        {"threads", required_argument, 0, O_THREADS}, {"compare", no_argument, 0, O_COMPARE},
        OUTCLI_OPTIONS, {0, 0, 0, 0}
    };
    const char *cmd = "explore";
    struct ope_error err = {0};
    int ch;
    while ((ch = cli_getopt(cmd, argc, argv, OUTCLI_SHORT, lo)) != -1) {
        int r = ch == '?' ? 0 : outcli_option(&o->out, ch, optarg, &err);
        if (r == 0 && ch != '?')
            r = envcli_option(&o->ec, ch, optarg, &err);
        if (r < 0)
            return cli_usage(cmd, "%s", err.msg);
        if (r == 1)
            continue;
        switch (ch) {
        case O_EPISODES:
            if (cli_parse_int(cmd, "--episodes", optarg, 1, 100000000, &o->K))
                return OPE_EUSAGE;
            break;
        case O_ALPHA:
            if (cli_parse_double(cmd, "--alpha", optarg, 0.0, 1.0, &o->alpha))
                return OPE_EUSAGE;
            break;
        case O_DELTA:
            if (cli_parse_double(cmd, "--delta", optarg, 1e-300, 1.0, &o->delta) ||
                !(o->delta > 0.0))
                return cli_usage(cmd, "--delta: expected a number in (0, 1], got '%s'", optarg);
            break;
        case O_SEED:
            {
                uint64_t sd;
                if (cli_parse_seed(cmd, "--seed", optarg, &sd))
                    return OPE_EUSAGE;
                o->seed = sd;
            }
            break;
        case O_RUNS:
            if (cli_parse_int(cmd, "--runs", optarg, 1, 100000, &o->R))
                return OPE_EUSAGE;
            break;
        case O_BASELINE: o->baseline = optarg; break;
        case O_BASEDATA: o->baseline_data = optarg; break;
        case O_BONUS:
            if (strcmp(optarg, "hoeffding") == 0)
                o->bonus = XPL_HOEFFDING;
            else if (strcmp(optarg, "bernstein") == 0)
                o->bonus = XPL_BERNSTEIN;
            else
                return cli_usage(cmd, "--bonus: expected hoeffding or bernstein, got '%s'",
                                 optarg);
            break;
        case O_C:
            if (cli_parse_double(cmd, "--c", optarg, 0.0, 1e6, &o->c))
                return OPE_EUSAGE;
            break;
        case O_L:
            if (cli_parse_double(cmd, "--L", optarg, 0.0, 1e6, &o->L))
                return OPE_EUSAGE;
            break;
        case O_RANGE:
            if (cli_parse_double(cmd, "--range", optarg, 1e-9, 1e9, &o->range))
                return OPE_EUSAGE;
            break;
        case O_TOL:
            if (cli_parse_double(cmd, "--rho-tol", optarg, 1e-12, 0.5, &o->rho_tol))
                return OPE_EUSAGE;
            break;
        case O_THREADS:
            if (cli_parse_int(cmd, "--threads", optarg, 1, 1024, &o->threads))
                return OPE_EUSAGE;
            break;
        case O_COMPARE: o->compare = 1; break;
        default:
            return OPE_EUSAGE;
        }
    }
    enum out_format rec;
    if (outcli_format_flag(&o->out, OUT_ALL, "the exploration summary", &o->format, &err) != 0 ||
        (o->out.path && outcli_format(&(struct outcli){ .path = o->out.path, .format = -1 },
                                      OUT_HAS(OUT_CSV), "the per-episode record", &rec,
                                      &err) != 0))
        return cli_usage(cmd, "%s", err.msg);
    for (int i = optind; i < argc; i++) {
        if (!o->algo && !o->compare && !strchr(argv[i], '='))
            o->algo = argv[i];
        else
            return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
    }
    if (!o->compare && !o->algo)
        return cli_usage(cmd, "which algorithm? stepmix, epsmix, ucbvi, cucbvi or baseline "
                              "(or --compare for all)");
    if (o->algo && !xpl_find(o->algo)) {
        const char *names[16];
        size_t n = 0;
        for (size_t i = 0; xpl_registry[i] && n < 16; i++)
            names[n++] = xpl_registry[i]->name;
        const char *near = ope_closest(o->algo, names, n);
        if (near)
            return cli_usage(cmd, "unknown algorithm '%s'; did you mean '%s'? (stepmix, epsmix, "
                             "ucbvi, cucbvi, baseline)", o->algo, near);
        return cli_usage(cmd, "unknown algorithm '%s' (stepmix, epsmix, ucbvi, cucbvi, "
                              "baseline)", o->algo);
    }
    if (!o->ec.env)
        return cli_usage(cmd, "--env ENV is required (ope gen mdp --list shows them)");
    if (o->baseline && o->baseline_data)
        return cli_usage(cmd, "--baseline and --baseline-data both give the baseline; "
                              "choose one");
    return 0;
}

/* G, the bound on an episode's return that scales the bonus (ucbvi.h): --range, else
 * what the environment's structure guarantees for these parameters and horizon. */
static double return_bound(const struct xo *o, const struct mdp *m)
{
    return o->range > 0.0 ? o->range
                          : xpl_return_bound(o->ec.env, o->ec.kv, o->ec.n_kv, m->horizon);
}

/* The baseline: a spec, or a policy file when the argument names an existing file. */
static struct policy *load_baseline(const struct mdp *m, const char *arg, struct ope_error *err)
{
    char buf[4096];
    if (!strchr(arg, ':') && access(arg, R_OK) == 0) {
        snprintf(buf, sizeof buf, "file:%s", arg);
        arg = buf;
    }
    return policy_from_spec(m, arg, NULL, err);
}

/* Write the per-episode record (record.h), streamed in 64 KiB chunks. */
static int write_record(const char *path, int force, const struct xpl_runs *x,
                        struct ope_error *err)
{
    struct ope_outfile *f = ope_outfile_open(path, force, err);
    if (!f)
        return -1;
    struct strbuf sb;
    strbuf_init(&sb);
    xpl_runs_csv_header(x, &sb);
    for (size_t i = 0; i < x->n_algs; i++)
        for (long r = 0; r < x->R; r++)
            for (long k = 0; k < x->K; k++) {
                xpl_runs_csv_row(x, i, r, k, &sb);
                if (sb.len > 65536 || (i + 1 == x->n_algs && r + 1 == x->R && k + 1 == x->K)) {
                    if (strbuf_failed(&sb)) {
                        strbuf_release(&sb);
                        ope_outfile_abort(f);
                        return ope_fail_oom(err);
                    }
                    if (ope_outfile_write(f, sb.buf, sb.len, err) < 0) {
                        strbuf_release(&sb);
                        ope_outfile_abort(f);
                        return -1;
                    }
                    strbuf_reset(&sb);
                }
            }
    strbuf_release(&sb);
    return ope_outfile_commit(f, err);
}

/* The runs as one result (record.h): a view over rec and the algorithms' names, with
 * the threshold and, for an offline baseline, its learned and exact values. */
static void runs_view(const struct xo *o, const struct xpl_config *cfg,
                      const struct xpl_offline *off, const char **names, size_t n_algs,
                      struct xpl_record *rec, struct xpl_runs *x)
{
    *x = (struct xpl_runs){ n_algs, o->R, o->K, names, o->seed,
                            (1.0 - cfg->alpha) * cfg->Vb, off != NULL, NAN, NAN, NAN, rec };
    if (off) {
        x->vb_learned = off->Vb_lower;
        x->vb_exact = off->Vb_exact;
        x->threshold_exact = (1.0 - cfg->alpha) * off->Vb_exact;
    }
}

/* The offline baseline in the summary: where it came from, the learned (pessimistic)
 * V^b the learner uses, and the exact value of the learned policy, for the reader. */
static void offline_head(struct strbuf *sb, enum out_format fmt, const struct xo *o,
                         const struct xpl_offline *off, const struct xpl_config *cfg)
{
    /* What the certificate V^pi_k >= (1 - alpha) V-underbar^b means against the exact
     * value: V^pi_k >= (1 - alpha_eff) V^b_exact with alpha_eff = 1 - (1 - alpha)
     * V-underbar^b / V^b_exact; it tends to alpha as the log grows. */
    double a_eff = off->Vb_exact > 0.0
                       ? 1.0 - (1.0 - cfg->alpha) * off->Vb_lower / off->Vb_exact : NAN;
    if (fmt == OUT_JSON) {
        strbuf_puts(sb, ", \"baseline\": {\"source\": \"offline\", \"log\": ");
        json_string(sb, o->baseline_data);
        strbuf_printf(sb, ", \"log_episodes\": %zu, \"log_steps\": %zu, \"log_transitions\": "
                      "%zu, \"states_seen\": %d, \"vb_learned\": ", off->n_episodes,
                      off->n_steps, off->n_transitions, off->states_seen);
        json_number(sb, off->Vb_lower);
        strbuf_puts(sb, ", \"vb_plugin\": ");
        json_number(sb, off->Vb_plugin);
        strbuf_puts(sb, ", \"vb_exact\": ");
        json_number(sb, off->Vb_exact);
        strbuf_puts(sb, ", \"L_offline\": ");
        json_number(sb, off->L);
        strbuf_puts(sb, ", \"threshold_exact\": ");
        json_number(sb, (1.0 - cfg->alpha) * off->Vb_exact);
        strbuf_puts(sb, ", \"alpha_effective\": ");
        json_number(sb, a_eff);
        strbuf_puts(sb, "}");
    } else if (fmt == OUT_TABLE)
        strbuf_printf(sb, "baseline learned offline from %s: %zu episodes, %zu steps (%zu "
                      "transitions), %d of %d states seen\n"
                      "  V^b learned (pessimistic, L = %.4g) = %.6g, plug-in %.6g; exact value "
                      "of the learned baseline = %.6g\n"
                      "  certified: V^pi_k >= (1-alpha) x learned = (1 - %.4g) x exact; "
                      "'vs exact' counts\n  episodes below (1-alpha) x exact = %.6g\n",
                      o->baseline_data, off->n_episodes, off->n_steps, off->n_transitions,
                      off->states_seen, off->S, off->L, off->Vb_lower, off->Vb_plugin,
                      off->Vb_exact, a_eff, (1.0 - cfg->alpha) * off->Vb_exact);
    if (fmt == OUT_TABLE && !(off->Vb_lower > 0.0))
        strbuf_puts(sb, "  the log certifies nothing (V^b learned = 0, threshold 0): every "
                        "policy passes;\n  a larger log is needed for a meaningful "
                        "constraint\n");
}

static void print_summary(const struct xo *o, const struct mdp *m,
                          const struct xpl_config *cfg, const struct xpl_offline *off,
                          const struct xpl_algo *const *algs, size_t n_algs,
                          const struct xpl_record *rec)
{
    struct strbuf sb;
    strbuf_init(&sb);
    enum out_format fmt = o->format;
    double tau = (1.0 - cfg->alpha) * cfg->Vb;
    if (fmt == OUT_JSON) {
        strbuf_printf(&sb, "{\"env\": ");
        json_string(&sb, o->ec.env);
        strbuf_printf(&sb, ", \"states\": %d, \"actions\": %d, \"horizon\": %d, \"episodes\": "
                      "%ld, \"runs\": %ld, \"seed\": %llu, \"alpha\": ", m->n_states,
                      m->n_actions, m->horizon, o->K, o->R, o->seed);
        json_number(&sb, cfg->alpha);
        strbuf_puts(&sb, ", \"delta\": ");
        json_number(&sb, cfg->delta);
        strbuf_puts(&sb, ", \"bonus\": ");
        json_string(&sb, cfg->bonus.kind == XPL_HOEFFDING ? "hoeffding" : "bernstein");
        strbuf_puts(&sb, ", \"c\": ");
        json_number(&sb, cfg->bonus.c);
        strbuf_puts(&sb, ", \"L\": ");
        json_number(&sb, cfg->bonus.L);
        strbuf_puts(&sb, ", \"range\": ");
        json_number(&sb, cfg->bonus.range);
        strbuf_puts(&sb, ", \"vstar\": ");
        json_number(&sb, cfg->Vstar);
        strbuf_puts(&sb, ", \"vb\": ");
        json_number(&sb, cfg->Vb);
        strbuf_puts(&sb, ", \"threshold\": ");
        json_number(&sb, tau);
        if (off)
            offline_head(&sb, fmt, o, off, cfg);
        strbuf_puts(&sb, ", \"algorithms\": [");
    } else if (fmt == OUT_CSV)
        strbuf_puts(&sb, off ? "algorithm,runs,episodes,regret_mean,regret_sd,violations,"
                               "violations_realised,runs_violating,mean_mix,violations_exact\n"
                             : "algorithm,runs,episodes,regret_mean,regret_sd,violations,"
                               "violations_realised,runs_violating,mean_mix\n");
    else {
        strbuf_printf(&sb, "%s: S=%d A=%d H=%d, K=%ld episodes x %ld run(s), seed %llu\n",
                      o->ec.env, m->n_states, m->n_actions, m->horizon, o->K, o->R, o->seed);
        if (off)
            offline_head(&sb, fmt, o, off, cfg);
        strbuf_printf(&sb, "V* = %.6g, V^b%s = %.6g, threshold (1-alpha) V^b = %.6g (alpha %g)\n"
                      "bonus %s, c = %g, L = %.4g (delta %g), return range G = %g%s\n\n"
                      "%-9s %14s %11s %10s %10s %9s%s\n", cfg->Vstar, off ? " (learned)" : "",
                      cfg->Vb, tau, cfg->alpha,
                      cfg->bonus.kind == XPL_HOEFFDING ? "hoeffding" : "bernstein",
                      cfg->bonus.c, cfg->bonus.L, cfg->delta, cfg->bonus.range,
                      o->range > 0.0 ? " (--range)" : "", "algorithm", "regret(K)", "sd",
                      "violating", "realised", "mean mix", off ? "   vs exact" : "");
    }
    for (size_t i = 0; i < n_algs; i++) {
        struct xpl_summary s;
        xpl_summarise(rec + i * (size_t)o->R * (size_t)o->K, o->R, o->K, &s);
        if (fmt == OUT_JSON) {
            strbuf_puts(&sb, i ? ", {\"algorithm\": " : "{\"algorithm\": ");
            json_string(&sb, algs[i]->name);
            strbuf_puts(&sb, ", \"regret_mean\": ");
            json_number(&sb, s.regret_mean);
            strbuf_puts(&sb, ", \"regret_sd\": ");
            json_number(&sb, s.regret_sd);
            strbuf_printf(&sb, ", \"violations\": %ld, \"violations_realised\": %ld, "
                          "\"runs_violating\": %ld, \"mean_mix\": ", s.viol, s.viol_real,
                          s.runs_viol);
            json_number(&sb, s.mix_mean);
            if (off)
                strbuf_printf(&sb, ", \"violations_exact\": %ld", s.viol_exact);
            strbuf_puts(&sb, "}");
        } else if (fmt == OUT_CSV) {
            char a[40], b[40], c[40];
            ope_format_double(a, sizeof a, s.regret_mean);
            ope_format_double(b, sizeof b, s.regret_sd);
            ope_format_double(c, sizeof c, s.mix_mean);
            strbuf_printf(&sb, "%s,%ld,%ld,%s,%s,%ld,%ld,%ld,%s", algs[i]->name, o->R, o->K,
                          a, isnan(s.regret_sd) ? "" : b, s.viol, s.viol_real, s.runs_viol, c);
            if (off)
                strbuf_printf(&sb, ",%ld", s.viol_exact);
            strbuf_puts(&sb, "\n");
        } else {
            strbuf_printf(&sb, "%-9s %14.4f %11.4f %10ld %10ld %9.4f", algs[i]->name,
                          s.regret_mean, s.regret_sd, s.viol, s.viol_real, s.mix_mean);
            if (off)
                strbuf_printf(&sb, " %10ld", s.viol_exact);
            strbuf_puts(&sb, "\n");
        }
    }
    if (fmt == OUT_JSON)
        strbuf_puts(&sb, "]}\n");
    else if (fmt == OUT_TABLE)
        strbuf_puts(&sb, "\nviolating: episodes whose executed (expected) value fell below the "
                         "threshold, summed over runs;\nrealised: the same for the policy "
                         "actually run (EpsMix's coin); mean mix: mean rho_k / eps_k.\n");
    if (off && fmt == OUT_TABLE)
        strbuf_puts(&sb, "vs exact: episodes whose executed value fell below (1-alpha) x the "
                         "exact value of the learned baseline.\n");
    /* With the record on standard output (-o -), the summary goes to standard error. */
    fputs(strbuf_str(&sb), o->out.path && ope_outfile_is_stdout(o->out.path) ? stderr : stdout);
    strbuf_release(&sb);
}

/* The offline baseline: load the trajectory log and learn pi-hat^b and V-underbar^b
 * from it (offline.h). */
static int learn_baseline(const struct xo *o, const struct mdp *m, const struct xpl_bonus *b,
                          struct xpl_offline *off, struct ope_error *err)
{
    struct load_opts lo;
    load_opts_init(&lo);
    struct tlog *t = tlog_load(o->baseline_data, &lo, err);
    if (!t)
        return -1;
    int rc = xpl_offline_learn(t, m, b, o->delta, o->L > 0.0, off, err);
    tlog_free(t);
    return rc;
}

static int run(const struct xo *o)
{
    struct ope_error err = {0};
    const struct xpl_algo *one[2] = {o->algo ? xpl_find(o->algo) : NULL, NULL};
    const struct xpl_algo *const *algs = o->compare ? xpl_registry : one;
    size_t n_algs = 0;
    while (algs[n_algs])
        n_algs++;
    struct mdp *m = envcli_build(&o->ec, 1.0, &err);
    if (!m)
        return cli_error(&err);
    struct policy *pb = NULL;
    struct xpl_offline off = {0};
    struct xpl_record *rec = NULL;
    const char **names = NULL;
    double *wa = NULL;
    int rc = 0;
    struct xpl_bonus bonus = {o->bonus, o->c, o->L > 0.0 ? o->L
                              : xpl_log_term(m->n_states, m->n_actions, m->horizon, o->K,
                                             o->delta), return_bound(o, m)};
    if (xpl_check_mdp(m, &err) < 0 ||
        (o->baseline_data ? learn_baseline(o, m, &bonus, &off, &err) < 0
         : !(pb = load_baseline(m, o->baseline ? o->baseline : DEFAULT_BASELINE, &err))) ||
        (o->out.path && ope_outfile_check(o->out.path, o->out.force, &err) < 0) ||
        !(wa = ope_malloc(2 * (size_t)m->n_states * sizeof *wa, &err))) {
        rc = cli_error(&err);
        goto out;
    }
    struct xpl_config cfg = {m, o->K, o->alpha, o->delta, bonus, off.pb ? off.pb : pb->p,
                             off.pb ? off.Vb_lower
                                    : xpl_eval_true(m, m->horizon, 0.0, NULL, pb->p, wa),
                             mdp_optimal_finite(m, NULL, NULL, &err), o->rho_tol};
    if (isnan(cfg.Vstar)) {
        rc = cli_error(&err);
        goto out;
    }
    rec = ope_malloc(n_algs * (size_t)o->R * (size_t)o->K * sizeof *rec, &err);
    names = rec ? ope_malloc(n_algs * sizeof *names, &err) : NULL;
    if (!names) {
        rc = cli_error(&err);
        goto out;
    }
    int st = xpl_run_many(&cfg, algs, n_algs, o->seed, o->R, (int)o->threads, rec,
                          outcli_progress(&o->out), &err);
    if (!o->out.quiet)
        ope_progress_stderr_done();
    for (size_t i = 0; i < n_algs; i++)
        names[i] = algs[i]->name;
    struct xpl_runs runs;
    runs_view(o, &cfg, off.pb ? &off : NULL, names, n_algs, rec, &runs);
    if (st < 0 || (o->out.path && write_record(o->out.path, o->out.force, &runs, &err) < 0)) {
        rc = cli_error(&err);
        goto out;
    }
    print_summary(o, m, &cfg, off.pb ? &off : NULL, algs, n_algs, rec);
out:
    free(wa);
    free(names);
    free(rec);
    xpl_offline_release(&off);
    policy_free(pb);
    mdp_free(m);
    return rc;
}

static int explore_exec(int argc, char **argv)
{
    struct xo o = {0};
    outcli_init(&o.out);
    o.K = 1000;
    o.R = 1;
    o.alpha = 0.1;
    o.delta = 0.05;
    o.c = 0.1;
    o.rho_tol = 1e-4;
    o.bonus = XPL_BERNSTEIN;
    o.seed = 1;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    return run(&o);
}

const struct cmd_entry cmd_explore_entry = {
    "explore",
    "ope explore ALGO|--compare --env ENV [--param K=V]... [options]",
    "conservative exploration: StepMix, EpsMix, UCBVI, baselines on a built-in MDP",
    "ALGO: stepmix | epsmix | ucbvi | cucbvi | baseline; --compare runs them all on the\n"
    "same seeds.\n\n"
    ENVCLI_HELP
    "\nExploration:\n"
    "  --episodes K        episodes per run (default 1000)\n"
    "  --alpha A           constraint V^pi_k >= (1 - A) V^b in every episode (default 0.1)\n"
    "  --delta D           confidence: L = log(5 S A H K / D) (default 0.05)\n"
    "  --seed S            run r uses seed S + r (default 1)\n"
    "  --runs R            independent runs (default 1), in parallel (--threads N)\n"
    "  --baseline SPEC     baseline pi^b: a policy spec (optimal, uniform, mix:W,\n"
    "                      softmax:TAU, ...) or a policy file (default " DEFAULT_BASELINE
    ":\n"
    "                      0.8 optimal + 0.2 uniform); V^b is computed exactly\n"
    "  --baseline-data LOG learn the baseline offline from a trajectory CSV of ENV (as\n"
    "                      `ope gen mdp` writes): pi^b(a|s) = N(s,a)/N(s) from the logged\n"
    "                      actions, pooled over steps (uniform where the log never\n"
    "                      went); V^b = its pessimistic value on the logged transitions:\n"
    "                      backward induction on P-hat, R-hat of the log with the --bonus\n"
    "                      subtracted and clipped at 0, L = log(5 S A H N / D), N logged\n"
    "                      episodes (or --L). The learner uses that V^b as the threshold\n"
    "                      (1 - A) V^b and as the value of the fallback; the summary and\n"
    "                      the record also show the exact value of the learned policy and\n"
    "                      the episodes below (1 - A) x that exact value (vs exact).\n"
    "                      The log must fit ENV: states 0..S-1, not terminal, episodes\n"
    "                      starting where ENV starts, actions 0..A-1, rewards in [0, 1],\n"
    "                      every logged step possible in ENV (else status 65). The\n"
    "                      paper's own offline construction could not be read (abstract\n"
    "                      only): this is ours, and the guarantee it gives is against\n"
    "                      (1 - A) x the learned V^b, not the logging policy's value\n"
    "  --bonus KIND        hoeffding: b = c G_h sqrt(L/N) (exploration.md; UCBVI-CH of\n"
    "                      Azar et al. 2017 has c = 7 and range H); bernstein (default):\n"
    "                      b = c (sqrt(2 L var/N) + 7 G_h L / (3 (N-1))), empirical\n"
    "                      Bernstein (Maurer & Pontil 2009 Thm 4) with var the empirical\n"
    "                      variance of r + V_{h+1}(s'). G_h = min(G, H - h) is the range\n"
    "                      of the value to come at step h; optimistic values are capped\n"
    "                      at G_h, pessimistic ones clipped at 0\n"
    "  --range G           the bound on an episode's return (default: what ENV's\n"
    "                      structure guarantees, at most H: riverswim 15.025 at its\n"
    "                      defaults, chain H - n + 1, gridworld with pit=0 step=0 the\n"
    "                      goal's 1, dirichlet H; the summary shows it). A G below the\n"
    "                      true bound voids the guarantee\n"
    "  --c C               bonus multiplier (default 0.1, tuned on RiverSwim; the theory's\n"
    "                      constants (c = 7, Hoeffding) certify nothing for a long time)\n"
    "  --L L               override the log term L\n"
    "  --rho-tol T         StepMix bisection tolerance on rho (default 1e-4)\n"
    "What is certified: EpsMix's episode mixture is worth eps V(pi-bar) + (1 - eps) V^b;\n"
    "V^b is known, so only V(pi-bar) is bounded pessimistically. StepMix's step mixture\n"
    "is split exactly into (1 - rho)^H V^b, the episodes whose H coins all chose the\n"
    "baseline, plus the value of the others, which alone is bounded pessimistically\n"
    "(backward induction on the learned model, bonus subtracted, clipped at 0); the\n"
    "plain pessimistic value of the whole mixture is used where it is higher. rho = 0 is\n"
    "thus always certified, and StepMix mixes by at least 1 - (1 - A)^(1/H).\n"
    "Output: the summary goes to standard output; -o writes the per-episode record.\n"
    "  -f, --format F      the summary as table (default), json or csv\n"
    "  -o, --output FILE   per-episode record, CSV only (-o - : standard output, the\n"
    "                      summary then on standard error): episode,run,seed,algorithm,\n"
    "                      mix,optimistic,value,value_realised,lower,threshold,violated,\n"
    "                      violated_realised,regret (with --baseline-data also\n"
    "                      baseline,vb_learned,vb_exact,threshold_exact,violated_exact)\n"
    "  --force             replace an existing FILE\n"
    "  -q, --quiet         no progress on standard error\n"
    "Rewards must lie in [0, 1] (gamma 1, no reward noise); gridworld's negative pit and\n"
    "step rewards are refused: use --param pit=0 --param step=0. The learner knows S, A,\n"
    "H, the initial distribution and the terminal states; it learns P and R.\n"
    "The paper's own constants could not be read (only its abstract was available):\n"
    "these are the spec's UCBVI constants, exposed as options.\n"
    "Exit status: 0 ok, 64 usage, 65 bad policy file or baseline log, 66 baseline log\n"
    "unreadable, 73 output not writable, 130 interrupted.\n",
    explore_exec,
    NULL
};
