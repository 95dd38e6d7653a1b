/* ope/demo.c: what `ope` with no arguments does: open the built-in demo. */
#include "config.h"
#include "ope/cmd.h"

#include <stdio.h>

int ope_demo(int argc, char **argv);

int ope_demo(int argc, char **argv)
{
    (void)argc; (void)argv;
    printf("ope %s: see 'ope help'\n", PACKAGE_VERSION);
    return 0;
}
