/* t/0370-cs.c: the confidence sequence of --ci cs (estimators/ci.h, PrPl-EB of
 * Waudby-Smith & Ramdas 2023): closed-form values derived by hand, an independent
 * recomputation of the formula from scratch at every time, the engine's plumbing
 * (ipw and its lift with the range from the largest weight), and time-uniform
 * coverage: over many simulated logs looked at 40 times each, the sequence ever
 * misses the truth in at most alpha of them, where the fixed-n t interval looked at
 * the same 40 times misses far more often. */
#include "config.h"
#include "t/tap.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/ci.h"
#include "estimators/evaluate.h"

/* psi_E(1/2) = (ln 2 - 1/2) / 4 = 0.0482868; ln(2/0.05) = ln 40 = 3.6888795. */
static const double PSI_HALF = 0.04828679513998632, LN40 = 3.6888794541139363;

/* sum_{i=1..n} 1/i^2 */
static double h2(size_t n)
{
    double s = 0;
    for (size_t i = n; i >= 1; i--)
        s += 1.0 / ((double)i * (double)i);
    return s;
}

/* A constant sequence X_i = x in [0, 1]. By induction mu_{i-1} = (1/2 + (i-1) x) / i,
 * so X_i - mu_{i-1} = (x - 1/2) / i and v_i = 4 (x - 1/2)^2 / i^2. The variance
 * estimate stays below 0.42 / t (its sum of squares is at most
 * (1/4)(pi^2/6 - 1)), so s2_{t-1} t ln(1 + t) <= 0.42 ln(101) < 2 for t <= 100 and
 * lambda_t = min(sqrt(2 ln 40 / (...)), 1/2) = 1/2 at every t. Then sum lambda_i = t/2,
 * the centre is x, and the half width is 2 (ln 40 + psi(1/2) 4 (x - 1/2)^2 H2_t) / t
 * (H2_t = sum 1/i^2), decreasing in t, so the running intersection is the last one.
 *   x = 1,   t = 100: lower = 1 - 2 (3.6888795 + 0.0482868 * 1.6349839) / 100
 *                           = 0.9246434; upper = 1 (the intersection with [0, 1]).
 *   x = 2/3, t = 100: half = 2 (3.6888795 + 0.0482868 * 1.6349839 / 9) / 100
 *                          = 0.0739530 around 2/3. */
static void hand_values(void)
{
    double c[100], lo, hi;
    for (size_t i = 0; i < 100; i++)
        c[i] = 1.0;
    size_t out = ci_cs_of(c, 100, 0.0, 1.0, 0.05, &lo, &hi);
    is_double(lo, 1 - 2 * (LN40 + PSI_HALF * h2(100)) / 100, 1e-12,
              "100 ones: lower = 1 - 2 (ln 40 + psi(1/2) H2_100) / 100");
    is_double(lo, 0.9246434, 1e-7, "100 ones: lower = 0.9246434 (by hand)");
    is_double(hi, 1.0, 0, "100 ones: upper clipped to 1");
    is_int((long long)out, 0, "100 ones: none outside [0, 1]");
    /* The same data in other units: c = 2 in [0, 2] is X = 1: the bounds double. */
    for (size_t i = 0; i < 100; i++)
        c[i] = 2.0;
    ci_cs_of(c, 100, 0.0, 2.0, 0.05, &lo, &hi);
    is_double(lo, 2 * 0.9246434482648132, 1e-12, "c = 2 in [0, 2]: twice the [0, 1] bound");
    for (size_t i = 0; i < 100; i++)
        c[i] = 2.0 / 3.0;
    ci_cs_of(c, 100, 0.0, 1.0, 0.05, &lo, &hi);
    is_double(lo, 2.0 / 3.0 - 0.0739530293770463, 1e-12, "100 x 2/3: lower (by hand)");
    is_double(hi, 2.0 / 3.0 + 0.0739530293770463, 1e-12, "100 x 2/3: upper (by hand)");
    /* Before any observation: the whole range. One observation of 1 at alpha 0.05:
     * lambda_1 = 1/2, half width (ln 40 + psi(1/2) * 1) / (1/2) = 7.47 > 1: [0, 1]. */
    struct ci_cs cs;
    ci_cs_init(&cs, -1.0, 3.0, 0.05);
    ci_cs_bounds(&cs, &lo, &hi);
    ok(lo == -1.0 && hi == 3.0, "no observation: the range [a, b]");
    ci_cs_add(&cs, 3.0);
    ci_cs_bounds(&cs, &lo, &hi);
    ok(lo == -1.0 && hi == 3.0, "one observation: still the range");
    /* Outside the range: counted and clamped. */
    ci_cs_add(&cs, 5.0);
    ci_cs_add(&cs, NAN);
    is_int((long long)cs.outside, 2, "two observations outside [a, b] are counted");
}

/* The formula again, from scratch at each t (no running sums): mu_j and s2_j
 * recomputed from X_1..X_j for each j, then lambda, v and the interval. */
