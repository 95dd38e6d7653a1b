/* t/0910-vmodel.c: the value models. Tabular FQE equals the exact finite-horizon
 * evaluation (MDP engine) of the empirical MDP built from the log's counts; linear FQE
 * on one-hot state features equals tabular FQE; LSTD, TD(0), TD(lambda) and GTD2 agree
 * with linear FQE's Q_0 when gamma^T is negligible (their stationary fixed point is
 * then the finite-horizon one). */
#include "config.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "datasets/sampler.h"
#include "datasets/tlog.h"
#include "estimators/vmodel.h"
#include "ope/base/rng.h"
#include "t/tap.h"

#define S 3
#define A 2

static struct mdp *random_mdp(int H, double gamma)
{
    struct ope_error err = { 0 };
    struct ope_rng r;
    ope_rng_init(&r, 11, OPE_RNG_TEST, 0);
    struct mdp *m = mdp_new(S, A, &err);
    for (int k = 0; k < S * A; k++) {
        double z = 0;
        for (int s = 0; s < S; s++)
            z += m->P[k * S + s] = 0.1 + ope_rng_uniform(&r);
        for (int s = 0; s < S; s++)
            m->P[k * S + s] /= z;
        m->R[k] = ope_rng_uniform(&r);
    }
    for (int s = 0; s < S; s++)
        m->mu0[s] = 1.0 / S;
    m->horizon = H;
    m->gamma = gamma;
    m->reward_sd = 0.5;     /* noisy rewards: the empirical MDP differs from the true */
    if (mdp_finalize(m, &err) != 0)
        bail_out("mdp: %s", err.msg);
    return m;
}

static struct tlog *sample(const struct mdp *m, const struct policy *pb,
                           const struct policy *pe, size_t n)
{
    struct ope_error err = { 0 };
    struct sampler *smp = sampler_new(m, pb, &err);
    const struct policy *c[] = { pe };
    const char *names[] = { "e" };
    struct tlog *t = smp ? sampler_run(smp, n, 99, c, names, 1, 1, NULL, &err) : NULL;
    if (!t)
        bail_out("sample: %s", err.msg);
    sampler_free(smp);
    return t;
}

