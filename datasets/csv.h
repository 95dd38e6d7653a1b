/* datasets/csv.h: a streaming RFC 4180 CSV reader. It reads a file in large blocks
 * and hands out one record at a time as an array of fields that point into its own
 * buffer (valid until the next call), so loading never copies a field it does not
 * keep. Quotes, "" escapes, CR LF and LF line ends, a leading UTF-8 BOM and a chosen
 * separator are handled; positions are tracked for error messages. */
#ifndef DATASETS_CSV_H
#define DATASETS_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "ope/base/error.h"

struct ope_progress;

/* Longest record accepted (bytes); a longer one is a data error, not a crash. */
#define CSV_MAX_RECORD ((size_t)64 << 20)

struct csv_field {
    const char *s;      /* unescaped contents, NUL-terminated */
    size_t len;         /* length of s in bytes */
    size_t line;        /* 1-based line where the field starts */
    size_t col;         /* 1-based byte column where the field starts */
    int quoted;         /* the field was written in double quotes */
};

struct csv_reader;

/* Open a file ("-" reads standard input) with separator sep (',' ';' '\t' ...),
 * once: gzip and zstd input is decompressed (input.h). Returns NULL with err set
 * (OPE_ENOINPUT when the file cannot be opened, OPE_EDATA for an unsupported
 * compression format). */
struct csv_reader *csv_open(const char *path, char sep, struct ope_error *err);

/* Several files that hold one log, read one after the other as one input: each
 * must start with the first file's header (checked: the error names both files and
 * the first differing column), which is handed out once. Messages name the file and
 * line being read; the digest (csv_digest) is of all their bytes in order. */
struct csv_reader *csv_open_many(const char *const *paths, size_t n, char sep,
                                 struct ope_error *err);

/* The same, reading files[k] (a temporary copy of a pipe, say) where messages and
 * csv_input_name say paths[k]. */
struct csv_reader *csv_open_named(const char *const *files, const char *const *paths,
                                  size_t n, char sep, struct ope_error *err);

/* The same for a log read again whose digest is known already: several inputs' bytes
 * are not hashed as they are read (csv_digest then says nothing). */
struct csv_reader *csv_open_again(const char *const *files, const char *const *paths,
                                  size_t n, char sep, struct ope_error *err);

/* Copy the bytes of input k, as given, to tee[k] (tee_name[k] in messages) as they
 * are read, where tee[k] is not NULL (in_set_tee); the arrays are the caller's and
 * must outlive the reader. Call right after opening. */
void csv_set_tee(struct csv_reader *r, FILE *const *tee, const char *const *tee_name);
/* (tee NULL: the bytes are no longer copied.) */

/* Which input of csv_open_many is being read (0 for csv_open), and input k's name. */
size_t csv_input_index(const struct csv_reader *r);
/* How many inputs the log has (1 for csv_open). */
size_t csv_n_inputs(const struct csv_reader *r);
const char *csv_input_name(const struct csv_reader *r, size_t k);

/* Which input each row of a loader came from, for messages written after reading
 * (a probability sum checked once the log is whole): start[k] is the first row of
 * input k. csv_rows_note after each record (rows: the rows kept before it) records
 * the inputs begun since; csv_rows_name gives row i's input. Free start. */
struct csv_rows {
    size_t *start;
    size_t n;
};
int csv_rows_note(struct csv_rows *w, const struct csv_reader *r, size_t rows,
                  struct ope_error *err);
const char *csv_rows_name(const struct csv_rows *w, const struct csv_reader *r, size_t row);

/* Read from a memory buffer (copied); name is used in messages. */
struct csv_reader *csv_open_mem(const char *buf, size_t len, const char *name, char sep,
                                struct ope_error *err);

/* Next record: returns 1 and sets *fields / *n, 0 at end of input, -1 on error
 * (err names file:line:column: unterminated quote, stray quote, record too long,
 * read error). A blank line yields a record with one empty field. */
int csv_next(struct csv_reader *r, const struct csv_field **fields, size_t *n,
             struct ope_error *err);

/* The name given at open (the path). */
const char *csv_name(const struct csv_reader *r);

/* 1-based line on which the last record returned started. */
size_t csv_record_line(const struct csv_reader *r);

/* Bytes consumed so far (for progress): the offset in the input being read, so
 * after csv_seek not the bytes actually read. */
size_t csv_bytes_read(const struct csv_reader *r);

/* The bytes taken from the inputs so far (decompressed), all inputs together: what
 * csv_seek skips over is not counted. */
size_t csv_bytes_taken(const struct csv_reader *r);

/* The bytes of the input being read, as given (compressed), that the bytes taken from
 * it so far came from (input.h: in_raw_taken). */
size_t csv_raw_taken(const struct csv_reader *r);

/* The byte offset, in its input's bytes as read (decompressed), where the last record
 * csv_next returned starts. */
size_t csv_record_offset(const struct csv_reader *r);

/* The input being read, a compressed file with a member index (members.h), is read
 * checking each member it begins against the index, noting whether one begins at
 * byte watch of the file (in_set_members_strict); and, once the reader is done with
 * it, read on until that member has begun, checking (in_members_check_until: 0, or
 * -1 with err). */
void csv_set_members_strict(struct csv_reader *r, uint64_t watch);
int csv_members_check_until(struct csv_reader *r, struct ope_error *err);

