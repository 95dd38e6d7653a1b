/* t/0428-dm-variance.c: the reward model's influence on the direct method
 * (rm_crossfit_infl), whose variance the dm interval adds. Cases derived by hand
 * (an intercept-only model is a per-action mean), then a Monte-Carlo check that the
 * delta-method variance matches the spread of dm over redrawn rewards. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t/tap.h"
#include "estimators/rmodel.h"
#include "ope/base/rng.h"

enum { A = 3 };

/* A log of n rows without contexts: uniform actions, one policy with random
 * per-row probabilities; rewards 0/1 or N(a, 1). */
static struct blog *plain_log(size_t n, int binary, uint64_t seed)
{
    struct blog *b = blog_new(n, A, 1, 1, NULL);
    struct ope_rng r;
    ope_rng_init(&r, seed, OPE_RNG_TEST, 428);
    b->policy[0].name = strdup("p");
    for (size_t i = 0; i < n; i++) {
        b->action[i] = (int)ope_rng_below(&r, A);
        b->pscore[i] = 1.0 / A;
        double s = 0, w[A];
        for (int a = 0; a < A; a++)
            s += w[a] = 0.1 + ope_rng_uniform(&r);
        for (int a = 0; a < A; a++)
            b->policy[0].prob[a][i] = w[a] / s;
        b->reward[i] = binary ? (ope_rng_uniform(&r) < 0.2 + 0.2 * b->action[i] ? 1.0 : 0.0)
                              : b->action[i] + ope_rng_normal(&r);
    }
    return b;
}

/* The influence of an intercept-only model, by hand. Model (k, a) predicts ybar_{a,-k},
 * the mean reward of action a over the rows outside fold k (all rows with one fold;
 * the logistic MLE without a prior is the same mean, and the penalty never touches
 * the intercept). dm = sum_k sum_a pibar_{k,a} ybar_{a,-k} with pibar_{k,a} = (1/n)
 * sum_{i in fold k} pi(a|x_i), and d ybar_{a,-k} / d y_j = 1 / n_{a,-k} for a row j of
 * action a outside fold k, so row j's share of dm's error is
 *   phi_j = sum_{k != fold(j)} pibar_{k,a_j} (y_j - ybar_{a_j,-k}) / n_{a_j,-k}
 * and u_j = n (phi_j - mean phi). */
static void hand_infl(const struct blog *b, int K, const int *fold, double *u)
{
    size_t n = b->n;
    double pib[8][A] = {{0}}, cnt[8][A] = {{0}}, sum[8][A] = {{0}};
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < K; k++) {
            if (K == 1 || fold[i] == k)
                for (int a = 0; a < A; a++)
                    pib[k][a] += b->policy[0].prob[a][i] / (double)n;
            if (K == 1 || fold[i] != k) {
                cnt[k][b->action[i]] += 1;
                sum[k][b->action[i]] += b->reward[i];
            }
        }
    double mean = 0;
    for (size_t i = 0; i < n; i++) {
        int a = b->action[i];
        u[i] = 0;
        for (int k = 0; k < K; k++)
            if (K == 1 || fold[i] != k)
                u[i] += pib[k][a] * (b->reward[i] - sum[k][a] / cnt[k][a]) / cnt[k][a];
        mean += u[i] / (double)n;
    }
    for (size_t i = 0; i < n; i++)
        u[i] = (double)n * (u[i] - mean);
}

