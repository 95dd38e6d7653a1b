/* ope/cmd_eval.c: `ope eval LOG`: every estimator on every evaluation policy of a
 * log, with intervals and diagnostics, as a table, JSON or CSV. */
#include "config.h"
#include "ope/cmd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "estimators/ci.h"
#include "ope/app/cli.h"
#include "ope/app/evalcli.h"
#include "ope/app/follow.h"
#include "ope/app/loadcli.h"
#include "ope/app/monitor.h"
#include "ope/app/output.h"
#include "ope/base/comm.h"
#include "ope/base/outfile.h"
#include "ope/base/progress.h"

/* The command's own options: the lift table (JSON and CSV always carry the lift), its
 * baseline, the differences among the top candidates (JSON always carries them), and
 * following a growing log. */
enum { EVAL_LIFT = 0x4600, EVAL_AGAINST, EVAL_MATRIX, EVAL_FOLLOW, EVAL_EVERY, EVAL_IDLE,
       EVAL_SAVE_STATE, EVAL_ROW_OFFSET, EVAL_MODEL_STATE };

/* --follow: updates of a growing log on standard output until it ends (0), or Ctrl-C
 * (also 0: the updates written stand). */
static int follow(struct evalcli *c, const char *path, const struct follow_opts *fo,
                  const struct outcli *out, int ci_given, int est_given)
{
    struct ope_error err = { 0 };
    enum out_format format;
    /* Each rank would follow the whole log alone (and one given standard input, which
     * reaches rank 0 alone, would fail without a word). */
    if (comm_size() > 1)
        return cli_usage("eval", "--follow reads a growing log in order in one process, so "
                         "it is not split across %d MPI ranks: run it without mpirun",
                         comm_size());
    if (!outcli_to_stdout(out))
        return cli_usage("eval", "--follow writes its updates to standard output (drop -o)");
    if (outcli_format(out, OUT_HAS(OUT_TABLE) | OUT_HAS(OUT_JSON), "a --follow update",
                      &format, &err) != 0)
        return cli_usage("eval", "%s", err.msg);
    /* What the updates are for: intervals valid at every look, so the estimators
     * that have them, unless asked otherwise. */
    if (!ci_given)
        c->set.ci = CI_CS;
    if (!est_given && eval_settings_set_estimators(&c->set, "ipw,dr", &err) != 0)
        return cli_error(&err);
    c->progress = outcli_progress(out);
    if (c->progress)
        c->progress->report = NULL;     /* no bar between the lines; Ctrl-C still stops */
    c->bandit_only = "--follow";
    struct follow_opts o = *fo;
    o.progress = c->progress;
    struct monitor m = { c, path, format, stdout, 0, NULL, 0 };
    int rc = follow_run(path, &o, monitor_look, &m, &err);
    monitor_release(&m);
    /* A reader that went away (`| head -1`) is not worth a message, as for every
     * command (main.c): the status says it. */
    if (rc < 0 && m.reader_gone)
        return OPE_ECANTCREAT;
    /* Ctrl-C during a look cancels that evaluation: the end of following all the same. */
    if (rc < 0 && err.status == OPE_EINTERRUPTED)
        rc = 2;
    return rc < 0 ? cli_error(&err) : 0;
}

