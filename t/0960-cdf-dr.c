/* t/0960-cdf-dr.c: the doubly robust CDF of the return (estimators/cdf_dr.c).
 *   - the fitted model is a distributional FQE: its laws are valid, compressed to K
 *     atoms, and their means are tabular FQE's gamma^t Q̂_t(s, a) exactly;
 *   - the raw DR CDF has total mass 1 and its mean is the trajectory `dr` estimate
 *     with the same Q̂ (summation by parts);
 *   - on-policy data from a deterministic policy reproduce the empirical CDF exactly;
 *   - with the exact model (a deterministic MDP, so the empirical model is the true
 *     one) the DR CDF equals the true CDF of the return at every grid point;
 *   - Monte-Carlo: with a deliberately wrong model fixed in advance, the raw DR CDF is
 *     unbiased pointwise (mean over seeded logs within 3 standard errors of the true
 *     F(y) at three points), while the behaviour policy's own CDF is not.
 * True CDFs come from enumerating every path of the MDP under pi_e. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "datasets/sampler.h"
#include "datasets/tlog.h"
#include "estimators/cdf.h"
#include "estimators/traj.h"
#include "estimators/vmodel.h"
#include "ope/base/rng.h"
#include "t/tap.h"

/* A trajectory estimator's descriptor, by its command-line name. */
#define TRAJ(name) est_find(name, EST_TRAJ)

/* ---- exact return distribution by path enumeration ------------------------------- */

struct dist {
    size_t n, cap;
    double *v, *p;
};

static void dist_add(struct dist *d, double v, double p)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 256;
        d->v = realloc(d->v, d->cap * sizeof *d->v);
        d->p = realloc(d->p, d->cap * sizeof *d->p);
        if (!d->v || !d->p)
            bail_out("out of memory");
    }
    d->v[d->n] = v;
    d->p[d->n++] = p;
}

/* Every path from (t, s) with return so far C and probability p, under policy pi
 * (sampler conventions: an episode ends after H steps or on entering a terminal
 * state; rewards R(s, a) without noise). */
static void paths(const struct mdp *m, const double *pi, int t, int s, double C, double g,
                  double p, struct dist *d)
{
    int S = m->n_states, A = m->n_actions;
    for (int a = 0; a < A; a++) {
        double pa = p * pi[s * A + a];
        if (pa == 0)
            continue;
        double c = C + g * m->R[s * A + a];
        for (int s2 = 0; s2 < S; s2++) {
            double q = pa * m->P[(s * A + a) * S + s2];
            if (q == 0)
                continue;
            if (t + 1 == m->horizon || m->terminal[s2])
                dist_add(d, c, q);
            else
                paths(m, pi, t + 1, s2, c, g * m->gamma, q, d);
        }
    }
}

static void true_dist(const struct mdp *m, const double *pi, struct dist *d)
{
    memset(d, 0, sizeof *d);
    for (int s = 0; s < m->n_states; s++)
        if (m->mu0[s] > 0)
            paths(m, pi, 0, s, 0.0, 1.0, m->mu0[s], d);
}

static double true_F(const struct dist *d, double y)
{
    double F = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i] <= y + 1e-9 * (1 + fabs(y)))
            F += d->p[i];
    return F;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- MDPs and logs --------------------------------------------------------------- */

static struct policy *two_action_policy(int S, const double *p0)
{
    struct ope_error err = { 0 };
    struct policy *pi = policy_new(S, 2, &err);
    if (!pi)
        bail_out("policy_new: %s", err.msg);
    for (int s = 0; s < S; s++)
        pi->p[2 * s] = p0[s], pi->p[2 * s + 1] = 1 - p0[s];
    return pi;
}

/* A random 4-state MDP (state 3 terminal, so episodes have unequal lengths),
 * deterministic or with reward noise, horizon H, gamma 0.9. */
static struct mdp *random_mdp(int H, double noise, uint64_t seed)
{
    struct ope_error err = { 0 };
    struct ope_rng r;
    ope_rng_init(&r, seed, OPE_RNG_TEST, 0);
    struct mdp *m = mdp_new(4, 2, &err);
    if (!m)
        bail_out("mdp_new: %s", err.msg);
    for (int k = 0; k < 3 * 2; k++) {
        double z = 0;
        for (int s = 0; s < 4; s++)
            z += m->P[k * 4 + s] = s == 3 ? 0.1 : 0.1 + ope_rng_uniform(&r);
        for (int s = 0; s < 4; s++)
            m->P[k * 4 + s] /= z;
        m->R[k] = ope_rng_uniform(&r);
    }
    m->terminal[3] = 1;
    m->reward_sd = noise;
    m->mu0[0] = 0.5, m->mu0[1] = 0.5;
    m->horizon = H;
    m->gamma = 0.9;
    if (mdp_finalize(m, &err) != 0)
        bail_out("mdp: %s", err.msg);
    return m;
}

