/* t/0350-matrix.c: the paired differences between candidates (result.h: res_diff) on a
 * six-row log computed by hand: which pairs (each estimator's top K), their values,
 * their t, Hoeffding and Bernstein intervals from the per-row differences, and their
 * bootstrap intervals as the percentile of replicate differences recomputed here. */
#include "config.h"
#include "t/tap.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/blog.h"
#include "estimators/ci.h"
#include "estimators/evaluate.h"
#include "ope/app/jsonread.h"
#include "ope/app/render.h"

/* The hand log: A = 2, pscore 0.5 on every row (uniform logging), rows
 *   a = 0 1 0 1 0 1,  r = 1 0 1 1 0 0.
 * Four policies with pi(0) the same on every row: X 0.9, Y 0.6, Z 0.2, W 0.1.
 * IPW's contribution c_i = r_i pi(a_i) / 0.5: the rewarded rows are 0 and 2 (action 0)
 * and 3 (action 1), so ipw(p0) = (2 * 2 p0 + 2 (1 - p0)) / 6 = (2 + 2 p0) / 6:
 *   X 3.8/6, Y 3.2/6, Z 2.4/6, W 2.2/6.  Top 3: X, Y, Z (W left out); pairs in rank
 *   order (X,Y), (X,Z), (Y,Z), with V(a) - V(b) = 2 (p_a - p_b) / 6.
 * Per-row differences c_i(a) - c_i(b) = 2 (p_a - p_b) v_i, v = (1, 0, 1, -1, 0, 0):
 *   mean(v) = 1/6; sum v^2 = 3, so the sample variance of v is (3 - 6/36) / 5 = 17/30;
 *   min -1, max 1. */
static const double P0[4] = { 0.9, 0.6, 0.2, 0.1 };
static const char *const NAMES[4] = { "X", "Y", "Z", "W" };

static struct blog *hand_log(void)
{
    struct ope_error err = { 0 };
    struct blog *b = blog_new(6, 2, 1, 4, &err);
    if (!b)
        bail_out("%s", err.msg);
    static const int a[6] = { 0, 1, 0, 1, 0, 1 };
    static const double r[6] = { 1, 0, 1, 1, 0, 0 };
    for (int p = 0; p < 4; p++)
        b->policy[p].name = strdup(NAMES[p]);
    for (int i = 0; i < 6; i++) {
        b->action[i] = a[i];
        b->reward[i] = r[i];
        b->pscore[i] = 0.5;
        for (int p = 0; p < 4; p++) {
            b->policy[p].prob[0][i] = P0[p];
            b->policy[p].prob[1][i] = 1 - P0[p];
        }
    }
    return b;
}

static struct res_eval *run(const struct blog *b, int ci, size_t k, double lo, double hi)
{
    struct ope_error err = { 0 };
    struct est_spec *s = NULL;
    size_t n = 0;
    if (est_spec_list("ipw", EST_BANDIT, &s, &n, &err) != 0)
        bail_out("%s", err.msg);
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = s;
    o.n_spec = n;
    o.ci = ci;
    o.n_boot = 400;
    o.seed = 99;
    o.matrix_k = k;
    o.bound_lo = lo;
    o.bound_hi = hi;
    struct res_eval *r = eval_bandit(b, &o, &err);
    if (!r)
        bail_out("%s", err.msg);
    free(s);
    return r;
}

/* Which pair is d: "XY" etc. */
static void pair_name(const struct res_eval *r, const struct res_diff *d, char out[3])
{
    out[0] = r->pol[d->a].name[0];
    out[1] = r->pol[d->b].name[0];
    out[2] = '\0';
}

static const int PAIRS[3][2] = { { 0, 1 }, { 0, 2 }, { 1, 2 } };

