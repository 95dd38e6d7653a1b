/* t/0950-tdr-wrong-q.c: the trajectory `dr` (Jiang & Li 2016) stays unbiased when its
 * value model is deliberately wrong. A 4-state MDP with one terminal state (so
 * episodes have unequal lengths), Gaussian reward noise, horizon 5, gamma 0.9; the
 * truth is the exact finite-horizon value from backward induction (mdp_eval_finite).
 * Two controls show the test has power: dm with the same wrong model, and dr with a
 * V̂ that is not the pi_e average of Q̂ (the consistency dr's unbiasedness needs),
 * both miss the truth by many standard errors. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "datasets/sampler.h"
#include "datasets/tlog.h"
#include "estimators/traj.h"
#include "ope/base/rng.h"
#include "t/tap.h"

/* A trajectory estimator's descriptor, by its command-line name. */
#define TRAJ(name) est_find(name, EST_TRAJ)

#define S 4
#define A 2
#define H 5

static struct mdp *M;
static struct policy *PB, *PE;
static struct sampler *SMP;

static void build(void)
{
    struct ope_error err = { 0 };
    struct ope_rng r;
    ope_rng_init(&r, 11, OPE_RNG_TEST, 0);
    M = mdp_new(S, A, &err);
    if (!M)
        bail_out("mdp_new: %s", err.msg);
    /* States 0..2 move at random (Dirichlet-like rows, some mass on the terminal
     * state 3); rewards in [0, 2) plus N(0, 0.5^2) noise. */
    for (int k = 0; k < (S - 1) * A; k++) {
        double z = 0;
        for (int s = 0; s < S; s++)
            z += M->P[k * S + s] = (s == S - 1 ? 0.15 : 0.1 + ope_rng_uniform(&r));
        for (int s = 0; s < S; s++)
            M->P[k * S + s] /= z;
        M->R[k] = 2 * ope_rng_uniform(&r);
    }
    M->terminal[S - 1] = 1;
    M->reward_sd = 0.5;
    M->mu0[0] = 0.6, M->mu0[1] = 0.4;
    M->horizon = H;
    M->gamma = 0.9;
    if (mdp_finalize(M, &err) != 0)
        bail_out("mdp: %s", err.msg);
    PB = policy_new(S, A, &err);
    PE = policy_new(S, A, &err);
    double pb[S] = { 0.5, 0.3, 0.6, 0.5 }, pe[S] = { 0.85, 0.6, 0.15, 0.5 };
    for (int s = 0; s < S; s++) {
        PB->p[s * A] = pb[s], PB->p[s * A + 1] = 1 - pb[s];
        PE->p[s * A] = pe[s], PE->p[s * A + 1] = 1 - pe[s];
    }
    SMP = sampler_new(M, PB, &err);
    if (!SMP)
        bail_out("sampler: %s", err.msg);
}

/* The wrong model: far from the true Q (which lies in about [0, 8]), varies with
 * state, action and step, so no part of it cancels by accident. */
static double qwrong(int t, int s, int a)
{
    return 3.0 + 2.0 * s - 1.5 * a + 0.4 * t;
}

/* sum_a pi(a|s) Q̂_t(s, a) for the policy table p. */
static double vwrong(const double *p, int t, int s)
{
    double v = 0;
    for (int a = 0; a < A; a++)
        v += p[s * A + a] * qwrong(t, s, a);
    return v;
}

/* Estimator k on a fresh log of n episodes from seed; vpol is the policy whose
 * average of Q̂ gives V̂ (PE: the consistent model; PB: the inconsistent control). */
