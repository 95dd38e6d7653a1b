/* t/0334-softmax.c: the one softmax (ope/base/softmax.c): values by hand, the
 * temperature, scores far beyond exp's range (the max is subtracted first), a single
 * entry, in-place use, and the documented NaN for an infinite maximum. */
#include "config.h"
#include "t/tap.h"
#include "ope/base/softmax.h"

#include <math.h>

int main(void)
{
    plan(14);
    double p[3], x[3];

    /* exp(0) : exp(ln 2) : exp(ln 3) = 1 : 2 : 3, so p = (1, 2, 3) / 6. */
    x[0] = 0.0, x[1] = log(2.0), x[2] = log(3.0);
    ope_softmax(3, x, 1.0, p);
    is_double(p[0], 1.0 / 6.0, 1e-15, "softmax(0, ln 2, ln 3)[0] = 1/6");
    is_double(p[1], 2.0 / 6.0, 1e-15, "softmax(0, ln 2, ln 3)[1] = 2/6");
    is_double(p[2], 3.0 / 6.0, 1e-15, "softmax(0, ln 2, ln 3)[2] = 3/6");

    /* Temperature 2 on (0, 2 ln 4): exp(0) : exp(ln 4) = 1 : 4, so (1/5, 4/5). */
    x[0] = 0.0, x[1] = 2.0 * log(4.0);
    ope_softmax(2, x, 2.0, p);
    is_double(p[0], 0.2, 1e-15, "temperature 2: softmax((0, 2 ln 4) / 2) = (1/5, 4/5)");
    /* Temperature 0.5 on (0, ln 2 / 2): the same as temperature 1 on (0, ln 2). */
    x[1] = 0.5 * log(2.0);
    ope_softmax(2, x, 0.5, p);
    is_double(p[1], 2.0 / 3.0, 1e-15, "temperature 1/2: softmax(2 (0, ln 2 / 2)) = (1/3, 2/3)");

    /* (1000, 1001): exp(1001) overflows a double, but only the difference matters:
     * p = (1, e) / (1 + e). */
    x[0] = 1000.0, x[1] = 1001.0;
    ope_softmax(2, x, 1.0, p);
    double e = exp(1.0);
    ok(isfinite(p[0]) && isfinite(p[1]), "scores near 1000 stay finite");
    is_double(p[1], e / (1.0 + e), 1e-15, "softmax(1000, 1001)[1] = e / (1 + e)");
    /* (-1000, -1001): every exp underflows to 0 unless shifted; p = (e, 1) / (1 + e). */
    x[0] = -1000.0, x[1] = -1001.0;
    ope_softmax(2, x, 1.0, p);
    is_double(p[0], e / (1.0 + e), 1e-15, "softmax(-1000, -1001)[0] = e / (1 + e), not 0/0");
    /* The largest doubles: equal scores split evenly, a gap of 1e308 is one-hot. */
    x[0] = 1e308, x[1] = 1e308, x[2] = -1e308;
    ope_softmax(3, x, 1.0, p);
    ok(p[0] == 0.5 && p[1] == 0.5 && p[2] == 0.0, "(1e308, 1e308, -1e308) -> (1/2, 1/2, 0)");
    /* A tiny temperature is a sharp softmax, not an overflow: (0, 1) / 1e-300. */
    x[0] = 0.0, x[1] = 1.0;
    ope_softmax(2, x, 1e-300, p);
    ok(p[0] == 0.0 && p[1] == 1.0, "temperature 1e-300 on (0, 1) is one-hot");

    /* One entry: probability 1 whatever the score. */
    x[0] = 1e300;
    ope_softmax(1, x, 1.0, p);
    ok(p[0] == 1.0, "one entry: probability 1");

    /* In place (p == x) gives the same numbers as into another array. */
    double y[3] = { 0.5, -2.0, 3.25 }, q[3];
    ope_softmax(3, y, 0.75, q);
    ope_softmax(3, y, 0.75, y);
    ok(y[0] == q[0] && y[1] == q[1] && y[2] == q[2], "in place = into another array, bit for bit");
    is_double(q[0] + q[1] + q[2], 1.0, 1e-15, "the probabilities sum to 1");

    /* The header's contract: an infinite maximum is NaN (callers handle it first). */
    x[0] = INFINITY, x[1] = 0.0;
    ope_softmax(2, x, 1.0, p);
    ok(isnan(p[0]), "an infinite score gives NaN, as documented");
    return done_testing();
}
