/* datasets/blog_stream.h: a bandit CSV log read in windows of rows instead of whole,
 * so a log larger than memory can be evaluated in passes (ope eval --stream,
 * issue 17). Each window is a struct blog of at most `window` consecutive rows with
 * the same columns, actions, policies and categorical codes as the whole log would
 * have, and the global number of its first row; a stream can be read again from the
 * start (a pipe or FIFO is spilled to a temporary file on the first pass, and says
 * so through blog_stream_spilled).
 *
 * Whole-log facts. blog_load infers some things from every row: the number of
 * actions (without --n-actions or per-action columns), the position base (-1:
 * detect) and the number of positions, which context columns are categorical (one
 * may turn categorical on its last row) and their levels in order of first
 * appearance; and it checks every row before it checks the probability sums, the
 * qhat/q columns and the positions. So blog_stream_open reads the whole log once
 * (the first pass), with blog_load's own row reader, one batch of rows at a time: it
 * learns those facts and makes every check blog_load makes, in blog_load's order, so
 * a log blog_load refuses is refused here with the same first error, and every window
 * then holds exactly the values blog_load gives its rows. A column that turns
 * categorical after the first batch costs one more reading (its levels in order). A
 * consumer's passes each read the input once more; blog_stream_next fails only on a
 * read error or when the input changed between passes (checked by size and time,
 * rows and levels).
 *
 * A range of rows (blog_stream_set_range; mpirun -np N ope eval --stream, each rank
 * its own rows): the first pass notes where every BLOG_STREAM_GRID-th row begins (its
 * input, its byte offset in that input's bytes as read, decompressed, and its line: 3
 * words per 4096 rows). Opened under several MPI ranks (comm_size() > 1: every rank
 * must then open the stream at the same point, as every collective), the first pass of
 * one plain regular file is split: every rank finds where the rows begin without
 * parsing them (csv_index_build, which gives the marks), reads and checks only
 * its share (blog_stream_part), and the ranks exchange their facts and first errors and
 * merge them in rank order (the lowest rank's bad row; else each check's lowest rank's
 * failure, in blog_load's order; categorical levels joined in rank order, a rank that
 * read such a column as numbers reading its share again for its levels), so every rank
 * holds exactly the whole-log first pass's facts or error. A compressed file, whose
 * index would inflate it all and each share's seek inflate it again, is split by its
 * bytes instead, and several regular files by whole files (blog_stream_split.c).
 * Anything else (a pipe; ranks that see logs of other sizes or rows, a share that does
 * not start or end where the index says) is read whole by every rank, as alone, and
 * then every rank makes the same checks and finds the same first error. The later
 * passes then start at the range's first row: a plain regular file (or a spilled copy)
 * by a seek, a compressed one by decompressing up to it without parsing (CPU for the
 * skipped bytes' inflation, not their parsing); several files open at the right one.
 * Such a pass reads the header's block (1 MB), then the range's bytes and, when it
 * ends before the log, up to about 8 MB more (the runs of plain lines the loader
 * takes). What a range's pass
 * checks of a change: the size and time of every regular input, the header's width,
 * that the byte before the range's first row still ends a line, that every row of the
 * range is there and reads, with no new categorical level, and, for a range that ends
 * with the log, that no row follows; not the rows outside the range.
 *
 * Memory: one batch of rows (up to 16 windows and about 16 MB of columns, so plain
 * lines are parsed in parallel as blog_load parses them; a wide log's windows are
 * cut below `window` rows, to a multiple of 4096 near 64 MB of columns) and the
 * window's matrices (and, in the first pass, a byte offset for each row of the
 * batch); the levels of categorical columns are the whole log's and are held whole. A
 * window's arrays point into the batch.
 *
 * Parsed once: the batches a pass parses are kept in a temporary file (the first
 * pass's, or the first later pass's; blog_stream_cache.h), and a later pass over the
 * same rows reads them back instead of parsing the input again, after checking the
 * inputs' size and time. */
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

/* The same, reporting the bytes of every pass to progress (the first one too) and
 * stopping with OPE_EINTERRUPTED once it is cancelled; see blog_stream_set_progress. */
struct ope_progress;
struct blog_stream *blog_stream_open_progress(const char *const *paths, size_t n_paths,
                                              const struct load_opts *o, size_t window,
                                              struct ope_progress *progress,
                                              struct ope_error *err);

/* The next window: *w (owned by the stream, valid until the next call of
 * blog_stream_next, blog_stream_rewind or blog_stream_close) and the global row of its
 * first row in *first. 1: a window; 0: no more rows (the pass is over); -1 with err
 * (a bad row: file:line:col as blog_load says it). */
int blog_stream_next(struct blog_stream *s, const struct blog **w, size_t *first,
                     struct ope_error *err);

/* Report the bytes of each later pass to p, and stop the reading of a pass with
 * OPE_EINTERRUPTED ("loading cancelled") once p is cancelled (csv_set_progress);
 * NULL: neither. */
void blog_stream_set_progress(struct blog_stream *s, struct ope_progress *p);

/* Start a new pass at row 0. 0, or -1 with err. */
int blog_stream_rewind(struct blog_stream *s, struct ope_error *err);

/* The log's rows: known from the first pass, which blog_stream_open makes. */
size_t blog_stream_rows(const struct blog_stream *s);

