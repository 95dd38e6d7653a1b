/* t/0985-accum.c: the evaluation accumulator (estimators/accum.h) is mergeable.
 *   - ope_xsum: the same values added in any order, or split and merged in any
 *     grouping, give the same bits, and integer sums come out exact;
 *   - bandit and trajectory sources: feeding the chunks in groups to separate states
 *     and merging them (several groupings and orders) gives bit for bit the state
 *     of one parallel pass (acc_run), and that state is what the engines report:
 *     eval_bootstrap_values' replicates, eval_bandit's values, eval_traj's values
 *     and bootstrap bounds. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/gen_bandit.h"
#include "datasets/mdp.h"
#include "datasets/policy.h"
#include "datasets/sampler.h"
#include "estimators/accum.h"
#include "estimators/ci.h"
#include "estimators/evaluate.h"
#include "estimators/evaluate_traj.h"
#include "estimators/evboot.h"
#include "estimators/traj.h"
#include "estimators/trajboot.h"
#include "ope/base/rng.h"
#include "ope/base/xsum.h"
#include "t/tap.h"

static int same_bits(const double *a, const double *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

/* ---- ope_xsum ---------------------------------------------------------------------- */

static void test_xsum(void)
{
    enum { N = 5000 };
    static double v[N];
    struct ope_rng g;
    ope_rng_init(&g, 1, OPE_RNG_TEST, 85);
    /* Magnitudes over 2^-60 .. 2^60, both signs, and pairs that cancel exactly. */
    for (size_t i = 0; i < N; i += 2) {
        v[i] = (ope_rng_uniform(&g) - 0.5) * ldexp(1.0, (int)ope_rng_below(&g, 121) - 60);
        v[i + 1] = i % 6 == 0 ? -v[i] : ope_rng_normal(&g);
    }
    struct ope_xsum fwd, bwd, parts[7], tree;
    ope_xsum_init(&fwd);
    ope_xsum_init(&bwd);
    for (size_t i = 0; i < N; i++) {
        ope_xsum_add(&fwd, v[i]);
        ope_xsum_add(&bwd, v[N - 1 - i]);
    }
    /* Seven interleaved parts merged right to left. */
    for (int k = 0; k < 7; k++)
        ope_xsum_init(&parts[k]);
    for (size_t i = 0; i < N; i++)
        ope_xsum_add(&parts[(i * 5) % 7], v[i]);
    tree = parts[6];
    for (int k = 5; k >= 0; k--) {
        struct ope_xsum t = parts[k];
        ope_xsum_merge(&t, &tree);
        tree = t;
    }
    double a = ope_xsum_value(&fwd), b = ope_xsum_value(&bwd), c = ope_xsum_value(&tree);
    ok(!memcmp(&a, &b, sizeof a) && !memcmp(&a, &c, sizeof a),
       "xsum: forward, backward and merged parts give the same bits (%.17g)", a);
    /* A reference in long double, accurate to far below the tolerance here. */
    long double ref = 0;
    double mag = 0;
    for (size_t i = 0; i < N; i++) {
        ref += v[i];
        mag += fabs(v[i]);
    }
    ok(fabs(a - (double)ref) <= 1e-15 * mag, "xsum: the value is the sum (off %.3g of %.3g)",
       fabs(a - (double)ref), mag);
    /* Integers: 1e15 + 3 - 1e15 + ... exact, whatever a double running sum does. */
    struct ope_xsum z;
    ope_xsum_init(&z);
    ope_xsum_add(&z, 1e16);
    ope_xsum_add(&z, 1.0);
    ope_xsum_add(&z, 1.0);
    ope_xsum_add(&z, -1e16);
    is_double(ope_xsum_value(&z), 2.0, 0, "xsum: 1e16 + 1 + 1 - 1e16 = 2 exactly");
    ope_xsum_add(&z, INFINITY);
    ok(ope_xsum_value(&z) == INFINITY, "xsum: + inf is inf");
    ope_xsum_add(&z, -INFINITY);
    ok(isnan(ope_xsum_value(&z)), "xsum: inf - inf is NaN");
}

/* ---- the split-and-merge check for any source ------------------------------------- */

