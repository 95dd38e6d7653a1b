/* t/0980-trajboot.c: the trajectory bootstrap kernel and the engine built on it.
 *   - replicate sums equal a direct transcription, sum_i eval_traj_count(seed, i, b)
 *     S[i][w] (compensated), for sizes that exercise every remainder path;
 *   - bit-identical for 1 and 3 threads, and for the plain (fma()), AVX2 and AVX-512
 *     kernels (each one the CPU has);
 *   - an infinite term only reaches the replicates that draw its episode;
 *   - eval_traj's bootstrap intervals equal the percentile intervals of the
 *     replicate values computed the slow way (traj_value with the counts of every
 *     trajectory), for every IS-family estimator and dr on two policies. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "datasets/sampler.h"
#include "datasets/tlog.h"
#include "estimators/ci.h"
#include "estimators/evaluate_traj.h"
#include "estimators/traj.h"
#include "estimators/trajboot.h"
#include "estimators/vmodel.h"
#include "ope/base/rng.h"
#include "ope/base/sum.h"
#include "t/tap.h"

/* n episodes not a multiple of the chunk, B not a multiple of the replicate block
 * nor of 4, W two bands. */
enum { N = 1000, W = 64, B = 37 };

static void test_kernel(void)
{
    struct ope_error err = { 0 };
    struct ope_rng r;
    ope_rng_init(&r, 3, OPE_RNG_TEST, 0);
    double *S = malloc(N * W * sizeof *S);
    for (size_t i = 0; i < N; i++)
        for (size_t w = 0; w < W; w++)
            S[trajboot_at(N, i, w)] = w % 7 == 6 ? 0.0 : 10 * ope_rng_normal(&r);
    double *s1 = malloc(B * W * sizeof *s1), *s3 = malloc(B * W * sizeof *s3);
    double *sg = malloc(B * W * sizeof *sg), m1[B], m3[B], mg[B];
    diag("bootstrap kernel: %s", trajboot_impl());
    ok(trajboot_sums(S, N, W, 99, B, 1, NULL, s1, m1, &err) == 0, "sums on 1 thread");
    ok(trajboot_sums(S, N, W, 99, B, 3, NULL, s3, m3, &err) == 0, "sums on 3 threads");
    ok(memcmp(s1, s3, B * W * sizeof *s1) == 0 && memcmp(m1, m3, sizeof m1) == 0,
       "1 and 3 threads: bit-identical");
    /* Every kernel this CPU can run gives the same bits as the default one. */
    const char *impls[] = { "generic", "avx2", "avx512" };
    for (int k = 0; k < 3; k++) {
        if (trajboot_force(impls[k]) != 0) {
            char why[64];
            snprintf(why, sizeof why, "this CPU cannot run the %s kernel", impls[k]);
            skip(1, why);
            continue;
        }
        int rc = trajboot_sums(S, N, W, 99, B, 2, NULL, sg, mg, &err);
        ok(rc == 0 && memcmp(s1, sg, B * W * sizeof *s1) == 0 &&
           memcmp(m1, mg, sizeof m1) == 0, "%s kernel: bit-identical sums", impls[k]);
    }
    trajboot_force(NULL);
    /* Direct transcription with the engine's count function. */
    double worst = 0;
    int counts_ok = 1;
    for (size_t b = 0; b < B; b++) {
        double ms = 0;
        for (size_t i = 0; i < N; i++)
            ms += eval_traj_count(99, i, b);
        counts_ok &= ms == m1[b];
        for (size_t w = 0; w < W; w++) {
            struct ope_sum a;
            double scale = 0;
            ope_sum_init(&a);
            for (size_t i = 0; i < N; i++) {
                double x = eval_traj_count(99, i, b) * S[trajboot_at(N, i, w)];
                ope_sum_add(&a, x);
                scale += fabs(x);
            }
            if (scale > 0)
                worst = fmax(worst, fabs(s1[b * W + w] - ope_sum_value(&a)) / scale);
        }
    }
    ok(counts_ok, "count sums = sum_i eval_traj_count(seed, i, b)");
    ok(worst < 1e-14, "sums = direct transcription (max error %.2g of sum |terms|)", worst);

    /* An infinite term in episode 5, column 3: only replicates that draw episode 5
     * see it (as inf or, through the compensated sum, NaN); the others stay finite
     * (no inf * 0 = NaN). */
    S[trajboot_at(N, 5, 3)] = INFINITY;
    ok(trajboot_sums(S, N, W, 99, B, 2, NULL, s1, m1, &err) == 0, "sums with an infinite term");
    int right = 1, some0 = 0, some1 = 0;
    for (size_t b = 0; b < B; b++) {
        int drawn = eval_traj_count(99, 5, b) > 0;
        some0 |= !drawn, some1 |= drawn;
        right &= drawn ? !isfinite(s1[b * W + 3]) : isfinite(s1[b * W + 3]);
        right &= isfinite(s1[b * W + 4]);
    }
    ok(right && some0 && some1, "a non-finite sum only in the replicates that draw its "
       "episode");
    ok(trajboot_sums(S, N, 40, 99, B, 1, NULL, s1, m1, &err) != 0 &&
       err.status == OPE_ESOFTWARE, "a width that is not a multiple of the band is refused");
    free(S), free(s1), free(s3), free(sg);
}

