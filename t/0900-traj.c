/* t/0900-traj.c: every trajectory estimator on a hand-made log of three episodes of
 * unequal length (2, 3, 2 steps; 2 states, 2 actions; gamma = 0.5), each value
 * derived by hand in the comment next to its assertion, plus one test per pitfall of
 * estimators.md (missing padding, forgotten action ratio, ignored discount). */
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

/* A trajectory estimator's descriptor, by its command-line name. */
#define TRAJ(name) est_find(name, EST_TRAJ)

/* pi_b(.|0) = (1/2, 1/2), pi_b(.|1) = (1/4, 3/4); pi_e(.|0) = (0.8, 0.2),
 * pi_e(.|1) = (1/2, 1/2). Weights w(s,a): w(0,0) = 1.6, w(0,1) = 0.4, w(1,0) = 2,
 * w(1,1) = 2/3.
 *   E0: (s0,a0,r1) (s1,a1,r2)            rho = 1.6, 16/15          G = 1 + 0.5*2 = 2
 *   E1: (s1,a0,r0) (s0,a1,r1) (s1,a1,r3) rho = 2, 0.8, 8/15        G = 0 + .5 + .75 = 1.25
 *   E2: (s0,a1,r4) (s1,a0,r1)            rho = 0.4, 0.8            G = 4 + 0.5 = 4.5 */
static const int S_[] = { 0, 1, 1, 0, 1, 0, 1 };
static const int A_[] = { 0, 1, 0, 1, 1, 1, 0 };
static const double R_[] = { 1, 2, 0, 1, 3, 4, 1 };
static const double PB[2][2] = { { 0.5, 0.5 }, { 0.25, 0.75 } };
static const double PE[2][2] = { { 0.8, 0.2 }, { 0.5, 0.5 } };

static struct tlog *make_log(int same_policy)
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
            t->policy[0].prob[a][j] = same_policy ? PB[S_[j]][a] : PE[S_[j]][a];
    }
    t->gamma = 0.5;
    return t;
}

static double qhat(int s, int a) { return s + a; }   /* Q̂(s,a) = s + a for every t */

/* Value of one estimator on the log with the Q̂ above (V̂(0) = 0.2, V̂(1) = 1.5). */
static double run(const struct est_desc *k, const struct tlog *t, double gamma, int with_q)
{
    struct ope_error err = { 0 };
    double w[7], rho[7], qa[7], v[7];
    if (traj_weights(t, 0, w, rho, &err) != 0)
        bail_out("weights: %s", err.msg);
    for (size_t j = 0; j < 7; j++) {
        qa[j] = with_q ? qhat(S_[j], A_[j]) : 0.0;
        v[j] = 0;
        for (int a = 0; a < 2; a++)
            v[j] += t->policy[0].prob[a][j] * (with_q ? qhat(S_[j], a) : 0.0);
    }
    struct traj_in in = { t, 0, t->horizon, gamma, w, rho, qa, v, NULL, NULL, 0 };
    struct traj_terms tt;
    if (k->traj_build(&in, NULL, &tt, &err) != 0)
        bail_out("%s: %s", k->name, err.msg);
    double val = traj_value(&tt, NULL);
    /* The contributions always average to the value. */
    double c[3];
    traj_contrib(&tt, c);
    double mc = (c[0] + c[1] + c[2]) / 3;
    if (fabs(mc - val) > 1e-12)
        diag("%s: mean contribution %.15g != value %.15g", k->name, mc, val);
    ok(fabs(mc - val) <= 1e-12, "%s: contributions average to the value", k->name);
    traj_terms_release(&tt);
    return val;
}

