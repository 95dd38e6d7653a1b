/* viz/tui_job.h: one background job of the workbench's own views (the Learn, Explore
 * and Train experiments), run on a worker thread like the session's evaluation, with
 * progress for the status line and cancellation by c/Esc. The worker never touches
 * ncurses; the UI thread polls and turns the finished job into lines. */
#ifndef VIZ_TUI_JOB_H
#define VIZ_TUI_JOB_H

#include <pthread.h>
#include <stdatomic.h>

#include "ope/base/error.h"
#include "ope/base/progress.h"

struct tui;

/* A job's work runs on the worker with its own ctx (nothing the UI thread touches
 * while it runs); done runs on the UI thread once it has been joined, with the work's
 * status (0, or -1 with err: OPE_EINTERRUPTED when cancelled), and owns ctx from then. */
struct tui_job_class {
    const char *label;          /* "learn": the status line's progress label */
    int (*work)(void *ctx, struct ope_progress *p, struct ope_error *err);
    void (*done)(struct tui *t, void *ctx, int rc, const struct ope_error *err);
};

struct tui_job {
    const struct tui_job_class *cls;    /* NULL: no job */
    void *ctx;
    pthread_t thread;
    int running;                /* started and not yet joined (UI thread only) */
    atomic_int finished;        /* set by the worker after rc and err are written */
    int rc;
    struct ope_error err;
    struct ope_progress progress;
    pthread_mutex_t lock;       /* guards fraction and label */
    int lock_ready;
    double fraction;
    char label[64];
};

/* Start cls on ctx. Fails (ctx not taken) when a job is running or no thread can be
 * started; err says why. */
int tui_job_start(struct tui_job *j, const struct tui_job_class *cls, void *ctx,
                  struct ope_error *err);

/* 1 when a job runs; fills fraction and label when non-NULL. */
int tui_job_busy(struct tui_job *j, double *fraction, char *label, size_t n);

/* Non-blocking: when the job has finished, join it and run its done on t; 1 then. */
int tui_job_poll(struct tui_job *j, struct tui *t);

/* Ask the running job to stop (it finishes soon with OPE_EINTERRUPTED). */
void tui_job_cancel(struct tui_job *j);

/* Wait for a running job and run its done (at exit: after tui_job_cancel). */
void tui_job_wait(struct tui_job *j, struct tui *t);

/* Release the lock (after tui_job_wait). */
void tui_job_release(struct tui_job *j);

#endif
