/* t/1010-stepmix.c: StepMix's bisection against a fine grid, and the checks of
 * exploration.md on whole runs: no violations for StepMix / EpsMix (expected view)
 * across seeds on RiverSwim and a random Dirichlet MDP while UCBVI violates early,
 * sublinear regret, alpha = 0 behaviour, thread-count independence. */
#include "config.h"
#include "t/tap.h"
#include "ope/learn/explore/run.h"
#include "ope/learn/explore/ucbvi.h"
#include "datasets/env.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "ope/base/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A continuous, non-monotone f: 1 - 0.8 rho + 0.1 sin(20 rho). */
static double wavy(void *ctx, double rho)
{
    (void)ctx;
    return 1.0 - 0.8 * rho + 0.1 * sin(20.0 * rho);
}

/* The bisection's answer rho: f(rho) >= tau (certified), and, where f decreases on
 * [rho, rho + g], every grid point of [rho + tol, rho + g] is uncertified (the bracket's
 * upper end hi <= rho + tol has f(hi) < tau). Also returns the first grid crossing. */
static void check_rho(double (*f)(void *, double), void *ctx, double tau, const char *what)
{
    const double tol = 1e-6, g = 1e-3;
    double frho, rho = xpl_stepmix_rho(f, ctx, tau, tol, &frho);
    ok(frho >= tau && f(ctx, rho) >= tau, "%s: returned rho %.6f is certified", what, rho);
    int mono = 1, bad = 0;
    for (double r = rho; r + 1e-4 <= rho + g && r + 1e-4 <= 1.0; r += 1e-4)
        mono &= f(ctx, r + 1e-4) <= f(ctx, r);
    for (double r = rho + tol; r <= fmin(1.0, rho + g); r += g / 50)
        bad += f(ctx, r) >= tau;
    if (mono)
        ok(bad == 0, "%s: no grid point in [rho + tol, rho + %g] is certified", what, g);
    else
        skip(1, "f not monotone just above rho");
    /* The first grid point where f drops below tau: bisection from the bracket [0, 1]
     * finds some crossing; when f is monotone on [0, 1] it is that one (within g). */
    double first = 1.0;
    int gmono = 1;
    for (int i = 0; i <= 1000; i++)
        gmono &= i == 0 || f(ctx, i * g) <= f(ctx, (i - 1) * g);
    for (int i = 0; i <= 1000; i++)
        if (f(ctx, i * g) < tau) {
            first = i * g;
            break;
        }
    diag("%s: bisection rho %.6f, first grid crossing %.3f", what, rho, first);
    if (gmono)      /* the crossing is unique: rho lies in the grid cell before it */
        ok(rho >= first - g && rho < first, "%s: rho within one grid step of the grid's "
           "largest certified point %.3f", what, first - g);
    else
        diag("%s: f is not monotone on [0, 1]; bisection found one crossing", what);
}

static void test_bisection_synthetic(void)
{
    /* tau = 0.6: f(0) = 1 >= tau > f(1) = 0.2 + 0.1 sin 20 = 0.291. */
    check_rho(wavy, NULL, 0.6, "wavy f");
    double frho;
    is_double(xpl_stepmix_rho(wavy, NULL, 0.1, 1e-6, &frho), 1.0, 0,
              "f(1) >= tau: rho = 1");
    is_double(xpl_stepmix_rho(wavy, NULL, 1.5, 1e-6, &frho), 0.0, 0,
              "f(0) < tau: rho = 0 (the baseline)");
}

struct pctx {
    struct xpl_model *x;
    struct xpl_bonus b;
    const int *greedy;
    const double *pb;
    double Vb;
};

static double pess(void *vctx, double rho)
{
    struct pctx *c = vctx;
    return xpl_eval_model(c->x, &c->b, -1, rho, c->greedy, c->pb);
}

/* StepMix's own f: the certificate that knows V^b (ucbvi.h). */
static double cert(void *vctx, double rho)
{
    struct pctx *c = vctx;
    return xpl_lower_stepmix(c->x, &c->b, rho, c->greedy, c->pb, c->Vb);
}

/* The real f on a small case: RiverSwim with n = 3 states, H = 5, after 200 episodes
 * of the baseline (mix:0.8) and 20 of the uniform policy, mixing the baseline with a
 * poor "optimistic" policy (always left, which earns only 0.005 a step in state 0) so
 * that f(0) > f(1); tau halfway between them. The planned pi-bar is also checked:
 * with this much data it is certified at tau = f(1) itself, so rho = 1. */
