/* t/1310-pg-sampled.c: the sampled gradient (GPOMDP / REINFORCE with a baseline) and
 * the sampled Fisher matrix of ope/pg are unbiased: over many independent seeded
 * batches, their means lie within 3 standard errors of the exact DP values, with and
 * without a baseline. A deliberately biased variant (an action-dependent "baseline")
 * is rejected by the same check, so the check has power. */
#include "config.h"
#include "t/tap.h"
#include "ope/learn/pg/pg.h"
#include "datasets/env.h"
#include "datasets/mdp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ope_error err;

/* The two-state MDP of t/1300 (H = 4, gamma = 0.9). */
static struct mdp *two_state(void)
{
    struct mdp *m = mdp_new(2, 2, &err);
    if (!m)
        bail_out("mdp_new: %s", err.msg);
    static const double P[8] = { 0.8, 0.2, 0.3, 0.7, 0.6, 0.4, 0.1, 0.9 };
    static const double R[4] = { 0.2, 1.0, -0.5, 0.7 };
    memcpy(m->P, P, sizeof P);
    memcpy(m->R, R, sizeof R);
    m->mu0[0] = 0.7;
    m->mu0[1] = 0.3;
    m->horizon = 4;
    m->gamma = 0.9;
    if (mdp_finalize(m, &err) < 0)
        bail_out("finalize: %s", err.msg);
    return m;
}

enum { REPS = 20000 };

/* Mean and standard error over REPS one-episode estimates, for every coordinate of
 * the gradient (n = d) and of the Fisher (n = d*d). bias_c != 0 subtracts bias_c from
 * the return of action 0 only: an action-dependent baseline, which biases g. */
static void estimate(const struct mdp *m, const struct pg_policy *pol, const double *theta,
                     const double *baseline, double bias_c, double *gmean, double *gse,
                     double *Fmean, double *Fse)
{
    size_t d = pol->dim, S = (size_t)m->n_states, A = (size_t)m->n_actions;
    double *pi = malloc(S * A * sizeof *pi), *g = malloc(d * sizeof *g);
    double *F = malloc(d * d * sizeof *F), *g2 = calloc(d, sizeof *g2);
    double *F2 = calloc(d * d, sizeof *F2);
    memset(gmean, 0, d * sizeof *gmean);
    memset(Fmean, 0, d * d * sizeof *Fmean);
    pg_probs_all(pol, theta, pi);
    struct pg_batch b;
    if (pg_batch_init(&b, 1, m->horizon, &err) < 0)
        bail_out("batch: %s", err.msg);
    for (int i = 0; i < REPS; i++) {
        struct ope_rng r;
        ope_rng_init(&r, 1310 + (uint64_t)i, OPE_RNG_TEST, 0);
        pg_sample(m, pi, &r, &b);
        pg_grad_estimate(pol, pi, &b, m->gamma, baseline, (int)S, g, F);
        if (bias_c != 0.0) {
            double gt = 1.0;
            for (int t = 0; t < b.len[0]; t++, gt *= m->gamma)
                if (b.action[t] == 0)
                    pg_add_score(pol, pi + (size_t)b.state[t] * A, b.state[t], 0, -bias_c * gt, g);
        }
        for (size_t j = 0; j < d; j++) {
            gmean[j] += g[j];
            g2[j] += g[j] * g[j];
        }
        for (size_t j = 0; j < d * d; j++) {
            Fmean[j] += F[j];
            F2[j] += F[j] * F[j];
        }
    }
    for (size_t j = 0; j < d; j++) {
        gmean[j] /= REPS;
        gse[j] = sqrt(fmax(g2[j] / REPS - gmean[j] * gmean[j], 0.0) / (REPS - 1));
    }
    for (size_t j = 0; j < d * d; j++) {
        Fmean[j] /= REPS;
        Fse[j] = sqrt(fmax(F2[j] / REPS - Fmean[j] * Fmean[j], 0.0) / (REPS - 1));
    }
    pg_batch_release(&b);
    free(pi);
    free(g);
    free(F);
    free(g2);
    free(F2);
}

/* Worst |mean - exact| / SE over n coordinates (coordinates with SE = 0 must match to
 * 1e-12: e.g. Fisher entries that are exactly 0). */
