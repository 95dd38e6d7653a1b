/* ope/cmd_demo.c: `ope demo` (and `ope` with no arguments): the built-in demo. On a
 * terminal it opens the workbench on it; in a pipe it prints the batch summary. */
#include "config.h"
#include "ope/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ope/app/demo.h"

int ope_demo(int argc, char **argv)
{
    static const struct option opts[] = {
        { "print", no_argument, NULL, 'p' },
        { "quiet", no_argument, NULL, 'q' },
        { NULL, 0, NULL, 0 }
    };
    struct ope_error err = { 0 };
    int print = 0, c;
    optind = 0;
    while ((c = cli_getopt("demo", argc, argv, "q", opts)) != -1) {
        if (c == '?')
            return OPE_EUSAGE;
        print |= c == 'p';      /* -q: accepted; the demo prints nothing extra */
    }
    if (optind < argc)
        return cli_usage("demo", "unknown argument '%s' (only --print, -q)", argv[optind]);
    const char *term = getenv("TERM");
    if (!print && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO) && term &&
        strcmp(term, "dumb") != 0)
        return ope_demo_tui(&err) == 0 ? 0 : cli_error(&err);
    if (demo_print(stdout, &err) != 0)
        return cli_error(&err);
    return 0;
}

const struct cmd_entry cmd_demo_entry = {
    "demo", "ope demo [--print] [-q]",
    "the built-in demo: Bernoulli-TS's click rate estimated from the uniform-random "
    "Open Bandit Dataset logs",
    "Loads the shipped Open Bandit Dataset sample (men and women campaigns), builds the\n"
    "Bernoulli Thompson Sampling policy from the frequency of each item at each\n"
    "position in the BTS logs, evaluates it on the uniform-random logs with every\n"
    "estimator, and compares with the click rate BTS obtained in its own logs.\n"
    "On a terminal it opens the workbench (as `ope` alone does); --print, or a pipe,\n"
    "prints the summary instead.\n",
    ope_demo,
    NULL
};
