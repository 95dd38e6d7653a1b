/* datasets/truth.h: the ground-truth file of formats.md (header policy,value; a row
 * named `behavior` gives the logging policy's value), used by `ope eval --truth` and
 * selection. */
#ifndef DATASETS_TRUTH_H
#define DATASETS_TRUTH_H

#include <stddef.h>
#include "ope/base/error.h"

struct truth {
    size_t n;
    char **name;            /* [n] candidate policies (behavior excluded) */
    double *value;          /* [n] */
    double behavior;        /* the `behavior` row, or NAN */
};

/* Read and check a truth file: exit statuses 66 (unreadable) and 65 (bad header,
 * value not a finite number, duplicate policy) with file:line:column. */
int truth_load(const char *path, struct truth *t, struct ope_error *err);

/* The value of a policy, or NAN when the file does not list it. */
double truth_of(const struct truth *t, const char *policy);

/* Free what truth_load put in *t and leave it empty (n = 0, behavior NAN), so a
 * second call, or a call on a zeroed struct or NULL, does nothing. */
void truth_release(struct truth *t);

#endif
