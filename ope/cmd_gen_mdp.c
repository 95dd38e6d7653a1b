/* ope/cmd_gen_mdp.c: `ope gen mdp` (being written). */
#include "config.h"
#include "ope/cmd.h"
#include "ope/cmd_gen.h"

#include <stdio.h>

int gen_mdp_main(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "ope gen mdp: not built yet\n");
    return OPE_ESOFTWARE;
}
