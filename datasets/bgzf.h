/* datasets/bgzf.h: a writer of BGZF, the blocked gzip of the SAM/BAM specification
 * (4.1): gzip members of at most 64 KB, each naming its own length in a 'BC' extra
 * field, then an empty member. Any gzip reader reads it as the bytes given; ope's
 * readers find its members without inflating it (members.h), so that MPI ranks split
 * it by its members. */
#ifndef DATASETS_BGZF_H
#define DATASETS_BGZF_H

#include <stddef.h>
#include "ope/base/error.h"
#include "ope/base/strbuf.h"

/* The input bytes a member holds at most (bgzip's: its compressed form must fit the
 * 16-bit length). */
#define BGZF_BLOCK 65280

/* Append to out the members of the n bytes at in, BGZF_BLOCK bytes a member (none
 * when n is 0), compressed at zlib level `level`. 0, or -1 with err (out of memory). */
int bgzf_compress(const void *in, size_t n, int level, struct strbuf *out,
                  struct ope_error *err);

/* Append the empty member that ends a BGZF file. */
void bgzf_end(struct strbuf *out);

/* v's n low bytes at p, least significant first (the byte order of gzip's fields;
 * t/memberize rewrites them to make a file whose index lies). */
void bgzf_put_le(unsigned char *p, unsigned long v, int n);

/* 1 when an output file's name asks for BGZF (it ends in ".gz"). */
int bgzf_wanted(const char *path);

#endif
