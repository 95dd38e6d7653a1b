/* ope/cmd_info.c: `ope info` (being written). */
#include "config.h"
#include "ope/cmd.h"

#include <stdio.h>

static int info_exec(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "ope info: not built yet\n");
    return OPE_ESOFTWARE;
}

const struct cmd_entry cmd_info_entry = {
    "info", "ope info", "(being written)", "", info_exec
};
