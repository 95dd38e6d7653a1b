/* bench/bench_explore.c: time StepMix (Bernstein bonus, c = 0.1, alpha 0.1, baseline
 * mix:0.8) on RiverSwim with H = 20: the target point (6 states, 20,000 episodes, one
 * seed, must take under 10 s) and the scaling in S (12, 24 states) and K (40,000). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "datasets/env.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "ope/learn/explore/run.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One StepMix run; returns the seconds, or -1 on error. */
static double one(int n, long K, double *regret)
{
    struct ope_error err = {0};
    char kv[32];
    snprintf(kv, sizeof kv, "n=%d", n);
    const char *kvs[] = {kv};
    struct mdp *m = env_build_named("riverswim", kvs, 1, 20, 1.0, &err);
    struct policy *pb = m ? policy_from_spec(m, "mix:0.8", NULL, &err) : NULL;
    double *work = malloc(2 * (size_t)n * sizeof *work);
    struct xpl_record *rec = malloc((size_t)K * sizeof *rec);
    double t = -1.0;
    if (pb && work && rec) {
        struct xpl_config c = {m, K, 0.1, 0.05,
                               {XPL_BERNSTEIN, 0.1, xpl_log_term(n, 2, 20, K, 0.05),
                                xpl_return_bound("riverswim", kvs, 1, 20)},
                               pb->p, xpl_eval_true(m, 20, 0.0, NULL, pb->p, work),
                               mdp_optimal_finite(m, NULL, NULL, &err), 1e-4};
        double t0 = now();
        if (xpl_run(&c, &xpl_stepmix, 1, rec, NULL, &err) == 0) {
            t = now() - t0;
            *regret = rec[K - 1].regret;
        }
    }
    if (t < 0)
        fprintf(stderr, "bench_explore: %s\n", err.msg);
    free(rec);
    free(work);
    policy_free(pb);
    mdp_free(m);
    return t;
}

int main(void)
{
    static const struct { int n; long K; } pts[] = {
        {6, 20000}, {12, 20000}, {24, 20000}, {6, 40000}
    };
    double base = 0.0;
    for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
        double reg = 0.0, t = one(pts[i].n, pts[i].K, &reg);
        if (t < 0)
            return 1;
        if (i == 0)
            base = t;
        printf("stepmix riverswim S=%-3d H=20 K=%-6ld %.3f s (%.2f us/episode, regret %.1f)\n",
               pts[i].n, pts[i].K, t, 1e6 * t / (double)pts[i].K, reg);
    }
    printf("target: S=6, K=20000 in %.3f s (limit 10 s): %s\n", base, base < 10 ? "ok" : "TOO SLOW");
    return base < 10.0 ? 0 : 1;
}
