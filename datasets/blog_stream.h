/* datasets/blog_stream.h: a bandit CSV log read in windows of rows instead of whole,
 * so a log larger than memory can be evaluated in passes (ope eval --stream,
 * issue 17). Each window is a struct blog of at most `window` consecutive rows with
 * the same columns, actions, policies and categorical codes as the whole log would
 * have, and the global number of its first row; a stream can be read again from the
 * start (a pipe or FIFO is spilled to a temporary file on the first pass, and says
 * so through blog_stream_spilled). */
#ifndef DATASETS_BLOG_STREAM_H
#define DATASETS_BLOG_STREAM_H

#include <stddef.h>
#include "ope/base/error.h"
#include "datasets/blog.h"
#include "datasets/loadopts.h"

struct blog_stream;

/* Open the log of paths[0..n_paths-1] (several files: one log, same header) for
 * reading in windows of `window` rows (window a multiple of 4096, ACC_CHUNK, so the
 * windows' rows fall on the accumulator's chunks). The header is read and checked
 * here. NULL with err (as blog_load: OPE_ENOINPUT, OPE_EDATA at file:line:col, out of
 * memory). */
struct blog_stream *blog_stream_open(const char *const *paths, size_t n_paths,
                                     const struct load_opts *o, size_t window,
                                     struct ope_error *err);

/* The next window: *w (owned by the stream, valid until the next call of
 * blog_stream_next, blog_stream_rewind or blog_stream_close) and the global row of its
 * first row in *first. 1: a window; 0: no more rows (the pass is over); -1 with err
 * (a bad row: file:line:col as blog_load says it). */
int blog_stream_next(struct blog_stream *s, const struct blog **w, size_t *first,
                     struct ope_error *err);

/* Start a new pass at row 0. 0, or -1 with err. */
int blog_stream_rewind(struct blog_stream *s, struct ope_error *err);

/* Rows read in the passes so far (after a whole pass: the log's rows). */
size_t blog_stream_rows(const struct blog_stream *s);

/* 1 when the input was not a regular file and was copied to a temporary file to be
 * read again. */
int blog_stream_spilled(const struct blog_stream *s);

void blog_stream_close(struct blog_stream *s);

#endif
