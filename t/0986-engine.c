/* t/0986-engine.c: the evaluation driver (estimators/engine.h) runs every phase for
 * any source. A toy source -- two policies, each a column of ten numbers whose plain
 * mean is the estimate -- stands for a new kind of log; the expected numbers come
 * from the definitions (mean, sample sd, the t quantile from tables, the Hoeffding
 * radius, Poisson(1) counts of acc_count), not from the engine. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/accum.h"
#include "estimators/ci.h"
#include "estimators/engine.h"
#include "estimators/estimator.h"
#include "t/tap.h"

#define N 10
#define NS 2                        /* estimators: ipw and snipw, by name only */

/* Policy "a": x_i = i + 1 (1..10); policy "b": x_i = 10 (i + 1). */
static double X[2][N];
static const char *const NAMES[2] = { "a", "b" };

struct toy {
    struct acc_source src;
    size_t n_pol;
};

static double toy_x(size_t col, size_t i)
{
    return X[col / NS][i];          /* one column per (policy, estimator) */
}

static void toy_point(void *ctx, void *scratch, size_t lo, size_t m, double *sum)
{
    (void)scratch;
    const struct toy *t = ctx;
    for (size_t k = 0; k < t->src.K; k++) {
        double s = 0;
        for (size_t i = 0; i < m; i++)
            s += toy_x(k, lo + i);
        sum[k] = s;
    }
}

static void toy_boot(void *ctx, void *scratch, size_t lo, size_t m, const uint64_t *rowkey,
                     uint64_t b0, size_t nb, double *dot, uint64_t *cnt)
{
    (void)scratch;
    const struct toy *t = ctx;
    for (size_t r = 0; r < nb; r++) {
        cnt[r] = 0;
        for (size_t k = 0; k < t->src.K; k++)
            dot[r * t->src.K + k] = 0;
        for (size_t i = 0; i < m; i++) {
            int c = acc_count(rowkey[i], b0 + r);
            cnt[r] += (uint64_t)c;
            for (size_t k = 0; k < t->src.K; k++)
                dot[r * t->src.K + k] += c * toy_x(k, lo + i);
        }
    }
}

static int toy_check(struct eng *g, struct ope_error *err)
{
    (void)g;
    (void)err;
    return 0;
}

static int toy_index(struct eng *g, const char *name, struct ope_error *err)
{
    (void)g;
    for (int p = 0; p < 2; p++)
        if (strcmp(name, NAMES[p]) == 0)
            return p;
    return ope_fail(err, OPE_EUSAGE, "toy: no policy '%s'", name);
}

static const char *toy_name(struct eng *g, size_t pol)
{
    (void)g;
    return NAMES[pol];
}

static void toy_describe(struct eng *g, struct res_eval *r)
{
    r->rows = g->n;
    r->kind = "toy";
}

static int toy_setup(struct eng *g, struct res_eval *r, struct ope_error *err)
{
    (void)g;
    (void)r;
    (void)err;
    return 0;
}

static int toy_prepare(struct eng *g, size_t p, size_t pol, struct ope_error *err)
{
    (void)g;
    (void)p;
    (void)pol;
    (void)err;
    return 0;
}

static const struct acc_source *toy_source(struct eng *g, struct ope_error *err)
{
    (void)err;
    struct toy *t = g->self;
    t->src = (struct acc_source){ N, 2 * NS, 2, 0, t, toy_point, toy_boot, NULL };
    return &t->src;
}

static size_t toy_col(struct eng *g, size_t p, size_t e)
{
    (void)g;
    return g->pol[p] * NS + e;
}

static double toy_value(struct eng *g, size_t p, size_t e, const double *sums, double n)
{
    (void)g;
    (void)p;
    (void)e;
    return n > 0 ? sums[0] / n : NAN;
}

/* snipw "does not apply" to policy b: the driver must show no number, only why. */
static int toy_est_stats(struct eng *g, size_t p, size_t e, const double *sums,
                         struct eng_est *out)
{
    (void)sums;
    size_t pol = g->pol[p];
    out->applies = !(pol == 1 && e == 1);
    if (!out->applies)      /* a why next to applies = 1 would be a caveat, shown too */
        snprintf(out->why, sizeof out->why, "toy reason");
    ci_stats_of(X[pol], N, &out->st);
    out->weighted = 1;
    out->mean_w = 1, out->max_w = 1, out->ess = N;
    return 0;
}