static void test_hand(enum rm_kind kind, int K)
{
    size_t n = 300;
    struct blog *b = plain_log(n, kind == RM_LOGISTIC, 7 + (uint64_t)K);
    struct rm_opts o;
    rm_opts_init(&o);
    o.kind = kind;
    o.folds = K;
    o.prior_rows = 0;   /* the plain MLE: the mean, no pull towards the pooled rate */
    double **infl = NULL, *want = malloc(n * sizeof *want);
    int *fold = malloc(n * sizeof *fold);
    struct ope_error err = {0};
    double **q = rm_crossfit_infl(b, &o, NULL, NULL, &infl, &err);
    ok(q && infl, "%s, %d fold(s): fitted with its influence", rm_kind_name(kind), K);
    rm_assign_folds(n, K, o.seed, fold, NULL);
    hand_infl(b, K, fold, want);
    double worst = 0;
    for (size_t i = 0; q && infl && i < n; i++)
        worst = fmax(worst, fabs(infl[0][i] - want[i]));
    ok(q && infl && worst < 1e-7, "%s, %d fold(s): influence = the per-action-mean "
       "formula (max diff %.3g)", rm_kind_name(kind), K, worst);
    blog_matrix_free(q, A);
    blog_matrix_free(infl, 1);
    blog_free(b);
    free(want);
    free(fold);
}

/* Monte-Carlo: fixed contexts, actions and policy; rewards redrawn R times from a
 * linear model y = 0.5 + a x + N(0, (1 + |x|)^2) (heteroscedastic, so the sandwich
 * matters). Ridge is linear in y, so dm's variance given the design is exact to first
 * order: the mean of the estimated variance sum_j u_j^2 / n^2 must match the
 * variance of dm over the R draws. The sample variance of R draws has relative SE
 * sqrt(2 / (R - 1)) = 0.071 at R = 400; the sandwich's in-sample residuals shrink it
 * by about p / n_a (2%): a tolerance of 25% is 3.5 SE, while dropping the folds'
 * shared training rows (each row trains two of the three fold models) halves it. */
static void test_monte_carlo(void)
{
    size_t n = 600, R = 400;
    struct blog *b = plain_log(n, 0, 99);
    struct ope_rng r;
    ope_rng_init(&r, 5, OPE_RNG_TEST, 4281);
    b->n_num_ctx = 1;
    b->num_ctx_name = calloc(1, sizeof *b->num_ctx_name);
    b->num_ctx_name[0] = strdup("x0");
    b->num_ctx = calloc(1, sizeof *b->num_ctx);
    b->num_ctx[0] = malloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        b->num_ctx[0][i] = ope_rng_normal(&r);
    struct rm_opts o;
    rm_opts_init(&o);
    o.kind = RM_RIDGE;
    double s = 0, s2 = 0, vsum = 0;
    int fails = 0;
    for (size_t rep = 0; rep < R; rep++) {
        for (size_t i = 0; i < n; i++) {
            double x = b->num_ctx[0][i];
            b->reward[i] = 0.5 + b->action[i] * x + (1 + fabs(x)) * ope_rng_normal(&r);
        }
        double **infl = NULL;
        double **q = rm_crossfit_infl(b, &o, NULL, NULL, &infl, NULL);
        if (!q || !infl) {
            fails++;
            continue;
        }
        double dm = 0, v = 0;
        for (size_t i = 0; i < n; i++) {
            for (int a = 0; a < A; a++)
                dm += b->policy[0].prob[a][i] * q[a][i] / (double)n;
            v += infl[0][i] * infl[0][i] / ((double)n * (double)n);
        }
        s += dm;
        s2 += dm * dm;
        vsum += v;
        blog_matrix_free(q, A);
        blog_matrix_free(infl, 1);
    }
    double mean = s / (double)R, var = (s2 - (double)R * mean * mean) / (double)(R - 1);
    ok(fails == 0, "Monte-Carlo: every fit succeeded");
    is_double_rel(vsum / (double)R, var, 0.25, "Monte-Carlo: mean delta variance %.3g vs "
                  "dm's variance over %zu draws %.3g", vsum / (double)R, R, var);
    blog_free(b);
}

int main(void)
{
    plan(10);
    test_hand(RM_RIDGE, 1);
    test_hand(RM_RIDGE, 3);
    test_hand(RM_LOGISTIC, 1);
    test_hand(RM_LOGISTIC, 3);
    test_monte_carlo();
    return done_testing();
}
