/* t/1040-explore-offline.c: the baseline learned offline from a log (offline.h):
 * count-based cloning and the pessimistic value by hand on a tiny log, the log/env
 * checks, V-underbar^b below the exact value of the clone across log seeds, and
 * StepMix / EpsMix runs against the learned baseline on RiverSwim. */
#include "config.h"
#include "t/tap.h"
#include "ope/learn/explore/offline.h"
#include "ope/learn/explore/run.h"
#include "datasets/env.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "datasets/sampler.h"
#include "datasets/tlog.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A log of chain n=3, seed=0 (action 0 advances, action 1 resets to 0; action 0 in
 * state 2 pays 1 and stays), H = 4:
 *   episode 1: (s0,a0,0) (s1,a0,0) (s2,a0,1) (s2,a0,1)
 *   episode 2: (s0,a1,0) (s0,a0,0) (s1,a1,0)                                    */
static struct tlog *tiny_log(void)
{
    static const int len[2] = {4, 3};
    static const int st[7] = {0, 1, 2, 2, 0, 0, 1}, ac[7] = {0, 0, 0, 0, 1, 0, 1};
    static const double rw[7] = {0, 0, 1, 1, 0, 0, 0};
    struct ope_error err = {0};
    struct tlog *t = tlog_new(2, len, 2, 3, 0, &err);
    if (!t)
        bail_out("tlog_new: %s", err.msg);
    for (size_t i = 0; i < 7; i++) {
        t->state[i] = st[i];
        t->action[i] = ac[i];
        t->reward[i] = rw[i];
        t->pscore[i] = 0.5;
    }
    return t;
}

static struct mdp *chain3(int H)
{
    static const char *const kv[] = {"n=3", "seed=0"};
    struct ope_error err = {0};
    struct mdp *m = env_build_named("chain", kv, 2, H, 1.0, &err);
    if (!m)
        bail_out("chain: %s", err.msg);
    return m;
}

static void test_by_hand(void)
{
    struct mdp *m = chain3(4);
    struct tlog *t = tiny_log();
    struct ope_error err = {0};
    struct xpl_offline o;
    /* Hoeffding, c = 0.01, L = 1 (fixed), no return bound: b(N) = c G_h sqrt(L / N) with
     * G_h = H - h the range of the value to come: 0.01 (4 - h) / sqrt(N). */
    struct xpl_bonus b = {XPL_HOEFFDING, 0.01, 1.0, 0.0};
    if (xpl_offline_learn(t, m, &b, 0.05, 1, &o, &err) < 0)
        bail_out("learn: %s", err.msg);
    /* Counts of logged actions per state (all 7 steps): s0 {a0, a1, a0}, s1 {a0, a1},
     * s2 {a0, a0}: pi-hat = (2/3, 1/3), (1/2, 1/2), (1, 0). */
    is_double(o.pb[0], 2.0 / 3.0, 1e-15, "clone: pi(a0|s0) = 2/3 by counts");
    is_double(o.pb[1], 1.0 / 3.0, 1e-15, "clone: pi(a1|s0) = 1/3");
    is_double(o.pb[2], 0.5, 0, "clone: pi(a0|s1) = 1/2");
    is_double(o.pb[3], 0.5, 0, "clone: pi(a1|s1) = 1/2");
    is_double(o.pb[4], 1.0, 0, "clone: pi(a0|s2) = 1");
    is_double(o.pb[5], 0.0, 0, "clone: pi(a1|s2) = 0");
    is_int(o.states_seen, 3, "three states seen");
    /* Transitions with a next state: the 5 non-final steps (the final step of each
     * truncated episode shows no next state). */
    is_int((long long)o.n_transitions, 5, "5 logged transitions in the model");
    /* Plug-in (model: (s0,a0)->s1 x2, (s0,a1)->s0, (s1,a0)->s2, (s2,a0)->s2 r=1;
     * (s1,a1), (s2,a1) unseen, worth 0), backward from V_4 = 0:
     *   V_3 = (0, 0, 1); V_2 = (0, 1/2, 2); V_1 = (2/3 * 1/2, 1/2 * 2, 3) = (1/3, 1, 3);
     *   V_0(s0) = 2/3 * V_1(s1) + 1/3 * V_1(s0) = 2/3 + 1/9 = 7/9.
     * The exact value on the true chain is also 7/9: the unseen (s1,a1) resets to s0,
     * whose value V_{h+1}(s0) is 0 at h = 3, 2 and 0 at h = 1 (computed as above). */
    is_double(o.Vb_plugin, 7.0 / 9.0, 1e-12, "plug-in value 7/9 by hand");
    is_double(o.Vb_exact, 7.0 / 9.0, 1e-12, "exact value of the clone 7/9 by hand");
    /* Pessimistic, with b1(h) = 0.01 (4 - h) and b2(h) = b1(h) / sqrt 2 (pairs seen once
     * / twice), clip at 0:
     *   h=3: Q(s2,a0) = 1 - .01 = 0.99, the rest 0: V_3 = (0, 0, 0.99)
     *   h=2: Q(s1,a0) = 0.99 - .02 = 0.97, Q(s2,a0) = 1 + 0.99 - .02 = 1.97:
     *        V_2 = (0, 0.485, 1.97)
     *   h=1: Q(s0,a0) = 0.485 - .03/sqrt 2, Q(s0,a1) = max(0, 0 - .03) = 0,
     *        Q(s1,a0) = 1.94, Q(s2,a0) = 2.94: V_1 = (2/3 (0.485 - .03/sqrt 2), 0.97, 2.94)
     *   h=0: Q(s0,a0) = 0.97 - .04/sqrt 2, Q(s0,a1) = V_1(s0) - .04:
     *        V_0(s0) = 2/3 (0.97 - .04/sqrt 2)
     *                  + 1/3 (2/3 (0.485 - .03/sqrt 2) - .04) = 0.7175408851 */
    double r2 = sqrt(2.0);
    double want = 2.0 / 3.0 * (0.97 - 0.04 / r2) +
                  1.0 / 3.0 * (2.0 / 3.0 * (0.485 - 0.03 / r2) - 0.04);
    is_double(o.Vb_lower, want, 1e-12, "pessimistic value %.10f by hand", want);
    is_double(o.L, 1.0, 0, "a fixed L is used as given");
    xpl_offline_release(&o);
    /* Without a fixed L: L = log(5 S A H N / delta) with N = 2 logged episodes. */
    if (xpl_offline_learn(t, m, &b, 0.05, 0, &o, &err) < 0)
        bail_out("learn: %s", err.msg);
    is_double(o.L, log(5.0 * 3 * 2 * 4 * 2 / 0.05), 1e-12, "L = log(5 S A H N / delta)");
    xpl_offline_release(&o);
    tlog_free(t);
    mdp_free(m);
}

