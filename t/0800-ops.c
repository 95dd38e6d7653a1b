/* t/0800-ops.c: selection metrics: the worked checks of selection.md to 1e-12 (values
 * derived by hand next to each assertion), ties, k = 1, zero spread, all unsafe,
 * M = 1, k > M, NaN estimates, summaries over replicates; a perfect estimator has
 * regret 0, rank correlation 1 and dominates best/worst/mean@k, but NOT always the
 * highest SharpeRatio@k (two counter-examples); Spearman/Kendall vs brute force. */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_statistics_double.h>

#include "estimators/ops.h"
#include "estimators/result.h"
#include "ope/base/rng.h"

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
    /* ops_score_eval on an evaluation of the worked example's 5 policies by two
     * estimators equals ops_compute on each estimator's column. */
    {
        const double V[] = { 10, 9, 8, 2, 1 }, E0[] = { 7, 9.5, 6, 8, 1 }, E1[] = { 10, 9, 8, 2, 1 };
        struct res_eval *ev = res_eval_new(5, 2);
        for (size_t p = 0; ev && p < 5; p++) {
            ev->pol[p].est[0].value = E0[p];
            ev->pol[p].est[1].value = E1[p];
        }
        struct ops_opts o;
        ops_opts_init(&o);
        struct ops_result out[2], a = run(E0, V, 5, 5, 2, 0);
        struct ope_error err = { 0 };
        ok(ev && ops_score_eval(ev, V, 5, &o, out, &err) == 0, "ops_score_eval runs");
        is_double(out[0].topk[1].sharpe, a.topk[1].sharpe, 0, "estimator 0: the same SharpeRatio@2");
        is_double(out[0].spearman, a.spearman, 0, "estimator 0: the same Spearman");
        is_double(out[1].regret1, 0, 0, "estimator 1 (V-hat = V): regret 0");
        ops_result_release(&a);
        ops_result_release(&out[0]);
        ops_result_release(&out[1]);
        res_eval_free(ev);
    }
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
        ops_result_release(&r);
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
        ops_result_release(&r);
        struct ops_result p = run(V, V, 4, 8, 0, 0);
        is_double(p.topk[1].sharpe, 4 / sqrt(8.0), 1e-12, "a perfect ranker: 1.414 at k = 2");
        ops_result_release(&p);
        struct ops_result z = run(E, V, 4, 13, 0, 0);
        int zero = 1;
        for (size_t k = 2; k <= 4; k++)
            zero &= z.topk[k - 1].sharpe == 0;
        ok(zero, "J = 13: every SharpeRatio@k is 0");
        ops_result_release(&z);
        /* J = 20: tau = 18 is above every true value: all candidates unsafe. */
        struct ops_result u = run(E, V, 4, 20, 0, 0);
        ok(u.topk[0].violation == 1 && u.topk[3].violation == 1 && u.type2 == 0 && u.type1 == 0,
           "all unsafe: violation rate 1 at every k; no safe policy, so Type I = 0");
        ops_result_release(&u);
    }
    /* The paper's lesson (selection.md): 19 candidates with true values 1..19. W
     * estimates t - 0.5 up to t = 10 and 20 - t above; Z is a fixed permutation. */
    {
        double V[19], W[19];
        const double Z[19] = { 5, 11, 14, 17, 15, 3, 10, 4, 1, 19, 12, 7, 2, 18, 13, 8, 9, 6, 16 };
        for (int t = 1; t <= 19; t++) {
            V[t - 1] = t;
            W[t - 1] = t <= 10 ? t - 0.5 : 20 - t;
        }
        struct ops_result w = run(W, V, 19, 5, 1, 0), z = run(Z, V, 19, 5, 1, 0);
        /* Both put the true 10 first (W: 9.5, Z: 19): regret@1 = 19 - 10 = 9. */
        is_double(w.regret1, 9, 1e-12, "W: regret@1 = 9");
        is_double(z.regret1, 9, 1e-12, "Z: regret@1 = 9");
        /* W: sum (V - W)^2 = 10 * 0.25 + sum_{t=11..19} (2t - 20)^2 = 2.5 + 1140 = 1142.5;
         * Z: sum (t - Z_t)^2 = 1114 (by hand from the list); MSE = sum / 19. */
        is_double(w.mse, 1142.5 / 19, 1e-12, "W: MSE = 60.13 (the paper's 60.1)");
        is_double(z.mse, 1114.0 / 19, 1e-12, "Z: MSE = 58.63 (the paper's 58.6)");
        /* RankCorr is Spearman: rho = 1 - 6 D / (n (n^2 - 1)), n (n^2 - 1) = 6840. W's
         * estimates (0.5..9.5 and 9..1) are distinct, W's ranks are (1, 3, ..., 19, 18,
         * 16, ..., 2): D = sum (t - rank_t)^2 = 1050. Z is a permutation of 1..19, so D =
         * sum (t - Z_t)^2 = 1114. */
        is_double(w.spearman, 1 - 6 * 1050.0 / 6840, 1e-12, "W: Spearman 0.079 (the paper's RankCorr)");
        is_double(z.spearman, 1 - 6 * 1114.0 / 6840, 1e-12, "Z: Spearman 0.023 (the paper's RankCorr)");
        /* W's top 2 are t = 10 (9.5) and t = 11 (9): best 11, std |11 - 10| / sqrt 2:
         * (11 - 5) / sqrt(0.5) = 8.485. Z's top 2 are t = 10 (19) and t = 14 (18): best 14,
         * std 4 / sqrt 2: 9 / sqrt 8 = 3.182. */
        is_double(w.topk[1].sharpe, 6 / sqrt(0.5), 1e-12, "W: SharpeRatio@2 = 8.49 with J = 5");
        is_double(z.topk[1].sharpe, 9 / sqrt(8.0), 1e-12, "Z: SharpeRatio@2 = 3.18 with J = 5");
        ops_result_release(&w);
        ops_result_release(&z);
        w = run(W, V, 19, 15, 1, 0);
        z = run(Z, V, 19, 15, 1, 0);
        /* W's top k for k <= 8 are t = 10, 11, 9, 12, 8, 13, 7, 14: best <= 14 < 15. */
        int wzero = 1;
        for (int k = 2; k <= 8; k++)
            wzero &= w.topk[k - 1].sharpe == 0;
        ok(wzero, "J = 15: W's SharpeRatio@k is 0 for k = 2..8 (best@k <= 14)");
        ok(z.topk[1].sharpe == 0 && z.topk[2].sharpe == 0, "J = 15: Z's is 0 at k = 2, 3");
        /* Z's top 4: t = 10, 14, 4, 19: best 19, mean 11.75, sum of squares 120.75:
         * std sqrt(40.25): 4 / sqrt(40.25) = 0.6305. */
        is_double(z.topk[3].sharpe, 4 / sqrt(40.25), 1e-12, "J = 15: Z's SharpeRatio@4 = 0.63");
        ops_result_release(&w);
        ops_result_release(&z);
    }
    /* Ties: equal estimates keep the input order. Zero spread: +inf with a note. */
    {
        const double V[] = { 3, 3, 1 }, E[] = { 2, 2, 2 };
        struct ops_result r = run(E, V, 3, 1, 0, 0);
        ok(r.ranking[0] == 0 && r.ranking[1] == 1 && r.ranking[2] == 2, "ties keep input order");
        ok(isinf(r.topk[1].sharpe) && r.topk[1].sharpe > 0, "zero spread and positive return: +inf");
        ok(isnan(r.spearman), "constant estimates: rank correlation undefined (NaN with a note)");
        ops_result_release(&r);
        struct ops_result c = run(E, V, 3, 1, 0, 1);
        is_double(c.topk[1].sharpe, 100, 0, "clipped to 100");
        ops_result_release(&c);
    }
    /* M = 1 and k > M. */
    {
        const double V[] = { 2 }, E[] = { 1 };
        struct ops_result r = run(E, V, 1, 1, 1, 0);
        is_double(r.regret1, 0, 0, "M = 1: regret 0");
        ok(isnan(r.topk[0].sharpe), "M = 1: Sharpe undefined");
        ok(isnan(r.spearman) && isnan(r.kendall), "M = 1: rank correlation undefined");
        int said = 0;
        for (size_t i = 0; i < r.n_notes; i++)
            said |= strstr(r.notes[i], "single candidate") != NULL;
        ok(said, "M = 1: a note says a single candidate has no rank correlation");
        ops_result_release(&r);
        struct ops_opts o;
        ops_opts_init(&o);
        o.k = 2;
        struct ope_error err = { 0 };
        ok(ops_compute(E, V, 1, 1, &o, &r, &err) != 0 && err.status == OPE_EUSAGE, "k > M is a usage error");
    }
    /* SharpeRatio@k is NOT maximised by a perfect estimator in general, so the issue's
     * property "the highest SharpeRatio@k for every k" cannot be a test. Two
     * counter-examples under selection.md's definition (and the paper's):
     * (a) k = 4, V = (10, 9.99, 0, 0, 0), J = 5. Perfect top 4: {10, 9.99, 0, 0}, mean
     *     4.9975, std sqrt((5.0025^2 + 4.9925^2 + 2 * 4.9975^2) / 3) = 5.771, Sharpe
     *     5 / 5.771 = 0.866. An estimator that ranks 9.99 last has top 4 {10, 0, 0, 0}:
     *     same best, std sqrt((7.5^2 + 3 * 2.5^2) / 3) = 5, Sharpe 1: a good policy in
     *     the portfolio raised the spread.
     * (b) k = 2, V = (10, 1, 5, 4.99), J = 0. Perfect top 2 {10, 5}: 10 / (5 / sqrt 2) =
     *     2.83. An estimator that misses the best policy altogether, top 2 {5, 4.99}:
     *     5 / (0.01 / sqrt 2) = 707. */
    {
        const double V[] = { 10, 9.99, 0, 0, 0 }, E[] = { 5, -1, 4, 3, 2 };
        struct ops_result p = run(V, V, 5, 5, 0, 0), q = run(E, V, 5, 5, 0, 0);
        double sp = 5 / sqrt((5.0025 * 5.0025 + 4.9925 * 4.9925 + 2 * 4.9975 * 4.9975) / 3);
        is_double(p.topk[3].sharpe, sp, 1e-12, "counter-example (a): perfect SharpeRatio@4 = 0.866");
        is_double(q.topk[3].sharpe, 1, 1e-12, "counter-example (a): worse ranking, SharpeRatio@4 = 1");
        ops_result_release(&p);
        ops_result_release(&q);
        const double V2[] = { 10, 1, 5, 4.99 }, E2[] = { 0, 1, 3, 2 };
        p = run(V2, V2, 4, 0, 0, 0);
        q = run(E2, V2, 4, 0, 0, 0);
        is_double(p.topk[1].sharpe, 10 / (5 / sqrt(2.0)), 1e-12, "counter-example (b): perfect 2.83");
        is_double_rel(q.topk[1].sharpe, 5 / (0.01 / sqrt(2.0)), 1e-9,
                      "counter-example (b): missing the best policy scores 707");
        ops_result_release(&p);
        ops_result_release(&q);
    }
    /* What does hold for a perfect estimator (V̂ = V), checked on random instances with
     * ties (values on a coarse grid half of the time): regret@1 = regret@k = 0, Spearman
     * = Kendall = 1, and at every k the highest best@k, worst@k and mean@k and the lowest
     * safety violation rate (its top k are k largest true values). Proof sketch: the
     * i-th largest of any k true values is <= the i-th largest of all M. */
    {
        struct ope_rng g;
        ope_rng_init(&g, 7, OPE_RNG_TEST, 0);
        int reg0 = 1, corr1 = 1, dom = 1, trials = 0;
        long sharpe_cases = 0, sharpe_beaten = 0;
        for (int trial = 0; trial < 400; trial++) {
            size_t M = 2 + (size_t)ope_rng_below(&g, 14);
            int coarse = trial % 2;
            double V[16], N[16];
            for (size_t i = 0; i < M; i++) {
                V[i] = coarse ? (double)ope_rng_below(&g, 5) : ope_rng_uniform(&g) * 10;
                N[i] = V[i] + ope_rng_normal(&g) * 3;
            }
            int constant = 1;
            for (size_t i = 1; i < M; i++)
                constant &= V[i] == V[0];
            size_t k = 1 + (size_t)ope_rng_below(&g, M);
            struct ops_result p = run(V, V, M, 5, k, 0), q = run(N, V, M, 5, k, 0);
            reg0 &= p.regret1 == 0 && p.regretk == 0;
            if (!constant)
                corr1 &= fabs(p.spearman - 1) < 1e-12 && fabs(p.kendall - 1) < 1e-12;
            for (size_t j = 1; j <= M; j++) {
                const struct ops_topk *a = &p.topk[j - 1], *b = &q.topk[j - 1];
                dom &= a->best >= b->best && a->worst >= b->worst &&
                       a->mean >= b->mean - 1e-12 && a->violation <= b->violation;
                if (j >= 2 && isfinite(a->sharpe) && isfinite(b->sharpe)) {
                    sharpe_cases++;
                    sharpe_beaten += b->sharpe > a->sharpe + 1e-12;
                }
            }
            ops_result_release(&p);
            ops_result_release(&q);
            trials++;
        }
        ok(reg0, "perfect estimator: regret@1 = regret@k = 0 (%d random instances)", trials);
        ok(corr1, "perfect estimator: Spearman = Kendall = 1 (ties included)");
        ok(dom, "perfect estimator: highest best/worst/mean@k, lowest violation rate@k, every k");
        diag("a noisy estimator had a higher SharpeRatio@k than the perfect one in %ld of %ld "
             "(instance, k) cases", sharpe_beaten, sharpe_cases);
    }
    /* Spearman and Kendall tau-b against brute force on random data with many ties:
     * ranks by counting (rank_i = #{x_j < x_i} + (#{x_j = x_i} + 1) / 2) and Pearson on
     * them; tau-b = (n_c - n_d) / sqrt((n0 - n1)(n0 - n2)) with n1, n2 the tied pairs.
     * GSL's gsl_stats_spearman is a second, independent reference. */
    {
        struct ope_rng g;
        ope_rng_init(&g, 11, OPE_RNG_TEST, 1);
        int sp_ok = 1, kt_ok = 1, gsl_ok = 1, undefined_ok = 1;
        for (int trial = 0; trial < 500; trial++) {
            size_t n = 2 + (size_t)ope_rng_below(&g, 24);
            int levels = 1 + (int)ope_rng_below(&g, 6);
            double x[26], y[26], rx[26], ry[26], work[52];
            for (size_t i = 0; i < n; i++) {
                x[i] = (double)ope_rng_below(&g, (uint64_t)levels);
                y[i] = trial % 3 ? (double)ope_rng_below(&g, (uint64_t)levels) : ope_rng_normal(&g);
            }
            double nc = 0, nd = 0, n1 = 0, n2 = 0, n0 = (double)n * (double)(n - 1) / 2;
            for (size_t i = 0; i < n; i++) {
                double lx = 0, ex = 0, ly = 0, ey = 0;
                for (size_t j = 0; j < n; j++) {
                    lx += x[j] < x[i];
                    ex += x[j] == x[i];
                    ly += y[j] < y[i];
                    ey += y[j] == y[i];
                    if (j > i) {
                        double sgn = (x[i] - x[j]) * (y[i] - y[j]);
                        nc += sgn > 0;
                        nd += sgn < 0;
                        n1 += x[i] == x[j];
                        n2 += y[i] == y[j];
                    }
                }
                rx[i] = lx + (ex + 1) / 2;
                ry[i] = ly + (ey + 1) / 2;
            }
            double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
            for (size_t i = 0; i < n; i++) {
                mx += rx[i];    /* multiples of 1/2: exact sums */
                my += ry[i];
            }
            mx /= (double)n;
            my /= (double)n;
            for (size_t i = 0; i < n; i++) {
                sxy += (rx[i] - mx) * (ry[i] - my);
                sxx += (rx[i] - mx) * (rx[i] - mx);
                syy += (ry[i] - my) * (ry[i] - my);
            }
            double rho = ops_spearman(x, y, n), tau = ops_kendall_tau_b(x, y, n);
            if (n1 == n0 || n2 == n0) {     /* a constant side: every pair tied */
                undefined_ok &= isnan(rho) && isnan(tau);
                continue;
            }
            sp_ok &= fabs(rho - sxy / sqrt(sxx * syy)) < 1e-12;
            kt_ok &= fabs(tau - (nc - nd) / sqrt((n0 - n1) * (n0 - n2))) < 1e-12;
            gsl_ok &= fabs(rho - gsl_stats_spearman(x, 1, y, 1, n, work)) < 1e-12;
        }
        ok(sp_ok, "Spearman equals the brute-force average-rank Pearson (500 cases with ties)");
        ok(kt_ok, "Kendall tau-b equals the brute-force pair count");
        ok(gsl_ok, "Spearman equals gsl_stats_spearman");
        ok(undefined_ok, "a constant side: both are NaN");
    }
    /* NaN estimates rank last, MSE is undefined with a note, and rank correlation
     * scores the ranking given: the estimates rank the candidates 3rd, 2nd, 1st
     * (NaN below 1 below 2) against the truth's 1st, 2nd, 3rd, a full reversal, so
     * Spearman and Kendall are both exactly -1. Two NaNs tie: E = {NaN, NaN, 5} ranks
     * (1.5, 1.5, 3) against (3, 2, 1): Spearman = -sqrt(3)/2 (centred ranks (-.5,-.5,1)
     * and (1,0,-1): sum -1.5 over sqrt(1.5 * 2)), Kendall tau-b = -2/sqrt(2*3). */
    {
        const double V[] = { 3, 2, 1 }, E[] = { NAN, 1, 2 };
        struct ops_result r = run(E, V, 3, 1, 0, 0);
        ok(r.ranking[0] == 2 && r.ranking[1] == 1 && r.ranking[2] == 0, "NaN estimate ranks last");
        ok(isnan(r.mse) && r.n_notes > 0, "MSE undefined, with a note");
        ok(r.spearman == -1.0 && r.kendall == -1.0, "rank correlation scores the ranking given "
           "(NaN last): a full reversal is -1");
        const double E2[] = { NAN, NAN, 5 };
        struct ops_result r2 = run(E2, V, 3, 1, 0, 0);
        ok(fabs(r2.spearman + sqrt(3.0) / 2) < 1e-15 &&
           fabs(r2.kendall + 2 / sqrt(6.0)) < 1e-15, "two NaNs tie last in the correlations");
        ops_result_release(&r2);
        /* Estimated safe (>= 0.9): 1 and 2; candidate 1 (V = 3) is truly safe and estimated
         * unsafe: Type I = 1/3. */
        is_double(r.type1, 1.0 / 3, 1e-12, "a NaN estimate counts as estimated unsafe");
        /* Two policies have estimates (ranked: candidate 2 with V = 1, then 1 with V = 2).
         * The top 1 and 2 are the estimator's choice: best@1 = 1, mean@2 = 1.5, regret@1
         * = 3 - 1 = 2. The top 3 would add the unestimated candidate by input order: it
         * and regret@3 are undefined (the rm-in-select case). */
        is_double(r.regret1, 2, 0, "regret@1 from the estimated policies");
        is_double(r.topk[0].best, 1, 0, "best@1 from the estimated policies");
        is_double(r.topk[1].mean, 1.5, 0, "mean@2 from the estimated policies");
        ok(isnan(r.regretk) && isnan(r.topk[2].mean) && isnan(r.topk[2].sharpe) &&
           isnan(r.topk[2].best), "k past the estimated policies: regret@k and top-k undefined");
        ops_result_release(&r);
        {
            const double Enone[] = { NAN, NAN };
            struct ops_result q = run(Enone, V, 2, 1, 1, 0);
            ok(isnan(q.regret1) && isnan(q.regretk) && isnan(q.topk[0].best),
               "no estimate at all: no regret and no top-k");
            ops_result_release(&q);
        }
        const double Vbad[] = { 1, INFINITY };
        struct ops_opts o;
        ops_opts_init(&o);
        struct ope_error err = { 0 };
        ok(ops_compute(E, Vbad, 2, 1, &o, &r, &err) != 0 && err.status == OPE_EDATA,
           "an infinite true value is a data error");
    }
    /* Without truth or J: ranking only, every metric NaN with its reason. */
    {
        const double E[] = { 1, 3, 2 }, V[] = { 1, 2, 3 };
        struct ops_result r = run(E, NULL, 3, NAN, 0, 0);
        ok(r.ranking[0] == 1 && isnan(r.mse) && isnan(r.topk[1].best) && r.n_notes == 1,
           "no truth: ranking and one note");
        ops_result_release(&r);
        r = run(E, V, 3, NAN, 0, 0);
        ok(isnan(r.type1) && isnan(r.topk[1].sharpe) && isnan(r.topk[1].violation) &&
           !isnan(r.topk[1].std), "no J: safety and Sharpe undefined, spread still defined");
        ops_result_release(&r);
    }
    /* Summaries over replicates: mean and sample sd of each metric, NaN/inf left out. */
    {
        const double V[] = { 10, 9, 8, 2, 1 }, E1[] = { 7, 9.5, 6, 8, 1 }, E2[] = { 10, 9, 8, 2, 1 };
        struct ops_result rs[3];
        rs[0] = run(E1, V, 5, 5, 2, 0);
        rs[1] = run(E2, V, 5, 5, 2, 0);
        const double V3[] = { 3, 3, 1, 0, 0 }, E3[] = { 2, 2, 2, 1, 0 };
        rs[2] = run(E3, V3, 5, 1, 2, 0);     /* SharpeRatio@2 = +inf (zero spread) */
        struct ops_summary su;
        struct ope_error err = { 0 };
        ok(ops_summarize(rs, 3, &su, &err) == 0, "summarise 3 replicates");
        /* regret@1: 1, 0, 0 -> mean 1/3, sd sqrt(((2/3)^2 + 2 (1/3)^2) / 2) = sqrt(1/3). */
        is_double(su.regret1.mean, 1.0 / 3, 1e-12, "mean regret@1");
        is_double(su.regret1.sd, sqrt(1.0 / 3), 1e-12, "sd regret@1 (divisor n - 1)");
        /* SharpeRatio@2: 4 / sqrt(24.5), (10 - 5) / sqrt(0.5), +inf (left out). */
        double a = 4 / sqrt(24.5), b = 5 / sqrt(0.5);
        is_int((long long)su.topk[1].sharpe.n, 2, "the infinite Sharpe is left out");
        is_double(su.topk[1].sharpe.mean, (a + b) / 2, 1e-12, "mean SharpeRatio@2 of the others");
        is_double(su.topk[1].sharpe.sd, fabs(a - b) / sqrt(2.0), 1e-12, "its sd");
        ok(su.n_notes > 0, "a note says values were left out");
        ops_summary_release(&su);
        struct ops_result other = run(E1, V, 5, 5, 3, 0);
        struct ops_result mixed[2] = { rs[0], other };
        ok(ops_summarize(mixed, 2, &su, &err) != 0 && err.status == OPE_EUSAGE,
           "replicates with a different k are refused");
        ops_result_release(&other);
        for (int i = 0; i < 3; i++)
            ops_result_release(&rs[i]);
    }
    return done_testing();
}
