/* t/1360-copg.c: CoPG (ope/learn/pg/copg.h) on bandits: the closed-form regularised optimum,
 * the losses' gradients against finite differences, CoPG's on-policy gradient equal to
 * the exact gradient of J_beta, and the paper's point on our toy bandit -- from pairs
 * drawn by a behaviour policy that favours bad arms, CoPG converges to pi* (exactly with
 * noise-free rewards, to the least-squares fit with noisy ones) while off-policy
 * REINFORCE and IPO on the same pairs stop elsewhere. */
#include "config.h"
#include "t/tap.h"
#include "ope/learn/pg/copg.h"

#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ope_error err;

static struct copg_bandit *tiny(void)
{
    struct copg_bandit *b = copg_bandit_new(3, &err);
    if (!b)
        bail_out("%s", err.msg);
    double R[3] = {1.0, 0.0, 0.5}, ref[3] = {0.5, 0.25, 0.25}, mu[3] = {0.2, 0.3, 0.5};
    memcpy(b->reward, R, sizeof R);
    memcpy(b->ref, ref, sizeof ref);
    memcpy(b->behaviour, mu, sizeof mu);
    b->beta = 0.5;
    return b;
}

static void test_optimum(void)
{
    struct copg_bandit *b = tiny();
    double ps[3];
    double js = copg_optimum(b, ps);
    /* pi* proportional to pi_ref exp(R / beta) = (0.5 e^2, 0.25, 0.25 e^1) */
    double z = 0.5 * exp(2.0) + 0.25 + 0.25 * exp(1.0);
    ok(fabs(ps[0] - 0.5 * exp(2.0) / z) < 1e-15 && fabs(ps[1] - 0.25 / z) < 1e-15
       && fabs(ps[2] - 0.25 * exp(1.0) / z) < 1e-15, "pi* = pi_ref exp(R / beta) / Z");
    is_double(js, 0.5 * log(z), 1e-15, "J* = beta ln sum pi_ref exp(R / beta)");
    double obj;
    copg_value(b, ps, &obj, NULL);
    is_double(obj, js, 1e-14, "E_pi*[R] - beta KL(pi* || pi_ref) equals that closed form");
    /* Gibbs: J_beta(pi) = J* - beta KL(pi || pi*) for every pi. */
    double pi[3] = {0.1, 0.6, 0.3}, kl = 0.0;
    for (int k = 0; k < 3; k++)
        kl += pi[k] * log(pi[k] / ps[k]);
    copg_value(b, pi, &obj, NULL);
    is_double(obj, js - 0.5 * kl, 1e-14, "J_beta(pi) = J* - beta KL(pi || pi*)");
    copg_bandit_free(b);
}

/* Central differences of the copg and ipo losses against their gradients. */
static void test_gradients(void)
{
    struct copg_bandit *b = tiny();
    b->reward_sd = 0.3;
    struct copg_data *d;
    if (copg_sample(b, 7, 5, &d, &err) < 0)
        bail_out("%s", err.msg);
    double theta[3] = {0.3, -0.7, 0.1}, g[3];
    for (int m = COPG_COPG; m <= COPG_IPO; m += COPG_IPO - COPG_COPG) {
        copg_loss(b, d, (enum copg_method)m, theta, g, &err);
        double worst = 0.0, h = 1e-6;
        for (int k = 0; k < 3; k++) {
            double up[3], dn[3];
            memcpy(up, theta, sizeof up);
            memcpy(dn, theta, sizeof dn);
            up[k] += h;
            dn[k] -= h;
            double fd = (copg_loss(b, d, (enum copg_method)m, up, NULL, &err)
                         - copg_loss(b, d, (enum copg_method)m, dn, NULL, &err)) / (2.0 * h);
            worst = fmax(worst, fabs(fd - g[k]));
        }
        /* quadratic losses in theta: the central difference is exact up to rounding */
        ok(worst < 1e-8, "%s loss: gradient = central differences (max error %.2e)",
           copg_method_name((enum copg_method)m), worst);
    }
    ok(isnan(copg_loss(b, d, COPG_PG, theta, g, &err)), "pg has no loss (NaN), only a direction");
    copg_data_free(d);
    copg_bandit_free(b);
}

