/* datasets/blog_stream_cache.h: the parsed batches of a streamed bandit log
 * (blog_stream.h), kept in an unlinked temporary file so that a pass over the same
 * rows reads them back instead of parsing the CSV again. A streamed evaluation reads
 * its log several times (the first pass's checks, the reward model's passes, the
 * point and bootstrap sums, the statistics); parsing is most of each pass's time, and
 * reading the columns back is a copy. The batches are the loader's own columns, as
 * parsed (raw positions, categorical codes), so a batch read back is the batch the
 * parser would give: the windows, and every result, are the same bit for bit.
 *
 * The cache is an optimisation and, but for an I/O error reading it back (which ends
 * the pass, OPE_ENOINPUT, as a read error of the log would), never an error: it is
 * not made when no temporary
 * file can be created in $TMPDIR, when $TMPDIR is a tmpfs or ramfs (its pages would be
 * memory, and a streamed log's memory must not grow with its rows), or when
 * $OPE_TEST_NO_STREAM_CACHE is set (so the tests can compare both ways); a pass stops
 * writing it, and the next pass parses the log again, when a write fails, when the
 * file system would keep less than max(256 MB, 5%) free or the file would pass the
 * process's file size limit (then no later pass writes it either), or when a column changes kind (a context column that turns categorical
 * after the first batch). Only a pass
 * that wrote every batch of its rows makes it readable, and only for those rows; it
 * is written beside the rows that are ready, which stay readable until it completes
 * (two files at most; the older is emptied then).
 * Internal to datasets/. */
#ifndef DATASETS_BLOG_STREAM_CACHE_H
#define DATASETS_BLOG_STREAM_CACHE_H

#include <stddef.h>
#include "ope/base/error.h"
#include "datasets/blog_loader.h"

struct bsc;
struct ope_progress;

/* An empty cache, or NULL when none is made (above). */
struct bsc *bsc_new(void);
void bsc_free(struct bsc *c);

/* A pass that parses rows lo.. of the log begins: at its first batch what the cache
 * held is dropped, and the pass's batches are written as they come (bsc_write_batch).
 * A pass that reads no batch leaves the cache as it was. */
void bsc_write_start(struct bsc *c, size_t lo);
/* The batch the loader L holds (rows L->row0 .. L->row0 + L->n - 1). */
void bsc_write_batch(struct bsc *c, const struct loader *L);
/* The pass read every batch: its rows end at hi. The cache now serves passes over the
 * rows [lo, hi) of the pass that wrote it. */
void bsc_write_end(struct bsc *c, size_t hi);

/* Forget what the cache holds or is writing (its rows' codes are no longer the log's). */
void bsc_drop(struct bsc *c);

/* Whether a pass over the rows [lo, hi) can read the cache, the loader's columns
 * being of the kinds they had when it was written. */
int bsc_covers(const struct bsc *c, size_t lo, size_t hi, const struct loader *L);

/* The rows the cache holds were written as rows [a, b) of an MPI rank's share of a
 * log split by files or members, counted from the share's first row, which turns out
 * to be row `shift` of the log: they are now rows [a + shift, b + shift), their lines
 * (counted from the share's first, split by members) line_shift more, and the cache
 * serves passes over [lo, hi) within them (its first and last batches cut to it as
 * they are read back). 1, or 0 when it does not hold them (then it is dropped). */
int bsc_shift(struct bsc *c, size_t shift, size_t line_shift, size_t lo, size_t hi);

/* Read the cache from its first batch: 0, or -1 (the cache is then dropped, and the
 * pass parses the log). */
int bsc_read_start(struct bsc *c);
/* The next batch into L (L->row0 and L->n set; L->n 0 after the last), *eof set with
 * the last; progress (may be NULL) told the share of rows read, and asked whether
 * the work is cancelled (OPE_EINTERRUPTED, named by path). 0, or -1 with err: a read
 * error is OPE_ENOINPUT, L->row0 the batch's first row; the cache is then dropped
 * and no pass writes it again (its file system failed a read), so the caller can
 * parse the log from that row. */
int bsc_read_batch(struct bsc *c, struct loader *L, int *eof, struct ope_progress *progress,
                   const char *path, struct ope_error *err);

/* Tests: the cache's bytes past which it stops, as if the file system had filled
 * (0: the file system's free space decides). */
void bsc_test_limit(size_t bytes);
/* Tests: the k-th batch read back from here on (1: the next) fails as a read that
 * gets EIO would (0: none). */
void bsc_test_read_error(size_t k);

#endif