static struct tlog *sample(const struct mdp *m, const struct policy *pb,
                           const struct policy *pe, size_t n, uint64_t seed)
{
    struct ope_error err = { 0 };
    struct sampler *smp = sampler_new(m, pb, &err);
    const struct policy *c[] = { pe };
    const char *names[] = { "e" };
    struct tlog *t = smp ? sampler_run(smp, n, seed, c, names, 1, 1, NULL, &err) : NULL;
    if (!t)
        bail_out("sample: %s", err.msg);
    sampler_free(smp);
    return t;
}

/* ---- the tests ------------------------------------------------------------------- */

/* A: model laws and means; B: raw total mass and mean = dr. */
static void test_model_and_mean(void)
{
    struct ope_error err = { 0 };
    struct mdp *m = random_mdp(4, 0.3, 5);
    const double pb0[] = { 0.5, 0.3, 0.6, 0.5 }, pe0[] = { 0.8, 0.6, 0.2, 0.5 };
    struct policy *pb = two_action_policy(4, pb0), *pe = two_action_policy(4, pe0);
    struct tlog *t = sample(m, pb, pe, 3000, 77);
    struct cdf_model md;
    ok(cdf_model_fit(t, 0, 0.9, 8, &md, &err) == 0, "model fit (K = 8)");
    size_t T = (size_t)md.T, S = (size_t)md.S, A = (size_t)md.A;
    double *Q = malloc(T * S * A * sizeof *Q);
    if (!Q || vm_fqe_tabular(t, 0, 0.9, Q, &err) != 0)
        bail_out("fqe: %s", err.msg);
    /* Reward noise makes hundreds of distinct returns, so the K = 8 cap binds; the
     * quantile slices keep the mean, so mean(law_t(s,a)) = 0.9^t Q_t(s,a). */
    int laws_ok = 1, capped = 0;
    double worst = 0;
    for (size_t c = 0; c < T * S * A; c++) {
        size_t n = md.count[c], b = md.start[c];
        double sp = 0, mean = 0;
        laws_ok &= n >= 1 && n <= 8;
        capped |= n == 8;
        for (size_t k = 0; k < n; k++) {
            sp += md.prob[b + k];
            mean += md.prob[b + k] * md.val[b + k];
            laws_ok &= md.prob[b + k] > 0 && (k == 0 || md.val[b + k] > md.val[b + k - 1]);
        }
        laws_ok &= fabs(sp - 1) < 1e-12;
        double want = pow(0.9, (double)(c / (S * A))) * Q[c];
        worst = fmax(worst, fabs(mean - want));
    }
    ok(laws_ok && capped, "every law has 1..8 ascending atoms summing to 1 (the cap binds)");
    ok(worst < 1e-9, "model mean = gamma^t * tabular FQE Q_t(s,a) (max diff %.2g)", worst);

    /* B: evaluate the raw estimate on every jump point (C_t + atoms of the cells it
     * touches, and each G_i), so the step function is represented exactly. */
    size_t cap = t->n_steps * A * 8 + t->n_episodes, ny = 0;
    double *y = malloc(cap * sizeof *y);
    for (size_t e = 0; e < t->n_episodes; e++) {
        double C = 0, g = 1;
        for (size_t j = t->ep_start[e]; j < t->ep_start[e + 1]; j++) {
            size_t tt = j - t->ep_start[e];
            for (size_t a = 0; a < A; a++) {
                size_t c = (tt * S + (size_t)t->state[j]) * A + a;
                for (size_t k = 0; k < md.count[c]; k++)
                    y[ny++] = C + md.val[md.start[c] + k];
            }
            C += g * t->reward[j];
            g *= 0.9;
        }
        y[ny++] = C;
    }
    qsort(y, ny, sizeof *y, cmp_double);
    size_t k = 0;
    for (size_t i = 0; i < ny; i++)
        if (k == 0 || y[i] != y[k - 1])
            y[k++] = y[i];
    ny = k;
    double *F = malloc(ny * sizeof *F);
    ok(cdf_dr_raw(t, 0, 0.9, &md, y, ny, F, &err) == 0, "raw DR CDF on every jump point");
    is_double(F[ny - 1], 1.0, 1e-12, "total mass of the raw DR CDF is 1 (the control "
              "variates telescope in rho)");
    double mean = 0, prev = 0;
    for (size_t i = 0; i < ny; i++) {
        mean += (F[i] - prev) * y[i];
        prev = F[i];
    }
    /* The trajectory dr (Jiang & Li) with the same Q̂ (tabular FQE). */
    size_t n = t->n_steps;
    double *w = malloc(n * sizeof *w), *rho = malloc(n * sizeof *rho);
    double *qa = malloc(n * sizeof *qa), *v = malloc(n * sizeof *v);
    struct vm_opts vo;
    vm_opts_init(&vo);
    if (traj_weights(t, 0, w, rho, &err) != 0 || vm_fit(t, 0, 0.9, &vo, qa, v, &err) != 0)
        bail_out("%s", err.msg);
    struct traj_in in = { t, 0, t->horizon, 0.9, w, rho, qa, v, NULL, NULL, 0 };
    struct traj_terms tt;
    if (TRAJ("dr")->traj_build(&in, NULL, &tt, &err) != 0)
        bail_out("%s", err.msg);
    double dr = traj_value(&tt, NULL);
    is_double(mean, dr, 1e-8, "mean of the raw DR CDF %.10f = trajectory dr %.10f", mean, dr);
    traj_terms_release(&tt);
    free(w), free(rho), free(qa), free(v), free(y), free(F), free(Q);
    cdf_model_release(&md);
    tlog_free(t);
    policy_free(pb), policy_free(pe);
    mdp_free(m);
}

