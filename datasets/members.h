/* datasets/members.h: where a compressed file's independent parts begin, found without
 * decompressing it, so that a reader can start at any of them: the members of a BGZF
 * file (gzip members that each name their own length in a 'BC' extra field, as
 * bgzip, htslib and Biopython write them), or the frames of a zstd file whose frames
 * each say their decompressed size (a frame's blocks name their lengths). A plain
 * gzip file is one member whose end only inflating it finds, a frame without its size
 * does not place the next, and skippable frames (pzstd's) are not taken: none of these
 * has an index. The headers are the file's word, not the stream's: a reader that
 * seeks by them checks them as it decodes (input.c), and one found wrong is no longer
 * used for seeks (in_members_distrust). */
#ifndef DATASETS_MEMBERS_H
#define DATASETS_MEMBERS_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"

struct in_members {
    size_t n;                   /* members (frames) */
    uint64_t *raw;              /* [n + 1] where member k begins in the file; raw[n] its size */
    uint64_t *out;              /* [n + 1] where its bytes begin decompressed; out[n] all */
    int distrusted;             /* in_members_distrust (atomic) */
};

/* The index of the compressed regular file open on fd (named path in messages): 1 with
 * *m filled (at least one member), 0 when the file has none to find (plain, a gzip
 * member without a 'BC' field, a zstd frame without its size, bytes after the last
 * that are not a member: the stream reader says what is wrong, if anything), -1 with
 * err (out of memory, a read error). */
int in_members_find(int fd, const char *path, struct in_members *m, struct ope_error *err);

void in_members_release(struct in_members *m);

/* The index of the file open on fd, found once per file (its device, inode, size and
 * times) and kept for the process: NULL when it has none (or it could not be made).
 * Thread-safe; what it returns stays valid to the process's end. */
const struct in_members *in_members_of(int fd, const char *path);

/* Tests: forget every index kept (none may be in use): a file made anew may have a
 * removed one's inode, size and times to the clock's tick. */
void in_members_test_forget(void);

/* The member in which decompressed byte off lies (the last that begins at or before
 * it). */
size_t in_members_at(const struct in_members *m, uint64_t off);

/* The member that begins at byte raw of the file, or SIZE_MAX when none does. */
size_t in_members_at_raw(const struct in_members *m, uint64_t raw);

/* A decoder found the stream other than the index says (a member where none is said
 * to begin, or at another decompressed offset): the index is not used for seeks from
 * now on, in this process. in_members_trusted: 1 until then. Thread-safe. */
void in_members_distrust(const struct in_members *m);
int in_members_trusted(const struct in_members *m);

#endif
