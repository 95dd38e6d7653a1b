/* ope/cmd_gen_mdp.c: `ope gen mdp ENV`: sample a trajectory log from a built-in
 * environment under a behaviour policy, with pi.NAME.* columns for M candidate
 * policies of graded quality, and write their exact values (dynamic programming,
 * same horizon and discount as the log) to a ground-truth file. */
#include "config.h"
#include "ope/cmd.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ope/cmd_gen.h"
#include "ope/base/csvout.h"
#include "ope/app/envcli.h"
#include "ope/app/output.h"
#include "ope/base/outfile.h"
#include "ope/base/progress.h"
#include "ope/base/strbuf.h"
#include "datasets/candidates.h"
#include "datasets/env.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "datasets/sampler.h"
#include "datasets/tlog.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char gen_mdp_help[] =
    "usage: ope gen mdp ENV [KEY=VALUE...] [options] -o LOG.csv\n"
    "       ope gen mdp --list\n"
    "Sample episodes from a built-in tabular environment and write the trajectory CSV\n"
    "(episode,step,state,action,reward,pscore,done,pi.NAME.0..A-1). Exact values of the\n"
    "behaviour and candidate policies come from dynamic programming.\n"
    "\n"
    "Options:\n"
    "  --param KEY=VALUE  set an environment parameter (repeatable; a bare KEY=VALUE\n"
    "                     after ENV does the same); see --list for names and ranges\n"
    "  --behavior SPEC    behaviour policy (default eps:0.3):\n"
    "                       optimal | anti | uniform | softmax:TAU | eps:E | mix:W |\n"
    "                       mix:W:SPEC | file:POLICY.csv\n"
    "                     optimal = greedy on Q*_0, the H-step optimal Q (ties split\n"
    "                     evenly); anti = greedy on -Q*_0; eps:E = (1-E) optimal + E\n"
    "                     uniform; mix:W = W optimal + (1-W) uniform (mix:W:SPEC mixes\n"
    "                     with SPEC instead); softmax:TAU = softmax(Q*_0 / TAU)\n"
    "  --episodes N       number of episodes (default 1000)\n"
    "  --candidates M     candidate policies written as pi.NAME.* (default 10, 0..200):\n"
    "                     quality q from -1 to 1 in M even steps; q >= 0 is\n"
    "                     q optimal + (1-q) uniform, named mixP (P = 100q), q < 0 is\n"
    "                     |q| anti + (1-|q|) uniform, named antiP\n"
    "  --horizon H        episode length (default: the environment's)\n"
    "  --env ENV          the environment, as the word ENV (the option group of\n"
    "                     explore, train and select)\n"
    "  --gamma G          discount in [0, 1] (default 1); values are\n"
    "                     E[sum_{t<H} G^t r_t] from the initial distribution\n"
    "  --seed S           seed of the sampled log (default 12345); the MDP itself only\n"
    "                     depends on its parameters\n"
    "  -o, --output FILE  the trajectory CSV (required; -o - is standard output)\n"
    "  --truth FILE       ground truth: policy,value with a `behavior` row first\n"
    "  --policy-dir DIR   also write each policy as DIR/NAME.csv (formats.md policy file)\n"
    "  --threads N        sampling threads (default: all CPUs; output does not depend on it)\n"
    "  --force            replace existing output files\n"
    "  -q, --quiet        no summary line on stderr\n"
    "  --list             list the environments and their parameters\n"
    "\n"
    "An episode ends after H steps or on entering a terminal state (done = 1).\n"
    "The environments are dense tabular MDPs: P(s'|s,a) takes S*S*A*8 bytes (gridworld\n"
    "twice, with r(s,a,s')), and ope refuses with exit 64, before allocating, an MDP\n"
    "whose tables pass 8 GiB (S*S*A > 2^30; e.g. chain n=10000 with more than 10\n"
    "actions); --list gives each environment's limit.\n"
    "Exit status: 0 ok, 64 usage error (also an MDP past the memory limit), 65 bad\n"
    "policy file, 66 unreadable input, 73 output not writable.\n";

#define MAX_CANDIDATES 200

struct gen_opts {
    struct envcli ec;           /* ENV (or --env), KEY=VALUE (or --param), --horizon */
    const char *behavior;
    long episodes, candidates, threads;
    double gamma;
    unsigned long long seed;
    const char *out, *truth, *policy_dir;
    int force, quiet, list;
};

