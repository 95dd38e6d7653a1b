/* ope/base/threads.h: a data-parallel loop over a fixed list of tasks. The caller splits
 * work into tasks whose results land in per-task slots and combines the slots in
 * task order afterwards, so the result never depends on the number of threads.
 * Failures too: a task records its status in its own slot (or in an atomic), never in
 * a plain flag shared with other tasks, which would be a data race. */
#ifndef OPE_THREADS_H
#define OPE_THREADS_H

#include <stddef.h>
#include "ope/base/progress.h"

/* Run fn(ctx, t) for every t in 0..n_tasks-1 on up to n_threads threads (<= 0: the
 * number of online CPUs). Returns 0, or -1 if cancelled through progress (tasks
 * not yet started are skipped). Progress is reported as tasks complete, labelled. */
int ope_parallel_for(size_t n_tasks, int n_threads, void (*fn)(void *ctx, size_t task),
                     void *ctx, struct ope_progress *progress, const char *label);

/* The default number of threads: $OPE_THREADS, or the number of online CPUs. */
int ope_default_threads(void);

#endif