int main(void)
{
    plan(51);
    struct tlog *t = make_log(0);
    is_int(t->horizon, 3, "horizon T = 3 (longest episode)");

    /* tis = (16/15*2 + 8/15*1.25 + 0.8*4.5) / 3 = (96/15) / 3 = 32/15 */
    is_double(run(TRAJ("tis"), t, 0.5, 0), 32.0 / 15, 1e-12, "tis by hand");
    /* pdis: E0 1.6*1 + .5*(16/15)*2 = 40/15; E1 0 + .5*.8*1 + .25*(8/15)*3 = 12/15;
     * E2 .4*4 + .5*.8*1 = 30/15  -> (82/15)/3 = 82/45 */
    is_double(run(TRAJ("pdis"), t, 0.5, 0), 82.0 / 45, 1e-12, "pdis by hand");
    /* wtis = (96/15) / (16/15 + 8/15 + 12/15) = 96/36 = 8/3 */
    is_double(run(TRAJ("wtis"), t, 0.5, 0), 8.0 / 3, 1e-12, "wtis by hand");
    /* wpdis, padded weights carried over:
     *  t0: rho (1.6, 2, .4), r (1, 0, 4): 3.2 / 4 = 0.8
     *  t1: rho (16/15, .8, .8), r (2, 1, 1): (56/15) / (40/15) = 1.4
     *  t2: rho (16/15 carried, 8/15, .8 carried), r (0, 3, 0): (24/15)/(36/15) = 2/3
     *  -> 0.8 + 0.5*1.4 + 0.25*2/3 = 5/3.  Without padding t2 would be 3 (pitfall). */
    is_double(run(TRAJ("wpdis"), t, 0.5, 0), 5.0 / 3, 1e-12, "wpdis by hand (padding)");
    /* mis: w_hat_0 = 1. t0 terms: E0 1.6*1, E1 2*0, E2 .4*4; carry x = (1.6, 2, .4).
     *  t1: w_hat_1(s1) = (1.6 + .4)/2 = 1 (E0, E2), w_hat_1(s0) = 2 (E1);
     *      terms .5*1*(2/3)*2 = 2/3, .5*2*.4*1 = .4, .5*1*2*1 = 1; x = (2/3, .8, 2)
     *  t2: w_hat_2(s1) = .8 (E1 only): .25*.8*(2/3)*3 = .4
     *  -> (1.6 + 1.6 + 2/3 + .4 + 1 + .4) / 3 = 17/9 */
    double mis = run(TRAJ("mis"), t, 0.5, 0);
    is_double(mis, 17.0 / 9, 1e-12, "mis by hand");
    /* Pitfall: forgetting the current action ratio gives
     * (1 + 0 + 4 + .5*(1*2 + 2*1 + 1*1) + .25*.8*3)/3 = 8.1/3 = 2.7. */
    ok(fabs(mis - 2.7) > 0.5, "mis uses the current step's action ratio (not 2.7)");
    {
        /* mis refitted on a resample (traj_resample): the ratios re-estimated on the
         * episodes counted m_i times. m = (1, 1, 1) is the log itself (17/9); doubling
         * every count changes nothing; m = (1, 0, 1) is mis on E0 and E2 alone:
         * t0 terms 1.6 and 1.6, w_hat_1(s1) = (1.6 + .4)/2 = 1, t1 terms 2/3 and 1,
         * neither reaches t2: (1.6 + 2/3 + 1.6 + 1)/2 = 73/30 (E1 alone would have
         * given w_hat_1(s0) = 2 and the t2 term: not the same). */
        struct ope_error err = { 0 };
        double w[7], rho[7];
        if (traj_weights(t, 0, w, rho, &err) != 0)
            bail_out("weights: %s", err.msg);
        struct traj_in in = { t, 0, t->horizon, 0.5, w, rho, NULL, NULL, NULL, NULL, 0 };
        const struct est_desc *d = TRAJ("mis");
        double *sc = malloc(d->traj_resample_scratch(&in) * sizeof *sc);
        double m1[3] = { 1, 1, 1 }, m2[3] = { 2, 2, 2 }, m3[3] = { 1, 0, 1 };
        is_double(d->traj_resample(&in, NULL, m1, sc), 17.0 / 9, 1e-12, "mis resample, m = 1");
        is_double(d->traj_resample(&in, NULL, m2, sc), 17.0 / 9, 1e-12, "mis resample, m = 2");
        is_double(d->traj_resample(&in, NULL, m3, sc), 73.0 / 30, 1e-12,
                  "mis resample on E0 and E2: the ratios re-estimated (73/30)");
        free(sc);
    }
    /* dm = mean V̂(s_0) = (V̂(0) + V̂(1) + V̂(0)) / 3 = (0.2 + 1.5 + 0.2)/3 */
    is_double(run(TRAJ("dm"), t, 0.5, 1), 1.9 / 3, 1e-12, "dm by hand");
    /* dr per episode, sum_t g^t [rho_t (r - Q) + rho_{t-1} V]:
     *  E0: 1.6*1 + .2 + .5*(0 + 1.6*1.5) = 3
     *  E1: 2*(-1) + 1.5 + .5*(0 + 2*.2) + .25*((8/15)*1 + .8*1.5) = 2/15
     *  E2: .4*3 + .2 + .5*(0 + .4*1.5) = 1.7      -> (3 + 2/15 + 1.7)/3 = 29/18 */
    double dr = run(TRAJ("dr"), t, 0.5, 1);
    is_double(dr, 29.0 / 18, 1e-12, "dr by hand (gamma 0.5, unequal lengths)");
    /* Pitfall: a dr that ignores the discount (gamma = 1 terms on a gamma = 0.5 log):
     * E0 1.6 + .2 + 2.4 = 4.2; E1 -.5 + .4 + 26/15; E2 1.4 + .6 -> differs by > 0.5 */
    ok(fabs(run(TRAJ("dr"), t, 1.0, 1) - dr) > 0.5, "dr discounts (gamma = 1 differs)");
    /* wdr: step means of rho: t0 4/3, t1 8/9, t2 0.8 (padding), t-1: 1.
     *  t0: [(1.6*1 + 2*(-1) + .4*3)/(4/3) + (.2 + 1.5 + .2)]/3 = (0.6 + 1.9)/3
     *  t1: .5 [0/(8/9) + (1.6*1.5 + 2*.2 + .4*1.5)/(4/3)]/3 = .5 * 2.55 / 3
     *  t2: .25 [(8/15)/.8 + (.8*1.5)/(8/9)]/3 = .25 (2/3 + 1.35)/3
     *  -> 600/720 + 306/720 + 121/720 = 1027/720 */
    is_double(run(TRAJ("wdr"), t, 0.5, 1), 1027.0 / 720, 1e-12, "wdr by hand");
    /* dr with Q̂ = 0 is pdis exactly (the control variate vanishes). */
    is_double(run(TRAJ("dr"), t, 0.5, 0), 82.0 / 45, 1e-12, "dr with Q̂ = 0 equals pdis");
    {
        /* wtis's contributions are linearised (delta method, traj.c): rho_T = (16/15,
         * 8/15, 0.8), G = (2, 1.25, 4.5), V = 8/3, mean rho = 0.8, c_i = V + rho_i (G_i -
         * V) / 0.8 = 8/3 + (-8/9, -17/18, 11/6) = (16/9, 31/18, 9/2). */
        struct ope_error err = { 0 };
        double w[7], rho[7], c[3];
        if (traj_weights(t, 0, w, rho, &err) != 0)
            bail_out("weights: %s", err.msg);
        struct traj_in in = { t, 0, t->horizon, 0.5, w, rho, NULL, NULL, NULL, NULL, 0 };
        struct traj_terms tt;
        if (TRAJ("wtis")->traj_build(&in, NULL, &tt, &err) != 0)
            bail_out("wtis: %s", err.msg);
        traj_contrib(&tt, c);
        ok(fabs(c[0] - 16.0 / 9) < 1e-12 && fabs(c[1] - 31.0 / 18) < 1e-12 &&
           fabs(c[2] - 4.5) < 1e-12, "wtis contributions by hand "
           "(%.15g, %.15g, %.15g)", c[0], c[1], c[2]);
        /* Every weight 0: the ratio is 0/0, undefined -- the rule of the bandit snipw
         * -- and the slot is reported so the evaluation can say which steps. */
        is_int((int)traj_zero_slots(&tt), 0, "wtis: no all-zero slot on the hand log");
        for (size_t i = 0; i < 3; i++)
            tt.num[i] = tt.den[i] = 0.0;
        ok(isnan(traj_value(&tt, NULL)) && traj_zero_slots(&tt) == 1,
           "wtis with every weight 0: undefined (NaN), and one all-zero slot reported");
        traj_contrib(&tt, c);
        ok(isnan(c[0]) && isnan(c[2]), "wtis with every weight 0: contributions undefined");
        traj_terms_release(&tt);
        /* traj_value_sums: any zero denominator is undefined, 0/0 included. */
        double coef[2] = { 1, 0.5 }, sn[2] = { 1, 0 }, sd[2] = { 2, 0 };
        ok(isnan(traj_value_sums(coef, 2, sn, sd, 3)), "a 0/0 step is undefined");
        sn[1] = 1;
        ok(isnan(traj_value_sums(coef, 2, sn, sd, 3)), "x/0 is NaN");
        sn[1] = 0;
        sd[1] = 4;
        is_double(traj_value_sums(coef, 2, sn, sd, 3), 0.5, 1e-15, "and 1/2 + 0.5 * 0/4");
    }
    /* gamma = 1: tis = (16/15*3 + 8/15*4 + .8*5)/3 = (48 + 32 + 60)/45 = 28/9 */
    is_double(run(TRAJ("tis"), t, 1.0, 0), 28.0 / 9, 1e-12, "tis with gamma = 1");
    tlog_free(t);

    /* On-policy (pi_e = pi_b): every weight is 1, so tis, pdis, wtis, wpdis, mis all
     * equal the mean discounted return (2 + 1.25 + 4.5)/3 = 31/12 ... except wpdis,
     * which is sum_t g^t (mean reward among all 3 padded episodes) = the same. */
    t = make_log(1);
    double mr = tlog_mean_return(t, 0.5);
    is_double(mr, 31.0 / 12, 1e-12, "on-policy mean return by hand");
    is_double(run(TRAJ("tis"), t, 0.5, 0), mr, 1e-12, "tis on-policy = mean return");
    is_double(run(TRAJ("wpdis"), t, 0.5, 0), mr, 1e-12, "wpdis on-policy = mean return");
    is_double(run(TRAJ("mis"), t, 0.5, 0), mr, 1e-12, "mis on-policy = mean return");
    tlog_free(t);

    /* The engine: same numbers through eval_traj_ex, bootstrap independent of the
     * thread count, t interval centred on the value. */
    t = make_log(0);
    struct est_spec sp[3];
    memset(sp, 0, sizeof sp);
    const struct est_desc *ds[3] = { TRAJ("tis"), TRAJ("wpdis"), TRAJ("dr") };
    for (int k = 0; k < 3; k++) {
        sp[k].d = ds[k];
        snprintf(sp[k].label, sizeof sp[k].label, "%s", ds[k]->name);
        snprintf(sp[k].params_json, sizeof sp[k].params_json, "{}");
    }
    struct eval_opts eo;
    eval_opts_init(&eo);
    eo.spec = sp;
    eo.n_spec = 3;
    eo.n_boot = 200;
    struct traj_opts to;
    traj_opts_init(&to);
    struct ope_error err = { 0 };
    eo.threads = 1;
    struct res_eval *r1 = eval_traj_ex(t, &eo, &to, &err);
    eo.threads = 4;
    struct res_eval *r4 = eval_traj_ex(t, &eo, &to, &err);
    ok(r1 && r4, "eval_traj_ex runs (%s)", r1 && r4 ? "" : err.msg);
    if (r1 && r4) {
        is_double(r1->pol[0].est[0].value, 32.0 / 15, 1e-12, "engine tis = hand value");
        is_double(r1->pol[0].est[1].value, 5.0 / 3, 1e-12, "engine wpdis = hand value");
        ok(r1->pol[0].est[1].lower == r4->pol[0].est[1].lower &&
           r1->pol[0].est[1].upper == r4->pol[0].est[1].upper,
           "bootstrap interval identical with 1 and 4 threads");
        ok(r1->pol[0].est[0].lower <= r1->pol[0].est[0].upper, "bootstrap interval ordered");
        /* mean weight of rho_{i,T-1} = (16/15 + 8/15 + 12/15)/3 = 0.8 */
        is_double(r1->pol[0].est[0].mean_weight, 0.8, 1e-12, "trajectory mean weight");
        ok(isnan(r1->pol[0].truth), "truth NAN unless supplied");
    }
    res_eval_free(r1);
    res_eval_free(r4);
    eo.ci = CI_T;
    r1 = eval_traj_ex(t, &eo, &to, &err);
    ok(r1 && fabs((r1->pol[0].est[0].lower + r1->pol[0].est[0].upper) / 2 - 32.0 / 15) < 1e-12,
       "t interval centred on the estimate");
    res_eval_free(r1);
    tlog_free(t);

    /* Registry descriptors: names, kind, model needs. */
    /* The descriptor is the whole estimator: every trajectory entry of the registry
     * carries its kernel, and no bandit entry has one. */
    int kernels = 1;
    for (size_t i = 0; est_registry[i]; i++)
        kernels &= (est_registry[i]->kind == EST_TRAJ) == (est_registry[i]->traj_build != NULL);
    ok(kernels, "trajectory descriptors carry their kernel (traj_build), bandit ones none");
    ok(TRAJ("dm")->kind == EST_TRAJ && strcmp(TRAJ("dm")->name, "dm") == 0 &&
       TRAJ("dm")->needs_model && strcmp(TRAJ("dr")->name, "dr") == 0,
       "trajectory dm/dr are registered as 'dm' and 'dr' of kind EST_TRAJ");
    return done_testing();
}
