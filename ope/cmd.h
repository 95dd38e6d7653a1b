/* ope/cmd.h: the command table. Each subcommand is one file (ope/cmd_*.c) exporting
 * one struct cmd_entry; ope/commands.c lists them. `ope help`, the man page and the
 * README are written from the same names and summaries. */
#ifndef OPE_CMD_H
#define OPE_CMD_H

#include <stdint.h>
#include "ope/base/error.h"
#include "ope/app/cli.h"

struct cmd_entry {
    const char *name;       /* "eval" */
    const char *usage;      /* "ope eval DATA [options]" */
    const char *summary;    /* one line for `ope help` */
    const char *help;       /* the options and details, printed by `ope help eval` */
    /* Run with argv[0] = the command name; returns the process exit status. */
    int (*exec)(int argc, char **argv);
    /* Long options of the shared help blocks this command refuses, space-separated
     * ("risk"): their entries are left out of its help. NULL: none. */
    const char *hide;
};

extern const struct cmd_entry *const ope_commands[];

/* The entry of a command by name, or NULL. */
const struct cmd_entry *cmd_find(const char *name);

/* The command name closest to a misspelt one ("evl" -> "eval"), or NULL. */
const char *cmd_closest(const char *typed);

/* Print the full help of a command to stdout. */
void cmd_print_help(const struct cmd_entry *c);

#endif
