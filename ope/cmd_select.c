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
#include "estimators/ci.h"
#include "estimators/ops.h"
#include "ope/app/evalcli.h"
#include "ope/app/envcli.h"
#include "ope/app/loadcli.h"
#include "ope/app/output.h"
#include "ope/base/outfile.h"
#include "ope/app/select_render.h"
#include "ope/base/strbuf.h"
#include "ope/app/select_gen.h"
#include "ope/app/select_lesson.h"
#include "ope/base/comm.h"
#include "ope/base/progress.h"
#include "ope/base/utf8.h"

enum { SEL_K = 0x5300, SEL_SAFETY, SEL_CLIP, SEL_FORMAT, SEL_OUT, SEL_FORCE };

/* Every dataset must have the same candidates and estimators, in the same order, so
 * the metrics can be averaged candidate by candidate. */
static int same_shape(const struct res_eval *a, const struct res_eval *b, const char *where,
                      struct ope_error *err)
{
    if (a->n_policies != b->n_policies)
        return ope_fail(err, OPE_EDATA, "%s: %zu candidate policies, the first dataset has %zu; "
                        "every dataset must carry the same pi.* policies", where, b->n_policies,
                        a->n_policies);
    for (size_t p = 0; p < a->n_policies; p++)
        if (strcmp(a->pol[p].name, b->pol[p].name) != 0)
            return ope_fail(err, OPE_EDATA, "%s: candidate %zu is '%s', in the first dataset "
                            "'%s'; every dataset must carry the same pi.* policies in the same "
                            "order", where, p + 1, b->pol[p].name, a->pol[p].name);
    /* The same estimators too (a safety net: every reader now fits the reward model a
     * log without qhat.* columns needs, but a result that lacked some estimators would
     * be indexed past its end), one with them keeps them (the metrics are taken
     * estimator by estimator over the datasets). */
    for (size_t p = 0; p < a->n_policies; p++) {
        size_t na = a->pol[p].n_estimates, nb = b->pol[p].n_estimates;
        for (size_t e = 0; e < na || e < nb; e++)
            if (e >= na || e >= nb || strcmp(a->pol[p].est[e].label, b->pol[p].est[e].label) != 0)
                return ope_fail(err, OPE_EUSAGE, "%s: estimated by %zu estimators, the first "
                                "dataset by %zu (%s here, %s there): choose the same ones for every dataset with "
                                "--estimators", where, nb, na,
                                e < nb ? b->pol[p].est[e].label : "none",
                                e < na ? a->pol[p].est[e].label : "none");
    }
    return 0;
}

/* The truth of dataset r (the --truth file, else the log's q.* columns): 0 with
 * *have = 0 when some candidate has none; -1 (65) when the file misses a candidate. */
static int dataset_truth(const struct res_eval *r, const struct truth *tf, const char *tpath,
                         double *truth, int *have, struct ope_error *err)
{
    *have = 1;
    for (size_t p = 0; p < r->n_policies; p++) {
        truth[p] = tpath ? truth_of(tf, r->pol[p].name) : r->pol[p].truth;
        if (isnan(truth[p]) && tpath)
            return ope_fail(err, OPE_EDATA, "%s: no value for candidate policy '%s'; the truth "
                            "file must list every policy of the log (add a row '%s,VALUE')",
                            tpath, r->pol[p].name, r->pol[p].name);
        *have &= !isnan(truth[p]);
    }
    return 0;
}

enum { SEL_REPLICATES = SEL_FORCE + 1, SEL_ROWS, SEL_GEN_SEED, SEL_GEN_POLICIES, SEL_ACTIONS,
       SEL_EPISODES, SEL_CANDIDATES, SEL_BEHAVIOR, SEL_DEMO, SEL_PBEST, SEL_MATRIX };

