/* fuzz/log_fuzz.c: libFuzzer harness for the log loaders as `ope eval` reaches them:
 * the bytes become a file (so the input layer sniffs gzip/zstd as it does for a real
 * log), the header is sniffed (log_csv_is_trajectory) and the trajectory loader
 * (tlog_load_csv) or the bandit loader (blog_load_csv) reads it. The first byte picks
 * the separator, whether policy columns are required and the parsing threads. A
 * loaded log must be consistent (episode bounds, probabilities in range). A
 * trajectory log is also read in windows of 1 to 4 episodes (datasets/tlog_stream.h,
 * ope eval --stream), a differential oracle: when the whole log loads (state ids below
 * the stream's cap), the windows hold exactly its rows; when it is refused, so is the
 * stream. Built into
 * `make check` with fuzz/replay.c (t/0151); `make fuzz` / `make fuzz-smoke` run it
 * under libFuzzer. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

#include "datasets/blog.h"
#include "datasets/csv.h"
#include "datasets/loadopts.h"
#include "datasets/tlog.h"
#include "datasets/tlog_stream.h"
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

/* A failed oracle says which, then aborts (the finding). */
static void finding(const char *what)
{
    fprintf(stderr, "log_fuzz: tlog_stream: %s\n", what);
    abort();
}

/* The windows of the log at path, against t (the whole log loaded, or NULL: refused). */
static void check_stream(const char *path, const struct load_opts *o, const struct tlog *t,
                         size_t window)
{
    struct ope_error err = { 0 };
    struct csv_reader *csv = csv_open(path, o->sep, &err);
    if (!csv)
        abort();                /* the same file opened a moment ago: not a finding */
    struct tlog_stream *ts = tlog_stream_open(csv, o, window, &err);
    size_t steps = 0, episodes = 0;
    int rc = ts ? 1 : -1;
    while (rc == 1) {
        const struct tlog *w;
        size_t first;
        if ((rc = tlog_stream_next(ts, &w, &first, &err)) != 1)
            break;
        if (first != episodes || w->n_episodes == 0 || w->n_episodes > window)
            finding("windows out of order, empty or too long");
        if (!t)
            continue;
        if (episodes + w->n_episodes > t->n_episodes || w->n_actions > t->n_actions ||
            w->n_policies != t->n_policies)
            finding("a window of another shape than the log");
        for (size_t e = 0; e < w->n_episodes; e++)
            if (w->ep_start[e + 1] - w->ep_start[e] !=
                t->ep_start[episodes + e + 1] - t->ep_start[episodes + e])
                finding("an episode of another length");
        for (size_t i = 0; i < w->n_steps; i++) {
            size_t j = steps + i;
            if (w->action[i] != t->action[j] || w->reward[i] != t->reward[j] ||
                w->pscore[i] != t->pscore[j] || w->line[i] != t->line[j] ||
                (t->state && w->state[i] != t->state[j]))
                finding("a row with other values");
            for (size_t p = 0; p < t->n_policies; p++)
                for (int a = 0; a < w->n_actions; a++)
                    if (w->policy[p].prob[a][i] != t->policy[p].prob[a][j])
                        finding("a policy's probability differs");
        }
        steps += w->n_steps;
        episodes += w->n_episodes;
    }
    int capped = t && t->n_states > (1 << 20);
    if (t && !capped && (rc != 0 || episodes != t->n_episodes || steps != t->n_steps)) {
        fprintf(stderr, "log_fuzz: %s\n", err.msg);
        finding("a log read whole is not read in windows");
    }
    if (!t && rc == 0)
        finding("a log refused whole is read in windows");
    tlog_stream_close(ts);
    csv_close(csv);
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
        check_stream(path, &o, t, 1 + ((size_t)data[0] >> 4) % 4);
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
