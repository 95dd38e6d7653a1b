/* ope/cmd_gen.c: `ope gen` (being written). */
#include "config.h"
#include "ope/cmd.h"

#include <stdio.h>

static int gen_exec(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "ope gen: not built yet\n");
    return OPE_ESOFTWARE;
}

const struct cmd_entry cmd_gen_entry = {
    "gen", "ope gen", "(being written)", "", gen_exec
};