struct select_cli {
    struct evalcli c;
    struct ops_opts oo;
    struct select_gen gen;
    struct outcli out;
    enum out_format format;
    int demo, pbest, matrix;
    long replicates;
    const char *bandit_opt, *mdp_opt;   /* a generator option given, for the checks */
    struct envcli ec;                   /* --env, --param, --horizon: into gen */
};

/* Parse the options; returns -1 to go on, or the exit status. */
static int select_parse(int argc, char **argv, struct select_cli *sc)
{
    static const struct option opts[] = {
        EVALCLI_OPTIONS,
        LOADCLI_OPTIONS,
        LOADCLI_STREAM_OPTIONS,
        { "k", required_argument, NULL, SEL_K },
        { "safety", required_argument, NULL, SEL_SAFETY },
        { "clip-sharpe", no_argument, NULL, SEL_CLIP },
        OUTCLI_OPTIONS,
        { "replicates", required_argument, NULL, SEL_REPLICATES },
        { "rows", required_argument, NULL, SEL_ROWS },
        { "gen-seed", required_argument, NULL, SEL_GEN_SEED },
        { "gen-policies", required_argument, NULL, SEL_GEN_POLICIES },
        { "actions", required_argument, NULL, SEL_ACTIONS },
        ENVCLI_OPTIONS,
        { "episodes", required_argument, NULL, SEL_EPISODES },
        { "candidates", required_argument, NULL, SEL_CANDIDATES },
        { "behavior", required_argument, NULL, SEL_BEHAVIOR },
        { "demo", no_argument, NULL, SEL_DEMO },
        { "pbest", no_argument, NULL, SEL_PBEST },
        { "matrix", optional_argument, NULL, SEL_MATRIX },
        { NULL, 0, NULL, 0 }
    };
    struct ope_error err = { 0 };
    long v;
    double d;
    int opt;
    while ((opt = cli_getopt("select", argc, argv, OUTCLI_SHORT, opts)) != -1) {
        if (opt == '?')
            return OPE_EUSAGE;
        int rc = evalcli_group_option(&sc->c, &sc->out, opt, optarg, &err);
        if (rc == 0 && (rc = envcli_option(&sc->ec, opt, optarg, &err)) == 1 && sc->ec.given)
            sc->mdp_opt = sc->ec.given;
        if (rc < 0)
            return cli_usage("select", "%s", err.msg);
        if (rc == 1)
            continue;
        switch (opt) {
        case SEL_K:
            if (cli_parse_int("select", "--k", optarg, 1, 100000, &v))
                return OPE_EUSAGE;
            sc->oo.k = (size_t)v;
            break;
        case SEL_SAFETY:
            if (cli_parse_double("select", "--safety", optarg, 0, 10, &d))
                return OPE_EUSAGE;
            sc->oo.relative_safety = d;
            break;
        case SEL_CLIP:
            sc->oo.clip_sharpe = 1;
            break;
        case SEL_REPLICATES:
            if (cli_parse_int("select", "--replicates", optarg, 1, 10000, &sc->replicates))
                return OPE_EUSAGE;
            break;
        case SEL_ROWS:
            sc->bandit_opt = "--rows";
            if (cli_parse_int("select", "--rows", optarg, 1, 100000000, &v))
                return OPE_EUSAGE;
            sc->gen.go.rows = (size_t)v;
            break;
        case SEL_ACTIONS:
            sc->bandit_opt = "--actions";
            if (cli_parse_int("select", "--actions", optarg, 2, 10000, &v))
                return OPE_EUSAGE;
            sc->gen.go.actions = (int)v;
            break;
        case SEL_GEN_SEED:
            if (cli_parse_int("select", "--gen-seed", optarg, 0, 2000000000, &v))
                return OPE_EUSAGE;
            sc->gen.go.seed = (uint64_t)v;
            break;
        case SEL_GEN_POLICIES:
            sc->bandit_opt = "--gen-policies";
            sc->gen.go.policies = optarg;
            break;
        case SEL_EPISODES:
            sc->mdp_opt = "--episodes";
            if (cli_parse_int("select", "--episodes", optarg, 1, 100000000, &v))
                return OPE_EUSAGE;
            sc->gen.episodes = (size_t)v;
            break;
        case SEL_CANDIDATES:
            sc->mdp_opt = "--candidates";
            if (cli_parse_int("select", "--candidates", optarg, 1, 200, &v))
                return OPE_EUSAGE;
            sc->gen.candidates = (size_t)v;
            break;
        case SEL_BEHAVIOR:
            sc->mdp_opt = "--behavior";
            sc->gen.behavior = optarg;
            break;
        case SEL_DEMO:
            sc->demo = 1;
            break;
        case SEL_PBEST:
            sc->pbest = 1;
            break;
        case SEL_MATRIX:
            v = 3;
            if (optarg && cli_parse_int("select", "--matrix", optarg, 2, EVALSET_MAX_POLICIES,
                                        &v))
                return OPE_EUSAGE;
            sc->c.set.matrix_k = (size_t)v;
            sc->matrix = 1;
            break;
        default:
            return OPE_EUSAGE;
        }
    }
    /* The environment group fills the generator's settings. */
    sc->gen.env = sc->ec.env;
    for (size_t i = 0; i < sc->ec.n_kv && sc->gen.n_kv < SELECT_GEN_MAX_KV; i++)
        sc->gen.kv[sc->gen.n_kv++] = sc->ec.kv[i];
    if (sc->ec.horizon)
        sc->gen.horizon = sc->ec.horizon;
    if (outcli_format(&sc->out, OUT_ALL, "a selection", &sc->format, &err) != 0)
        return cli_usage("select", "%s", err.msg);
    if (sc->demo) {
        /* The paper's lesson on a built-in environment: a random Dirichlet MDP (its
         * values spread widely, so importance-sampling estimators err visibly), 20
         * graded candidates, 100 episodes per log, 20 logs. Options given still win. */
        if (!sc->gen.env)
            sc->gen.env = "dirichlet";
        if (!sc->replicates)
            sc->replicates = 20;
        if (optind != argc)
            return cli_usage("select", "--demo generates its own logs: give no LOG");
    }
    if (sc->mdp_opt && !sc->gen.env)
        return cli_usage("select", "%s describes the generated trajectory logs: it needs "
                         "--env ENV and --replicates R", sc->mdp_opt);
    if (sc->bandit_opt && sc->gen.env)
        return cli_usage("select", "%s describes generated bandit logs; with --env the logs are "
                         "trajectories (use --episodes, --candidates, --behavior, --param)",
                         sc->bandit_opt);
    if (sc->bandit_opt && !sc->replicates)
        return cli_usage("select", "%s describes generated bandit logs: it needs --replicates R",
                         sc->bandit_opt);
    if (sc->gen.env && !sc->replicates)
        return cli_usage("select", "--env generates logs for --replicates R: add --replicates");
    if (sc->replicates && optind != argc)
        return cli_usage("select", "--replicates generates its own bandit logs: give no LOG "
                         "(or drop --replicates and list the logs)");
    if (!sc->replicates && optind == argc)
        return cli_usage("select", "which log? ope select LOG.csv [LOG2.csv ...] --truth TRUTH.csv, "
                         "or ope select --replicates R");
    return -1;
}

