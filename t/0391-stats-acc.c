/* t/0391-stats-acc.c: the contributions' statistics fed in pieces (ci_stats_acc,
 * estimators/ci.h) are ci_stats_of's of the whole vector.
 *
 * Derivation: the mean is one compensated sum over the values in order, whatever the
 * pieces, so its bits are ci_stats_of's; min and max are exact. The sd merges each
 * piece's M2 by Chan et al.'s update, an identity in exact arithmetic
 * (sum (c - mean)^2 = sum_pieces [M2_k + n_k (mean_k - mean)^2]), so it agrees to
 * rounding. By hand: pieces {1, 2} and {3, 4, 5}: M2 = 0.5 + 2 + (4 - 1.5)^2 2 3 / 5
 * = 2.5 + 7.5 = 10 = sum (i - 3)^2, sd = sqrt(10 / 4). */
#include "config.h"

#include <math.h>
#include <string.h>

#include "estimators/ci.h"
#include "ope/base/rng.h"
#include "ope/base/statefile.h"
#include "ope/base/strbuf.h"
#include "t/tap.h"

int main(void)
{
    plan_no_plan();
    struct ci_stats_acc a;
    struct ci_stats st;
    const double small[] = { 1, 2, 3, 4, 5 };
    ci_stats_acc_init(&a);
    ci_stats_acc_add(&a, small, 2);
    ci_stats_acc_add(&a, small + 2, 3);
    ci_stats_acc_result(&a, &st);
    is_double(st.mean, 3.0, 0, "1..5 in pieces {1,2} {3,4,5}: mean 3");
    is_double(st.sd, sqrt(2.5), 1e-15, "sd sqrt(10 / 4)");
    is_double(st.min, 1, 0, "min 1");
    is_double(st.max, 5, 0, "max 5");
    is_int((long long)st.n, 5, "n 5");

    enum { N = 30000 };
    static double c[N];
    struct ope_rng g;
    ope_rng_init(&g, 3, OPE_RNG_TEST, 391);
    /* Heavy-tailed, offset values: where a one-pass sum of squares would lose digits. */
    for (size_t i = 0; i < N; i++)
        c[i] = 1e6 + ope_rng_normal(&g) * (i % 97 == 0 ? 500.0 : 1.0);
    struct ci_stats whole;
    ci_stats_of(c, N, &whole);
    const size_t pieces[] = { 1, 4096, 5000, 8192, N };
    for (size_t k = 0; k < sizeof pieces / sizeof *pieces; k++) {
        ci_stats_acc_init(&a);
        for (size_t lo = 0; lo < N; lo += pieces[k])
            ci_stats_acc_add(&a, c + lo, N - lo < pieces[k] ? N - lo : pieces[k]);
        ci_stats_acc_add(&a, c, 0);     /* an empty piece changes nothing */
        ci_stats_acc_result(&a, &st);
        ok(memcmp(&st.mean, &whole.mean, sizeof st.mean) == 0,
           "pieces of %zu: the mean's bits are ci_stats_of's", pieces[k]);
        ok(st.min == whole.min && st.max == whole.max && st.n == whole.n,
           "pieces of %zu: n, min and max exact", pieces[k]);
        is_double_rel(st.sd, whole.sd, 1e-13, "pieces of %zu: sd to rounding", pieces[k]);
    }
    ci_stats_acc_init(&a);
    ci_stats_acc_add(&a, small, 1);
    ci_stats_acc_result(&a, &st);
    ok(isnan(st.sd) && st.mean == 1, "one value: mean 1, no sd (as ci_stats_of)");

    /* Its bytes for another process (ci_stats_acc_put: n, s (s, c), min, max, m2, 8
     * bytes each) read back whole; an M2 below 0 refused. */
    ci_stats_acc_init(&a);
    ci_stats_acc_add(&a, small, 5);
    struct strbuf sb = STRBUF_INIT;
    ci_stats_acc_put(&sb, &a);
    struct sf_state sst;
    sf_cursor(&sst, sb.buf, sb.len, "test", "test");
    struct ci_stats_acc b;
    ci_stats_acc_get(&sst, &b);
    ok(!sst.bad && sst.off == sst.n && memcmp(&a, &b, sizeof a) == 0, "read back whole");
    double neg = -1.0;
    memcpy(sb.buf + 40, &neg, sizeof neg);
    sf_cursor(&sst, sb.buf, sb.len, "test", "test");
    ci_stats_acc_get(&sst, &b);
    ok(sst.bad, "an M2 below 0: refused");
    strbuf_release(&sb);
    return done_testing();
}