/* The tiny log with step i's field changed must be refused with a data error whose
 * message contains `needle`. */
static void refused(int i, int state, int action, double reward, const char *needle,
                    const char *what)
{
    struct mdp *m = chain3(4);
    struct tlog *t = tiny_log();
    struct ope_error err = {0};
    if (state >= 0)
        t->state[i] = state;
    if (action >= 0)
        t->action[i] = action;
    if (!isnan(reward))
        t->reward[i] = reward;
    int rc = xpl_offline_check(t, m, &err);
    ok(rc < 0 && err.status == OPE_EDATA, "%s: refused (data error)", what);
    like(err.msg, needle, "%s: the message says why", what);
    tlog_free(t);
    mdp_free(m);
}

static void test_checks(void)
{
    struct mdp *m = chain3(4);
    struct tlog *t = tiny_log();
    struct ope_error err = {0};
    is_int(xpl_offline_check(t, m, &err), 0, "the tiny log fits chain n=3");
    /* done = 1 on the last step: chain has no terminal state to end in. */
    t->done = calloc(t->n_steps, 1);
    if (!t->done)
        bail_out("oom");
    t->done[3] = 1;
    ok(xpl_offline_check(t, m, &err) < 0 && err.status == OPE_EDATA,
       "done = 1 where the environment cannot end: refused");
    like(err.msg, "log row 4: column 'done'", "the message names the row and column");
    tlog_free(t);
    mdp_free(m);
    refused(1, 5, -1, NAN, "log row 2: column 'state': state 5, but the environment has 3",
            "state out of range");
    refused(4, 1, -1, NAN, "never starts", "episode starting where the env never starts");
    refused(5, -1, 2, NAN, "action 2, but the environment has 2 actions", "action out of range");
    refused(2, -1, -1, 1.5, "reward 1.5", "reward above 1");
    /* s0 -a1-> s0 -a0-> s1 becomes s0 -a1-> s0 -a1-> s1: a reset cannot reach s1. */
    refused(5, -1, 1, NAN, "log row 7: column 'state': state 1 follows state 0 and action 1",
            "impossible transition");
    /* No tabular states at all. */
    static const int len[1] = {1};
    t = tlog_new(1, len, 2, 0, 0, &err);
    m = chain3(4);
    ok(t && xpl_offline_check(t, m, &err) < 0 && strstr(err.msg, "no tabular 'state' column"),
       "a log without states is refused");
    tlog_free(t);
    mdp_free(m);
}

