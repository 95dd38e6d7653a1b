/* t/0320-coverage.c: interval coverage over 300 independent logs with good overlap.
 * One reward function (seed 2024), 300 disjoint blocks of 300 rows; the population
 * value of the evaluation policy is the truth over 1,000,000 rows of the same
 * generator (its standard error, ~3e-4, is negligible next to the interval widths,
 * ~0.1). Expectations (issues 3 and 16): 95% bootstrap and t intervals of ipw, dr and
 * the self-normalised snipw and sndr (whose t terms are the delta-method ones, so
 * their width follows the ratio's variance) cover between 92% and 98% of the time (binomial(300, 0.95) has sd 1.26%, so this band is
 * +-2.4 sd); Hoeffding and Bernstein, being conservative, cover at least 95%. */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/gen_bandit.h"
#include "estimators/ci.h"
#include "estimators/evaluate.h"

enum { BLOCKS = 300, ROWS = 300 };

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

static struct blog *gen(size_t rows)
{
    struct gen_bandit_opts g;
    gen_bandit_opts_init(&g);
    g.rows = rows;
    g.seed = 2024;
    g.actions = 4;
    g.dim = 3;
    g.policies = "softmax:2";
    struct ope_error err = { 0 };
    struct blog *b = gen_bandit(&g, &err);
    if (!b)
        bail_out("%s", err.msg);
    return b;
}

int main(void)
{
    plan_no_plan();
    struct blog *pop = gen(1000000);
    double truth = blog_policy_truth(pop, 0);
    blog_free(pop);
    diag("population value %.6f", truth);
    struct blog *big = gen((size_t)BLOCKS * ROWS);
    static const int methods[] = { CI_BOOTSTRAP, CI_T, CI_HOEFFDING, CI_BERNSTEIN };
    static const char *const mname[] = { "bootstrap", "t", "hoeffding", "bernstein" };
    enum { NE = 4 };
    static const char *const ename[NE] = { "ipw", "dr", "snipw", "sndr" };
    int cover[4][NE] = { { 0 } };
    double width[4][NE] = { { 0 } };
    struct ope_error err = { 0 };
    struct est_spec *spec = NULL;
    size_t n_spec = 0;
    est_spec_list("ipw,dr,snipw,sndr", EST_BANDIT, &spec, &n_spec, &err);
    for (int blk = 0; blk < BLOCKS; blk++) {
        double **keep;
        struct blog *s = block(big, (size_t)blk * ROWS, ROWS, &keep);
        for (int m = 0; m < 4; m++) {
            struct eval_opts o;
            eval_opts_init(&o);
            o.spec = spec;
            o.n_spec = n_spec;
            o.ci = methods[m];
            o.n_boot = 200;
            o.seed = (uint64_t)blk;
            o.threads = 1;
            o.model.threads = 1;
            o.model.folds = 2;
            /* Rewards are in [0, 1] and weights below 1/min pscore: the contributions
             * of ipw lie in [0, max w]; give the observed range (the heuristic default). */
            struct res_eval *r = eval_bandit(s, &o, &err);
            if (!r)
                bail_out("%s", err.msg);
            for (int e = 0; e < NE; e++) {
                cover[m][e] += r->pol[0].est[e].lower <= truth && truth <= r->pol[0].est[e].upper;
                width[m][e] += r->pol[0].est[e].upper - r->pol[0].est[e].lower;
            }
            res_eval_free(r);
        }
        free(keep);
        free(s->policy);
        free(s);
    }
    for (int m = 0; m < 4; m++)
        for (int e = 0; e < NE; e++) {
            double c = (double)cover[m][e] / BLOCKS;
            if (m < 2)
                ok(c >= 0.92 && c <= 0.98, "%s interval of %s covers %.1f%% (want 92-98%%), "
                   "mean width %.4f", mname[m], ename[e], 100 * c, width[m][e] / BLOCKS);
            else
                ok(c >= 0.95, "%s interval of %s covers %.1f%% (want >= 95%%), mean width %.4f",
                   mname[m], ename[e], 100 * c, width[m][e] / BLOCKS);
        }
    free(spec);
    blog_free(big);
    return done_testing();
}