/* On-policy, CoPG's expected step is the exact gradient of J_beta (see copg.c). At
 * theta = 0 the policy is uniform over 3 arms, so the 9 ordered pairs (y1, y2), once
 * each, ARE the distribution pi x pi: the data-set average equals the expectation. */
static void test_on_policy(void)
{
    struct copg_bandit *b = tiny();
    struct copg_data d = {9, NULL, NULL, NULL, NULL};
    int y1[9], y2[9];
    double r1[9], r2[9];
    for (int i = 0; i < 9; i++) {
        y1[i] = i / 3;
        y2[i] = i % 3;
        r1[i] = b->reward[y1[i]];
        r2[i] = b->reward[y2[i]];
    }
    d.y1 = y1;
    d.y2 = y2;
    d.r1 = r1;
    d.r2 = r2;
    double theta[3] = {0, 0, 0}, g[3], gpg[3], worst = 0.0, worst_pg = 0.0, h = 1e-6;
    copg_loss(b, &d, COPG_COPG, theta, g, &err);
    copg_loss(b, &d, COPG_PG, theta, gpg, &err);
    for (int k = 0; k < 3; k++) {
        double up[3] = {0, 0, 0}, dn[3] = {0, 0, 0}, pu[3], pd[3], ju, jd;
        up[k] = h;
        dn[k] = -h;
        for (int i = 0; i < 3; i++) {   /* softmax of a vector with one entry +-h */
            pu[i] = exp(up[i]) / (exp(up[0]) + exp(up[1]) + exp(up[2]));
            pd[i] = exp(dn[i]) / (exp(dn[0]) + exp(dn[1]) + exp(dn[2]));
        }
        copg_value(b, pu, &ju, NULL);
        copg_value(b, pd, &jd, NULL);
        double dj = (ju - jd) / (2.0 * h);
        worst = fmax(worst, fabs(-g[k] - dj));
        worst_pg = fmax(worst_pg, fabs(-gpg[k] - dj));
    }
    ok(worst < 1e-8, "on-policy pairs: minus the CoPG gradient = dJ_beta/dtheta (max error "
       "%.2e)", worst);
    ok(worst_pg < 1e-8, "on-policy draws: the pg direction = dJ_beta/dtheta too (max error "
       "%.2e)", worst_pg);
    copg_bandit_free(b);
}

/* The empirical CoPG minimiser by linear algebra: with x = beta theta the loss is
 * sum_i (c_i - (x_y1 - x_y2))^2, c_i = r1 - r2 + beta ln(pi_ref(y1) / pi_ref(y2)), whose
 * normal equations are L x = sum_i c_i (e_y1 - e_y2) with L the pair graph's Laplacian;
 * x is fixed up to a constant, which (L + 1 1^T) x = rhs pins (rhs and L 1 are
 * orthogonal to 1). pi = softmax(x / beta). */
static void least_squares(const struct copg_bandit *b, const struct copg_data *d, double *pi)
{
    int K = b->n_arms;
    gsl_matrix *M = gsl_matrix_alloc((size_t)K, (size_t)K);
    gsl_vector *rhs = gsl_vector_calloc((size_t)K), *x = gsl_vector_alloc((size_t)K);
    gsl_permutation *perm = gsl_permutation_alloc((size_t)K);
    gsl_matrix_set_all(M, 1.0);
    for (size_t i = 0; i < d->n_pairs; i++) {
        size_t u = (size_t)d->y1[i], v = (size_t)d->y2[i];
        if (u == v)
            continue;
        double c = d->r1[i] - d->r2[i] + b->beta * log(b->ref[u] / b->ref[v]);
        *gsl_matrix_ptr(M, u, u) += 1.0;
        *gsl_matrix_ptr(M, v, v) += 1.0;
        *gsl_matrix_ptr(M, u, v) -= 1.0;
        *gsl_matrix_ptr(M, v, u) -= 1.0;
        *gsl_vector_ptr(rhs, u) += c;
        *gsl_vector_ptr(rhs, v) -= c;
    }
    int sgn;
    if (gsl_linalg_LU_decomp(M, perm, &sgn) || gsl_linalg_LU_solve(M, perm, rhs, x))
        bail_out("LU failed");
    double mx = -INFINITY, z = 0.0;
    for (int k = 0; k < K; k++)
        mx = fmax(mx, gsl_vector_get(x, (size_t)k) / b->beta);
    for (int k = 0; k < K; k++)
        z += pi[k] = exp(gsl_vector_get(x, (size_t)k) / b->beta - mx);
    for (int k = 0; k < K; k++)
        pi[k] /= z;
    gsl_matrix_free(M);
    gsl_vector_free(rhs);
    gsl_vector_free(x);
    gsl_permutation_free(perm);
}