/* --save-state: the shard's state, and a line saying what was saved. */
static int save_shard(struct evalcli *c, const struct outcli *out, char **paths, size_t n)
{
    struct ope_error err = { 0 };
    c->save_force = out->force;
    c->progress = outcli_progress(out);
    int rc = evalcli_save_files(c, (const char *const *)paths, n, &err);
    ope_progress_stderr_done();
    if (rc != 0)
        return cli_error(&err);
    if (!out->quiet && c->saved_pass && c->saved_episodes)
        fprintf(stderr, "ope: saved episodes %zu to %zu's part of the models' pass (their "
                "tables) to %s; when every shard has saved its part, ope merge PARTS "
                "--model-state %s fits the models, and the shards run again\n", c->row_offset,
                c->row_offset + c->saved_rows - 1, c->save_state, c->model_state);
    else if (!out->quiet && c->saved_sums)
        fprintf(stderr, "ope: saved %s %zu to %zu's first pass, its part of the round that "
                "finds the whole log's sums for --ci %s, to %s; when every shard has saved "
                "its part, ope merge PARTS --model-state %s adds them up, and the shards run "
                "again\n", c->saved_episodes ? "episodes" : "rows", c->row_offset,
                c->row_offset + c->saved_rows - 1, ci_method_name((enum ci_method)c->set.ci),
                c->save_state, c->model_state);
    else if (!out->quiet && c->saved_pass)
        fprintf(stderr, "ope: saved rows %zu to %zu's part of the reward model's pass %zu to "
                "%s; when every shard has saved its part, ope merge PARTS --model-state %s "
                "merges the pass, and the shards run again\n", c->row_offset,
                c->row_offset + c->saved_rows - 1, c->saved_pass, c->save_state,
                c->model_state);
    else if (!out->quiet)
        fprintf(stderr, "ope: saved the state of %s %zu to %zu of the log (%zu %s) to %s; "
                "ope merge makes the result from every shard's state%s%s\n",
                c->saved_episodes ? "episodes" : "rows", c->row_offset,
                c->row_offset + c->saved_rows - 1, c->saved_rows,
                c->saved_episodes ? "episodes" : "rows", c->save_state,
                c->saved_fit ? ", given --model-state " : "",
                c->saved_fit ? c->model_state : "");
    if (!out->quiet && c->model_state && !c->saved_pass && !c->saved_fit && !c->saved_sums)
        fprintf(stderr, "ope: note: --model-state %s is not used: these estimators fit no "
                "%s here (%s)\n", c->model_state,
                c->saved_episodes ? "model" : "reward model",
                c->saved_episodes ? "tis, pdis, wtis and wpdis need none"
                                  : "the log has qhat.* columns, or none needs one");
    /* Said now, not first by the merge after every shard has run. */
    size_t tp = strlen(EVALCLI_TRAJ_LEFT);
    if (!out->quiet && strncmp(c->saved_left, EVALCLI_TRAJ_LEFT, tp) == 0)
        fprintf(stderr, "ope: warning: %s left out of the state: they fit models on the "
                "whole trajectory log, which one shard does not hold; name them with "
                "--estimators and give every shard --model-state FIT, with which they fit "
                "the models together (ope help merge)\n", c->saved_left + tp);
    else if (!out->quiet && c->saved_left[0])
        fprintf(stderr, "ope: warning: %s left out of the state: they fit a reward model, "
                "which the shards fit together with --model-state (ope help merge); or "
                "give the log qhat.* columns\n", c->saved_left);
    return 0;
}