/* States over chunk groups [cut[g], cut[g + 1]), merged in the order given. */
static int grouped(const struct acc_source *src, uint64_t seed, size_t B, const size_t *cut,
                   size_t n_groups, const size_t *order, double *point, double *rep,
                   double *rep_n)
{
    struct ope_error err = { 0 };
    struct acc_state *st = calloc(n_groups, sizeof *st);
    for (size_t g = 0; g < n_groups; g++)
        if (acc_init(&st[g], src->K, B, &err) != 0 ||
            acc_add_chunks(&st[g], src, seed, cut[g], cut[g + 1], &err) != 0)
            bail_out("%s", err.msg);
    for (size_t g = 1; g < n_groups; g++)
        acc_merge(&st[order[0]], &st[order[g]]);
    acc_finalize(&st[order[0]], point, rep, rep_n);
    int rows_ok = st[order[0]].n == src->n;
    for (size_t g = 0; g < n_groups; g++)
        acc_release(&st[g]);
    free(st);
    return rows_ok;
}

/* One pass with acc_run, then three groupings; 1 when all four agree bit for bit.
 * point/rep/rep_n get the one-pass sums. */
static int check_source(const struct acc_source *src, uint64_t seed, size_t B, int threads,
                        double *point, double *rep, double *rep_n, const char *what)
{
    struct ope_error err = { 0 };
    struct acc_state st;
    if (acc_init(&st, src->K, B, &err) != 0 ||
        acc_run(&st, src, seed, threads, NULL, &err) != 0)
        bail_out("%s", err.msg);
    acc_finalize(&st, point, rep, rep_n);
    acc_release(&st);
    size_t nc = (src->n + ACC_CHUNK - 1) / ACC_CHUNK, K = src->K;
    double *p2 = malloc((K + 1) * sizeof *p2), *r2 = malloc((B * K + 1) * sizeof *r2);
    double *n2 = malloc((B + 1) * sizeof *n2);
    /* Groupings of the chunks: each alone merged last to first; first | rest; a
     * middle group merged before the ends. */
    size_t cut_a[16], ord_a[16], cut_b[3] = { 0, 1, nc }, ord_b[2] = { 1, 0 };
    size_t cut_c[4] = { 0, 1, nc - 1, nc }, ord_c[3] = { 1, 2, 0 };
    for (size_t c = 0; c <= nc; c++)
        cut_a[c] = c;
    for (size_t c = 0; c < nc; c++)
        ord_a[c] = nc - 1 - c;
    int same = 1;
    for (int k = 0; k < 3; k++) {
        int rows = k == 0 ? grouped(src, seed, B, cut_a, nc, ord_a, p2, r2, n2)
                 : k == 1 ? grouped(src, seed, B, cut_b, 2, ord_b, p2, r2, n2)
                          : grouped(src, seed, B, cut_c, 3, ord_c, p2, r2, n2);
        int s = rows && same_bits(point, p2, K) && same_bits(rep, r2, B * K) &&
                same_bits(rep_n, n2, B);
        if (!s)
            diag("%s: grouping %d differs", what, k);
        same &= s;
    }
    free(p2), free(r2), free(n2);
    return same;
}

/* ---- bandit ------------------------------------------------------------------------ */