int main(void)
{
    struct ope_error err = { 0 };
    gsl_set_error_handler_off();
    plan(12);
    struct policy *pb = policy_new(S, A, &err), *pe = policy_new(S, A, &err);
    double b[S] = { 0.5, 0.3, 0.6 }, e[S] = { 0.8, 0.6, 0.2 };
    for (int s = 0; s < S; s++) {
        pb->p[s * A] = b[s], pb->p[s * A + 1] = 1 - b[s];
        pe->p[s * A] = e[s], pe->p[s * A + 1] = 1 - e[s];
    }

    /* 1. Tabular FQE == exact DP on the empirical MDP (H = 5, gamma = 0.9). Every
     * episode has length H, so the last step's next state is unobserved and the
     * empirical P̂ counts the transitions of steps 0..H-2 only. */
    struct mdp *m = random_mdp(5, 0.9);
    struct tlog *t = sample(m, pb, pe, 300);
    struct mdp *emp = mdp_new(S, A, &err);
    double cnt[S * A] = { 0 }, nobs[S * A] = { 0 };
    for (size_t ep = 0; ep < t->n_episodes; ep++)
        for (size_t j = t->ep_start[ep]; j < t->ep_start[ep + 1]; j++) {
            int k = t->state[j] * A + t->action[j];
            emp->R[k] += t->reward[j];
            cnt[k] += 1;
            if (j + 1 < t->ep_start[ep + 1]) {
                emp->P[k * S + t->state[j + 1]] += 1;
                nobs[k] += 1;
            }
        }
    for (int k = 0; k < S * A; k++) {
        emp->R[k] /= cnt[k];
        for (int s = 0; s < S; s++)
            emp->P[k * S + s] /= nobs[k];
    }
    for (int s = 0; s < S; s++)
        emp->mu0[s] = 1.0 / S;
    emp->horizon = 5;
    emp->gamma = 0.9;
    if (mdp_finalize(emp, &err) != 0)
        bail_out("empirical mdp: %s", err.msg);
    double Q0[S * A], Q[5 * S * A];
    mdp_eval_finite(emp, pe->p, NULL, Q0, &err);
    ok(vm_fqe_tabular(t, 0, 0.9, Q, &err) == 0, "tabular FQE runs");
    double dmax = 0;
    for (int k = 0; k < S * A; k++)
        dmax = fmax(dmax, fabs(Q[k] - Q0[k]));
    ok(dmax < 1e-10, "tabular FQE Q_0 = exact DP of the empirical MDP (max diff %.2g)", dmax);
    {
        /* FQE refitted on a resample (the trajectory dm's bootstrap): with every count
         * 1 it is the FQE above, so its value is the mean of V_0 = sum_a pi Q_0 over
         * the episodes' first states; counts all 3 weigh every episode alike (the
         * same); and counting each episode k times is the FQE of a log holding k
         * copies of it, so m = 0 on all but the first 150 episodes gives the FQE of
         * those 150 (checked against vm_fqe_tabular of that log). */
        double pi[S * A];
        vm_policy_table(t, 0, pi);
        double *sc = malloc(vm_fqe_resample_scratch(t) * sizeof *sc);
        size_t ne = t->n_episodes;
        double *mm = malloc(ne * sizeof *mm), ref = 0;
        for (size_t i = 0; i < ne; i++) {
            const double *q = Q + (size_t)t->state[t->ep_start[i]] * A;
            for (int a = 0; a < A; a++)
                ref += pi[t->state[t->ep_start[i]] * A + a] * q[a] / (double)ne;
            mm[i] = 1;
        }
        double v1 = vm_fqe_resample_value(t, 0, 0.9, pi, mm, sc);
        for (size_t i = 0; i < ne; i++)
            mm[i] = 3;
        double v3 = vm_fqe_resample_value(t, 0, 0.9, pi, mm, sc);
        ok(fabs(v1 - ref) < 1e-12 && fabs(v3 - ref) < 1e-12,
           "FQE resample with equal counts = the FQE fit (%.15g, %.15g, %.15g)", v1, v3, ref);
        /* The sampler keys each episode by its index, so 150 episodes with the same
         * seed are the first 150 of the 300 (checked, not assumed). */
        struct tlog *half = sample(m, pb, pe, 150);
        size_t nh = half->n_steps;
        int prefix = nh <= t->n_steps;
        for (size_t j = 0; prefix && j < nh; j++)
            prefix = half->state[j] == t->state[j] && half->action[j] == t->action[j] &&
                     half->reward[j] == t->reward[j];
        ok(prefix, "150 episodes of the same seed are the first 150 of the 300");
        double *Qh = malloc(5 * S * A * sizeof *Qh), refh = 0;
        vm_fqe_tabular(half, 0, 0.9, Qh, &err);
        double pih[S * A];
        vm_policy_table(half, 0, pih);
        for (size_t i = 0; i < half->n_episodes; i++) {
            int s0 = half->state[half->ep_start[i]];
            for (int a = 0; a < A; a++)
                refh += pih[s0 * A + a] * Qh[s0 * A + a] / (double)half->n_episodes;
        }
        for (size_t i = 0; i < ne; i++)
            mm[i] = i < 150 ? 1 : 0;
        double vh = vm_fqe_resample_value(t, 0, 0.9, pi, mm, sc);
        ok(fabs(vh - refh) < 1e-12, "FQE resample with the last 150 counted 0 = FQE of the first "
           "150 (%.15g, %.15g)", vh, refh);
        free(Qh);
        tlog_free(half);
        free(mm);
        free(sc);
    }

    /* 2. Linear FQE on one-hot features (a log without s* columns uses a one-hot of
     * the state) with a negligible ridge reproduces tabular FQE at every row. */
    size_t n = t->n_steps;
    double *qa1 = malloc(n * sizeof *qa1), *v1 = malloc(n * sizeof *v1);
    double *qa2 = malloc(n * sizeof *qa2), *v2 = malloc(n * sizeof *v2);
    struct vm_opts o;
    vm_opts_init(&o);
    vm_fit(t, 0, 0.9, &o, qa1, v1, &err);
    o.kind = VM_LINEAR_FQE;
    o.ridge = 1e-9;
    ok(vm_fit(t, 0, 0.9, &o, qa2, v2, &err) == 0, "linear FQE runs");
    dmax = 0;
    for (size_t j = 0; j < n; j++)
        dmax = fmax(dmax, fmax(fabs(qa1[j] - qa2[j]), fabs(v1[j] - v2[j])));
    ok(dmax < 1e-6, "linear FQE (one-hot) = tabular FQE at every row (max diff %.2g)", dmax);
    free(qa1), free(v1), free(qa2), free(v2);
    tlog_free(t);
    mdp_free(emp);
    mdp_free(m);

    /* 3. gamma = 0.3, H = 25: gamma^H ~ 1e-13, so the stationary fixed point of LSTD
     * is linear FQE's Q_0 up to the data they use: LSTD drops the last step of each
     * truncated episode (its next state is unobserved; 1 row in 25), FQE keeps its
     * reward, so they agree within 0.02 (values are of order 1). TD(0), TD(0.5) and
     * GTD2 are stochastic approximations of LSTD's fixed point, averaged over the last
     * half of 2000 passes: within 0.01 of LSTD. */
    m = random_mdp(25, 0.3);
    t = sample(m, pb, pe, 40);
    n = t->n_steps;
    double *ref = malloc(n * sizeof *ref), *rv = malloc(n * sizeof *rv);
    double *qa = malloc(n * sizeof *qa), *v = malloc(n * sizeof *v);
    vm_opts_init(&o);
    o.kind = VM_LINEAR_FQE;
    o.ridge = 1e-9;
    vm_fit(t, 0, 0.3, &o, ref, rv, &err);
    const char *names[] = { "lstd", "td", "td", "gtd2" };
    double lam[] = { 0, 0, 0.5, 0 }, tol[] = { 0.02, 0.01, 0.01, 0.01 };
    for (int k = 0; k < 4; k++) {
        vm_opts_init(&o);
        o.kind = vm_kind_parse(names[k]);
        o.ridge = 1e-9;
        o.lambda = lam[k];
        o.epochs = 2000;
        if (vm_fit(t, 0, 0.3, &o, qa, v, &err) != 0) {
            ok(0, "%s: %s", names[k], err.msg);
            continue;
        }
        dmax = 0;
        for (size_t ep = 0; ep < t->n_episodes; ep++) {
            size_t j = t->ep_start[ep];     /* step 0 rows: Q_0 */
            dmax = fmax(dmax, fmax(fabs(qa[j] - ref[j]), fabs(v[j] - rv[j])));
        }
        ok(dmax < tol[k], "%s(lambda=%g) agrees with %s's Q_0 (max diff %.3g)",
           names[k], lam[k], k ? "lstd" : "linear FQE", dmax);
        if (k == 0) {   /* LSTD's rows are the reference of the stochastic ones */
            memcpy(ref, qa, n * sizeof *ref);
            memcpy(rv, v, n * sizeof *rv);
        }
    }
    ok(vm_kind_parse("nope") == -1 && strcmp(vm_kind_name(VM_GTD2), "gtd2") == 0,
       "value model names parse and print");
    free(ref), free(rv), free(qa), free(v);
    tlog_free(t);
    mdp_free(m);
    policy_free(pb), policy_free(pe);
    return done_testing();
}
