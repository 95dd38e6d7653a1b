/* t/0420-crossfit.c: the cross-fitted reward model. No row may be predicted by a
 * model that saw it; actions without training rows fall back to the fold's mean;
 * the results are bit-identical for any thread count; the held-out error beats the
 * constant model on a problem with signal; bad options are refused. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>

#include "t/tap.h"
#include "estimators/rmodel.h"
#include "ope/base/rng.h"

/* Add a categorical context column with the given codes (levels "l0", "l1", ...). */
static void add_cat(struct blog *b, const int *code, size_t n_levels)
{
    size_t c = b->n_cat_ctx++;
    b->cat_ctx = realloc(b->cat_ctx, b->n_cat_ctx * sizeof *b->cat_ctx);
    struct blog_catcol *col = &b->cat_ctx[c];
    char name[32];
    snprintf(name, sizeof name, "x%zu", 100 + c);
    col->name = strdup(name);
    col->n_levels = n_levels;
    col->levels = calloc(n_levels, sizeof *col->levels);
    for (size_t l = 0; l < n_levels; l++) {
        snprintf(name, sizeof name, "l%zu", l);
        col->levels[l] = strdup(name);
    }
    col->code = malloc(b->n * sizeof *col->code);
    memcpy(col->code, code, b->n * sizeof *code);
}

/* A synthetic log: k numeric contexts ~ N(0,1), one 5-level categorical context,
 * L positions, A uniformly logged actions; reward Bernoulli(sigmoid(eta)) or
 * eta + N(0,1) noise with eta = -1 + x0 - 0.5 x1 + 0.3 level + 0.4 (a mod 3) - 0.2 pos. */
static struct blog *synth(size_t n, int A, size_t k, int L, int binary, uint64_t seed)
{
    struct blog *b = blog_new(n, A, L, 0, NULL);
    struct ope_rng r;
    ope_rng_init(&r, seed, OPE_RNG_TEST, 420);
    b->n_num_ctx = k;
    b->num_ctx_name = calloc(k + 1, sizeof *b->num_ctx_name);
    b->num_ctx = calloc(k + 1, sizeof *b->num_ctx);
    for (size_t j = 0; j < k; j++) {
        char name[24];      /* "x" and any size_t: -O1 checks the bound */
        snprintf(name, sizeof name, "x%zu", j);
        b->num_ctx_name[j] = strdup(name);
        b->num_ctx[j] = malloc(n * sizeof(double));
    }
    int *code = malloc(n * sizeof *code);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < k; j++)
            b->num_ctx[j][i] = ope_rng_normal(&r);
        code[i] = (int)ope_rng_below(&r, 5);
        b->action[i] = (int)ope_rng_below(&r, (uint64_t)A);
        if (b->position)
            b->position[i] = (int)ope_rng_below(&r, (uint64_t)L);
        b->pscore[i] = 1.0 / A;
        double eta = -1.0 + 0.3 * code[i] + 0.4 * (b->action[i] % 3);
        if (k >= 2)
            eta += b->num_ctx[0][i] - 0.5 * b->num_ctx[1][i];
        if (b->position)
            eta -= 0.2 * b->position[i];
        b->reward[i] = binary ? (ope_rng_uniform(&r) < 1.0 / (1.0 + exp(-eta)) ? 1.0 : 0.0)
                              : eta + ope_rng_normal(&r);
    }
    add_cat(b, code, 5);
    free(code);
    return b;
}

static void test_options(void)
{
    struct rm_opts o;
    rm_opts_init(&o);
    ok(o.kind == RM_AUTO && o.folds == 3 && o.lambda == 1.0 && o.seed == 12345
       && o.threads == 0, "rm_opts_init: auto, 3 folds, lambda 1, seed 12345, threads 0");
    enum rm_kind k = RM_AUTO;
    ok(rm_kind_parse("ridge", &k) == 0 && k == RM_RIDGE, "parse 'ridge'");
    ok(rm_kind_parse("logistic", &k) == 0 && k == RM_LOGISTIC, "parse 'logistic'");
    ok(rm_kind_parse("auto", &k) == 0 && k == RM_AUTO, "parse 'auto'");
    is_int(rm_kind_parse("lasso", &k), -1, "'lasso' is refused");
}

