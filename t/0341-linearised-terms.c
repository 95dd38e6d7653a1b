/* t/0341-linearised-terms.c: the t, Hoeffding and Bernstein intervals of the
 * self-normalised trajectory estimators (wtis, wpdis, wdr) use linearised
 * (delta-method) per-episode terms (issue 16). Their values and variance are derived
 * by hand on t/0900's three-episode log, checked through the engine's t interval, and
 * checked against an independent definition: the empirical influence function. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/tlog.h"
#include "estimators/ci.h"
#include "estimators/evaluate_traj.h"
#include "estimators/traj.h"
#include "ope/base/error.h"
#include "t/tap.h"

#define TRAJ(name) est_find(name, EST_TRAJ)

/* t/0900's log: three episodes of 2, 3 and 2 steps, 2 states, 2 actions, gamma 0.5.
 * pi_b(.|0) = (1/2, 1/2), pi_b(.|1) = (1/4, 3/4); pi_e(.|0) = (0.8, 0.2),
 * pi_e(.|1) = (1/2, 1/2).
 *   E0: (s0,a0,r1) (s1,a1,r2)            rho = 1.6, 16/15          G = 2
 *   E1: (s1,a0,r0) (s0,a1,r1) (s1,a1,r3) rho = 2, 0.8, 8/15        G = 1.25
 *   E2: (s0,a1,r4) (s1,a0,r1)            rho = 0.4, 0.8            G = 4.5 */
static const int S_[] = { 0, 1, 1, 0, 1, 0, 1 };
static const int A_[] = { 0, 1, 0, 1, 1, 1, 0 };
static const double R_[] = { 1, 2, 0, 1, 3, 4, 1 };
static const double PB[2][2] = { { 0.5, 0.5 }, { 0.25, 0.75 } };
static const double PE[2][2] = { { 0.8, 0.2 }, { 0.5, 0.5 } };

static struct tlog *make_log(void)
{
    struct ope_error err = { 0 };
    int len[] = { 2, 3, 2 };
    struct tlog *t = tlog_new(3, len, 2, 2, 1, &err);
    if (!t)
        bail_out("tlog_new: %s", err.msg);
    t->policy[0].name = strdup("e");
    for (size_t j = 0; j < 7; j++) {
        t->state[j] = S_[j];
        t->action[j] = A_[j];
        t->reward[j] = R_[j];
        t->pscore[j] = PB[S_[j]][A_[j]];
        for (int a = 0; a < 2; a++)
            t->policy[0].prob[a][j] = PE[S_[j]][a];
    }
    t->gamma = 0.5;
    return t;
}

/* The terms of one estimator on the log, with Q̂(s, a) = s + a (for wdr, dr). */
static void build(const struct tlog *t, const char *name, double *w, double *rho, double *qa,
                  double *v, struct traj_terms *tt)
{
    struct ope_error err = { 0 };
    if (traj_weights(t, 0, w, rho, &err) != 0)
        bail_out("weights: %s", err.msg);
    for (size_t j = 0; j < 7; j++) {
        qa[j] = S_[j] + A_[j];
        v[j] = PE[S_[j]][0] * S_[j] + PE[S_[j]][1] * (S_[j] + 1);
    }
    struct traj_in in = { t, 0, t->horizon, 0.5, w, rho, qa, v, NULL, NULL, 0 };
    if (TRAJ(name)->traj_build(&in, NULL, tt, &err) != 0)
        bail_out("%s: %s", name, err.msg);
}

/* Sample variance (n - 1) of three numbers. */
static double var3(const double *c)
{
    double m = (c[0] + c[1] + c[2]) / 3;
    return ((c[0] - m) * (c[0] - m) + (c[1] - m) * (c[1] - m) + (c[2] - m) * (c[2] - m)) / 2;
}

