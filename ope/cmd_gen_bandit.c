/* ope/cmd_gen_bandit.c: `ope gen bandit` (being written). */
#include "config.h"
#include "ope/cmd.h"
#include "ope/cmd_gen.h"

#include <stdio.h>

int gen_bandit_main(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "ope gen bandit: not built yet\n");
    return OPE_ESOFTWARE;
}
