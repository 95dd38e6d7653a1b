/* t/0400-ridge.c: ridge regression (normal equations solved by hand, exact recovery
 * as lambda -> 0, shrinkage to the mean as lambda grows, the pseudo-inverse fallback)
 * and the design matrix (one-hot categorical columns, standardisation, positions). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>

#include "t/tap.h"
#include "estimators/features.h"
#include "estimators/ridge.h"

/* A dense design (n x p, row-major) as fixed-nnz sparse rows with nnz = p. */
struct dense {
    int idx[64];
    double val[64];
    struct feat_rows d;
};

static void dense_init(struct dense *s, size_t n, size_t p, const double *x, const double *y)
{
    for (size_t r = 0; r < n; r++)
        for (size_t j = 0; j < p; j++) {
            s->idx[r * p + j] = (int)j;
            s->val[r * p + j] = x[r * p + j];
        }
    s->d = (struct feat_rows){n, p, p, s->idx, s->val, y, 0, 0};
}

static void test_hand_2x2(void)
{
    /* Rows (1, x) with x = 0, 1, 2 and y = 1, 2, 4; lambda = 1 on the slope only.
     * X^T X = [[3, 3], [3, 5]], X^T y = [7, 10]; adding lambda to the (1,1) entry:
     * [[3, 3], [3, 6]], det 9, inverse (1/9) [[6, -3], [-3, 3]], so
     * beta = (1/9) [6*7 - 3*10, -3*7 + 3*10] = [12/9, 9/9] = [4/3, 1]. */
    double x[] = {1, 0, 1, 1, 1, 2}, y[] = {1, 2, 4}, beta[2];
    struct dense s;
    dense_init(&s, 3, 2, x, y);
    is_int(ridge_fit(&s.d, 1.0, beta, NULL), 0, "ridge on the 3-row design succeeds");
    is_double(beta[0], 4.0 / 3.0, 1e-12, "hand 2x2: intercept 4/3 (not penalised)");
    is_double(beta[1], 1.0, 1e-12, "hand 2x2: slope 1");
    /* lambda = 0: ordinary least squares, [[3,3],[3,5]] beta = [7,10]: det 6,
     * beta = (1/6) [5*7 - 3*10, -3*7 + 3*10] = [5/6, 3/2]. */
    ridge_fit(&s.d, 0.0, beta, NULL);
    is_double(beta[0], 5.0 / 6.0, 1e-12, "lambda 0: OLS intercept 5/6");
    is_double(beta[1], 1.5, 1e-12, "lambda 0: OLS slope 3/2");
}

static void test_exact_linear(void)
{
    /* y = 2 - 3 x1 + 0.5 x2 exactly on 6 rows of full rank: with lambda -> 0 the
     * fit recovers the coefficients; with lambda = 1e-10 the bias is of order
     * lambda / (smallest eigenvalue of X^T X ~ 1) ~ 1e-10. */
    double x[18], y[6], beta[3];
    double x1[] = {0, 1, 2, 3, -1, 0.5}, x2[] = {1, -2, 0, 4, 3, -1};
    for (int r = 0; r < 6; r++) {
        x[r * 3] = 1;
        x[r * 3 + 1] = x1[r];
        x[r * 3 + 2] = x2[r];
        y[r] = 2 - 3 * x1[r] + 0.5 * x2[r];
    }
    struct dense s;
    dense_init(&s, 6, 3, x, y);
    ridge_fit(&s.d, 0.0, beta, NULL);
    is_double(beta[0], 2.0, 1e-12, "exact linear, lambda 0: intercept 2");
    is_double(beta[1], -3.0, 1e-12, "exact linear, lambda 0: x1 coefficient -3");
    is_double(beta[2], 0.5, 1e-12, "exact linear, lambda 0: x2 coefficient 0.5");
    ridge_fit(&s.d, 1e-10, beta, NULL);
    is_double(beta[1], -3.0, 1e-8, "exact linear, lambda 1e-10: x1 coefficient ~ -3");
    /* lambda = 1e12: slopes are O(1/lambda); the unpenalised intercept absorbs the
     * mean, so beta_0 -> mean(y) = 2 - 3 mean(x1) + 0.5 mean(x2). */
    double my = 0;
    for (int r = 0; r < 6; r++)
        my += y[r] / 6.0;
    ridge_fit(&s.d, 1e12, beta, NULL);
    ok(fabs(beta[1]) < 1e-9 && fabs(beta[2]) < 1e-9, "lambda 1e12 shrinks slopes to 0 "
       "(%.3g, %.3g)", beta[1], beta[2]);
    is_double(beta[0], my, 1e-8, "lambda 1e12: intercept = mean reward %.6f", my);
}

