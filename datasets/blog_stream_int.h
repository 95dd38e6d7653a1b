/* datasets/blog_stream_int.h: the insides of a streamed bandit log (blog_stream.h),
 * shared by blog_stream.c (the windows, the whole-log first pass) and
 * blog_stream_split.c (the first pass split among MPI ranks). Internal to datasets/. */
#ifndef DATASETS_BLOG_STREAM_INT_H
#define DATASETS_BLOG_STREAM_INT_H

#include <stdio.h>
#include "datasets/blog_loader.h"
#include "datasets/blog_stream.h"
#include "datasets/blog_stream_range.h"
#include "datasets/input.h"

/* The matrix of one role (a policy, qhat or q) in the window. */
struct wmat {
    enum roles_use use;
    int policy;
    int *lut, lut_rows;         /* blog_loader_raw_lut */
    double **m;                 /* [A]: into the batch, or own (own[a] storage) */
    double *own;                /* [A * window] when positions need a copy */
};

struct blog_stream {
    struct load_opts o;
    char cache_failed[OPE_ERROR_MSG_MAX];   /* why the parsed rows' copy failed a read, or "" */
    size_t n_in;
    char **name;                /* [n_in] as given (messages, the window's path) */
    char **file;                /* [n_in] what is read: name, or its spilled copy */
    int *spill;                 /* [n_in] file[k] is a temporary copy to remove */
    FILE **tee;                 /* [n_in] the copy being written by the first pass */
    long long *size;            /* [n_in] of regular inputs (-1: another kind) */
    struct in_stamp *stamp;     /* [n_in] of regular inputs, to see them change */
    int spilled;
    char digest[65];            /* blog_stream_digest, "" when not known */
    size_t window, batch;
    struct csv_reader *csv;
    struct ope_progress *progress;  /* blog_stream_set_progress, for every reader */
    struct loader L;
    int have_loader;
    int traj;                   /* a trajectory log, handed back (blog_stream_trajectory) */
    int A, base, npos;
    size_t total;               /* the log's rows (first pass) */
    struct blog_marks marks;    /* where every BLOG_STREAM_GRID-th row begins */
    size_t lo, hi;              /* blog_stream_set_range: the passes' rows */
    int split_bytes;            /* MPI ranks split the first pass of a compressed log by
                                   its bytes (blog_stream_split) ... */
    int split_files;            /* ... or a log of several files by its files: */
    size_t in_lo, in_hi;        /* the inputs of this rank's first pass ([0, 0): all) */
    int split_members;          /* ... or a compressed file of members (members.h) by
                                   its members: */
    size_t mem_lo, mem_hi;      /* the decompressed bytes of this rank's first pass
                                   ([0, 0): all), from its first row (its row 0) to
                                   the next rank's */
    int mem_seek, mem_end;      /* it seeks to mem_lo (not the first share); it ends
                                   at mem_hi (not the last) */
    uint64_t mem_watch;         /* where the member of the next share's first byte
                                   begins in the file (csv_set_members_strict) */
    size_t share_lo, share_hi;  /* either way this rank's rows are these
                                   (blog_stream_share) */
    int ranged;                 /* they are not the whole log */
    size_t pass_rows;           /* rows handed out in this pass */
    size_t off;                 /* next window's first row in the batch */
    int eof;                    /* the batch is the input's last */
    unsigned char *cat;         /* [n_cols] categorical after the first pass */
    size_t *levels;             /* [n_cols] their number of levels */
    double *zeros;              /* [batch] a column of zeros (a policy's missing action) */
    struct wmat *mat;           /* [n_mat] policies, then qhat, then q */
    size_t n_mat;
    size_t *num_j, *cat_j;      /* columns of the numeric and categorical contexts */
    struct blog w;              /* the window; its arrays point into the batch */
    /* The parsed batches kept for the later passes (blog_stream_cache.h), NULL when
     * none; from_cache: this pass reads them instead of the input. settled: the first
     * pass is over (its facts, levels and codes final), so a pass may write them. */
    struct bsc *cache;
    int from_cache, settled;
};

/* The checks blog_load makes after reading every row, made on each batch in turn: the
 * first failure of each kind is kept, and they are reported after the whole log has
 * read without a bad row, in blog_load's order. */
struct blog_stream_checks {
    struct ope_error *slot;     /* [2 + policies + 2]: actions, positions, policies,
                                   qhat, q */
    size_t n;
};

/* Open the inputs for a pass and read past the header; a range starts by a seek to
 * its first row, a first pass split by files (in_lo < in_hi) at input in_lo, one
 * split by members (mem_lo < mem_hi) at byte mem_lo up to byte mem_hi, their rows
 * counted from 0. 0 or -1. */
int blog_stream_pass_start(struct blog_stream *s, struct ope_error *err);

/* The next batch of rows into the loader (none at the end of the pass). 0 or -1. */
int blog_stream_batch_read(struct blog_stream *s, struct ope_error *err);

/* The checks of the rows the loader holds, each slot's first failure kept. */
void blog_stream_check_batch(struct blog_stream *s, struct blog_stream_checks *c);

/* Across MPI ranks (comm_size() > 1), called on every rank once its header is read
 * (open_rc 0) or its opening failed (open_rc -1, err then left alone): the ranks agree
 * whether the first pass is split among them (one regular file, the same size on
 * every rank: a plain one by its index of rows, the same rows on every rank as
 * csv_index_build finds them; a compressed one by its bytes; several regular files,
 * the same sizes on every rank, by whole files), and if
 * so each reads its share of the rows and the ranks merge their facts and first
 * errors into those of the whole-log first pass. 1: done (s holds the whole log's
 * facts, marks and rows); 0: not split (make the whole-log first pass); -1 with err
 * (the error the whole-log first pass gives, the same on every rank). */
int blog_stream_split(struct blog_stream *s, int open_rc, struct ope_error *err);

#endif
