/* datasets/input.h: where the CSV reader's bytes come from. An input is opened once
 * (a path, "-" for standard input, /dev/stdin, a FIFO, a process substitution), its
 * first bytes are sniffed for a compression format (gzip and zstd are decompressed,
 * bzip2, xz, lz4 and zip are refused with a clear message), and non-regular inputs
 * are hashed as they are read so every input still gets a SHA-256. */
#ifndef DATASETS_INPUT_H
#define DATASETS_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include "ope/base/error.h"

enum in_format { IN_PLAIN, IN_GZIP, IN_ZSTD };

struct in_src;

/* Open path ("-" is standard input) and sniff its magic bytes. With sha non-NULL
 * every byte of the input as given is also added to *sha (one digest over several
 * inputs); in_digest then says nothing. Returns NULL with err set: OPE_ENOINPUT when
 * it cannot be opened or is a directory, OPE_EDATA for a compression format ope does
 * not read. */
struct sha256;
struct in_src *in_open(const char *path, struct sha256 *sha, struct ope_error *err);

/* Read up to n decompressed bytes: returns the number read (> 0), 0 at the end of
 * the input, -1 with err set (OPE_ENOINPUT for a read error, OPE_EDATA for a
 * truncated or corrupt compressed stream; both name the input). */
long in_read(struct in_src *s, char *buf, size_t n, struct ope_error *err);

enum in_format in_format_of(const struct in_src *s);

/* Size of an uncompressed regular file, else 0 (unknown). */
size_t in_size(const struct in_src *s);

/* 1 when the input is a regular file: it can be opened again by its path (to hash
 * it on another thread, say); 0 for pipes, FIFOs, terminals and sockets. */
int in_is_regular(const struct in_src *s);

/* Hex SHA-256 of the bytes of the input as given (compressed bytes for a compressed
 * file, as `sha256sum` would print), for a non-regular input once it has been read
 * to its end. Returns 0, or -1 when it is not known (a regular file: hash it by
 * path; or the input was not read to its end). */
int in_digest(const struct in_src *s, char out[65]);

/* Copy every byte of the input as given (compressed or not), as it is read, to tee
 * (named tee_name in messages; both the caller's): a pipe read once is then a file
 * that can be read again. Set before the first in_read. A failed write is an error of
 * in_read (OPE_ECANTCREAT). */
void in_set_tee(struct in_src *s, FILE *tee, const char *tee_name);

/* A compressed regular file whose members have an index (members.h): each member the
 * decoder begins from here on must be where the index says, in the file and in the
 * decompressed bytes, else in_read fails (OPE_EDATA); and whether one begins at byte
 * watch of the file is noted (in_members_check_until). Without it a member off the
 * index only stops the index's use for seeks. */
void in_set_members_strict(struct in_src *s, uint64_t watch);

/* After in_set_members_strict: decompress on from the decoder's place, discarding,
 * until it has begun the member at byte `watch` of the file, checking the members it
 * begins (and the decoder the members' own checks, a gzip member's length and CRC-32):
 * after a reader stops inside a member, that this member, and the ones it read, have
 * the lengths the index gives them. 0 (or no index), -1 with err (OPE_EDATA: not so).
 * The input is not read further. */
int in_members_check_until(struct in_src *s, struct ope_error *err);

/* Decompress only as the reader asks, with no thread reading ahead: for a few bytes
 * wanted from a compressed file (set before the first in_read). */
void in_set_no_readahead(struct in_src *s);

/* Go to byte off of the input's decompressed bytes: the next in_read starts there. A
 * plain regular file seeks (fseeko), in either direction; so does a compressed
 * regular file whose members have an index (members.h), to the start of the member
 * in which off lies, then it decompresses and discards up to off; anything else (a
 * compressed file without one, a pipe) reads and discards up to off, so off may not be
 * behind what in_read has handed out (OPE_ESOFTWARE). Past the end, in_read then says
 * 0. The input's digest is not known after a seek (in_digest -1), and a tee set is
 * refused. 0 or -1 with err. */
int in_seek(struct in_src *s, size_t off, struct ope_error *err);

/* The bytes of the input as given that the bytes handed out so far came from: for a
 * compressed input, the compressed bytes the decompressor has taken (it may hold a
 * few not yet handed out); for a plain one, the bytes handed out. With the bytes
 * handed out, an estimate of how much a compressed input expands. */
size_t in_raw_taken(const struct in_src *s);

void in_close(struct in_src *s);

/* The format a file's first n bytes m name by their magic: gzip (1f 8b), zstd (a
 * frame, 28 b5 2f fd, or a skippable frame, 5? 2a 4d 18, as pzstd writes first), else
 * plain. */
enum in_format in_sniff(const unsigned char *m, size_t n);

/* Refuse (OPE_EUSAGE) a log's inputs of which two are one: the same file under any
 * spelling or link (device and inode), standard input twice, or standard input and
 * the file or pipe it is (/dev/stdin). 0, or -1 with err. */
int in_distinct(const char *const *paths, size_t n, struct ope_error *err);

/* What shows that a file read more than once (a log streamed in passes) changed
 * between two readings: its device and inode, size, and modification and status change
 * times to the nanosecond (a rewrite that puts the modification time back, touch -r,
 * still moves the status change time, which no call sets; so does a chmod, which then
 * reads as a change). in_stamp_of: the stamp of what stat gave; in_stamp_take: path's,
 * 0, or -1 when it cannot be examined; in_stamp_same: 1 when path still has stamp s. */
struct in_stamp {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    struct timespec ctime;      /* a rewrite that puts mtime back (touch -r) moves it */
};
void in_stamp_of(const struct stat *st, struct in_stamp *s);
int in_stamp_take(const char *path, struct in_stamp *s);
int in_stamp_same(const char *path, const struct in_stamp *s);
/* Tests: in_stamp_same without the status change time (on: 1), as a rewrite it does
 * not show would be (a coarse clock's same tick): the rows alone tell the change. */
void in_stamp_test_mtime_only(int on);

#endif