static void from_scratch(const double *x, size_t n, double alpha, double *lo, double *hi)
{
    double L = log(2 / alpha);
    *lo = 0;
    *hi = 1;
    for (size_t t = 1; t <= n; t++) {
        double sl = 0, slx = 0, svp = 0;
        for (size_t i = 1; i <= t; i++) {
            double sx = 0;
            for (size_t j = 1; j < i; j++)
                sx += x[j - 1];
            double mu_prev = (0.5 + sx) / (double)i;     /* mu_{i-1} */
            double ss = 0.25;
            for (size_t j = 1; j < i; j++) {
                double sxj = 0;
                for (size_t k = 1; k <= j; k++)
                    sxj += x[k - 1];
                double muj = (0.5 + sxj) / (double)(j + 1);
                ss += (x[j - 1] - muj) * (x[j - 1] - muj);
            }
            double s2_prev = ss / (double)i;            /* s2_{i-1} */
            double l = fmin(sqrt(2 * L / (s2_prev * (double)i * log(1.0 + (double)i))), 0.5);
            sl += l;
            slx += l * x[i - 1];
            svp += 4 * (x[i - 1] - mu_prev) * (x[i - 1] - mu_prev) * (-log(1 - l) - l) / 4;
        }
        double c = slx / sl, h = (L + svp) / sl;
        *lo = fmax(*lo, c - h);
        *hi = fmin(*hi, c + h);
    }
}