static double worst_z(const double *mean, const double *se, const double *exact, size_t n)
{
    double z = 0.0;
    for (size_t j = 0; j < n; j++) {
        double dev = fabs(mean[j] - exact[j]);
        z = fmax(z, se[j] > 0.0 ? dev / se[j] : (dev < 1e-12 ? 0.0 : INFINITY));
    }
    return z;
}

static void check(const struct mdp *m, const struct pg_policy *pol, const double *theta,
                  const double *baseline, const char *what)
{
    size_t d = pol->dim;
    double *g = malloc(d * sizeof *g), *F = malloc(d * d * sizeof *F);
    double *gm = malloc(d * sizeof *gm), *gs = malloc(d * sizeof *gs);
    double *Fm = malloc(d * d * sizeof *Fm), *Fs = malloc(d * d * sizeof *Fs);
    pg_exact(m, pol, theta, g, F, &err);
    estimate(m, pol, theta, baseline, 0.0, gm, gs, Fm, Fs);
    double zg = worst_z(gm, gs, g, d), zF = worst_z(Fm, Fs, F, d * d);
    diag("%s: worst |mean - exact| / SE: gradient %.2f, Fisher %.2f", what, zg, zF);
    ok(zg <= 3.0, "%s: sampled gradient mean within 3 SE of the exact gradient (%d episodes)",
       what, REPS);
    ok(zF <= 3.0, "%s: sampled Fisher mean within 3 SE of the exact Fisher", what);
    free(g);
    free(F);
    free(gm);
    free(gs);
    free(Fm);
    free(Fs);
}

int main(void)
{
    plan(8);
    struct mdp *m = two_state();
    struct pg_policy tab, lin;
    if (pg_policy_init(&tab, PG_TABULAR, 2, 2, 0, &err) < 0 ||
        pg_policy_init(&lin, PG_LINEAR, 2, 2, 2, &err) < 0)
        bail_out("policy: %s", err.msg);
    const double theta[4] = { 0.3, -0.8, 1.1, 0.2 };
    /* An arbitrary baseline b_t(s) ([H*S]), fixed before sampling: any function of
     * (t, s) leaves the estimate unbiased. */
    double base[8];
    for (int i = 0; i < 8; i++)
        base[i] = 0.9 - 0.2 * i;
    check(m, &tab, theta, NULL, "tabular, no baseline");
    check(m, &tab, theta, base, "tabular, a (t, s) baseline");
    check(m, &lin, theta, base, "linear (K = 2), a (t, s) baseline");

    /* Power: subtracting 1 from the return of action 0 only biases the estimate by
     * -E[sum_t gamma^t 1[a_t = 0] psi_t], which 20000 episodes resolve easily. */
    double g[4], F[16], gm[4], gs[4], Fm[16], Fs[16];
    pg_exact(m, &tab, theta, g, F, &err);
    estimate(m, &tab, theta, base, 1.0, gm, gs, Fm, Fs);
    double z = worst_z(gm, gs, g, 4);
    diag("action-dependent baseline: worst |mean - exact| / SE = %.1f", z);
    ok(z > 10.0, "an action-dependent baseline is detected as biased (> 10 SE)");

    /* A batch of n episodes averages n one-episode estimates: the batch size only
     * scales the variance (checked on the first coordinate: same mean, 1e-12). */
    struct pg_batch b1, b4;
    double pi[4], ga[4], gb[4], acc = 0.0;
    pg_probs_all(&tab, theta, pi);
    pg_batch_init(&b1, 1, m->horizon, &err);
    pg_batch_init(&b4, 4, m->horizon, &err);
    struct ope_rng r1, r4;
    ope_rng_init(&r1, 7, OPE_RNG_TEST, 0);
    ope_rng_init(&r4, 7, OPE_RNG_TEST, 0);
    for (int i = 0; i < 4; i++) {
        pg_sample(m, pi, &r1, &b1);
        pg_grad_estimate(&tab, pi, &b1, m->gamma, NULL, 2, ga, NULL);
        acc += ga[0] / 4;
    }
    pg_sample(m, pi, &r4, &b4);
    pg_grad_estimate(&tab, pi, &b4, m->gamma, NULL, 2, gb, NULL);
    is_double(gb[0], acc, 1e-12, "a 4-episode batch = the mean of 4 one-episode estimates "
              "on the same stream");
    pg_batch_release(&b1);
    pg_batch_release(&b4);
    pg_policy_release(&tab);
    pg_policy_release(&lin);
    mdp_free(m);
    return done_testing();
}