/* The datasets' results, truths and metrics: ops[i * E + e] for dataset i. */
struct select_run {
    size_t R, M, E;
    struct res_eval **r;
    double *truth;          /* [R * M] */
    double *J;              /* [R] */
    int have_truth;
    struct ops_result *ops; /* [R * E] */
};

static void select_run_release(struct select_run *s)
{
    for (size_t i = 0; s->ops && i < s->R * s->E; i++)
        ops_result_release(&s->ops[i]);
    for (size_t i = 0; s->r && i < s->R; i++)
        res_eval_free(s->r[i]);
    free(s->ops);
    free(s->r);
    free(s->truth);
    free(s->J);
}

/* Evaluate every dataset and score every estimator on it. */
static int select_compute(struct select_cli *sc, char **paths, struct select_run *s,
                          struct ope_error *err)
{
    struct truth tf;
    memset(&tf, 0, sizeof tf);
    tf.behavior = NAN;
    /* Under mpirun the inputs are checked before the truth file is read: every rank
     * reads it, and standard input reaches rank 0 alone (the others would fail alone
     * on an empty one while rank 0 waits for them in the evaluation). The ranks agree,
     * so they stop together even when their command lines differ. */
    if (comm_size() > 1 &&
        comm_agree(evalcli_ranks_files(&sc->c, (const char *const *)paths, paths ? s->R : 0,
                                       err), err) != 0)
        return -1;
    if (sc->c.set.truth_path && truth_load(sc->c.set.truth_path, &tf, err) != 0)
        return -1;
    int rc = -1;
    s->r = ope_calloc(s->R, sizeof *s->r, err);
    s->J = ope_calloc(s->R, sizeof *s->J, err);
    if (!s->r || !s->J)
        goto out;
    sc->c.progress = outcli_progress(&sc->out);
    s->have_truth = 1;
    for (size_t i = 0; i < s->R; i++) {
        s->r[i] = paths ? evalcli_run(&sc->c, paths[i], err) : select_gen_eval(&sc->gen, &sc->c, i, err);
        if (!s->r[i])
            goto out;
        if (paths)
            evalcli_say_read_warnings("select", s->r[i], sc->c.read_warnings,
                                          s->R > 1 ? paths[i] : NULL);
        char where[64];
        snprintf(where, sizeof where, "replicate %zu", i + 1);
        if (i && same_shape(s->r[0], s->r[i], paths ? paths[i] : where, err) != 0)
            goto out;
        if (i == 0) {
            s->M = s->r[0]->n_policies;
            s->E = s->M ? s->r[0]->pol[0].n_estimates : 0;
            s->truth = ope_calloc(s->R * (s->M ? s->M : 1), sizeof *s->truth, err);
            s->ops = ope_calloc(s->R * (s->E ? s->E : 1), sizeof *s->ops, err);
            if (!s->truth || !s->ops)
                goto out;
        }
        int have;
        if (dataset_truth(s->r[i], &tf, sc->c.set.truth_path, s->truth + i * s->M, &have, err) != 0)
            goto out;
        s->have_truth &= have;
        s->J[i] = sc->c.set.truth_path && !isnan(tf.behavior) ? tf.behavior : s->r[i]->behavior_value;
    }
    if (sc->oo.k > s->M) {
        ope_fail(err, OPE_EUSAGE, "--k %zu is larger than the %zu candidate policies", sc->oo.k, s->M);
        goto out;
    }
    rc = 0;
    for (size_t i = 0; i < s->R && rc == 0; i++)
        rc = ops_score_eval(s->r[i], s->have_truth ? s->truth + i * s->M : NULL, s->J[i],
                            &sc->oo, &s->ops[i * s->E], err);
out:
    ope_progress_stderr_done();
    truth_release(&tf);
    return rc;
}

