/* t/0364-segments-boot.c: a segment's bootstrap is the whole log's, restricted to its
 * rows. A segment is gathered into rows 0..m-1 and evaluated with eval_part.rowid =
 * the rows' places in the whole log; replicate b must then weight row i by the
 * whole log's count acc_count(acc_rowkey(acc_key(seed), i), b), which this test forms
 * by hand (accum.h's definition) and compares with the engine's replicates of ipw.
 * Without the row ids the segment would draw the counts of rows 0..m-1 instead (a
 * segment of the first rows and one of the next would share them). */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/blog.h"
#include "estimators/accum.h"
#include "estimators/evaluate.h"

#define N 12
#define B 40

int main(void)
{
    plan_no_plan();
    struct ope_error err = { 0 };
    /* 12 rows, 2 actions; pi(a=1) = 0.7 everywhere, pscore 0.5, reward i % 3. */
    struct blog *log = blog_new(N, 2, 1, 1, &err);
    if (!log)
        bail_out("%s", err.msg);
    log->policy[0].name = strdup("new");
    for (size_t i = 0; i < N; i++) {
        log->action[i] = (int)(i % 2);
        log->reward[i] = (double)(i % 3);
        log->pscore[i] = 0.5;
        log->policy[0].prob[0][i] = 0.3;
        log->policy[0].prob[1][i] = 0.7;
    }
    /* The segment: rows 2, 5, 6, 9, 11 of the whole log. */
    static const size_t rows[] = { 2, 5, 6, 9, 11 };
    size_t m = sizeof rows / sizeof rows[0];
    struct blog *sub = blog_new(m, 2, 1, 1, &err);
    if (!sub)
        bail_out("%s", err.msg);
    sub->policy[0].name = strdup("new");
    for (size_t k = 0; k < m; k++) {
        size_t i = rows[k];
        sub->action[k] = log->action[i];
        sub->reward[k] = log->reward[i];
        sub->pscore[k] = log->pscore[i];
        sub->policy[0].prob[0][k] = log->policy[0].prob[0][i];
        sub->policy[0].prob[1][k] = log->policy[0].prob[1][i];
    }
    struct est_spec *spec = NULL;
    size_t ns = 0;
    if (est_spec_list("ipw", EST_BANDIT, &spec, &ns, &err) != 0)
        bail_out("%s", err.msg);
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = spec;
    o.n_spec = ns;
    o.n_boot = B;
    o.seed = 77;
    double got[B], plain[B];
    struct eval_part part = { rows, NULL, NULL, NULL, got };
    struct res_eval *r = eval_bandit_part(sub, &o, &part, &err);
    ok(r != NULL, "the segment evaluates with its row ids");
    struct eval_part part0 = { NULL, NULL, NULL, NULL, plain };
    struct res_eval *r0 = eval_bandit_part(sub, &o, &part0, &err);
    ok(r0 != NULL, "and without them");
    /* ipw's replicate b: sum_k m_{b,rows[k]} w_k r_k / sum_k m_{b,rows[k]}, with
     * w = pi(a)/pscore = 0.6 (a = 0) or 1.4 (a = 1). */
    uint64_t key = acc_key(o.seed);
    int same = 1, differs = 0;
    for (size_t b = 0; b < B; b++) {
        double num = 0, den = 0, num0 = 0, den0 = 0;
        for (size_t k = 0; k < m; k++) {
            double w = sub->policy[0].prob[sub->action[k]][k] / sub->pscore[k];
            int c = acc_count(acc_rowkey(key, rows[k]), b);
            int c0 = acc_count(acc_rowkey(key, k), b);
            num += c * w * sub->reward[k];
            den += c;
            num0 += c0 * w * sub->reward[k];
            den0 += c0;
        }
        double want = den > 0 ? num / den : NAN, want0 = den0 > 0 ? num0 / den0 : NAN;
        if (!(fabs(got[b] - want) <= 1e-12 || (isnan(got[b]) && isnan(want)))) {
            same = 0;
            diag("replicate %zu: %.17g, by hand %.17g", b, got[b], want);
        }
        if (!(fabs(plain[b] - want0) <= 1e-12 || (isnan(plain[b]) && isnan(want0))))
            same = 0;
        differs |= fabs(got[b] - plain[b]) > 1e-9;
    }
    ok(same, "every replicate weights each row by its count in the whole log (by hand)");
    ok(differs, "the row ids change the replicates (they are not the counts of rows 0..m-1)");
    /* The point estimate does not depend on the keys: (1/5) sum w r over the rows
     * 2 (a 0, r 2), 5 (a 1, r 2), 6 (a 0, r 0), 9 (a 1, r 0), 11 (a 1, r 2):
     * (0.6 * 2 + 1.4 * 2 + 0 + 0 + 1.4 * 2) / 5 = 6.8 / 5 = 1.36. */
    if (r && r0) {
        is_double(r->pol[0].est[0].value, 1.36, 1e-12, "the segment's ipw by hand");
        ok(r->pol[0].est[0].value == r0->pol[0].est[0].value, "the same bits with or without ids");
    }
    res_eval_free(r);
    res_eval_free(r0);
    free(spec);
    blog_free(sub);
    blog_free(log);
    return done_testing();
}