/* The engine against the slow path on a sampled log: 2 policies, 5 estimators. */
static void test_engine(void)
{
    struct ope_error err = { 0 };
    struct mdp *m = mdp_new(3, 2, &err);
    struct ope_rng r;
    ope_rng_init(&r, 5, OPE_RNG_TEST, 0);
    for (int k = 0; k < 6; k++) {
        double z = 0;
        for (int s = 0; s < 3; s++)
            z += m->P[k * 3 + s] = 0.1 + ope_rng_uniform(&r);
        for (int s = 0; s < 3; s++)
            m->P[k * 3 + s] /= z;
        m->R[k] = ope_rng_uniform(&r);
    }
    m->mu0[0] = 1;
    m->horizon = 5;
    m->gamma = 0.95;
    if (mdp_finalize(m, &err) != 0)
        bail_out("%s", err.msg);
    struct policy *pb = policy_new(3, 2, &err), *pe1 = policy_new(3, 2, &err);
    struct policy *pe2 = policy_new(3, 2, &err);
    const double b0[] = { 0.5, 0.3, 0.6 }, e1[] = { 0.8, 0.6, 0.2 }, e2[] = { 0.1, 0.5, 0.9 };
    for (int s = 0; s < 3; s++) {
        pb->p[2 * s] = b0[s], pb->p[2 * s + 1] = 1 - b0[s];
        pe1->p[2 * s] = e1[s], pe1->p[2 * s + 1] = 1 - e1[s];
        pe2->p[2 * s] = e2[s], pe2->p[2 * s + 1] = 1 - e2[s];
    }
    struct sampler *smp = sampler_new(m, pb, &err);
    const struct policy *c[] = { pe1, pe2 };
    const char *names[] = { "e1", "e2" };
    struct tlog *t = sampler_run(smp, 700, 11, c, names, 2, 1, NULL, &err);
    if (!t)
        bail_out("%s", err.msg);
    t->gamma = 0.95;
    struct est_spec *spec = NULL;
    size_t ns = 0;
    if (est_spec_list("tis,pdis,wtis,wpdis,dr", EST_TRAJ, &spec, &ns, &err) != 0)
        bail_out("%s", err.msg);
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = spec;
    o.n_spec = ns;
    o.n_boot = 201;
    o.seed = 4242;
    struct res_eval *res = eval_traj(t, &o, &err);
    ok(res != NULL, "eval_traj with B = 201");
    /* The slow path: every replicate's counts, traj_value on each estimator's terms. */
    size_t n = t->n_steps, NE = t->n_episodes;
    double *w = malloc(n * sizeof *w), *rho = malloc(n * sizeof *rho);
    double *qa = malloc(n * sizeof *qa), *v = malloc(n * sizeof *v);
    double *cnt = malloc(NE * sizeof *cnt), *vals = malloc(201 * sizeof *vals);
    double worst = 0;
    struct vm_opts vo;
    vm_opts_init(&vo);
    for (size_t p = 0; p < 2; p++) {
        if (traj_weights(t, p, w, rho, &err) != 0 || vm_fit(t, p, 0.95, &vo, qa, v, &err) != 0)
            bail_out("%s", err.msg);
        struct traj_in in = { t, p, t->horizon, 0.95, w, rho, qa, v, NULL, NULL, 0 };
        for (size_t e = 0; e < ns; e++) {
            struct traj_terms tt;
            if (spec[e].d->traj_build(&in, spec[e].param, &tt, &err) != 0)
                bail_out("%s", err.msg);
            for (size_t b = 0; b < 201; b++) {
                for (size_t i = 0; i < NE; i++)
                    cnt[i] = eval_traj_count(4242, i, b);
                vals[b] = traj_value(&tt, cnt);
            }
            double lo, hi;
            ci_percentile(vals, 201, 0.05, &lo, &hi);
            const struct res_estimate *x = &res->pol[p].est[e];
            worst = fmax(worst, fabs(x->lower - lo) / fmax(1, fabs(lo)));
            worst = fmax(worst, fabs(x->upper - hi) / fmax(1, fabs(hi)));
            traj_terms_release(&tt);
        }
    }
    ok(worst < 1e-12, "engine intervals = percentile intervals of the slow-path replicates "
       "(5 estimators x 2 policies, max relative difference %.2g)", worst);
    o.threads = 1;
    struct res_eval *r1 = eval_traj(t, &o, &err);
    o.threads = 3;
    struct res_eval *r3 = eval_traj(t, &o, &err);
    int same = r1 && r3;
    for (size_t p = 0; same && p < 2; p++)
        for (size_t e = 0; e < ns; e++) {
            const struct res_estimate *a = &r1->pol[p].est[e], *b = &r3->pol[p].est[e];
            same &= !memcmp(&a->lower, &b->lower, sizeof(double)) &&
                    !memcmp(&a->upper, &b->upper, sizeof(double));
        }
    ok(same, "engine intervals bit-identical with 1 and 3 threads");
    res_eval_free(res), res_eval_free(r1), res_eval_free(r3);
    free(w), free(rho), free(qa), free(v), free(cnt), free(vals), free(spec);
    tlog_free(t);
    sampler_free(smp);
    policy_free(pb), policy_free(pe1), policy_free(pe2);
    mdp_free(m);
}

int main(void)
{
    plan_no_plan();
    test_kernel();
    test_engine();
    return done_testing();
}