static void test_folds(void)
{
    enum { N = 1001 };
    int f1[N], f2[N], f3[N], count[3] = {0};
    rm_assign_folds(N, 3, 12345, f1, NULL);
    rm_assign_folds(N, 3, 12345, f2, NULL);
    rm_assign_folds(N, 3, 54321, f3, NULL);
    for (int i = 0; i < N; i++)
        count[f1[i]]++;
    /* 1001 = 3 * 333 + 2: each block of 3 rows gives one row to every fold, the last
     * two rows go to two folds, so the sizes are 334, 334 and 333 in some order. */
    ok(count[0] + count[1] + count[2] == N && count[0] >= 333 && count[0] <= 334
       && count[1] >= 333 && count[1] <= 334 && count[2] >= 333 && count[2] <= 334,
       "fold sizes 334/334/333 in some order (%d, %d, %d)", count[0], count[1], count[2]);
    /* A window of the log (rows 500..999) gets the folds the whole log gives them. */
    int part[500];
    rm_folds(12345, 3, 500, 500, part, NULL);
    ok(memcmp(part, f1 + 500, sizeof part) == 0, "rm_folds of rows 500..999 = the log's");
    ok(memcmp(f1, f2, sizeof f1) == 0, "same seed, same folds");
    ok(memcmp(f1, f3, sizeof f1) != 0, "another seed, other folds");
    int first = 0;
    for (int i = 0; i < 30; i++)
        first += f1[i] == 0;
    ok(first > 0 && first < 30, "folds are shuffled, not blocks (%d of the first 30 in fold 0)",
       first);
}

static void test_no_leak(void)
{
    /* 30 rows, 1 action, reward y_i = i, a categorical context unique to each row
     * (it identifies the row, so an in-sample fit can memorise y_i). Ridge with
     * lambda 1 minimises sum (y_j - b0 - d_j)^2 + sum d_j^2 over training rows j:
     * d_j = (y_j - b0) / 2 and sum_j (y_j - b0 - d_j) = 0 give b0 = mean of the
     * training y. A held-out row's level is unseen, its coefficient is 0, so its
     * prediction must be exactly its training folds' mean reward; with one fold
     * (no cross-fitting) it is b0 + (y_i - b0) / 2, which leaks y_i. */
    enum { N = 30 };
    struct blog *b = blog_new(N, 1, 1, 0, NULL);
    int code[N], fold[N];
    for (int i = 0; i < N; i++) {
        code[i] = i;
        b->reward[i] = i;
        b->pscore[i] = 1;
    }
    add_cat(b, code, N);
    struct rm_opts o;
    rm_opts_init(&o);
    struct res_model rep;
    struct ope_error err;
    double **q = rm_crossfit(b, &o, &rep, &err);
    ok(q != NULL, "cross-fit on the leaking log");
    rm_assign_folds(N, 3, o.seed, fold, NULL);
    double sum[3] = {0}, cnt[3] = {0};
    for (int i = 0; i < N; i++) {
        sum[fold[i]] += i;
        cnt[fold[i]]++;
    }
    double worst = 0, total = 435;      /* sum_{i<30} i = 30 * 29 / 2 */
    for (int i = 0; i < N; i++) {
        double want = (total - sum[fold[i]]) / (N - cnt[fold[i]]);
        worst = fmax(worst, fabs(q[0][i] - want));
    }
    ok(worst < 1e-9, "every prediction = its training folds' mean reward (max dev %.2g)", worst);
    is_string(rep.kind, "ridge", "non-binary rewards: auto picks ridge");
    is_string(rep.error_name, "mse", "ridge reports mse");
    blog_matrix_free(q, 1);
    o.folds = 1;
    q = rm_crossfit(b, &o, &rep, &err);
    double b0 = 435.0 / 30.0;
    is_double(q[0][7], b0 + (7 - b0) / 2.0, 1e-9, "folds=1: in-sample fit memorises y_7");
    is_int(rep.folds, 1, "folds=1 reported");
    blog_matrix_free(q, 1);
    blog_free(b);
}

static void test_empty_action(void)
{
    /* 3 actions, no contexts, 2 folds: action 2 is logged only on row 0. In the
     * fold holding row 0 no training row has action 2, so q[2] there is the
     * training mean reward over all actions; in the other fold, the action-2 model
     * is fitted on row 0 alone: an intercept-only fit = its reward, 7. */
    enum { N = 10 };
    struct blog *b = blog_new(N, 3, 1, 0, NULL);
    int fold[N];
    for (int i = 0; i < N; i++) {
        b->action[i] = i == 0 ? 2 : i % 2;
        b->reward[i] = i == 0 ? 7.0 : 0.5 * i;
        b->pscore[i] = 0.5;
    }
    struct rm_opts o;
    rm_opts_init(&o);
    o.folds = 2;
    struct ope_error err;
    double **q = rm_crossfit(b, &o, NULL, &err);
    rm_assign_folds(N, 2, o.seed, fold, NULL);
    double s = 0, m = 0;
    for (int i = 0; i < N; i++)
        if (fold[i] != fold[0]) {
            s += b->reward[i];
            m++;
        }
    int other = -1;
    for (int i = 0; i < N; i++)
        if (fold[i] != fold[0])
            other = i;
    is_double(q[2][0], s / m, 1e-12, "action without training rows: fold's mean reward %.4f",
              s / m);
    is_double(q[2][other], 7.0, 1e-12, "action fitted on one row predicts its reward");
    blog_matrix_free(q, 3);
    blog_free(b);
}