/* C: deterministic on-policy logging (pscore 1, pi_e = pi_b): every control variate
 * is rho_{t-1} pi_e(a_t|s_t) - rho_t = 1 - 1 = 0, so F is the empirical CDF. */
static void test_on_policy(void)
{
    struct ope_error err = { 0 };
    struct mdp *m = random_mdp(5, 0.0, 9);
    const double p0[] = { 1, 0, 1, 1 };
    struct policy *pi = two_action_policy(4, p0);
    struct tlog *t = sample(m, pi, pi, 500, 3);
    struct cdf_result dr, tis;
    ok(cdf_traj(t, 0, 0.9, CDF_DR, 0.2, &dr, &err) == 0 &&
       cdf_traj(t, 0, 0.9, CDF_TIS, 0.2, &tis, &err) == 0, "DR and TIS CDFs on on-policy data");
    size_t n = t->n_episodes;
    double *G = malloc(n * sizeof *G);
    for (size_t e = 0; e < n; e++) {
        double g = 1;
        G[e] = 0;
        for (size_t j = t->ep_start[e]; j < t->ep_start[e + 1]; j++, g *= 0.9)
            G[e] += g * t->reward[j];
    }
    int same = 1;
    for (size_t k = 0; k < dr.n; k++) {
        size_t c = 0;
        for (size_t e = 0; e < n; e++)
            c += G[e] <= dr.y[k] + 1e-9 * (1 + fabs(dr.y[k]));
        same &= dr.F[k] == (double)c / (double)n;
    }
    ok(same, "on-policy DR CDF = empirical CDF (count / n) at all %zu grid points", dr.n);
    is_double(dr.mean, tis.mean, 1e-12, "same mean as the empirical CDF");
    is_double(dr.var, tis.var, 1e-12, "same variance");
    is_double(dr.cvar, tis.cvar, 1e-12, "same CVaR_0.2");
    is_double(dr.iqr, tis.iqr, 1e-12, "same IQR");
    cdf_result_release(&dr), cdf_result_release(&tis);
    free(G);
    tlog_free(t);
    policy_free(pi);
    mdp_free(m);
}

/* D: a deterministic MDP: s' = (s + a + 1) mod 3, R(s, a) = 0.3 s + 0.7 a + 0.11,
 * start in 0, H = 3, gamma 0.9, stochastic pi_b and pi_e. Every (s, a) is logged, so
 * the empirical model is the true one and each trajectory's DR telescopes to the true
 * CDF from s_0: F̂ = F exactly, while TIS is only right on average. */
