/* t/0308-rm.c: the replay method (rm) on a 5-row log computed by hand: its value and
 * t interval on a deterministic policy, no number (with the reason) for a stochastic
 * one, and undefined when no row matches. */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/blog.h"
#include "estimators/ci.h"
#include "estimators/evaluate.h"

/* The hand log (A = 2, every pscore 0.5) and three evaluation policies, given as
 * pi(0) (pi(1) = 1 - pi(0)):
 *   row  a  r   det  stoch  miss
 *   1    0  1   1    0.7    0
 *   2    1  1   1    1      1      (det and miss: pi(a=1) = 0)
 *   3    0  0   1    0      0      (miss: pi(a=0) = 0)
 *   4    1  1   0    0.5    1
 *   5    0  1   0    1      0
 * det picks the logged action on rows 1, 3 (action 0) and 4 (action 1): m = [1, 0, 1,
 * 1, 0]. stoch gives the logged actions of rows 1 and 4 probabilities 0.7 and 0.5.
 * miss never picks the logged action. */
static struct blog *hand_log(void)
{
    struct ope_error err = { 0 };
    struct blog *b = blog_new(5, 2, 1, 3, &err);
    static const int a[] = { 0, 1, 0, 1, 0 };
    static const double r[] = { 1, 1, 0, 1, 1 };
    static const double pi0[3][5] = { { 1, 1, 1, 0, 0 }, { 0.7, 1, 0, 0.5, 1 }, { 0, 1, 0, 1, 0 } };
    static const char *const names[] = { "det", "stoch", "miss" };
    if (!b)
        bail_out("%s", err.msg);
    for (int p = 0; p < 3; p++) {
        b->policy[p].name = strdup(names[p]);
        for (int i = 0; i < 5; i++) {
            b->policy[p].prob[0][i] = pi0[p][i];
            b->policy[p].prob[1][i] = 1 - pi0[p][i];
        }
    }
    for (int i = 0; i < 5; i++) {
        b->action[i] = a[i];
        b->reward[i] = r[i];
        b->pscore[i] = 0.5;
    }
    return b;
}

static struct res_eval *run(struct blog *b, const char *spec, int ci)
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
    o.ci = ci;
    o.n_boot = 200;
    struct res_eval *r = eval_bandit(b, &o, &err);
    if (!r)
        bail_out("%s", err.msg);
    free(s);
    return r;
}

static int warned(const struct res_policy *p, const char *needle)
{
    for (size_t w = 0; w < p->n_warnings; w++)
        if (strstr(p->warnings[w], needle))
            return 1;
    return 0;
}

int main(void)
{
    plan_no_plan();
    struct blog *b = hand_log();
    const double tol = 1e-12;

    /* det: matched rows 1, 3, 4 with rewards 1, 0, 1 -> rm = 2/3. ipw for contrast:
     * w = 2 on the matches, (2 + 0 + 2) / 5 = 0.8; snipw = 4 / 6 = 2/3 = rm, as it must
     * be with equal propensities. Contributions, linearised as snipw's (delta method):
     * c = V + m (r - V) / mean(m), V = 2/3, mean(m) = 3/5: [11/9, 2/3, -4/9, 11/9, 2/3]:
     * mean 2/3; deviations [5/9, 0, -10/9, 5/9, 0], squares sum 150/81, sd^2 = 150/324
     * = 25/54, se = sqrt(25/54) / sqrt(5) = sqrt(5/54). (OBP's round rewards m r / mean(m)
     * would give se = sqrt(1/6), an unnormalised estimator's.) */
    struct res_eval *r = run(b, "rm,ipw,snipw", CI_T);
    const struct res_policy *det = &r->pol[0];
    is_double(det->est[0].value, 2.0 / 3.0, tol, "det: rm = 2/3 by hand");
    is_double(det->est[1].value, 0.8, tol, "det: ipw = 0.8 (it is not rm)");
    is_double(det->est[2].value, det->est[0].value, tol, "det: snipw = rm with equal pscores");
    is_double(det->est[0].se, sqrt(5.0 / 54.0), tol, "det: standard error sqrt(5/54) by hand");
    /* t interval: 2/3 -+ t_{4, 0.975} se, t_{4, 0.975} = 2.776445105. */
    is_double(det->est[0].upper - det->est[0].value, 2.776445105 * sqrt(5.0 / 54.0), 1e-8,
              "det: t interval half-width t_{4,0.975} sqrt(5/54)");
    ok(!warned(det, "rm "), "det: no warning about rm");
    is_string(det->est[0].label, "rm", "rm takes no parameters");

    /* stoch: pi(a_1) = 0.7 (and pi(a_4) = 0.5), so rm does not apply: no value, no
     * interval; the reason names the first such row. */
    const struct res_policy *st = &r->pol[1];
    ok(isnan(st->est[0].value) && isnan(st->est[0].lower) && isnan(st->est[0].upper) &&
       isnan(st->est[0].se), "stoch: rm shows no number (value, interval and se are NaN)");
    ok(warned(st, "rm does not apply: the policy is stochastic"), "stoch: and says why");
    ok(warned(st, "row 1 probability 0.7"), "stoch: naming the row and the probability");
    ok(!isnan(st->est[1].value), "stoch: the other estimators still run");

    /* miss: pi(a_i) = 0 on every row: no match, 0/0 -> undefined (OBP returns 0). */
    const struct res_policy *miss = &r->pol[2];
    ok(isnan(miss->est[0].value), "miss: no matching row -> undefined (NaN)");
    ok(warned(miss, "rm is undefined on this log"), "miss: with the zero-denominator warning");
    res_eval_free(r);

    /* The bootstrap recomputes the ratio per resample: its interval lies in [0, 1] (the
     * rewards' range) and holds the estimate. */
    r = run(b, "rm", CI_BOOTSTRAP);
    ok(r->pol[0].est[0].lower >= 0 && r->pol[0].est[0].upper <= 1 &&
       r->pol[0].est[0].lower <= 2.0 / 3.0 && 2.0 / 3.0 <= r->pol[0].est[0].upper,
       "det: bootstrap interval [%g, %g] within [0, 1], around 2/3", r->pol[0].est[0].lower,
       r->pol[0].est[0].upper);
    ok(isnan(r->pol[1].est[0].lower) && isnan(r->pol[1].est[0].upper),
       "stoch: no bootstrap interval either");
    res_eval_free(r);

    struct ope_error err = { 0 };
    struct est_spec s;
    ok(est_spec_parse("rm:clip=3", EST_BANDIT, &s, &err) != 0 && err.status == OPE_EUSAGE,
       "rm takes no parameters: rm:clip=3 is a usage error");
    blog_free(b);
    return done_testing();
}