/* Several datasets: summarise each estimator's metrics over them. */
static int render_replicates(const struct select_cli *sc, const struct select_run *s,
                             struct strbuf *sb, struct ope_error *err)
{
    struct ops_summary *sum = ope_calloc(s->E ? s->E : 1, sizeof *sum, err);
    struct ops_result *col = ope_calloc(s->R, sizeof *col, err);
    size_t *chosen = ope_calloc((s->E ? s->E : 1) * (s->M ? s->M : 1), sizeof *chosen, err);
    char **label = ope_calloc(s->E ? s->E : 1, sizeof *label, err);
    char **policy = ope_calloc(s->M ? s->M : 1, sizeof *policy, err);
    int rc = sum && col && chosen && label && policy ? 0 : -1;
    for (size_t e = 0; e < s->E && rc == 0; e++) {
        label[e] = s->r[0]->pol[0].est[e].label;
        for (size_t i = 0; i < s->R; i++) {
            col[i] = s->ops[i * s->E + e];
            chosen[e * s->M + col[i].ranking[0]]++;
        }
        rc = ops_summarize(col, s->R, &sum[e], err);
    }
    for (size_t p = 0; p < s->M && rc == 0; p++)
        policy[p] = s->r[0]->pol[p].name;
    if (rc == 0) {
        /* J(pi_b) of each dataset; equal values (an exact J) have a spread of exactly 0. */
        struct ops_stat J = { 0, NAN, s->R };
        int same = 1;
        for (size_t i = 0; i < s->R; i++) {
            J.mean += s->J[i] / (double)s->R;
            same &= s->J[i] == s->J[0];
        }
        double ss = 0;
        for (size_t i = 0; i < s->R; i++)
            ss += (s->J[i] - J.mean) * (s->J[i] - J.mean);
        J.sd = s->R > 1 ? (same ? 0.0 : sqrt(ss / (double)(s->R - 1))) : NAN;
        if (same)
            J.mean = s->J[0];
        char source[400];
        if (sc->replicates)
            select_gen_describe(&sc->gen, s->R, source, sizeof source);
        else
            snprintf(source, sizeof source, "%zu logs", s->R);
        struct select_rep rep = { s->R, s->M, s->E, source, policy, label, J,
                                  sc->oo.relative_safety, s->have_truth, sum, chosen, NULL };
        struct strbuf lesson = STRBUF_INIT;
        if (sc->demo) {
            select_lesson_text(&rep, &lesson);
            rep.lesson = strbuf_str(&lesson);
        }
        if (sc->format == OUT_TABLE && sc->demo)
            strbuf_puts(sb, "ope select --demo: the lesson of SharpeRatio@k (Kiyohara et al., "
                        "ICLR 2024) measured on a\nbuilt-in environment. Each dataset is a log "
                        "sampled from the environment below;\nevery trajectory estimator "
                        "ranks the candidates and is scored against their exact\nvalues "
                        "(dynamic programming).\n\n");
        select_rep_render(&rep, sc->format, sb);
        strbuf_release(&lesson);
    }
    for (size_t e = 0; sum && e < s->E; e++)
        ops_summary_release(&sum[e]);
    free(sum);
    free(col);
    free(chosen);
    free(label);
    free(policy);
    return rc;
}