static void test_exact_model(void)
{
    struct ope_error err = { 0 };
    struct mdp *m = mdp_new(3, 2, &err);
    for (int s = 0; s < 3; s++)
        for (int a = 0; a < 2; a++) {
            m->P[(s * 2 + a) * 3 + (s + a + 1) % 3] = 1;
            m->R[s * 2 + a] = 0.3 * s + 0.7 * a + 0.11;
        }
    m->mu0[0] = 1;
    m->horizon = 3;
    m->gamma = 0.9;
    if (mdp_finalize(m, &err) != 0)
        bail_out("mdp: %s", err.msg);
    const double pb0[] = { 0.5, 0.3, 0.6 }, pe0[] = { 0.8, 0.1, 0.5 };
    struct policy *pb = two_action_policy(3, pb0), *pe = two_action_policy(3, pe0);
    struct tlog *t = sample(m, pb, pe, 400, 21);
    struct dist d;
    true_dist(m, pe->p, &d);
    struct cdf_result r, tis;
    ok(cdf_traj(t, 0, 0.9, CDF_DR, 0.3, &r, &err) == 0 &&
       cdf_traj(t, 0, 0.9, CDF_TIS, 0.3, &tis, &err) == 0, "DR CDF on the deterministic MDP");
    double worst = 0, worst_tis = 0;
    for (size_t k = 0; k < r.n; k++)
        worst = fmax(worst, fabs(r.F[k] - true_F(&d, r.y[k])));
    for (size_t k = 0; k < tis.n; k++)
        worst_tis = fmax(worst_tis, fabs(tis.F[k] - true_F(&d, tis.y[k])));
    ok(worst < 1e-12, "DR CDF = true CDF at all %zu grid points (max diff %.2g)", r.n, worst);
    ok(worst_tis > 1e-3, "control: TIS CDF differs from the truth on this log (max diff %.3g)",
       worst_tis);
    /* The true summaries: build the same result struct from the exact distribution. */
    struct cdf_result x = { 0 };
    x.y = malloc(d.n * sizeof *x.y);
    x.F = malloc(d.n * sizeof *x.F);
    double *vs = malloc(d.n * sizeof *vs);
    memcpy(vs, d.v, d.n * sizeof *vs);
    qsort(vs, d.n, sizeof *vs, cmp_double);
    for (size_t i = 0; i < d.n; i++)
        if (x.n == 0 || vs[i] > x.y[x.n - 1] + 1e-9) {
            x.y[x.n] = vs[i];
            x.F[x.n] = true_F(&d, vs[i]);
            x.n++;
        }
    cdf_result_finish(&x, 0.3);
    diag("true mean %.6f variance %.6f CVaR_0.3 %.6f IQR %.6f", x.mean, x.var, x.cvar, x.iqr);
    is_double(r.mean, x.mean, 1e-9, "DR mean = true mean");
    is_double(r.var, x.var, 1e-9, "DR variance = true variance");
    is_double(r.cvar, x.cvar, 1e-9, "DR CVaR_0.3 = true CVaR_0.3");
    is_double(r.iqr, x.iqr, 1e-9, "DR IQR = true IQR");
    is_double(x.mean, mdp_eval_finite(m, pe->p, NULL, NULL, &err), 1e-12,
              "(the enumerated distribution's mean is the exact value)");
    cdf_result_release(&x), cdf_result_release(&r), cdf_result_release(&tis);
    free(vs), free(d.v), free(d.p);
    tlog_free(t);
    policy_free(pb), policy_free(pe);
    mdp_free(m);
}

