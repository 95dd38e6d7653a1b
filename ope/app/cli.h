/* ope/app/cli.h: what every command-line front end shares: usage errors that name
 * the command and the option, printing an error with its exit status, and parsing
 * option values with their ranges. */
#ifndef OPE_APP_CLI_H
#define OPE_APP_CLI_H

#include <getopt.h>
#include <stdint.h>
#include "ope/base/error.h"

/* Print "ope NAME: message" and a hint to stderr; returns OPE_EUSAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print an error (its message, prefixed "ope: ") to stderr; returns its status. */
int cli_error(const struct ope_error *err);

/* An option value in [lo, hi]: 0, or -1 (printing nothing: for option groups that
 * return their own message in struct ope_error). */
int cli_value_long(const char *s, long lo, long hi, long *out);
int cli_value_double(const char *s, double lo, double hi, double *out);

/* Parse helpers for option values: usage error naming the option on failure. */
int cli_parse_int(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out);
/* A seed: digits only, 0 .. 2^64-1; usage error naming the option otherwise. */
int cli_parse_seed(const char *cmd, const char *opt, const char *s, uint64_t *out);
int cli_parse_double(const char *cmd, const char *opt, const char *s, double lo, double hi,
                     double *out);

/* getopt_long for a subcommand, strict: a long option must be spelt in full (getopt's
 * prefix matching would turn `--truth` into `--truth-columns`), and an unknown or
 * abbreviated option, a missing value or a value given to a flag is a usage error
 * printed here, naming the option as typed and the closest valid one ("did you mean
 * '--truth'?"). Returns getopt_long's code, or '?' after printing that error (the
 * caller then returns OPE_EUSAGE without printing more). */
int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
               const struct option *longopts);


#endif
