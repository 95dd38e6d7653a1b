/* t/0300-estimators.c: every bandit estimator on a 4-row log computed by hand, the
 * parameter edge cases, and the spec-string parser. */
#include "config.h"
#include "t/tap.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/blog.h"
#include "estimators/ci.h"
#include "estimators/evaluate.h"

/* The hand log (A = 2):
 *   row  a  r  pscore  pi(0)  pi(1)  w = pi(a)/p   qhat(0) qhat(1)
 *   0    0  1  0.5     0.8    0.2    1.6           0.6     0.4
 *   1    1  0  0.25    0.4    0.6    2.4           0.5     0.3
 *   2    0  0  0.5     0.2    0.8    0.4           0.3     0.7
 *   3    1  1  0.75    0.1    0.9    1.2           0.2     0.6
 * qhat at the logged action qa = [0.6, 0.3, 0.3, 0.6]; residuals r - qa =
 * [0.4, -0.3, -0.3, 0.4]; qhat_pi = sum_a pi(a) qhat(a) = [0.56, 0.38, 0.62, 0.56]. */
static struct blog *hand_log(void)
{
    struct ope_error err = { 0 };
    struct blog *b = blog_new(4, 2, 1, 1, &err);
    static const int a[] = { 0, 1, 0, 1 };
    static const double r[] = { 1, 0, 0, 1 }, p[] = { 0.5, 0.25, 0.5, 0.75 };
    static const double pi0[] = { 0.8, 0.4, 0.2, 0.1 };
    static const double q0[] = { 0.6, 0.5, 0.3, 0.2 }, q1[] = { 0.4, 0.3, 0.7, 0.6 };
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

static double value_of(struct blog *b, const char *spec, int ci, double *lo, double *hi)
{
    struct ope_error err = { 0 };
    struct est_spec *s = NULL;
    size_t n = 0;
    if (est_spec_list(spec, EST_BANDIT, &s, &n, &err) != 0) {
        diag("%s", err.msg);
        return NAN;
    }
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = s;
    o.n_spec = n;
    o.ci = ci;
    struct res_eval *r = eval_bandit(b, &o, &err);
    double v = NAN;
    if (r) {
        v = r->pol[0].est[0].value;
        if (lo)
            *lo = r->pol[0].est[0].lower;
        if (hi)
            *hi = r->pol[0].est[0].upper;
    } else {
        diag("%s", err.msg);
    }
    res_eval_free(r);
    free(s);
    return v;
}

int main(void)
{
    plan_no_plan();
    struct blog *b = hand_log();
    const double tol = 1e-12;

    /* dm = mean(qhat_pi) = (0.56 + 0.38 + 0.62 + 0.56) / 4 = 0.53 */
    is_double(value_of(b, "dm", CI_NONE, NULL, NULL), 0.53, tol, "dm by hand");
    /* ipw = (1.6*1 + 2.4*0 + 0.4*0 + 1.2*1) / 4 = 0.7 */
    is_double(value_of(b, "ipw", CI_NONE, NULL, NULL), 0.7, tol, "ipw by hand");
    /* clip 1.5: (1.5 + 1.2) / 4 = 0.675 */
    is_double(value_of(b, "ipw:clip=1.5", CI_NONE, NULL, NULL), 0.675, tol, "ipw clip=1.5");
    is_double(value_of(b, "ipw:clip=1e9", CI_NONE, NULL, NULL), 0.7, tol, "ipw, huge clip = ipw");
    /* snipw = 2.8 / (1.6 + 2.4 + 0.4 + 1.2) = 2.8 / 5.6 = 0.5 */
    is_double(value_of(b, "snipw", CI_NONE, NULL, NULL), 0.5, tol, "snipw by hand");
    /* w (r - qa) = [0.64, -0.72, -0.12, 0.48], sum 0.28: dr = 0.53 + 0.28/4 = 0.60 */
    is_double(value_of(b, "dr", CI_NONE, NULL, NULL), 0.60, tol, "dr by hand");
    /* clip 1: w' = [1, 1, 0.4, 1]: 0.4 - 0.3 - 0.12 + 0.4 = 0.38: 0.53 + 0.095 */
    is_double(value_of(b, "dr:clip=1", CI_NONE, NULL, NULL), 0.625, tol, "dr clip=1");
    /* sndr = 0.53 + 0.28 / 5.6 = 0.58 */
    is_double(value_of(b, "sndr", CI_NONE, NULL, NULL), 0.58, tol, "sndr by hand");
    {
        /* The t interval of a self-normalised estimator uses the linearised terms
         * c_i = V + w_i (r_i - V) / mean(w) (here V = 0.5, mean w = 1.4): deviations
         * c_i - V = 0.5 w_i (+-1) / 1.4 = (0.8, -1.2, -0.2, 0.6) / 1.4, sum of squares
         * 2.48 / 1.96, so half-width = t_{3, 0.975} sqrt(2.48 / 1.96 / 3) / 2. The old
         * terms w_i r_i / mean(w) give sum of squares 1.0408 instead: this must differ. */
        double lo, hi, q = gsl_cdf_tdist_Pinv(0.975, 3);
        double v = value_of(b, "snipw", CI_T, &lo, &hi);
        is_double(v, 0.5, tol, "snipw with a t interval: the point estimate is unchanged");
        is_double((hi - lo) / 2, q * sqrt(2.48 / 1.96 / 3) / 2, 1e-12,
                  "snipw t half-width from the delta-method terms");
        is_double((hi + lo) / 2, 0.5, 1e-12, "snipw t interval centred on the estimate");
        /* sndr: C = 0.28 / 5.6 = 0.05, c_i = qhat_pi + C + w_i (r_i - qa_i - C) / 1.4 =
         * (1.01, -0.17, 0.57, 0.91), mean 0.58, deviations (0.43, -0.75, -0.01, 0.33),
         * sum of squares 0.8564. */
        v = value_of(b, "sndr", CI_T, &lo, &hi);
        is_double(v, 0.58, tol, "sndr with a t interval: the point estimate is unchanged");
        is_double((hi - lo) / 2, q * sqrt(0.8564 / 3) / 2, 1e-12,
                  "sndr t half-width from the delta-method terms");
    }
    /* switch tau=2 drops row 1 (w = 2.4): 0.64 - 0.12 + 0.48 = 1.0: 0.53 + 0.25 */
    is_double(value_of(b, "switch-dr:tau=2", CI_NONE, NULL, NULL), 0.78, tol, "switch-dr tau=2");
    is_double(value_of(b, "switch-dr:tau=1e300", CI_NONE, NULL, NULL), 0.60, tol,
              "switch-dr, infinite tau = dr");
    /* switch tau=0.1 keeps no row: the model alone, = dm */
    is_double(value_of(b, "switch-dr:tau=0.1", CI_NONE, NULL, NULL), 0.53, tol,
              "switch-dr, tau below every weight = dm");
    /* dr-os lambda=1: w' = w / (w^2 + 1) */
    double os = 0.53 + (1.6 / 3.56 * 0.4 - 2.4 / 6.76 * 0.3 - 0.4 / 1.16 * 0.3 +
                        1.2 / 2.44 * 0.4) / 4;
    is_double(value_of(b, "dr-os:lambda=1", CI_NONE, NULL, NULL), os, tol, "dr-os lambda=1");
    is_double(value_of(b, "dr-os:lambda=1e12", CI_NONE, NULL, NULL), 0.60, 1e-9,
              "dr-os, lambda -> inf approaches dr");
    /* sg-ipw lambda=0.5: w' = w / (0.5 + 0.5 w): rows 0 and 3 have reward 1 */
    is_double(value_of(b, "sg-ipw:lambda=0.5", CI_NONE, NULL, NULL), (1.6 / 1.3 + 1.2 / 1.1) / 4,
              tol, "sg-ipw lambda=0.5");
    is_double(value_of(b, "sg-ipw:lambda=0", CI_NONE, NULL, NULL), 0.7, tol, "sg-ipw lambda=0 = ipw");

    /* Intervals on the ipw contributions c = [1.6, 0, 0, 1.2]: mean 0.7, deviations
     * [0.9, -0.7, -0.7, 0.5], sum of squares 2.04, sd = sqrt(0.68).
     * t: t_{3, 0.975} = 3.182446305284263 (tables) times sd / 2. */
    double lo, hi, sd = sqrt(0.68);
    value_of(b, "ipw", CI_T, &lo, &hi);
    is_double(hi - 0.7, 3.182446305284263 * sd / 2, 1e-9, "t interval: two-sided quantile");
    is_double(0.7 - lo, hi - 0.7, 1e-12, "t interval is symmetric");
    /* Hoeffding on the observed range [0, 1.6]: 1.6 sqrt(ln(2/0.05) / 8) */
    value_of(b, "ipw", CI_HOEFFDING, &lo, &hi);
    is_double(hi - 0.7, 1.6 * sqrt(log(40.0) / 8.0), 1e-12, "hoeffding half-width by hand");
    /* Bernstein: sd sqrt(2 ln(80) / 4) + 7 * 1.6 ln(80) / (3 * 3) */
    value_of(b, "ipw", CI_BERNSTEIN, &lo, &hi);
    is_double(hi - 0.7, sd * sqrt(2 * log(80.0) / 4) + 7 * 1.6 * log(80.0) / 9, 1e-12,
              "bernstein half-width by hand");

    /* Pitfall: a Hoeffding width that multiplies by n. With the same contributions
     * repeated 100 times (n = 400) the half-width must shrink by sqrt(100) = 10. */
    {
        struct ci_stats s4 = { 4, 0.7, sd, 0, 1.6 }, s400 = { 400, 0.7, sd, 0, 1.6 };
        double l4, h4, l400, h400;
        ci_hoeffding(&s4, 0, 1.6, 0.05, &l4, &h4);
        ci_hoeffding(&s400, 0, 1.6, 0.05, &l400, &h400);
        is_double((h4 - 0.7) / (h400 - 0.7), 10.0, 1e-12, "hoeffding width shrinks as 1/sqrt(n)");
        /* Pitfall: a one-sided t quantile (1 - alpha instead of 1 - alpha/2). */
        ci_t(&s400, 0.05, &l400, &h400);
        ok((h400 - 0.7) / (sd / 20) > 1.96, "t quantile is two-sided (> 1.96 at n = 400)");
    }

    /* Percentile interval: type 7 quantiles of 1..5 at 0.025 and 0.975 are
     * 1 + 4*0.025 = 1.1 and 1 + 4*0.975 = 4.9. */
    {
        double v[] = { 5, 3, 1, 4, 2, NAN };
        double l, h;
        size_t m = ci_percentile(v, 6, 0.05, &l, &h);
        is_int((long long)m, 5, "percentile drops the NaN replicate");
        is_double(l, 1.1, 1e-12, "type-7 lower quantile");
        is_double(h, 4.9, 1e-12, "type-7 upper quantile");
    }

    /* Spec strings. */
    {
        struct ope_error err = { 0 };
        struct est_spec s;
        ok(est_spec_parse("ipw:clip=100", EST_BANDIT, &s, &err) == 0 &&
           strcmp(s.label, "ipw:clip=100") == 0, "ipw:clip=100 parses, label kept");
        is_string(s.params_json, "{\"clip\":100}", "params as JSON");
        ok(est_spec_parse("ipw", EST_BANDIT, &s, &err) == 0 && isinf(s.param[0]),
           "ipw default clip is infinite");
        is_string(s.params_json, "{}", "infinite clip is left out of the JSON params");
        ok(est_spec_parse("nope", EST_BANDIT, &s, &err) != 0 && err.status == OPE_EUSAGE,
           "unknown estimator is a usage error");
        like(err.msg, "sg-ipw", "the message lists the valid estimators");
        ok(est_spec_parse("ipw:tau=3", EST_BANDIT, &s, &err) != 0, "unknown parameter");
        like(err.msg, "clip", "the message names the valid parameter");
        ok(est_spec_parse("sg-ipw:lambda=2", EST_BANDIT, &s, &err) != 0, "out of range");
        ok(est_spec_parse("ipw:clip", EST_BANDIT, &s, &err) != 0, "missing value");
        struct est_spec *list = NULL;
        size_t n = 0;
        ok(est_spec_list("ipw:clip=5,snipw,dr-os:lambda=10", EST_BANDIT, &list, &n, &err) == 0 &&
           n == 3, "list of three");
        free(list);
        ok(est_spec_list("ipw,ipw", EST_BANDIT, &list, &n, &err) != 0, "duplicate rejected");
        size_t nb = 0;     /* the bandit entries of the registry */
        for (size_t k = 0; est_registry[k]; k++)
            nb += est_registry[k]->kind == EST_BANDIT;
        ok(est_spec_list(NULL, EST_BANDIT, &list, &n, &err) == 0 && n == nb,
           "default: every bandit estimator of the registry (%zu)", nb);
        free(list);
    }

    /* Diagnostics on the hand log: ESS = (sum w)^2 / sum w^2 = 5.6^2 / (2.56 + 5.76 +
     * 0.16 + 1.44) = 31.36 / 9.92; mean weight 1.4; max 2.4. */
    {
        struct ope_error err = { 0 };
        struct est_spec *s = NULL;
        size_t n = 0;
        est_spec_list("ipw", EST_BANDIT, &s, &n, &err);
        struct eval_opts o;
        eval_opts_init(&o);
        o.spec = s;
        o.n_spec = n;
        o.ci = CI_NONE;
        struct res_eval *r = eval_bandit(b, &o, &err);
        is_double(r->pol[0].est[0].ess, 31.36 / 9.92, 1e-12, "ESS by hand");
        is_double(r->pol[0].est[0].mean_weight, 1.4, 1e-12, "mean weight by hand");
        is_double(r->pol[0].est[0].max_weight, 2.4, 1e-12, "max weight by hand");
        is_double(r->pol[0].unsupported, 0.0, 0, "every action was logged: no unsupported mass");
        /* Mean 1.4 is 0.4 from 1, but on 4 rows its standard error is
         * sqrt(((0.2^2 + 1^2 + 1^2 + 0.2^2) / 3) / 4) = 0.416: within DIAG_MEAN_Z = 3 of
         * them, so no mean-weight warning (estimators/diag.h; t/0340-diag.c tests the
         * rule). The one warning is the ESS of 3.16 < DIAG_CI_MIN_ESS = 100: few
         * effective samples. */
        is_int((long)r->pol[0].n_warnings, 1, "mean weight 1.4 on 4 rows is not flagged");
        like(r->pol[0].n_warnings ? r->pol[0].warnings[0] : "", "few effective samples",
             "... the one warning is the small ESS");
        res_eval_free(r);
        /* Unsupported mass: make action 1 never logged. Rows 1 and 3 now log action 0
         * (pscore kept), pi puts 0.2, 0.6, 0.8, 0.9 on action 1: mean 0.625. */
        b->action[1] = 0;
        b->action[3] = 0;
        r = eval_bandit(b, &o, &err);
        is_double(r->pol[0].unsupported, 0.625, 1e-12, "unsupported mass by hand");
        res_eval_free(r);
        free(s);
    }
    blog_free(b);
    return done_testing();
}
