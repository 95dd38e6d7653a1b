/* bench/bench_eval.c: the end-to-end figure of issue 3: a generated log of 1,000,000
 * rows x 10 actions, loaded from CSV, all eight estimators for one policy with
 * 1,000-resample bootstrap intervals. Prints the time of each stage and the peak
 * resident memory. The CSV is generated once into $TMPDIR (kept for reruns). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "datasets/blog.h"
#include "datasets/gen_bandit.h"
#include "estimators/evaluate.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char path[512];
    snprintf(path, sizeof path, "%s/ope-bench-1m.csv", dir);
    struct ope_error err = { 0 };
    struct stat st;
    if (stat(path, &st) != 0) {
        struct gen_bandit_opts g;
        gen_bandit_opts_init(&g);
        g.rows = 1000000;
        g.actions = 10;
        g.policies = "softmax:2";
        double t0 = now();
        struct blog *b = gen_bandit(&g, &err);
        if (!b || blog_write_csv(b, path, 1, &err) != 0) {
            fprintf(stderr, "bench_eval: %s\n", err.msg);
            return 1;
        }
        blog_free(b);
        printf("generated %s in %.2f s\n", path, now() - t0);
    }
    stat(path, &st);
    double t0 = now();
    struct load_opts lo;
    load_opts_init(&lo);
    lo.want_policies = 1;
    struct blog *log = blog_load(path, &lo, &err);
    if (!log) {
        fprintf(stderr, "bench_eval: %s\n", err.msg);
        return 1;
    }
    double t1 = now();
    struct est_spec *spec = NULL;
    size_t n_spec = 0;
    est_spec_list(NULL, EST_BANDIT, &spec, &n_spec, &err);
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = spec;
    o.n_spec = n_spec;
    o.ci = 0;   /* CI_NONE: point estimates and the reward model only */
    struct res_eval *r0 = eval_bandit(log, &o, &err);
    double t2 = now();
    o.ci = 1;   /* CI_BOOTSTRAP, B = 1000 */
    struct res_eval *r = eval_bandit(log, &o, &err);
    double t3 = now();
    if (!r0 || !r) {
        fprintf(stderr, "bench_eval: %s\n", err.msg);
        return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("1,000,000 rows x 10 actions, 8 estimators, 1 policy, B = 1000, %d threads\n",
           o.threads);
    printf("  load CSV (%.0f MB)            %6.2f s\n", (double)st.st_size / 1e6, t1 - t0);
    printf("  model + point estimates       %6.2f s\n", t2 - t1);
    printf("  model + estimates + bootstrap %6.2f s\n", t3 - t2);
    printf("  end to end (load + bootstrap) %6.2f s\n", (t1 - t0) + (t3 - t2));
    printf("  peak resident memory          %6.0f MB\n", (double)ru.ru_maxrss / 1024.0);
    res_eval_free(r0);
    res_eval_free(r);
    free(spec);
    blog_free(log);
    return 0;
}
