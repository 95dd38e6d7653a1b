/* datasets/ingest.h: raw text logs to the bandit CSV of formats.md with a PCRE2
 * pattern: every line that matches becomes a row whose columns are the pattern's
 * named groups; lines that do not match are counted and the first few kept for the
 * report. Match and depth limits make a pathological pattern fail, not hang. */
#ifndef DATASETS_INGEST_H
#define DATASETS_INGEST_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"
#include "ope/base/strbuf.h"

#define INGEST_MAX_REPORTED 5

struct ingest_opts {
    const char *pattern;
    uint32_t match_limit;       /* default 1,000,000 */
    uint32_t depth_limit;       /* default 10,000 */
    int use_jit;                /* default 1 (when PCRE2 has JIT) */
};

struct ingest_stats {
    size_t lines, rows, unmatched;
    size_t unmatched_line[INGEST_MAX_REPORTED];
    char unmatched_text[INGEST_MAX_REPORTED][81];
    int jit;                    /* JIT was used */
};

void ingest_opts_init(struct ingest_opts *o);

/* Ingest path ("-": standard input), appending CSV text to out through the callback
 * flush(ctx, buf, len) whenever the buffer grows past 1 MB and at the end. Errors:
 * OPE_EUSAGE (pattern does not compile: PCRE2's message, the offset and a caret line;
 * or lacks the action/reward/pscore groups), OPE_ENOINPUT, OPE_EDATA (a line hit
 * the match or depth limit: file:line named). */
int ingest_file(const char *path, const struct ingest_opts *o,
                int (*flush)(void *ctx, const char *buf, size_t len, struct ope_error *err),
                void *ctx, struct ingest_stats *st, struct ope_error *err);

#endif
