/* t/1110-train.c: the training algorithms against exact dynamic programming on logs
 * sampled from built-in MDPs (seeds fixed below), and PRDC on a 1-D LQR whose values
 * are exact (Lyapunov / Riccati). */
#include "config.h"
#include "t/tap.h"
#include "ope/learn/train/train.h"
#include "datasets/env.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "datasets/sampler.h"
#include "datasets/tlog.h"
#include "ope/base/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ope_error err;

static struct tlog *sample(const struct mdp *m, const char *behavior, size_t episodes,
                           uint64_t seed)
{
    struct policy *b = policy_from_spec(m, behavior, NULL, &err);
    struct sampler *smp = b ? sampler_new(m, b, &err) : NULL;
    struct tlog *t = smp ? sampler_run(smp, episodes, seed, NULL, NULL, 0, 1, NULL, &err) : NULL;
    if (!t)
        bail_out("sampling failed: %s", err.msg);
    sampler_free(smp);
    policy_free(b);
    return t;
}

/* Exact value of the model's policy at temperature T (or its own when T < 0). */
static double true_value(const struct mdp *m, const struct train_model *mod, double T)
{
    double t = T < 0 ? mod->temperature : T;
    struct policy *pi = NULL;
    if (mod->kind == TRAIN_TABULAR) {
        pi = train_model_policy(mod, t, &err);
    } else if ((pi = policy_new(m->n_states, m->n_actions, &err))) {
        /* a linear model on one-hot state features: x = e_s */
        double *x = calloc(mod->n_features, sizeof *x);
        for (int s = 0; s < m->n_states; s++) {
            x[s] = 1.0;
            train_model_probs(mod, t, 0, x, pi->p + (size_t)s * (size_t)m->n_actions);
            x[s] = 0.0;
        }
        free(x);
    }
    if (!pi)
        bail_out("policy: %s", err.msg);
    double v = mdp_eval_finite(m, pi->p, NULL, NULL, &err);
    policy_free(pi);
    return v;
}

static struct train_model *train(const char *algo, const struct tlog *t, double c, int lin)
{
    struct train_opts o;
    train_opts_init(&o);
    o.pessimism = c;
    o.linear = lin;
    struct train_model *mod = NULL;
    if (train_find(algo)->run(t, &o, &mod, &err) < 0)
        bail_out("%s: %s", algo, err.msg);
    return mod;
}

/* Replace the log's features by the one-hot state (for the linear code paths). */
static void one_hot_features(struct tlog *t)
{
    t->n_features = (size_t)t->n_states;
    t->feature = calloc(t->n_features, sizeof *t->feature);
    t->feature_name = calloc(t->n_features, sizeof *t->feature_name);
    for (size_t j = 0; j < t->n_features; j++) {
        t->feature[j] = calloc(t->n_steps, sizeof **t->feature);
        t->feature_name[j] = malloc(32);
        snprintf(t->feature_name[j], 32, "s%zu", j);
    }
    for (size_t i = 0; i < t->n_steps; i++)
        t->feature[t->state[i]][i] = 1.0;
}