static struct copg_result *train(const struct copg_bandit *b, const struct copg_data *d,
                                 enum copg_method m, double lr)
{
    struct copg_opts o;
    copg_opts_init(&o);
    o.method = m;
    o.lr = lr;
    struct copg_result *r;
    if (copg_train(b, d, &o, &r, &err) < 0)
        bail_out("%s", err.msg);
    return r;
}

/* The toy (copg.c): J* = 0.738 (closed form). Five data sets of 1000 pairs from mu. The
 * CoPG loss is a convex quadratic whose minimum is pi* whenever the pair graph is
 * connected (derivation atop copg.c); in theta its Hessian's non-zero eigenvalues lie
 * in about [beta mu_min, 0.8 beta] = [1.4e-3, 0.08], so the default step 2 is stable
 * (needs < 25) and 20000 steps shrink the error by e^-50 or more. All three methods run
 * with the defaults to their fixed points (gradient norm < 1e-9). Measured gaps
 * J* - J: pg 0.38-0.41, ipo 0.04-0.14 (seeds 1-5); we require 0.02. */
static void test_toy(void)
{
    struct copg_bandit *b = copg_bandit_toy(0.0, &err);
    if (!b)
        bail_out("%s", err.msg);
    int copg_ok = 1, pg_off = 1, ipo_off = 1, conv = 1;
    double js = 0.0, jpg = 0.0, jipo = 0.0;
    for (int s = 1; s <= 5; s++) {
        struct copg_data *d;
        if (copg_sample(b, 1000, (uint64_t)s, &d, &err) < 0)
            bail_out("%s", err.msg);
        struct copg_result *c = train(b, d, COPG_COPG, 2.0);
        struct copg_result *p = train(b, d, COPG_PG, 2.0);
        struct copg_result *q = train(b, d, COPG_IPO, 2.0);
        js = c->j_star;
        const struct copg_record *lc = &c->rec[c->n_records - 1];
        const struct copg_record *lp = &p->rec[p->n_records - 1];
        const struct copg_record *lq = &q->rec[q->n_records - 1];
        double worst = 0.0;
        for (int k = 0; k < b->n_arms; k++)
            worst = fmax(worst, fabs(c->policy[k] - c->pi_star[k]));
        copg_ok &= worst < 1e-9 && fabs(lc->objective - js) < 1e-12;
        pg_off &= lp->objective < js - 0.02;
        ipo_off &= lq->objective < js - 0.02;
        conv &= lc->grad_norm < 1e-9 && lp->grad_norm < 1e-9 && lq->grad_norm < 1e-9;
        if (s == 1) {
            jpg = lp->objective;
            jipo = lq->objective;
            /* pg's fixed point, derived: the direction (1/2N) sum Rb(y)(e_y - pi) vanishes
             * iff n_k Rb(k) = pi_k sum_j n_j Rb(j) for every arm k (n_k: draws of arm k),
             * so pi leans towards the arms mu draws often: the bias of off-policy PG
             * without importance weights or baseline. */
            double n[10] = {0}, rb[10], tot = 0.0, bad = 0.0;
            for (size_t i = 0; i < d->n_pairs; i++) {
                n[d->y1[i]] += 1.0;
                n[d->y2[i]] += 1.0;
            }
            for (int k = 0; k < 10; k++) {
                rb[k] = b->reward[k] - b->beta * log(p->policy[k] / b->ref[k]);
                tot += n[k] * rb[k];
            }
            for (int k = 0; k < 10; k++)
                bad = fmax(bad, fabs(n[k] * rb[k] - p->policy[k] * tot));
            ok(bad < 1e-6, "pg stops where n_k Rb(k) = pi_k sum_j n_j Rb(j) (max residual "
               "%.2e): biased towards mu", bad);
        }
        copg_result_free(c);
        copg_result_free(p);
        copg_result_free(q);
        copg_data_free(d);
    }
    is_double(js, 0.738077, 1e-6, "toy: J* = %.6f (closed form)", js);
    ok(copg_ok, "toy, 5 data sets: CoPG converges to pi* (every arm within 1e-9) and J* "
       "from off-policy pairs");
    ok(conv, "toy: all three methods reached their fixed points (gradient norm < 1e-9)");
    ok(pg_off, "toy: off-policy pg stops below J* - 0.02 on every data set (seed 1: %.4f)",
       jpg);
    ok(ipo_off, "toy: ipo stops below J* - 0.02 on every data set (seed 1: %.4f)", jipo);

    /* Noisy rewards (sd 0.1): CoPG converges to the minimiser of its empirical loss, the
     * least-squares fit computed independently by LU, and that fit approaches pi*: with
     * 10000 pairs the rarest arm (mu = 0.014) has ~280 draws, its log-ratio an error of
     * ~ (0.1 / beta) / sqrt(280) ~ 0.06, so J* - J = beta KL(pi || pi*) ~ 1e-3 or less
     * (measured 8e-4); we require 5e-3. */
    b->reward_sd = 0.1;
    struct copg_data *d;
    if (copg_sample(b, 10000, 1, &d, &err) < 0)
        bail_out("%s", err.msg);
    struct copg_result *c = train(b, d, COPG_COPG, 2.0);
    double ls[10], worst = 0.0;
    least_squares(b, d, ls);
    for (int k = 0; k < 10; k++)
        worst = fmax(worst, fabs(c->policy[k] - ls[k]));
    ok(worst < 1e-9, "noisy rewards: CoPG = the least-squares minimiser of its loss (max "
       "difference %.2e)", worst);
    double j = c->rec[c->n_records - 1].objective;
    ok(j > c->j_star - 5e-3 && j <= c->j_star, "noisy rewards, 10000 pairs: J = %.5f within "
       "5e-3 of J* = %.5f", j, c->j_star);
    copg_result_free(c);
    copg_data_free(d);
    copg_bandit_free(b);
}

