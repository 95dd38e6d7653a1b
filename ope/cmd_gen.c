/* ope/cmd_gen.c: `ope gen KIND`: dispatches to one generator per kind, each in its
 * own file (cmd_gen_bandit.c, cmd_gen_mdp.c), so the kinds grow independently. */
#include "config.h"
#include "ope/cmd.h"
#include "ope/base/closest.h"
#include "ope/cmd_gen.h"

#include <stdio.h>
#include <string.h>

static const struct gen_kind {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} kinds[] = {
    {"bandit", "synthetic contextual bandit log with true q.* columns", gen_bandit_main},
    {"mdp", "trajectories from a built-in environment, with exact ground truth", gen_mdp_main},
};

static int gen_exec(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage("gen", "which generator? one of: bandit, mdp");
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        if (strcmp(argv[1], kinds[k].name) == 0)
            return kinds[k].run(argc - 1, argv + 1);
    const char *names[sizeof kinds / sizeof kinds[0]];
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        names[k] = kinds[k].name;
    const char *near = ope_closest(argv[1], names, sizeof kinds / sizeof kinds[0]);
    if (near && argv[1][0] != '-')
        return cli_usage("gen", "unknown generator '%s'; did you mean '%s'? (bandit or mdp)",
                         argv[1], near);
    return cli_usage("gen", "unknown generator '%s' (expected bandit or mdp)", argv[1]);
}

const struct cmd_entry cmd_gen_entry = {
    "gen", "ope gen bandit|mdp [options] -o FILE.csv",
    "generate synthetic logs with known ground truth",
    "Generators:\n"
    "  bandit   synthetic contextual bandit log with true q.* columns\n"
    "           (ope gen bandit --help)\n"
    "  mdp      trajectories from a built-in environment, exact ground truth\n"
    "           (ope gen mdp --help); the MDPs are dense, so one whose tables\n"
    "           would pass 8 GiB (S*S*A > 2^30) is refused (exit 64)\n",
    gen_exec,
    NULL
};
