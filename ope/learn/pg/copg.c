/* ope/learn/pg/copg.c: contrastive policy gradient on a K-armed bandit, with off-policy
 * REINFORCE and IPO on the same pairs for comparison (copg.h).
 *
 * Why CoPG finds pi* from ANY behaviour policy covering the arms. With Rb(y) =
 * R(y) - beta ln(pi(y) / pi_ref(y)) the paper's pair loss is (Rb(y) - Rb(y'))^2. For a
 * softmax pi = softmax(theta) the log-normaliser cancels in the difference:
 *     Rb(y) - Rb(y') = R(y) - R(y') - beta (theta_y - theta_y') + beta ln(pi_ref(y) / pi_ref(y')),
 * so the loss is a convex quadratic in theta (a least-squares problem on the graph of
 * sampled pairs). It is 0 -- its minimum -- exactly when Rb is constant over the arms,
 * i.e. theta_y = ln pi_ref(y) + R(y) / beta + c, i.e. pi = pi* proportional to
 * pi_ref exp(R / beta), the maximiser of J_beta. With noise-free rewards and a connected
 * pair graph this holds for every data set, whatever mu drew it; with noisy rewards the
 * minimiser is the least-squares fit, which tends to pi* as the pairs grow.
 *
 * The gradient: d/dtheta of (1 / (4 beta N)) sum_i Delta_i^2 is
 * -(1 / 2N) sum_i Delta_i (grad ln pi(y1_i) - grad ln pi(y2_i)) = -(1 / 2N) sum_i Delta_i
 * (e_y1 - e_y2): a policy gradient on y1 with Rb(y2) as its baseline, and vice versa --
 * the "contrastive baseline". The 1 / (4 beta) scale makes it, on-policy (y1, y2 ~ pi),
 * equal in expectation to the exact gradient of J_beta: E[Rb(y) grad ln pi(y)]. */
#include "config.h"
#include "ope/learn/pg/copg.h"
#include "ope/base/rng.h"
#include "ope/base/softmax.h"
#include "ope/base/sum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct copg_bandit *copg_bandit_new(int n_arms, struct ope_error *err)
{
    if (n_arms < 2 || n_arms > 1000000) {
        ope_fail(err, OPE_EUSAGE, "copg: the bandit needs 2..1e6 arms, got %d", n_arms);
        return NULL;
    }
    struct copg_bandit *b = ope_calloc(1, sizeof *b, err);
    if (!b)
        return NULL;
    b->n_arms = n_arms;
    b->beta = 1.0;
    if (!(b->reward = ope_calloc((size_t)n_arms, sizeof(double), err))
        || !(b->ref = ope_calloc((size_t)n_arms, sizeof(double), err))
        || !(b->behaviour = ope_calloc((size_t)n_arms, sizeof(double), err))) {
        copg_bandit_free(b);
        return NULL;
    }
    return b;
}

void copg_bandit_free(struct copg_bandit *b)
{
    if (!b)
        return;
    free(b->reward);
    free(b->ref);
    free(b->behaviour);
    free(b);
}

/* The toy of our demonstration (not the paper's exact sizes, which the stored copy of
 * the paper did not show):
 *   R = (0.9, 0.85, 0.8, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05, 0): three good arms whose
 *       rewards differ by little, then a gap -- so a method that keeps only the ORDER
 *       of two rewards (IPO's preferences) sees 0.9 vs 0.85 as strongly as 0.9 vs 0;
 *   pi_ref uniform;
 *   mu proportional to exp(-3 R): the data come mostly from bad arms (mu(best) = 0.014,
 *       mu(worst) = 0.20), so learning is genuinely off-policy;
 *   beta = 0.1: pi* = (0.505, 0.306, 0.186, ...) puts 0.997 of its mass on the three
 *       good arms yet stays stochastic among them. */
struct copg_bandit *copg_bandit_toy(double reward_sd, struct ope_error *err)
{
    static const double R[10] = {0.9, 0.85, 0.8, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05, 0.0};
    struct copg_bandit *b = copg_bandit_new(10, err);
    if (!b)
        return NULL;
    double z = 0.0;
    for (int k = 0; k < 10; k++) {
        b->reward[k] = R[k];
        b->ref[k] = 0.1;
        z += b->behaviour[k] = exp(-3.0 * R[k]);
    }
    for (int k = 0; k < 10; k++)
        b->behaviour[k] /= z;
    b->beta = 0.1;
    b->reward_sd = reward_sd;
    return b;
}

