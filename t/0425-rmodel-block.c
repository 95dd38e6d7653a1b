/* t/0425-rmodel-block.c: the reward models' block solve (rmodel_normal.h), which
 * eliminates the one-hot levels of a wide categorical context instead of solving the
 * p x p normal equations densely. It must be the same fit: a hand-solved case, then
 * ridge, logistic and the cross-fitted model on 50 levels, both ways, to 1e-9; and a
 * wide logistic fit stops once its Newton step gains less than rounding. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>

#include "t/tap.h"
#include "estimators/features.h"
#include "estimators/logistic.h"
#include "estimators/ridge.h"
#include "estimators/rmodel.h"
#include "ope/base/rng.h"

static void test_hand(void)
{
    /* Intercept + a 2-level one-hot block (columns 1, 2); level 0 has y = 1, 3 and
     * level 1 has y = 5; lambda 1 on the levels. X^T X + lambda I' and X^T y:
     *   A = [[3, 2, 1], [2, 3, 0], [1, 0, 2]],  b = [9, 4, 5].
     * Eliminating the diagonal block D = diag(3, 2) (cross part E = [2, 1]):
     *   C = 3 - 2*2/3 - 1*1/2 = 7/6,  r = 9 - 2*4/3 - 1*5/2 = 23/6,
     *   beta0 = r / C = 23/7, beta1 = (4 - 2*23/7)/3 = -6/7, beta2 = (5 - 23/7)/2 = 6/7
     * (check: 3*23/7 - 2*6/7 + 6/7 = 63/7 = 9, the first equation). */
    int idx[] = {0, 1, 0, 1, 0, 2};
    double val[] = {1, 1, 1, 1, 1, 1}, y[] = {1, 3, 5}, beta[3];
    struct feat_rows d = {3, 2, 3, idx, val, y, 1, 2};
    is_int(ridge_fit(&d, 1.0, beta, NULL), 0, "block ridge on the 3-row design succeeds");
    is_double(beta[0], 23.0 / 7.0, 1e-12, "hand block: intercept 23/7");
    is_double(beta[1], -6.0 / 7.0, 1e-12, "hand block: level 0 -6/7");
    is_double(beta[2], 6.0 / 7.0, 1e-12, "hand block: level 1 6/7");
    d.blk_len = 0;
    ridge_fit(&d, 1.0, beta, NULL);
    is_double(beta[0], 23.0 / 7.0, 1e-12, "the dense solve agrees (intercept)");
}

/* A random design: intercept, 2 numeric columns, a 50-level block (levels 45..49
 * never drawn, so they have no rows), a 4-level one-hot and 3 positions; responses
 * continuous or 0/1. nnz = 6, p = 1 + 2 + 50 + 4 + 3 = 60. */
enum { RN = 600, NNZ = 6, P = 60, BOFF = 3, BLEN = 50 };
struct design {
    int idx[RN * NNZ];
    double val[RN * NNZ], y[RN];
    struct feat_rows d;
};

static void design_init(struct design *s, int binary, uint64_t seed)
{
    struct ope_rng r;
    ope_rng_init(&r, seed, OPE_RNG_TEST, 425);
    for (size_t i = 0; i < RN; i++) {
        int *ix = s->idx + i * NNZ;
        double *v = s->val + i * NNZ;
        int lv = (int)ope_rng_below(&r, 45), c2 = (int)ope_rng_below(&r, 4);
        int pos = (int)ope_rng_below(&r, 3);
        double x1 = ope_rng_normal(&r), x2 = ope_rng_normal(&r);
        int cols[NNZ] = {0, 1, 2, BOFF + lv, BOFF + BLEN + c2, BOFF + BLEN + 4 + pos};
        double vals[NNZ] = {1, x1, x2, 1, 1, 1};
        memcpy(ix, cols, sizeof cols);
        memcpy(v, vals, sizeof vals);
        double eta = -0.5 + 0.8 * x1 - 0.3 * x2 + 0.05 * (lv % 7) - 0.2 * c2 + 0.1 * pos;
        s->y[i] = binary ? (ope_rng_uniform(&r) < 1.0 / (1.0 + exp(-eta)) ? 1.0 : 0.0)
                         : eta + 0.5 * ope_rng_normal(&r);
    }
    s->d = (struct feat_rows){RN, NNZ, P, s->idx, s->val, s->y, 0, 0};
}