static void test_threads(void)
{
    struct blog *b = synth(20000, 7, 3, 3, 1, 99);
    struct rm_opts o;
    rm_opts_init(&o);
    struct ope_error err;
    struct res_model r1, r3;
    o.threads = 1;
    double **q1 = rm_crossfit(b, &o, &r1, &err);
    o.threads = 3;
    double **q3 = rm_crossfit(b, &o, &r3, &err);
    int same = q1 && q3;
    for (int a = 0; same && a < 7; a++)
        same = memcmp(q1[a], q3[a], b->n * sizeof(double)) == 0;
    ok(same, "1 and 3 threads: bit-identical predictions");
    ok(memcmp(&r1.heldout_error, &r3.heldout_error, sizeof(double)) == 0,
       "1 and 3 threads: bit-identical held-out error");
    is_string(r1.kind, "logistic", "0/1 rewards: auto picks logistic");
    is_string(r1.error_name, "logloss", "logistic reports logloss");
    is_int(r1.folds, 3, "3 folds reported");
    /* The constant model predicting the overall click rate p (even in-sample,
     * which favours it) has log-loss -[p log p + (1 - p) log(1 - p)]; a model that
     * uses x0, x1, the category, the action and the position must beat it clearly. */
    double p = blog_mean_reward(b);
    double h0 = -(p * log(p) + (1 - p) * log(1 - p));
    ok(r1.heldout_error < h0 - 0.02, "held-out log-loss %.4f < constant model %.4f",
       r1.heldout_error, h0);
    int inside = 1;
    for (int a = 0; a < 7; a++)
        for (size_t i = 0; i < b->n; i++)
            inside &= q1[a][i] > 0.0 && q1[a][i] < 1.0;
    ok(inside, "logistic predictions lie in (0, 1)");
    blog_matrix_free(q1, 7);
    blog_matrix_free(q3, 7);
    blog_free(b);

    /* Ridge on continuous rewards: noise variance 1, so the best possible MSE is
     * ~1; the constant model's MSE is the reward variance (~1 + var(eta) ~ 2.5). */
    b = synth(5000, 4, 3, 1, 0, 5);
    double **q = rm_crossfit(b, &o, &r1, &err);
    double mu = blog_mean_reward(b), v = 0;
    for (size_t i = 0; i < b->n; i++)
        v += (b->reward[i] - mu) * (b->reward[i] - mu) / (double)b->n;
    ok(r1.heldout_error < 1.1 && r1.heldout_error < v - 0.5,
       "ridge held-out mse %.3f near the noise 1, below the variance %.3f", r1.heldout_error, v);
    blog_matrix_free(q, 4);
    blog_free(b);
}

static void test_errors(void)
{
    struct blog *b = synth(50, 2, 2, 1, 0, 1);
    struct rm_opts o;
    struct ope_error err;
    rm_opts_init(&o);
    o.folds = 51;
    ok(!rm_crossfit(b, &o, NULL, &err) && err.status == OPE_EUSAGE, "more folds than rows");
    like(err.msg, "folds", "message names folds: %s", err.msg);
    o.folds = 0;
    ok(!rm_crossfit(b, &o, NULL, &err) && err.status == OPE_EUSAGE, "zero folds");
    rm_opts_init(&o);
    o.lambda = -1;
    ok(!rm_crossfit(b, &o, NULL, &err) && err.status == OPE_EUSAGE, "negative lambda");
    rm_opts_init(&o);
    o.kind = RM_LOGISTIC;
    ok(!rm_crossfit(b, &o, NULL, &err) && err.status == OPE_EUSAGE,
       "logistic with rewards outside [0, 1]");
    like(err.msg, "outside [0, 1]", "message says why: %s", err.msg);
    b->n = 0;
    rm_opts_init(&o);
    ok(!rm_crossfit(b, &o, NULL, &err) && err.status == OPE_EDATA, "empty log");
    b->n = 50;
    blog_free(b);
}

static void test_prior(void)
{
    /* Two actions with 100 rows each and 10 and 30 clicks: p = 0.2,
     * sum n_a (p_a - p)^2 = 100 * 0.01 + 100 * 0.01 = 2, (A - 1) p (1 - p) = 0.16,
     * N - sum n_a^2 / N = 200 - 100 = 100, so tau2 = 1.84 / 100 = 0.0184 and
     * m = 0.16 / 0.0184 - 1 = 7.6956... */
    is_double(rm_prior_rows((double[]){100, 100}, (double[]){10, 30}, 2), 0.16 / 0.0184 - 1,
              1e-12, "empirical-Bayes prior weight by hand");
    /* Equal rates: no between-action variance, the cap 1e4. */
    is_double(rm_prior_rows((double[]){100, 100, 0}, (double[]){20, 20, 0}, 3), 1e4, 0,
              "alike actions: prior weight 1e4");
}

int main(void)
{
    gsl_set_error_handler_off();
    plan_no_plan();
    test_options();
    test_folds();
    test_no_leak();
    test_empty_action();
    test_threads();
    test_errors();
    test_prior();
    return done_testing();
}
