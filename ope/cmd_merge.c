/* ope/cmd_merge.c: `ope merge S1.state S2.state ...`: the evaluation of a whole log
 * from the states its shards saved (ope eval SHARD --save-state S --row-offset R),
 * written as ope eval writes it (ope/app/shardcli.h). */
#include "config.h"
#include "ope/cmd.h"

#include <getopt.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "estimators/result.h"
#include "ope/app/cli.h"
#include "ope/app/evalcli.h"
#include "ope/app/output.h"
#include "ope/app/shardcli.h"
#include "ope/base/json.h"
#include "ope/base/progress.h"
#include "ope/base/strbuf.h"

enum { MERGE_LIFT = 0x4700, MERGE_MATRIX, MERGE_MODEL_STATE, MERGE_SHARDS_OPT };

/* The evaluation's options, which a user may give ope merge too: the states carry the
 * settings they were saved with, so these are the shards' (ope eval --save-state). */
static const char *const shard_opts[] = {
    "estimators", "ci", "n-boot", "seed", "policy", "alpha", "bounds", "against",
    "row-offset", "save-state"
};
#define N_SHARD_OPTS ((int)(sizeof shard_opts / sizeof *shard_opts))

static int shards_option(const char *name)
{
    if (strcmp(name, "row-offset") == 0 || strcmp(name, "save-state") == 0)
        return cli_usage("merge", "--%s is each shard's: ope eval SHARD.csv --save-state "
                         "SHARD.state --row-offset R saves it; ope merge takes the states",
                         name);
    return cli_usage("merge", "--%s is the evaluation's: the states keep the settings they "
                     "were saved with, so give --%s to every shard's ope eval --save-state "
                     "(the same for each) and merge their states", name, name);
}

/* Whether paths a and b name one file: the same text, or the same existing file. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return strcmp(a, b) == 0 || (stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
                                 sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

/* A round of the fit: no result yet (-o is written only with it, so a script's loop
 * can end on that file); what was merged and what to do next, on standard output
 * whatever -q says (it is the command's output), as one JSON object with -f json
 * given (not from -o's name: that is the result's). */
static int say_round(const char *model_state, const struct shard_round *round,
                     enum out_format format)
{
    struct strbuf sb = STRBUF_INIT;
    if (format == OUT_JSON) {
        strbuf_puts(&sb, "{\"model_state\":");
        json_string(&sb, model_state);
        strbuf_printf(&sb, ",\"pass\":%zu,\"pass_name\":", round->passes);
        json_string(&sb, round->label);
        /* What the shards save next: another pass's part, their part of the sums
         * round (--ci hoeffding, bernstein; a trajectory log's t too), or their
         * evaluation's state. */
        strbuf_printf(&sb, ",\"fitted\":%s,\"next\":\"%s\"}\n",
                      round->fitted ? "true" : "false", !round->fitted ? "pass"
                      : round->next_sums ? "sums" : "evaluation");
    } else if (round->bandit_sums || round->traj == 2) {
        strbuf_printf(&sb, "%s: merged %zu %s first passes (%s, %llu %s): run every "
                      "shard again with --model-state %s for its evaluation's state (its "
                      "contributions at those sums), then ope merge those with "
                      "--model-state %s\n", model_state, round->shards,
                      round->shards == 1 ? "shard's" : "shards'", round->label,
                      (unsigned long long)round->rows, round->traj ? "episodes" : "rows",
                      model_state, model_state);
    } else if (round->traj) {
        strbuf_printf(&sb, "%s: merged %zu %s parts of the trajectory log's models (%s, "
                      "%llu episodes): they are fitted; run every shard again with "
                      "--model-state %s for %s, then ope merge those with --model-state %s\n",
                      model_state, round->shards, round->shards == 1 ? "shard's" : "shards'",
                      round->label, (unsigned long long)round->rows, model_state,
                      round->next_sums ? "its part of the round that finds the whole log's "
                                         "sums (--ci t, hoeffding, bernstein)"
                                       : "its evaluation's state", model_state);
    } else {
        strbuf_printf(&sb, "%s: merged pass %zu of the reward model's fit (%s)%s; run every "
                      "shard again with --model-state %s%s\n", model_state, round->passes,
                      round->label, round->fitted ? ": the model is fitted" : "", model_state,
                      !round->fitted ? ""
                      : round->next_sums ? " for its part of the round that finds the whole "
                                           "log's sums (--ci hoeffding, bernstein)"
                                         : " for its evaluation's state, then ope merge those");
    }
    int rc = strbuf_failed(&sb) ? OPE_ESOFTWARE : 0;
    if (rc == 0 && (fputs(strbuf_str(&sb), stdout) == EOF || fflush(stdout) != 0)) {
        rc = OPE_ECANTCREAT;
        /* The fit has moved on all the same: a script that retried the merge would be
         * told its parts are of an earlier round, so say what happened. */
        fprintf(stderr, "ope merge: %s: merged pass %zu of the reward model's fit (%s), "
                "but standard output could not be written (%s): run every shard again with "
                "--model-state %s%s\n", model_state, round->passes, round->label,
                strerror(errno), model_state,
                round->fitted ? " (the model is fitted)" : "");
    }
    strbuf_release(&sb);
    return rc;
}

