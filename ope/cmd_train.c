/* ope/cmd_train.c: `ope train ALGO --data LOG.csv`: learn a policy from a trajectory
 * log with one of the algorithms of ope/learn/train/train.h and write it as a tabular policy
 * file (-o) and/or as pi.NAME.* columns appended to a log (--append-to), optionally
 * with softmax variants at several temperatures (--candidates). */
#include "config.h"
#include "ope/cmd.h"
#include "ope/cmd_train_lqr.h"
#include "ope/cmd_train_pg.h"
#include "ope/app/envcli.h"
#include "ope/app/loadcli.h"
#include "ope/base/csvout.h"
#include "ope/app/output.h"
#include "ope/base/outfile.h"
#include "ope/base/progress.h"
#include "ope/base/strbuf.h"
#include "ope/learn/pg/pg.h"
#include "ope/learn/train/train.h"
#include "datasets/csv.h"
#include "datasets/env.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "datasets/roles.h"
#include "datasets/tlog.h"
#include "datasets/truth.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEMPS 32

struct train_cli {
    const char *algo, *data, *out, *append, *name, *candidates, *truth;
    struct envcli ec;           /* --env (exact values), --param, --horizon */
    int force, quiet, n_temps;
    struct outcli oc;           /* -o (the policy file), --force, -q, --format */
    double temps[MAX_TEMPS];
    struct train_opts o;
    struct load_opts lo;
};

/* One output policy: the learned one (T = its own) or a candidate at T. */
static void variant_name(const struct train_cli *c, int k, char *buf, size_t n)
{
    char suf[48];
    if (k < 0) {
        snprintf(buf, n, "%s", c->name);
        return;
    }
    train_temperature_suffix(c->temps[k], suf, sizeof suf);
    snprintf(buf, n, "%s_%s", c->name, suf);
}

static void variant_path(const char *out, const char *suffix, struct strbuf *sb)
{
    size_t len = strlen(out);
    int csv = len > 4 && strcmp(out + len - 4, ".csv") == 0;
    strbuf_add(sb, out, csv ? len - 4 : len);
    strbuf_printf(sb, "_%s.csv", suffix);
}

