/* t/0326-lift.c: the lift over the logged policy (issue 19, part 1): a hand-computed
 * 4-row example for every interval method, the pairing of the bootstrap (the lift's
 * replicates are the estimate's replicates minus the mean reward of the same
 * resample, recomputed here from acc_count), and coverage of the true lift over 300
 * independent logs. */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/gen_bandit.h"
#include "estimators/accum.h"
#include "estimators/ci.h"
#include "estimators/evaluate.h"

static struct res_eval *run(const struct blog *b, const char *ests, int ci, int n_boot,
                            uint64_t seed)
{
    struct ope_error err = { 0 };
    struct est_spec *spec = NULL;
    size_t n_spec = 0;
    if (est_spec_list(ests, EST_BANDIT, &spec, &n_spec, &err) != 0)
        bail_out("%s", err.msg);
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = spec;
    o.n_spec = n_spec;
    o.ci = ci;
    o.n_boot = n_boot;
    o.seed = seed;
    o.threads = 1;
    o.model.threads = 1;
    o.model.folds = 2;
    struct res_eval *r = eval_bandit(b, &o, &err);
    if (!r)
        bail_out("%s", err.msg);
    free(spec);
    return r;
}

/* Four rows, two actions, pscore 1/2, the evaluation policy always plays action 0:
 *   action 0 1 0 1, reward 1 0 1 1  ->  w = 2 0 2 0, ipw contributions c = 2 0 2 0.
 * V(pi_e) = 1, V(pi_b) = mean reward = 3/4, lift 1/4, relative lift (1/4)/(3/4) = 1/3.
 * Differences d = c - r = 1 0 1 -1: mean 1/4; squared deviations 9/16 1/16 9/16 25/16
 * sum to 11/4, so sd = sqrt(11/12) and se = sd / 2 = 0.4787136...
 * t: t_{3, 0.975} = 3.1824463, half width 1.5234802 -> [-1.2734802, 1.7734802].
 * Hoeffding on the observed range [-1, 1]: 2 sqrt(ln(40) / 8) = 1.3581015.
 * Bernstein: sd sqrt(2 ln(80) / 4) + 7 * 2 * ln(80) / (3 * 3) = 1.4171905 + 6.8164859. */
static void four_rows(void)
{
    struct ope_error err = { 0 };
    struct blog *b = blog_new(4, 2, 1, 1, &err);
    if (!b)
        bail_out("%s", err.msg);
    b->policy[0].name = strdup("zero");
    static const int act[4] = { 0, 1, 0, 1 };
    static const double rew[4] = { 1, 0, 1, 1 };
    for (size_t i = 0; i < 4; i++) {
        b->action[i] = act[i];
        b->reward[i] = rew[i];
        b->pscore[i] = 0.5;
        b->policy[0].prob[0][i] = 1;
        b->policy[0].prob[1][i] = 0;
    }
    struct res_eval *r = run(b, "ipw", CI_T, 0, 1);
    const struct res_estimate *x = &r->pol[0].est[0];
    is_double(x->value, 1.0, 1e-15, "4 rows: ipw = 1");
    is_double(x->lift, 0.25, 1e-15, "4 rows: lift = 1 - 3/4");
    is_double(x->relative_lift, 1.0 / 3, 1e-15, "4 rows: relative lift = 1/3");
    is_double(x->lift_lower, -1.2734802, 1e-6, "4 rows: t lower of the paired differences");
    is_double(x->lift_upper, 1.7734802, 1e-6, "4 rows: t upper of the paired differences");
    res_eval_free(r);
    r = run(b, "ipw", CI_HOEFFDING, 0, 1);
    x = &r->pol[0].est[0];
    is_double(x->lift_lower, 0.25 - 1.3581015, 1e-6, "4 rows: Hoeffding lower");
    is_double(x->lift_upper, 0.25 + 1.3581015, 1e-6, "4 rows: Hoeffding upper");
    res_eval_free(r);
    r = run(b, "ipw", CI_BERNSTEIN, 0, 1);
    x = &r->pol[0].est[0];
    is_double(x->lift_lower, 0.25 - 1.4171905 - 6.8164859, 1e-6, "4 rows: Bernstein lower");
    res_eval_free(r);
    blog_free(b);
}

/* The bootstrap lift is paired: replicate b of the lift is replicate b of the
 * estimate minus sum_i m_bi r_i / sum_i m_bi with the same counts m_bi. */