static int select_exec(int argc, char **argv)
{
    struct select_cli sc;
    memset(&sc, 0, sizeof sc);
    evalcli_init(&sc.c);
    sc.c.no_risk = "ope select ranks the policies by their values and shows no return "
                   "distributions; use ope eval --risk, or ope report (its Risk section)";
    sc.c.set.ci = -1;    /* unset: see below */
    ops_opts_init(&sc.oo);
    select_gen_init(&sc.gen);
    outcli_init(&sc.out);
    int rc = select_parse(argc, argv, &sc);
    if (rc >= 0)
        return rc;
    /* The metrics need point estimates only; a reader of one log's ranking also needs
     * to see how uncertain each estimate is, so log files get t intervals (cheap: one
     * pass) unless --ci says otherwise; generated replicates get none. */
    if (sc.pbest && sc.c.set.ci >= 0 && sc.c.set.ci != CI_BOOTSTRAP)
        return cli_usage("select", "--pbest needs bootstrap replicates: drop --ci %s (or "
                         "give --ci bootstrap)", ci_method_name((enum ci_method)sc.c.set.ci));
    if (sc.pbest && (sc.replicates || argc - optind > 1))
        return cli_usage("select", "--pbest is for one log's ranking (one LOG, no "
                         "--replicates); over several datasets the output counts how often "
                         "each candidate was ranked first");
    if (sc.matrix && (sc.replicates || argc - optind > 1))
        return cli_usage("select", "--matrix is for one log's ranking (one LOG, no "
                         "--replicates)");
    /* P(best) comes from the paired bootstrap replicates of the evaluation: --pbest
     * asks for them (--ci bootstrap with its --n-boot and --seed). */
    if (sc.c.set.ci < 0)
        sc.c.set.ci = sc.pbest ? CI_BOOTSTRAP : sc.replicates ? CI_NONE : CI_T;
    struct ope_error err = { 0 };
    if (outcli_check(&sc.out, &err) != 0)
        return cli_error(&err);
    struct select_run s;
    memset(&s, 0, sizeof s);
    s.R = sc.replicates ? (size_t)sc.replicates : (size_t)(argc - optind);
    if ((sc.replicates && select_gen_prepare(&sc.gen, sc.c.set.gamma, &err) != 0)
        || select_compute(&sc, sc.replicates ? NULL : argv + optind, &s, &err) != 0) {
        select_run_release(&s);
        select_gen_release(&sc.gen);
        return err.status == OPE_EUSAGE ? cli_usage("select", "%s", err.msg) : cli_error(&err);
    }
    struct strbuf sb = STRBUF_INIT;
    rc = 0;
    if (s.R > 1) {
        rc = render_replicates(&sc, &s, &sb, &err);
    } else {
        struct selection one = { s.r[0], s.have_truth ? s.truth : NULL, s.J[0],
                                 sc.oo.relative_safety * s.J[0], s.E, s.ops, sc.matrix };
        select_render(&one, sc.format, &sb);
    }
    if (rc != 0 || outcli_write(&sc.out, &sb, &err) != 0)
        rc = cli_error(&err);
    strbuf_release(&sb);
    select_run_release(&s);
    select_gen_release(&sc.gen);
    return rc;
}