static void good_coverage(void)
{
    /* Random MDP, 10 states x 3 actions, H = 20, uniform behaviour, 3000 episodes:
     * 60000 rows, ~2000 per (s, a). */
    struct mdp *m = env_build_named("dirichlet", NULL, 0, 20, 1.0, &err);
    struct tlog *t = sample(m, "uniform", 3000, 7);
    struct policy *opt = policy_from_spec(m, "optimal", NULL, &err);
    double vopt = mdp_eval_finite(m, opt->p, NULL, NULL, &err);
    double vstar = mdp_optimal_finite(m, NULL, NULL, &err);
    diag("dirichlet: V(optimal stationary policy) = %.6f, V*_0 = %.6f", vopt, vstar);
    /* FQI / CE-VI greedy on the estimated H-step Q_0 pick the same actions as ope's
     * "optimal" policy (greedy on Q*_0) unless two actions' Q*_0 are within the
     * estimation error (sd of a 20-step return / sqrt(2000) ~ 0.05) of each other; a
     * swap between such near-ties loses at most that gap per visit. Tolerance 1e-3
     * relative: in these cases the actions match exactly (equal values). */
    const char *algos[] = { "fqi", "cevi" };
    for (int k = 0; k < 2; k++) {
        struct train_model *mod = train(algos[k], t, 0.0, 0);
        double v = true_value(m, mod, -1);
        is_double(v, vopt, 1e-3 * fabs(vopt), "%s recovers the optimal policy's value on a "
                  "well-covered log (got %.6f, optimal %.6f)", algos[k], v, vopt);
        train_model_free(mod);
    }
    /* Linear FQI on one-hot state features (plus the intercept, collinear: the l2
     * penalty 1e-3 against ~6000 rows per column picks the least-norm split) represents
     * the same tabular Q up to O(1e-3 / n) shrinkage. */
    one_hot_features(t);
    struct train_model *mod = train("fqi", t, 0.0, 1);
    double v = true_value(m, mod, -1);
    is_double(v, vopt, 1e-3 * fabs(vopt), "linear FQI on one-hot features: value %.6f", v);
    train_model_free(mod);
    policy_free(opt);
    tlog_free(t);
    mdp_free(m);
}

static void poor_coverage(void)
{
    /* Random MDP with reward noise sd 1 (expected rewards in [0, 1]), behaviour
     * eps:0.1 (non-optimal actions 1/30 of the time each), 40 episodes of 20 steps:
     * ~800 rows, a rare action gets ~3 visits per state, so its mean reward is off by
     * ~0.6 and the plain greedy step often takes a lucky rare action. The penalty
     * c = 1 / sqrt(N) removes exactly that. Cases: MDP seeds 1..8, log seeds 100+k;
     * every case is checked (none is dropped). */
    int not_below = 0, strictly = 0, n_cases = 8;
    for (int k = 1; k <= n_cases; k++) {
        char kv1[32], kv2[32] = "noise=1";
        snprintf(kv1, sizeof kv1, "seed=%d", k);
        const char *kv[] = { kv1, kv2 };
        struct mdp *m = env_build_named("dirichlet", kv, 2, 20, 1.0, &err);
        struct tlog *t = sample(m, "eps:0.1", 40, 100 + (uint64_t)k);
        struct train_model *plain = train("cevi", t, 0.0, 0), *pess = train("cevi", t, 1.0, 0);
        double vp = true_value(m, plain, -1), vq = true_value(m, pess, -1);
        diag("case %d: plain CE-VI %.4f, pessimistic (c=1) %.4f", k, vp, vq);
        not_below += vq >= vp - 1e-12;
        strictly += vq > vp + 1e-12;
        train_model_free(plain);
        train_model_free(pess);
        tlog_free(t);
        mdp_free(m);
    }
    is_int(not_below, n_cases, "poor coverage: pessimistic CE-VI's true value is not below "
           "the plain one's in all %d cases", n_cases);
    ok(strictly >= 1, "... and strictly above it in %d of them", strictly);
}

