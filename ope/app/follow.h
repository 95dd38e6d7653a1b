/* ope/app/follow.h: reading a log that grows (`ope eval --follow`, `ope gate
 * --sequential`). The bytes are read as they come, from a regular file (polled for
 * growth until it stops growing for --idle seconds), standard input or a FIFO (until
 * the end of input); every `every` new rows, and at the end, the complete lines read
 * so far are handed to a callback, which evaluates them with the one engine. */
#ifndef OPE_FOLLOW_H
#define OPE_FOLLOW_H

#include <stddef.h>

#include "ope/base/error.h"
#include "ope/base/progress.h"

struct follow_opts {
    size_t every;               /* new rows between looks; 0: only at the end */
    double idle;                /* a regular file: seconds without growth that end it */
    double poll;                /* a regular file: seconds between looks for growth */
    struct ope_progress *progress;  /* cancelled (Ctrl-C): stop reading; may be NULL */
};

/* The defaults: every 1000 rows, idle 5 s, poll 0.1 s, no progress. */
void follow_opts_init(struct follow_opts *o);

/* One look: buf[0..len) holds the header and the complete records read so far, rows
 * the rows after the header (blank lines are none); final is 1 at the end of the
 * data. Returns 0 to go on, 1 to stop reading (a decision was reached), -1 with err. */
typedef int (*follow_fn)(void *ctx, const char *buf, size_t len, size_t rows, int final,
                         struct ope_error *err);

/* Read path ("-": standard input) and call fn at every look. Returns 0 when the data
 * ended (fn was called with final = 1), 1 when fn stopped it, 2 when it was cancelled
 * through o->progress (fn was not called again), -1 with err (OPE_ENOINPUT: cannot
 * open or read; OPE_EUSAGE: a compressed file, which cannot be followed). */
int follow_run(const char *path, const struct follow_opts *o, follow_fn fn, void *ctx,
               struct ope_error *err);

#endif
