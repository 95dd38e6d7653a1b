/* ope/base/progress.h: how long computations report progress and learn that they were
 * cancelled. The same callback serves the command line (a bar on stderr when it is
 * a terminal) and the TUI (a bar in the status line, cancelled by a key). */
#ifndef OPE_PROGRESS_H
#define OPE_PROGRESS_H

#include <stdatomic.h>

struct ope_progress {
    /* Called with the fraction done in [0, 1] and a short label; may be NULL. It may be
     * called from worker threads, but never concurrently (calls are serialised). */
    void (*report)(void *ud, double fraction, const char *label);
    void *ud;
    atomic_int cancel;      /* set to 1 by the UI (or a signal) to ask work to stop */
};

void ope_progress_init(struct ope_progress *p, void (*report)(void *, double, const char *),
                       void *ud);

/* Report progress (safe with p == NULL). */
void ope_progress_report(struct ope_progress *p, double fraction, const char *label);

/* Nonzero when cancellation was requested (safe with p == NULL). */
int ope_progress_cancelled(const struct ope_progress *p);

/* A progress reporter that draws a bar on stderr, only if stderr is a terminal.
 * Call ope_progress_stderr_done() at the end to clear the line. */
void ope_progress_stderr(void *ud, double fraction, const char *label);
void ope_progress_stderr_done(void);

/* The process-wide progress object of the command line, cancelled by SIGINT. */
struct ope_progress *ope_progress_cli(void);

#endif
