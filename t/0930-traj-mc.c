/* t/0930-traj-mc.c: the trajectory estimators against the exact value of a small
 * random MDP (3 states, 2 actions, horizon 4, gamma 0.9), built with the MDP engine
 * and sampled with its seeded sampler: tis/pdis unbiased over seeds, wtis/wpdis
 * consistent, dr with the exact Q has less variance than pdis, mis and FQE-based
 * dm/dr close to the truth. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "datasets/sampler.h"
#include "datasets/tlog.h"
#include "estimators/traj.h"
#include "estimators/vmodel.h"
#include "ope/base/rng.h"
#include "t/tap.h"

/* A trajectory estimator's descriptor, by its command-line name. */
#define TRAJ(name) est_find(name, EST_TRAJ)

#define S 3
#define A 2
#define H 4

static struct mdp *M;
static struct policy *PB, *PE;
static struct sampler *SMP;
static double QT[H][S * A];    /* exact Q_t under pi_e */
static double VT[H][S];

static void build(void)
{
    struct ope_error err = { 0 };
    struct ope_rng r;
    ope_rng_init(&r, 7, OPE_RNG_TEST, 0);
    M = mdp_new(S, A, &err);
    for (int k = 0; k < S * A; k++) {
        double z = 0;
        for (int s = 0; s < S; s++)
            z += M->P[k * S + s] = 0.1 + ope_rng_uniform(&r);
        for (int s = 0; s < S; s++)
            M->P[k * S + s] /= z;
        M->R[k] = ope_rng_uniform(&r);
    }
    for (int s = 0; s < S; s++)
        M->mu0[s] = 1.0 / S;
    M->horizon = H;
    M->gamma = 0.9;
    if (mdp_finalize(M, &err) != 0)
        bail_out("mdp: %s", err.msg);
    PB = policy_new(S, A, &err);
    PE = policy_new(S, A, &err);
    double pb[S] = { 0.5, 0.3, 0.6 }, pe[S] = { 0.8, 0.6, 0.2 };
    for (int s = 0; s < S; s++) {
        PB->p[s * A] = pb[s], PB->p[s * A + 1] = 1 - pb[s];
        PE->p[s * A] = pe[s], PE->p[s * A + 1] = 1 - pe[s];
    }
    SMP = sampler_new(M, PB, &err);
    if (!SMP)
        bail_out("sampler: %s", err.msg);
    /* Exact Q_t backward (the truth of dr's perfect model). */
    for (int t = H - 1; t >= 0; t--)
        for (int s = 0; s < S; s++) {
            VT[t][s] = 0;
            for (int a = 0; a < A; a++) {
                double q = M->R[s * A + a];
                if (t + 1 < H)
                    for (int s2 = 0; s2 < S; s2++)
                        q += M->gamma * M->P[(s * A + a) * S + s2] * VT[t + 1][s2];
                QT[t][s * A + a] = q;
                VT[t][s] += PE->p[s * A + a] * q;
            }
        }
}

static struct tlog *sample(size_t n, uint64_t seed)
{
    struct ope_error err = { 0 };
    const struct policy *c[] = { PE };
    const char *names[] = { "e" };
    struct tlog *t = sampler_run(SMP, n, seed, c, names, 1, 1, NULL, &err);
    if (!t)
        bail_out("sampler_run: %s", err.msg);
    return t;
}

/* Value of kernel k on log t; with_q: 1 exact Q, 2 tabular FQE; c (optional) gets
 * the per-trajectory contributions. */
static double est(const struct est_desc *k, const struct tlog *t, int with_q, double *c)
{
    struct ope_error err = { 0 };
    size_t n = t->n_steps;
    double *w = malloc(n * sizeof *w), *rho = malloc(n * sizeof *rho);
    double *qa = malloc(n * sizeof *qa), *v = malloc(n * sizeof *v);
    if (traj_weights(t, 0, w, rho, &err) != 0)
        bail_out("%s", err.msg);
    if (with_q == 1) {
        for (size_t e = 0; e < t->n_episodes; e++)
            for (size_t j = t->ep_start[e]; j < t->ep_start[e + 1]; j++) {
                size_t tt = j - t->ep_start[e];
                qa[j] = QT[tt][t->state[j] * A + t->action[j]];
                v[j] = VT[tt][t->state[j]];
            }
    } else if (with_q == 2) {
        struct vm_opts o;
        vm_opts_init(&o);
        if (vm_fit(t, 0, M->gamma, &o, qa, v, &err) != 0)
            bail_out("%s", err.msg);
    }
    struct traj_in in = { t, 0, t->horizon, M->gamma, w, rho, with_q ? qa : NULL,
                          with_q ? v : NULL, NULL, NULL, 0 };
    struct traj_terms tt;
    if (k->traj_build(&in, NULL, &tt, &err) != 0)
        bail_out("%s", err.msg);
    double val = traj_value(&tt, NULL);
    if (c)
        traj_contrib(&tt, c);
    traj_terms_release(&tt);
    free(w), free(rho), free(qa), free(v);
    return val;
}