static void test_svd_fallback(void)
{
    /* Two identical columns and lambda 0: X^T X is singular, Cholesky fails and the
     * fallback gives the minimum-norm solution. y = 1 + 2 x: any (b1, b2) with
     * b1 + b2 = 2 fits; the minimum-norm one splits it evenly: b1 = b2 = 1. */
    double x[] = {1, 0, 0, 1, 1, 1, 1, 2, 2, 1, 3, 3}, y[] = {1, 3, 5, 7}, beta[3];
    double a[9], b[3];
    struct dense s;
    dense_init(&s, 4, 3, x, y);
    struct feat_gram g;
    feat_gram_init(&g, 3, NULL);
    for (size_t r = 0; r < 4; r++)
        feat_gram_add(&g, &s.d, r, 1.0, y[r]);
    feat_gram_finish(&g, a, b);
    feat_gram_release(&g);
    /* X^T X = [[4,6,6],[6,14,14],[6,14,14]], X^T y = [16, 34, 34] by hand. */
    is_double(a[1 * 3 + 2], 14.0, 0, "Gram entry (1,2) = 0+1+4+9 = 14");
    is_double(b[0], 16.0, 0, "X^T y entry 0 = 1+3+5+7 = 16");
    is_int(ridge_solve_sym(3, a, b, beta, NULL), 1,
           "singular system uses the pseudo-inverse fallback");
    is_double(beta[0], 1.0, 1e-9, "min-norm: intercept 1");
    is_double(beta[1], 1.0, 1e-9, "min-norm: first copy 1");
    is_double(beta[2], 1.0, 1e-9, "min-norm: second copy 1");
    is_int(ridge_solve_sym(3, (double[]){4, 0, 0, 0, 1, 0, 0, 0, 2}, (double[]){4, 1, 1}, beta,
                           NULL), 0, "positive definite system uses Cholesky");
    is_double(beta[2], 0.5, 1e-15, "diagonal solve: 1/2");
}

/* A log of 4 rows with one numeric column, a 3-level categorical column and 2
 * positions, built by hand. */
static struct blog *small_log(void)
{
    struct blog *b = blog_new(4, 2, 2, 0, NULL);
    b->n_num_ctx = 1;
    b->num_ctx_name = calloc(1, sizeof *b->num_ctx_name);
    b->num_ctx_name[0] = strdup("x0");
    b->num_ctx = calloc(1, sizeof *b->num_ctx);
    b->num_ctx[0] = malloc(4 * sizeof(double));
    double xs[] = {1, 3, 5, 100};
    memcpy(b->num_ctx[0], xs, sizeof xs);
    b->n_cat_ctx = 1;
    b->cat_ctx = calloc(1, sizeof *b->cat_ctx);
    b->cat_ctx[0].name = strdup("x1");
    b->cat_ctx[0].n_levels = 3;
    b->cat_ctx[0].levels = calloc(3, sizeof(char *));
    b->cat_ctx[0].levels[0] = strdup("red");
    b->cat_ctx[0].levels[1] = strdup("green");
    b->cat_ctx[0].levels[2] = strdup("blue");
    b->cat_ctx[0].code = malloc(4 * sizeof(int));
    int codes[] = {0, 2, 1, 2};
    memcpy(b->cat_ctx[0].code, codes, sizeof codes);
    int pos[] = {0, 1, 1, 0};
    memcpy(b->position, pos, sizeof pos);
    return b;
}