static void bc(void)
{
    /* Behaviour softmax:0.5 (Q* over 0.5) on the 10 x 3 random MDP, 5000 episodes (100000 rows,
     * ~10000 per state). The smoothed count estimate (N(s,a) + 0.5) / (N(s) + 1.5) is
     * within 5 standard errors sqrt(p (1-p) / N(s)) plus its bias 0.5 |1 - 3p| / (N(s)
     * + 1.5) of p; over 30 entries a false alarm has probability < 30 * 6e-7. */
    struct mdp *m = env_build_named("dirichlet", NULL, 0, 20, 1.0, &err);
    struct policy *b = policy_from_spec(m, "softmax:0.5", NULL, &err);
    struct tlog *t = sample(m, "softmax:0.5", 5000, 11);
    struct train_model *mod = train("bc", t, 0.0, 0);
    struct policy *pi = train_model_policy(mod, 1.0, &err);
    double *ns = calloc((size_t)m->n_states, sizeof *ns), worst = 0.0;
    for (size_t i = 0; i < t->n_steps; i++)
        ns[t->state[i]] += 1.0;
    int bad = 0;
    for (int s = 0; s < m->n_states; s++)
        for (int a = 0; a < m->n_actions; a++) {
            double p = b->p[s * 3 + a], ph = pi->p[s * 3 + a];
            double tol = 5.0 * sqrt(p * (1 - p) / ns[s]) + 0.5 * fabs(1 - 3 * p) / (ns[s] + 1.5);
            bad += fabs(ph - p) > tol;
            worst = fabs(ph - p) / tol > worst ? fabs(ph - p) / tol : worst;
        }
    is_int(bad, 0, "tabular BC recovers the behaviour probabilities (worst |error| / "
           "tolerance %.3f)", worst);
    /* Multinomial logistic BC on one-hot state features: with an intercept and full
     * one-hot columns it can fit every state's frequencies; the l2 = 1e-3 pull on ~10^4
     * rows per state moves a logit by ~1e-7, so the same tolerance holds. */
    one_hot_features(t);
    struct train_model *lm = train("bc", t, 0.0, 1);
    double probs[3], x[10];
    bad = 0;
    for (int s = 0; s < m->n_states; s++) {
        memset(x, 0, sizeof x);
        x[s] = 1.0;
        train_model_probs(lm, 1.0, 0, x, probs);
        for (int a = 0; a < 3; a++) {
            double p = b->p[s * 3 + a];
            bad += fabs(probs[a] - p) > 5.0 * sqrt(p * (1 - p) / ns[s]) + 1e-4;
        }
    }
    is_int(bad, 0, "logistic BC on features recovers them too (%s)", lm->summary);
    train_model_free(lm);
    free(ns);
    policy_free(pi);
    policy_free(b);
    train_model_free(mod);
    tlog_free(t);
    mdp_free(m);
}

static void prdc_tabular(void)
{
    /* Poorly covered random MDP (as above, seed 3): PRDC's softmax actor is pulled to
     * logged (s, a) pairs, so its mean distance to the nearest data point is not above
     * the unregularised actor's; true values reported next to BC's. */
    const char *kv[] = { "seed=3", "noise=1" };
    struct mdp *m = env_build_named("dirichlet", kv, 2, 20, 1.0, &err);
    struct tlog *t = sample(m, "mix:0.5:anti", 60, 5);
    struct train_opts o;
    train_opts_init(&o);
    struct train_model *reg = NULL, *unreg = NULL, *bcm = train("bc", t, 0.0, 0);
    double dr, du;
    if (train_prdc_fit(t, &o, 1, &reg, &dr, &err) < 0 ||
        train_prdc_fit(t, &o, 0, &unreg, &du, &err) < 0)
        bail_out("prdc: %s", err.msg);
    diag("tabular: PRDC value %.4f (NN distance %.4f), unregularised %.4f (%.4f), BC %.4f",
         true_value(m, reg, -1), dr, true_value(m, unreg, -1), du, true_value(m, bcm, -1));
    ok(dr < du, "tabular PRDC stays closer to the data than unregularised improvement "
       "(%.4f < %.4f)", dr, du);
    /* The critic must matter: started in the basin of the critic's best action (the
     * tabular warm start), PRDC's exact value is above behaviour cloning's on this log. */
    ok(true_value(m, reg, -1) > true_value(m, bcm, -1), "tabular PRDC's true value beats "
       "behaviour cloning's (%.4f > %.4f)", true_value(m, reg, -1), true_value(m, bcm, -1));
    train_model_free(reg);
    train_model_free(unreg);
    train_model_free(bcm);
    tlog_free(t);
    mdp_free(m);
}