int main(void)
{
    plan_no_plan();
    struct tlog *t = make_log();
    double w[7], rho[7], qa[7], v[7], c[3];
    struct traj_terms tt;

    /* wtis: V = 8/3, mean rho_T = 0.8; psi_i = rho_i (G_i - V) / 0.8 = (-8/9, -17/18,
     * 11/6), which sum to 0; c = V + psi. Sample variance: (256 + 289 + 1089) / 324 / 2
     * = 817/324. The full-sample-denominator terms rho G / 0.8 = (8/3, 5/6, 9/2) used
     * before have deviations (0, -11/6, 11/6) from 8/3, so variance 121/36, not the
     * ratio's. */
    build(t, "wtis", w, rho, qa, v, &tt);
    traj_contrib(&tt, c);
    is_double(c[0], 16.0 / 9, 1e-12, "wtis term of E0: 8/3 - 8/9");
    is_double(c[1], 31.0 / 18, 1e-12, "wtis term of E1: 8/3 - 17/18");
    is_double(c[2], 9.0 / 2, 1e-12, "wtis term of E2: 8/3 + 11/6");
    is_double(var3(c), 817.0 / 324, 1e-12, "wtis terms' variance 817/324 by hand");
    ok(fabs(var3(c) - 121.0 / 36) > 0.5, "not the full-sample-denominator terms' 121/36");
    traj_terms_release(&tt);

    /* wpdis = 0.8 + 0.5 * 1.4 + 0.25 * 2/3 = 5/3 (t/0900). Per step, psi_it = rho_it
     * (r_it - V_t) / mean_j rho_jt (padded episodes keep their last weight, reward 0):
     *  t0: rho (1.6, 2, .4), r (1, 0, 4), V0 = 0.8, mean 4/3: (0.24, -1.2, 0.96)
     *  t1: rho (16/15, .8, .8), r (2, 1, 1), V1 = 1.4, mean 8/9: (0.72, -0.36, -0.36)
     *  t2: rho (16/15, 8/15, .8), r (0, 3, 0), V2 = 2/3, mean 0.8: (-8/9, 14/9, -2/3)
     * c_i = 5/3 + psi_i0 + 0.5 psi_i1 + 0.25 psi_i2 = (92/45, 152/225, 57/25): they sum to
     * 1125/225 = 5 (mean 5/3); deviations (85, -223, 138)/225, squares 75998/225^2, so
     * the sample variance is 37999/50625. */
    build(t, "wpdis", w, rho, qa, v, &tt);
    traj_contrib(&tt, c);
    is_double(c[0], 92.0 / 45, 1e-12, "wpdis term of E0: 92/45");
    is_double(c[1], 152.0 / 225, 1e-12, "wpdis term of E1 (3 steps): 152/225");
    is_double(c[2], 57.0 / 25, 1e-12, "wpdis term of E2 (padded at t2): 57/25");
    is_double(var3(c), 37999.0 / 50625, 1e-12, "wpdis terms' variance 37999/50625 by hand");
    traj_terms_release(&tt);

    /* Independently of the formula: a linearised term is the empirical influence
     * function, c_i = V + n dV(m)/dm_i at m = 1, V(m) the estimate with episode i
     * counted m_i times (traj_value). A central difference of step h has error O(h^2);
     * plain means (tis, pdis, dr) obey it as well as the ratios. */
    const char *names[] = { "tis", "pdis", "wtis", "wpdis", "dr", "wdr" };
    for (size_t e = 0; e < sizeof names / sizeof *names; e++) {
        build(t, names[e], w, rho, qa, v, &tt);
        traj_contrib(&tt, c);
        double V = traj_value(&tt, NULL), worst = 0, h = 1e-5;
        for (size_t i = 0; i < 3; i++) {
            double m[3] = { 1, 1, 1 };
            m[i] = 1 + h;
            double up = traj_value(&tt, m);
            m[i] = 1 - h;
            double dn = traj_value(&tt, m);
            double infl = V + 3 * (up - dn) / (2 * h);
            worst = fmax(worst, fabs(infl - c[i]));
        }
        ok(worst < 1e-7, "%s: each term is V + n dV/dm_i (largest difference %.2g)", names[e],
           worst);
        traj_terms_release(&tt);
    }

    /* Through the engine: the t interval is 5/3 -+ t_{2, 0.975} sqrt(37999/50625 / 3),
     * t_{2, 0.975} = 4.302652730 (the two-sided 95% quantile with 2 degrees of freedom),
     * and wtis's 8/3 -+ t_{2, 0.975} sqrt(817/324 / 3). */
    struct est_spec sp[2];
    memset(sp, 0, sizeof sp);
    const char *en[2] = { "wtis", "wpdis" };
    for (int k = 0; k < 2; k++) {
        sp[k].d = TRAJ(en[k]);
        snprintf(sp[k].label, sizeof sp[k].label, "%s", en[k]);
        snprintf(sp[k].params_json, sizeof sp[k].params_json, "{}");
    }
    struct eval_opts eo;
    eval_opts_init(&eo);
    eo.spec = sp;
    eo.n_spec = 2;
    eo.ci = CI_T;
    eo.threads = 1;
    struct traj_opts to;
    traj_opts_init(&to);
    struct ope_error err = { 0 };
    struct res_eval *r = eval_traj_ex(t, &eo, &to, &err);
    ok(r != NULL, "eval_traj_ex runs (%s)", r ? "" : err.msg);
    if (r) {
        const struct res_estimate *a = &r->pol[0].est[0], *b = &r->pol[0].est[1];
        is_double(a->upper - a->value, 4.302652730 * sqrt(817.0 / 324 / 3), 1e-8,
                  "wtis t half-width from the delta-method variance");
        is_double(b->upper - b->value, 4.302652730 * sqrt(37999.0 / 50625 / 3), 1e-8,
                  "wpdis t half-width from the delta-method variance");
        is_double(b->value - b->lower, b->upper - b->value, 1e-12,
                  "wpdis t interval centred on the estimate");
        ok(a->ci_warning == NULL && b->ci_warning == NULL, "no caveat on either interval");
    }
    res_eval_free(r);
    tlog_free(t);
    return done_testing();
}
