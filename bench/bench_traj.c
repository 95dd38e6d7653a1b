/* bench/bench_traj.c: the speed figures of issue 4. (1) 100,000 RiverSwim trajectories
 * of horizon 20 (2,000,000 rows) with 10 graded candidate policies, sampled in memory:
 * the four IS-family estimators (tis, pdis, wtis, wpdis) for all 10 policies with
 * 1,000-resample bootstrap intervals, with the default threads and with one thread
 * (the intervals must be bit-identical). (2) Tabular FQE (dm) on a 100-state,
 * 4-action random Dirichlet MDP, as many episodes. Prints the time of each stage and
 * the peak memory; exits 1 if the intervals depend on the thread count.
 * Usage: bench_traj [EPISODES] (default 100000); BENCH_TRAJ_KERNEL=generic|avx2|avx512
 * forces a bootstrap kernel (trajboot.h) to time it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "datasets/candidates.h"
#include "datasets/env.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "datasets/sampler.h"
#include "datasets/tlog.h"
#include "estimators/ci.h"
#include "estimators/evaluate_traj.h"
#include "estimators/trajboot.h"
#include "estimators/vmodel.h"
#include "ope/base/threads.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU seconds used by this process so far (all threads): with other work on the
 * machine the wall-clock figures vary, the one-thread CPU time much less. */
static double cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static void die(const char *what, const struct ope_error *err)
{
    fprintf(stderr, "bench_traj: %s: %s\n", what, err->msg);
    exit(1);
}

/* A log of n episodes from env (params kv) under eps:0.3 with M graded candidates. */
static struct tlog *make_log(const char *env, const char *const *kv, size_t nkv, int H,
                             size_t n, size_t M, struct ope_error *err)
{
    struct mdp *m = env_build_named(env, kv, nkv, H, 1.0, err);
    if (!m)
        die("env", err);
    size_t SA = (size_t)m->n_states * (size_t)m->n_actions;
    double *Q = malloc(SA * sizeof *Q);
    struct policy *b = NULL, *cand[16] = { 0 };
    char names[16][CAND_NAME_MAX];
    if (!Q || mdp_qstar(m, Q, err) < 0 || !(b = policy_from_spec(m, "eps:0.3", Q, err)) ||
        cand_make_graded(m, Q, M, cand, names, err) < 0)
        die("policies", err);
    struct sampler *smp = sampler_new(m, b, err);
    const char *nm[16];
    for (size_t k = 0; k < M; k++)
        nm[k] = names[k];
    struct tlog *t = smp ? sampler_run(smp, n, 7, (const struct policy *const *)cand, nm, M, 0,
                                       NULL, err) : NULL;
    if (!t)
        die("sample", err);
    sampler_free(smp);
    for (size_t k = 0; k < M; k++)
        policy_free(cand[k]);
    policy_free(b);
    free(Q);
    mdp_free(m);
    return t;
}

static struct res_eval *run(const struct tlog *t, const char *estimators, int ci, int threads,
                            double *secs, double *cpus, struct ope_error *err)
{
    struct est_spec *spec = NULL;
    size_t n_spec = 0;
    if (est_spec_list(estimators, EST_TRAJ, &spec, &n_spec, err) != 0)
        die("estimators", err);
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = spec;
    o.n_spec = n_spec;
    o.ci = ci;
    o.threads = threads;
    double t0 = now(), c0 = cpu();
    struct res_eval *r = eval_traj(t, &o, err);
    *secs = now() - t0;
    if (cpus)
        *cpus = cpu() - c0;
    free(spec);
    if (!r)
        die("eval", err);
    return r;
}

/* Every value and interval bound of a and b equal bit for bit. */
static int same(const struct res_eval *a, const struct res_eval *b)
{
    for (size_t p = 0; p < a->n_policies; p++)
        for (size_t e = 0; e < a->pol[p].n_estimates; e++) {
            const struct res_estimate *x = &a->pol[p].est[e], *y = &b->pol[p].est[e];
            if (memcmp(&x->value, &y->value, sizeof x->value) ||
                memcmp(&x->lower, &y->lower, sizeof x->lower) ||
                memcmp(&x->upper, &y->upper, sizeof x->upper))
                return 0;
        }
    return 1;
}