static void test_features(void)
{
    struct blog *b = small_log();
    int fold[] = {0, 0, 0, 1};
    struct feat_map m;
    /* Training rows of held-out fold 1 are rows 0..2: x0 = 1, 3, 5, mean 3,
     * population sd sqrt((4 + 0 + 4) / 3) = sqrt(8/3). Row 3 (x0 = 100) is held
     * out and must not move the mean. */
    is_int(feat_map_init(&m, b, fold, 1, NULL), 0, "feature map builds");
    is_int((long long)m.p, 1 + 1 + 3 + 2, "columns: intercept + 1 numeric + 3 levels + 2 positions");
    is_int((long long)m.nnz, 4, "nonzeros per row: intercept, numeric, one-hot, position");
    is_double(m.mean[0], 3.0, 1e-15, "numeric mean from the training rows only");
    is_double(1.0 / m.scale[0], sqrt(8.0 / 3.0), 1e-14, "population sd of 1, 3, 5");
    int idx[4];
    double val[4];
    feat_row(&m, b, 1, b->position[1], idx, val);
    /* Row 1: x0 = 3 -> 0; level "blue" = code 2 -> column 2 + 2 = 4; position 1
     * -> column 5 + 1 = 6. */
    ok(idx[0] == 0 && val[0] == 1.0, "intercept column 0 = 1");
    ok(idx[1] == 1 && val[1] == 0.0, "standardised x0 of row 1 is 0");
    ok(idx[2] == 4 && val[2] == 1.0, "one-hot: level 'blue' (code 2) -> column 4");
    ok(idx[3] == 6 && val[3] == 1.0, "one-hot position 1 -> column 6");
    feat_row(&m, b, 0, b->position[0], idx, val);
    is_double(val[1], (1.0 - 3.0) / sqrt(8.0 / 3.0), 1e-14, "standardised x0 of row 0");
    ok(idx[2] == 2 && idx[3] == 5, "row 0: level 'red' -> column 2, position 0 -> column 5");
    feat_map_release(&m);
    /* Without positions (L = 1) there is no position column. */
    b->n_positions = 1;
    feat_map_init(&m, b, NULL, -1, NULL);
    ok(m.p == 5 && m.nnz == 3 && !m.use_pos, "no position columns when L = 1");
    is_double(m.mean[0], 109.0 / 4.0, 1e-13, "no folds: mean over all rows");
    feat_map_release(&m);
    b->n_positions = 2;
    blog_free(b);
}

static void test_onehot_fit(void)
{
    /* One-hot only (3 levels, no numeric), lambda 1, rows: level 0 y = {1, 3},
     * level 1 y = {5}, level 2 none. Minimise sum (y - b0 - d_c)^2 + sum d_c^2:
     * d_c = (S_c - n_c b0) / (n_c + 1) for a level with n_c rows summing to S_c,
     * and the unseen level gets d_2 = 0. The intercept equation
     * sum_c (S_c - n_c b0 - n_c d_c) = 0 = sum_c (S_c - n_c b0) / (n_c + 1):
     * (4 - 2 b0) / 3 + (5 - b0) / 2 = 0 -> 8 - 4 b0 + 15 - 3 b0 = 0 -> b0 = 23/7;
     * d_0 = (4 - 46/7) / 3 = -6/7, d_1 = (5 - 23/7) / 2 = 6/7. */
    int idx[] = {0, 1, 0, 1, 0, 2};
    double val[] = {1, 1, 1, 1, 1, 1}, y[] = {1, 3, 5}, beta[4];
    struct feat_rows d = {3, 2, 4, idx, val, y, 0, 0};
    ridge_fit(&d, 1.0, beta, NULL);
    is_double(beta[0], 23.0 / 7.0, 1e-12, "one-hot ridge: intercept 23/7");
    is_double(beta[1], -6.0 / 7.0, 1e-12, "one-hot ridge: level 0 effect -6/7");
    is_double(beta[2], 6.0 / 7.0, 1e-12, "one-hot ridge: level 1 effect 6/7");
    is_double(beta[3], 0.0, 1e-15, "one-hot ridge: unseen level gets 0");
}

static void test_gram_long(void)
{
    /* A million identical rows (1, 0.1): sum x^2 = 1e6 * 0.01 = 1e4. Plain sums
     * inside blocks of 512 rows err by at most ~512 * eps / 2 ~ 6e-14 relative; the
     * block sums are then added with compensation, so the total keeps that bound,
     * while a plain running sum of 10^6 terms drifts by ~1e-11 or worse (shown in
     * the diagnostic). */
    int idx[2] = {0, 1};
    double val[2] = {1.0, 0.1}, y[1] = {0.3}, a[4], b[2];
    struct feat_rows d = {1, 2, 2, idx, val, y, 0, 0};
    struct feat_gram g;
    feat_gram_init(&g, 2, NULL);
    for (int r = 0; r < 1000000; r++)
        feat_gram_add(&g, &d, 0, 1.0, 0.3);
    feat_gram_finish(&g, a, b);
    feat_gram_release(&g);
    double plain = 0.0;
    for (int r = 0; r < 1000000; r++)
        plain += 0.1 * 0.1;
    diag("plain running sum error: %.3g relative", fabs(plain - 1e4) / 1e4);
    is_double_rel(a[3], 1e4, 1e-13, "10^6 rows: sum x^2 = 10^4 to 1e-13");
    is_double_rel(b[1], 3e4, 1e-13, "10^6 rows: sum x y = 3 * 10^4 to 1e-13");
}

int main(void)
{
    gsl_set_error_handler_off();
    plan_no_plan();
    test_hand_2x2();
    test_exact_linear();
    test_svd_fallback();
    test_features();
    test_onehot_fit();
    test_gram_long();
    return done_testing();
}