static void list_envs(void)
{
    for (size_t i = 0; env_registry[i]; i++) {
        const struct env_desc *d = env_registry[i];
        printf("%s: %s (default horizon %d)\n", d->name, d->title, d->default_horizon);
        const char *p = d->description;
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t len = nl ? (size_t)(nl - p) : strlen(p);
            printf("    %.*s\n", (int)len, p);
            p += len + (nl != NULL);
        }
        for (size_t k = 0; d->params[k].name; k++) {
            const struct env_param *q = &d->params[k];
            printf("  %-8s = %-8g %s in [%.10g, %.10g]: %s\n", q->name, q->def,
                   q->integer ? "integer" : "number", q->lo, q->hi, q->help);
        }
        printf("\n");
    }
}

/* A seed: decimal digits only, fitting 64 bits. */
static int parse_args(int argc, char **argv, struct gen_opts *o)
{
    enum { O_BEHAVIOR = 256, O_EPISODES, O_CANDIDATES, O_GAMMA, O_SEED,
           O_TRUTH, O_PDIR, O_THREADS, O_FORCE, O_LIST, O_HELP };
    static const struct option lo[] = {
        ENVCLI_OPTIONS, {"behavior", required_argument, 0, O_BEHAVIOR},
        {"behaviour", required_argument, 0, O_BEHAVIOR},
        {"episodes", required_argument, 0, O_EPISODES},
        {"candidates", required_argument, 0, O_CANDIDATES},
        {"gamma", required_argument, 0, O_GAMMA},
        {"seed", required_argument, 0, O_SEED}, {"output", required_argument, 0, 'o'},
        {"truth", required_argument, 0, O_TRUTH}, {"policy-dir", required_argument, 0, O_PDIR},
        {"threads", required_argument, 0, O_THREADS}, {"force", no_argument, 0, O_FORCE},
        {"quiet", no_argument, 0, 'q'}, {"list", no_argument, 0, O_LIST},
        {"help", no_argument, 0, O_HELP}, {0, 0, 0, 0}
    };
    const char *cmd = "gen mdp";
    struct ope_error err = { 0 };
    long v;
    int c, r;
    while ((c = cli_getopt(cmd, argc, argv, "o:qh", lo)) != -1) {
        if (c != '?' && (r = envcli_option(&o->ec, c, optarg, &err)) != 0) {
            if (r < 0)
                return cli_usage(cmd, "%s", err.msg);
            continue;
        }
        switch (c) {
        case O_BEHAVIOR: o->behavior = optarg; break;
        case O_EPISODES:
            if (cli_parse_int(cmd, "--episodes", optarg, 1, 100000000, &o->episodes))
                return OPE_EUSAGE;
            break;
        case O_CANDIDATES:
            if (cli_parse_int(cmd, "--candidates", optarg, 0, MAX_CANDIDATES, &o->candidates))
                return OPE_EUSAGE;
            break;
        case O_GAMMA:
            if (cli_parse_double(cmd, "--gamma", optarg, 0.0, 1.0, &o->gamma))
                return OPE_EUSAGE;
            break;
        case O_SEED:
            {
                uint64_t sd;
                if (cli_parse_seed(cmd, "--seed", optarg, &sd))
                    return OPE_EUSAGE;
                o->seed = sd;
            }
            break;
        case 'o': o->out = optarg; break;
        case O_TRUTH: o->truth = optarg; break;
        case O_PDIR: o->policy_dir = optarg; break;
        case O_THREADS:
            if (cli_parse_int(cmd, "--threads", optarg, 1, 1024, &v))
                return OPE_EUSAGE;
            o->threads = v;
            break;
        case O_FORCE: o->force = 1; break;
        case 'q': o->quiet = 1; break;
        case O_LIST: o->list = 1; break;
        case 'h':
        case O_HELP:
            fputs(gen_mdp_help, stdout);
            return -1;
        default:
            return OPE_EUSAGE;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (!o->ec.env && !strchr(argv[i], '='))
            o->ec.env = argv[i];
        else if (o->ec.env && strchr(argv[i], '=') && envcli_param(&o->ec, argv[i], &err) == 0)
            continue;
        else
            return cli_usage(cmd, "unexpected argument '%s'", argv[i]);
    }
    if (o->list)
        return 0;
    if (!o->ec.env)
        return cli_usage(cmd, "which environment? (ope gen mdp --list)");
    if (!o->out)
        return cli_usage(cmd, "-o LOG.csv is required");
    enum out_format f;
    if (outcli_format(&(struct outcli){ .path = o->out, .format = -1 }, OUT_HAS(OUT_CSV),
                      "a trajectory log", &f, &err) != 0)
        return cli_usage(cmd, "%s", err.msg);
    return 0;
}

/* Append a decimal number and a separator (printf is the bottleneck otherwise). */
static void put_uint(struct strbuf *sb, size_t v, char sep)
{
    char buf[24];
    int n = (int)sizeof buf;
    buf[--n] = sep;
    do
        buf[--n] = (char)('0' + v % 10);
    while ((v /= 10) > 0);
    strbuf_add(sb, buf + n, sizeof buf - (size_t)n);
}

/* Flush sb to f when it is large (or always when final). */
static int flush(struct ope_outfile *f, struct strbuf *sb, int final, struct ope_error *err)
{
    if (!final && sb->len < (1u << 20))
        return 0;
    if (strbuf_failed(sb))
        return ope_fail_oom(err);
    int rc = sb->len ? ope_outfile_write(f, sb->buf, sb->len, err) : 0;
    strbuf_reset(sb);
    return rc;
}

/* The log. The pi.* part of a row depends only on the state and pscore only on
 * (s, a), so both are formatted once per state / pair. */
static int write_log(const struct gen_opts *o, const struct tlog *t, const struct policy *b,
                     struct policy *const *cand, char (*names)[CAND_NAME_MAX], struct ope_error *err)
{
    int S = b->n_states, A = b->n_actions;
    size_t M = t->n_policies;
    char num[40];
    struct strbuf *row_pi = ope_calloc((size_t)S, sizeof *row_pi, err);
    char (*ps)[40] = row_pi ? ope_malloc((size_t)S * (size_t)A * sizeof *ps, err) : NULL;
    struct ope_outfile *f = ps ? ope_outfile_open(o->out, o->force, err) : NULL;
    struct strbuf sb;
    strbuf_init(&sb);
    int rc = f ? 0 : -1;
    for (int s = 0; s < S && rc == 0; s++) {
        strbuf_init(&row_pi[s]);
        for (size_t k = 0; k < M; k++)
            for (int a = 0; a < A; a++) {
                csvout_format_g15_17(num, sizeof num, cand[k]->p[(size_t)s * A + a]);
                strbuf_putc(&row_pi[s], ',');
                strbuf_puts(&row_pi[s], num);
            }
        if (strbuf_failed(&row_pi[s]))
            rc = ope_fail_oom(err);
        for (int a = 0; a < A; a++)
            csvout_format_g15_17(ps[(size_t)s * A + a], sizeof *ps, b->p[(size_t)s * A + a]);
    }
    if (rc == 0) {
        strbuf_puts(&sb, "episode,step,state,action,reward,pscore,done");
        for (size_t k = 0; k < M; k++)
            for (int a = 0; a < A; a++)
                strbuf_printf(&sb, ",pi.%s.%d", names[k], a);
        strbuf_putc(&sb, '\n');
    }
    for (size_t e = 0; e < t->n_episodes && rc == 0; e++) {
        for (size_t i = t->ep_start[e]; i < t->ep_start[e + 1]; i++) {
            int s = t->state[i], a = t->action[i];
            csvout_format_g15_17(num, sizeof num, t->reward[i]);
            put_uint(&sb, e, ',');
            put_uint(&sb, i - t->ep_start[e], ',');
            put_uint(&sb, (size_t)s, ',');
            put_uint(&sb, (size_t)a, ',');
            strbuf_puts(&sb, num);
            strbuf_putc(&sb, ',');
            strbuf_puts(&sb, ps[(size_t)s * A + a]);
            strbuf_puts(&sb, t->done[i] ? ",1" : ",0");
            strbuf_add(&sb, row_pi[s].buf ? row_pi[s].buf : "", row_pi[s].len);
            strbuf_putc(&sb, '\n');
        }
        rc = flush(f, &sb, 0, err);
    }
    if (rc == 0)
        rc = flush(f, &sb, 1, err);
    if (rc == 0)
        rc = ope_outfile_commit(f, err);
    else
        ope_outfile_abort(f);
    strbuf_release(&sb);
    for (int s = 0; row_pi && s < S; s++)
        strbuf_release(&row_pi[s]);
    free(row_pi);
    free(ps);
    return rc;
}

/* Truth file: exact finite-horizon values, behaviour first. */
static int write_truth(const struct gen_opts *o, const struct mdp *m, const struct policy *b,
                       struct policy *const *cand, char (*names)[CAND_NAME_MAX], double *vb,
                       struct ope_error *err)
{
    struct strbuf sb;
    char num[40];
    strbuf_init(&sb);
    strbuf_puts(&sb, "policy,value\n");
    int rc = 0;
    for (long k = -1; k < o->candidates && rc == 0; k++) {
        double v = mdp_eval_finite(m, k < 0 ? b->p : cand[k]->p, NULL, NULL, err);
        if (isnan(v))
            rc = -1;
        if (k < 0)
            *vb = v;
        csvout_format_g15_17(num, sizeof num, v);
        strbuf_printf(&sb, "%s,%s\n", k < 0 ? "behavior" : names[k], num);
    }
    if (rc == 0 && o->truth)
        rc = strbuf_failed(&sb) ? ope_fail_oom(err)
             : ope_write_file_atomic(o->truth, sb.buf, sb.len, o->force, err);
    strbuf_release(&sb);
    return rc;
}

static int write_policies(const struct gen_opts *o, const struct policy *b,
                          struct policy *const *cand, char (*names)[CAND_NAME_MAX], struct ope_error *err)
{
    struct strbuf path;
    strbuf_init(&path);
    int rc = 0;
    for (long k = -1; k < o->candidates && rc == 0; k++) {
        strbuf_reset(&path);
        strbuf_printf(&path, "%s/%s.csv", o->policy_dir, k < 0 ? "behavior" : names[k]);
        rc = strbuf_failed(&path) ? ope_fail_oom(err)
             : policy_write(k < 0 ? b : cand[k], path.buf, o->force, err);
    }
    strbuf_release(&path);
    return rc;
}

/* Every output checked before any is written, once the candidates' names are known
 * (check_outputs below has checked what it could before): a refusal then leaves
 * nothing behind -- the log, the truth file and some policy files used to be written
 * before a later policy file was refused -- and two outputs may not be the same file. */
static int check_named_outputs(const struct gen_opts *o, char (*names)[CAND_NAME_MAX],
                               struct ope_error *err)
{
    if (o->truth && strcmp(o->truth, o->out) == 0)
        return ope_fail(err, OPE_EUSAGE, "--truth %s is also -o: give the truth file a "
                        "name of its own", o->truth);
    if (ope_outfile_check(o->out, o->force, err) != 0 ||
        (o->truth && ope_outfile_check(o->truth, o->force, err) != 0))
        return -1;
    if (!o->policy_dir)
        return 0;
    struct strbuf path;
    strbuf_init(&path);
    int rc = 0;
    for (long k = -1; k < o->candidates && rc == 0; k++) {
        strbuf_reset(&path);
        strbuf_printf(&path, "%s/%s.csv", o->policy_dir, k < 0 ? "behavior" : names[k]);
        if (strbuf_failed(&path))
            rc = ope_fail_oom(err);
        else if (strcmp(path.buf, o->out) == 0 || (o->truth && strcmp(path.buf, o->truth) == 0))
            rc = ope_fail(err, OPE_EUSAGE, "%s is both a policy file and -o or --truth",
                          path.buf);
        else
            rc = ope_outfile_check(path.buf, o->force, err);
    }
    strbuf_release(&path);
    return rc;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int check_outputs(const struct gen_opts *o, struct ope_error *err)
{
    if (ope_outfile_check(o->out, o->force, err) < 0)
        return -1;
    if (o->truth && ope_outfile_check(o->truth, o->force, err) < 0)
        return -1;
    if (o->policy_dir) {
        /* Checked before anything is written: a missing directory found only when the
         * policies are written would leave the log and the truth file behind. */
        struct stat sd;
        if (stat(o->policy_dir, &sd) != 0)
            return ope_fail(err, OPE_ECANTCREAT, "--policy-dir %s: %s (create the directory "
                            "first)", o->policy_dir, strerror(errno));
        if (!S_ISDIR(sd.st_mode))
            return ope_fail(err, OPE_ECANTCREAT, "--policy-dir %s: not a directory",
                            o->policy_dir);
        if (access(o->policy_dir, W_OK | X_OK) != 0)
            return ope_fail(err, OPE_ECANTCREAT, "--policy-dir %s: %s", o->policy_dir,
                            strerror(errno));
        struct strbuf p;
        strbuf_init(&p);
        strbuf_printf(&p, "%s/behavior.csv", o->policy_dir);
        int rc = ope_outfile_check(p.buf, o->force, err);
        strbuf_release(&p);
        return rc;
    }
    return 0;
}

static int run(const struct gen_opts *o, struct ope_error *err)
{
    const struct env_desc *d = env_find(o->ec.env);
    if (!d)
        return env_unknown(o->ec.env, err);
    double v[ENV_MAX_PARAMS];
    env_defaults(d, v);
    for (size_t i = 0; i < o->ec.n_kv; i++)
        if (env_set_param(d, v, o->ec.kv[i], err) < 0)
            return -1;
    if (check_outputs(o, err) < 0)
        return -1;
    struct mdp *m = env_build(d, v, (int)o->ec.horizon, o->gamma, err);
    size_t SA = m ? (size_t)m->n_states * (size_t)m->n_actions : 0;
    double *Q = m ? ope_malloc(SA * sizeof *Q, err) : NULL;
    struct policy *b = NULL, **cand = NULL;
    char (*names)[CAND_NAME_MAX] = NULL;
    struct sampler *smp = NULL;
    struct tlog *t = NULL;
    int rc = -1;
    if (!Q || mdp_qstar(m, Q, err) < 0 || !(b = policy_from_spec(m, o->behavior, Q, err)))
        goto out;
    if (policy_check(b, err) < 0)
        goto out;
    size_t M = (size_t)o->candidates;
    if (!(cand = ope_calloc(M + 1, sizeof *cand, err)) || !(names = ope_calloc(M + 1, CAND_NAME_MAX, err)))
        goto out;
    if (cand_make_graded(m, Q, M, cand, names, err) < 0)
        goto out;
    if (check_named_outputs(o, names, err) != 0 || !(smp = sampler_new(m, b, err)))
        goto out;
    const char *nm[MAX_CANDIDATES];
    for (size_t k = 0; k < M; k++)
        nm[k] = names[k];
    double t0 = now();
    t = sampler_run(smp, (size_t)o->episodes, o->seed, (const struct policy *const *)cand, nm, M,
                    (int)o->threads, ope_progress_cli(), err);
    double t1 = now();
    ope_progress_stderr_done();
    if (!t)
        goto out;
    double vb = NAN;
    if (write_log(o, t, b, cand, names, err) < 0 || write_truth(o, m, b, cand, names, &vb, err) < 0
        || (o->policy_dir && write_policies(o, b, cand, names, err) < 0))
        goto out;
    double t2 = now();
    if (!o->quiet)
        fprintf(stderr, "ope gen mdp: %s: %zu episodes, %zu steps (S=%d, A=%d, H=%d, gamma=%g), "
                "logged policy's exact value %.6g; sampled into memory in %.3f s (%.3g steps/s), written in %.3f s\n",
                o->out, t->n_episodes, t->n_steps, m->n_states, m->n_actions, m->horizon,
                m->gamma, vb, t1 - t0, (double)t->n_steps / fmax(t1 - t0, 1e-9), t2 - t1);
    rc = 0;
out:
    tlog_free(t);
    sampler_free(smp);
    for (size_t k = 0; cand && k < (size_t)o->candidates; k++)
        policy_free(cand[k]);
    free(cand);
    free(names);
    policy_free(b);
    free(Q);
    mdp_free(m);
    return rc;
}

int gen_mdp_main(int argc, char **argv)
{
    struct gen_opts o = {0};
    o.behavior = "eps:0.3";
    o.episodes = 1000;
    o.candidates = 10;
    o.gamma = 1.0;
    o.seed = 12345;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (o.list) {
        list_envs();
        return 0;
    }
    struct ope_error err;
    ope_error_clear(&err);
    if (run(&o, &err) < 0)
        return cli_error(&err);
    return 0;
}
