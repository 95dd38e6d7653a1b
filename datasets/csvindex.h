/* datasets/csvindex.h: where the rows of a CSV log begin, every `every` rows: the index
 * that lets several processes read disjoint runs of rows of one file (mpirun -np N
 * ope eval, issue 17) with the global row numbers a single reader would give them. One
 * fast pass over the bytes that reads records as csv.c does: a line break inside a
 * quoted field belongs to it, a blank line is not a row (roles_blank_record), the
 * first record is the header. */
#ifndef DATASETS_CSVINDEX_H
#define DATASETS_CSVINDEX_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"

struct csv_index {
    size_t rows;            /* rows after the header */
    size_t every;
    size_t n;               /* marks: rows 0, every, 2 every, ... (n = ceil(rows / every)) */
    uint64_t *off;          /* [n] the byte offset in the file of the mark's row */
    size_t *line;           /* [n] its 1-based line */
    int seekable;           /* a plain regular file: the offsets can be read from directly */
    char sha256[65];        /* with want_digest: the hex SHA-256 of the bytes as given
                               (compressed bytes for a compressed file), else "" */
};

/* Index path (anything csv_open reads; offsets are of the decompressed bytes, and
 * seekable says whether they are the file's). With want_digest, the same reading
 * hashes the file too (ix->sha256): MPI ranks that index the whole log need its digest
 * anyway, and take it in one reading instead of two. 0, or -1 with err (OPE_ENOINPUT,
 * OPE_EDATA for a quoted field that never ends, naming its line). */
int csv_index_build(const char *path, size_t every, int want_digest, struct csv_index *ix,
                    struct ope_error *err);

/* The same, the bytes as given fed to sha (when not NULL), which the caller began and
 * ends: one digest of several files in order, each indexed apart (ix->sha256 ""). */
struct sha256;
int csv_index_build_hashing(const char *path, size_t every, struct sha256 *sha,
                            struct csv_index *ix, struct ope_error *err);

void csv_index_release(struct csv_index *ix);

#endif