static void toy_pol_stats(struct eng *g, size_t p, size_t pol, struct eng_pol *out)
{
    (void)g;
    (void)p;
    double w[N];
    for (size_t i = 0; i < N; i++)
        w[i] = 1.0;
    diag_weights_of(w, N, &out->w);
    out->truth = pol == 0 ? 5.0 : NAN;
    out->unsupported = NAN;
}

static const struct eng_kind toy_kind = {
    .kind = EST_BANDIT,
    .noun = "toy",
    .unit = DIAG_ROWS,
    .check = toy_check,
    .policy_index = toy_index,
    .policy_name = toy_name,
    .describe = toy_describe,
    .setup = toy_setup,
    .prepare = toy_prepare,
    .source = toy_source,
    .col = toy_col,
    .value = toy_value,
    .est_stats = toy_est_stats,
    .pol_stats = toy_pol_stats,
};

static struct res_eval *run(struct toy *t, struct eval_opts *o, struct ope_error *err)
{
    struct eng g;
    memset(&g, 0, sizeof g);
    g.kind = &toy_kind;
    g.self = t;
    g.n = N;
    g.n_log_policies = 2;
    return eng_run(&g, o, err);
}

/* A policy's warnings other than the few-effective-samples one. */
static size_t other_warnings(const struct res_policy *p)
{
    size_t k = 0;
    for (size_t i = 0; i < p->n_warnings; i++)
        k += strncmp(p->warnings[i], "few effective samples", 21) != 0;
    return k;
}

