/* t/0331-bootk.c: the bootstrap kernel. Its counts are Poisson(1) draws inverted with
 * ope/base/rng.c's table, and its weighted sums are bit-identical to a direct transcription
 * of the definition (four lanes by row mod 4, the tail into lane 0, then
 * (l0 + l1) + (l2 + l3)), for the vector and the plain implementation alike, at
 * every chunk length, block size and number of term vectors (including the sizes
 * where the vector code splits its work). Then the whole bootstrap: the vector and
 * plain kernels, and cached and recomputed terms, give the same replicates. */
#include "config.h"
#include "t/tap.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/gen_bandit.h"
#include "estimators/bootk.h"
#include "estimators/evaluate.h"
#include "estimators/evboot.h"
#include "ope/base/rng.h"

/* The definition, written out independently of bootk.c. */
static void reference(const struct bootk_job *j, double *dot, uint64_t *count)
{
    for (size_t r = 0; r < j->nb; r++) {
        uint64_t b = j->b0 + r;
        uint64_t salt = (b / 2) * UINT64_C(0xc2b2ae3d27d4eb4f) + UINT64_C(0x165667b19e3779f9);
        double *c = malloc(j->m * sizeof *c);
        count[r] = 0;
        for (size_t i = 0; i < j->m; i++) {
            uint64_t h = ope_mix64(j->rowkey[i] ^ salt);
            int k = ope_poisson1_from_u32(b % 2 ? (uint32_t)h : (uint32_t)(h >> 32));
            c[i] = k;
            count[r] += (uint64_t)k;
        }
        for (size_t u = 0; u < j->nu; u++) {
            double l[4] = { 0, 0, 0, 0 };
            size_t m4 = j->m - j->m % 4;
            for (size_t i = 0; i < m4; i++)
                l[i % 4] += c[i] * j->t[u][i];
            for (size_t i = m4; i < j->m; i++)
                l[0] += c[i] * j->t[u][i];
            dot[r * j->nu + u] = (l[0] + l[1]) + (l[2] + l[3]);
        }
        free(c);
    }
}

/* A term value of varied magnitude and sign, sometimes 0, -0 or tiny. */
static double term_value(struct ope_rng *g)
{
    uint64_t u = ope_rng_u64(g);
    switch (u % 8) {
    case 0: return 0.0;
    case 1: return -0.0;
    case 2: return ldexp(ope_rng_uniform(g), -(int)(u >> 40) % 60);
    default: return (ope_rng_uniform(g) - 0.3) * ldexp(1.0, (int)((u >> 8) % 40) - 20);
    }
}