int copg_bandit_check(const struct copg_bandit *b, struct ope_error *err)
{
    int K = b->n_arms;
    double sr = 0.0, sb = 0.0;
    for (int k = 0; k < K; k++) {
        if (!isfinite(b->reward[k]))
            return ope_fail(err, OPE_EUSAGE, "copg: reward of arm %d is not finite", k);
        if (!(b->ref[k] > 0.0 && b->ref[k] <= 1.0))
            return ope_fail(err, OPE_EUSAGE, "copg: pi_ref(%d) = %g must be in (0, 1]", k,
                            b->ref[k]);
        if (!(b->behaviour[k] >= 0.0 && b->behaviour[k] <= 1.0))
            return ope_fail(err, OPE_EUSAGE, "copg: mu(%d) = %g must be in [0, 1]", k,
                            b->behaviour[k]);
        sr += b->ref[k];
        sb += b->behaviour[k];
    }
    if (fabs(sr - 1.0) > 1e-9 || fabs(sb - 1.0) > 1e-9)
        return ope_fail(err, OPE_EUSAGE, "copg: pi_ref sums to %.12g and mu to %.12g; both "
                        "must sum to 1", sr, sb);
    if (!(b->beta > 0.0) || !isfinite(b->beta))
        return ope_fail(err, OPE_EUSAGE, "copg: beta must be > 0, got %g", b->beta);
    if (!(b->reward_sd >= 0.0) || !isfinite(b->reward_sd))
        return ope_fail(err, OPE_EUSAGE, "copg: reward sd must be >= 0, got %g", b->reward_sd);
    return 0;
}

double copg_optimum(const struct copg_bandit *b, double *pi_star)
{
    int K = b->n_arms;
    double mx = -INFINITY;
    for (int k = 0; k < K; k++)
        mx = fmax(mx, log(b->ref[k]) + b->reward[k] / b->beta);
    struct ope_sum z;
    ope_sum_init(&z);
    for (int k = 0; k < K; k++) {
        double t = exp(log(b->ref[k]) + b->reward[k] / b->beta - mx);
        ope_sum_add(&z, t);
        if (pi_star)
            pi_star[k] = t;
    }
    double Z = ope_sum_value(&z);
    if (pi_star)
        for (int k = 0; k < K; k++)
            pi_star[k] /= Z;
    /* max_pi E_pi[R] - beta KL(pi || pi_ref) = beta ln E_{pi_ref}[exp(R / beta)] (the
     * Gibbs variational principle), computed with the max factored out. */
    return b->beta * (mx + log(Z));
}

double copg_value(const struct copg_bandit *b, const double *pi, double *obj, double *kl)
{
    struct ope_sum r, k;
    ope_sum_init(&r);
    ope_sum_init(&k);
    for (int y = 0; y < b->n_arms; y++) {
        ope_sum_add(&r, pi[y] * b->reward[y]);
        if (pi[y] > 0.0)
            ope_sum_add(&k, pi[y] * log(pi[y] / b->ref[y]));
    }
    if (obj)
        *obj = ope_sum_value(&r) - b->beta * ope_sum_value(&k);
    if (kl)
        *kl = ope_sum_value(&k);
    return ope_sum_value(&r);
}

int copg_sample(const struct copg_bandit *b, size_t n_pairs, uint64_t seed,
                struct copg_data **out, struct ope_error *err)
{
    *out = NULL;
    if (copg_bandit_check(b, err) < 0)
        return -1;
    if (n_pairs < 1 || n_pairs > 100000000u)
        return ope_fail(err, OPE_EUSAGE, "copg: need 1..1e8 pairs, got %zu", n_pairs);
    struct copg_data *d = ope_calloc(1, sizeof *d, err);
    if (!d || !(d->y1 = ope_calloc(n_pairs, sizeof(int), err))
        || !(d->y2 = ope_calloc(n_pairs, sizeof(int), err))
        || !(d->r1 = ope_calloc(n_pairs, sizeof(double), err))
        || !(d->r2 = ope_calloc(n_pairs, sizeof(double), err))) {
        copg_data_free(d);
        return -1;
    }
    d->n_pairs = n_pairs;
    struct ope_rng rng;
    ope_rng_init(&rng, seed, OPE_RNG_TRAIN, 10);
    for (size_t i = 0; i < n_pairs; i++) {
        d->y1[i] = ope_rng_discrete(&rng, b->behaviour, b->n_arms);
        d->y2[i] = ope_rng_discrete(&rng, b->behaviour, b->n_arms);
        d->r1[i] = b->reward[d->y1[i]];
        d->r2[i] = b->reward[d->y2[i]];
        if (b->reward_sd > 0.0) {
            d->r1[i] += b->reward_sd * ope_rng_normal(&rng);
            d->r2[i] += b->reward_sd * ope_rng_normal(&rng);
        }
    }
    *out = d;
    return 0;
}