static double var_of(const double *x, size_t n)
{
    double m = 0, s = 0;
    for (size_t i = 0; i < n; i++)
        m += x[i] / (double)n;
    for (size_t i = 0; i < n; i++)
        s += (x[i] - m) * (x[i] - m);
    return s / (double)(n - 1);
}

int main(void)
{
    struct ope_error err = { 0 };
    plan(10);
    build();
    double truth = mdp_eval_finite(M, PE->p, NULL, NULL, &err);
    diag("exact value of pi_e: %.6f", truth);

    /* Unbiasedness: 400 logs of 20 episodes; the mean of the estimates is within 3
     * standard errors (sd over seeds / sqrt(400)) of the exact value. A biased
     * estimator (e.g. one dropping gamma) misses by far more than 3 se here. */
    enum { R = 400 };
    const struct est_desc *ub[] = { TRAJ("tis"), TRAJ("pdis"), TRAJ("dr") };
    for (int k = 0; k < 3; k++) {
        double x[R];
        for (int s = 0; s < R; s++) {
            struct tlog *t = sample(20, 1000 + (uint64_t)s);
            /* dr runs with the exact Q (dr with a wrong Q̂ = 0 is pdis, tested above
             * and in 0900). */
            x[s] = est(ub[k], t, k == 2 ? 1 : 0, NULL);
            tlog_free(t);
        }
        double m = 0;
        for (int s = 0; s < R; s++)
            m += x[s] / R;
        double se = sqrt(var_of(x, R) / R);
        ok(fabs(m - truth) <= 3 * se, "%s unbiased: mean %.5f vs exact %.5f (3 se = %.5f)",
           ub[k]->name, m, truth, 3 * se);
    }

    /* Consistency: the mean absolute error over 20 logs shrinks from N = 50 to
     * N = 5000 (by ~10x in theory; we ask for 3x). */
    const struct est_desc *cs[] = { TRAJ("wtis"), TRAJ("wpdis") };
    for (int k = 0; k < 2; k++) {
        double e_small = 0, e_big = 0;
        for (int s = 0; s < 20; s++) {
            struct tlog *a = sample(50, 5000 + (uint64_t)s), *b = sample(5000, 9000 + (uint64_t)s);
            e_small += fabs(est(cs[k], a, 0, NULL) - truth) / 20;
            e_big += fabs(est(cs[k], b, 0, NULL) - truth) / 20;
            tlog_free(a);
            tlog_free(b);
        }
        ok(e_big < e_small / 3, "%s consistent: mean |error| %.5f (N=50) -> %.5f (N=5000)",
           cs[k]->name, e_small, e_big);
    }

    /* One large log: dr with the exact Q has lower variance of contributions than
     * pdis; mis, FQE dm and FQE dr are within 0.03 of the truth (their standard errors
     * at N = 20000 are about 0.005; FQE is consistent on a tabular MDP). */
    struct tlog *t = sample(20000, 424242);
    size_t n = t->n_episodes;
    double *c1 = malloc(n * sizeof *c1), *c2 = malloc(n * sizeof *c2);
    est(TRAJ("pdis"), t, 0, c1);
    est(TRAJ("dr"), t, 1, c2);
    ok(var_of(c2, n) < var_of(c1, n), "dr (exact Q) variance %.4f < pdis variance %.4f",
       var_of(c2, n), var_of(c1, n));
    double mis = est(TRAJ("mis"), t, 0, NULL);
    ok(fabs(mis - truth) < 0.03, "mis %.5f close to exact %.5f", mis, truth);
    double dm = est(TRAJ("dm"), t, 2, NULL), dr = est(TRAJ("dr"), t, 2, NULL);
    ok(fabs(dm - truth) < 0.03, "dm (tabular FQE) %.5f close to exact %.5f", dm, truth);
    ok(fabs(dr - truth) < 0.03, "dr (tabular FQE) %.5f close to exact %.5f", dr, truth);
    /* With the exact Q, dm is the exact value averaged over the sampled s_0. */
    double dmx = est(TRAJ("dm"), t, 1, NULL);
    ok(fabs(dmx - truth) < 0.03, "dm (exact Q) %.5f close to exact %.5f", dmx, truth);
    free(c1), free(c2);
    tlog_free(t);
    sampler_free(SMP);
    policy_free(PB), policy_free(PE);
    mdp_free(M);
    return done_testing();
}
