/* ope/app/monitor.h: `ope eval --follow`: at each look of a growing log (follow.h)
 * the lines read so far are evaluated by the one engine (evalcli_run_mem) and one
 * update is written: a line per estimate, or one JSON object (JSON Lines). */
#ifndef OPE_MONITOR_H
#define OPE_MONITOR_H

#include <stdio.h>

#include "ope/app/evalcli.h"
#include "ope/app/output.h"
#include "ope/base/strbuf.h"

struct monitor {
    struct evalcli *c;
    const char *name;           /* the input's name in messages and results */
    enum out_format format;     /* OUT_TABLE or OUT_JSON */
    FILE *out;                  /* where the updates go (standard output) */
    size_t shown_rows;          /* rows of the last update written (0: none yet) */
    struct res_eval *last;      /* the last look's result */
    int reader_gone;            /* a write failed with EPIPE (`| head -1`) */
};

/* A follow_fn (follow.h) over a struct monitor: evaluate, then write the update and
 * flush it. The final look writes an update unless the last one already had every
 * row, then the log-level and policy warnings (JSON: in the final object). */
int monitor_look(void *ctx, const char *buf, size_t len, size_t rows, int final,
                 struct ope_error *err);

/* One update of r after rows rows (final: the data ended) into sb; header: the table's
 * column names first. */
void monitor_render(const struct res_eval *r, enum out_format f, size_t rows, int final,
                    int header, struct strbuf *sb);

void monitor_release(struct monitor *m);

#endif
