/* bench/bench_levels.c: the high-cardinality figure of issue 16, item 7: a bandit log
 * of 100,000 rows x 3 actions whose categorical context x1 has 10,000 levels, loaded
 * from CSV and evaluated as `ope eval` does (reward model, estimates, B = 1,000
 * bootstrap), then the reward model alone, logistic and ridge. Prints wall and CPU
 * time per stage and the peak resident memory. The CSV is written once into $TMPDIR
 * (kept for reruns); $OPE_BENCH_LEVELS sets the levels, $OPE_THREADS the threads. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "datasets/blog.h"
#include "estimators/evaluate.h"
#include "estimators/rmodel.h"
#include "ope/base/threads.h"

enum { ROWS = 100000 };

struct clock2 {
    double wall, cpu;
};

static struct clock2 now(void)
{
    struct timespec w, c;
    clock_gettime(CLOCK_MONOTONIC, &w);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
    struct clock2 t = { (double)w.tv_sec + 1e-9 * (double)w.tv_nsec,
                        (double)c.tv_sec + 1e-9 * (double)c.tv_nsec };
    return t;
}

static void row(const char *what, struct clock2 a, struct clock2 b)
{
    printf("  %-34s %6.2f s wall %6.2f s cpu\n", what, b.wall - a.wall, b.cpu - a.cpu);
}

static int fail(const struct ope_error *err)
{
    fprintf(stderr, "bench_levels: %s\n", err->msg);
    return 1;
}

/* Row i: level (7919 i + i/3) mod L (about ROWS / L rows per level), action
 * (5 i + i/7) mod 3 logged uniformly, x0 on a grid in [-1, 1], and a 0/1 reward
 * that depends on the level and the action; policies uniform and "always 0". */
static int write_log(const char *path, long levels)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "action,reward,pscore,x0,x1,pi.uni.0,pi.uni.1,pi.uni.2,"
               "pi.first.0,pi.first.1,pi.first.2\n");
    for (long i = 0; i < ROWS; i++) {
        long lv = (i * 7919 + i / 3) % levels, a = (i * 5 + i / 7) % 3;
        long s = (lv * 13 + a * 5 + i % 11) % 17;
        fprintf(f, "%ld,%d,%.17g,%.4f,c%ld,0.25,0.25,0.5,1,0,0\n", a, s < 6, 1.0 / 3.0,
                (double)((i * 37) % 101) / 50.0 - 1.0, lv);
    }
    return fclose(f) == 0 ? 0 : -1;
}

int main(void)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    long levels = getenv("OPE_BENCH_LEVELS") ? atol(getenv("OPE_BENCH_LEVELS")) : 10000;
    if (levels < 1)
        levels = 10000;
    char path[512];
    snprintf(path, sizeof path, "%s/ope-bench-levels-%ld.csv", dir, levels);
    struct stat st;
    if (stat(path, &st) != 0 && write_log(path, levels) != 0) {
        fprintf(stderr, "bench_levels: cannot write %s\n", path);
        return 1;
    }
    stat(path, &st);
    struct ope_error err = { 0 };
    struct clock2 t0 = now();
    struct load_opts lo;
    load_opts_init(&lo);
    lo.want_policies = 1;
    struct blog *log = blog_load(path, &lo, &err);
    if (!log)
        return fail(&err);
    struct clock2 t1 = now();
    struct est_spec *spec = NULL;
    size_t n_spec = 0;
    if (est_spec_list(NULL, EST_BANDIT, &spec, &n_spec, &err) != 0)
        return fail(&err);
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = spec;
    o.n_spec = n_spec;
    struct res_eval *r = eval_bandit(log, &o, &err);
    if (!r)
        return fail(&err);
    struct clock2 t2 = now();
    struct res_model lg, rg;
    double **ql = rm_crossfit(log, &o.model, &lg, &err);
    if (!ql)
        return fail(&err);
    struct clock2 t3 = now();
    o.model.kind = RM_RIDGE;
    double **qr = rm_crossfit(log, &o.model, &rg, &err);
    if (!qr)
        return fail(&err);
    struct clock2 t4 = now();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%zu rows x %d actions, categorical context of %zu levels, %zu estimators, "
           "%zu policies, B = %d, %d threads\n", log->n, log->n_actions,
           log->n_cat_ctx ? log->cat_ctx[0].n_levels : (size_t)0, n_spec, log->n_policies,
           o.n_boot, o.threads > 0 ? o.threads : ope_default_threads());
    char what[64];
    snprintf(what, sizeof what, "load CSV (%.0f MB)", (double)st.st_size / 1e6);
    row(what, t0, t1);
    row("evaluation (model+estimates+boot)", t1, t2);
    row("end to end (load + evaluation)", t0, t2);
    snprintf(what, sizeof what, "reward model, logistic (%.4f)", lg.heldout_error);
    row(what, t2, t3);
    snprintf(what, sizeof what, "reward model, ridge (mse %.4f)", rg.heldout_error);
    row(what, t3, t4);
    printf("  peak resident memory             %6.0f MB\n", (double)ru.ru_maxrss / 1024.0);
    res_eval_free(r);
    blog_matrix_free(ql, log->n_actions);
    blog_matrix_free(qr, log->n_actions);
    free(spec);
    blog_free(log);
    return 0;
}