static void pairs_and_t(const struct blog *b)
{
    struct res_eval *r = run(b, CI_T, 3, NAN, NAN);
    ok(r->n_diffs == 3 && r->matrix_k == 3, "top 3 of 4 policies: 3 pairs (%zu)", r->n_diffs);
    double t = gsl_cdf_tdist_Pinv(0.975, 5), sdv = sqrt(17.0 / 30.0);
    for (size_t i = 0; i < 3 && i < r->n_diffs; i++) {
        const struct res_diff *d = &r->diffs[i];
        char nm[3];
        pair_name(r, d, nm);
        int pa = PAIRS[i][0], pb = PAIRS[i][1];
        ok((int)d->a == pa && (int)d->b == pb && d->e == 0, "pair %zu is %s%s (got %s)", i,
           NAMES[pa], NAMES[pb], nm);
        double f = 2 * (P0[pa] - P0[pb]);       /* the differences are f v_i */
        is_double(d->diff, f / 6, 1e-12, "%s: V(a) - V(b) = 2 (p_a - p_b) / 6", nm);
        /* t: f (1/6 +- t_{5, 0.975} sd(v) / sqrt(6)). */
        is_double(d->lower, f * (1.0 / 6 - t * sdv / sqrt(6.0)), 1e-12, "%s: t lower", nm);
        is_double(d->upper, f * (1.0 / 6 + t * sdv / sqrt(6.0)), 1e-12, "%s: t upper", nm);
    }
    /* The per-row differences are narrower than the two values' t intervals side by
     * side: the shared rows cancel. */
    const struct res_estimate *x = &r->pol[0].est[0], *y = &r->pol[1].est[0];
    ok(r->diffs[0].upper - r->diffs[0].lower < (x->upper - x->lower) + (y->upper - y->lower),
       "the paired interval is narrower than the two intervals' widths added");
    res_eval_free(r);

    r = run(b, CI_T, 2, NAN, NAN);
    ok(r->n_diffs == 1 && r->diffs[0].a == 0 && r->diffs[0].b == 1, "K = 2: the one pair XY");
    res_eval_free(r);
    r = run(b, CI_T, 1, NAN, NAN);
    ok(r->n_diffs == 0 && r->diffs == NULL, "K = 1: no pair");
    res_eval_free(r);
    r = run(b, CI_T, 10, NAN, NAN);
    ok(r->n_diffs == 6, "K larger than the policies: every pair of the 4 (%zu)", r->n_diffs);
    res_eval_free(r);
    r = run(b, CI_NONE, 3, NAN, NAN);
    ok(r->n_diffs == 3 && isnan(r->diffs[0].lower) && isnan(r->diffs[0].upper) &&
       fabs(r->diffs[0].diff - 0.1) < 1e-12, "--ci none: the differences, no interval");
    res_eval_free(r);
}

/* Hoeffding and Bernstein take the differences' observed range [-f, f] (f = 2 (p_a -
 * p_b)) even when --bounds give the contributions' range: those bounds are not the
 * differences'. alpha 0.05, n 6:
 *   Hoeffding: mean +- 2f sqrt(ln(2/0.05) / 12);
 *   Bernstein: mean +- [ f sd(v) sqrt(2 ln(80) / 6) + 7 (2f) ln(80) / 15 ]. */
static void hoeffding_bernstein(const struct blog *b)
{
    struct res_eval *h = run(b, CI_HOEFFDING, 3, 0, 2);
    struct res_eval *bn = run(b, CI_BERNSTEIN, 3, 0, 2);
    double f = 2 * (0.9 - 0.6), m = f / 6, sdv = sqrt(17.0 / 30.0);
    double hw = 2 * f * sqrt(log(2 / 0.05) / 12);
    double bw = f * sdv * sqrt(2 * log(80.0) / 6) + 7 * (2 * f) * log(80.0) / 15;
    is_double(h->diffs[0].lower, m - hw, 1e-12, "XY: Hoeffding lower on the observed range");
    is_double(h->diffs[0].upper, m + hw, 1e-12, "XY: Hoeffding upper on the observed range");
    is_double(bn->diffs[0].lower, m - bw, 1e-12, "XY: Bernstein lower on the observed range");
    is_double(bn->diffs[0].upper, m + bw, 1e-12, "XY: Bernstein upper on the observed range");
    res_eval_free(h);
    res_eval_free(bn);
}