static int write_policies(const struct train_cli *c, const struct train_model *m,
                          const struct mdp *env, struct ope_error *err)
{
    for (int k = -1; k < c->n_temps; k++) {
        double T = k < 0 ? m->temperature : c->temps[k];
        struct policy *pi = train_model_policy(m, T, err);
        if (!pi)
            return -1;
        struct strbuf path;
        strbuf_init(&path);
        char suf[48];
        if (k < 0) {
            strbuf_puts(&path, c->out);
        } else {
            train_temperature_suffix(T, suf, sizeof suf);
            variant_path(c->out, suf, &path);
        }
        int rc = strbuf_failed(&path) ? ope_fail_oom(err)
                 : policy_write(pi, strbuf_str(&path), c->force, err);
        if (rc == 0 && !c->quiet)
            fprintf(stderr, "ope train: wrote %s (temperature %g)\n", strbuf_str(&path), T);
        if (rc == 0 && env) {
            if (env->n_states != pi->n_states || env->n_actions != pi->n_actions) {
                rc = ope_fail(err, OPE_EUSAGE, "--env %s has %d states and %d actions; the "
                              "log has %d and %d", c->ec.env, env->n_states, env->n_actions,
                              pi->n_states, pi->n_actions);
            } else {
                double v = mdp_eval_finite(env, pi->p, NULL, NULL, err);
                rc = isnan(v) ? -1 : 0;
                /* With the policy on standard output, its value goes to stderr. */
                if (rc == 0)
                    fprintf(ope_outfile_is_stdout(c->out) ? stderr : stdout,
                            "%s\texact value %.10g\n", strbuf_str(&path), v);
            }
        }
        strbuf_release(&path);
        policy_free(pi);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* A CSV field copied from the log: quoted when it holds the separator, a quote or a
 * line break, or when it was quoted in the log. */
static void put_field(struct strbuf *sb, const struct csv_field *f, char sep)
{
    csvout_field(sb, f->s, f->len, sep, f->quoted);
}

/* The new columns of row i of log t. */
static int put_probs(const struct train_cli *c, const struct train_model *m,
                     const struct tlog *t, size_t i, struct strbuf *sb, double *p, double *x,
                     struct ope_error *err)
{
    int A = m->n_actions;
    for (int k = -1; k < c->n_temps; k++) {
        double T = k < 0 ? m->temperature : c->temps[k];
        if (m->kind == TRAIN_TABULAR) {
            if (t->state[i] >= m->n_states) {
                for (int a = 0; a < A; a++)
                    p[a] = 1.0 / A;     /* a state the training log never had */
            } else {
                train_model_probs(m, T, t->state[i], NULL, p);
            }
        } else {
            for (size_t j = 0; j < m->n_features; j++)
                x[j] = t->feature[j][i];
            train_model_probs(m, T, 0, x, p);
        }
        for (int a = 0; a < A; a++)
            strbuf_printf(sb, "%c%.17g", c->lo.sep, p[a]);
    }
    return strbuf_failed(sb) ? ope_fail_oom(err) : 0;
}

static int append_columns(const struct train_cli *c, const struct train_model *m,
                          struct ope_error *err)
{
    struct tlog *t = tlog_load(c->append, &c->lo, err);
    if (!t)
        return -1;
    int rc = 0;
    if (m->kind == TRAIN_TABULAR && !t->state)
        rc = ope_fail(err, OPE_EDATA, "%s: no state column; the policy is tabular", c->append);
    else if (m->kind == TRAIN_LINEAR && t->n_features != m->n_features)
        rc = ope_fail(err, OPE_EDATA, "%s: %zu state feature columns; the policy was "
                      "trained on %zu", c->append, t->n_features, m->n_features);
    char nm[128];
    for (int k = -1; rc == 0 && k < c->n_temps; k++) {
        variant_name(c, k, nm, sizeof nm);
        if (tlog_policy_index(t, nm) >= 0)
            rc = ope_fail(err, OPE_EUSAGE, "%s already has pi.%s.* columns; choose another "
                          "--name", c->append, nm);
    }
    struct csv_reader *r = rc == 0 ? csv_open(c->append, c->lo.sep, err) : NULL;
    struct ope_outfile *f = r ? ope_outfile_open(c->append, 1, err) : NULL;
    double *p = f ? ope_malloc((size_t)m->n_actions * sizeof *p, err) : NULL;
    double *x = p ? ope_malloc((m->n_features + 1) * sizeof *x, err) : NULL;
    rc = x ? 0 : -1;
    const struct csv_field *fl;
    size_t nf, row = 0;
    int got = 0, header = 1;
    struct strbuf sb;
    strbuf_init(&sb);
    while (rc == 0 && (got = csv_next(r, &fl, &nf, err)) == 1) {
        if (!header && roles_blank_record(fl, nf))
            continue;
        for (size_t j = 0; j < nf; j++) {
            if (j)
                strbuf_putc(&sb, c->lo.sep);
            put_field(&sb, &fl[j], c->lo.sep);
        }
        if (header) {
            for (int k = -1; k < c->n_temps; k++) {
                variant_name(c, k, nm, sizeof nm);
                for (int a = 0; a < m->n_actions; a++)
                    strbuf_printf(&sb, "%cpi.%s.%d", c->lo.sep, nm, a);
            }
            header = 0;
        } else if (row >= t->n_steps) {
            rc = ope_fail(err, OPE_EDATA, "%s changed while it was being read", c->append);
        } else {
            rc = put_probs(c, m, t, row++, &sb, p, x, err);
        }
        strbuf_putc(&sb, '\n');
        if (rc == 0 && sb.len > (1u << 20)) {
            rc = strbuf_failed(&sb) ? ope_fail_oom(err) : ope_outfile_write(f, sb.buf, sb.len, err);
            strbuf_reset(&sb);
        }
        if (got < 0)
            rc = -1;
    }
    if (rc == 0 && got < 0)
        rc = -1;
    if (rc == 0 && row != t->n_steps)
        rc = ope_fail(err, OPE_EDATA, "%s changed while it was being read", c->append);
    if (rc == 0 && sb.len)
        rc = strbuf_failed(&sb) ? ope_fail_oom(err) : ope_outfile_write(f, sb.buf, sb.len, err);
    if (rc == 0)
        rc = ope_outfile_commit(f, err);
    else
        ope_outfile_abort(f);
    if (rc == 0 && !c->quiet)
        fprintf(stderr, "ope train: added pi.%s.* (%d policies x %d actions) to %s\n",
                c->name, c->n_temps + 1, m->n_actions, c->append);
    strbuf_release(&sb);
    if (r)
        csv_close(r);
    free(p);
    free(x);
    tlog_free(t);
    return rc;
}

static int valid_name(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
        return 0;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')
              || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

enum { O_DATA = 256, O_GAMMA, O_FEATURES, O_PESS, O_ITER, O_CAND, O_SEED, O_APPEND, O_NAME,
       O_SMOOTH, O_L2, O_BETA, O_ALPHA, O_STEP, O_TRUTH };

/* The options of the log path (bc, fqi, cevi, prdc). */
static const struct option train_log_options[] = {
    {"data", required_argument, 0, O_DATA}, {"gamma", required_argument, 0, O_GAMMA},
    {"features", required_argument, 0, O_FEATURES},
    {"pessimism", required_argument, 0, O_PESS},
    {"iterations", required_argument, 0, O_ITER},
    {"candidates", required_argument, 0, O_CAND}, {"seed", required_argument, 0, O_SEED},
    {"append-to", required_argument, 0, O_APPEND}, {"name", required_argument, 0, O_NAME},
    ENVCLI_OPTIONS,
    {"truth", required_argument, 0, O_TRUTH},
    {"smoothing", required_argument, 0, O_SMOOTH}, {"l2", required_argument, 0, O_L2},
    {"beta", required_argument, 0, O_BETA}, {"alpha", required_argument, 0, O_ALPHA},
    {"step", required_argument, 0, O_STEP},
    OUTCLI_OPTIONS, LOADCLI_OPTIONS, {0, 0, 0, 0}
};

static int parse_args(int argc, char **argv, struct train_cli *c)
{
    const struct option *lo = train_log_options;
    const char *cmd = "train";
    struct ope_error err = { 0 };
    int opt, r;
    outcli_init(&c->oc);
    while ((opt = cli_getopt(cmd, argc, argv, OUTCLI_SHORT, lo)) != -1) {
        if (opt == '?')
            return OPE_EUSAGE;
        if ((r = outcli_option(&c->oc, opt, optarg, &err)) != 0 ||
            (r = envcli_option(&c->ec, opt, optarg, &err)) != 0) {
            if (r < 0)
                return cli_usage(cmd, "%s", err.msg);
            continue;
        }
        switch (opt) {
        case O_DATA: c->data = optarg; break;
        case O_GAMMA:
            if (cli_parse_double(cmd, "--gamma", optarg, 0.0, 1.0, &c->o.gamma))
                return OPE_EUSAGE;
            break;
        case O_FEATURES:
            c->lo.state_feature_pattern = optarg;
            c->o.linear = 1;
            break;
        case O_PESS:
            if (cli_parse_double(cmd, "--pessimism", optarg, 0.0, 1e12, &c->o.pessimism))
                return OPE_EUSAGE;
            break;
        case O_ITER:
            if (cli_parse_int(cmd, "--iterations", optarg, 1, 100000000, &c->o.iterations))
                return OPE_EUSAGE;
            break;
        case O_CAND:
            if ((c->n_temps = train_parse_temperatures(optarg, c->temps, MAX_TEMPS, &err)) < 0)
                return cli_usage(cmd, "%s", err.msg);
            break;
        case O_SEED:
            if (cli_parse_seed(cmd, "--seed", optarg, &c->o.seed))
                return OPE_EUSAGE;
            break;
        case O_APPEND: c->append = optarg; break;
        case O_NAME: c->name = optarg; break;
        case O_TRUTH: c->truth = optarg; break;
        case O_SMOOTH:
            if (cli_parse_double(cmd, "--smoothing", optarg, 0.0, 1e12, &c->o.smoothing))
                return OPE_EUSAGE;
            break;
        case O_L2:
            if (cli_parse_double(cmd, "--l2", optarg, 0.0, 1e12, &c->o.l2))
                return OPE_EUSAGE;
            break;
        case O_BETA:
            if (cli_parse_double(cmd, "--beta", optarg, 0.0, 1e12, &c->o.beta))
                return OPE_EUSAGE;
            break;
        case O_ALPHA:
            if (cli_parse_double(cmd, "--alpha", optarg, 0.0, 1e12, &c->o.alpha))
                return OPE_EUSAGE;
            break;
        case O_STEP:
            if (cli_parse_double(cmd, "--step", optarg, 1e-12, 1e6, &c->o.step))
                return OPE_EUSAGE;
            break;
        default:
            r = loadcli_option(&c->lo, opt, optarg, &err);
            if (r < 0)
                return cli_error(&err);
            if (r == 0)
                return OPE_EUSAGE;
        }
    }
    c->out = c->oc.path;
    c->force = c->oc.force;
    c->quiet = c->oc.quiet;
    enum out_format f;
    if ((c->oc.format >= 0 && outcli_format_flag(&c->oc, OUT_HAS(OUT_TABLE), "ope train "
                                                 "(from a log)'s summary", &f, &err) != 0) ||
        (c->out && outcli_format(&(struct outcli){ .path = c->out, .format = -1 },
                                 OUT_HAS(OUT_CSV), "a policy file", &f, &err) != 0))
        return cli_usage(cmd, "%s", err.msg);
    if (c->out && ope_outfile_is_stdout(c->out) && c->n_temps)
        return cli_usage(cmd, "--candidates writes one file per temperature next to -o FILE: "
                         "give a file name, not -o -");
    if (optind >= argc)
        return cli_usage(cmd, "which algorithm? (ope help train lists them)");
    c->algo = argv[optind];
    if (optind + 1 < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[optind + 1]);
    if (!train_find(c->algo))
        return train_unknown_algo(c->algo);
    if (!c->data)
        return cli_usage(cmd, "--data LOG.csv is required");
    if (!c->out && !c->append)
        return cli_usage(cmd, "nothing to write: give -o POLICY.csv and/or --append-to LOG.csv");
    if (c->truth && !c->ec.env)
        return cli_usage(cmd, "--truth FILE needs --env ENV: exact values come from the "
                         "environment the log was sampled from");
    /* --append-to and --truth rewrite the files they read, on purpose (atomically:
     * the old file stays whole until the new one is complete). */
    if (c->append)
        ope_outfile_allow_rewrite(c->append);
    if (c->truth)
        ope_outfile_allow_rewrite(c->truth);
    if (c->append && !c->name)
        return cli_usage(cmd, "--append-to needs --name NAME (the columns are pi.NAME.*)");
    if (!c->name)
        c->name = c->algo;
    if (!valid_name(c->name))
        return cli_usage(cmd, "--name '%s': expected a letter then letters, digits, '_' or '-'",
                         c->name);
    return 0;
}

/* --truth FILE: add a "NAME,exact value" row per written policy (the learned one and
 * each --candidates variant, named as --append-to names them) to the truth file, so
 * `ope select LOG --truth FILE` scores the trained policies against the exact truth.
 * A missing file starts with its header; a name already listed is refused. Builds the
 * new content in *out (written by run() only after every other output succeeded). */
static int truth_rows(const struct train_cli *c, const struct train_model *m,
                      const struct mdp *env, struct strbuf *out, struct ope_error *err)
{
    struct strbuf sb = STRBUF_INIT;
    struct truth old;
    memset(&old, 0, sizeof old);
    int rc = 0;
    FILE *fp = fopen(c->truth, "rb");
    if (fp) {
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
            strbuf_add(&sb, buf, n);
        if (ferror(fp))
            rc = ope_fail(err, OPE_ENOINPUT, "%s: %s", c->truth, strerror(errno));
        fclose(fp);
        if (rc == 0 && truth_load(c->truth, &old, err) < 0)
            rc = -1;
        if (rc == 0 && sb.len && sb.buf[sb.len - 1] != '\n')
            strbuf_putc(&sb, '\n');
    } else if (errno == ENOENT) {
        strbuf_puts(&sb, "policy,value\n");
    } else {
        rc = ope_fail(err, OPE_ENOINPUT, "%s: %s", c->truth, strerror(errno));
    }
    char nm[128];
    for (int k = -1; rc == 0 && k < c->n_temps; k++) {
        variant_name(c, k, nm, sizeof nm);
        if (!isnan(truth_of(&old, nm))) {
            rc = ope_fail(err, OPE_EUSAGE, "%s already lists '%s'; choose another --name",
                          c->truth, nm);
            break;
        }
        struct policy *pi = train_model_policy(m, k < 0 ? m->temperature : c->temps[k], err);
        if (!pi) {
            rc = -1;
            break;
        }
        double v = NAN;
        if (env->n_states != pi->n_states || env->n_actions != pi->n_actions)
            rc = ope_fail(err, OPE_EUSAGE, "--env %s has %d states and %d actions; the log has "
                          "%d and %d", c->ec.env, env->n_states, env->n_actions, pi->n_states,
                          pi->n_actions);
        else if (isnan(v = mdp_eval_finite(env, pi->p, NULL, NULL, err)))
            rc = -1;
        else
            strbuf_printf(&sb, "%s,%.17g\n", nm, v);
        policy_free(pi);
    }
    if (rc == 0 && strbuf_failed(&sb))
        rc = ope_fail_oom(err);
    truth_release(&old);
    if (rc == 0)
        *out = sb;
    else
        strbuf_release(&sb);
    return rc;
}

/* Everything that can refuse an output, checked before the first one is written, so
 * a refusal (an existing variant file without --force, a name the appended-to log
 * already has) leaves no output behind: the variant files of -o, and the pi.NAME.*
 * names of --append-to. */
static int check_outputs(const struct train_cli *c, struct ope_error *err)
{
    for (int k = 0; c->out && k < c->n_temps; k++) {
        char suf[48];
        struct strbuf path = STRBUF_INIT;
        train_temperature_suffix(c->temps[k], suf, sizeof suf);
        variant_path(c->out, suf, &path);
        int rc = strbuf_failed(&path) ? ope_fail_oom(err)
                 : ope_outfile_check(strbuf_str(&path), c->force, err);
        strbuf_release(&path);
        if (rc < 0)
            return -1;
    }
    if (!c->append)
        return 0;
    if (ope_outfile_check(c->append, 1, err) < 0)
        return -1;
    struct tlog *t = tlog_load(c->append, &c->lo, err);
    if (!t)
        return -1;
    char nm[128];
    int rc = 0;
    for (int k = -1; rc == 0 && k < c->n_temps; k++) {
        variant_name(c, k, nm, sizeof nm);
        if (tlog_policy_index(t, nm) >= 0)
            rc = ope_fail(err, OPE_EUSAGE, "%s already has pi.%s.* columns; choose another "
                          "--name", c->append, nm);
    }
    tlog_free(t);
    return rc;
}

static int run(struct train_cli *c, struct ope_error *err)
{
    const struct train_algo *al = train_find(c->algo);
    struct tlog *t = NULL;
    struct train_model *m = NULL;
    struct mdp *env = NULL;
    struct strbuf truth = STRBUF_INIT;
    int rc = -1;
    if (c->out && ope_outfile_check(c->out, c->force, err) < 0)
        return -1;
    if (!(t = tlog_load(c->data, &c->lo, err)))
        return -1;
    if (!c->o.linear && !t->state && t->n_features > 0)
        c->o.linear = 1;        /* no state column: the s* features */
    if (c->o.linear && !al->linear_ok) {
        ope_fail(err, OPE_EUSAGE, "%s needs a tabular log (a state column); it has no "
                 "linear-feature version", al->name);
        goto done;
    }
    if (c->ec.env && !(env = envcli_build(&c->ec, train_gamma(t, &c->o), err)))
        goto done;
    c->o.progress = outcli_progress(&c->oc);
    rc = al->run(t, &c->o, &m, err);
    ope_progress_stderr_done();
    if (rc < 0)
        goto done;
    if (!c->quiet)
        fprintf(stderr, "ope train: %s (seed %llu)\n", m->summary,
                (unsigned long long)c->o.seed);
    if (check_outputs(c, err) < 0) {
        rc = -1;
        goto done;
    }
    if (c->truth && m->kind != TRAIN_TABULAR)
        rc = ope_fail(err, OPE_EUSAGE, "--truth needs a tabular policy (exact values come from "
                      "the tabular environment)");
    else if (c->truth)
        rc = truth_rows(c, m, env, &truth, err);
    if (rc == 0 && c->out)
        rc = write_policies(c, m, env, err);
    if (rc == 0 && c->append)
        rc = append_columns(c, m, err);
    if (rc == 0 && c->truth) {
        rc = ope_write_file_atomic(c->truth, truth.buf, truth.len, 1, err);
        if (rc == 0 && !c->quiet)
            fprintf(stderr, "ope train: added %d exact value%s to %s\n", c->n_temps + 1,
                    c->n_temps ? "s" : "", c->truth);
    }
done:
    train_model_free(m);
    mdp_free(env);
    tlog_free(t);
    strbuf_release(&truth);
    return rc;
}

enum train_path { TRAIN_FROM_LOG, TRAIN_PG, TRAIN_LQR };

/* Which of the three paths the arguments take: the first word that is neither an
 * option nor an option's value names the algorithm (prdc-lqr, a policy-gradient one,
 * or one that learns from a log), and --compare is policy gradient. Words are told
 * from option values by one getopt pass over the three paths' own option tables, so
 * no list of options is kept by hand; each path then parses strictly. */
static enum train_path train_route(int argc, char **argv)
{
    const struct option *const tabs[] = { train_log_options, train_pg_options,
                                          train_lqr_options };
    struct option all[192];
    size_t n = 0;
    for (size_t t = 0; t < sizeof tabs / sizeof tabs[0]; t++)
        for (const struct option *o = tabs[t]; o->name && n + 1 < 192; o++) {
            size_t k = 0;
            while (k < n && strcmp(all[k].name, o->name) != 0)
                k++;
            if (k == n)
                all[n++] = *o;
        }
    all[n] = (struct option){ 0, 0, 0, 0 };
    char **copy = malloc(((size_t)argc + 1) * sizeof *copy);
    if (!copy)
        return TRAIN_FROM_LOG;      /* the log path's parser reports what it can */
    memcpy(copy, argv, ((size_t)argc + 1) * sizeof *copy);
    const char *algo = NULL;
    int compare = 0, opt, idx = -1;
    optind = 0;
    opterr = 0;
    /* A leading '-' returns each plain word as code 1, in order. */
    while ((opt = getopt_long(argc, copy, "-:" OUTCLI_SHORT "h", all, &idx)) != -1) {
        if (opt == 1 && !algo && !strchr(optarg, '='))
            algo = optarg;
        else if (opt != '?' && opt != ':' && idx >= 0 && strcmp(all[idx].name, "compare") == 0)
            compare = 1;
        idx = -1;
    }
    free(copy);
    optind = 0;
    if (algo && strcmp(algo, "prdc-lqr") == 0)
        return TRAIN_LQR;
    return compare || (algo && pg_find(algo)) ? TRAIN_PG : TRAIN_FROM_LOG;
}

static int train_exec(int argc, char **argv)
{
    switch (train_route(argc, argv)) {
    case TRAIN_LQR:
        return train_lqr_main(argc, argv);
    case TRAIN_PG:
        return train_pg_exec(argc, argv);      /* policy gradient on --env (issue 10) */
    case TRAIN_FROM_LOG:
        break;
    }
    struct train_cli c;
    memset(&c, 0, sizeof c);
    train_opts_init(&c.o);
    load_opts_init(&c.lo);
    int st = parse_args(argc, argv, &c);
    if (st != 0)
        return st;
    struct ope_error err = { 0 };
    return run(&c, &err) < 0 ? cli_error(&err) : 0;
}

const struct cmd_entry cmd_train_entry = {
    "train",
    "ope train ALGO --data LOG.csv [options] (-o POLICY.csv | --append-to LOG.csv --name NAME)",
    "learn a policy from a log (bc, fqi, cevi, prdc) or by policy gradient (reinforce, ...)",
    "Algorithms:\n"
    "  bc     behaviour cloning: smoothed action counts per state, or multinomial\n"
    "         logistic regression on the state features\n"
    "         (Pomerleau, Neural Computation 1991)\n"
    "  fqi    fitted Q iteration, tabular or linear in the state features; greedy\n"
    "         (Ernst, Geurts & Wehenkel, JMLR 2005)\n"
    "  cevi   certainty-equivalence value iteration on the empirical MDP, optional\n"
    "         count pessimism c/sqrt(N(s,a)); greedy\n"
    "         (pessimism: Jin, Yang & Wang, ICML 2021)\n"
    "  prdc   softmax actor on the FQI critic pulled to the action of the nearest\n"
    "         (beta*state, action) data point, found with an exact k-d tree\n"
    "         (Ran, Li, Zhang, Zhang & Yu, ICML 2023)\n"
    "  prdc-lqr  PRDC's continuous case on a 1-D discounted LQR, no log needed:\n"
    "         `ope train prdc-lqr [--betas 0.5,1,2,4,8] [--episodes 200] [--steps 10]\n"
    "         [--good-share 0.5] [--iterations 200] [--alpha 2.5] [--step 0.05]\n"
    "         [--seed S] [--format table|json|csv] [-o FILE]` samples mixed-quality\n"
    "         offline data (optimal gain or no control per episode) and prints\n"
    "         behaviour cloning, PRDC at each beta and the unregularised improvement\n"
    "         with their exact value, gap to the Riccati optimum and mean\n"
    "         nearest-neighbour distance\n"
    "\n"
    "Options:\n"
    "  --data LOG.csv        the training log (trajectory CSV; required)\n"
    "  -o, --output FILE     write the policy file (state,p.0,..; needs a state column)\n"
    "  --append-to LOG.csv   add pi.NAME.* columns to this log (rewritten atomically)\n"
    "  --name NAME           policy name for --append-to (default: ALGO)\n"
    "  --candidates T1,T2..  also softmax(score / T) variants: files FILE_tT.csv and\n"
    "                        columns pi.NAME_tT.* ('.' in T written 'p'; T = 0 greedy).\n"
    "                        Scores: Q for fqi/cevi, log-probabilities/logits for bc/prdc\n"
    "  --gamma G             discount (default: the log's, 1)\n"
    "  --iterations N        fqi/cevi backups from Q = 0 (default: the log's longest\n"
    "                        episode H: the finite-horizon H-step Q_0; with G < 1 and\n"
    "                        large N the discounted Q*); prdc actor steps (default 500)\n"
    "  --pessimism C         fqi/cevi (tabular): subtract C/sqrt(N(s,a)); unseen pairs\n"
    "                        are never chosen (default 0: unseen pairs are worth 0)\n"
    "  --features RE         use the state feature columns matching RE (linear models;\n"
    "                        default when the log has no state column: ^s\\d+$)\n"
    "  --smoothing A         bc additive smoothing (default 0.5)\n"
    "  --l2 L                ridge / logistic penalty (default 0.001)\n"
    "  --beta B              prdc state scale (default 2)\n"
    "  --alpha A             prdc Q weight, lambda = A / mean|Q| (default 2.5)\n"
    "  --step S              prdc actor step size (default 0.5)\n"
    "  --seed S              seed (prdc's initial logits; default 12345)\n"
    "  --env ENV             the log came from this built-in environment: print each\n"
    "                        written policy's exact value\n"
    "  --param KEY=VALUE     a parameter of --env (repeatable; default: its defaults)\n"
    "  --horizon H           horizon for --env (default: the environment's)\n"
    "  --truth FILE          with --env: add NAME,exact value rows for the written\n"
    "                        policies to this truth file (created if missing), for\n"
    "                        ope select LOG --truth FILE\n"
    "  --force               replace an existing -o file\n"
    "  -q, --quiet           no summary or progress on stderr\n"
    "  -o - writes the policy to standard output (exact values of --env then go to\n"
    "  stderr); a policy file is CSV only (-o FILE.json is refused); --format takes\n"
    "  only table here (the summary is the messages on stderr)\n"
    "\n" LOADCLI_HELP
    TRAIN_PG_HELP
    "\nExit status: 0 ok, 64 usage, 65 bad data, 66 unreadable input, 73 output not\n"
    "writable.\n",
    train_exec,
    NULL
};
