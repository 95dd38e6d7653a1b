/* t/0336-pbest.c: P(best) and P(top k) from paired bootstrap replicates
 * (estimators/ops_rank.c) on hand-made arrays (ties, NaN, stride), the safe ranking's
 * order, what the engine carries out, and the calibration of P(best) on generated
 * bandit logs whose q.* columns give the truth. */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/gen_bandit.h"
#include "estimators/ci.h"
#include "estimators/evaluate.h"
#include "estimators/ops.h"
#include "ope/app/jsonread.h"
#include "ope/app/render.h"
#include "ope/app/select_render.h"

static void hand_made(void)
{
    /* Three candidates, four replicates, stored with stride 8 (another estimator's
     * replicates in between, as the engine lays them out): the -99s must never count.
     *        b0   b1   b2   b3
     *   p0    3    1    2   NaN
     *   p1    2    2    2    1
     *   p2    1    2    3    1
     * b0: p0 > p1 > p2.  b1: p1 = p2 share places 1-2 (1/2 each), p0 third.
     * b2: p2 first, p0 = p1 share places 2-3.  b3: p0 undefined, in no top k; p1 = p2
     * share places 1-2 among the defined ones.
     * P(best):  p0 (1+0+0+0)/4 = 0.25, p1 (0+.5+0+.5)/4 = 0.25, p2 (0+.5+1+.5)/4 = 0.5
     * P(top 2): p0 (1+0+.5+0)/4 = 0.375, p1 (1+1+.5+1)/4 = 0.875, p2 (0+1+1+1)/4 = 0.75
     * P(top 3): p0 3/4 (undefined in b3), p1 1, p2 1. */
    double nan = NAN;
    double v[24] = { 3, 1, 2, nan, -99, -99, -99, -99,
                     2, 2, 2, 1, -99, -99, -99, -99,
                     1, 2, 3, 1, -99, -99, -99, -99 };
    double pt[9];
    ops_rank_probs(v, 3, 4, 8, pt);
    static const double want[9] = { 0.25, 0.375, 0.75, 0.25, 0.875, 1, 0.5, 0.75, 1 };
    for (int i = 0; i < 9; i++)
        is_double(pt[i], want[i], 1e-15, "P(p%d in top %d) of the hand-made replicates",
                  i / 3, i % 3 + 1);
    /* A replicate where every value is undefined gives nobody a place. */
    double all_nan[2] = { nan, nan };
    ops_rank_probs(all_nan, 2, 1, 1, pt);
    ok(pt[0] == 0 && pt[1] == 0 && pt[2] == 0 && pt[3] == 0,
       "an all-undefined replicate counts for no candidate");
    /* Two candidates tied in every replicate: 1/2 each, top 2 certain. */
    double tied[4] = { 5, 5, 5, 5 };
    ops_rank_probs(tied, 2, 2, 2, pt);
    ok(pt[0] == 0.5 && pt[2] == 0.5 && pt[1] == 1 && pt[3] == 1,
       "candidates tied in every replicate split P(best)");
    ops_rank_probs(tied, 2, 0, 2, pt);
    ok(pt[0] == 0 && pt[3] == 0, "no replicates: zeros");

    /* The safe ranking's order: descending, ties in input order, NaN last. */
    double lo[5] = { 1, nan, 3, 3, 2 };
    size_t rk[5];
    ops_rank_by(lo, 5, rk);
    ok(rk[0] == 2 && rk[1] == 3 && rk[2] == 4 && rk[3] == 0 && rk[4] == 1,
       "ops_rank_by: 3 (first of the tie), 3, 2, 1, NaN last");
}

/* The safe ranking of a hand-made result: three policies, lower bounds (0.2, 0.5, NaN)
 * for the first estimator -> order 1, 0, 2 (NaN last); none for the second -> no safe
 * ranking; --ci none -> none at all. */
static void safe_ranking(void)
{
    struct res_eval *r = res_eval_new(3, 2);
    if (!r)
        bail_out("out of memory");
    snprintf(r->ci, sizeof r->ci, "t");
    double lo[3] = { 0.2, 0.5, NAN };
    for (int p = 0; p < 3; p++)
        r->pol[p].est[0].lower = lo[p];
    size_t rk[3] = { 9, 9, 9 };
    ok(select_safe_ranking(r, 0, rk) == 1 && rk[0] == 1 && rk[1] == 0 && rk[2] == 2,
       "safe ranking: by lower bound, an undefined bound last");
    ok(select_safe_ranking(r, 1, rk) == 0, "safe ranking: none when no policy has a bound");
    ok(isnan(select_p_top(r, 0, 0, 1)), "P(best) is NaN without replicates");
    snprintf(r->ci, sizeof r->ci, "none");
    ok(select_safe_ranking(r, 0, rk) == 0, "safe ranking: none with --ci none");
    res_eval_free(r);
}

static struct res_eval *run(const struct blog *b, const char *spec, int ci, int B,
                            uint64_t seed)
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
    o.n_boot = B;
    o.seed = seed;
    struct res_eval *r = eval_bandit(b, &o, &err);
    if (!r)
        bail_out("%s", err.msg);
    free(s);
    return r;
}

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


/* Calibration: over many generated logs, the (P(best), truly best) pairs of every
 * (log, policy). OPE_PBEST_LOGS=N overrides the number of logs (for a longer study). */
struct cal_bin {
    double lo, hi, sum_p;
    size_t n, best;
};