static void test_bandit(void)
{
    struct gen_bandit_opts go;
    gen_bandit_opts_init(&go);
    go.rows = 3 * ACC_CHUNK + 77;   /* four chunks, the last one ragged */
    go.seed = 9;
    go.policies = "greedy,softmax:3";
    struct ope_error err = { 0 };
    struct blog *log = gen_bandit(&go, &err);
    struct est_spec *spec = NULL;
    size_t ns = 0;
    if (!log || est_spec_list(NULL, EST_BANDIT, &spec, &ns, &err) != 0)
        bail_out("%s", err.msg);
    size_t n = log->n, A = (size_t)log->n_actions, B = 41;
    /* The row inputs as the engine forms them, with the true q as the model. */
    struct est_bandit_in in[2];
    double *buf = malloc(2 * 4 * n * sizeof *buf);
    for (size_t p = 0; p < 2; p++) {
        double *w = buf + 4 * n * p, *qa = w + n, *qpi = qa + n, *pa = qpi + n;
        for (size_t i = 0; i < n; i++) {
            int a = log->action[i];
            pa[i] = log->policy[p].prob[a][i];
            w[i] = pa[i] / log->pscore[i];
            qa[i] = log->q[a][i];
            double s = 0;
            for (size_t b = 0; b < A; b++)
                s += log->policy[p].prob[b][i] * log->q[b][i];
            qpi[i] = s;
        }
        in[p] = (struct est_bandit_in){ .n = n, .w = w, .r = log->reward, .qhat_a = qa,
                                        .qhat_pi = qpi, .pi_a = pa };
    }
    for (int cached = 1; cached >= 0; cached--) {
        evboot_set_cache_limit(cached ? EVBOOT_CACHE_DEFAULT : 0);
        struct evboot *ev = evboot_new(in, 2, spec, ns, NULL, B, 2, &err);
        if (!ev)
            bail_out("%s", err.msg);
        const struct acc_source *src = evboot_source(ev);
        size_t K = src->K;
        double *point = malloc(K * sizeof *point), *rep = malloc(B * K * sizeof *rep);
        double rep_n[41];
        ok(check_source(src, 77, B, 3, point, rep, rep_n, "bandit"),
           "bandit, %s terms: chunks fed in groups and merged = one pass, bit for bit",
           cached ? "cached" : "recomputed");
        if (cached) {
            /* The engine's replicates and values are these sums combined. */
            struct eval_opts o;
            eval_opts_init(&o);
            o.spec = spec;
            o.n_spec = ns;
            o.n_boot = (int)B;
            o.seed = 77;
            size_t pol[2] = { 0, 1 };
            double *vals = malloc(2 * ns * B * sizeof *vals);
            if (eval_bootstrap_values(log, &o, log->q, pol, 2, vals, &err) != 0)
                bail_out("%s", err.msg);
            int same = 1;
            for (size_t p = 0; p < 2; p++)
                for (size_t e = 0; e < ns; e++)
                    for (size_t b = 0; b < B; b++) {
                        double v = spec[e].d->combine(rep + b * K + evboot_col(ev, p, e),
                                                      rep_n[b]);
                        same &= !memcmp(&v, &vals[(p * ns + e) * B + b], sizeof v);
                    }
            ok(same, "eval_bootstrap_values = the accumulated replicate sums combined");
            /* eval_bandit with the true q given as the model's columns. */
            log->qhat = log->q;
            o.threads = 2;
            struct res_eval *r = eval_bandit(log, &o, &err);
            log->qhat = NULL;
            if (!r)
                bail_out("%s", err.msg);
            same = 1;
            for (size_t p = 0; p < 2; p++)
                for (size_t e = 0; e < ns; e++) {
                    double v = spec[e].d->combine(point + evboot_col(ev, p, e), (double)n);
                    same &= !memcmp(&v, &r->pol[p].est[e].value, sizeof v);
                }
            ok(same, "eval_bandit's values = the accumulated point sums combined");
            res_eval_free(r);
            free(vals);
        }
        free(point), free(rep);
        evboot_free(ev);
    }
    evboot_set_cache_limit(EVBOOT_CACHE_DEFAULT);
    free(buf), free(spec);
    blog_free(log);
}

/* ---- trajectories ------------------------------------------------------------------ */

/* A 3-state, 2-action MDP of horizon 4 sampled under a behaviour policy, with two
 * evaluation policies (as t/0980-trajboot.c). */
static struct tlog *sample_log(size_t episodes)
{
    struct ope_error err = { 0 };
    struct mdp *m = mdp_new(3, 2, &err);
    struct ope_rng r;
    ope_rng_init(&r, 6, OPE_RNG_TEST, 0);
    for (int k = 0; k < 6; k++) {
        double z = 0;
        for (int s = 0; s < 3; s++)
            z += m->P[k * 3 + s] = 0.1 + ope_rng_uniform(&r);
        for (int s = 0; s < 3; s++)
            m->P[k * 3 + s] /= z;
        m->R[k] = ope_rng_uniform(&r);
    }
    m->mu0[0] = 1;
    m->horizon = 4;
    m->gamma = 0.9;
    if (mdp_finalize(m, &err) != 0)
        bail_out("%s", err.msg);
    struct policy *pb = policy_new(3, 2, &err), *pe1 = policy_new(3, 2, &err);
    struct policy *pe2 = policy_new(3, 2, &err);
    const double b0[] = { 0.5, 0.4, 0.6 }, e1[] = { 0.8, 0.6, 0.3 }, e2[] = { 0.2, 0.5, 0.9 };
    for (int s = 0; s < 3; s++) {
        pb->p[2 * s] = b0[s], pb->p[2 * s + 1] = 1 - b0[s];
        pe1->p[2 * s] = e1[s], pe1->p[2 * s + 1] = 1 - e1[s];
        pe2->p[2 * s] = e2[s], pe2->p[2 * s + 1] = 1 - e2[s];
    }
    struct sampler *smp = sampler_new(m, pb, &err);
    const struct policy *c[] = { pe1, pe2 };
    const char *names[] = { "e1", "e2" };
    struct tlog *t = sampler_run(smp, episodes, 13, c, names, 2, 1, NULL, &err);
    if (!t)
        bail_out("%s", err.msg);
    t->gamma = 0.9;
    sampler_free(smp);
    policy_free(pb), policy_free(pe1), policy_free(pe2);
    mdp_free(m);
    return t;
}

