/* ope/app/session.c: a loaded log, its settings and results, and the worker thread that
 * evaluates in the background (see session.h). */
#include "config.h"
#include "ope/app/session.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ope/base/outfile.h"
#include "datasets/tlog.h"
#include "estimators/ci.h"
#include "estimators/vmodel.h"

void session_init(struct session *s)
{
    memset(s, 0, sizeof *s);
    eval_settings_init(&s->set);
    s->res_set = s->set;
    s->reference_value = NAN;
    pthread_mutex_init(&s->lock, NULL);
}

/* Progress reports arrive on worker threads: keep the latest under the lock. */
static void worker_report(void *ud, double fraction, const char *label)
{
    struct session *s = ud;
    pthread_mutex_lock(&s->lock);
    s->fraction = fraction;
    snprintf(s->label, sizeof s->label, "%s", label ? label : "");
    pthread_mutex_unlock(&s->lock);
}

static void *worker_main(void *arg)
{
    struct session *s = arg;
    struct ope_error err = { 0 };
    struct res_eval *r = NULL;
    if (session_eval_into(s, &s->job_set, &s->progress, &r, &err) != 0)
        s->error = err;
    s->pending = r;
    atomic_store(&s->finished, 1);
    return NULL;
}

int session_start(struct session *s, struct ope_error *err)
{
    if (s->running)
        return ope_fail(err, OPE_EUSAGE, "an evaluation is already running (c cancels it)");
    if (session_check_settings(s, &s->set, err) != 0)
        return -1;
    ope_progress_init(&s->progress, worker_report, s);
    atomic_store(&s->finished, 0);
    memset(&s->error, 0, sizeof s->error);
    /* The job evaluates its own copy of the settings: the UI may edit s->set while it
     * runs, and the copy is what the results are labelled with when they arrive. */
    pthread_mutex_lock(&s->lock);
    s->job_set = s->set;
    s->fraction = 0;
    snprintf(s->label, sizeof s->label, "evaluating");
    pthread_mutex_unlock(&s->lock);
    if (pthread_create(&s->thread, NULL, worker_main, s) != 0)
        return ope_fail(err, OPE_ESOFTWARE, "cannot start a worker thread");
    s->running = 1;
    return 0;
}

int session_eval_now(struct session *s, struct ope_progress *progress, struct ope_error *err)
{
    struct res_eval *r = NULL;
    struct eval_settings set = s->set;
    if (session_check_settings(s, &set, err) != 0 ||
        session_eval_into(s, &set, progress, &r, err) != 0)
        return -1;
    res_eval_free(s->res);
    s->res = r;
    s->res_set = set;
    return 0;
}

int session_busy(struct session *s, double *fraction, char *label, size_t n)
{
    if (!s->running || atomic_load(&s->finished))
        return 0;
    pthread_mutex_lock(&s->lock);
    if (fraction)
        *fraction = s->fraction;
    if (label && n)
        snprintf(label, n, "%s", s->label);
    pthread_mutex_unlock(&s->lock);
    return 1;
}

int session_poll(struct session *s, struct ope_error *err)
{
    if (!s->running || !atomic_load(&s->finished))
        return 0;
    pthread_join(s->thread, NULL);
    s->running = 0;
    if (s->error.status) {
        *err = s->error;
        if (s->error.status == OPE_EINTERRUPTED)
            snprintf(err->msg, sizeof err->msg, "evaluation cancelled; the previous results stay");
        return 1;
    }
    res_eval_free(s->res);
    s->res = s->pending;
    s->res_set = s->job_set;
    s->pending = NULL;
    return 1;
}

void session_cancel(struct session *s)
{
    if (s->running)
        atomic_store(&s->progress.cancel, 1);
}

void session_wait(struct session *s)
{
    if (!s->running)
        return;
    pthread_join(s->thread, NULL);
    s->running = 0;
    res_eval_free(s->pending);
    s->pending = NULL;
}

void session_describe_settings(const struct session *s, char *buf, size_t n)
{
    const struct eval_settings *set = s->res ? &s->res_set : &s->set;
    const char *ci = ci_method_name((enum ci_method)set->ci);
    int len;
    if (set->ci == CI_BOOTSTRAP)
        len = snprintf(buf, n, "%s a=%g B=%d seed=%llu", ci, set->alpha, set->n_boot,
                       (unsigned long long)set->seed);
    else
        len = snprintf(buf, n, "%s a=%g", ci, set->alpha);
    if (!s->tlog || len < 0 || (size_t)len >= n)
        return;
    /* A discount equal to the log's is the default whether or not it was given. */
    if (!isnan(set->gamma) && set->gamma != s->tlog->gamma)
        len += snprintf(buf + len, n - (size_t)len, " gamma=%g", set->gamma);
    if (len >= 0 && (size_t)len < n && set->value_model &&
        vm_kind_parse(set->value_model) != VM_FQE)
        snprintf(buf + len, n - (size_t)len, " value-model=%s", set->value_model);
}

void session_release(struct session *s)
{
    session_cancel(s);
    session_wait(s);
    res_eval_free(s->res);
    blog_free(s->log);
    tlog_free(s->tlog);
    free(s->path);
    free(s->title);
    free(s->note);
    pthread_mutex_destroy(&s->lock);
    memset(s, 0, sizeof *s);
}
