/* ope/base/progress.c: progress reporting and cancellation. */
#include "config.h"
#include "ope/base/progress.h"

#include "ope/base/outfile.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

void ope_progress_init(struct ope_progress *p, void (*report)(void *, double, const char *),
                       void *ud)
{
    p->report = report;
    p->ud = ud;
    atomic_store(&p->cancel, 0);
}

void ope_progress_report(struct ope_progress *p, double fraction, const char *label)
{
    if (!p || !p->report)
        return;
    if (fraction < 0.0)
        fraction = 0.0;
    if (fraction > 1.0)
        fraction = 1.0;
    pthread_mutex_lock(&report_lock);
    p->report(p->ud, fraction, label ? label : "");
    pthread_mutex_unlock(&report_lock);
}

int ope_progress_cancelled(const struct ope_progress *p)
{
    return p ? atomic_load(&((struct ope_progress *)p)->cancel) : 0;
}

static int bar_shown;
static double bar_last_time;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void ope_progress_stderr(void *ud, double fraction, const char *label)
{
    (void)ud;
    if (!isatty(STDERR_FILENO))
        return;
    double t = now_seconds();
    if (bar_shown && fraction < 1.0 && t - bar_last_time < 0.1)
        return;    /* at most ten redraws a second */
    bar_last_time = t;
    char bar[41];
    int filled = (int)(fraction * 40.0 + 0.5);
    for (int i = 0; i < 40; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[40] = '\0';
    fprintf(stderr, "\r%-24.24s [%s] %3d%%", label, bar, (int)(fraction * 100.0 + 0.5));
    fflush(stderr);
    bar_shown = 1;
}

void ope_progress_stderr_done(void)
{
    if (bar_shown && isatty(STDERR_FILENO)) {
        fprintf(stderr, "\r%*s\r", 78, "");
        fflush(stderr);
    }
    bar_shown = 0;
}

static struct ope_progress cli_progress;

static void on_sigint(int sig)
{
    (void)sig;
    if (atomic_load(&cli_progress.cancel)) {
        ope_outfile_remove_all();   /* ... leaving no partial output behind */
        signal(SIGINT, SIG_DFL);    /* a second Ctrl-C ends the process at once */
        raise(SIGINT);
    }
    atomic_store(&cli_progress.cancel, 1);
}

struct ope_progress *ope_progress_cli(void)
{
    static int ready;
    if (!ready) {
        ope_progress_init(&cli_progress, ope_progress_stderr, NULL);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_sigint;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        ready = 1;
    }
    return &cli_progress;
}
