/* t/0307-sg-dr.c: sub-Gaussian doubly robust (sg-dr) on a 4-row log computed by hand:
 * its value for three lambdas, its limits (lambda = 0 is dr), the shrunk weights of
 * the diagnostics, and a zero weight with lambda = 1. */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/blog.h"
#include "estimators/ci.h"
#include "estimators/evaluate.h"

/* The hand log of t/0300 (A = 2):
 *   row  a  r  pscore  pi(0)  pi(1)  w = pi(a)/p   qhat(0) qhat(1)
 *   0    0  1  0.5     0.8    0.2    1.6           0.6     0.4
 *   1    1  0  0.25    0.4    0.6    2.4           0.5     0.3
 *   2    0  0  0.5     0.2    0.8    0.4           0.3     0.7
 *   3    1  1  0.75    0.1    0.9    1.2           0.2     0.6
 * residuals r - qhat(a) = [0.4, -0.3, -0.3, 0.4]; qhat_pi = [0.56, 0.38, 0.62, 0.56],
 * whose mean is 0.53 (dm). */
static struct blog *hand_log(void)
{
    struct ope_error err = { 0 };
    struct blog *b = blog_new(4, 2, 1, 1, &err);
    static const int a[] = { 0, 1, 0, 1 };
    static const double r[] = { 1, 0, 0, 1 }, p[] = { 0.5, 0.25, 0.5, 0.75 };
    static const double pi0[] = { 0.8, 0.4, 0.2, 0.1 };
    static const double q0[] = { 0.6, 0.5, 0.3, 0.2 }, q1[] = { 0.4, 0.3, 0.7, 0.6 };
    if (!b)
        bail_out("%s", err.msg);
    b->policy[0].name = strdup("e");
    b->qhat = blog_matrix_new(2, 4, &err);
    for (int i = 0; i < 4; i++) {
        b->action[i] = a[i];
        b->reward[i] = r[i];
        b->pscore[i] = p[i];
        b->policy[0].prob[0][i] = pi0[i];
        b->policy[0].prob[1][i] = 1 - pi0[i];
        b->qhat[0][i] = q0[i];
        b->qhat[1][i] = q1[i];
    }
    return b;
}

/* Evaluate one spec without intervals; the first estimate. */
static struct res_eval *run(struct blog *b, const char *spec)
{
    struct ope_error err = { 0 };
    struct est_spec *s = NULL;
    size_t n = 0;
    if (est_spec_list(spec, EST_BANDIT, &s, &n, &err) != 0)
        bail_out("%s", err.msg);
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = s;
    o.n_spec = n;
    o.ci = CI_NONE;
    struct res_eval *r = eval_bandit(b, &o, &err);
    if (!r)
        bail_out("%s", err.msg);
    free(s);
    return r;
}

static double value(struct blog *b, const char *spec)
{
    struct res_eval *r = run(b, spec);
    double v = r->pol[0].est[0].value;
    res_eval_free(r);
    return v;
}

int main(void)
{
    plan_no_plan();
    struct blog *b = hand_log();
    const double tol = 1e-12;

    /* lambda = 0.5: w' = w / (0.5 + 0.5 w) = [1.6/1.3, 2.4/1.7, 0.4/0.7, 1.2/1.1];
     * value = 0.53 + (0.4 * 1.6/1.3 - 0.3 * 2.4/1.7 - 0.3 * 0.4/0.7 + 0.4 * 1.2/1.1) / 4
     * = 0.53 + (0.492308 - 0.423529 - 0.171429 + 0.436364) / 4 = 0.53 + 0.083428 = 0.613428. */
    double half = 0.53 + (0.4 * 1.6 / 1.3 - 0.3 * 2.4 / 1.7 - 0.3 * 0.4 / 0.7 + 0.4 * 1.2 / 1.1) / 4;
    is_double(value(b, "sg-dr:lambda=0.5"), half, tol, "sg-dr lambda=0.5 by hand (%.6f)", half);
    /* lambda = 0: w' = w, so dr: 0.53 + (0.64 - 0.72 - 0.12 + 0.48) / 4 = 0.53 + 0.07 = 0.60. */
    is_double(value(b, "sg-dr:lambda=0"), 0.60, tol, "sg-dr lambda=0 = dr = 0.60");
    is_double(value(b, "sg-dr:lambda=0"), value(b, "dr"), tol, "and equals ope's dr");
    /* lambda = 1: w' = w / w = 1 on every row: 0.53 + (0.4 - 0.3 - 0.3 + 0.4) / 4 = 0.58. */
    is_double(value(b, "sg-dr:lambda=1"), 0.58, tol, "sg-dr lambda=1: every weight 1 -> 0.58");
    /* The default lambda is 0.01: w' = w / (0.99 + 0.01 w). */
    double d1 = 0.53 + (0.4 * 1.6 / (0.99 + 0.016) - 0.3 * 2.4 / (0.99 + 0.024) -
                        0.3 * 0.4 / (0.99 + 0.004) + 0.4 * 1.2 / (0.99 + 0.012)) / 4;
    struct res_eval *r = run(b, "sg-dr");
    is_double(r->pol[0].est[0].value, d1, tol, "sg-dr default (lambda 0.01) by hand (%.6f)", d1);
    is_string(r->pol[0].est[0].label, "sg-dr:lambda=0.01", "the default shows in the label");
    res_eval_free(r);

    /* Diagnostics use the shrunk weights: lambda = 0.5, mean of w' =
     * (1.6/1.3 + 2.4/1.7 + 0.4/0.7 + 1.2/1.1) / 4, max = 2.4/1.7. */
    r = run(b, "sg-dr:lambda=0.5");
    is_double(r->pol[0].est[0].mean_weight, (1.6 / 1.3 + 2.4 / 1.7 + 0.4 / 0.7 + 1.2 / 1.1) / 4,
              tol, "mean shrunk weight by hand");
    is_double(r->pol[0].est[0].max_weight, 2.4 / 1.7, tol, "max shrunk weight = 2.4 / 1.7");
    res_eval_free(r);

    /* Now pi = (0, 1) at row 2, whose logged action is 0: w_2 = 0, and with lambda = 1
     * its shrunk weight is 0 (not 0/0), so the row adds only qhat_pi(2) = 0.7; the
     * other rows keep weight 1:
     * value = (0.56 + 0.38 + 0.7 + 0.56) / 4 + (0.4 - 0.3 + 0 + 0.4) / 4 = 0.55 + 0.125. */
    b->policy[0].prob[0][2] = 0.0;
    b->policy[0].prob[1][2] = 1.0;
    is_double(value(b, "sg-dr:lambda=1"), 0.55 + 0.125, tol, "a zero weight stays 0 at lambda=1");

    struct ope_error err = { 0 };
    struct est_spec s;
    ok(est_spec_parse("sg-dr:lambda=1.5", EST_BANDIT, &s, &err) != 0 && err.status == OPE_EUSAGE,
       "lambda above 1 is a usage error");
    like(err.msg, "[0, 1]", "saying the valid range");
    blog_free(b);
    return done_testing();
}