static int merge_exec(int argc, char **argv)
{
    static const struct option opts[] = {
        { "lift", no_argument, NULL, MERGE_LIFT },
        { "matrix", optional_argument, NULL, MERGE_MATRIX },
        { "model-state", required_argument, NULL, MERGE_MODEL_STATE },
        { "threads", required_argument, NULL, EVALCLI_THREADS },
        { "truth", required_argument, NULL, EVALCLI_TRUTH },
        OUTCLI_OPTIONS,
        { "estimators", optional_argument, NULL, MERGE_SHARDS_OPT + 0 },
        { "ci", optional_argument, NULL, MERGE_SHARDS_OPT + 1 },
        { "n-boot", optional_argument, NULL, MERGE_SHARDS_OPT + 2 },
        { "seed", optional_argument, NULL, MERGE_SHARDS_OPT + 3 },
        { "policy", optional_argument, NULL, MERGE_SHARDS_OPT + 4 },
        { "alpha", optional_argument, NULL, MERGE_SHARDS_OPT + 5 },
        { "bounds", optional_argument, NULL, MERGE_SHARDS_OPT + 6 },
        { "against", optional_argument, NULL, MERGE_SHARDS_OPT + 7 },
        { "row-offset", optional_argument, NULL, MERGE_SHARDS_OPT + 8 },
        { "save-state", optional_argument, NULL, MERGE_SHARDS_OPT + 9 },
        { NULL, 0, NULL, 0 }
    };
    struct evalcli c;
    evalcli_init(&c);
    struct outcli out;
    outcli_init(&out);
    enum out_format format;
    struct ope_error err = { 0 };
    int opt, lift = 0, matrix = 0;
    const char *model_state = NULL;
    while ((opt = cli_getopt("merge", argc, argv, OUTCLI_SHORT, opts)) != -1) {
        if (opt == MERGE_MODEL_STATE) {
            model_state = optarg;
            continue;
        }
        if (opt >= MERGE_SHARDS_OPT && opt < MERGE_SHARDS_OPT + N_SHARD_OPTS)
            return shards_option(shard_opts[opt - MERGE_SHARDS_OPT]);
        /* --matrix=K: K is the shards' too (their states keep the top K). */
        if (opt == MERGE_MATRIX && optarg)
            return shards_option("matrix=K");
        if (opt == MERGE_LIFT || opt == MERGE_MATRIX) {
            *(opt == MERGE_LIFT ? &lift : &matrix) = 1;
            continue;
        }
        int rc = evalcli_group_option(&c, &out, opt, optarg, &err);
        if (rc < 0)
            return cli_usage("merge", "%s", err.msg);
        if (rc == 0)
            return OPE_EUSAGE;
    }
    if (optind >= argc)
        return cli_usage("merge", "which states? ope merge S1.state S2.state ... (saved by "
                         "ope eval SHARD --save-state S --row-offset R)");
    /* States are read from files: "-" would be looked up as one and not found. */
    for (int k = optind; k < argc; k++)
        if (strcmp(argv[k], "-") == 0)
            return cli_usage("merge", "'-': ope merge reads each state from its file, not "
                             "from standard input: save it to a file (ope eval SHARD "
                             "--save-state SHARD.state) and name that");
    if (outcli_format(&out, OUT_ALL, "an evaluation", &format, &err) != 0)
        return cli_usage("merge", "%s", err.msg);
    if (outcli_check(&out, &err) != 0)
        return cli_error(&err);
    struct ope_progress *progress = outcli_progress(&out);
    /* The fit's state is the work of every round: never the result's file. */
    if (model_state && out.path && same_file(model_state, out.path))
        return cli_usage("merge", "-o %s is --model-state too: the result would replace the "
                         "reward model's fit; write the result to another file", out.path);
    /* Nor a state being merged: a shard's state can take long to make again. */
    for (int k = optind; out.path && k < argc; k++)
        if (same_file(argv[k], out.path))
            return cli_usage("merge", "-o %s is one of the states to merge: the result would "
                             "replace it; write the result to another file", out.path);
    for (int k = optind; model_state && k < argc; k++)
        if (strcmp(argv[k], model_state) == 0)
            return cli_usage("merge", "%s is both a state to merge and --model-state: the fit's "
                             "state is the one the shards were given with --model-state, the "
                             "parts are what they saved with --save-state", model_state);
    struct shard_round round;
    struct res_eval *r = shard_merge((const char *const *)(argv + optind),
                                     (size_t)(argc - optind), &c.set, model_state, &round,
                                     progress, &err);
    ope_progress_stderr_done();
    if (!r && round.merged)
        return say_round(model_state, &round,
                         out.format == (int)OUT_JSON ? OUT_JSON : OUT_TABLE);
    if (!r)
        return cli_error(&err);
    int rc = evalcli_write_views(r, format, lift, matrix, &out, &err);
    res_eval_free(r);
    return rc ? cli_error(&err) : 0;
}