/* Largest |a - b| relative to max(1, |b|) over p values. */
static double max_rel(const double *a, const double *b, size_t p)
{
    double worst = 0.0;
    for (size_t j = 0; j < p; j++)
        worst = fmax(worst, fabs(a[j] - b[j]) / fmax(1.0, fabs(b[j])));
    return worst;
}

static void test_ridge_both_ways(void)
{
    static struct design s;
    design_init(&s, 0, 1);
    double dense[P], block[P];
    const double lambdas[] = {1.0, 1e-3, 100.0};
    for (size_t t = 0; t < 3; t++) {
        s.d.blk_off = s.d.blk_len = 0;
        int rd = ridge_fit(&s.d, lambdas[t], dense, NULL);
        s.d.blk_off = BOFF;
        s.d.blk_len = BLEN;
        int rb = ridge_fit(&s.d, lambdas[t], block, NULL);
        ok(rd == 0 && rb == 0, "ridge lambda %g: both solves succeed", lambdas[t]);
        ok(max_rel(block, dense, P) <= 1e-9, "ridge lambda %g: block = dense to 1e-9 "
           "(max rel. difference %.2g)", lambdas[t], max_rel(block, dense, P));
    }
    /* A level without rows has only the penalty on its diagonal and nothing on its
     * right-hand side: coefficient exactly 0 both ways. */
    ok(block[BOFF + 47] == 0.0 && dense[BOFF + 47] == 0.0, "a level with no rows gets 0");
}

static void test_logistic_both_ways(void)
{
    static struct design s;
    design_init(&s, 1, 2);
    double dense[P], block[P];
    struct logit_info id, ib;
    /* with and without the intercept's pseudo-row prior (it lands in the dense part) */
    const double prior[] = {0.0, 5.0};
    for (size_t t = 0; t < 2; t++) {
        s.d.blk_off = s.d.blk_len = 0;
        int rd = logit_fit(&s.d, 1.0, prior[t], 0.3, dense, &id, NULL);
        s.d.blk_off = BOFF;
        s.d.blk_len = BLEN;
        int rb = logit_fit(&s.d, 1.0, prior[t], 0.3, block, &ib, NULL);
        ok(rd == 0 && rb == 0 && id.converged && ib.converged,
           "logistic prior %g: both fits converge", prior[t]);
        is_int(ib.iterations, id.iterations, "logistic prior %g: in as many Newton steps",
               prior[t]);
        ok(max_rel(block, dense, P) <= 1e-9, "logistic prior %g: block = dense to 1e-9 "
           "(max rel. difference %.2g)", prior[t], max_rel(block, dense, P));
        is_double_rel(ib.objective, id.objective, 1e-12, "logistic prior %g: same objective",
                      prior[t]);
    }
}

/* A log of n rows, 3 actions, one numeric context and one categorical context of L
 * levels (row i at level (7 i) mod L, so every level is seen when 7 and L are
 * coprime); reward continuous or 0/1. */
