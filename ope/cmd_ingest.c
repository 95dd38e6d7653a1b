/* ope/cmd_ingest.c: `ope ingest` (being written). */
#include "config.h"
#include "ope/cmd.h"

#include <stdio.h>

static int ingest_exec(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "ope ingest: not built yet\n");
    return OPE_ESOFTWARE;
}

const struct cmd_entry cmd_ingest_entry = {
    "ingest", "ope ingest", "(being written)", "", ingest_exec
};
