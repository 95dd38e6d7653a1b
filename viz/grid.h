/* viz/grid.h: a table of strings that the TUI views fill and draw: column headers,
 * per-column alignment, a cursor, scrolling, sorting by a column (numerically when
 * the cells are numbers) and search. The same grid is exported as CSV by `x`, so
 * what is on screen and what is exported cannot differ. */
#ifndef VIZ_GRID_H
#define VIZ_GRID_H

#include <stddef.h>
#include <stdio.h>
#include "ope/base/error.h"

struct grid {
    size_t n_cols;
    char **head;            /* [n_cols] */
    unsigned char *right;   /* [n_cols] 1: right-aligned (numbers) */
    size_t n_rows, cap;
    char ***cell;           /* [n_rows][n_cols] */
    unsigned char *mark;    /* [n_rows] 0 plain, 1 highlighted (e.g. best row), 2 warning */
    size_t *order;          /* display order (a permutation of rows) */
    int sort_col;           /* -1: input order */
    int sort_desc;
    size_t cur, top;        /* cursor and first visible row, in display order */
    size_t frozen;          /* leading columns always shown (they name the row) */
    size_t left;            /* horizontal scroll: columns hidden after the frozen ones */
    unsigned char *hidden;  /* [n_cols] 1: left out by the column picker (C) */
};

/* A grid with these column headers (copied). NULL on out-of-memory. */
struct grid *grid_new(size_t n_cols, const char *const *head);

/* Append a row of n_cols cells (copied; NULL cells become ""). 0 or -1 (OOM). */
int grid_add(struct grid *g, const char *const *cells);

/* Append a row from printf-style cells separated by '\t'. 0 or -1. */
int grid_addf(struct grid *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sort the display order by column c (numerically if both cells parse as numbers;
 * "-" and empty cells last), stable. Calling it again on the same column flips the
 * direction. c < 0 restores input order. */
void grid_sort(struct grid *g, int c);

/* Move the cursor to the next row (after the cursor, wrapping) containing needle
 * (case-insensitive). Returns 1 if found. */
int grid_search(struct grid *g, const char *needle);

/* Width of column c: the longest cell or header, capped at max. */
int grid_width(const struct grid *g, size_t c, int max);

/* Show only the columns of list (1-based numbers and ranges: "1-3,7"; empty or
 * "all": every column). 0, or -1 with nothing changed when an item is not a column
 * number or the list leaves no column (why names the item). */
int grid_show_cols(struct grid *g, const char *list, char *why, size_t n);

/* The shown columns as such a list ("1,2,5-10"), for the picker's suggestion. */
void grid_shown_list(const struct grid *g, char *buf, size_t n);

/* Write as CSV (RFC 4180 quoting) in display order, the shown columns only (what is
 * on screen is what is exported). 0, or -1 on a write error. */
int grid_write_csv(const struct grid *g, FILE *f);

void grid_free(struct grid *g);

/* Write the grid as CSV to path atomically, never replacing an existing file. */
int grid_export_csv(const char *path, const struct grid *g, struct ope_error *err);

#endif
