/* datasets/tlog_loader.h: the state of the trajectory CSV loader, shared by its
 * serial part (tlog.c) and the parallel reading of plain lines (tlog_span.c).
 * Internal to datasets/. */
#ifndef DATASETS_TLOG_LOADER_H
#define DATASETS_TLOG_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include "datasets/csv.h"
#include "datasets/roles.h"
#include "datasets/tlog.h"

/* Numbers a parallel task has parsed in one column, by their spelling: a policy's
 * probabilities often take a few values (one per state), and the same bytes always
 * parse to the same double, so a repeated field is looked up instead of parsed.
 * Direct-mapped; fields of 8 to 24 bytes only (shorter ones parse fast). */
#define TLOG_MEMO_SLOTS 64
struct tlog_memo {
    /* A field of len bytes is known by its first, middle (bytes 8..15, when len > 16)
     * and last eight bytes, which cover it. */
    uint64_t head[TLOG_MEMO_SLOTS], mid[TLOG_MEMO_SLOTS], tail[TLOG_MEMO_SLOTS];
    size_t len[TLOG_MEMO_SLOTS];            /* 0: empty */
    double v[TLOG_MEMO_SLOTS];
    unsigned tries, hits;                   /* how well it does, to stop using it */
};

struct tloader {
    struct roles r;
    const struct load_opts *o;
    size_t n, cap;
    int *state, *action;
    double *reward, *pscore;
    unsigned char *done;
    size_t *line;
    double **val;               /* [n_cols] policy and feature columns */
    struct roles_levels ids;    /* episode ids in order (contiguity check) */
    size_t *ep_start;           /* first row of each episode */
    long step;                  /* step of the previous row */
    long max_action, max_state;
    size_t done_line;           /* line of a done=1 row that ended no episode yet */
    const struct csv_reader *csv;   /* the reader, for the input of a row in messages */
    struct csv_rows rows_of;        /* several inputs: where each begins */
    struct tlog_memo *memo;         /* [n_cols] a parallel task's, or NULL */
    /* Read in windows (tlog_stream.c): the loader holds the rows of episodes ep_base..
     * only (ep_start[e - ep_base] is episode e's first row), and ep_at[e] keeps where
     * every episode began, for the message of one that comes back. */
    size_t ep_base;
    struct tlog_ep_at {
        size_t line;            /* its first record's first line */
        size_t input;           /* the input it is in (csv_input_index) */
        size_t col;             /* the column of its id there */
    } *ep_at;
    size_t ep_at_cap;
    int windows;
};

/* Read the header of csv and resolve its roles into L (L zeroed but for o). 0, or -1
 * with err (an empty file, a header the roles refuse, no policy column when
 * o->want_policies). */
int tlog_loader_begin(struct tloader *L, struct csv_reader *csv, struct ope_error *err);

/* Read the next records after the header: a run of plain lines (in parallel), or one
 * record. 1: rows were read (maybe none: blank lines); 0: the input is over; -1 with
 * err. */
int tlog_loader_more(struct tloader *L, struct csv_reader *csv, struct ope_error *err);

/* Free everything L holds. */
void tlog_loader_release(struct tloader *L);

/* Make room for at least rows rows in every column. 0 or -1 (out of memory). */
int tlog_loader_reserve(struct tloader *L, size_t rows, struct ope_error *err);

/* The first checks of a row's episode and step columns (the id is not empty, the step
 * is a number in range), which need no other row: 0 with *step set, or -1. */
int tlog_loader_step(const struct tloader *L, const struct csv_field *f, long *step,
                     struct ope_error *err);

/* The checks of row L->n's episode against the rows before it (a new id starts at
 * step 0 and was not seen before; steps go up by one; nothing after done=1), given
 * its episode and step fields and the step they hold. 0 or -1. */
int tlog_loader_episode(struct tloader *L, const struct csv_field *fe,
                        const struct csv_field *fs, long step, struct ope_error *err);

/* Parse every column of the record f but the episode and step into row L->n (which
 * must have room), raising L->max_action and L->max_state; changes nothing else of
 * L. 0 or -1. */
int tlog_loader_columns(struct tloader *L, const struct csv_field *f, struct ope_error *err);

/* Read the rows of a run of plain lines, in parallel where possible; the result,
 * errors included, is that of reading its records one by one. 0 or -1. */
int tlog_loader_read_span(struct tloader *L, const struct csv_span *sp,
                          struct ope_error *err);

/* Tests: 0 makes tlog_load read every record with csv_next (the reference for the
 * span reading), 1 (the default) restores spans. */
void tlog_loader_use_spans(int on);

#endif