int main(int argc, char **argv)
{
    struct ope_error err = { 0 };
    size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 100000;
    const char *kern = getenv("BENCH_TRAJ_KERNEL");
    if (kern && *kern && trajboot_force(kern) != 0) {
        fprintf(stderr, "bench_traj: this CPU cannot run the %s kernel\n", kern);
        return 1;
    }
    double t0 = now();
    struct tlog *t = make_log("riverswim", NULL, 0, 20, n, 10, &err);
    double t1 = now();
    printf("RiverSwim, %zu episodes x horizon 20 = %zu rows, 10 candidate policies "
           "(sampled in %.2f s)\n", t->n_episodes, t->n_steps, t1 - t0);
    double s_pt, s_boot, s_boot1, c_pt, c_boot, c_boot1;
    struct res_eval *r0 = run(t, "tis,pdis,wtis,wpdis", CI_NONE, 0, &s_pt, &c_pt, &err);
    struct res_eval *r = run(t, "tis,pdis,wtis,wpdis", CI_BOOTSTRAP, 0, &s_boot, &c_boot, &err);
    struct res_eval *r1 = run(t, "tis,pdis,wtis,wpdis", CI_BOOTSTRAP, 1, &s_boot1, &c_boot1,
                              &err);
    printf("  (wall-clock seconds; CPU seconds of all threads in brackets)\n");
    printf("  tis,pdis,wtis,wpdis x 10 policies, point estimates  %7.3f s [%7.3f]\n", s_pt,
           c_pt);
    printf("  ... with B = 1000 bootstrap intervals, %2d threads   %7.3f s [%7.3f]\n",
           ope_default_threads(), s_boot, c_boot);
    printf("  ... with B = 1000 bootstrap intervals,  1 thread     %7.3f s [%7.3f]\n",
           s_boot1, c_boot1);
    printf("  bootstrap kernel: %s\n", trajboot_impl());
    printf("  intervals identical with %d threads and 1 thread: %s\n", ope_default_threads(),
           same(r, r1) ? "yes" : "NO");
    printf("  e.g. %s: wpdis %.6f [%.6f, %.6f]\n", r->pol[9].name, r->pol[9].est[3].value,
           r->pol[9].est[3].lower, r->pol[9].est[3].upper);
    int bad = !same(r, r1);
    res_eval_free(r0), res_eval_free(r), res_eval_free(r1);
    tlog_free(t);

    /* FQE on a 100-state, 4-action random MDP (dense Dirichlet(1) transitions). */
    const char *kv[] = { "states=100", "actions=4" };
    t = make_log("dirichlet", kv, 2, 20, n, 1, &err);
    double s_fqe, s_fqe_fit;
    double *qa = malloc(t->n_steps * sizeof *qa), *v = malloc(t->n_steps * sizeof *v);
    struct vm_opts vo;
    vm_opts_init(&vo);
    double f0 = now();
    if (!qa || !v || vm_fit(t, 0, 1.0, &vo, qa, v, &err) != 0)
        die("fqe", &err);
    s_fqe_fit = now() - f0;
    r = run(t, "dm", CI_NONE, 0, &s_fqe, NULL, &err);
    double s_fqe_boot;
    struct res_eval *rb = run(t, "dm,dr,wdr", CI_BOOTSTRAP, 0, &s_fqe_boot, NULL, &err);
    printf("Dirichlet MDP S = 100, A = 4 (dense transitions), %zu episodes x horizon 20 = "
           "%zu rows\n", t->n_episodes, t->n_steps);
    printf("  tabular FQE fit (vm_fit)                            %7.3f s\n", s_fqe_fit);
    printf("  dm (FQE) evaluation, no intervals                   %7.3f s\n", s_fqe);
    printf("  dm,dr,wdr with B = 1000 bootstrap intervals         %7.3f s\n", s_fqe_boot);
    res_eval_free(r), res_eval_free(rb);
    free(qa), free(v);
    tlog_free(t);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("  peak resident memory                                %7.0f MB\n",
           (double)ru.ru_maxrss / 1024.0);
    return bad;
}