void copg_data_free(struct copg_data *d)
{
    if (!d)
        return;
    free(d->y1);
    free(d->y2);
    free(d->r1);
    free(d->r2);
    free(d);
}

const char *copg_method_name(enum copg_method m)
{
    return m == COPG_COPG ? "copg" : m == COPG_PG ? "pg" : "ipo";
}

int copg_method_find(const char *name)
{
    for (int m = COPG_COPG; m <= COPG_IPO; m++)
        if (strcmp(name, copg_method_name((enum copg_method)m)) == 0)
            return m;
    return -1;
}

/* Defaults: 20000 full-batch steps of size 2 bring all three methods on the toy to
 * their fixed points (gradient norms below 1e-12 on five data sets; at 3000 steps IPO
 * was still at 8e-4 on one). A step costs O(distinct pairs + K). */
void copg_opts_init(struct copg_opts *o)
{
    o->method = COPG_COPG;
    o->iterations = 20000;
    o->lr = 2.0;
}

/* The data reduced to what the three methods need, so that a gradient step costs
 * O(distinct ordered pairs + K) instead of O(N): per ordered pair (u, v) of arms, its
 * count, the sum and sum of squares of r1 - r2, and how often u or v had the larger
 * reward (IPO's preference; ties count for neither); per arm, its draws and their
 * reward sum (pg). */
struct agg {
    size_t m;                   /* distinct ordered pairs */
    int *u, *v;                 /* [m] */
    double *cnt, *dsum, *dsq, *win_u, *win_v;   /* [m] */
    double *draws, *rsum;       /* [K] */
    double N, decided;          /* pairs; pairs with r1 != r2 */
};

static void agg_release(struct agg *g)
{
    free(g->u);
    free(g->v);
    free(g->cnt);
    free(g->dsum);
    free(g->dsq);
    free(g->win_u);
    free(g->win_v);
    free(g->draws);
    free(g->rsum);
    memset(g, 0, sizeof *g);
}

/* Sort key of a pair: (y1, y2, position), so equal pairs are adjacent and summed in
 * data order. */
struct pair_key {
    int y1, y2;
    size_t i;
};