/* Where the record after the last one returned begins: its byte offset in the input
 * being read (decompressed, as csv_record_offset counts) and, into *line if not NULL,
 * its line. */
size_t csv_next_offset(const struct csv_reader *r, size_t *line);

/* Go on reading at the record that starts at byte offset (decompressed, as
 * csv_record_offset and csv_span.offset give it) of input `input` (0 for csv_open;
 * not one before the one being read), on its line `line`, skipping the bytes between:
 * a plain regular file is seeked, a compressed one is decompressed and the bytes
 * dropped (in_seek). For a reader that has handed out the header (csv_next) and has
 * no tee. Messages name that input and count lines from `line`; csv_digest is then
 * not known. 1: there; 0: the input is not as the offset says (it ends before, or the
 * byte before offset does not end a line); -1 with err. */
int csv_seek(struct csv_reader *r, size_t input, size_t offset, size_t line,
             struct ope_error *err);

/* Read only the inputs [first, end) of a log of several (csv_open_many), from the
 * first record of input `first` on: for a reader that has handed out the header
 * (csv_next) and reads input `first` or one before it, with no tee. Coming to input
 * `first` checks its header against the first input's, as reading on to it does (the
 * same message: an empty file, a differing column), the inputs before it skipped
 * unread; the last record of input end - 1 is then the last (csv_next returns 0).
 * Messages name the inputs by their index in the log; csv_digest is then not known. 0,
 * or -1 with err. */
int csv_set_inputs(struct csv_reader *r, size_t first, size_t end, struct ope_error *err);

/* Read the input being read only up to byte offset (decompressed, as
 * csv_record_offset gives it; 0: to its end), as if it ended there: for a reader of
 * one input whose records from offset on are another's to read (an MPI rank's share
 * of a log, set before those bytes are read). */
void csv_set_end(struct csv_reader *r, size_t offset);

/* The same for input `input` of a log of several (not one before the one being read):
 * the log ends at its byte offset (0: at its end), the inputs after it unread. */
void csv_set_end_at(struct csv_reader *r, size_t input, size_t offset);

/* Report the bytes read to p once per block read, and stop with OPE_EINTERRUPTED
 * ("loading cancelled") at the next block once p is cancelled; p NULL: neither.
 * Test seam: with OPE_TEST_READ_SLEEP_MS=M in the environment (1 to 10000) each block
 * reported is followed by a pause of M ms, so that a test sees a load under way (the
 * TUI's loading frame) however fast the machine reads. */
void csv_set_progress(struct csv_reader *r, struct ope_progress *p);

/* Total size of the input if known (regular file or memory), else 0. */
size_t csv_size(const struct csv_reader *r);

/* Hand the record csv_next returned last out again on the next csv_next (to sniff
 * a header without opening the input twice). Valid only right after csv_next. */
void csv_unget(struct csv_reader *r);

/* 1 when the input is a regular file (it may be opened again by its name). */
int csv_is_regular(const struct csv_reader *r);

/* SHA-256 of a non-regular input (a pipe, FIFO, standard input) or of several
 * inputs as read, once read to the end; -1 when not known (input.h: in_digest). */
int csv_digest(const struct csv_reader *r, char out[65]);

void csv_close(struct csv_reader *r);

/* Bulk access for loaders that split plain records themselves (in parallel): a run
 * of whole lines, none of which holds a quote character. */
struct csv_span {
    char *p;            /* the first byte; the run ends just after a '\n' or at the
                           end of the input */
    size_t len;
    size_t line;        /* line number of its first line */
    size_t offset;      /* where p is in the input's bytes as read (decompressed) */
};

/* Take the next run of plain lines from the read position: about want bytes, or all
 * that is left. Returns 1 with *sp set (valid until the next call on r), 2 when the
 * next record must be read with csv_next (it holds a quote, or it is longer than the
 * buffer), 0 at end of input, -1 on a read error. Lines may be blank. */
int csv_next_span(struct csv_reader *r, size_t want, struct csv_span *sp,
                  struct ope_error *err);

/* Whether line k of a span, the bytes [off[k], off[k + 1] - 1) before its '\n', is
 * blank (no bytes but a '\r'): csv_next reads such a line as one empty field, which
 * the loaders skip. */
int csv_span_blank(const struct csv_span *sp, const size_t *off, size_t k);

/* Split one line of a span (s, len: without its '\n'; a final '\r' is dropped) at
 * sep into *f, as csv_next splits a record without quotes, but without writing into
 * s: these fields are NOT NUL-terminated. *f (with *cap entries) grows as needed;
 * free() it. Columns count from 1 at s. Returns the number of fields, -1 on OOM. */
long csv_split_line(const char *s, size_t len, char sep, size_t line,
                    struct csv_field **f, size_t *cap, struct ope_error *err);

/* Parse a whole field as a finite double (decimal or exponent notation, optional
 * sign, surrounding spaces allowed). Returns 0 on success, -1 if it is not a number,
 * -2 if it is nan/inf or overflows. Exact (correctly rounded) like strtod. */
int csv_parse_double(const char *s, size_t len, double *out);

/* Parse a whole field as an integer in [lo, hi]; 0, -1 not an integer, -2 range. */
int csv_parse_long(const char *s, size_t len, long lo, long hi, long *out);

#endif
