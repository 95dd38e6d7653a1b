/* datasets/blog_stream_range.h: where the rows of a streamed bandit log begin, every
 * BLOG_STREAM_GRID rows, as its first pass notes them, so that a pass over a range of
 * rows (blog_stream_set_range) starts by a seek instead of reading every row before
 * it. Internal to datasets/ (blog_stream.c). */
#ifndef DATASETS_BLOG_STREAM_RANGE_H
#define DATASETS_BLOG_STREAM_RANGE_H

#include <stddef.h>
#include "ope/base/error.h"
#include "datasets/blog_loader.h"

/* Row k * BLOG_STREAM_GRID of the log: its input, the byte offset of its record in
 * that input's bytes as csv.c reads them (decompressed), and its 1-based line there. */
struct blog_mark {
    size_t input, offset, line;
};

struct blog_marks {
    struct blog_mark *m;    /* [n]: rows first GRID, (first + 1) GRID, ... */
    size_t n, cap;
    size_t first;           /* 0, unless an MPI rank knows only its own range's marks
                               (blog_stream_split of several files) */
};

/* Note the marks among the rows L holds (rows L->row0.. of the log, with L->offset
 * kept and L->rows_of naming each row's input), in order: call after each batch. 0 or
 * -1 (out of memory). */
int blog_marks_note(struct blog_marks *k, const struct loader *L, struct ope_error *err);

/* Note the next mark (row k->n * BLOG_STREAM_GRID) as found elsewhere. 0 or -1 (out
 * of memory). */
int blog_marks_add(struct blog_marks *k, size_t input, size_t offset, size_t line,
                   struct ope_error *err);

/* Move csv (just past the header) to row `row`, a multiple of BLOG_STREAM_GRID below
 * the rows noted; *input is then the input it is in. 1: there; 0: the input is not as
 * it was (csv_seek); -1 with err. */
int blog_marks_seek(const struct blog_marks *k, struct csv_reader *csv, size_t row,
                    size_t *input, struct ope_error *err);

void blog_marks_release(struct blog_marks *k);

#endif
