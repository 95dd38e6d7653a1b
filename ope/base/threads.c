/* ope/base/threads.c: ope_parallel_for with POSIX threads and an atomic task counter. */
#include "config.h"
#include "ope/base/threads.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

struct pf_state {
    size_t n_tasks;
    void (*fn)(void *, size_t);
    void *ctx;
    atomic_size_t next;
    atomic_size_t done;
    struct ope_progress *progress;
    const char *label;
};

static void *pf_worker(void *arg)
{
    struct pf_state *st = arg;
    for (;;) {
        if (ope_progress_cancelled(st->progress))
            break;
        size_t t = atomic_fetch_add(&st->next, 1);
        if (t >= st->n_tasks)
            break;
        st->fn(st->ctx, t);
        size_t d = atomic_fetch_add(&st->done, 1) + 1;
        if (st->progress && st->label)
            ope_progress_report(st->progress, (double)d / (double)st->n_tasks, st->label);
    }
    return NULL;
}

int ope_default_threads(void)
{
    const char *e = getenv("OPE_THREADS");
    if (e && *e) {
        int n = atoi(e);
        if (n > 0)
            return n > 256 ? 256 : n;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)(n > 256 ? 256 : n) : 1;
}

int ope_parallel_for(size_t n_tasks, int n_threads, void (*fn)(void *ctx, size_t task),
                     void *ctx, struct ope_progress *progress, const char *label)
{
    struct pf_state st = { n_tasks, fn, ctx, 0, 0, progress, label };
    if (n_threads <= 0)
        n_threads = ope_default_threads();
    if ((size_t)n_threads > n_tasks)
        n_threads = (int)(n_tasks ? n_tasks : 1);
    pthread_t tid[256];
    int started = 0;
    for (int i = 1; i < n_threads && i < 256; i++) {
        if (pthread_create(&tid[started], NULL, pf_worker, &st) != 0)
            break;    /* fewer threads is still correct */
        started++;
    }
    pf_worker(&st);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    return atomic_load(&st.done) == n_tasks ? 0 : -1;
}
