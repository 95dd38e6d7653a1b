/* t/0340-diag.c: the weight diagnostics of estimators/diag.h on vectors and logs small
 * enough to compute by hand: ESS, mean, standard error, max, zeros, invalid entries,
 * the poor-overlap and mean-weight rules at their edges, unsupported mass per
 * position and per state, and the warning texts. */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/diag.h"
#include "ope/base/statefile.h"
#include "ope/base/strbuf.h"

static void weights_by_hand(void)
{
    /* w = (2, 0, 0.5, 1.5): sum 4, sum w^2 = 4 + 0 + 0.25 + 2.25 = 6.5,
     * ESS = 4^2 / 6.5 = 2.4615..., mean 1, sample variance (6.5 - 4 * 1) / 3 = 5/6,
     * se = sqrt((5/6) / 4). */
    static const double w[] = { 2, 0, 0.5, 1.5 };
    struct diag_weights d;
    diag_weights_of(w, 4, &d);
    is_double(d.ess, 16.0 / 6.5, 1e-15, "ESS = (sum w)^2 / sum w^2 on 4 rows");
    is_double(d.mean, 1.0, 1e-15, "mean weight 4 / 4");
    is_double(d.max, 2.0, 0, "max weight");
    is_double(d.min_pos, 0.5, 0, "smallest positive weight");
    is_int((long long)d.n_zero, 1, "one zero weight");
    is_double(d.se, sqrt(5.0 / 6.0 / 4.0), 1e-15, "standard error of the mean weight");
    ok(!diag_mean_off(&d), "mean exactly 1 is not off");

    /* The accumulator gives the same numbers, bit for bit. */
    struct diag_acc a;
    struct diag_weights e;
    diag_acc_init(&a);
    for (int i = 0; i < 4; i++)
        diag_acc_add(&a, w[i]);
    diag_acc_result(&a, &e);
    ok(e.ess == d.ess && e.mean == d.mean && e.se == d.se, "accumulator = vector");

    /* (1, NaN, -1, 3): the NaN and the negative entry are bad and left out:
     * over (1, 3) sum 4, sum w^2 10, ESS 1.6, mean 2, max 3. */
    static const double v[] = { 1, NAN, -1, 3 };
    diag_weights_of(v, 4, &d);
    is_int((long long)d.n_bad, 2, "two invalid entries counted");
    is_double(d.ess, 1.6, 1e-15, "ESS of the valid ones");
    is_double(d.mean, 2.0, 0, "mean of the valid ones");
    is_double(d.max, 3.0, 0, "max of the valid ones");

    diag_weights_of(NULL, 0, &d);
    ok(isnan(d.mean) && isnan(d.max) && isnan(d.se) && d.ess == 0, "no weights: NAN, ESS 0");
}

static void rules(void)
{
    /* ESS share threshold 1%: 9.99 of 1000 is poor, 10 of 1000 is not. */
    ok(diag_ess_poor(9.99, 1000), "ESS 9.99 of 1000 rows is poor overlap");
    ok(!diag_ess_poor(10.0, 1000), "ESS 10 of 1000 rows is not");
    ok(!diag_ess_poor(NAN, 1000), "an unknown ESS is not");

    /* Every weight 1.2: se 0, distance 0.2 > 0.1: off. Every weight 1.05: within 0.1. */
    double w[1000];
    struct diag_weights d;
    for (int i = 0; i < 5; i++)
        w[i] = 1.2;
    diag_weights_of(w, 5, &d);
    ok(diag_mean_off(&d), "constant weights 1.2 are off (se 0)");
    for (int i = 0; i < 5; i++)
        w[i] = 1.05;
    diag_weights_of(w, 5, &d);
    ok(!diag_mean_off(&d), "constant weights 1.05 are within the tolerance");

    /* Alternating 0 and 2.6: mean 1.3, distance 0.3. On n rows the sample variance is
     * n * 1.3^2 / (n - 1), so se = 1.3 / sqrt(n - 1):
     *   n = 100:  se = 0.13066, 3 se = 0.392 > 0.3: not off;
     *   n = 1000: se = 0.04113, 3 se = 0.123 < 0.3: off. */
    for (int i = 0; i < 1000; i++)
        w[i] = i % 2 ? 2.6 : 0.0;
    diag_weights_of(w, 100, &d);
    is_double(d.se, 1.3 / sqrt(99.0), 1e-12, "se on 100 rows");
    ok(!diag_mean_off(&d), "mean 1.3 on 100 rows: under 3 standard errors");
    diag_weights_of(w, 1000, &d);
    ok(diag_mean_off(&d), "mean 1.3 on 1000 rows: over 3 standard errors");
}