const struct cmd_entry cmd_merge_entry = {
    "merge", "ope merge STATE [STATE ...] [options]",
    "evaluate a whole log from the states its shards saved (ope eval --save-state)",
    "A log too big for one run, or already cut into parts on a cluster (a Slurm job\n"
    "array, GNU parallel, a Spark pipe), is evaluated shard by shard: each shard is\n"
    "a CSV of its rows (the same header in each), evaluated on its own with\n"
    "  ope eval SHARD.csv --save-state SHARD.state --row-offset R [options]\n"
    "where R is the shard's first row in the whole log (0 for the first; the rows\n"
    "of the shards before it). The options are the evaluation's (--estimators, --ci,\n"
    "--n-boot, --seed, --policy, --alpha, --bounds, --against, --matrix=K) and must\n"
    "be the same for every shard; the states keep them, and ope merge takes none of\n"
    "them (to change one, save the shards again). ope merge then writes the result\n"
    "one ope eval over the whole log would: the same bootstrap draws (keyed by the\n"
    "global row), the estimates to rounding, se and intervals to 1e-12 relative.\n"
    "Each shard keeps its own contribution in place of one of each estimator's\n"
    "terms, so the merged sd does not cancel even with rewards far from 0 (reward\n"
    "+ 1e6: to 1e-9); should an se still lose more than 6 digits to rounding, the\n"
    "policy carries a warning naming its estimators.\n"
    "  A state is a checked file (a version, its length and a SHA-256): a truncated\n"
    "or damaged state, states saved with other settings or by another version, and\n"
    "shards whose rows leave a gap or overlap (a wrong --row-offset, a shard given\n"
    "twice or left out, one shard's file saved at two offsets: the same SHA-256)\n"
    "are refused with a message naming the files (status 65);\n"
    "so are states whose counts, rows or moments no real state has (the SHA-256\n"
    "only catches accidents: a crafted state is read as untrusted input). The last\n"
    "shards left out leave no gap: check the rows the result counts.\n"
    "  What a shard cannot carry is refused when it is saved (status 64): --ci cs (it\n"
    "folds every row in order), --ci hoeffding and bernstein without --model-state\n"
    "(they take the observed range of contributions linearised at the whole log's\n"
    "sums, which the shards find together in a round: below), --by and --follow;\n"
    "and estimators that fit a reward model\n"
    "without --model-state (without --estimators they are then left out, with a\n"
    "warning; or give the log qhat.* columns). --save-state is for shards run apart;\n"
    "mpirun runs the shards of one file and merges them itself (ope help eval).\n"
    "  A trajectory log's shard is a CSV of whole episodes, and --row-offset counts\n"
    "the episodes before it (not rows): ope eval SHARD.csv --save-state S\n"
    "--row-offset E saves it (--risk and --ci cs are refused, 64); the merge checks\n"
    "the episodes as a bandit log's rows, and that no episode id is in two shards\n"
    "(an episode cut in two or given twice, at a cut or anywhere else: 65); a\n"
    "bandit and a trajectory state do not merge (65). tis, pdis, wtis and wpdis need\n"
    "nothing more. dm, dr, wdr (value models fqe, linear-fqe, lstd; td and gtd2 are\n"
    "refused, 64) and mis fit models on the whole log, whose parts are all sums, so\n"
    "the shards fit them in one round: each runs ope eval SHARD.csv --save-state P\n"
    "--row-offset E --model-state FIT --estimators ... and saves its part (its\n"
    "tables), ope merge P1 P2 ... --model-state FIT makes FIT, each shard runs again\n"
    "to save its evaluation's state, and ope merge STATES --model-state FIT (FIT is\n"
    "needed: dm's and mis's refits on every resample come from its tables) writes\n"
    "the result, that of one run over the whole log to 1e-12 relative (without\n"
    "--estimators, on a log with a state column, the shards run the in-memory\n"
    "default list). A shard with other options than FIT's or not among its shards,\n"
    "states merged with another fit, and the states of only some of FIT's shards\n"
    "(for a reward model's fit too) are refused (65).\n"
    "  --ci t, hoeffding and bernstein linearise a trajectory log's contributions at\n"
    "the whole log's sums, so its shards find those in a round of their own, given\n"
    "--model-state FIT too (after the models' round, when there is one): each saves\n"
    "its first pass (ope eval SHARD.csv --save-state P --row-offset E --model-state\n"
    "FIT --ci t ...), ope merge P1 P2 ... --model-state FIT adds them into FIT, each\n"
    "shard runs again to save its contributions' statistics at those sums, and ope\n"
    "merge STATES --model-state FIT writes the result (to 1e-12 relative; the sums\n"
    "merged twice: 64). A bandit log's --ci hoeffding and bernstein take the same\n"
    "round (after the reward model's passes, when there are any): ope eval SHARD.csv\n"
    "--save-state P --row-offset R --model-state FIT --ci hoeffding ... saves the\n"
    "shard's first pass, and so on; for --matrix each shard keeps the pairs of its\n"
    "top K + u candidates (u: those whose weights are all 0 on its rows alone), which\n"
    "hold the whole log's top K. (--ci t needs no round: a shard's co-moments give\n"
    "its sd, above.)\n"
    "  A reward model (dm, dr, sndr, switch-dr, dr-os, sg-dr on a log without qhat.*\n"
    "columns) needs every row's sums before any row is evaluated, so the shards fit\n"
    "it together, one pass per round: each runs\n"
    "  ope eval SHARD.csv --save-state SHARD.state --row-offset R --model-state FIT\n"
    "and saves its part of the next pass, then ope merge adds every shard's part to\n"
    "FIT (ope merge *.state --model-state FIT); repeat until ope merge says the model\n"
    "is fitted, and once more: each shard then saves its evaluation's state, whose\n"
    "merge is the result, the same as one run over the whole log (to 1e-12 relative).\n"
    "The passes: the means, the spread, the normal equations (ridge: one pass;\n"
    "logistic: one per Newton step or step halving, usually 5 to 10), the held-out\n"
    "error and, for dm's interval, its influence: 6 (ridge) to about 16 rounds with\n"
    "the evaluation's (one more with --ci hoeffding or bernstein: the sums round,\n"
    "counted as a pass in -f json's \"pass\"). Every round must be made by the same\n"
    "shards with the same options; a part from another round, another shard or a\n"
    "shard that changed is refused (65).\n\n"
    "Options:\n"
    "  --lift                the table also shows each estimate's lift (as ope eval)\n"
    "  --matrix              the table also shows the differences among each\n"
    "                        estimator's top candidates (their number K is the\n"
    "                        shards' --matrix=K, default 3); with --format csv the\n"
    "                        differences alone\n"
    "  --truth FILE          the policies' true values (policy,value), as ope eval's\n"
    "  --threads N           threads (never changes the results)\n"
    "  --model-state FIT     the reward model's fit and the whole log's sums for\n"
    "                        --ci hoeffding, bernstein (a trajectory log's: its\n"
    "                        models', and its sums for --ci t, hoeffding, bernstein),\n"
    "                        for shards that fit one together (below):\n"
    "                        given their parts of a pass, ope merge adds them\n"
    "                        to FIT (made at the first round, then replaced) and says\n"
    "                        on standard output whether the model is fitted and what\n"
    "                        the shards save next (-f json: an object whose \"next\" is\n"
    "                        pass, sums or evaluation; -o is written only with the\n"
    "                        result); given\n"
    "                        their evaluation states, it writes the result as usual\n"
    "                        (FIT must be the fit they were evaluated with: another\n"
    "                        is refused, 65; states made without one say it is\n"
    "                        not used)\n"
    "\n" OUTCLI_HELP
    "\nExamples:\n"
    "  ope gen bandit --rows 20000 --seed 3 -o log.csv\n"
    "  head -n 12001 log.csv > a.csv\n"
    "  (head -n 1 log.csv; tail -n +12002 log.csv) > b.csv\n"
    "  ope eval a.csv --save-state a.state --estimators ipw,snipw --ci t\n"
    "  ope eval b.csv --save-state b.state --row-offset 12000 \\\n"
    "      --estimators ipw,snipw --ci t\n"
    "  ope merge a.state b.state\n"
    "  # the same as: ope eval log.csv --estimators ipw,snipw --ci t\n"
    "  # parts in a loop: R counts the data rows before each (not the header lines)\n"
    "  R=0; for f in day*.csv; do ope eval \"$f\" --save-state \"${f%.csv}.state\" \\\n"
    "      --row-offset $R --ci t -q; R=$((R + $(tail -n +2 \"$f\" | wc -l))); done\n"
    "  ope merge day*.state -o result.json\n"
    "  # a trajectory log's parts: R counts the episodes before each (ope info tells)\n"
    "  R=0; for f in t*.csv; do ope eval \"$f\" --save-state \"${f%.csv}.state\" \\\n"
    "      --row-offset $R -q; R=$((R + $(ope info \"$f\" -f csv |\n"
    "      sed -n 's/^summary,,episodes,//p'))); done\n"
    "  ope merge t*.state\n"
    "  # dr with a reward model fitted by the shards: rounds until the result\n"
    "  rm -f fit.state result.json\n"
    "  until [ -e result.json ]; do\n"
    "    ope eval a.csv --save-state a.state --model-state fit.state --force -q\n"
    "    ope eval b.csv --save-state b.state --row-offset 12000 \\\n"
    "        --model-state fit.state --force -q\n"
    "    ope merge a.state b.state --model-state fit.state -o result.json || break\n"
    "  done\n"
    "  # a trajectory log's dr and mis: one round fits the models, then the states\n"
    "  ope eval t0.csv --estimators wpdis,dr,mis --save-state t0.part \\\n"
    "      --model-state tfit.state\n"
    "  ope eval t1.csv --estimators wpdis,dr,mis --save-state t1.part \\\n"
    "      --row-offset 3000 --model-state tfit.state\n"
    "  ope merge t0.part t1.part --model-state tfit.state\n"
    "  # ... the same two ope eval, saving t0.state and t1.state, then\n"
    "  ope merge t0.state t1.state --model-state tfit.state\n",
    merge_exec,
    NULL
};
