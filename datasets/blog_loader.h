/* datasets/blog_loader.h: the state of the bandit CSV loader, shared by its serial
 * part (blog_load.c), the parallel reading of plain lines (blog_span.c) and the
 * reading in windows (blog_stream.c), which uses the same row reader and checks.
 * Internal to datasets/. */
#ifndef DATASETS_BLOG_LOADER_H
#define DATASETS_BLOG_LOADER_H

#include <stddef.h>
#include <stdint.h>
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
    size_t *offset;             /* NULL, or [cap] where each row's record starts in its
                                   input (csv_record_offset): kept where a stream's
                                   first pass sets it, to note where its rows begin */
    double **val;               /* [n_cols] numeric storage of K_PROB/K_REAL/K_CTX */
    struct ctxcol *ctx;         /* [n_cols] */
    long max_action, min_pos, max_pos;
    const struct csv_reader *csv;   /* the reader, for the input of a row in messages */
    struct csv_rows rows_of;        /* several inputs: where each begins (global rows) */
    size_t row0;                /* global number of row 0 of the columns (a stream's
                                   batch; 0 for blog_load), for rows_of */
    struct csv_span rest;       /* lines of a run not read yet (blog_loader_read_rows
                                   stopped at its limit inside it); rest.len 0: none */
    size_t size_hint;           /* the whole input's bytes when the whole is read at
                                   once (blog_load_csv of a regular file), else 0: the
                                   columns are then sized for it from the first run's
                                   bytes per row (size_hint_used, blog_span.c), not
                                   doubled */
    int size_hint_used;
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
/* The same, to exactly rows rows (not the next doubling). */
int blog_loader_reserve_exact(struct loader *L, size_t rows, struct ope_error *err);

/* Parse the record f (already checked for width) into row L->n. 0, -1 with err
 * filled, or BLOG_LOADER_SERIAL (frozen copies only). */
int blog_loader_read_row(struct loader *L, const struct csv_field *f, struct ope_error *err);

/* Read the rows of a run of plain lines, in parallel where possible; the result,
 * errors included, is that of reading its records one by one. 0 or -1. */
int blog_loader_read_span(struct loader *L, const struct csv_span *sp, struct ope_error *err);

/* Read the header of csv (its first record), resolve the roles, refuse a trajectory
 * log and (o->want_policies) a log without policy columns, and set the loader up.
 * L is zeroed first; blog_loader_release it whatever this returns. 0 or -1. */
int blog_loader_header(struct loader *L, struct csv_reader *csv, const struct load_opts *o,
                       struct ope_error *err);
int blog_loader_setup(struct loader *L, struct ope_error *err);
void blog_loader_release(struct loader *L);

/* Read records into rows L->n.. until L->n reaches limit ((size_t)-1: no limit) or
 * the input ends: 1 at the limit, 0 at the end, -1 with err (a bad record). */
int blog_loader_read_rows(struct loader *L, struct csv_reader *csv, size_t limit,
                          struct ope_error *err);

/* Pass over rows without reading their fields (an MPI rank on its way to its share of
 * a compressed log), meeting them as blog_loader_read_rows would: a blank record is
 * no row. *row is the next row's number, counted on by one per row; the loader holds
 * none (L->n 0). Every row whose number is a multiple of `every` is handed to mark
 * (where its record begins, csv_record_offset, and its line; mark returns 0, or -1
 * with err) before it is passed over. Stops before the first row g, a positive
 * multiple of every, whose previous row begins at byte `past` of the input or later:
 * row g is then the next blog_loader_read_rows reads (L->rest may hold it), and *prev
 * where row g - 1 begins. 1 stopped there, 0 at the end of the input (*row: the rows
 * of the log), -1 with err (a record that does not read: a quote never closed). */
int blog_loader_skip_rows(struct loader *L, struct csv_reader *csv, size_t every,
                          uint64_t past, size_t *row, uint64_t *prev,
                          int (*mark)(void *ctx, size_t row, size_t offset, size_t line,
                                      struct ope_error *err),
                          void *ctx, struct ope_error *err);

/* The "no data rows after the header" error. Returns -1. */
int blog_loader_no_rows(const struct loader *L, struct ope_error *err);

/* The checks blog_load makes once every row is read, written so they can also run on
 * a window of rows (L holding rows row0.. of the log, and in max_action, min_pos,
 * max_pos the facts of every row read so far); each fails naming the first bad row of
 * L's rows, with the message blog_load gives.
 * blog_loader_n_actions: the number of actions (--n-actions against the column
 * names, a logged action past the per-action columns); A or -1.
 * blog_loader_base: the position base (0 without a position column).
 * blog_loader_check_positions: @P names without a position column, positions below
 * base. blog_loader_check_columns: policy use's probabilities summing to 1 on every
 * row, or (qhat, q) a column for every action at each row's position. 0 or -1. */
int blog_loader_n_actions(const struct loader *L, struct ope_error *err);
int blog_loader_base(const struct loader *L);
int blog_loader_check_positions(const struct loader *L, int base, struct ope_error *err);
int blog_loader_check_columns(const struct loader *L, enum roles_use use, int policy, int A,
                              struct ope_error *err);

/* lut[r * A + a]: the column of role use (policy's, for USE_POLICY) giving action a at
 * the position written r in the log, or -1; *rows rows, the last serving every r past
 * the @P names (columns without @P). Row r = min(r, *rows - 1). NULL on OOM. */
int *blog_loader_raw_lut(const struct loader *L, enum roles_use use, int policy, int A,
                         int *rows, struct ope_error *err);

/* b->columns and b->column_role (context columns numeric or categorical with their
 * levels so far). 0 or -1. */
int blog_loader_columns(const struct loader *L, struct blog *b, struct ope_error *err);

/* Tests: 1 lets blog_stream_open take a window of any number of rows (small logs
 * then have many windows); 0 (the default) asks for multiples of 4096. */
void blog_stream_test_any_window(int on);

/* Tests: 0 makes blog_load read every record with csv_next (the reference for the
 * span reading), 1 (the default) restores spans. */
void blog_loader_use_spans(int on);

#endif