static void pairing(void)
{
    struct gen_bandit_opts g;
    gen_bandit_opts_init(&g);
    g.rows = 500;
    g.seed = 5;
    g.policies = "greedy";
    struct ope_error err = { 0 };
    struct blog *b = gen_bandit(&g, &err);
    if (!b)
        bail_out("%s", err.msg);
    enum { B = 200 };
    uint64_t seed = 77;
    struct res_eval *r = run(b, "snipw", CI_BOOTSTRAP, B, seed);
    struct est_spec *spec = NULL;
    size_t n_spec = 0;
    est_spec_list("snipw", EST_BANDIT, &spec, &n_spec, &err);
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = spec;
    o.n_spec = n_spec;
    o.n_boot = B;
    o.seed = seed;
    o.threads = 1;
    double vals[B], d[B];
    size_t pol = 0;
    if (eval_bootstrap_values(b, &o, NULL, &pol, 1, vals, &err) != 0)
        bail_out("%s", err.msg);
    uint64_t key = acc_key(seed);
    for (size_t k = 0; k < B; k++) {
        double s = 0, m = 0;
        for (size_t i = 0; i < b->n; i++) {
            int c = acc_count(acc_rowkey(key, i), k);
            s += c * b->reward[i];
            m += c;
        }
        d[k] = vals[k] - s / m;
    }
    double lo, hi;
    ci_percentile(d, B, 0.05, &lo, &hi);
    const struct res_estimate *x = &r->pol[0].est[0];
    is_double(x->lift_lower, lo, 1e-12, "bootstrap lift lower = percentile of paired differences");
    is_double(x->lift_upper, hi, 1e-12, "bootstrap lift upper = percentile of paired differences");
    ok(x->lift_upper - x->lift_lower < x->upper - x->lower,
       "pairing narrows the interval (%.4f < %.4f)", x->lift_upper - x->lift_lower,
       x->upper - x->lower);
    free(spec);
    res_eval_free(r);
    blog_free(b);
}

enum { BLOCKS = 300, ROWS = 400 };

static struct blog *gen(size_t rows)
{
    struct gen_bandit_opts g;
    gen_bandit_opts_init(&g);
    g.rows = rows;
    g.seed = 2025;
    g.actions = 4;
    g.dim = 3;
    g.policies = "softmax:2";
    struct ope_error err = { 0 };
    struct blog *b = gen_bandit(&g, &err);
    if (!b)
        bail_out("%s", err.msg);
    return b;
}

/* The behaviour's population value: the generator logs softmax(q) (beta 1, binary
 * rewards with mean q), so V(pi_b) = E_x sum_a softmax(q(x))_a q(x, a). */
static double behaviour_truth(const struct blog *b)
{
    double s = 0;
    for (size_t i = 0; i < b->n; i++) {
        double z = 0, v = 0;
        for (int a = 0; a < b->n_actions; a++) {
            z += exp(b->q[a][i]);
            v += exp(b->q[a][i]) * b->q[a][i];
        }
        s += v / z;
    }
    return s / (double)b->n;
}

/* A block of rows [off, off + len) sharing the big log's storage. */
static struct blog *block(const struct blog *b, size_t off, size_t len, double ***keep)
{
    struct blog *s = calloc(1, sizeof *s);
    *s = *b;
    s->n = len;
    s->path = NULL;
    s->action = b->action + off;
    s->reward = b->reward + off;
    s->pscore = b->pscore + off;
    int A = b->n_actions;
    size_t k = 0;
    double **m = calloc((size_t)A * (b->n_policies + 1) + b->n_num_ctx, sizeof *m);
    s->policy = calloc(b->n_policies, sizeof *s->policy);
    for (size_t p = 0; p < b->n_policies; p++) {
        s->policy[p].name = b->policy[p].name;
        s->policy[p].prob = m + k;
        for (int a = 0; a < A; a++)
            m[k++] = b->policy[p].prob[a] + off;
    }
    s->q = m + k;
    for (int a = 0; a < A; a++)
        m[k++] = b->q[a] + off;
    s->num_ctx = m + k;
    for (size_t j = 0; j < b->n_num_ctx; j++)
        m[k++] = b->num_ctx[j] + off;
    *keep = m;
    return s;
}

/* 300 disjoint logs of 400 rows from one reward function; the true lift is the
 * population value of softmax:2 minus that of the behaviour over 1,000,000 rows
 * (standard errors ~3e-4, small next to interval widths ~0.1). Binomial(300, 0.95)
 * has sd 1.26%: 92-98% is +-2.4 sd. */
static void coverage(void)
{
    struct blog *pop = gen(1000000);
    double truth = blog_policy_truth(pop, 0) - behaviour_truth(pop);
    blog_free(pop);
    diag("true lift %.6f", truth);
    struct blog *big = gen((size_t)BLOCKS * ROWS);
    static const int methods[] = { CI_BOOTSTRAP, CI_T };
    static const char *const mname[] = { "bootstrap", "t" };
    int cover[2][2] = { { 0 } };
    for (int blk = 0; blk < BLOCKS; blk++) {
        double **keep;
        struct blog *s = block(big, (size_t)blk * ROWS, ROWS, &keep);
        for (int m = 0; m < 2; m++) {
            struct res_eval *r = run(s, "ipw,dr", methods[m], 200, (uint64_t)blk);
            for (int e = 0; e < 2; e++) {
                const struct res_estimate *x = &r->pol[0].est[e];
                cover[m][e] += x->lift_lower <= truth && truth <= x->lift_upper;
            }
            res_eval_free(r);
        }
        free(keep);
        free(s->policy);
        free(s);
    }
    for (int m = 0; m < 2; m++)
        for (int e = 0; e < 2; e++) {
            double c = (double)cover[m][e] / BLOCKS;
            ok(c >= 0.92 && c <= 0.98, "paired %s lift interval of %s covers %.1f%% (want 92-98%%)",
               mname[m], e ? "dr" : "ipw", 100 * c);
        }
    blog_free(big);
}

int main(void)
{
    plan_no_plan();
    four_rows();
    pairing();
    coverage();
    return done_testing();
}
