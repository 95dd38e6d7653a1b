/* viz/tui_job.c: the worker thread of the workbench's experiments (see tui_job.h).
 * The shape is the session's (ope/app/session.c): the worker writes rc and err before
 * the atomic finished flag, the UI thread reads them only after seeing it; progress
 * goes through the lock. */
#include "config.h"
#include "viz/tui_job.h"

#include <stdio.h>
#include <string.h>

static void job_report(void *ud, double fraction, const char *label)
{
    struct tui_job *j = ud;
    pthread_mutex_lock(&j->lock);
    j->fraction = fraction;
    snprintf(j->label, sizeof j->label, "%s", label && *label ? label : j->cls->label);
    pthread_mutex_unlock(&j->lock);
}

static void *job_main(void *arg)
{
    struct tui_job *j = arg;
    struct ope_error err = { 0 };
    int rc = j->cls->work(j->ctx, &j->progress, &err);
    if (rc == 0 && ope_progress_cancelled(&j->progress)) {
        rc = -1;
        ope_fail(&err, OPE_EINTERRUPTED, "cancelled");
    }
    j->rc = rc;
    j->err = err;
    atomic_store(&j->finished, 1);
    return NULL;
}

int tui_job_start(struct tui_job *j, const struct tui_job_class *cls, void *ctx,
                  struct ope_error *err)
{
    if (j->running)
        return ope_fail(err, OPE_EUSAGE, "%s is still running (c cancels it)", j->cls->label);
    if (!j->lock_ready) {
        pthread_mutex_init(&j->lock, NULL);
        j->lock_ready = 1;
    }
    j->cls = cls;
    j->ctx = ctx;
    j->rc = 0;
    memset(&j->err, 0, sizeof j->err);
    atomic_store(&j->finished, 0);
    ope_progress_init(&j->progress, job_report, j);
    pthread_mutex_lock(&j->lock);
    j->fraction = 0;
    snprintf(j->label, sizeof j->label, "%s", cls->label);
    pthread_mutex_unlock(&j->lock);
    if (pthread_create(&j->thread, NULL, job_main, j) != 0) {
        j->cls = NULL;
        j->ctx = NULL;
        return ope_fail(err, OPE_ESOFTWARE, "cannot start a worker thread");
    }
    j->running = 1;
    return 0;
}

int tui_job_busy(struct tui_job *j, double *fraction, char *label, size_t n)
{
    if (!j->running || atomic_load(&j->finished))
        return 0;
    pthread_mutex_lock(&j->lock);
    if (fraction)
        *fraction = j->fraction;
    if (label && n)
        snprintf(label, n, "%s", j->label);
    pthread_mutex_unlock(&j->lock);
    return 1;
}

static void finish(struct tui_job *j, struct tui *t)
{
    pthread_join(j->thread, NULL);
    j->running = 0;
    const struct tui_job_class *cls = j->cls;
    void *ctx = j->ctx;
    j->cls = NULL;
    j->ctx = NULL;
    cls->done(t, ctx, j->rc, &j->err);
}

int tui_job_poll(struct tui_job *j, struct tui *t)
{
    if (!j->running || !atomic_load(&j->finished))
        return 0;
    finish(j, t);
    return 1;
}

void tui_job_cancel(struct tui_job *j)
{
    if (j->running)
        atomic_store(&j->progress.cancel, 1);
}

void tui_job_wait(struct tui_job *j, struct tui *t)
{
    if (j->running)
        finish(j, t);
}

void tui_job_release(struct tui_job *j)
{
    if (j->lock_ready)
        pthread_mutex_destroy(&j->lock);
    j->lock_ready = 0;
}
