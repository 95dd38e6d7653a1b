/* ope/app/session.h: what the TUI (and the report writer) work on: one loaded log, the
 * evaluation settings, and the latest results. Evaluations run on a worker thread
 * with progress and cancellation; the UI thread polls, so ncurses is only ever
 * touched from one thread. */
#ifndef OPE_SESSION_H
#define OPE_SESSION_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ope/base/error.h"
#include "ope/base/progress.h"
#include "datasets/blog.h"
#include "datasets/loadopts.h"
#include "estimators/result.h"
#include "ope/app/evalset.h"

struct grid;

struct session {
    char *path;                 /* the log's path (for the demo: the random log) */
    char *title;                /* short name for the status line */
    struct blog *log;           /* bandit log (trajectory logs: see tlog) */
    struct tlog *tlog;
    /* The settings are those of the command line (`ope tui` takes `ope eval`'s
     * evaluation options) and go the same way to an evaluation (eval_settings_run). */
    struct eval_settings set;   /* what the next evaluation uses (the UI edits it) */
    struct res_eval *res;       /* latest finished result, or NULL */
    struct eval_settings res_set;   /* the settings that produced res */
    char *note;                 /* extra text for the Data view (e.g. the demo's story) */
    char sha256[65];            /* the input's digest, when it was taken while reading */
    int sha256_known;           /* 1: sha256 is it (a pipe or FIFO: no second read) */
    double reference_value;     /* e.g. the on-policy CTR of BTS in the demo, or NAN */
    char reference_label[64];

    /* The worker. It reads the log, path and job_set (none of which the UI thread
     * changes while it runs) and writes only pending and error, which the UI thread
     * reads after seeing finished; fraction and label go through the lock. Every
     * other field belongs to the UI thread. */
    pthread_t thread;
    int running;                /* a worker was started and not yet joined */
    atomic_int finished;
    struct ope_progress progress;
    pthread_mutex_t lock;       /* guards fraction, label and the taking of job_set */
    double fraction;
    char label[64];
    struct eval_settings job_set;   /* the running job's copy of set */
    struct res_eval *pending;
    struct ope_error error;
};

/* Zero a session and set the default settings (eval_settings_init: those of `ope
 * eval`) before session_open*; the command may then change s->set. */
void session_init(struct session *s);

/* Open a log file (bandit or trajectories). */
int session_open(struct session *s, const char *path, const struct load_opts *lo,
                 struct ope_error *err);

/* session_open reporting the bytes read to progress (once per MB) and stopping with
 * OPE_EINTERRUPTED when it is cancelled; the workbench loads on a worker with it. */
int session_open_progress(struct session *s, const char *path, const struct load_opts *lo,
                          struct ope_progress *progress, struct ope_error *err);

/* Open the built-in demo: the Open Bandit Dataset's uniform-random log with the
 * Bernoulli-TS policy attached, and BTS's observed click rate as the reference. */
int session_open_demo(struct session *s, const char *campaign, struct ope_error *err);

/* Start an evaluation with the current settings on the worker thread. Fails if one
 * is running or the settings are invalid (message in err). */
int session_start(struct session *s, struct ope_error *err);

/* Run an evaluation synchronously (batch use and tests). */
int session_eval_now(struct session *s, struct ope_progress *progress, struct ope_error *err);

/* 1 when a worker is running; fills fraction and label when non-NULL. */
int session_busy(struct session *s, double *fraction, char *label, size_t n);

/* Non-blocking: 1 if a worker just finished (its result installed, or err filled),
 * 0 otherwise. */
int session_poll(struct session *s, struct ope_error *err);

void session_cancel(struct session *s);

/* Wait for a running worker (after cancelling it, when quitting). */
void session_wait(struct session *s);

/* "bootstrap a=0.05 B=1000 seed=12345" for the status line: the settings that
 * produced the results on screen, or the current ones before there are results.
 * A trajectory log's discount and value model follow when they are not the defaults
 * (the log's gamma, fqe): "... gamma=0.9 value-model=lstd". */
void session_describe_settings(const struct session *s, char *buf, size_t n);

/* Cancel and wait for a running worker, then free what the session holds (the
 * struct itself is the caller's); the pair of session_init. */
void session_release(struct session *s);

/* Internal to ope/app/session*.c: validate the settings; evaluate the log with the
 * settings set (a copy the caller owns) into *out. */
int session_check_settings(const struct session *s, const struct eval_settings *set,
                           struct ope_error *err);
int session_eval_into(const struct session *s, const struct eval_settings *set,
                      struct ope_progress *progress, struct res_eval **out,
                      struct ope_error *err);

#endif
