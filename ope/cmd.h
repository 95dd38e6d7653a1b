/* ope/cmd.h: the command table. Each subcommand is one file (ope/cmd_*.c) exporting
 * one struct cmd_entry; ope/commands.c lists them. `ope help`, the man page and the
 * README are written from the same names and summaries. */
#ifndef OPE_CMD_H
#define OPE_CMD_H

#include <stdint.h>
#include "ope/error.h"

struct cmd_entry {
    const char *name;       /* "eval" */
    const char *usage;      /* "ope eval DATA [options]" */
    const char *summary;    /* one line for `ope help` */
    const char *help;       /* the options and details, printed by `ope help eval` */
    /* Run with argv[0] = the command name; returns the process exit status. */
    int (*exec)(int argc, char **argv);
};

extern const struct cmd_entry *const ope_commands[];

/* The entry of a command by name, or NULL. */
const struct cmd_entry *cmd_find(const char *name);

/* Print the full help of a command to stdout. */
void cmd_print_help(const struct cmd_entry *c);

/* Print "ope NAME: message" and a hint to stderr; returns OPE_EUSAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print an error (its message, prefixed "ope: ") to stderr; returns its status. */
int cli_error(const struct ope_error *err);

/* Parse helpers for option values: usage error naming the option on failure. */
int cli_parse_int(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out);
/* A seed: digits only, 0 .. 2^64-1; usage error naming the option otherwise. */
int cli_parse_seed(const char *cmd, const char *opt, const char *s, uint64_t *out);
int cli_parse_double(const char *cmd, const char *opt, const char *s, double lo, double hi,
                     double *out);

/* Locate a shipped data file (e.g. "obd/random/men/men.csv"): $OPE_DATA_DIR, the
 * installed data directory, then the source tree. Returns a malloc'ed path or NULL. */
char *ope_data_path(const char *rel);

#endif