static int same_bits(const double *a, const double *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

static void kernel_cases(void)
{
    static const size_t ms[] = { 1, 3, 4, 5, 8, 9, 13, 511, 512, 513, 1021, 2047, 2048, 4095,
                                 4096 };
    static const size_t nbs[] = { 1, 2, 3, 32, 63, 64, 65, 130 };
    static const size_t nus[] = { 1, 2, 5, 7, 8, 9, 17, 33 };
    struct ope_rng g;
    ope_rng_init(&g, 5, OPE_RNG_TEST, 31);
    uint64_t *rk = malloc(BOOTK_CHUNK * sizeof *rk);
    double *tv = malloc(33 * BOOTK_CHUNK * sizeof *tv);
    const double *t[33];
    double *dot = malloc(130 * 33 * sizeof *dot), *want = malloc(130 * 33 * sizeof *want);
    uint64_t cnt[130], wcnt[130];
    int bad[2] = { 0, 0 }, cases = 0;
    for (size_t a = 0; a < sizeof ms / sizeof *ms; a++)
        for (size_t b = 0; b < sizeof nbs / sizeof *nbs; b++)
            for (size_t c = 0; c < sizeof nus / sizeof *nus; c++) {
                size_t m = ms[a], nb = nbs[b], nu = nus[c];
                if (m * nb * nu > 3000000)      /* keep the test fast */
                    continue;
                for (size_t i = 0; i < m; i++)
                    rk[i] = ope_mix64(ope_rng_u64(&g));
                for (size_t u = 0; u < nu; u++) {
                    for (size_t i = 0; i < m; i++)
                        tv[u * BOOTK_CHUNK + i] = term_value(&g);
                    t[u] = tv + u * BOOTK_CHUNK;
                }
                uint64_t b0 = 2 * (ope_rng_u64(&g) % 1000);
                struct bootk_job j = { m, rk, nu, t, b0, nb, dot, cnt };
                reference(&j, want, wcnt);
                for (int gen = 0; gen < 2; gen++) {
                    bootk_use_generic(gen);
                    memset(dot, 0xAB, nb * nu * sizeof *dot);
                    bootk_chunk(&j);
                    if (!same_bits(dot, want, nb * nu) ||
                        memcmp(cnt, wcnt, nb * sizeof *cnt) != 0) {
                        if (bad[gen]++ < 3)
                            diag("%s: m %zu nb %zu nu %zu differs", gen ? "generic" : bootk_impl(),
                                 m, nb, nu);
                    }
                }
                bootk_use_generic(0);
                cases++;
            }
    ok(bad[0] == 0, "kernel '%s' equals the definition bit for bit in %d cases", bootk_impl(),
       cases);
    ok(bad[1] == 0, "the plain kernel equals the definition bit for bit in %d cases", cases);
    free(rk);
    free(tv);
    free(dot);
    free(want);
}

/* Rare counts (k >= 8, where the vector code finishes in scalar code) are found
 * and counted the same way. */
static void rare_counts(void)
{
    int seen = 0, bad = 0;
    for (uint64_t x = 0; x < 3000000 && seen < 20; x++) {
        uint64_t rk = ope_mix64(x);
        for (uint64_t b = 0; b < 2; b++) {
            uint64_t h = ope_mix64(rk ^ UINT64_C(0x165667b19e3779f9));
            int want = ope_poisson1_from_u32(b ? (uint32_t)h : (uint32_t)(h >> 32));
            bad += bootk_count(rk, b) != want;
            seen += want >= 8;
        }
    }
    ok(seen >= 1 && bad == 0, "bootk_count equals the rng table's inversion (%d draws >= 8)",
       seen);
}

/* The whole bootstrap on a generated log with several policies and estimators:
 * vector and plain kernels agree, and so do cached and recomputed terms. */
static void whole_bootstrap(void)
{
    struct gen_bandit_opts go;
    gen_bandit_opts_init(&go);
    go.rows = 5003;         /* two full chunks and a ragged one */
    go.seed = 3;
    go.policies = "greedy,softmax:3";
    struct ope_error err = { 0 };
    struct blog *log = gen_bandit(&go, &err);
    struct est_spec *spec = NULL;
    size_t ns = 0;
    if (!log || est_spec_list("dm,ipw,ipw:clip=1.2,snipw,dr,sndr,switch-dr:tau=1.5,dr-os,sg-ipw",
                              EST_BANDIT, &spec, &ns, &err) != 0)
        bail_out("%s", err.msg);
    struct eval_opts o;
    eval_opts_init(&o);
    o.spec = spec;
    o.n_spec = ns;
    o.n_boot = 37;
    o.threads = 2;
    size_t pol[2] = { 0, 1 }, nv = 2 * ns * (size_t)o.n_boot;
    double *v[4];
    for (int k = 0; k < 4; k++) {
        v[k] = malloc(nv * sizeof *v[k]);
        bootk_use_generic(k % 2);
        evboot_set_cache_limit(k < 2 ? EVBOOT_CACHE_DEFAULT : 0);
        if (eval_bootstrap_values(log, &o, log->q, pol, 2, v[k], &err) != 0)
            bail_out("%s", err.msg);
    }
    bootk_use_generic(0);
    evboot_set_cache_limit(EVBOOT_CACHE_DEFAULT);
    ok(same_bits(v[0], v[1], nv), "bootstrap replicates: %s and plain kernels agree", bootk_impl());
    ok(same_bits(v[0], v[2], nv) && same_bits(v[0], v[3], nv),
       "cached and recomputed term vectors give the same replicates");
    int finite = 1;
    for (size_t k = 0; k < nv; k++)
        finite &= isfinite(v[0][k]);
    ok(finite, "all %zu replicates are finite", nv);
    for (int k = 0; k < 4; k++)
        free(v[k]);
    free(spec);
    blog_free(log);
}

int main(void)
{
    plan_no_plan();
    kernel_cases();
    rare_counts();
    whole_bootstrap();
    return done_testing();
}