static int pair_cmp(const void *x, const void *y)
{
    const struct pair_key *a = x, *b = y;
    if (a->y1 != b->y1)
        return a->y1 < b->y1 ? -1 : 1;
    if (a->y2 != b->y2)
        return a->y2 < b->y2 ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

static int agg_build(const struct copg_bandit *b, const struct copg_data *d, struct agg *g,
                     struct ope_error *err)
{
    size_t N = d->n_pairs, K = (size_t)b->n_arms;
    memset(g, 0, sizeof *g);
    if (N < 1)
        return ope_fail(err, OPE_EDATA, "copg: the data set has no pairs");
    for (size_t i = 0; i < N; i++)
        if (d->y1[i] < 0 || d->y1[i] >= b->n_arms || d->y2[i] < 0 || d->y2[i] >= b->n_arms)
            return ope_fail(err, OPE_EDATA, "copg: pair %zu names an arm outside 0..%d", i,
                            b->n_arms - 1);
    struct pair_key *idx = ope_malloc(N * sizeof *idx, err);
    if (!idx || !(g->u = ope_calloc(N, sizeof(int), err))
        || !(g->v = ope_calloc(N, sizeof(int), err))
        || !(g->cnt = ope_calloc(N, sizeof(double), err))
        || !(g->dsum = ope_calloc(N, sizeof(double), err))
        || !(g->dsq = ope_calloc(N, sizeof(double), err))
        || !(g->win_u = ope_calloc(N, sizeof(double), err))
        || !(g->win_v = ope_calloc(N, sizeof(double), err))
        || !(g->draws = ope_calloc(K, sizeof(double), err))
        || !(g->rsum = ope_calloc(K, sizeof(double), err))) {
        free(idx);
        agg_release(g);
        return -1;
    }
    for (size_t i = 0; i < N; i++) {
        idx[i].y1 = d->y1[i];
        idx[i].y2 = d->y2[i];
        idx[i].i = i;
    }
    qsort(idx, N, sizeof *idx, pair_cmp);
    for (size_t k = 0; k < N; k++) {
        size_t i = idx[k].i;
        int y1 = d->y1[i], y2 = d->y2[i];
        if (g->m == 0 || g->u[g->m - 1] != y1 || g->v[g->m - 1] != y2) {
            g->u[g->m] = y1;
            g->v[g->m] = y2;
            g->m++;
        }
        size_t e = g->m - 1;
        double dr = d->r1[i] - d->r2[i];
        g->cnt[e] += 1.0;
        g->dsum[e] += dr;
        g->dsq[e] += dr * dr;
        g->win_u[e] += dr > 0.0;
        g->win_v[e] += dr < 0.0;
        g->decided += dr != 0.0;
        g->draws[y1] += 1.0;
        g->draws[y2] += 1.0;
        g->rsum[y1] += d->r1[i];
        g->rsum[y2] += d->r2[i];
    }
    g->N = (double)N;
    free(idx);
    return 0;
}

/* copg_loss on the reduced data; lr[K] is scratch for ln(pi / pi_ref). */
static double agg_loss(const struct copg_bandit *b, const struct agg *g, enum copg_method m,
                       const double *theta, double *grad, double *lr)
{
    int K = b->n_arms;
    double mx = theta[0], beta = b->beta, N = g->N;
    for (int k = 1; k < K; k++)
        mx = fmax(mx, theta[k]);
    struct ope_sum z, loss;
    ope_sum_init(&z);
    ope_sum_init(&loss);
    for (int k = 0; k < K; k++)
        ope_sum_add(&z, exp(theta[k] - mx));
    double lse = mx + log(ope_sum_value(&z));
    for (int k = 0; k < K; k++)
        lr[k] = theta[k] - lse - log(b->ref[k]);    /* ln(pi(k) / pi_ref(k)) */
    if (grad)
        memset(grad, 0, (size_t)K * sizeof *grad);
    if (m == COPG_PG) {
        /* minus (1/2N) sum over draws of Rb(y) (e_y - pi), Rb(y) = r - beta lr(y) */
        double c = 0.0;
        for (int k = 0; k < K; k++) {
            double w = (g->rsum[k] - beta * g->draws[k] * lr[k]) / (2.0 * N);
            if (grad)
                grad[k] -= w;
            c += w;
        }
        if (grad)
            for (int k = 0; k < K; k++)
                grad[k] += c * exp(theta[k] - lse);
        return NAN;
    }
    for (size_t e = 0; e < g->m; e++) {
        int u = g->u[e], v = g->v[e];
        double dl = lr[u] - lr[v];
        if (m == COPG_COPG) {
            /* sum_i Delta_i^2 with Delta_i = (r1 - r2) - beta dl, and sum_i Delta_i */
            ope_sum_add(&loss, g->dsq[e] - 2.0 * beta * dl * g->dsum[e]
                               + beta * beta * dl * dl * g->cnt[e]);
            if (grad) {     /* -(1/2N) sum_i Delta_i (e_u - e_v) */
                double D = (g->dsum[e] - beta * dl * g->cnt[e]) / (2.0 * N);
                grad[u] -= D;
                grad[v] += D;
            }
        } else {            /* ipo: h = ln-ratio gap of winner over loser - 1/(2 beta) */
            double hu = dl - 0.5 / beta, hv = -dl - 0.5 / beta;
            ope_sum_add(&loss, g->win_u[e] * hu * hu + g->win_v[e] * hv * hv);
            if (grad && g->decided > 0.0) {
                double D = 2.0 * (g->win_u[e] * hu - g->win_v[e] * hv) / g->decided;
                grad[u] += D;
                grad[v] -= D;
            }
        }
    }
    if (m == COPG_IPO)
        return g->decided > 0.0 ? ope_sum_value(&loss) / g->decided : 0.0;
    return ope_sum_value(&loss) / (4.0 * beta * N);
}

double copg_loss(const struct copg_bandit *b, const struct copg_data *d,
                 enum copg_method m, const double *theta, double *grad,
                 struct ope_error *err)
{
    struct agg g;
    double *lr = ope_calloc((size_t)b->n_arms, sizeof *lr, err);
    if (!lr || agg_build(b, d, &g, err) < 0) {
        free(lr);
        return NAN;
    }
    double v = agg_loss(b, &g, m, theta, grad, lr);
    agg_release(&g);
    free(lr);
    return v;
}

/* Fill one record for logits theta (p: scratch [K]). */
static void record(const struct copg_bandit *b, const double *theta, const double *pi_star,
                   double *p, int it, double gnorm, struct copg_record *rec)
{
    ope_softmax(b->n_arms, theta, 1.0, p);
    rec->iteration = it;
    rec->reward = copg_value(b, p, &rec->objective, &rec->kl_ref);
    struct ope_sum k;
    ope_sum_init(&k);
    for (int y = 0; y < b->n_arms; y++)
        if (pi_star[y] > 0.0)
            ope_sum_add(&k, pi_star[y] * log(pi_star[y] / fmax(p[y], 1e-300)));
    rec->kl_star = fmax(0.0, ope_sum_value(&k));   /* >= 0 up to rounding */
    rec->grad_norm = gnorm;
}

int copg_train(const struct copg_bandit *b, const struct copg_data *d,
               const struct copg_opts *o, struct copg_result **out, struct ope_error *err)
{
    *out = NULL;
    if (copg_bandit_check(b, err) < 0)
        return -1;
    if (o->iterations < 0 || o->iterations > 100000000)
        return ope_fail(err, OPE_EUSAGE, "copg: iterations must be in [0, 1e8], got %d",
                        o->iterations);
    if (!(o->lr > 0.0) || !isfinite(o->lr))
        return ope_fail(err, OPE_EUSAGE, "copg: step size must be > 0, got %g", o->lr);
    if (o->method < COPG_COPG || o->method > COPG_IPO)
        return ope_fail(err, OPE_EUSAGE, "copg: unknown method %d", (int)o->method);
    int K = b->n_arms;
    struct agg ag;
    if (agg_build(b, d, &ag, err) < 0)
        return -1;
    struct copg_result *res = ope_calloc(1, sizeof *res, err);
    double *theta = ope_calloc((size_t)K, sizeof *theta, err);
    double *g = ope_calloc((size_t)K, sizeof *g, err);
    double *lr = ope_calloc((size_t)K, sizeof *lr, err);
    if (!res || !theta || !g || !lr
        || !(res->rec = ope_calloc((size_t)o->iterations + 1, sizeof *res->rec, err))
        || !(res->policy = ope_calloc((size_t)K, sizeof(double), err))
        || !(res->pi_star = ope_calloc((size_t)K, sizeof(double), err))) {
        free(theta);
        free(g);
        free(lr);
        agg_release(&ag);
        copg_result_free(res);
        return -1;
    }
    res->j_star = copg_optimum(b, res->pi_star);
    for (int k = 0; k < K; k++)
        theta[k] = log(b->ref[k]);      /* start at pi_ref, as fine-tuning does */
    /* Row k records the iterate after k steps and the norm of the gradient there (the
     * step about to be taken; 0 at a fixed point). */
    int finite = 1;
    for (int it = 0; it <= o->iterations; it++) {
        if (it > 0)
            for (int k = 0; k < K; k++) {
                theta[k] -= o->lr * g[k];
                finite &= isfinite(theta[k]);
            }
        if (!finite) {
            free(theta);
            free(g);
            free(lr);
            agg_release(&ag);
            copg_result_free(res);
            return ope_fail(err, OPE_EUSAGE, "copg: %s diverged at iteration %d: the step size "
                            "%g is too large", copg_method_name(o->method), it, o->lr);
        }
        agg_loss(b, &ag, o->method, theta, g, lr);
        struct ope_sum nn;
        ope_sum_init(&nn);
        for (int k = 0; k < K; k++)
            ope_sum_add(&nn, g[k] * g[k]);
        record(b, theta, res->pi_star, res->policy, it, sqrt(ope_sum_value(&nn)),
               &res->rec[it]);
    }
    res->n_records = o->iterations + 1;
    free(theta);
    free(g);
    free(lr);
    agg_release(&ag);
    *out = res;
    return 0;
}

void copg_result_free(struct copg_result *r)
{
    if (!r)
        return;
    free(r->rec);
    free(r->policy);
    free(r->pi_star);
    free(r);
}