static struct blog *level_log(size_t n, size_t L, int binary)
{
    struct blog *b = blog_new(n, 3, 1, 0, NULL);
    struct ope_rng r;
    ope_rng_init(&r, 3, OPE_RNG_TEST, 425);
    b->n_num_ctx = 1;
    b->num_ctx_name = calloc(1, sizeof *b->num_ctx_name);
    b->num_ctx = calloc(1, sizeof *b->num_ctx);
    b->num_ctx_name[0] = strdup("x0");
    b->num_ctx[0] = malloc(n * sizeof(double));
    b->n_cat_ctx = 1;
    b->cat_ctx = calloc(1, sizeof *b->cat_ctx);
    struct blog_catcol *col = &b->cat_ctx[0];
    col->name = strdup("x1");
    col->n_levels = L;
    col->levels = calloc(L, sizeof *col->levels);
    for (size_t l = 0; l < L; l++) {
        char name[32];
        snprintf(name, sizeof name, "c%zu", l);
        col->levels[l] = strdup(name);
    }
    col->code = malloc(n * sizeof *col->code);
    for (size_t i = 0; i < n; i++) {
        double x = ope_rng_normal(&r);
        int lv = (int)((7 * i) % L), a = (int)ope_rng_below(&r, 3);
        b->num_ctx[0][i] = x;
        col->code[i] = lv;
        b->action[i] = a;
        b->pscore[i] = 1.0 / 3.0;
        double eta = 0.5 * x + 0.3 * ((lv * 5 + a) % 4) - 0.6;
        b->reward[i] = binary ? (ope_rng_uniform(&r) < 1.0 / (1.0 + exp(-eta)) ? 1.0 : 0.0)
                              : eta + ope_rng_normal(&r);
    }
    return b;
}

/* Largest relative difference between two [3][n] prediction matrices. */
static double q_diff(double **a, double **b, size_t n)
{
    double worst = 0.0;
    for (size_t k = 0; k < 3; k++)
        worst = fmax(worst, max_rel(a[k], b[k], n));
    return worst;
}

static void test_crossfit_both_ways(void)
{
    const int binary[] = {0, 1};
    for (size_t t = 0; t < 2; t++) {
        struct blog *b = level_log(900, 50, binary[t]);
        struct rm_opts o;
        rm_opts_init(&o);
        o.threads = 2;
        o.block_levels = SIZE_MAX;
        struct ope_error err;
        double **qd = rm_crossfit(b, &o, NULL, &err);
        o.block_levels = 50;
        double **qb = rm_crossfit(b, &o, NULL, &err);
        o.threads = 1;
        double **q1 = rm_crossfit(b, &o, NULL, &err);
        ok(qd && qb && q1, "%s cross-fit on 50 levels: dense and block both fit",
           binary[t] ? "logistic" : "ridge");
        if (qd && qb && q1) {
            ok(q_diff(qb, qd, b->n) <= 1e-9, "%s: block predictions = dense to 1e-9 "
               "(max rel. difference %.2g)", binary[t] ? "logistic" : "ridge",
               q_diff(qb, qd, b->n));
            int same = 1;
            for (size_t k = 0; k < 3; k++)
                same &= memcmp(qb[k], q1[k], b->n * sizeof(double)) == 0;
            ok(same, "%s: block predictions bit-identical with 1 and 2 threads",
               binary[t] ? "logistic" : "ridge");
        } else {
            skip(2, "a fit failed");
        }
        blog_matrix_free(qd, 3);
        blog_matrix_free(qb, 3);
        blog_matrix_free(q1, 3);
        blog_free(b);
    }
}