static void test_traj(void)
{
    struct ope_error err = { 0 };
    struct tlog *t = sample_log(2 * ACC_CHUNK + 300);
    struct est_spec *spec = NULL;
    size_t ns = 0;
    if (est_spec_list("tis,pdis,wtis,wpdis,dr,wdr", EST_TRAJ, &spec, &ns, &err) != 0)
        bail_out("%s", err.msg);
    size_t N = t->n_episodes, n = t->n_steps, B = 37;
    /* Pack every (policy, estimator) slot as the engine does: numerators, then
     * denominators, policy after policy, padded to whole bands. */
    struct traj_terms tt[2][8];
    size_t off[2][8], W = 0;
    double *w = malloc(n * sizeof *w), *rho = malloc(n * sizeof *rho);
    double *qa = malloc(n * sizeof *qa), *v = malloc(n * sizeof *v);
    struct vm_opts vo;
    vm_opts_init(&vo);
    for (size_t p = 0; p < 2; p++) {
        if (traj_weights(t, p, w, rho, &err) != 0 || vm_fit(t, p, 0.9, &vo, qa, v, &err) != 0)
            bail_out("%s", err.msg);
        struct traj_in in = { t, p, t->horizon, 0.9, w, rho, qa, v, NULL, NULL, 0 };
        for (size_t e = 0; e < ns; e++) {
            if (spec[e].d->traj_build(&in, spec[e].param, &tt[p][e], &err) != 0)
                bail_out("%s", err.msg);
            off[p][e] = W;
            W += tt[p][e].K * (tt[p][e].den ? 2 : 1);
        }
    }
    W = (W + TRAJBOOT_PAD - 1) / TRAJBOOT_PAD * TRAJBOOT_PAD;
    double *S = calloc(N * W, sizeof *S);
    for (size_t p = 0; p < 2; p++)
        for (size_t e = 0; e < ns; e++) {
            const struct traj_terms *x = &tt[p][e];
            for (size_t i = 0; i < N; i++)
                for (size_t k = 0; k < x->K; k++) {
                    S[trajboot_at(N, i, off[p][e] + k)] = x->num[i * x->K + k];
                    if (x->den)
                        S[trajboot_at(N, i, off[p][e] + x->K + k)] = x->den[i * x->K + k];
                }
        }
    struct trajboot tb;
    if (trajboot_init(&tb, S, N, W, &err) != 0)
        bail_out("%s", err.msg);
    double *point = malloc(W * sizeof *point), *rep = malloc(B * W * sizeof *rep), rep_n[37];
    ok(check_source(&tb.src, 4242, B, 2, point, rep, rep_n, "trajectories"),
       "trajectories (%zu episodes, %zu columns): chunks fed in groups and merged = one "
       "pass, bit for bit", N, W);
    /* eval_traj reports these sums: values from the point sums, bounds from the
     * percentile of the replicates' values. */
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = spec;
    o.n_spec = ns;
    o.n_boot = (int)B;
    o.seed = 4242;
    o.threads = 3;
    struct res_eval *r = eval_traj(t, &o, &err);
    if (!r)
        bail_out("%s", err.msg);
    int same_v = 1, same_ci = 1;
    double vals[37];
    for (size_t p = 0; p < 2; p++)
        for (size_t e = 0; e < ns; e++) {
            const struct traj_terms *x = &tt[p][e];
            size_t c = off[p][e], K = x->K;
            double val = traj_value_sums(x->coef, K, point + c, x->den ? point + c + K : NULL,
                                         (double)N);
            same_v &= !memcmp(&val, &r->pol[p].est[e].value, sizeof val);
            for (size_t b = 0; b < B; b++)
                vals[b] = traj_value_sums(x->coef, K, rep + b * W + c,
                                          x->den ? rep + b * W + c + K : NULL, rep_n[b]);
            double lo, hi;
            ci_percentile(vals, B, o.alpha, &lo, &hi);
            same_ci &= !memcmp(&lo, &r->pol[p].est[e].lower, sizeof lo) &&
                       !memcmp(&hi, &r->pol[p].est[e].upper, sizeof hi);
        }
    ok(same_v, "eval_traj's values = the accumulated point sums");
    ok(same_ci, "eval_traj's bootstrap bounds = percentiles of the accumulated replicates");
    res_eval_free(r);
    for (size_t p = 0; p < 2; p++)
        for (size_t e = 0; e < ns; e++)
            traj_terms_release(&tt[p][e]);
    free(point), free(rep), free(S), free(w), free(rho), free(qa), free(v), free(spec);
    tlog_free(t);
}

int main(void)
{
    plan_no_plan();
    test_xsum();
    test_bandit();
    test_traj();
    return done_testing();
}