static void test_bisection_model(void)
{
    struct ope_error err = {0};
    const char *kv[] = {"n=3"};
    struct mdp *m = env_build_named("riverswim", kv, 1, 5, 1.0, &err);
    struct policy *pb = m ? policy_from_spec(m, "mix:0.8", NULL, &err) : NULL;
    struct xpl_model *x = pb ? xpl_model_new(m, &err) : NULL;
    if (!x)
        bail_out("setup: %s", err.msg);
    struct ope_rng r;
    ope_rng_init(&r, 3, OPE_RNG_TEST, 0);
    for (int e = 0; e < 220; e++) {
        int s = 0;
        for (int h = 0; h < 5; h++) {
            int a = e < 200 ? ope_rng_discrete(&r, pb->p + s * 2, 2) : (int)ope_rng_below(&r, 2);
            int s2 = ope_rng_discrete(&r, m->P + (s * 2 + a) * 3, 3);
            xpl_model_observe(x, s, a, m->R[s * 2 + a], s2);
            s = s2;
        }
    }
    xpl_model_refresh(x);
    int greedy[15];
    double work[6];
    struct pctx c = {x, {XPL_BERNSTEIN, 0.02, 3.0, 0.0}, greedy, pb->p,
                     xpl_eval_true(m, 5, 0.0, NULL, pb->p, work)};
    xpl_plan_optimistic(x, &c.b, greedy);
    double frho, f1 = pess(&c, 1.0);
    is_double(xpl_stepmix_rho(pess, &c, f1, 1e-6, &frho), 1.0, 0,
              "planned pi-bar: rho = 1 at tau = f(1)");
    memset(greedy, 0, sizeof greedy);       /* always left */
    double f0 = pess(&c, 0.0);
    f1 = pess(&c, 1.0);
    diag("model f(0) = %g, f(1) = %g", f0, f1);
    ok(f0 > f1, "the always-left mixture has f(0) > f(1)");
    check_rho(pess, &c, 0.5 * (f0 + f1), "model f");
    /* The same with StepMix's certificate: f(0) = V^b exactly, f(1) = V-underbar. */
    double g0 = cert(&c, 0.0), g1 = cert(&c, 1.0);
    diag("certificate f(0) = %g (V^b %g), f(1) = %g", g0, c.Vb, g1);
    ok(g0 == c.Vb && g1 == f1, "certificate: f(0) = V^b, f(1) = V-underbar(pi-bar)");
    check_rho(cert, &c, 0.5 * (g0 + g1), "certificate f");
    xpl_model_free(x);
    policy_free(pb);
    mdp_free(m);
}

/* Runs of stepmix, epsmix, ucbvi (seeds 1..4) on one environment. */
struct runs {
    struct mdp *m;
    struct policy *pb;
    struct xpl_config cfg;
    struct xpl_record *rec;
    long K, R;
};

static const struct xpl_algo *const three[] = {&xpl_stepmix, &xpl_epsmix, &xpl_ucbvi, NULL};

static void runs_make(struct runs *u, const char *env, const char *const *kv, size_t nkv,
                      int H, long K, double alpha, int threads)
{
    struct ope_error err = {0};
    memset(u, 0, sizeof *u);
    u->m = env_build_named(env, kv, nkv, H, 1.0, &err);
    u->pb = u->m ? policy_from_spec(u->m, "mix:0.8", NULL, &err) : NULL;
    if (!u->pb)
        bail_out("%s: %s", env, err.msg);
    double work[64];
    u->K = K;
    u->R = 4;
    struct xpl_config c = {u->m, K, alpha, 0.05,
                           {XPL_BERNSTEIN, 0.1, xpl_log_term(u->m->n_states, u->m->n_actions,
                                                             H, K, 0.05),
                            xpl_return_bound(env, kv, nkv, H)},
                           u->pb->p, xpl_eval_true(u->m, H, 0.0, NULL, u->pb->p, work),
                           mdp_optimal_finite(u->m, NULL, NULL, &err), 1e-4};
    u->cfg = c;
    u->rec = malloc(3 * 4 * (size_t)K * sizeof *u->rec);
    if (!u->rec || xpl_run_many(&u->cfg, three, 3, 1, 4, threads, u->rec, NULL, &err) < 0)
        bail_out("runs: %s", err.msg);
}

static void runs_release(struct runs *u)
{
    free(u->rec);
    policy_free(u->pb);
    mdp_free(u->m);
}

static const struct xpl_record *rec_of(const struct runs *u, int alg, long r)
{
    return u->rec + ((size_t)alg * (size_t)u->R + (size_t)r) * (size_t)u->K;
}