static void warnings(void)
{
    double w[1000];
    struct diag_weights d;
    struct diag_warnings m;

    /* One weight 1000 and 999 zeros: mean 1, ESS 1000^2 / 1000^2 = 1 < 10. */
    for (int i = 0; i < 1000; i++)
        w[i] = i == 7 ? 1000.0 : 0.0;
    diag_weights_of(w, 1000, &d);
    diag_policy_warnings(&d, 0.0, DIAG_ROWS, &m);
    is_int((long long)m.n, 1, "one row dominating: one warning");
    is_string(m.text[0], "poor overlap: effective sample size 1.0 of 1000 rows (max weight 1000)",
              "the poor-overlap text (rows)");
    diag_policy_warnings(&d, NAN, DIAG_TRAJECTORIES, &m);
    is_string(m.text[0], "poor overlap: effective sample size 1.0 of 1000 trajectories (max "
              "trajectory weight 1000)", "the poor-overlap text (trajectories)");

    /* Every weight 0: one "no overlap" warning instead of ESS and mean ones. */
    for (int i = 0; i < 10; i++)
        w[i] = 0.0;
    diag_weights_of(w, 10, &d);
    diag_policy_warnings(&d, 0.0, DIAG_ROWS, &m);
    ok(m.n == 1 && strncmp(m.text[0], "no overlap: every importance weight is 0", 40) == 0,
       "all zero weights: a single no-overlap warning");

    /* 50 weights of 1: ESS 50, not poor by the 1% share but below DIAG_CI_MIN_ESS =
     * 100: one few-effective-samples warning. 100 weights of 1: none. */
    for (int i = 0; i < 100; i++)
        w[i] = 1.0;
    diag_weights_of(w, 50, &d);
    diag_policy_warnings(&d, 0.0, DIAG_TRAJECTORIES, &m);
    is_int((long long)m.n, 1, "ESS 50: one warning");
    is_string(m.n ? m.text[0] : "", "few effective samples: effective sample size 50.0 of 50 "
              "trajectories; intervals resting on fewer than 100 tend to cover less than "
              "their level (doc/coverage.md)", "the few-effective-samples text");
    diag_weights_of(w, 100, &d);
    diag_policy_warnings(&d, 0.0, DIAG_ROWS, &m);
    is_int((long long)m.n, 0, "ESS 100: no warning");

    /* Constant 2 (a pscore half the truth) with 25% unsupported mass, on 200 rows (ESS
     * 200): mean and unsupported-mass warnings, in that order. */
    for (int i = 0; i < 200; i++)
        w[i] = 2.0;
    diag_weights_of(w, 200, &d);
    diag_policy_warnings(&d, 0.25, DIAG_ROWS, &m);
    is_int((long long)m.n, 2, "two warnings");
    like(m.text[0], "mean importance weight 2 is far from 1 (standard error 0)",
         "the mean-weight text");
    like(m.text[1], "25% of the policy's probability mass is on actions never logged",
         "the unsupported-mass text");

    /* The same warnings land on an evaluation's policy. */
    struct res_eval *r = res_eval_new(1, 0);
    ok(r && diag_res_warn(r, &r->pol[0], &d, 0.25, DIAG_ROWS) == 0 && r->pol[0].n_warnings == 2 &&
       strcmp(r->pol[0].warnings[1], m.text[1]) == 0, "diag_res_warn appends the same texts");
    res_eval_free(r);
}

/* A bandit log with two positions (A = 3):
 *   row pos a pscore  pi(0) pi(1) pi(2)   w = pi(a)/p   mass on unseen actions
 *   0   0   0 0.5     0.5   0.3   0.2     1             pos 0 saw {0,1}: 0.2
 *   1   0   1 0.25    0.2   0.2   0.6     0.8           0.6
 *   2   1   0 0.5     0.7   0.2   0.1     1.4           pos 1 saw {0}: 0.3
 *   3   1   0 1       1     0     0       1             0
 * unsupported = (0.2 + 0.6 + 0.3 + 0) / 4 = 0.275. */
