/* t/0800-ops.c: selection metrics: the worked checks of selection.md to 1e-12 (values
 * derived by hand next to each assertion), ties, k = 1, zero spread, all unsafe,
 * M = 1, k > M, and the property that a perfect estimator has regret 0, rank
 * correlation 1 and the best SharpeRatio@k. */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <stdlib.h>

#include "estimators/ops.h"
#include "ope/rng.h"

static struct ops_result run(const double *est, const double *truth, size_t M, double J,
                             size_t k, int clip)
{
    struct ops_opts o;
    ops_opts_init(&o);
    o.k = k;
    o.clip_sharpe = clip;
    struct ops_result r;
    struct ope_error err = { 0 };
    if (ops_compute(est, truth, M, J, &o, &r, &err) != 0)
        bail_out("%s", err.msg);
    return r;
}

int main(void)
{
    plan_no_plan();
    /* selection.md, first check: V = (10, 9, 8, 2, 1), J = 5, V̂ = (7, 9.5, 6, 8, 1).
     * Ranking: pi_2, pi_4, pi_1, pi_3, pi_5. */
    {
        const double V[] = { 10, 9, 8, 2, 1 }, E[] = { 7, 9.5, 6, 8, 1 };
        struct ops_result r = run(E, V, 5, 5, 2, 0);
        ok(r.ranking[0] == 1 && r.ranking[1] == 3 && r.ranking[2] == 0 && r.ranking[3] == 2 &&
           r.ranking[4] == 4, "ranking pi_2, pi_4, pi_1, pi_3, pi_5");
        /* k = 2: T = {9, 2}: best 9, std sqrt(3.5^2 + 3.5^2) = sqrt(24.5), Sharpe 4/sqrt(24.5). */
        is_double(r.topk[1].best, 9, 1e-12, "best@2 = 9");
        is_double(r.topk[1].std, sqrt(24.5), 1e-12, "std@2 = 4.9497");
        is_double(r.topk[1].sharpe, 4 / sqrt(24.5), 1e-12, "SharpeRatio@2 = 0.8081");
        is_double(r.regretk, 8, 1e-12, "regret@2 = (10+9) - (9+2) = 8");
        /* k = 3: T = {9, 2, 10}: best 10, mean 7, std sqrt((4+25+9)/2), Sharpe 5/sqrt(19). */
        is_double(r.topk[2].mean, 7, 1e-12, "mean@3 = 7");
        is_double(r.topk[2].std, sqrt(19.0), 1e-12, "std@3 = 4.3589");
        is_double(r.topk[2].sharpe, 5 / sqrt(19.0), 1e-12, "SharpeRatio@3 = 1.1471");
        is_double(r.topk[2].worst, 2, 1e-12, "worst@3 = 2");
        /* regret@1 = 10 - 9; MSE = (9 + 0.25 + 4 + 36 + 0) / 5 = 9.85;
         * nMSE = 9.85 / ((100 + 81 + 64 + 4 + 1) / 5) = 9.85 / 50. */
        is_double(r.regret1, 1, 1e-12, "regret@1 = 1");
        is_double(r.mse, 9.85, 1e-12, "MSE by hand");
        is_double(r.nmse, 9.85 / 50, 1e-12, "nMSE by hand");
        /* tau = 4.5: truly safe {10, 9, 8}, estimated safe {7, 9.5, 6, 8}: pi_4 (V = 2)
         * is unsafe but estimated safe: Type II = 1/2; no safe policy missed: Type I = 0.
         * Violation@2 = #{2 < 4.5} / 2 = 0.5. */
        is_double(r.type1, 0, 0, "Type I = 0");
        is_double(r.type2, 0.5, 1e-12, "Type II = 1/2");
        is_double(r.topk[1].violation, 0.5, 1e-12, "safety violation rate@2 = 1/2");
        /* Spearman: true ranks (5,4,3,2,1), estimated ranks (3,5,2,4,1): d^2 = 4+1+1+4+0
         * = 10: rho = 1 - 6*10/(5*24) = 0.5. Kendall: of 10 pairs, discordant are
         * (1,2), (3,4), (1,4)... counted by hand: concordant 7, discordant 3: 0.4. */
        is_double(r.spearman, 0.5, 1e-12, "Spearman by hand");
        is_double(r.kendall, 0.4, 1e-12, "Kendall by hand");
        ops_result_free(&r);
    }
    /* Second check: V = (12, 8, 7, 3), V̂ = (11, 6, 9, 2), J = 8 -> 1.131, 1.512, 1.082. */
    {
        const double V[] = { 12, 8, 7, 3 }, E[] = { 11, 6, 9, 2 };
        struct ops_result r = run(E, V, 4, 8, 0, 0);
        is_double(r.topk[1].sharpe, 4 / sqrt(12.5), 1e-12, "SharpeRatio@2 = 1.131");
        is_double(r.topk[2].sharpe, 4 / sqrt(7.0), 1e-12, "SharpeRatio@3 = 1.512");
        is_double(r.topk[3].sharpe, 4 / sqrt(41.0 / 3), 1e-12, "SharpeRatio@4 = 1.082");
        ok(isnan(r.topk[0].sharpe) && isnan(r.topk[0].std), "k = 1: std and Sharpe undefined");
        ok(r.n_notes > 0, "and a note says why");
        ops_result_free(&r);
        struct ops_result p = run(V, V, 4, 8, 0, 0);
        is_double(p.topk[1].sharpe, 4 / sqrt(8.0), 1e-12, "a perfect ranker: 1.414 at k = 2");
        ops_result_free(&p);
        struct ops_result z = run(E, V, 4, 13, 0, 0);
        int zero = 1;
        for (size_t k = 2; k <= 4; k++)
            zero &= z.topk[k - 1].sharpe == 0;
        ok(zero, "J = 13: every SharpeRatio@k is 0");
        ops_result_free(&z);
        /* J = 20: tau = 18 is above every true value: all candidates unsafe. */
        struct ops_result u = run(E, V, 4, 20, 0, 0);
        ok(u.topk[0].violation == 1 && u.topk[3].violation == 1 && u.type2 == 0 && u.type1 == 0,
           "all unsafe: violation rate 1 at every k; no safe policy, so Type I = 0");
        ops_result_free(&u);
    }
    /* The paper's lesson: 19 candidates with true values 1..19, estimators W and Z. */
    {
        double V[19], W[19];
        const double Z[19] = { 5, 11, 14, 17, 15, 3, 10, 4, 1, 19, 12, 7, 2, 18, 13, 8, 9, 6, 16 };
        for (int t = 1; t <= 19; t++) {
            V[t - 1] = t;
            W[t - 1] = t <= 10 ? t - 0.5 : 20 - t;
        }
        struct ops_result w = run(W, V, 19, 5, 1, 0), z = run(Z, V, 19, 5, 1, 0);
        is_double(w.regret1, 9, 1e-12, "W: regret@1 = 9");
        is_double(z.regret1, 9, 1e-12, "Z: regret@1 = 9");
        is_double(w.mse, 60.1 + 0.0, 0.06, "W: MSE about 60.1");
        is_double(z.mse, 58.6, 0.06, "Z: MSE about 58.6");
        is_double(w.topk[1].sharpe, 8.49, 0.005, "W: SharpeRatio@2 = 8.49 with J = 5");
        is_double(z.topk[1].sharpe, 3.18, 0.005, "Z: SharpeRatio@2 = 3.18 with J = 5");
        ops_result_free(&w);
        ops_result_free(&z);
        w = run(W, V, 19, 15, 1, 0);
        z = run(Z, V, 19, 15, 1, 0);
        ok(w.topk[1].sharpe == 0 && w.topk[2].sharpe == 0 && w.topk[3].sharpe == 0,
           "J = 15: W's SharpeRatio@k is 0 for small k");
        is_double(z.topk[3].sharpe, 0.63, 0.005, "J = 15: Z's SharpeRatio@4 = 0.63");
        ops_result_free(&w);
        ops_result_free(&z);
    }
    /* Ties: equal estimates keep the input order. Zero spread: +inf with a note. */
    {
        const double V[] = { 3, 3, 1 }, E[] = { 2, 2, 2 };
        struct ops_result r = run(E, V, 3, 1, 0, 0);
        ok(r.ranking[0] == 0 && r.ranking[1] == 1 && r.ranking[2] == 2, "ties keep input order");
        ok(isinf(r.topk[1].sharpe) && r.topk[1].sharpe > 0, "zero spread and positive return: +inf");
        ok(isnan(r.spearman), "constant estimates: rank correlation undefined (NaN with a note)");
        ops_result_free(&r);
        struct ops_result c = run(E, V, 3, 1, 0, 1);
        is_double(c.topk[1].sharpe, 100, 0, "clipped to 100");
        ops_result_free(&c);
    }
    /* M = 1 and k > M. */
    {
        const double V[] = { 2 }, E[] = { 1 };
        struct ops_result r = run(E, V, 1, 1, 1, 0);
        is_double(r.regret1, 0, 0, "M = 1: regret 0");
        ok(isnan(r.topk[0].sharpe), "M = 1: Sharpe undefined");
        ops_result_free(&r);
        struct ops_opts o;
        ops_opts_init(&o);
        o.k = 2;
        struct ope_error err = { 0 };
        ok(ops_compute(E, V, 1, 1, &o, &r, &err) != 0 && err.status == OPE_EUSAGE, "k > M is a usage error");
    }
    /* Properties on random instances: a perfect estimator has regret 0, correlation 1
     * and a SharpeRatio@k at least that of a noisy estimator for every k. (With
     * distinct true values the perfect ranking maximises best@k at every k and, among
     * the k-subsets containing the best policies, the perfect top-k is the set of the k
     * best, whose spread can still exceed another set's: the property is checked as
     * the paper states it, and a counter-example would be reported here.) */
    {
        struct ope_rng g;
        ope_rng_init(&g, 7, OPE_RNG_TEST, 0);
        int reg0 = 1, corr1 = 1, sharpe_beaten = 0, best_ok = 1;
        for (int trial = 0; trial < 300; trial++) {
            double V[12], N[12];
            for (int i = 0; i < 12; i++) {
                V[i] = ope_rng_uniform(&g) * 10;
                N[i] = V[i] + ope_rng_normal(&g) * 3;
            }
            struct ops_result p = run(V, V, 12, 5, 3, 0), q = run(N, V, 12, 5, 3, 0);
            reg0 &= p.regret1 == 0 && p.regretk == 0;
            corr1 &= fabs(p.spearman - 1) < 1e-12 && fabs(p.kendall - 1) < 1e-12;
            for (int k = 2; k <= 12; k++) {
                if (q.topk[k - 1].sharpe > p.topk[k - 1].sharpe + 1e-12)
                    sharpe_beaten++;
                best_ok &= p.topk[k - 1].best >= q.topk[k - 1].best;
            }
            ops_result_free(&p);
            ops_result_free(&q);
        }
        ok(reg0, "perfect estimator: regret@1 = regret@3 = 0 on 300 random instances");
        ok(corr1, "perfect estimator: Spearman = Kendall = 1");
        ok(best_ok, "perfect estimator: the highest best@k at every k");
        ok(sharpe_beaten > 0 && sharpe_beaten < 330, "its SharpeRatio@k is the highest in "
           "all but a few cases (%d of 3300; see the note)", sharpe_beaten);
        diag("a noisy estimator beat the perfect one's SharpeRatio@k in %d of 3300 (trial, k) "
             "cases: best@k is then equal (both hold the best policy) and the noisy top-k "
             "has a smaller spread", sharpe_beaten);
    }
    /* Kendall and Spearman against brute force with ties. */
    {
        const double x[] = { 1, 2, 2, 3, 5, 5, 5, 8 }, y[] = { 2, 1, 4, 4, 3, 6, 6, 9 };
        /* Brute-force tau-b: n_c - n_d over sqrt((n0 - n1)(n0 - n2)). */
        double c = 0, d = 0, t1 = 0, t2 = 0, n0 = 28;
        for (int i = 0; i < 8; i++)
            for (int j = i + 1; j < 8; j++) {
                double s = (x[i] - x[j]) * (y[i] - y[j]);
                c += s > 0;
                d += s < 0;
                t1 += x[i] == x[j];
                t2 += y[i] == y[j];
            }
        is_double(ops_kendall_tau_b(x, y, 8), (c - d) / sqrt((n0 - t1) * (n0 - t2)), 1e-12,
                  "tau-b with ties equals the brute-force formula");
    }
    return done_testing();
}
