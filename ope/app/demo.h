/* ope/app/demo.h: the built-in demo (the Open Bandit Dataset's BTS policy evaluated
 * from the uniform-random logs), shared by `ope`, `ope demo` and the TUI. */
#ifndef OPE_DEMO_H
#define OPE_DEMO_H

#include <stdio.h>
#include "datasets/blog.h"
#include "ope/base/error.h"

/* Load one campaign ("men" or "women"): the random log with the BTS policy attached,
 * and BTS's observed click rate with its 95% half-width. */
int demo_campaign(const char *campaign, struct blog **random_log, double *bts_ctr,
                  double *bts_half, size_t *bts_rows, struct ope_error *err);

/* Print the batch summary of the demo. */
int demo_print(FILE *out, struct ope_error *err);

/* Open the TUI on the demo (viz/). */
int ope_demo_tui(struct ope_error *err);

int ope_demo(int argc, char **argv);

#endif
