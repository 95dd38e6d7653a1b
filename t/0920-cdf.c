/* t/0920-cdf.c: return-distribution OPE on returns and weights chosen by hand, and the
 * pitfall of discounting from gamma^1. */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <string.h>

#include "estimators/cdf.h"

int main(void)
{
    plan_no_plan();
    struct cdf_result r;
    struct ope_error err = { 0 };
    /* G = (1, 2, 3), rho = (1, 1, 2), n = 3.
     * tis: F(1) = 1/3, F(2) = 2/3, F(3) = 4/3 -> clipped to 1: masses 1/3 each:
     *   mean 2, variance ((1)^2 + 0 + 1^2) / 3 = 2/3, CVaR_0.5 = (1/3 * 1 + 1/6 * 2)
     *   / 0.5 = 4/3, Q(0.25) = 1, Q(0.75) = 3: IQR 2. */
    const double G[] = { 3, 1, 2 }, rho[] = { 2, 1, 1 };
    ok(cdf_from_returns(G, rho, 3, CDF_TIS, 0.5, &r, &err) == 0, "tis cdf");
    is_double(r.F[0], 1.0 / 3, 1e-12, "F(1) = 1/3");
    is_double(r.F[1], 2.0 / 3, 1e-12, "F(2) = 2/3");
    is_double(r.F[2], 1.0, 0, "F(3) clipped to 1");
    is_double(r.mean, 2, 1e-12, "mean 2");
    is_double(r.var, 2.0 / 3, 1e-12, "variance 2/3");
    is_double(r.cvar, 4.0 / 3, 1e-12, "CVaR_0.5 = 4/3");
    is_double(r.iqr, 2, 1e-12, "IQR 2");
    cdf_result_release(&r);
    /* sn: sum rho = 4: F(1) = 1/4, F(2) = 1/2, F(3) = 1: mean 1/4 + 2/4 + 6/4 = 2.25;
     * CVaR_0.5 = (1/4 * 1 + 1/4 * 2) / 0.5 = 1.5; variance = 1/4 (1.25)^2 + 1/4 (0.25)^2
     * + 1/2 (0.75)^2 = 0.6875. */
    ok(cdf_from_returns(G, rho, 3, CDF_SN, 0.5, &r, &err) == 0, "self-normalised cdf");
    is_double(r.mean, 2.25, 1e-12, "sn mean 2.25");
    is_double(r.var, 0.6875, 1e-12, "sn variance 0.6875");
    is_double(r.cvar, 1.5, 1e-12, "sn CVaR_0.5 = 1.5");
    cdf_result_release(&r);
    /* Ties merge into one step; a mass short of 1 goes to the largest return and is
     * reported: G = (1, 1, 5), rho = (1, 0.8, 0.95): tis F(1) = 1.8/3 = 0.6, F(5) =
     * 2.75/3 forced to 1, short_mass 1 - 2.75/3 = 1/12, mean 0.6 + 0.4 * 5 = 2.6. The
     * weights' mean 11/12 is within 0.1 of 1, so the distribution is given. */
    const double G2[] = { 1, 1, 5 }, r2[] = { 1, 0.8, 0.95 };
    ok(cdf_from_returns(G2, r2, 3, CDF_TIS, 0.1, &r, &err) == 0 && r.n == 2, "ties merge");
    is_double(r.mean, 2.6, 1e-12, "missing mass at the largest return");
    is_double(r.short_mass, 1.0 / 12, 1e-12, "and reported as short_mass 1/12");
    cdf_result_release(&r);
    /* rho = (0.5, 0.5, 0): mean 1/3, standard error 1/6, so |1 - 1/3| > 0.1 and > 3 se:
     * two thirds of the probability would be made up at the largest return (the old
     * answer was mean 1/3 + 5 * 2/3 = 3.67), so the TIS distribution is refused. An
     * all-zero weight vector (mean 0, se 0) is refused the same way. */
    ok(cdf_from_returns(G2, (const double[]){ 0.5, 0.5, 0 }, 3, CDF_TIS, 0.1, &r, &err) != 0 &&
       err.status == OPE_EDATA && strstr(err.msg, "far from 1"),
       "tis with the weights' mean far from 1: refused with the reason");
    ok(cdf_from_returns(G2, (const double[]){ 0, 0, 0 }, 3, CDF_TIS, 0.1, &r, &err) != 0,
       "all weights 0: TIS CDF refused (was all mass at the largest return)");
    ok(cdf_from_returns(G2, (const double[]){ 0, 0, 0 }, 3, CDF_SN, 0.1, &r, &err) != 0,
       "all weights 0: self-normalised CDF undefined (an error, not NaN)");
    /* From a trajectory log: two episodes, gamma 0.5, pi_e = pi_b (weights 1).
     * Episode 0 rewards (1, 1): G = 1 + 0.5 = 1.5 (discounting from gamma^0; from
     * gamma^1 it would be 0.75); episode 1 reward (2): G = 2. */
    {
        int len[] = { 2, 1 };
        struct tlog *t = tlog_new(2, len, 2, 2, 1, &err);
        double rw[] = { 1, 1, 2 };
        t->policy[0].name = strdup("same");
        for (int j = 0; j < 3; j++) {
            t->state[j] = 0;
            t->action[j] = 0;
            t->reward[j] = rw[j];
            t->pscore[j] = 0.5;
            t->policy[0].prob[0][j] = 0.5;
            t->policy[0].prob[1][j] = 0.5;
        }
        ok(cdf_traj(t, 0, 0.5, CDF_TIS, 0.5, &r, &err) == 0, "cdf of a trajectory log");
        is_double(r.y[0], 1.5, 1e-12, "the return discounts from gamma^0 (1.5, not 0.75)");
        is_double(r.mean, 1.75, 1e-12, "mean return 1.75");
        cdf_result_release(&r);
        tlog_free(t);
    }
    /* On-policy data (every weight 1): the TIS CDF is the empirical CDF exactly. */
    {
        const double G3[] = { 0.5, 2, 2, -1, 7 }, one[] = { 1, 1, 1, 1, 1 };
        ok(cdf_from_returns(G3, one, 5, CDF_TIS, 0.2, &r, &err) == 0 && r.n == 4, "on-policy cdf");
        const double ys[] = { -1, 0.5, 2, 7 }, Fs[] = { 0.2, 0.4, 0.8, 1.0 };
        int same = 1;
        for (size_t j = 0; j < 4; j++)
            same &= r.y[j] == ys[j] && fabs(r.F[j] - Fs[j]) < 1e-15;
        ok(same, "on-policy data reproduce the empirical CDF");
        is_double(r.cvar, -1, 1e-12, "CVaR_0.2 is the lowest return");
        cdf_result_release(&r);
    }
    return done_testing();
}