static void test_wide(void)
{
    /* 5,000 levels: p = 5,002 columns, more than the dense limit (4,000), fits in the
     * block form; with lambda 0 the block form is not used (a level's diagonal may be
     * 0 and the intercept is collinear with the levels) and the design is refused,
     * with a hint. */
    struct blog *b = level_log(6000, 5000, 0);
    struct rm_opts o;
    rm_opts_init(&o);
    struct ope_error err;
    struct res_model rep;
    double **q = rm_crossfit(b, &o, &rep, &err);
    ok(q != NULL, "5,000 levels: the block form fits");
    ok(q && isfinite(rep.heldout_error), "with a finite held-out error");
    blog_matrix_free(q, 3);
    o.lambda = 0.0;
    q = rm_crossfit(b, &o, NULL, &err);
    ok(q == NULL && err.status == OPE_EDATA, "lambda 0: refused as too wide");
    like(q ? "" : err.msg, "with --model-lambda above 0", "and says what would fit");
    blog_matrix_free(q, 3);
    /* A second categorical column of 3,000 levels stays in the dense part: q = 1 +
     * 1 + 3000 = 3002 columns next to the 5,000 levels, 3002 x 8002 = 24,022,004
     * entries, more than a 4000 x 4000 dense design: refused, naming it. */
    b->cat_ctx = realloc(b->cat_ctx, 2 * sizeof *b->cat_ctx);
    struct blog_catcol *col = &b->cat_ctx[1];
    col->name = strdup("x2");
    col->n_levels = 3000;
    col->levels = calloc(3000, sizeof *col->levels);
    for (size_t l = 0; l < 3000; l++)
        col->levels[l] = strdup("v");
    col->code = malloc(b->n * sizeof *col->code);
    for (size_t i = 0; i < b->n; i++)
        col->code[i] = (int)(i % 3000);
    b->n_cat_ctx = 2;
    o.lambda = 1.0;
    q = rm_crossfit(b, &o, NULL, &err);
    ok(q == NULL && err.status == OPE_EDATA, "5,000 + 3,000 levels: refused as too wide");
    like(q ? "" : err.msg, "3002 feature columns beside the 5000 levels of categorical "
         "context column 'x1' are too many (columns x (columns + levels) = 24022004",
         "naming the block and the columns beside it");
    like(q ? "" : err.msg, "column 'x2' is the next widest", "and the next widest column");
    blog_matrix_free(q, 3);
    blog_free(b);
}

static void test_flat_stop(void)
{
    /* A wide logistic fit: 19,047 rows (those of rows i < 100,000 with action
     * (5 i + i/7) mod 3 = 1 and i mod 3 != 2, bench/bench_levels' log) on an intercept,
     * x = (37 i mod 101)/50 - 1 and 10,000 levels (7919 i + i/3) mod 10000, y = 1 when
     * (13 level + 5 + i mod 11) mod 17 < 6. After four Newton steps the next one
     * should gain ~1e-15, below the rounding of an objective of ~1e4, so the step
     * halving saw noise and ran all 100 steps without converging; the fit now takes
     * that Newton step and stops, converged. */
    enum { N = 100000, L = 10000 };
    int *idx = malloc(N * 3 * sizeof *idx);
    double *val = malloc(N * 3 * sizeof *val), *y = malloc(N * sizeof *y);
    double *beta = malloc((2 + L) * sizeof *beta);
    size_t n = 0;
    for (long i = 0; i < N; i++) {
        long lv = (i * 7919 + i / 3) % L, a = (i * 5 + i / 7) % 3;
        if (a != 1 || i % 3 == 2)
            continue;
        int cols[3] = {0, 1, (int)(2 + lv)};
        double vals[3] = {1, (double)((i * 37) % 101) / 50.0 - 1.0, 1};
        memcpy(idx + 3 * n, cols, sizeof cols);
        memcpy(val + 3 * n, vals, sizeof vals);
        y[n++] = (lv * 13 + a * 5 + i % 11) % 17 < 6;
    }
    struct feat_rows d = {n, 3, 2 + L, idx, val, y, 2, L};
    struct logit_info in;
    is_int(logit_fit(&d, 1.0, 30.0, 0.35, beta, &in, NULL), 0, "wide logistic fit succeeds");
    ok(in.converged && in.iterations <= 10, "and converges in %d Newton steps (at most 10)",
       in.iterations);
    free(idx);
    free(val);
    free(y);
    free(beta);
}

int main(void)
{
    gsl_set_error_handler_off();
    plan_no_plan();
    test_hand();
    test_ridge_both_ways();
    test_logistic_both_ways();
    test_crossfit_both_ways();
    test_wide();
    test_flat_stop();
    return done_testing();
}