static double run(const struct est_desc *k, size_t n, uint64_t seed, const struct policy *vpol)
{
    struct ope_error err = { 0 };
    const struct policy *c[] = { PE };
    const char *names[] = { "e" };
    struct tlog *t = sampler_run(SMP, n, seed, c, names, 1, 1, NULL, &err);
    if (!t)
        bail_out("sampler_run: %s", err.msg);
    size_t m = t->n_steps;
    double *w = malloc(m * sizeof *w), *rho = malloc(m * sizeof *rho);
    double *qa = malloc(m * sizeof *qa), *v = malloc(m * sizeof *v);
    if (!w || !rho || !qa || !v)
        bail_out("out of memory");
    if (traj_weights(t, 0, w, rho, &err) != 0)
        bail_out("%s", err.msg);
    for (size_t e = 0; e < t->n_episodes; e++)
        for (size_t j = t->ep_start[e]; j < t->ep_start[e + 1]; j++) {
            int tt = (int)(j - t->ep_start[e]);
            qa[j] = qwrong(tt, t->state[j], t->action[j]);
            v[j] = vwrong(vpol->p, tt, t->state[j]);
        }
    struct traj_in in = { t, 0, t->horizon, M->gamma, w, rho, qa, v, NULL, NULL, 0 };
    struct traj_terms tt;
    if (k->traj_build(&in, NULL, &tt, &err) != 0)
        bail_out("%s", err.msg);
    double val = traj_value(&tt, NULL);
    traj_terms_release(&tt);
    free(w), free(rho), free(qa), free(v);
    tlog_free(t);
    return val;
}

/* Mean and standard error of R replicate estimates. */
static void replicate(const struct est_desc *k, const struct policy *vpol, uint64_t base,
                      double *mean, double *se)
{
    enum { R = 2000, N = 25 };
    double x[R], m = 0, ss = 0;
    for (int s = 0; s < R; s++) {
        x[s] = run(k, N, base + (uint64_t)s, vpol);
        m += x[s] / R;
    }
    for (int s = 0; s < R; s++)
        ss += (x[s] - m) * (x[s] - m);
    *mean = m;
    *se = sqrt(ss / (R - 1) / R);
}

int main(void)
{
    struct ope_error err = { 0 };
    plan(5);
    build();
    double truth = mdp_eval_finite(M, PE->p, NULL, NULL, &err);
    ok(isfinite(truth), "exact value of pi_e by backward induction: %.6f", truth);

    /* The claim: 2000 logs of 25 episodes, dr with the wrong (but pi_e-consistent)
     * model; the mean is within 3 standard errors of the exact value. */
    double m, se;
    replicate(TRAJ("dr"), PE, 20000, &m, &se);
    ok(fabs(m - truth) <= 3 * se, "dr with a wrong Q̂ unbiased: mean %.5f vs exact %.5f "
       "(3 se = %.5f)", m, truth, 3 * se);
    /* Episodes end early (terminal state), so padding is exercised: check that the
     * logs really have unequal lengths. */
    {
        const struct policy *c[] = { PE };
        const char *names[] = { "e" };
        struct tlog *t = sampler_run(SMP, 200, 1, c, names, 1, 1, NULL, &err);
        ok(t && t->n_steps < 200 * (size_t)H, "some episodes end before the horizon "
           "(%zu steps in 200 episodes of at most %d)", t ? t->n_steps : 0, H);
        tlog_free(t);
    }

    /* Power of the check: dm with the same wrong model is far from the truth
     * (its bias is V̂_0 - V_0, about 2 here), and dr whose V̂ averages Q̂ under pi_b
     * instead of pi_e is biased by sum_t gamma^t E[rho_{t-1} (V̂_b - V̂_e)(s_t)]. Both
     * miss by more than 6 of their standard errors, so the 3-se check above would
     * reject them. */
    double md, sed;
    replicate(TRAJ("dm"), PE, 20000, &md, &sed);
    ok(fabs(md - truth) > 6 * sed, "control: dm with the wrong Q̂ is "
       "biased (mean %.5f vs exact %.5f, se %.5f)", md, truth, sed);
    double mb, seb;
    replicate(TRAJ("dr"), PB, 20000, &mb, &seb);
    ok(fabs(mb - truth) > 6 * seb, "control: dr with V̂ inconsistent with Q̂ is biased "
       "(mean %.5f vs exact %.5f, se %.5f)", mb, truth, seb);

    sampler_free(SMP);
    policy_free(PB), policy_free(PE);
    mdp_free(M);
    return done_testing();
}
