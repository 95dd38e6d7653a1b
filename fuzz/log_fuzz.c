/* fuzz/log_fuzz.c: libFuzzer harness for the log loaders as `ope eval` reaches them:
 * the bytes become a file (so the input layer sniffs gzip/zstd as it does for a real
 * log), the header is sniffed (log_csv_is_trajectory) and the trajectory loader
 * (tlog_load_csv) or the bandit loader (blog_load_csv) reads it. The first byte picks
 * the separator, whether policy columns are required and the parsing threads. A
 * loaded log must be consistent (episode bounds, probabilities in range). Built into
 * `make check` with fuzz/replay.c (t/0151); `make fuzz` / `make fuzz-smoke` run it
 * under libFuzzer. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "datasets/blog.h"
#include "datasets/csv.h"
#include "datasets/loadopts.h"
#include "datasets/tlog.h"
#include "fuzz/fuzz_tmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the estimators rely on after a successful load. */
static void check_tlog(const struct tlog *t)
{
    if (t->ep_start[0] != 0 || t->ep_start[t->n_episodes] != t->n_steps)
        abort();
    for (size_t e = 0; e < t->n_episodes; e++) {
        size_t len = t->ep_start[e + 1] - t->ep_start[e];
        if (len == 0 || len > (size_t)t->horizon)
            abort();
    }
    for (size_t i = 0; i < t->n_steps; i++) {
        if (t->action[i] < 0 || t->action[i] >= t->n_actions)
            abort();
        if (t->state && (t->state[i] < 0 || t->state[i] >= t->n_states))
            abort();
        if (!(t->pscore[i] > 0 && t->pscore[i] <= 1) || !isfinite(t->reward[i]))
            abort();
    }
    (void)tlog_mean_return(t, 0.9);
}

static void check_blog(const struct blog *b)
{
    for (size_t i = 0; i < b->n; i++) {
        if (b->action[i] < 0 || b->action[i] >= b->n_actions)
            abort();
        if (b->position && (b->position[i] < 0 || b->position[i] >= b->n_positions))
            abort();
        if (!(b->pscore[i] > 0 && b->pscore[i] <= 1) || !isfinite(b->reward[i]))
            abort();
    }
    (void)blog_mean_reward(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    struct load_opts o;
    load_opts_init(&o);
    o.sep = (char)(data[0] % 3 == 0 ? ',' : data[0] % 3 == 1 ? ';' : '\t');
    o.want_policies = (data[0] >> 2) & 1;
    o.threads = (data[0] >> 3) & 1 ? 2 : 1;
    const char *path = fuzz_tmp_write(data + 1, size - 1, "log.csv");
    struct ope_error err = { 0 };
    struct csv_reader *csv = csv_open(path, o.sep, &err);
    if (!csv)
        return 0;
    int traj = log_csv_is_trajectory(csv, &o, &err);
    if (traj == 1) {
        struct tlog *t = tlog_load_csv(csv, &o, &err);
        if (t)
            check_tlog(t);
        tlog_free(t);
    } else if (traj == 0) {
        struct blog *b = blog_load_csv(csv, &o, &err);
        if (b)
            check_blog(b);
        blog_free(b);
    }
    csv_close(csv);
    return 0;
}