static void bandit_support(void)
{
    struct ope_error err = { 0 };
    struct blog *b = blog_new(4, 3, 2, 1, &err);
    static const int pos[] = { 0, 0, 1, 1 }, act[] = { 0, 1, 0, 0 };
    static const double p[] = { 0.5, 0.25, 0.5, 1 };
    static const double pi[4][3] = { { 0.5, 0.3, 0.2 }, { 0.2, 0.2, 0.6 }, { 0.7, 0.2, 0.1 },
                                     { 1, 0, 0 } };
    for (int i = 0; i < 4; i++) {
        b->position[i] = pos[i];
        b->action[i] = act[i];
        b->pscore[i] = p[i];
        for (int a = 0; a < 3; a++)
            b->policy[0].prob[a][i] = pi[i][a];
    }
    double w[4];
    diag_row_weights(b, 0, w);
    ok(w[0] == 1 && w[1] == 0.8 && w[2] == 1.4 && w[3] == 1, "row weights pi(a)/pscore");
    struct diag_support s;
    ok(diag_support_blog(&s, b, &err) == 0, "support table of the bandit log");
    is_double(diag_unsupported_blog(&s, b, 0), 0.275, 1e-15, "unsupported mass per position");
    diag_support_release(&s);
    blog_free(b);
}

/* A trajectory log (S = 2, A = 2), episodes of 2 and 1 steps:
 *   step ep state a pscore  pi(0) pi(1)   pi(a)/p   state saw  mass on unseen
 *   0    0  0     0 0.5     0.8   0.2     1.6       {0}        0.2
 *   1    0  1     1 0.25    0.5   0.5     2         {1}        0.5
 *   2    1  0     0 1       0.5   0.5     0.5       {0}        0.5
 * episode weights (1.6 * 2, 0.5) = (3.2, 0.5); unsupported = 1.2 / 3 = 0.4. */
static void traj_support(void)
{
    struct ope_error err = { 0 };
    static const int len[] = { 2, 1 };
    struct tlog *t = tlog_new(2, len, 2, 2, 1, &err);
    static const int st[] = { 0, 1, 0 }, act[] = { 0, 1, 0 };
    static const double p[] = { 0.5, 0.25, 1 }, pi0[] = { 0.8, 0.5, 0.5 };
    for (int j = 0; j < 3; j++) {
        t->state[j] = st[j];
        t->action[j] = act[j];
        t->pscore[j] = p[j];
        t->policy[0].prob[0][j] = pi0[j];
        t->policy[0].prob[1][j] = 1 - pi0[j];
    }
    double w[2];
    diag_episode_weights(t, 0, w);
    ok(fabs(w[0] - 3.2) < 1e-15 && w[1] == 0.5, "episode weights: products over the steps");
    struct diag_support s;
    ok(diag_support_tlog(&s, t, &err) == 0, "support table of the trajectory log");
    is_double(diag_unsupported_tlog(&s, t, 0), 0.4, 1e-15, "unsupported mass per state");
    diag_support_release(&s);
    tlog_free(t);
}

/* diag_acc_put / diag_acc_get: the accumulator's bytes for another process read back
 * whole, and moments no weights >= 0 can have refused (a crafted state's). Layout
 * (diag_acc_put): s1 (s, c), s2 (s, c), n, n_zero, n_bad, max, min_pos, wmean, m2, 8
 * bytes each. */
static void acc_bytes(void)
{
    static const double w[] = { 2, 0, 0.5, 1.5 };
    struct diag_acc a, b;
    diag_acc_init(&a);
    for (size_t i = 0; i < 4; i++)
        diag_acc_add(&a, w[i]);
    struct strbuf sb = STRBUF_INIT;
    diag_acc_put(&sb, &a);
    struct sf_state st;
    sf_cursor(&st, sb.buf, sb.len, "test", "test");
    diag_acc_get(&st, &b);
    ok(!st.bad && st.off == st.n && memcmp(&a, &b, sizeof a) == 0, "read back whole");
    struct { const char *what; size_t at; double v; } bad[] = {
        { "a negative sum of weights", 0, -4.0 },
        { "a negative sum of squares", 16, -6.5 },
        { "a negative largest weight", 56, -2.0 },
        { "a least positive weight of 0", 64, 0.0 },
        { "a negative mean", 72, -1.0 },
        { "a negative M2", 80, -0.5 },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        unsigned char *cp = malloc(sb.len);
        memcpy(cp, sb.buf, sb.len);
        memcpy(cp + bad[k].at, &bad[k].v, sizeof(double));   /* little-endian */
        sf_cursor(&st, cp, sb.len, "test", "test");
        diag_acc_get(&st, &b);
        ok(st.bad, "refused: %s", bad[k].what);
        free(cp);
    }
    strbuf_release(&sb);
}

int main(void)
{
    plan_no_plan();
    acc_bytes();
    weights_by_hand();
    rules();
    warnings();
    bandit_support();
    traj_support();
    return done_testing();
}