int main(void)
{
    plan_no_plan();
    for (size_t i = 0; i < N; i++) {
        X[0][i] = (double)(i + 1);
        X[1][i] = 10.0 * (double)(i + 1);
    }
    struct ope_error err;
    struct est_spec *spec;
    size_t ns;
    if (est_spec_list("ipw,snipw", EST_BANDIT, &spec, &ns, &err) != 0 || ns != NS)
        bail_out("spec list: %s", err.msg);
    struct toy t;
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = spec;
    o.n_spec = ns;

    /* t interval: mean 5.5, sd^2 = sum (i - 5.5)^2 / 9 = 82.5 / 9, se = sd / sqrt(10),
     * t_{9, 0.975} = 2.2621571628 (tables). */
    o.ci = CI_T;
    struct res_eval *r = run(&t, &o, &err);
    ok(r != NULL, "eng_run with a toy source (%s)", r ? "" : err.msg);
    if (!r)
        bail_out("no result");
    double se = sqrt(82.5 / 9) / sqrt(10.0), h = 2.2621571628 * se;
    is_double(r->pol[0].est[0].value, 5.5, 1e-15, "value: the source's value of the point sums");
    is_double(r->pol[0].est[0].se, se, 1e-12, "se = sd / sqrt(n)");
    is_double(r->pol[0].est[0].lower, 5.5 - h, 1e-9, "t interval, lower");
    is_double(r->pol[0].est[0].upper, 5.5 + h, 1e-9, "t interval, upper");
    is_double(r->pol[0].est[0].rel_error, 0.1, 1e-12, "relative error |5.5 - 5| / 5");
    is_double(r->pol[1].est[0].value, 55.0, 1e-12, "policy b's own columns");
    ok(isnan(r->pol[1].est[1].value) && isnan(r->pol[1].est[1].lower) &&
       isnan(r->pol[1].est[1].se), "an estimate that does not apply has no number");
    /* Ten rows: each policy also carries the few-effective-samples warning of
     * estimators/diag (ESS 10 < DIAG_CI_MIN_ESS), which is t/0340's; count the rest. */
    ok(other_warnings(&r->pol[1]) == 1 &&
       strcmp(r->pol[1].warnings[0], "snipw does not apply: toy reason") == 0,
       "and says why, once");
    ok(other_warnings(&r->pol[0]) == 0 && r->n_warnings == 0,
       "weights of 1 and a t interval: no other warnings");
    is_double(r->pol[0].est[0].ess, 10.0, 0, "the source's weight diagnostics are shown");
    ok(strcmp(r->pol[0].name, "a") == 0 && strcmp(r->kind, "toy") == 0 && r->rows == N,
       "names and header from the source");
    res_eval_free(r);

    /* Hoeffding on the observed range [1, 10]: radius 9 sqrt(ln(2 / 0.05) / 20), and
     * one log-level warning that the range is observed. */
    o.ci = CI_HOEFFDING;
    r = run(&t, &o, &err);
    double rad = 9.0 * sqrt(log(40.0) / 20.0);
    ok(r && fabs(r->pol[0].est[0].upper - (5.5 + rad)) < 1e-12 &&
       fabs(r->pol[0].est[0].lower - (5.5 - rad)) < 1e-12, "hoeffding on the observed range");
    ok(r && r->n_warnings == 1 && strstr(r->warnings[0], "observed range"),
       "one log-level warning about the observed range");
    res_eval_free(r);

    /* Bootstrap: replicate b is sum_i m_{b,i} x_i / sum_i m_{b,i} with the counts of
     * acc_count (integers, so every sum is exact); the interval is their percentile
     * interval; and 1 or 3 threads give the same bits. */
    o.ci = CI_BOOTSTRAP;
    o.n_boot = 41;
    o.seed = 7;
    size_t pol[2] = { 0, 1 };
    double vals[2 * NS * 41], want[41];
    struct eng g;
    memset(&g, 0, sizeof g);
    g.kind = &toy_kind;
    g.self = &t;
    g.n = N;
    g.n_log_policies = 2;
    ok(eng_replicates(&g, &o, pol, 2, vals, &err) == 0, "eng_replicates");
    uint64_t key = acc_key(7);
    int same = 1;
    for (size_t b = 0; b < 41; b++) {
        double s = 0, m = 0;
        for (size_t i = 0; i < N; i++) {
            int c = acc_count(acc_rowkey(key, i), b);
            s += c * X[1][i];
            m += c;
        }
        want[b] = m > 0 ? s / m : NAN;
        same &= memcmp(&vals[(1 * NS + 0) * 41 + b], &want[b], sizeof want[b]) == 0;
    }
    ok(same, "replicates = the definition, bit for bit");
    double lo, hi;
    ci_percentile(want, 41, o.alpha, &lo, &hi);
    o.threads = 1;
    struct res_eval *r1 = run(&t, &o, &err);
    o.threads = 3;
    struct res_eval *r3 = run(&t, &o, &err);
    ok(r1 && r1->pol[1].est[0].lower == lo && r1->pol[1].est[0].upper == hi,
       "bootstrap interval = percentiles of the replicates");
    ok(r1 && r3 && memcmp(&r1->pol[0].est[0].lower, &r3->pol[0].est[0].lower,
                          sizeof lo) == 0 &&
       memcmp(&r1->pol[1].est[0].upper, &r3->pol[1].est[0].upper, sizeof hi) == 0,
       "1 and 3 threads: the same bits");
    ok(r1 && r1->n_boot == 41 && r1->seed == 7, "the options are in the header");
    res_eval_free(r1);
    res_eval_free(r3);

    /* Refusals: an estimator of another kind, a policy the source does not have. */
    struct est_spec tis;
    if (est_spec_parse("tis", EST_TRAJ, &tis, &err) != 0)
        bail_out("tis: %s", err.msg);
    o.spec = &tis;
    o.n_spec = 1;
    r = run(&t, &o, &err);
    ok(!r && err.status == OPE_EUSAGE && strstr(err.msg, "'tis' is not a toy estimator"),
       "an estimator of another kind is refused (%s)", err.msg);
    o.spec = spec;
    o.n_spec = ns;
    const char *only[] = { "c" };
    o.policies = only;
    o.n_policies = 1;
    r = run(&t, &o, &err);
    ok(!r && strstr(err.msg, "toy: no policy 'c'"), "the source's policy error is passed on");
    only[0] = "b";
    r = run(&t, &o, &err);
    ok(r && r->n_policies == 1 && strcmp(r->pol[0].name, "b") == 0 &&
       r->pol[0].est[0].value == 55.0, "a policy chosen by name");
    res_eval_free(r);
    free(spec);
    return done_testing();
}