static void calibrate(const char *spec, const char *policies, size_t logs, size_t rows,
                      int B, struct cal_bin *bins, size_t n_bins)
{
    for (size_t s = 1; s <= logs; s++) {
        struct blog *b = gen(rows, s, policies);
        struct res_eval *r = run(b, spec, CI_BOOTSTRAP, B, 1000 + s);
        size_t M = r->n_policies, best = 0;
        for (size_t p = 1; p < M; p++)
            best = r->pol[p].truth > r->pol[best].truth ? p : best;
        for (size_t p = 0; p < M; p++) {
            double pb = r->pol[p].est[0].p_top[0];
            for (size_t i = 0; i < n_bins; i++)
                if (pb >= bins[i].lo && pb < bins[i].hi) {
                    bins[i].n++;
                    bins[i].sum_p += pb;
                    bins[i].best += p == best;
                }
        }
        res_eval_free(r);
        blog_free(b);
    }
}

static void engine(void)
{
    struct blog *b = gen(500, 7, "greedy,eps:0.3,softmax:3");
    struct res_eval *r = run(b, "ipw,dr", CI_BOOTSTRAP, 200, 3);
    for (size_t e = 0; e < 2; e++) {
        double sum = 0;
        int full = 1;
        for (size_t p = 0; p < r->n_policies; p++) {
            sum += r->pol[p].est[e].p_top[0];
            full &= r->pol[p].est[e].p_top[r->n_policies - 1] == 1;
        }
        /* IPW and DR are defined on every resample: the shares of best sum to 1 and
         * every policy is in the top M of every replicate. */
        is_double(sum, 1, 1e-12, "%s: P(best) sums to 1 over the policies",
                  r->pol[0].est[e].label);
        ok(full, "%s: P(top M) = 1 for every policy", r->pol[0].est[e].label);
    }
    /* The JSON twin: written by render_json, read back by jr_read_eval, the same bits
     * (numbers are written with 17 significant digits). */
    struct strbuf sb = STRBUF_INIT;
    render_json(r, &sb);
    struct ope_error err = { 0 };
    struct jr_value *root = jr_parse(strbuf_str(&sb), strlen(strbuf_str(&sb)), "t", &err);
    struct res_eval *back = root ? jr_read_eval(root, "t", &err) : NULL;
    int same = back != NULL;
    for (size_t p = 0; same && p < r->n_policies; p++)
        for (size_t e = 0; same && e < 2; e++)
            for (size_t k = 0; same && k < r->n_policies; k++)
                same = back->pol[p].est[e].p_top &&
                       back->pol[p].est[e].p_top[k] == r->pol[p].est[e].p_top[k];
    ok(same, "p_top survives the eval JSON and its reader");
    res_eval_free(back);
    jr_free(root);
    strbuf_release(&sb);
    res_eval_free(r);
    r = run(b, "ipw", CI_T, 0, 3);
    ok(r->pol[0].est[0].p_top == NULL, "t intervals: no replicates, no P(best)");
    res_eval_free(r);
    blog_free(b);
}

/* The check. Cases: 400 logs of 500 rows (seeds 1..400), four close candidates
 * (eps:0.3, softmax:7, eps:0.25, softmax:9: a few hundredths apart, so P(best) takes
 * every value), DR with 200 replicates. In a bin the number of truly best cases is a
 * sum of independent Bernoulli(p_i) if P(best) is calibrated (independent: different
 * logs; P(best) > 1/2 is held by at most one policy of a log, and for the low bin the
 * few policies of one log are weakly dependent), with variance sum p_i (1 - p_i) <=
 * n pbar (1 - pbar) (by Jensen), so |observed - pbar| <= 3 sqrt(pbar (1 - pbar) / n)
 * is a conservative 3-sigma band. A longer study (OPE_PBEST_LOGS=4000, in the report
 * of the branch that added this): DR and SNIPW within about 0.03 of the diagonal in every
 * tenth, IPW over-confident (mean P 0.85 -> best 0.74, 0.96 -> 0.89): that is stated
 * in `ope help select` and the README, and printed here as a diagnostic, not hidden
 * by a wider band. */
static void check_bin(const char *what, const struct cal_bin *b)
{
    double pbar = b->sum_p / (double)b->n, f = (double)b->best / (double)b->n;
    double tol = 3 * sqrt(pbar * (1 - pbar) / (double)b->n);
    ok(b->n >= 80, "%s: %zu cases in P(best) in [%.2f, %.2f) (enough for the check)", what,
       b->n, b->lo, b->hi);
    ok(fabs(f - pbar) <= tol, "%s: best in %.3f of the cases with P(best) in [%.2f, %.2f), "
       "mean P(best) %.3f (band +-%.3f)", what, f, b->lo, b->hi, pbar, tol);
}

static void calibration(void)
{
    const char *pol = "eps:0.3,softmax:7,eps:0.25,softmax:9";
    const char *env = getenv("OPE_PBEST_LOGS");
    size_t logs = env ? (size_t)atol(env) : 400;
    struct cal_bin dr[2] = { { 0.1, 0.4, 0, 0, 0 }, { 0.6, 0.95, 0, 0, 0 } };
    calibrate("dr", pol, logs, 500, 200, dr, 2);
    check_bin("dr", &dr[0]);
    check_bin("dr", &dr[1]);
    struct cal_bin ipw[2] = { { 0.1, 0.4, 0, 0, 0 }, { 0.6, 0.95, 0, 0, 0 } };
    calibrate("ipw", pol, logs, 500, 200, ipw, 2);
    for (int i = 0; i < 2; i++)
        diag("ipw (known over-confident, not checked): P(best) in [%.2f, %.2f): %zu cases, "
             "mean P %.3f, best %.3f", ipw[i].lo, ipw[i].hi, ipw[i].n,
             ipw[i].sum_p / (double)ipw[i].n, (double)ipw[i].best / (double)ipw[i].n);
}

int main(void)
{
    plan_no_plan();
    hand_made();
    safe_ranking();
    engine();
    calibration();
    return done_testing();
}