static uint64_t sm_state;
static double unif(void)       /* splitmix64 -> (0, 1) */
{
    uint64_t z = (sm_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

static void recomputed(void)
{
    /* 120 uniform draws (variance 1/12), so that lambda leaves its cap of 1/2: at
     * alpha 0.5 the cap binds only while s2 t ln(1 + t) < 8 ln 4 = 11.1, i.e. up to
     * t of about 37 (1/12 * 37 * ln 38 = 11.2). */
    double x[120], lo, hi, lo2, hi2;
    sm_state = 42;
    for (size_t i = 0; i < 120; i++)
        x[i] = unif();
    struct ci_cs cs;
    ci_cs_init(&cs, 0, 1, 0.5);
    for (size_t i = 0; i < 120; i++)
        ci_cs_add(&cs, x[i]);
    ok(cs.sum_l < 0.5 * 120 - 1, "random sequence: lambda left its cap (sum %.4g < 60)",
       cs.sum_l);
    ci_cs_bounds(&cs, &lo, &hi);
    from_scratch(x, 120, 0.5, &lo2, &hi2);
    is_double(lo, lo2, 1e-12, "random sequence: lower as recomputed from scratch");
    is_double(hi, hi2, 1e-12, "random sequence: upper as recomputed from scratch");
    ok(hi - lo < 0.5, "random sequence: the sequence has shrunk (width %.3g)", hi - lo);
}

/* Through the engine: 100 rows, two actions, pscore 1/2, every row action 0 with
 * reward 1, and a policy that always plays action 0. w = 2, ipw contributions c = 2;
 * the largest weight the policy allows is max_a pi_e(a|x) / pscore = 2 and rewards
 * are in [0, 1], so the range is [0, 2] and X = 1: the lower bound is twice the
 * 0.9246434 above. The lift's differences c - r = 1 lie in [0 - 1, 2 - 0] = [-1, 2],
 * X = 2/3: [-1 + 3 (2/3 - 0.0739530), -1 + 3 (2/3 + 0.0739530)]. */
static void engine(void)
{
    struct ope_error err = { 0 };
    struct blog *b = blog_new(100, 2, 1, 1, &err);
    if (!b)
        bail_out("%s", err.msg);
    b->policy[0].name = strdup("zero");
    for (size_t i = 0; i < 100; i++) {
        b->action[i] = 0;
        b->reward[i] = 1;
        b->pscore[i] = 0.5;
        b->policy[0].prob[0][i] = 1;
        b->policy[0].prob[1][i] = 0;
    }
    struct est_spec *spec = NULL;
    size_t n_spec = 0;
    if (est_spec_list("ipw,snipw", EST_BANDIT, &spec, &n_spec, &err) != 0)
        bail_out("%s", err.msg);
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = spec;
    o.n_spec = n_spec;
    o.ci = CI_CS;
    o.threads = 1;
    struct res_eval *r = eval_bandit(b, &o, &err);
    if (!r)
        bail_out("%s", err.msg);
    const struct res_estimate *x = &r->pol[0].est[0];
    is_string(r->ci, "cs", "the result names the method 'cs'");
    is_double(x->lower, 2 * 0.9246434482648132, 1e-12, "engine: ipw lower on [0, 2]");
    is_double(x->upper, 2.0, 1e-12, "engine: ipw upper = the range's end");
    is_double(x->lift_lower, -1 + 3 * (2.0 / 3 - 0.0739530293770463), 1e-12,
              "engine: lift lower on [-1, 2]");
    is_double(x->lift_upper, -1 + 3 * (2.0 / 3 + 0.0739530293770463), 1e-12,
              "engine: lift upper on [-1, 2]");
    ok(isnan(r->pol[0].est[1].lower), "engine: snipw (a ratio) has no sequence");
    int said = 0;
    for (size_t w = 0; w < r->n_warnings; w++)
        said |= strstr(r->warnings[w], "snipw: no confidence sequence") != NULL;
    ok(said, "engine: and a warning says so");
    res_eval_free(r);
    /* --bounds win over the derived range: [0, 4] makes X = 1/2, so the sequence is
     * centred on 2 = the estimate. */
    o.bound_lo = 0;
    o.bound_hi = 4;
    r = eval_bandit(b, &o, &err);
    if (!r)
        bail_out("%s", err.msg);
    x = &r->pol[0].est[0];
    ok(x->lower < 2 && x->upper > 2 && fabs(x->lower + x->upper - 4) < 1e-12,
       "engine: --bounds 0,4 gives a sequence centred on 2 ([%g, %g])", x->lower, x->upper);
    res_eval_free(r);
    free(spec);
    blog_free(b);
}

/* Time-uniform coverage. A log of n = 2000 rows, three actions, logging policy
 * uniform (pscore 1/3), evaluation policy (0.7, 0.2, 0.1), Bernoulli rewards with
 * means (0.6, 0.3, 0.5): V(pi_e) = 0.42 + 0.06 + 0.05 = 0.53. ipw contributions
 * w r with w = 3 pi_e(a) in {2.1, 0.6, 0.3}: the range is [0, 2.1], the largest
 * weight the policy allows. Looked at every 50 rows (40 looks), R = 2000 logs with
 * fixed seeds. The sequence guarantees P(it ever misses) <= alpha = 0.05; with R =
 * 2000 the Monte Carlo sd of a share near 0.05 is sqrt(0.05 * 0.95 / 2000) = 0.0049,
 * so 0.05 + 3 sd = 0.065 is the test's bound. The t interval, valid at one fixed n,
 * misses at a given look about 5% of the time, but checked at 40 looks it misses at
 * SOME look in a much larger share of the logs (measured 0.2-0.3): the reason the
 * monitor uses confidence sequences. */
static void coverage(void)
{
    enum { R = 2000, N = 2000, EVERY = 50 };
    const double pe[3] = { 0.7, 0.2, 0.1 }, mu[3] = { 0.6, 0.3, 0.5 }, truth = 0.53;
    const double alpha = 0.05;
    size_t cs_miss = 0, t_ever = 0, t_last = 0;
    double width = 0;
    for (size_t run = 0; run < R; run++) {
        sm_state = 1000003ULL * (run + 1);
        struct ci_cs cs;
        ci_cs_init(&cs, 0.0, 2.1, alpha);
        double s = 0, ss = 0;
        int cs_out = 0, t_out = 0;
        for (size_t i = 1; i <= N; i++) {
            int a = (int)(3 * unif());
            a = a > 2 ? 2 : a;
            double r = unif() < mu[a] ? 1.0 : 0.0, c = 3 * pe[a] * r;
            ci_cs_add(&cs, c);
            s += c;
            ss += c * c;
            if (i % EVERY)
                continue;
            double lo, hi, n = (double)i, m = s / n;
            ci_cs_bounds(&cs, &lo, &hi);
            cs_out |= truth < lo || truth > hi;
            double sd = sqrt(fmax(0, (ss - n * m * m) / (n - 1)));
            double h = gsl_cdf_tdist_Pinv(1 - alpha / 2, n - 1) * sd / sqrt(n);
            int miss = fabs(m - truth) > h;
            t_out |= miss;
            if (i == N) {
                t_last += (size_t)miss;
                width += hi - lo;
            }
        }
        cs_miss += (size_t)cs_out;
        t_ever += (size_t)t_out;
    }
    double f_cs = (double)cs_miss / R, f_t = (double)t_ever / R, f_last = (double)t_last / R;
    diag("ever missed the truth at one of 40 looks: cs %.4f, t %.4f; t at n = %d only: "
         "%.4f; mean cs width at n = %d: %.4f", f_cs, f_t, N, f_last, N, width / R);
    ok(f_cs <= alpha + 3 * sqrt(alpha * (1 - alpha) / R),
       "cs: ever missed in %.4f of %d logs <= 0.05 + MC slack", f_cs, R);
    ok(f_t > 2 * alpha, "t looked at 40 times: ever missed in %.4f > 0.10 (not time-uniform)",
       f_t);
    ok(fabs(f_last - alpha) < 3 * sqrt(alpha * (1 - alpha) / R) + 0.005,
       "t at the one fixed n: missed in %.4f, about alpha", f_last);
}

int main(void)
{
    plan_no_plan();
    hand_values();
    recomputed();
    engine();
    coverage();
    return done_testing();
}
