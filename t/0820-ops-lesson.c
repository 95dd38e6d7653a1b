/* t/0820-ops-lesson.c: the pair finder behind `ope select --demo` on hand-made
 * summaries: "alike" = replicate means within one standard error of their difference,
 * "differs" = SharpeRatio@k means more than z_min standard errors apart. */
#include "config.h"
#include <math.h>
#include <string.h>
#include "estimators/ops_lesson.h"
#include "t/tap.h"

#define NPOL 3

static struct ops_topk_stat topk[4][NPOL];
static struct ops_summary sum[4];

static struct ops_stat st(double mean, double sd, size_t n)
{
    struct ops_stat s = { mean, sd, n };
    return s;
}

/* Estimator e: regret@k, Spearman and SharpeRatio@2, @3 (mean, sd) over n replicates. */
static void set(int e, double regret, double rho, double sh2, double sh3, double sd, size_t n)
{
    memset(&sum[e], 0, sizeof sum[e]);
    sum[e].R = n;
    sum[e].M = NPOL;
    sum[e].k = 2;
    sum[e].regretk = st(regret, 0.2, n);
    sum[e].spearman = st(rho, 0.1, n);
    sum[e].topk = topk[e];
    memset(topk[e], 0, sizeof topk[e]);
    topk[e][0].sharpe = st(NAN, NAN, 0);
    topk[e][1].sharpe = st(sh2, sd, n);
    topk[e][2].sharpe = st(sh3, sd, n);
}

int main(void)
{
    plan(17);
    struct ops_lesson L;

    /* Equal regret@k; SharpeRatio@2 3.0 vs 2.0 with sd 0.5 over 20 replicates:
     * se = sqrt(0.25/20 + 0.25/20) = 0.158114, z = 1/0.158114 = 6.324555. At k = 3
     * the means are 3.0 vs 2.8: z = 1.26, below 3. */
    set(0, 0.5, 0.9, 3.0, 3.0, 0.5, 20);
    set(1, 0.5, 0.5, 2.0, 2.8, 0.5, 20);
    ops_find_lesson(sum, 2, 10, 3.0, &L);
    ok(L.found, "equal regret, Sharpe 6.3 se apart: found");
    is_int((long long)L.a, 0, "the higher Sharpe first");
    is_int((long long)L.b, 1, "then the lower");
    is_int(L.alike, OPS_ALIKE_REGRET, "alike on regret@k");
    is_int((long long)L.k, 2, "at k = 2");
    is_double(L.z, 1.0 / sqrt(0.025), 1e-12, "z = 1 / sqrt(0.25/20 * 2)");

    /* The same pair listed the other way round: still the higher Sharpe as a. */
    set(0, 0.5, 0.9, 2.0, 2.8, 0.5, 20);
    set(1, 0.5, 0.5, 3.0, 3.0, 0.5, 20);
    ops_find_lesson(sum, 2, 10, 3.0, &L);
    ok(L.found && L.a == 1 && L.b == 0, "order follows Sharpe, not input order");

    /* A small Sharpe difference (0.1: z = 0.63) is not a lesson. */
    set(0, 0.5, 0.9, 3.0, 3.0, 0.5, 20);
    set(1, 0.5, 0.9, 2.9, 2.9, 0.5, 20);
    ops_find_lesson(sum, 2, 10, 3.0, &L);
    ok(!L.found, "z = 0.63: no lesson");

    /* Regret@k 0.5 vs 1.5 (se of the difference 0.063: not alike), Spearman 0.80 vs
     * 0.81 (se 0.032: alike). */
    set(0, 0.5, 0.80, 3.0, 3.0, 0.5, 20);
    set(1, 1.5, 0.81, 2.0, 2.0, 0.5, 20);
    ops_find_lesson(sum, 2, 10, 3.0, &L);
    ok(L.found && L.alike == OPS_ALIKE_SPEARMAN, "alike on Spearman when regret differs");

    /* Neither metric alike: no lesson, whatever Sharpe does. */
    set(0, 0.5, 0.5, 3.0, 3.0, 0.5, 20);
    set(1, 1.5, 0.9, 2.0, 2.0, 0.5, 20);
    ops_find_lesson(sum, 2, 10, 3.0, &L);
    ok(!L.found, "nothing alike: no lesson");

    /* Three estimators: pair (0,1) alike on Spearman with z = 12.6; pair (0,2) alike on
     * regret with z = 6.3. Regret, the metric the paper contrasts first, is preferred. */
    set(0, 0.5, 0.80, 4.0, 4.0, 0.5, 20);
    set(1, 1.5, 0.80, 2.0, 2.0, 0.5, 20);
    set(2, 0.5, 0.20, 3.0, 3.0, 0.5, 20);
    ops_find_lesson(sum, 3, 10, 3.0, &L);
    ok(L.found && L.alike == OPS_ALIKE_REGRET, "regret-alike pair preferred");
    ok(L.a == 0 && L.b == 2, "the pair (0, 2)");
    is_double(L.z, 1.0 / sqrt(0.025), 1e-12, "its z");

    /* kmax = 1 leaves no k >= 2 to compare. */
    ops_find_lesson(sum, 3, 1, 3.0, &L);
    ok(!L.found, "kmax 1: nothing to compare");

    /* One replicate: no standard errors, so nothing can be called alike or different
     * (unless means are exactly equal, and then Sharpe has no se either). */
    set(0, 0.5, 0.9, 3.0, 3.0, NAN, 1);
    set(1, 0.5, 0.9, 2.0, 2.0, NAN, 1);
    ops_find_lesson(sum, 2, 10, 3.0, &L);
    ok(!L.found, "R = 1: no lesson");

    /* Zero spread in both Sharpe columns: se 0 is not a measurable difference. */
    set(0, 0.5, 0.9, 3.0, 3.0, 0.0, 20);
    set(1, 0.5, 0.9, 2.0, 2.0, 0.0, 20);
    ops_find_lesson(sum, 2, 10, 3.0, &L);
    ok(!L.found, "zero spread: no z");

    /* A single estimator: no pair. */
    ops_find_lesson(sum, 1, 10, 3.0, &L);
    ok(!L.found, "one estimator: no pair");
    return done_testing();
}