/* The position base the rows' positions were taken from (--position-base, or detected
 * from the smallest position: 0 or 1), or -1 when the log has no position column. */
int blog_stream_position_base(const struct blog_stream *s);

/* The grid of ranges: a range of rows starts at a multiple of this (ACC_CHUNK in
 * estimators/accum.h, which datasets/ may not include; the windows' multiple). */
#define BLOG_STREAM_GRID 4096

/* Read only the rows [row_lo, row_hi) from now on: this starts a new pass (as
 * blog_stream_rewind), and every later pass, over that range alone, in windows that
 * start at row_lo, row_lo + window, ... (the last one cut at row_hi), each with its
 * global first row and exactly the values the whole pass gives those rows; an empty
 * range gives no windows. row_lo is a multiple of BLOG_STREAM_GRID or the log's rows,
 * row_lo <= row_hi <= blog_stream_rows (else OPE_EUSAGE, nothing changed); 0 and
 * blog_stream_rows is the whole log again. 0, or -1 with err. */
int blog_stream_set_range(struct blog_stream *s, size_t row_lo, size_t row_hi,
                          struct ope_error *err);

/* The range of the passes (the whole log unless set): its first row in *row_lo (may
 * be NULL), its number of rows returned. */
size_t blog_stream_range_rows(const struct blog_stream *s, size_t *row_lo);

/* Part k of `parts` of a log of `rows` rows, [*row_lo, *row_hi): the chunks of
 * BLOG_STREAM_GRID rows shared out in order as evenly as whole chunks allow, so the
 * parts cover the log once, in order, each starting on the grid (some are empty when
 * there are fewer chunks than parts, and every part past the last, k >= parts). */
void blog_stream_part(size_t rows, size_t parts, size_t k, size_t *row_lo, size_t *row_hi);

/* Under mpirun, this rank's share of the rows, [*row_lo, *row_hi): the rows its first
 * pass read when the ranks split a compressed log by its bytes (blog_stream_split: the
 * shares then follow the bytes, not the rows; returns 1); the rows of its files moved
 * to the grid when they split a log of several files by its files (the first row of
 * the grid in its files up to the first in the next rank's: returns 2), or the rows
 * of its members moved to the grid alike when they split a compressed file by its
 * members (returns 3); else blog_stream_part's for its rank (the whole log for one process; returns 0). */
int blog_stream_share(const struct blog_stream *s, size_t *row_lo, size_t *row_hi);

/* The bytes this pass has taken from the inputs (decompressed), the header's block
 * too; a range reached by a seek has skipped the bytes before it (csv_bytes_taken).
 * 0 for a pass that reads its rows back from the cache of parsed batches
 * (blog_stream_cache.h), which takes none. */
size_t blog_stream_bytes_taken(const struct blog_stream *s);

/* 1 when an input was not a regular file (standard input "-", a pipe, a FIFO,
 * <(...)): its bytes as given (compressed or not) are copied, as the first pass
 * reads them, to a temporary file in $TMPDIR (or /tmp), which every later pass reads
 * under the input's own name and blog_stream_close removes (or a fatal signal:
 * ope_outfile_track). */
int blog_stream_spilled(const struct blog_stream *s);

/* NULL, or why the temporary copy of the parsed rows failed a read (an I/O error in
 * $TMPDIR), after which the passes parsed the log again: a warning for the result. */
const char *blog_stream_cache_failed(const struct blog_stream *s);

/* The hex SHA-256 of the input's bytes as given, as csv_digest says it: of a
 * spilled input (standard input, a pipe), of several inputs' bytes in order, or of one
 * plain file an MPI rank indexed (its index hashed it). 0, or -1 when not known: one
 * regular file, to be hashed by its path. */
int blog_stream_digest(const struct blog_stream *s, char out[65]);

/* Whether the regular inputs still have the size and time the first pass found:
 * 0, or -1 with err ("the log changed while it was read"). A digest taken by path
 * after the passes must be of the bytes they read. */
int blog_stream_unchanged(const struct blog_stream *s, struct ope_error *err);

/* Opened with o->stream_handoff on a trajectory log (whose header a pipe gives once):
 * the reader, its header handed back (csv_unget), now the caller's to read and close;
 * NULL for a bandit log. Unless keep_copy, what it reads is no longer copied to a
 * temporary file and the stream is then only to be closed; with keep_copy the inputs
 * that are not regular files go on being copied as the caller reads them, for
 * blog_stream_trajectory_again, and the stream must stay open until the reader is
 * closed (the copies are its). */
struct csv_reader;
struct csv_reader *blog_stream_trajectory(struct blog_stream *s, int keep_copy);
/* Where the copies of inputs that are not regular files go: $TMPDIR, else /tmp. */
const char *blog_stream_spill_dir(void);
/* Once the reader handed over with keep_copy has read every input to its end: a new
 * reader of the log from its start (the copies of the inputs that are not regular
 * files, under their names; the others again, if their size and time are the first
 * pass's: else OPE_EDATA). NULL with err. */
struct csv_reader *blog_stream_trajectory_again(struct blog_stream *s, struct ope_error *err);
/* Whether it is such a trajectory log (blog_stream_trajectory not yet called). */
int blog_stream_trajectory_kind(const struct blog_stream *s);

/* Free everything and remove a spilled copy; NULL is a no-op. */
void blog_stream_close(struct blog_stream *s);

#endif
