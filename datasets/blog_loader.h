/* datasets/blog_loader.h: the state of the bandit CSV loader, shared by its serial
 * part (blog_load.c) and the parallel reading of plain lines (blog_span.c). Internal
 * to datasets/. */
#ifndef DATASETS_BLOG_LOADER_H
#define DATASETS_BLOG_LOADER_H

#include <stddef.h>
#include "datasets/blog.h"
#include "datasets/csv.h"
#include "datasets/roles.h"

enum slot_kind { K_SKIP, K_ACTION, K_REWARD, K_PSCORE, K_POS, K_PROB, K_REAL, K_CTX };

/* A context column while loading: numeric until a field does not read as a number,
 * then categorical (earlier numbers become levels by their shortest spelling). */
struct ctxcol {
    int categorical;
    int *code;
    struct roles_levels lv;
};

struct loader {
    struct roles r;
    const struct load_opts *o;
    unsigned char *kind;        /* [n_cols] enum slot_kind */
    size_t n, cap;
    int *action;
    double *reward, *pscore;
    int *pos;                   /* raw positions as written */
    size_t *line;
    double **val;               /* [n_cols] numeric storage of K_PROB/K_REAL/K_CTX */
    struct ctxcol *ctx;         /* [n_cols] */
    long max_action, min_pos, max_pos;
    const struct csv_reader *csv;   /* the reader, for the input of a row in messages */
    struct csv_rows rows_of;        /* several inputs: where each begins */
    int frozen;                 /* a worker's copy: context columns may not turn
                                   categorical (read_row then fails with
                                   BLOG_LOADER_SERIAL and the caller redoes the rows
                                   in order) */
};

/* read_row's failure in a frozen copy when only the serial reading can go on (a
 * context value that is not a number); err is then not filled. */
#define BLOG_LOADER_SERIAL (-2)

/* Make room for at least rows rows in every column. 0 or -1 (out of memory). */
int blog_loader_reserve(struct loader *L, size_t rows, struct ope_error *err);

/* Parse the record f (already checked for width) into row L->n. 0, -1 with err
 * filled, or BLOG_LOADER_SERIAL (frozen copies only). */
int blog_loader_read_row(struct loader *L, const struct csv_field *f, struct ope_error *err);

/* Read the rows of a run of plain lines, in parallel where possible; the result,
 * errors included, is that of reading its records one by one. 0 or -1. */
int blog_loader_read_span(struct loader *L, const struct csv_span *sp, struct ope_error *err);

/* Tests: 0 makes blog_load read every record with csv_next (the reference for the
 * span reading), 1 (the default) restores spans. */
void blog_loader_use_spans(int on);

#endif
