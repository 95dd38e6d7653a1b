/* ope/cmd_help.c: `ope help [CMD]`, the overview and each command's help. */
#include "config.h"
#include "ope/cmd.h"

#include <stdio.h>
#include <string.h>

void cmd_print_help(const struct cmd_entry *c)
{
    printf("usage: %s\n\n%s\n", c->usage, c->summary);
    if (c->help && *c->help)
        printf("\n%s", c->help);
}

static void print_overview(void)
{
    printf("ope %s: off-policy evaluation workbench\n\n"
           "usage: ope [--version] [--help] COMMAND [ARGS]\n"
           "       ope              open the built-in demo\n\n"
           "Commands:\n", PACKAGE_VERSION);
    for (size_t i = 0; ope_commands[i]; i++)
        printf("  %-8s %s\n", ope_commands[i]->name, ope_commands[i]->summary);
    printf("\nOutput, the same in every command:\n"
           "  -o FILE        write FILE atomically; for a result (eval, info, select,\n"
           "                 train prdc-lqr) its extension picks the format: .json, .csv,\n"
           "                 anything else (.txt) a table\n"
           "  -o -           standard output, for every command that writes a file\n"
           "  -f, --format F table, json or csv; beats the -o extension\n"
           "  --force        replace an existing FILE\n"
           "  -q, --quiet    no progress or messages on standard error (every command)\n"
           "Long options are spelt in full; a misspelt command or option gets a suggestion.\n");
    printf("\n'ope help COMMAND' (or 'ope COMMAND --help') shows a command's options.\n"
           "'ope help formats' describes the input files and the exit statuses.\n");
}

static void print_formats(void)
{
    printf(
"Input files (CSV, RFC 4180; --sep for ';' or tab; header row; UTF-8 BOM allowed)\n\n"
"Bandit log, one row per logged decision:\n"
"  action     logged action 0..A-1                       (required)\n"
"  reward     observed reward, finite                    (required)\n"
"  pscore     behaviour probability of the action, (0,1] (required)\n"
"  position   slot 0..L-1 (or 1..L; --position-base)     (optional)\n"
"  x*         context features; strings are categorical  (--context-columns)\n"
"  pi.NAME.A[@P]  evaluation policy probabilities        (--policy-columns)\n"
"  qhat.A[@P]     a reward model's predictions           (--qhat-columns)\n"
"  q.A[@P]        the true expected reward (synthetic)   (--truth-columns)\n\n"
"Trajectory log, one row per step: episode, step (0,1,.. no gaps), state (or s*\n"
"features), action, reward, pscore, optional done, and pi.NAME.A columns.\n\n"
"Rename any role with --map ROLE=COLUMN, e.g. --map reward=click.\n"
"Policy file: state,p.0,...,p.{A-1}. Truth file: policy,value (row 'behavior').\n\n"
"Exit statuses:\n"
"   0  success\n"
"  64  usage error (bad option, unknown estimator, pattern that does not compile)\n"
"  65  data error (the message names file:line:column, the value and what was expected)\n"
"  66  an input file cannot be opened or read\n"
"  69  a needed program (gnuplot) is not available\n"
"  70  internal error (out of memory)\n"
"  73  an output file cannot be written (nothing partial is left behind)\n"
"  130 interrupted\n");
}

static int help_exec(int argc, char **argv)
{
    static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' },
                                          { NULL, 0, NULL, 0 } };
    int o;
    optind = 0;     /* main may call this directly, after its own getopt */
    while ((o = cli_getopt("help", argc, argv, "q", opts)) != -1)
        if (o == '?')
            return OPE_EUSAGE;  /* -q: accepted; help is what it prints */
    argc -= optind - 1;
    argv += optind - 1;
    if (argc < 2) {
        print_overview();
        return 0;
    }
    if (strcmp(argv[1], "formats") == 0) {
        print_formats();
        return 0;
    }
    const struct cmd_entry *c = cmd_find(argv[1]);
    if (!c) {
        const char *near = cmd_closest(argv[1]);
        return near ? cli_usage("help", "unknown command '%s'; did you mean '%s'?", argv[1], near)
                    : cli_usage("help", "unknown command '%s'", argv[1]);
    }
    cmd_print_help(c);
    return 0;
}

const struct cmd_entry cmd_help_entry = {
    "help", "ope help [COMMAND | formats]", "show help for ope or one of its commands", "",
    help_exec
};