/* E: Monte-Carlo unbiasedness with a wrong model fixed before seeing any data. */
static void test_unbiased(void)
{
    struct ope_error err = { 0 };
    enum { H = 4, R = 1000, N = 20, NY = 3 };
    struct mdp *m = random_mdp(H, 0.0, 13);
    const double pb0[] = { 0.5, 0.3, 0.6, 0.5 }, pe0[] = { 0.85, 0.65, 0.15, 0.5 };
    struct policy *pb = two_action_policy(4, pb0), *pe = two_action_policy(4, pe0);
    struct dist d;
    true_dist(m, pe->p, &d);
    /* Points: midway between neighbouring support points of the true law near its
     * quartiles (no ties with any return). */
    double *vs = malloc(d.n * sizeof *vs), y[NY], Ft[NY];
    memcpy(vs, d.v, d.n * sizeof *vs);
    qsort(vs, d.n, sizeof *vs, cmp_double);
    const double q[NY] = { 0.25, 0.5, 0.75 };
    for (int k = 0; k < NY; k++) {
        size_t i = 0;
        while (i + 1 < d.n && true_F(&d, vs[i]) < q[k])
            i++;
        size_t j = i + 1;
        while (j < d.n && vs[j] <= vs[i] + 1e-9)
            j++;
        y[k] = j < d.n ? (vs[i] + vs[j]) / 2 : vs[i] + 1;
        Ft[k] = true_F(&d, y[k]);
    }
    /* The wrong model: two atoms per cell at made-up returns. */
    struct cdf_model md;
    if (cdf_model_init(&md, H, 4, 2, 2, &err) != 0)
        bail_out("%s", err.msg);
    for (int t = 0; t < H; t++)
        for (int s = 0; s < 4; s++)
            for (int a = 0; a < 2; a++) {
                size_t c = (size_t)((t * 4 + s) * 2 + a), b = md.start[c];
                md.val[b] = 0.2 * (s + a + t);
                md.val[b + 1] = md.val[b] + 1.3 - 0.2 * a;
                md.prob[b] = 0.35 + 0.1 * s;
                md.prob[b + 1] = 1 - md.prob[b];
            }
    static double x[R][NY], z[R][NY];
    for (int s = 0; s < R; s++) {
        struct tlog *t = sample(m, pb, pe, N, 50000 + (uint64_t)s);
        if (cdf_dr_raw(t, 0, 0.9, &md, y, NY, x[s], &err) != 0)
            bail_out("%s", err.msg);
        /* The behaviour policy's empirical CDF at the same points. */
        for (int k = 0; k < NY; k++) {
            int c = 0;
            for (size_t e = 0; e < t->n_episodes; e++) {
                double G = 0, g = 1;
                for (size_t j = t->ep_start[e]; j < t->ep_start[e + 1]; j++, g *= 0.9)
                    G += g * t->reward[j];
                c += G <= y[k];
            }
            z[s][k] = (double)c / (double)t->n_episodes;
        }
        tlog_free(t);
    }
    int far = 0;
    for (int k = 0; k < NY; k++) {
        double mx = 0, mz = 0, sx = 0, sz = 0;
        for (int s = 0; s < R; s++)
            mx += x[s][k] / R, mz += z[s][k] / R;
        for (int s = 0; s < R; s++)
            sx += (x[s][k] - mx) * (x[s][k] - mx), sz += (z[s][k] - mz) * (z[s][k] - mz);
        double se = sqrt(sx / (R - 1) / R), sez = sqrt(sz / (R - 1) / R);
        ok(fabs(mx - Ft[k]) <= 3 * se, "raw DR CDF unbiased at y = %.4f: mean %.5f vs true "
           "F %.5f (3 se = %.5f)", y[k], mx, Ft[k], 3 * se);
        far |= fabs(mz - Ft[k]) > 6 * sez;
    }
    ok(far, "control: the behaviour policy's own CDF misses the true F by > 6 se somewhere");
    cdf_model_release(&md);
    free(vs), free(d.v), free(d.p);
    policy_free(pb), policy_free(pe);
    mdp_free(m);
}

/* F: inputs the DR CDF refuses. */
static void test_errors(void)
{
    struct ope_error err = { 0 };
    int len[] = { 2, 1 };
    struct tlog *t = tlog_new(2, len, 2, 0, 1, &err);
    for (int j = 0; j < 3; j++) {
        t->action[j] = 0;
        t->reward[j] = 1;
        t->pscore[j] = 0.5;
        t->policy[0].prob[0][j] = t->policy[0].prob[1][j] = 0.5;
    }
    struct cdf_result r;
    ok(cdf_traj(t, 0, 1.0, CDF_DR, 0.1, &r, &err) != 0 && err.status == OPE_EDATA &&
       strstr(err.msg, "tabular state column"), "no state column: a data error saying why");
    tlog_free(t);
    struct tlog *u = tlog_new(2, len, 2, 2, 1, &err);
    for (int j = 0; j < 3; j++) {
        u->state[j] = 0;
        u->action[j] = 0;
        u->reward[j] = 1;
        u->pscore[j] = 0.5;
        u->policy[0].prob[0][j] = u->policy[0].prob[1][j] = 0.5;
    }
    struct cdf_model md;
    cdf_model_init(&md, 1, 2, 2, 1, &err);     /* T = 1 < the log's horizon 2 */
    double y = 1, F;
    ok(cdf_dr_raw(u, 0, 1.0, &md, &y, 1, &F, &err) != 0 && strstr(err.msg, "does not cover"),
       "a model shorter than the log's horizon is refused");
    cdf_model_release(&md);
    tlog_free(u);
}

int main(void)
{
    plan_no_plan();
    test_model_and_mean();
    test_on_policy();
    test_exact_model();
    test_unbiased();
    test_errors();
    return done_testing();
}