static int cmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Type-7 quantile of sorted x[0..n-1] (numpy's default): h = (n - 1) p, interpolate
 * between x[floor h] and x[floor h + 1]. Written here so the check does not rest on
 * ci_percentile. */
static double q7(const double *x, size_t n, double p)
{
    double h = (double)(n - 1) * p, fl = floor(h);
    size_t i = (size_t)fl;
    return i + 1 < n ? x[i] + (h - fl) * (x[i + 1] - x[i]) : x[n - 1];
}

/* Bootstrap: the replicate values of the four policies (eval_bootstrap_values, the
 * engine's replicates on the same seed and counts), their differences per replicate,
 * sorted, and the 2.5% and 97.5% type-7 quantiles. */
static void bootstrap(const struct blog *b)
{
    struct res_eval *r = run(b, CI_BOOTSTRAP, 3, NAN, NAN);
    struct ope_error err = { 0 };
    struct est_spec *s = NULL;
    size_t n = 0, pol[4] = { 0, 1, 2, 3 }, B = 400;
    if (est_spec_list("ipw", EST_BANDIT, &s, &n, &err) != 0)
        bail_out("%s", err.msg);
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = s;
    o.n_spec = n;
    o.n_boot = (int)B;
    o.seed = 99;
    double *vals = malloc(4 * B * sizeof *vals), *d = malloc(B * sizeof *d);
    if (!vals || !d || eval_bootstrap_values(b, &o, NULL, pol, 4, vals, &err) != 0)
        bail_out("replicates: %s", err.msg);
    ok(r->n_diffs == 3, "bootstrap: 3 pairs");
    for (size_t i = 0; i < 3 && i < r->n_diffs; i++) {
        int pa = PAIRS[i][0], pb = PAIRS[i][1];
        size_t m = 0;
        for (size_t k = 0; k < B; k++) {
            double x = vals[pa * B + k] - vals[pb * B + k];
            if (!isnan(x))
                d[m++] = x;
        }
        qsort(d, m, sizeof *d, cmp);
        is_double(r->diffs[i].lower, q7(d, m, 0.025), 1e-15,
                  "%s%s: bootstrap lower = the 2.5%% quantile of the replicate differences",
                  NAMES[pa], NAMES[pb]);
        is_double(r->diffs[i].upper, q7(d, m, 0.975), 1e-15,
                  "%s%s: bootstrap upper = the 97.5%% quantile of the replicate differences",
                  NAMES[pa], NAMES[pb]);
        ok(r->diffs[i].lower < r->diffs[i].diff && r->diffs[i].diff < r->diffs[i].upper,
           "%s%s: the interval holds the difference", NAMES[pa], NAMES[pb]);
    }
    /* The JSON carries them: the first pair's names and the key. */
    struct strbuf sb = STRBUF_INIT;
    render_json(r, &sb);
    const char *js = strbuf_str(&sb);
    ok(strstr(js, "\"differences\":[") && strstr(js, "\"a\":\"X\",\"b\":\"Y\",\"diff\":") &&
       strstr(js, "\"matrix_k\":3"), "JSON: differences with a, b, diff; settings.matrix_k");
    /* ... and its reader gives them back, the same bits (17 significant digits). */
    struct jr_value *root = jr_parse(js, strlen(js), "t", &err);
    struct res_eval *back = root ? jr_read_eval(root, "t", &err) : NULL;
    int same = back && back->n_diffs == r->n_diffs && back->matrix_k == 3;
    for (size_t i = 0; same && i < r->n_diffs; i++)
        same = back->diffs[i].a == r->diffs[i].a && back->diffs[i].b == r->diffs[i].b &&
               back->diffs[i].e == r->diffs[i].e && back->diffs[i].diff == r->diffs[i].diff &&
               back->diffs[i].lower == r->diffs[i].lower &&
               back->diffs[i].upper == r->diffs[i].upper;
    ok(same, "the differences survive the eval JSON and its reader");
    res_eval_free(back);
    jr_free(root);
    strbuf_release(&sb);
    render_diff_csv(r, &sb);
    js = strbuf_str(&sb);
    ok(strncmp(js, "estimator,params,a,b,diff,lower,upper\nipw,{},X,Y,", 49) == 0,
       "CSV twin: header and the first pair");
    strbuf_release(&sb);
    free(vals);
    free(d);
    free(s);
    res_eval_free(r);
}

int main(void)
{
    plan_no_plan();
    struct blog *b = hand_log();
    pairs_and_t(b);
    hoeffding_bernstein(b);
    bootstrap(b);
    blog_free(b);
    return done_testing();
}