static void test_errors(void)
{
    struct copg_bandit *b = copg_bandit_toy(0.0, &err);
    struct copg_data *d = NULL;
    b->beta = 0.0;
    ok(copg_sample(b, 10, 1, &d, &err) < 0 && d == NULL && strstr(err.msg, "beta"),
       "beta = 0 is refused: %s", err.msg);
    b->beta = 0.1;
    b->behaviour[0] += 0.5;
    ok(copg_bandit_check(b, &err) < 0 && strstr(err.msg, "sum to 1"),
       "a behaviour policy not summing to 1 is refused: %s", err.msg);
    b->behaviour[0] -= 0.5;
    if (copg_sample(b, 1000, 1, &d, &err) < 0)
        bail_out("%s", err.msg);
    struct copg_opts o;
    copg_opts_init(&o);
    o.method = COPG_IPO;
    o.lr = 50.0;
    struct copg_result *r = NULL;
    ok(copg_train(b, d, &o, &r, &err) < 0 && r == NULL && strstr(err.msg, "diverged"),
       "a step size that blows up is an error, not NaN: %s", err.msg);
    d->y1[3] = 10;
    o.lr = 1.0;
    ok(copg_train(b, d, &o, &r, &err) < 0 && err.status == OPE_EDATA,
       "an arm outside the bandit is a data error: %s", err.msg);
    ok(copg_method_find("ipo") == COPG_IPO && copg_method_find("dpo") == -1,
       "methods by name: ipo known, dpo not");
    copg_data_free(d);
    copg_bandit_free(b);
}

int main(void)
{
    plan_no_plan();
    test_optimum();
    test_gradients();
    test_on_policy();
    test_toy();
    test_errors();
    return done_testing();
}