static int eval_exec(int argc, char **argv)
{
    static const struct option opts[] = {
        { "lift", no_argument, NULL, EVAL_LIFT },
        { "against", required_argument, NULL, EVAL_AGAINST },
        { "follow", no_argument, NULL, EVAL_FOLLOW },
        { "every", required_argument, NULL, EVAL_EVERY },
        { "idle", required_argument, NULL, EVAL_IDLE },
        { "matrix", optional_argument, NULL, EVAL_MATRIX },
        { "save-state", required_argument, NULL, EVAL_SAVE_STATE },
        { "row-offset", required_argument, NULL, EVAL_ROW_OFFSET },
        { "model-state", required_argument, NULL, EVAL_MODEL_STATE },
        EVALCLI_OPTIONS,
        EVALCLI_SEG_OPTIONS,
        LOADCLI_OPTIONS,
        LOADCLI_STREAM_OPTIONS,
        OUTCLI_OPTIONS,
        { NULL, 0, NULL, 0 }
    };
    struct evalcli c;
    evalcli_init(&c);
    struct outcli out;
    outcli_init(&out);
    enum out_format format;
    int opt, lift = 0, matrix = 0, follow_mode = 0, ci_given = 0, est_given = 0;
    int row_offset_given = 0;
    const char *look_opt = NULL;    /* --every or --idle, given (they need --follow) */
    struct follow_opts fo;
    follow_opts_init(&fo);
    struct ope_error err = { 0 };
    while ((opt = cli_getopt("eval", argc, argv, OUTCLI_SHORT, opts)) != -1) {
        if (opt == EVAL_LIFT) {
            lift = 1;
            continue;
        }
        if (opt == EVAL_FOLLOW) {
            follow_mode = 1;
            continue;
        }
        if (opt == EVAL_SAVE_STATE) {
            c.save_state = optarg;
            continue;
        }
        if (opt == EVAL_MODEL_STATE) {
            c.model_state = optarg;
            continue;
        }
        if (opt == EVAL_ROW_OFFSET) {
            long off;
            if (cli_parse_int("eval", "--row-offset", optarg, 0, 1L << 52, &off))
                return OPE_EUSAGE;
            c.row_offset = (size_t)off;
            row_offset_given = 1;
            continue;
        }
        if (opt == EVAL_EVERY || opt == EVAL_IDLE) {
            long n;
            if (opt == EVAL_EVERY ? cli_parse_int("eval", "--every", optarg, 2, 1000000000L, &n)
                                  : cli_parse_double("eval", "--idle", optarg, 0, 1e6, &fo.idle))
                return OPE_EUSAGE;
            if (opt == EVAL_EVERY)
                fo.every = (size_t)n;
            look_opt = opt == EVAL_EVERY ? "--every" : "--idle";
            continue;
        }
        ci_given |= opt == EVALCLI_CI;
        est_given |= opt == EVALCLI_ESTIMATORS;
        if (opt == EVAL_MATRIX) {
            long k = 3;
            if (optarg && cli_parse_int("eval", "--matrix", optarg, 2, EVALSET_MAX_POLICIES, &k))
                return OPE_EUSAGE;
            c.set.matrix_k = (size_t)k;
            matrix = 1;
            continue;
        }
        if (opt == EVAL_AGAINST) {
            /* "logged" is the default baseline; any other name is a candidate's. */
            c.set.against = strcmp(optarg, "logged") == 0 ? NULL : optarg;
            continue;
        }
        int rc = evalcli_group_option(&c, &out, opt, optarg, &err);
        if (rc < 0)
            return cli_usage("eval", "%s", err.msg);
        if (rc == 0)
            return OPE_EUSAGE;
    }
    if (optind >= argc)
        return cli_usage("eval", "which log? ope eval LOG.csv");
    /* Silently evaluating the whole log once would hide a forgotten --follow. */
    if (look_opt && !follow_mode)
        return cli_usage("eval", "%s applies to --follow (the updates of a growing log)",
                         look_opt);
    if (follow_mode && optind + 1 < argc)
        return cli_usage("eval", "--follow reads one log: '%s' is extra", argv[optind + 1]);
    if (follow_mode && (lift || c.set.against))
        return cli_usage("eval", "--follow: every update carries the lift over the logged "
                         "policy; --lift and --against do not apply");
    if (follow_mode && c.set.by[0])
        return cli_usage("eval", "--follow does not segment (--by): evaluate the log with "
                         "--by once it is complete");
    if (row_offset_given && !c.save_state)
        return cli_usage("eval", "--row-offset is the first row of a shard whose state "
                         "--save-state saves; give --save-state FILE too");
    if (c.model_state && !c.save_state)
        return cli_usage("eval", "--model-state is the fit of the models the shards of a "
                         "log make together (a bandit log's reward model; a trajectory log's "
                         "value model and mis's ratios) and of the whole log's sums (--ci "
                         "hoeffding, bernstein; a trajectory log's t too), each shard saving "
                         "its part with --save-state: give --save-state FILE too (one run "
                         "over the whole log fits its models and finds its sums itself)");
    if (c.model_state && c.save_state && strcmp(c.model_state, c.save_state) == 0)
        return cli_usage("eval", "--model-state and --save-state are both %s: the shard's part "
                         "goes to a file of its own, the fit's state is ope merge's",
                         c.save_state);
    if (c.save_state && follow_mode)
        return cli_usage("eval", "--save-state saves a shard's state once: drop --follow");
    /* Checked here: the stream's own refusal would tell to drop a --stream not given. */
    if (c.save_state && c.set.by[0])
        return cli_usage("eval", "--save-state: --by %s: segments are evaluated from the whole "
                         "log's rows in memory, which a shard's state does not carry: drop --by "
                         "(or evaluate the whole log with --by in one run)", c.set.by);
    if (c.save_state && (out.path || out.format >= 0 || lift))
        return cli_usage("eval", "--save-state writes the shard's state, not a result: drop "
                         "%s, and give it to ope merge, which writes the whole log's result",
                         out.path ? "-o" : lift ? "--lift" : "--format");
    if (c.save_state)
        return save_shard(&c, &out, argv + optind, (size_t)(argc - optind));
    if (follow_mode)
        return follow(&c, argv[optind], &fo, &out, ci_given, est_given);
    if (outcli_format(&out, OUT_ALL, "an evaluation", &format, &err) != 0)
        return cli_usage("eval", "%s", err.msg);
    if (outcli_check(&out, &err) != 0)
        return cli_error(&err);
    c.progress = outcli_progress(&out);
    /* Several files are one log split up (day1.csv.gz day2.csv.gz ...). */
    struct res_eval *r = evalcli_run_files(&c, (const char *const *)(argv + optind),
                                           (size_t)(argc - optind), &err);
    ope_progress_stderr_done();
    if (!r)
        return cli_error(&err);
    int rc = evalcli_write_views(r, format, lift, matrix, &out, &err);
    res_eval_free(r);
    return rc ? cli_error(&err) : 0;
}

