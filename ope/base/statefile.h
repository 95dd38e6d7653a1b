/* ope/base/statefile.h: the checked container of a saved computation state (issue 17:
 * an evaluation's accumulators written by one shard and merged with others, or sent
 * between MPI ranks). The bytes are versioned and self-checking: a reader accepts a
 * state only when its magic, version, length and SHA-256 all agree, so a truncated or
 * corrupted state is refused whole, never half-read. Numbers are little-endian and
 * doubles keep their exact bits.
 *
 *   "OPESTATE" | u32 version | u32 0 | str kind | str settings | u64 L | payload[L]
 *   | sha256 of every byte before it
 *
 * (str: u32 length, then the bytes.) kind names what the payload is ("bandit-pass1");
 * settings is the canonical text of everything the result depends on, one
 * "key=value" per line, so two states can be merged only when their settings agree,
 * and a refusal can name the line that differs. */
#ifndef OPE_BASE_STATEFILE_H
#define OPE_BASE_STATEFILE_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"
#include "ope/base/strbuf.h"
#include "ope/base/sum.h"
#include "ope/base/xsum.h"

#define SF_VERSION 1u

/* ---- writing: a payload is built on a strbuf ------------------------------------ */

void sf_put_u64(struct strbuf *sb, uint64_t v);
void sf_put_f64(struct strbuf *sb, double v);
void sf_put_str(struct strbuf *sb, const char *s);
void sf_put_xsum(struct strbuf *sb, const struct ope_xsum *x);
void sf_put_sum(struct strbuf *sb, const struct ope_sum *k);    /* its sum and compensation */
/* n compensated sums of which many may be zero (the levels of a categorical context
 * that a process's rows never met: normal equations of 20,000 levels are mostly zeros
 * in each of an MPI job's parts). Written as the shorter of: u64 0 and the n sums; u64
 * 1, u64 k and k pairs (u64 index, sum) of the entries that are not exactly +0 (both
 * words), indices increasing. */
void sf_put_sums(struct strbuf *sb, const struct ope_sum *a, size_t n);
/* The same for n doubles (u64 0 and the n values; u64 1, u64 k, k pairs (index, value)). */
void sf_put_f64s(struct strbuf *sb, const double *a, size_t n);

/* The whole container of (kind, settings, payload) into out (reset first). 0, or -1
 * (out of memory) with err. */
int sf_seal(struct strbuf *out, const char *kind, const char *settings,
            const struct strbuf *payload, struct ope_error *err);

/* sf_seal written to path atomically (a temporary file renamed into place; an
 * existing file is replaced only with force and only when it is a regular file). 0,
 * or -1 with err (OPE_ECANTCREAT, also for an existing file without force). */
int sf_write(const char *path, int force, const char *kind, const char *settings,
             const struct strbuf *payload, struct ope_error *err);

/* ---- reading ---------------------------------------------------------------------- */

/* A checked state: kind, settings and a cursor over its payload. */
struct sf_state {
    const char *name;           /* for messages: the file, or "rank 1" */
    char *kind, *settings;
    unsigned char *data;        /* the payload */
    void *mem;                  /* the buffer sf_close frees (NULL: data is borrowed) */
    size_t n, off;              /* its length, and the cursor */
    int bad;                    /* a read ran past the end or met a bad value */
};

/* Check buf[0..n) as a container and copy its parts into st. kind, when not NULL, is
 * the kind expected. 0, or -1 with err (OPE_EDATA: not a state, another version, a
 * wrong length, a checksum that does not match, another kind). */
int sf_open_bytes(struct sf_state *st, const void *buf, size_t n, const char *name,
                  const char *kind, struct ope_error *err);

/* sf_open_bytes without the copy: the payload is read where it lies in buf, which
 * must outlive st (the parts MPI ranks gather, 50 MB each for a wide reward model, are
 * read once, in place). */
int sf_open_view(struct sf_state *st, const void *buf, size_t n, const char *name,
                 const char *kind, struct ope_error *err);

/* A cursor over payload bytes that are no container (a fit's merged passes, the parts
 * of a gather already checked, a test's bytes): read in place, named name and kind in
 * messages, nothing checked. It owns nothing: sf_close is not called on it. */
void sf_cursor(struct sf_state *st, const void *payload, size_t n, const char *name,
               const char *kind);

/* sf_open_bytes of a file's bytes (OPE_ENOINPUT when it cannot be read). */
int sf_open_file(struct sf_state *st, const char *path, const char *kind,
                 struct ope_error *err);

void sf_close(struct sf_state *st);

/* Cursor reads: on running past the end they return 0 (NULL for strings) and set bad,
 * which sf_done reports. */
uint64_t sf_get_u64(struct sf_state *st);
double sf_get_f64(struct sf_state *st);
char *sf_get_str(struct sf_state *st);      /* malloc'd, NUL-terminated; NULL when bad */
void sf_get_xsum(struct sf_state *st, struct ope_xsum *x);
/* A compensated sum; one that is not finite marks the state bad (every sum a state
 * carries is of finite values: another is damage, never a result to print). */
void sf_get_sum(struct sf_state *st, struct ope_sum *k);
/* A count that must lie in [lo, hi]: sets bad (and returns lo) otherwise, so a damaged
 * count never sizes an allocation. */
uint64_t sf_get_count(struct sf_state *st, uint64_t lo, uint64_t hi);
/* What sf_put_sums wrote for n sums, each merged into a[i] (ope_sum_merge, a left-out
 * zero changes no bit of it: a sum is never -0). A sum that is not finite, an index
 * out of order or past n, or a form that is neither marks the state bad (the entries
 * merged before it stay merged: the caller drops the whole state then). */
void sf_merge_sums(struct sf_state *st, struct ope_sum *a, size_t n);
/* What sf_put_f64s wrote for n doubles, each added to a[i] (a[i] += v, in index order;
 * a value that is not finite marks the state bad). */
void sf_add_f64s(struct sf_state *st, double *a, size_t n);
/* How many items of `each` bytes the rest of the payload can hold: the bound of a count
 * read before the items it sizes, so that no count sizes an allocation larger than the
 * state itself (a count within sf_get_count's limits can still ask for gigabytes). */
uint64_t sf_room(const struct sf_state *st, size_t each);

/* After the last read: 0 when every read was in bounds and the whole payload was read;
 * -1 with err (OPE_EDATA, "NAME: damaged state: ...") otherwise. */
int sf_done(struct sf_state *st, struct ope_error *err);

/* The first line where settings texts x and y differ: 1, with that line of each in
 * (*ax, *lx) and (*ay, *ly) (length 0: that text ended first); 0 when they agree. */
int sf_settings_diff(const char *x, const char *y, const char **ax, size_t *lx,
                     const char **ay, size_t *ly);

/* Whether an MPI rank (named name, "rank 2") runs with rank 0's settings: its text x
 * against rank 0's, first. 0, or -1 with err (OPE_EUSAGE) naming the first setting that
 * differs and both values. */
int sf_rank_settings(const char *name, const char *x, const char *first,
                     struct ope_error *err);

/* Whether two states may be merged: the same kind and settings. 0, or -1 with err
 * (OPE_EDATA) naming the first setting that differs and both values. */
int sf_compatible(const struct sf_state *a, const struct sf_state *b, struct ope_error *err);

#endif