static void lqr(void)
{
    struct lqr L = { .a = 0.9, .b = 0.5, .q = 1.0, .r = 0.5, .sigma = 0.1, .gamma = 0.9,
                     .x0_sd = 1.0 };
    double vstar, kstar = lqr_optimal_gain(&L, &vstar);
    /* Independent check of the Riccati gain: golden-section search of lqr_value over
     * k in [-3, 1] (unimodal on the stable interval) to 1e-9. */
    double lo = -3.0, hi = 1.0, gr = (sqrt(5.0) - 1.0) / 2.0;
    while (hi - lo > 1e-10) {
        double c = hi - gr * (hi - lo), d = lo + gr * (hi - lo);
        if (lqr_value(&L, c) > lqr_value(&L, d))
            hi = d;
        else
            lo = c;
    }
    is_double(kstar, 0.5 * (lo + hi), 1e-6, "Riccati gain = argmax of the exact value");
    /* k = 0: P = q / (1 - g a^2) = 1 / 0.271, value -P (1 + 0.9 * 0.01 / 0.1). */
    is_double(lqr_value(&L, 0.0), -(1.0 / 0.271) * 1.09, 1e-12, "value of u = 0 by hand");

    /* Offline data: behaviour u = -0.2 x + 0.05 eps (narrow band around a poor gain),
     * 200 episodes of 10 steps from x0 ~ N(0, 1). */
    size_t n = 2000;
    double *x = malloc(n * sizeof *x), *u = malloc(n * sizeof *u), *r = malloc(n * sizeof *r),
           *x1 = malloc(n * sizeof *x1);
    struct ope_rng g;
    ope_rng_init(&g, 42, OPE_RNG_TEST, 0);
    for (size_t e = 0, i = 0; e < 200; e++) {
        double s = ope_rng_normal(&g);
        for (int k = 0; k < 10; k++, i++) {
            x[i] = s;
            u[i] = -0.2 * s + 0.05 * ope_rng_normal(&g);
            r[i] = -(L.q * s * s + L.r * u[i] * u[i]);
            x1[i] = s = L.a * s + L.b * u[i] + L.sigma * ope_rng_normal(&g);
        }
    }
    struct prdc_lqr_result pr, pu;
    if (prdc_lqr(&L, x, u, r, x1, n, 2.0, 2.5, 1, 200, 0.05, &pr, &err) < 0 ||
        prdc_lqr(&L, x, u, r, x1, n, 2.0, 2.5, 0, 200, 0.05, &pu, &err) < 0)
        bail_out("prdc_lqr: %s", err.msg);
    double sxu = 0, sxx = 0;
    for (size_t i = 0; i < n; i++) {
        sxu += x[i] * u[i];
        sxx += x[i] * x[i];
    }
    double kbc = sxu / sxx;
    diag("LQR: optimal k %.4f value %.4f; BC k %.4f value %.4f; PRDC k %.4f value %.4f "
         "NN %.4f; unregularised k %.4f value %.4f NN %.4f", kstar, vstar, kbc,
         lqr_value(&L, kbc), pr.k, pr.value, pr.mean_nn_dist, pu.k, pu.value, pu.mean_nn_dist);
    ok(pr.mean_nn_dist < pu.mean_nn_dist, "LQR: PRDC's (beta x, k x) stays nearer the data "
       "than unregularised improvement");
    ok(pr.value > lqr_value(&L, kbc), "LQR: PRDC improves on behaviour cloning's true value");
    ok(pr.value <= vstar + 1e-12 && pu.value <= vstar + 1e-12, "no policy beats the Riccati optimum");
    /* Data where every state is 0 say nothing about the gain: a data error, not a
     * division by zero. */
    double z[4] = { 0, 0, 0, 0 };
    struct prdc_lqr_result pz;
    struct ope_error ez = { 0 };
    ok(prdc_lqr(&L, z, z, z, z, 4, 2.0, 2.5, 1, 10, 0.05, &pz, &ez) < 0 && ez.status == OPE_EDATA,
       "LQR: all-zero states are a data error (%s)", ez.msg);
    free(x);
    free(u);
    free(r);
    free(x1);
}

int main(void)
{
    plan_no_plan();
    good_coverage();
    poor_coverage();
    bc();
    prdc_tabular();
    lqr();
    /* The registry: every algorithm has a name, a summary and a paper. */
    for (size_t i = 0; train_registry[i]; i++)
        ok(train_registry[i]->summary[0] && train_registry[i]->paper[0] &&
           train_find(train_registry[i]->name) == train_registry[i],
           "registry entry %s is complete", train_registry[i]->name);
    return done_testing();
}
