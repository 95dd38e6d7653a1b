/* bench/bench_rmodel.c: time the cross-fitted logistic reward model on a synthetic
 * log of 1,000,000 rows, 10 actions and 10 numeric context features (3 folds,
 * lambda 1, default threads), and print the seconds and the held-out log-loss. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_errno.h>

#include "datasets/blog.h"
#include "estimators/rmodel.h"
#include "ope/base/rng.h"
#include "ope/base/threads.h"

enum { N = 1000000, A = 10, K = 10 };

/* Reward ~ Bernoulli(sigmoid(-2 + sum_j c_{a,j} x_j)) with action-specific
 * coefficients c_{a,j} = 0.3 sin(a + j). */
static struct blog *make_log(void)
{
    struct ope_error err;
    struct blog *b = blog_new(N, A, 1, 0, &err);
    if (!b)
        return NULL;
    b->n_num_ctx = K;
    b->num_ctx_name = calloc(K, sizeof *b->num_ctx_name);
    b->num_ctx = calloc(K, sizeof *b->num_ctx);
    for (int j = 0; j < K; j++) {
        char name[16];
        snprintf(name, sizeof name, "x%d", j);
        b->num_ctx_name[j] = strdup(name);
        b->num_ctx[j] = malloc(N * sizeof(double));
    }
    struct ope_rng r;
    ope_rng_init(&r, 1, OPE_RNG_GENERATE, 0);
    for (size_t i = 0; i < N; i++) {
        int a = (int)ope_rng_below(&r, A);
        double eta = -2.0;
        for (int j = 0; j < K; j++) {
            double x = ope_rng_normal(&r);
            b->num_ctx[j][i] = x;
            eta += 0.3 * sin(a + j) * x;
        }
        b->action[i] = a;
        b->pscore[i] = 1.0 / A;
        b->reward[i] = ope_rng_uniform(&r) < 1.0 / (1.0 + exp(-eta)) ? 1.0 : 0.0;
    }
    return b;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(void)
{
    gsl_set_error_handler_off();
    struct blog *b = make_log();
    if (!b) {
        fprintf(stderr, "bench_rmodel: out of memory\n");
        return 1;
    }
    struct rm_opts o;
    rm_opts_init(&o);
    o.kind = RM_LOGISTIC;
    struct res_model rep;
    struct ope_error err;
    double t0 = now();
    double **q = rm_crossfit(b, &o, &rep, &err);
    double t1 = now();
    if (!q) {
        fprintf(stderr, "bench_rmodel: %s\n", err.msg);
        blog_free(b);
        return 1;
    }
    double p = blog_mean_reward(b);
    printf("rmodel: cross-fitted logistic, %d rows, %d actions, %d features, %d folds, "
           "%d threads: %.2f s (held-out logloss %.4f, constant %.4f)\n", N, A, K, o.folds,
           ope_default_threads(), t1 - t0, rep.heldout_error,
           -(p * log(p) + (1 - p) * log(1 - p)));
    blog_matrix_free(q, A);
    blog_free(b);
    return 0;
}