/* exploration.md's checks. Past burn-in the regret of a learner flattens out:
 * regret(K) / regret(K/2) < 1.5 (linear regret gives 2; the baseline alone is exactly
 * 2). StepMix and EpsMix end within a factor 6 of UCBVI (observed with c = 0.1:
 * riverswim StepMix 5.1x, EpsMix 1.6x; dirichlet 1.75x and 1.3x. StepMix pays most:
 * its per-step mixture runs pi-bar's actions only at rate rho, so pi-bar is explored
 * and certified more slowly than by EpsMix's whole episodes). */
static void check_env(const struct runs *u, const char *name)
{
    long viol[3] = {0, 0, 0}, early = 0;
    double reg[3] = {0, 0, 0}, half[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++)
        for (long r = 0; r < u->R; r++) {
            const struct xpl_record *e = rec_of(u, i, r);
            long v = 0;
            for (long k = 0; k < u->K; k++)
                v += e[k].violated;
            viol[i] += v;
            reg[i] += e[u->K - 1].regret / (double)u->R;
            half[i] += e[u->K / 2 - 1].regret / (double)u->R;
            if (i == 2) {
                long v100 = 0;
                for (long k = 0; k < 100; k++)
                    v100 += e[k].violated;
                early += v100 > 0;
            }
        }
    is_int(viol[0], 0, "%s: StepMix never violates (4 seeds)", name);
    is_int(viol[1], 0, "%s: EpsMix never violates in expectation (4 seeds)", name);
    is_int(early, 4, "%s: UCBVI violates in its first 100 episodes in every run", name);
    for (int i = 0; i < 3; i++)
        ok(reg[i] / half[i] < 1.5, "%s: %s regret(K)/regret(K/2) = %.3f < 1.5", name,
           three[i]->name, reg[i] / half[i]);
    ok(reg[0] < 6 * reg[2] && reg[1] < 6 * reg[2],
       "%s: StepMix %.1f and EpsMix %.1f within 6x UCBVI's %.1f", name, reg[0], reg[1], reg[2]);
}

static void test_runs(void)
{
    /* RiverSwim (H = 20): K = 3000 is past burn-in (regret is flat from ~1500 with
     * c = 0.1); 12 runs take well under a second. */
    struct runs u;
    runs_make(&u, "riverswim", NULL, 0, 20, 3000, 0.1, 0);
    check_env(&u, "riverswim");
    /* Thread-count independence: the same runs on 1 thread are bit-identical. */
    struct runs v;
    runs_make(&v, "riverswim", NULL, 0, 20, 3000, 0.1, 1);
    ok(memcmp(u.rec, v.rec, 12 * 3000 * sizeof *u.rec) == 0,
       "records identical on 1 thread and on the default threads");
    runs_release(&v);
    runs_release(&u);
    const char *kv[] = {"states=5", "actions=2", "seed=1"};
    runs_make(&u, "dirichlet", kv, 3, 10, 4000, 0.1, 0);
    check_env(&u, "dirichlet");
    runs_release(&u);
}

/* alpha = 0: the threshold is V^b itself. An episode mixes in pi-bar only once its
 * certified lower bound reaches V^b; until then the baseline runs and the executed
 * value is exactly V^b. EpsMix's eps = alpha V^b / (V^b - V-underbar) is then 0 or 1. */
static void test_alpha0(void)
{
    struct runs u;
    runs_make(&u, "riverswim", NULL, 0, 20, 2000, 0.0, 0);
    double Vb = u.cfg.Vb;
    int first_base = 1, certified = 1, base_exact = 1, eps01 = 1;
    long mixed = 0;
    for (int i = 0; i < 2; i++)
        for (long r = 0; r < u.R; r++) {
            const struct xpl_record *e = rec_of(&u, i, r);
            first_base &= e[0].mix == 0.0;
            for (long k = 0; k < u.K; k++) {
                if (e[k].mix > 0.0) {
                    mixed++;
                    certified &= e[k].lower >= Vb;
                } else
                    base_exact &= e[k].value == Vb && e[k].optimistic == 0;
                if (i == 1)
                    eps01 &= e[k].mix == 0.0 || e[k].mix == 1.0;
            }
        }
    ok(first_base, "alpha 0: episode 1 runs the baseline (StepMix and EpsMix)");
    ok(certified, "alpha 0: every mixed episode was certified >= V^b (%ld of them)", mixed);
    ok(base_exact, "alpha 0: unmixed episodes run the baseline, value exactly V^b");
    ok(eps01, "alpha 0: EpsMix's eps is 0 or 1");
    runs_release(&u);
}

int main(void)
{
    plan_no_plan();
    test_bisection_synthetic();
    test_bisection_model();
    test_runs();
    test_alpha0();
    return done_testing();
}
