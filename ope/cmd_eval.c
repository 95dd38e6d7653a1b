/* ope/cmd_eval.c: `ope eval LOG`: every estimator on every evaluation policy of a
 * log, with intervals and diagnostics, as a table, JSON or CSV. */
#include "config.h"
#include "ope/cmd.h"

#include <getopt.h>
#include <string.h>

#include "ope/app/evalcli.h"
#include "ope/app/loadcli.h"
#include "ope/base/outfile.h"
#include "ope/base/progress.h"

static int eval_exec(int argc, char **argv)
{
    static const struct option opts[] = {
        EVALCLI_OPTIONS,
        LOADCLI_OPTIONS,
        { "format", required_argument, NULL, 'f' },
        { "output", required_argument, NULL, 'o' },
        { "force", no_argument, NULL, 'F' },
        { NULL, 0, NULL, 0 }
    };
    struct evalcli c;
    evalcli_init(&c);
    const char *format = "table", *out = NULL;
    int force = 0, opt;
    struct ope_error err = { 0 };
    while ((opt = getopt_long(argc, argv, "o:f:", opts, NULL)) != -1) {
        int rc = evalcli_option(&c, opt, optarg, &err);
        if (rc == 0)
            rc = loadcli_option(&c.lo, opt, optarg, &err);
        if (rc < 0)
            return cli_usage("eval", "%s", err.msg);
        if (rc == 1)
            continue;
        switch (opt) {
        case 'f':
            if (strcmp(optarg, "table") && strcmp(optarg, "json") && strcmp(optarg, "csv"))
                return cli_usage("eval", "--format: expected table, json or csv, got '%s'",
                                 optarg);
            format = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'F':
            force = 1;
            break;
        default:
            return cli_usage("eval", "unknown option");
        }
    }
    if (optind + 1 != argc)
        return cli_usage("eval", optind >= argc ? "which log? ope eval LOG.csv" :
                         "one log at a time (got %d)", argc - optind);
    if (out && ope_outfile_check(out, force, &err) != 0)
        return cli_error(&err);
    c.eo.progress = ope_progress_cli();
    struct res_eval *r = evalcli_run(&c, argv[optind], &err);
    ope_progress_stderr_done();
    if (!r)
        return cli_error(&err);
    int rc = evalcli_write(r, format, out, force, &err);
    res_eval_free(r);
    return rc ? cli_error(&err) : 0;
}

const struct cmd_entry cmd_eval_entry = {
    "eval", "ope eval LOG.csv [options]",
    "estimate the value of evaluation policies from a log, with intervals",
    "Runs every chosen estimator on every evaluation policy (pi.NAME.* columns) of a\n"
    "bandit log and prints the estimates with confidence intervals and weight\n"
    "diagnostics. With true q.* columns (synthetic data) it also prints the ground truth\n"
    "and the relative error.\n\n"
    EVALCLI_HELP
    "\nOutput:\n"
    "  -f, --format F        table (default), json or csv (formats in the manual)\n"
    "  -o, --output FILE     write to FILE (atomically) instead of standard output\n"
    "      --force           replace an existing FILE\n\n"
    LOADCLI_HELP
    "\nExamples:\n"
    "  ope gen bandit --rows 10000 -o log.csv && ope eval log.csv\n"
    "  ope eval log.csv --estimators ipw:clip=50,snipw,dr --ci t --format json\n",
    eval_exec
};
