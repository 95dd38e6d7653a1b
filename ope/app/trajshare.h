/* ope/app/trajshare.h: a trajectory log's rows shared out among the ranks of an MPI
 * job (mpirun -np N ope eval LOG, issue 17). Each rank reads one byte range of the
 * log (of one file or several, read one after the other), and every range begins
 * where an episode begins, so a rank holds whole episodes and reads nothing twice:
 *   - every rank indexes every file (csv_index_build: where every 4096th row begins,
 *     one pass over the bytes without parsing, which hashes them too: the log's
 *     SHA-256, of all the files' bytes in order, each rank's check that it reads the
 *     same log), takes the mark at its share of the rows of all the files, and reads
 *     forward from it, on into the next files if need be, to the first row whose
 *     episode differs from the row before: the first row of its range, and the end of
 *     the previous rank's (a range may begin and end inside a file, and span several);
 *   - it counts the episodes of its range (a pass over its records, no number
 *     parsed), and an exclusive scan of the counts gives each rank the number of its
 *     first episode in the whole log, which keys the bootstrap draws;
 *   - after the first pass, an episode id of one range that an earlier range already
 *     had -- an episode that comes back after others, which one reader refuses --
 *     is found by exchanging 64-bit hashes of every id, then the ids (and first lines)
 *     of the hashes two ranks share, compared exactly.
 * Only plain regular files are shared out (traj_share_possible); other inputs (a
 * compressed file, a pipe) are read whole by every rank, which folds every N-th window. Every function here is
 * collective: every rank calls it, and a failure on one is a failure on all, with
 * the lowest failing rank's message (comm_agree). */
#ifndef OPE_APP_TRAJSHARE_H
#define OPE_APP_TRAJSHARE_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"

struct csv_reader;
struct tlog_stream;

/* This rank's range. */
struct traj_share {
    size_t start_in;            /* the file its first row is in (its index in the log) */
    size_t start, line;         /* that row's byte offset and line in it (start 0: the
                                 * log's first row, read without a seek) */
    size_t end_in, end;         /* where the next rank's range begins: file and offset
                                 * (end 0: the log's end) */
    int empty;                  /* no row at all */
    size_t before;              /* episodes of the ranges before it */
    size_t episodes;            /* episodes in it */
    char sha256[65];            /* the whole log's digest, taken by its index */
};

/* Whether the log of paths[0..n-1] is shared out under MPI: plain regular files (not
 * compressed, not standard input or a pipe). */
int traj_share_possible(const char *const *paths, size_t n);

/* Find this rank's range of the log in paths[0..n-1] (separator sep; its episode ids
 * in column ep_col). rc: the outcome so far, which the ranks agreed on (-1: return at
 * once). 0, -1 with err on every rank, or -2 with err on every rank when the ranks do
 * not read the same log (its size or SHA-256 differ: not a log to read whole instead). */
int traj_share_find(int rc, const char *const *paths, size_t n, char sep, size_t ep_col,
                    struct traj_share *sh, struct ope_error *err);

/* Whether rank r read the log rank 0 read, by a count of its (n, n0: rows, episodes
 * or bytes, named by unit) and its SHA-256 (hex, hex0): 0, or -1 with err saying
 * which differs (a rank given another file, or a file that differs on its machine,
 * would be merged into nonsense). */
int ranks_other_log(const char *path, int r, uint64_t n, uint64_t n0, const char *unit,
                    const char *hex, const char *hex0, struct ope_error *err);

/* Set csv (the log's reader, its header read and nothing else) to read sh's range:
 * coming to a later file checks its header, as reading on to it does. 0, or -1 with err
 * (the file is not as the index found it, or its header differs). Not collective. */
int traj_share_apply(struct csv_reader *csv, const struct traj_share *sh,
                     struct ope_error *err);

/* After the first pass over the ranges (rc: this rank's outcome): refuse an episode
 * whose id an earlier range already had (one reader's message: the line and column
 * where it comes back, the line where it started and, past the first file, its file). ts: the
 * stream that read this rank's range; the log's paths[0..n_paths-1] and col_name for
 * the message. 0, or -1 with err on every rank. */
int traj_share_check(int rc, const struct tlog_stream *ts, const char *const *paths,
                     size_t n_paths, const char *col_name, struct ope_error *err);

#endif
