/* t/0354-pbest-calib.c: a simulation (issue "From estimates to decisions"): P(best)
 * calibration where a decision is made, P(best) in [0.7, 0.9]: among the (log, policy)
 * cases with P(best) there, the policy is truly best about as often as P(best) says.
 * Checked for DR and SNIPW; IPW's P(best) is known over-confident (`ope help select`,
 * the README, t/0336-pbest) and is measured and printed, not checked. Seeds 5001..9000,
 * apart from t/0336's 1..400, so this is an independent sample. */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <stdlib.h>

#include "datasets/gen_bandit.h"
#include "estimators/ci.h"
#include "estimators/evaluate.h"

static struct blog *gen(size_t rows, uint64_t seed, const char *policies)
{
    struct gen_bandit_opts g;
    gen_bandit_opts_init(&g);
    g.rows = rows;
    g.seed = seed;
    g.policies = policies;
    struct ope_error err = { 0 };
    struct blog *b = gen_bandit(&g, &err);
    if (!b)
        bail_out("%s", err.msg);
    return b;
}

/* One bin's cases: n, the sum of their P(best), how many were truly best. */
struct bin {
    size_t n, best;
    double sum_p;
};

/* Every (log, policy) case of estimators "dr,snipw,ipw" (one evaluation per log: the
 * three share the replicates' counts, not their values) into bins[e]. */
static void collect(size_t logs, struct bin bins[3])
{
    const char *pol = "eps:0.3,softmax:7,eps:0.25,softmax:9";
    struct ope_error err = { 0 };
    struct est_spec *s = NULL;
    size_t ns = 0;
    if (est_spec_list("dr,snipw,ipw", EST_BANDIT, &s, &ns, &err) != 0)
        bail_out("%s", err.msg);
    for (size_t k = 0; k < logs; k++) {
        struct blog *b = gen(500, 5001 + k, pol);
        struct eval_opts o;
        eval_opts_init(&o);
        o.spec = s;
        o.n_spec = ns;
        o.n_boot = 200;
        o.seed = 77 + k;
        o.matrix_k = 0;
        struct res_eval *r = eval_bandit(b, &o, &err);
        if (!r)
            bail_out("%s", err.msg);
        size_t best = 0;
        for (size_t p = 1; p < r->n_policies; p++)
            best = r->pol[p].truth > r->pol[best].truth ? p : best;
        for (size_t e = 0; e < 3; e++)
            for (size_t p = 0; p < r->n_policies; p++) {
                double pb = r->pol[p].est[e].p_top[0];
                if (pb >= 0.7 && pb <= 0.9) {
                    bins[e].n++;
                    bins[e].sum_p += pb;
                    bins[e].best += p == best;
                }
            }
        res_eval_free(r);
        blog_free(b);
    }
    free(s);
}

int main(void)
{
    plan_no_plan();
    const char *env = getenv("OPE_PBEST_LOGS");
    size_t logs = env ? (size_t)atol(env) : 4000;
    struct bin bins[3] = { { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 } };
    collect(logs, bins);
    static const char *const name[3] = { "dr", "snipw", "ipw" };
    /* The band: if P(best) is calibrated, the number truly best is a sum of independent
     * Bernoulli(p_i) over the cases (different logs; within a log at most one policy
     * has P(best) above 1/2), with variance sum p_i (1 - p_i) <= n pbar (1 - pbar), so
     * the share best is within 3 sqrt(pbar (1 - pbar) / n) of the mean P(best): at pbar
     * 0.8 and the about 1200 cases of 4000 logs, 0.035. The bootstrap's P(best) is a
     * little over-confident even for DR and SNIPW: measured on 6000 logs (OPE_PBEST_LOGS
     * =6000), DR 0.780 truly best for mean P(best) 0.809, SNIPW 0.784 for 0.808, IPW 0.728
     * for 0.805; `ope help select` says "within about 0.03". So the band is 0.03 + 3 SE
     * (0.065 here): it holds DR and SNIPW, and IPW's gap (about 0.077) falls outside it,
     * so the check tells a calibrated-enough estimator from IPW's over-confidence. */
    for (size_t e = 0; e < 3; e++) {
        const struct bin *x = &bins[e];
        double pbar = x->n ? x->sum_p / (double)x->n : NAN;
        double f = x->n ? (double)x->best / (double)x->n : NAN;
        double tol = 0.03 + 3 * sqrt(pbar * (1 - pbar) / (double)x->n);
        if (e == 2) {
            diag("ipw (known over-confident, not checked): %zu cases with P(best) in "
                 "[0.7, 0.9], mean P(best) %.3f, truly best %.3f (band +-%.3f: %s)", x->n,
                 pbar, f, tol, fabs(f - pbar) <= tol ? "inside" : "outside");
            continue;
        }
        ok(x->n >= 100, "%s: %zu cases with P(best) in [0.7, 0.9] (enough)", name[e], x->n);
        ok(fabs(f - pbar) <= tol, "%s: truly best in %.3f of them, mean P(best) %.3f "
           "(band +-%.3f)", name[e], f, pbar, tol);
    }
    return done_testing();
}