/* RiverSwim logs of the mix:0.8 behaviour. */
static struct tlog *river_log(const struct mdp *m, const struct policy *beh, size_t n,
                              uint64_t seed)
{
    struct ope_error err = {0};
    struct sampler *smp = sampler_new(m, beh, &err);
    struct tlog *t = smp ? sampler_run(smp, n, seed, NULL, NULL, 0, 0, NULL, &err) : NULL;
    sampler_free(smp);
    if (!t)
        bail_out("sample: %s", err.msg);
    return t;
}

/* Is V-underbar^b below the exact value of the clone? 20 log seeds at N = 300 and
 * N = 10000 episodes with the command's default bonus (Bernstein, c = 0.1, L =
 * log(5 S A H N / 0.05)). c = 0.1 is the tuned constant, not the theory's, so "with
 * high probability" is an empirical claim here: observed minimum margins are about
 * 1.0 (N = 300) and 0.1 (N = 10000), far above the plug-in's own error (~0.01). */
static void test_pessimism(const struct mdp *m, const struct policy *beh)
{
    struct xpl_bonus b = {XPL_BERNSTEIN, 0.1, 0.0, 0.0};
    const size_t sizes[2] = {300, 10000};
    double mean_low[2] = {0, 0};
    for (int z = 0; z < 2; z++) {
        int above = 0, over_plugin = 0;
        double margin = INFINITY;
        for (uint64_t seed = 1; seed <= 20; seed++) {
            struct ope_error err = {0};
            struct tlog *t = river_log(m, beh, sizes[z], seed);
            struct xpl_offline o;
            if (xpl_offline_learn(t, m, &b, 0.05, 0, &o, &err) < 0)
                bail_out("learn: %s", err.msg);
            above += !(o.Vb_lower < o.Vb_exact);
            over_plugin += o.Vb_lower > o.Vb_plugin;
            margin = fmin(margin, o.Vb_exact - o.Vb_lower);
            mean_low[z] += o.Vb_lower / 20.0;
            xpl_offline_release(&o);
            tlog_free(t);
        }
        is_int(above, 0, "N = %zu: V-underbar^b < exact value of the clone for 20 of 20 "
               "log seeds (smallest margin %.3f)", sizes[z], margin);
        is_int(over_plugin, 0, "N = %zu: V-underbar^b <= the plug-in value", sizes[z]);
    }
    /* The bonus shrinks like 1/sqrt(N): a 33 times larger log certifies more. */
    ok(mean_low[1] > mean_low[0] + 0.5, "mean V-underbar^b grows with the log: %.3f "
       "(N = 300) -> %.3f (N = 10000)", mean_low[0], mean_low[1]);
}

static const struct xpl_algo *const three[] = {&xpl_stepmix, &xpl_epsmix, &xpl_ucbvi, NULL};

/* StepMix / EpsMix with the learned baseline, 3 logs (N = 3000, seeds 11..13) x 4 runs
 * x K = 2000 on RiverSwim, alpha = 0.1. Certified: every episode's exact value is
 * >= (1 - alpha) V-underbar^b (the guarantee the algorithm enforces). Checked also
 * against TRUE values: (1 - alpha) x the exact value of the clone (the policy played as
 * the fallback). That is not what the certificate says (it only gives (1 - alpha_eff)
 * x exact, alpha_eff = 1 - (1 - alpha) V-underbar^b / exact, about 0.3 here); it is the
 * "sufficiently large dataset" claim, observed with N = 3000 (with N = 1000, StepMix
 * has ~33 such episodes in 4 runs). UCBVI on the same seeds violates it early, so the
 * check can fail. Against the logging policy mix:0.8 itself (the paper's baseline) the
 * guarantee needs the clone to be at least as good: EpsMix's first episodes run pi-bar
 * with eps = alpha (its V-underbar is 0) and are worth alpha V^pi-bar + (1 - alpha)
 * V^clone, which can sit right at (1 - alpha) V^clone. Log seed 12's clone is 1% worse
 * than mix:0.8 (1.5812 vs 1.5986), and those episodes then fall below (1 - alpha)
 * V^mix:0.8 (about 750 of its 16000). So the check against the logging policy is made
 * on the logs whose clone is not worse than it, and the others are reported. */
