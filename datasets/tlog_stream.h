/* datasets/tlog_stream.h: a trajectory CSV log read in windows of whole episodes
 * instead of whole, in one pass (ope eval --stream on a trajectory log, issue 17).
 * Each window is a struct tlog of at most `window` consecutive episodes with the
 * log's columns, actions and policies, and the global index of its first episode;
 * every row is checked as tlog_load checks it, with the same file:line:column
 * messages, as the reading reaches it.
 *
 * What differs from tlog_load, because the whole log is not there:
 *   - the number of actions comes from --n-actions or the policy columns (pi.NAME.A)
 *     (a log without policy columns, which ope info reads, counts the actions read so
 *     far: a window's are the largest action so far + 1);
 *   - a window's horizon and number of states are those of the episodes read so far
 *     (the consumer pads to the longest episode when the log is over), and state ids
 *     above 2^20 are refused (tlog_load allows up to 64 per row);
 *   - every episode id read so far is kept (a few dozen bytes per episode), so an
 *     episode that comes back after others is refused as tlog_load refuses it.
 * Memory: one window's rows (and up to one run of plain lines, 8 MB, read ahead). The
 * input is read once, so standard input, a pipe, a FIFO and a compressed file are
 * read as they come (nothing is spilled). */
#ifndef DATASETS_TLOG_STREAM_H
#define DATASETS_TLOG_STREAM_H

#include <stddef.h>
#include "ope/base/error.h"
#include "datasets/loadopts.h"
#include "datasets/tlog.h"

struct tlog_stream;
struct csv_reader;

/* Read the log of csv (its header not yet read; the reader stays the caller's and
 * must outlive the stream) in windows of `window` episodes (> 0). The header is read
 * and checked here. NULL with err (as tlog_load). */
struct tlog_stream *tlog_stream_open(struct csv_reader *csv, const struct load_opts *o,
                                     size_t window, struct ope_error *err);

/* The next window: *w (owned by the stream, valid until the next call or close) and
 * the index in the log of its first episode in *first. 1: a window; 0: the log is
 * over; -1 with err (a bad row, as tlog_load says it). */
int tlog_stream_next(struct tlog_stream *s, const struct tlog **w, size_t *first,
                     struct ope_error *err);

/* The log's policies, known from the header, and its actions (so far, for a log
 * without policy columns). */
size_t tlog_stream_policies(const struct tlog_stream *s);
const char *tlog_stream_policy_name(const struct tlog_stream *s, size_t p);
int tlog_stream_actions(const struct tlog_stream *s);
/* Whether the log has a state column. */
int tlog_stream_has_state(const struct tlog_stream *s);
/* The index of the episode column among the header's, and its name. */
size_t tlog_stream_episode_column(const struct tlog_stream *s);
const char *tlog_stream_episode_name(const struct tlog_stream *s);
/* The episodes read so far (after a failure too: the one whose row was refused
 * included): how many, and the k-th's id (len bytes, not terminated) and first line. */
size_t tlog_stream_n_read(const struct tlog_stream *s);
const char *tlog_stream_episode_id(const struct tlog_stream *s, size_t k, size_t *len,
                                   size_t *line);
/* The input (of a log of several files, csv_input_index) its first line is in, and
 * the column of its id there (*col, 1-based). */
size_t tlog_stream_episode_input(const struct tlog_stream *s, size_t k, size_t *col);

void tlog_stream_close(struct tlog_stream *s);

#endif
