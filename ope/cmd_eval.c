/* ope/cmd_eval.c: `ope eval` (being written). */
#include "config.h"
#include "ope/cmd.h"

#include <stdio.h>

static int eval_exec(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "ope eval: not built yet\n");
    return OPE_ESOFTWARE;
}

const struct cmd_entry cmd_eval_entry = {
    "eval", "ope eval", "(being written)", "", eval_exec
};