static void test_runs(const struct mdp *m, const struct policy *beh)
{
    const long K = 2000, R = 4;
    struct ope_error err = {0};
    double work[12];
    double vbeh = xpl_eval_true(m, m->horizon, 0.0, NULL, beh->p, work);
    double vstar = mdp_optimal_finite(m, NULL, NULL, &err);
    long cert = 0, exact = 0, incons = 0, vs_beh = 0, vs_beh_worse = 0, ucb_exact = 0;
    long base_eps = 0, base_ok = 0;
    int n_better = 0;
    struct xpl_record *rec = malloc(3 * (size_t)R * (size_t)K * sizeof *rec);
    if (!rec)
        bail_out("oom");
    for (uint64_t ls = 11; ls <= 13; ls++) {
        struct tlog *t = river_log(m, beh, 3000, ls);
        struct xpl_offline o;
        struct xpl_config c = {m, K, 0.1, 0.05,
                               {XPL_BERNSTEIN, 0.1, xpl_log_term(6, 2, 20, K, 0.05),
                                xpl_return_bound("riverswim", NULL, 0, 20)},
                               NULL, 0.0, vstar, 1e-4};
        if (xpl_offline_learn(t, m, &c.bonus, 0.05, 0, &o, &err) < 0)
            bail_out("learn: %s", err.msg);
        c.pb = o.pb;
        c.Vb = o.Vb_lower;
        if (xpl_run_many(&c, three, 3, 1, R, 0, rec, NULL, &err) < 0)
            bail_out("runs: %s", err.msg);
        double tau = 0.9 * o.Vb_lower, tau_exact = 0.9 * o.Vb_exact, tau_beh = 0.9 * vbeh;
        for (size_t i = 0; i < 2 * (size_t)R * (size_t)K; i++) {
            const struct xpl_record *e = &rec[i];
            cert += xpl_violates(e->value, tau);
            exact += e->violated_exact;
            incons += xpl_violates(e->value, tau_exact) != e->violated_exact;
            if (o.Vb_exact >= vbeh)
                vs_beh += xpl_violates(e->value, tau_beh);
            else
                vs_beh_worse += xpl_violates(e->value, tau_beh);
            /* EpsMix's episodes whose coin ran the baseline (StepMix now always mixes
             * a little: its certificate knows the baseline-only part exactly). */
            if (i >= (size_t)R * (size_t)K && !e->optimistic) {
                base_eps++;
                base_ok += e->value_real == o.Vb_exact;
            }
        }
        for (long r = 0; r < R; r++)
            for (long k = 0; k < 100; k++)
                ucb_exact += rec[(2 * (size_t)R + (size_t)r) * (size_t)K + (size_t)k]
                                 .violated_exact;
        double vmin[2] = {INFINITY, INFINITY};
        size_t RK = (size_t)R * (size_t)K;
        for (size_t i = 0; i < 2 * RK; i++)
            vmin[i / RK] = fmin(vmin[i / RK], rec[i].value);
        diag("log seed %llu: V-underbar^b %.4f, clone exact %.4f, behaviour exact %.4f; "
             "lowest episode: StepMix %.4f, EpsMix %.4f", (unsigned long long)ls, o.Vb_lower,
             o.Vb_exact, vbeh, vmin[0], vmin[1]);
        n_better += o.Vb_exact >= vbeh;
        xpl_offline_release(&o);
        tlog_free(t);
    }
    is_int(cert, 0, "StepMix/EpsMix: no episode below (1 - alpha) V-underbar^b (3 logs x 4 "
           "runs x 2000)");
    is_int(exact, 0, "StepMix/EpsMix: no episode below (1 - alpha) x the clone's exact value");
    is_int(incons, 0, "violated_exact is the test value < (1 - alpha) x the clone's exact value");
    ok(n_better >= 1, "%d of 3 clones are at least as good as the logging policy", n_better);
    is_int(vs_beh, 0, "StepMix/EpsMix with those clones: no episode below (1 - alpha) x the "
           "logging policy's exact value");
    diag("with the worse clone(s): %ld episodes below (1 - alpha) x the logging policy's value",
         vs_beh_worse);
    ok(base_eps > 0 && base_ok == base_eps, "EpsMix's baseline episodes (%ld) record the "
       "clone's exact value, not its estimate", base_eps);
    ok(ucb_exact > 0, "UCBVI on the same seeds violates the exact threshold early (%ld "
       "episodes of the first 100 x 12 runs)", ucb_exact);
    free(rec);
}

int main(void)
{
    plan_no_plan();
    test_by_hand();
    test_checks();
    struct ope_error err = {0};
    struct mdp *m = env_build_named("riverswim", NULL, 0, 20, 1.0, &err);
    struct policy *beh = m ? policy_from_spec(m, "mix:0.8", NULL, &err) : NULL;
    if (!beh)
        bail_out("riverswim: %s", err.msg);
    test_pessimism(m, beh);
    test_runs(m, beh);
    policy_free(beh);
    mdp_free(m);
    return done_testing();
}
