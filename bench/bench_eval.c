/* bench/bench_eval.c: the end-to-end figure of issue 3: a generated log of 1,000,000
 * rows x 10 actions (`ope gen bandit --rows 1000000 --actions 10 --policies
 * softmax:2`), loaded from CSV, all eight estimators for one policy with
 * 1,000-resample bootstrap intervals. Prints the wall and CPU time of each stage
 * and the peak resident memory. The CSV is generated once into $TMPDIR (kept for
 * reruns); $OPE_BENCH_CSV names another log, $OPE_THREADS sets the threads. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "datasets/blog.h"
#include "datasets/gen_bandit.h"
#include "estimators/bootk.h"
#include "estimators/ci.h"
#include "estimators/evaluate.h"
#include "ope/base/threads.h"

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
    fprintf(stderr, "bench_eval: %s\n", err->msg);
    return 1;
}

int main(void)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char path[512];
    if (getenv("OPE_BENCH_CSV"))
        snprintf(path, sizeof path, "%s", getenv("OPE_BENCH_CSV"));
    else
        snprintf(path, sizeof path, "%s/ope-bench-1m.csv", dir);
    struct ope_error err = { 0 };
    struct stat st;
    if (stat(path, &st) != 0) {
        struct gen_bandit_opts g;
        gen_bandit_opts_init(&g);
        g.rows = 1000000;
        g.actions = 10;
        g.policies = "softmax:2";
        struct clock2 t0 = now();
        struct blog *b = gen_bandit(&g, &err);
        if (!b || blog_write_csv(b, path, 1, 0, NULL, &err) != 0)
            return fail(&err);
        blog_free(b);
        printf("generated %s in %.2f s\n", path, now().wall - t0.wall);
    }
    stat(path, &st);
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
    const char *one[1] = { log->policy[0].name };
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = spec;
    o.n_spec = n_spec;
    o.policies = one;
    o.n_policies = 1;
    /* The whole evaluation as `ope eval` runs it: model, estimates, bootstrap. */
    struct res_eval *r = eval_bandit(log, &o, &err);
    if (!r)
        return fail(&err);
    struct clock2 t2 = now();
    /* The stages apart: the model alone, then estimates with the fitted model
     * given as qhat columns, without and with the bootstrap. */
    struct res_model rep;
    double **q = rm_crossfit(log, &o.model, &rep, &err);
    if (!q)
        return fail(&err);
    struct clock2 t3 = now();
    struct blog with_q = *log;
    with_q.qhat = q;
    o.ci = CI_NONE;
    struct res_eval *r0 = eval_bandit(&with_q, &o, &err);
    struct clock2 t4 = now();
    o.ci = CI_BOOTSTRAP;
    struct res_eval *r1 = eval_bandit(&with_q, &o, &err);
    struct clock2 t5 = now();
    if (!r0 || !r1)
        return fail(&err);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%zu rows x %d actions, %zu estimators, policy %s, B = %d, %d threads, "
           "bootstrap kernel %s\n", log->n, log->n_actions, n_spec, one[0], o.n_boot,
           o.threads > 0 ? o.threads : ope_default_threads(), bootk_impl());
    char what[64];
    snprintf(what, sizeof what, "load CSV (%.0f MB)", (double)st.st_size / 1e6);
    row(what, t0, t1);
    row("reward model (3-fold logistic)", t2, t3);
    row("point estimates (qhat given)", t3, t4);
    struct clock2 z = { 0, 0 }, boot = { (t5.wall - t4.wall) - (t4.wall - t3.wall),
                                         (t5.cpu - t4.cpu) - (t4.cpu - t3.cpu) };
    row("bootstrap B = 1000 (difference)", z, boot);
    row("evaluation (model+estimates+boot)", t1, t2);
    row("end to end (load + evaluation)", t0, t2);
    printf("  peak resident memory             %6.0f MB\n", (double)ru.ru_maxrss / 1024.0);
    res_eval_free(r);
    res_eval_free(r0);
    res_eval_free(r1);
    blog_matrix_free(q, log->n_actions);
    free(spec);
    blog_free(log);
    return 0;
}