const struct cmd_entry cmd_select_entry = {
    "select", "ope select LOG.csv [LOG2.csv ...] [--truth TRUTH.csv] [options] | "
    "ope select --replicates R [--env ENV] [options] | ope select --demo",
    "rank candidate policies with every estimator; score the estimators (SharpeRatio@k)",
    "Estimates every candidate policy of the log (pi.NAME.* columns) with every chosen\n"
    "estimator and ranks them. With the true values (--truth FILE with policy,value\n"
    "rows, or the q.* columns of a synthetic bandit log) it scores each estimator as a\n"
    "selection tool (selection.md, SCOPE-RL's conventions): MSE, nMSE, Spearman and\n"
    "Kendall rank correlation, regret@1 and regret@k, Type I/II error rates at the\n"
    "safety threshold, and for k = 1..M the top-k metrics best@k, worst@k, mean@k,\n"
    "std@k, safety violation rate@k and SharpeRatio@k = max(best@k - J(pi_b), 0) /\n"
    "std@k. J(pi_b) is the truth file's `behavior` row, else the log's on-policy value.\n"
    "Ties in the estimates keep the log's policy order. An undefined estimate (a zero\n"
    "denominator, an empty support: ope help intervals) ranks last, tied with the other\n"
    "undefined ones; rank correlation scores that ranking, MSE is then undefined.\n\n"
    "Without the truth, two more views of one log's ranking. The safe ranking orders the\n"
    "candidates by the lower bound of their interval (t by default): a candidate that\n"
    "leads only thanks to a wide interval drops, and a note says when the safe choice\n"
    "differs from the point estimate's. With bootstrap replicates (--pbest, or --ci\n"
    "bootstrap) each candidate gets P(best), the share of replicates in which it has the\n"
    "largest estimate, and P(top k) (k of --k): the replicates resample the same rows for\n"
    "every candidate, so they compare the candidates on the same data; tied replicates\n"
    "share the places, an undefined replicate counts as not best. P(best) is a bootstrap\n"
    "probability, not a guarantee: on generated bandit logs (t/0336-pbest) DR's and\n"
    "SNIPW's are close to calibrated (within about 0.03 in every tenth), IPW's is\n"
    "over-confident (policies given P(best) ~ 0.85 were best 74% of the time).\n\n"
    "Several logs (same pi.* policies in each), or --replicates R generated bandit logs,\n"
    "give every metric averaged over the datasets with its sample sd (the paper's\n"
    "benchmark) and how often each candidate was ranked first.\n\n"
    "A log read in windows (--stream, past --memory-limit, or under mpirun) has its\n"
    "reward model fitted in passes (the in-memory fit's). Standard input or a pipe\n"
    "read so is copied to a temporary file, and select says so on standard error\n"
    "(\"ope select: warning: ...\", once under mpirun; the log named when there are\n"
    "several), as its table and JSON have no place for it; so it does when a\n"
    "temporary copy (the parsed rows, the model's columns) fails a read and the log\n"
    "is read again instead.\n\n"
    "  --truth FILE          true values (policy,value; a `behavior` row for J(pi_b))\n"
    "  --k K                 k of regret@k (default min(3, M))\n"
    "  --safety R            safety threshold R * J(pi_b) (default 0.9)\n"
    "  --clip-sharpe         clip SharpeRatio@k to [0, 100] (SCOPE-RL's option)\n"
    "  --pbest               bootstrap intervals (--ci bootstrap), so every candidate\n"
    "                        also gets P(best) and P(top k)\n"
    "  --matrix[=K]          one log: the table also shows, for each estimator, the\n"
    "                        paired differences V(a) - V(b) among its top K candidates\n"
    "                        (default 3) with their intervals (t by default, paired on\n"
    "                        the rows; bootstrap: on the same resamples); csv: those\n"
    "                        differences; json always has them (\"differences\")\n"
    "  -f, --format F        table, json (formats.md) or csv (the per-k curves);\n"
    "                        default: from the -o extension (.json, .csv, else table)\n"
    "  -o, --output FILE     write atomically (-o - is standard output); --force replaces\n"
    "  -q, --quiet           no progress on standard error\n"
    "  --replicates R        generate R bandit logs (ope gen bandit, seeds S..S+R-1)\n"
    "                        instead of reading LOG; the truth comes from their q.*\n"
    "  --rows N              rows of each generated log (default 2000)\n"
    "  --actions A           actions of the generated logs (default 5)\n"
    "  --gen-seed S          first seed of the generated logs (default 1)\n"
    "  --gen-policies LIST   candidates of the generated logs (ope gen bandit --policies;\n"
    "                        up to 16)\n"
    "  --env ENV             with --replicates: trajectory logs from a built-in environment\n"
    "                        (ope gen mdp --list) instead; replicate i is exactly\n"
    "                        ope gen mdp ENV --seed S+i, truth and J(pi_b) by exact DP\n"
    "  --param KEY=VALUE     an environment parameter (repeatable)\n"
    "  --behavior SPEC       behaviour policy of the generated logs (default eps:0.3)\n"
    "  --episodes N          episodes per generated log (default 200)\n"
    "  --candidates M        graded candidates anti100..mix100 (default 20)\n"
    "  --horizon H           episode length (default: the environment's)\n"
    "  --demo                the paper's lesson, measured: --env dirichlet --replicates 20\n"
    "                        (options given still apply), then two sentences naming two\n"
    "                        estimators that regret@k or rank correlation cannot tell\n"
    "                        apart (means within one standard error) while their\n"
    "                        SharpeRatio@k differs by more than 3 standard errors\n\n"
    EVALCLI_HELP "\n" LOADCLI_HELP "\n" LOADCLI_STREAM_HELP EVALCLI_STREAM_HELP,
    select_exec,
    "risk"
};