const struct cmd_entry cmd_eval_entry = {
    "eval", "ope eval LOG.csv [MORE.csv ...] [options]",
    "estimate the value of evaluation policies from a log, with intervals",
    "Runs every chosen estimator on every evaluation policy (pi.NAME.* columns) of a\n"
    "bandit log and prints the estimates with confidence intervals and weight\n"
    "diagnostics. With true q.* columns (synthetic data) it also prints the ground truth\n"
    "and the relative error. Several files are one log split up (the same header in\n"
    "each, rows in order); a log may be gzip or zstd compressed, or '-' for stdin.\n"
    "With bootstrap intervals, JSON and CSV also carry each estimate's p_best (JSON: and\n"
    "p_top, P(top k) for k = 1..M): the share of the paired replicates in which the\n"
    "policy is best among the evaluated ones (ope help select: P(best)).\n\n"
    EVALCLI_HELP
    "  --lift                the table also shows each estimate's lift over the logged\n"
    "                        policy (V(pi_b): the observed mean reward, or return, of\n"
    "                        the same rows) with its paired interval and the relative\n"
    "                        lift; JSON (lift, lift_ci, relative_lift) and CSV always\n"
    "                        carry them\n"
    "  --follow              monitor a growing bandit log (a file appended to,\n"
    "                        standard input or a FIFO): every --every rows and at\n"
    "                        the end, one update per estimate (rows, value, interval,\n"
    "                        lift and its interval; -f json: one JSON object per\n"
    "                        update, JSON Lines). Defaults to --ci cs (confidence\n"
    "                        sequences, valid however often one looks; ope help\n"
    "                        intervals) and --estimators ipw,dr. A file is polled\n"
    "                        until it stops growing for --idle seconds (one that\n"
    "                        shrinks, is rewritten or is renamed over meanwhile ends\n"
    "                        it with status 66); a pipe is read to its end (a FIFO\n"
    "                        waits for a writer however long). Ctrl-C ends it\n"
    "                        cleanly (status 0)\n"
    "  --every N             --follow: rows between updates (default 1000)\n"
    "  --idle SECONDS        --follow on a file: stop when it has not grown for this\n"
    "                        long (default 5; 0: at its current end); not for pipes\n"
    "  --against POLICY      the lift's baseline: another evaluated candidate (give it\n"
    "                        with --policy too) instead of the logged policy: its\n"
    "                        estimate by the same estimator, paired on the same\n"
    "                        bootstrap resamples (--ci bootstrap only)\n"
    EVALCLI_SEG_HELP
    "  --matrix[=K]          the table also shows, for each estimator, the paired\n"
    "                        differences V(a) - V(b) among its top K candidates (by\n"
    "                        point estimate; K 2..64, default 3) with intervals paired\n"
    "                        like the lift's; with --format csv the differences alone\n"
    "                        (estimator,params,a,b,diff,lower,upper); JSON always\n"
    "                        carries them (differences, for the top 3 unless K given)\n"
    "  --save-state FILE     the log is one shard of a bigger log: read it in windows\n"
    "                        and save its state to FILE (a checked file) instead of\n"
    "                        a result; ope merge makes the whole log's result from\n"
    "                        every shard's state (ope help merge). Not with -o,\n"
    "                        --format, --lift, --follow, --by, --truth (the merge's),\n"
    "                        --ci cs; --ci hoeffding or bernstein only given\n"
    "                        --model-state: a round finds the whole log's sums first\n"
    "                        (a trajectory log's shard: no --risk, and t too only\n"
    "                        given --model-state)\n"
    "  --row-offset R        with --save-state: the shard's first row in the whole log\n"
    "                        (default 0), which keys its bootstrap draws and folds;\n"
    "                        a trajectory log's shard: its first episode (the\n"
    "                        episodes before it, not rows)\n"
    "  --model-state FIT     with --save-state, for estimators that fit a reward model\n"
    "                        (dm, dr, sndr, ...) on a log without qhat.* columns: the\n"
    "                        shards fit it together in rounds. While FIT (made by ope\n"
    "                        merge; absent at first) is not fitted, the state saved\n"
    "                        is the shard's part of the fit's next pass; ope merge\n"
    "                        PARTS --model-state FIT adds the parts to FIT; then the\n"
    "                        shards run again. Once FIT is fitted, each shard saves\n"
    "                        its evaluation's state (ope help merge shows the loop).\n"
    "                        With --ci hoeffding or bernstein, a round (after the\n"
    "                        model's) finds the whole log's sums the same way.\n"
    "                        A trajectory log's dm, dr, wdr and mis: the shards fit\n"
    "                        their models in one round the same way; its --ci t,\n"
    "                        hoeffding and bernstein take a round for the whole\n"
    "                        log's sums (after the models')\n"
    "\n" OUTCLI_HELP "\n"
    LOADCLI_HELP "\n" LOADCLI_STREAM_HELP EVALCLI_STREAM_HELP
    "\nExamples:\n"
    "  ope gen bandit --rows 10000 -o log.csv && ope eval log.csv\n"
    "  ope eval log.csv --estimators ipw:clip=50,snipw,dr --ci t --format json\n"
    "  ope eval log.csv --policy greedy --estimators ipw,dr --lift\n"
    "  ope eval log.csv --policy greedy --policy softmax2 --against softmax2 --lift\n"
    "  ope eval live.csv --follow --every 5000 --policy greedy\n"
    "  ope eval log.csv --estimators ipw,dr --by x0 --bins 4\n"
    "  ope eval part2.csv --save-state part2.state --row-offset 50000 --ci t\n"
    "  ope eval log.csv --estimators snipw,dr --matrix\n",
    eval_exec,
    NULL
};
