/* estimators/evboot.c: the bootstrap of evaluate.c (see evboot.h). Rows are taken in
 * fixed chunks of BOOTK_CHUNK; per chunk, every (policy, estimator) term vector is
 * formed once and the bit-identical ones are merged (ipw's w r is snipw's numerator,
 * w is the denominator of snipw and sndr, ...), and the kernel of bootk.h weights
 * what is left by every replicate's counts. Tasks are blocks of replicates; each
 * folds its chunk sums into compensated sums in row order, so nothing depends on the
 * number of threads. */
#include "config.h"
#include "estimators/evboot.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/bootk.h"
#include "ope/base/rng.h"
#include "ope/base/sum.h"
#include "ope/base/threads.h"

#define REP_BLOCK 32        /* replicates per task (even: two share a hash) */
#define CHUNKS_PER_PREP 16  /* chunks per task of the term precomputation */

static size_t cache_limit = EVBOOT_CACHE_DEFAULT;   /* only the merged vectors are touched */

void evboot_set_cache_limit(size_t bytes)
{
    cache_limit = bytes;
}

struct boot_ctx {
    const struct est_bandit_in *in; /* [n_pol] */
    size_t n_pol;
    const struct eval_opts *o;
    size_t n, K;                    /* rows; term vectors per chunk */
    double *vals;
    uint64_t key;
    atomic_int failed;              /* set by any task out of memory */
    /* Optional cache: chunk c's merged vectors start at cache + c K BOOTK_CHUNK. */
    double *cache;
    size_t *nu;                     /* [n_chunks] merged vectors of chunk c */
    size_t *slot;                   /* [n_chunks][K] which merged vector term k is */
};

/* Every (policy, estimator) term of rows [lo, hi) into terms (K rows of
 * BOOTK_CHUNK), in the order policy, estimator, term. */
static void chunk_terms(const struct boot_ctx *c, size_t lo, size_t hi, double *terms)
{
    const struct eval_opts *o = c->o;
    size_t k = 0;
    for (size_t p = 0; p < c->n_pol; p++)
        for (size_t e = 0; e < o->n_spec; e++) {
            const struct est_desc *d = o->spec[e].d;
            double *t[EST_MAX_TERMS];
            for (size_t q = 0; q < d->n_terms; q++)
                t[q] = terms + (k + q) * BOOTK_CHUNK;
            d->terms(&c->in[p], o->spec[e].param, lo, hi, t);
            k += d->n_terms;
        }
}

/* Merge bit-identical vectors (m values each) of terms: u[v] points at the v-th
 * distinct one and slot[k] says which one term k is. Returns the count. Equal bits
 * give equal weighted sums, so each distinct vector is summed once. */
static size_t merge_terms(const double *terms, size_t K, size_t m, const double **u,
                          size_t *slot)
{
    size_t nu = 0;
    for (size_t k = 0; k < K; k++) {
        const double *tk = terms + k * BOOTK_CHUNK;
        size_t v = 0;
        while (v < nu && memcmp(u[v], tk, m * sizeof *tk) != 0)
            v++;
        if (v == nu)
            u[nu++] = tk;
        slot[k] = v;
    }
    return nu;
}

/* Fill the cache for chunks [task * CHUNKS_PER_PREP, ...): merged vectors copied
 * to the front of each chunk's region (the rest of it is never touched). */
static void prep_task(void *arg, size_t task)
{
    struct boot_ctx *c = arg;
    size_t K = c->K, n_chunks = (c->n + BOOTK_CHUNK - 1) / BOOTK_CHUNK;
    double *terms = malloc(K * BOOTK_CHUNK * sizeof *terms);
    const double **u = malloc(K * sizeof *u);
    if (!terms || !u) {
        atomic_store(&c->failed, 1);
        goto done;
    }
    for (size_t ch = task * CHUNKS_PER_PREP;
         ch < n_chunks && ch < (task + 1) * CHUNKS_PER_PREP; ch++) {
        size_t lo = ch * BOOTK_CHUNK, hi = lo + BOOTK_CHUNK < c->n ? lo + BOOTK_CHUNK : c->n;
        size_t m = hi - lo;
        chunk_terms(c, lo, hi, terms);
        size_t nu = merge_terms(terms, K, m, u, c->slot + ch * K);
        double *dst = c->cache + ch * K * BOOTK_CHUNK;
        for (size_t v = 0; v < nu; v++)
            memcpy(dst + v * m, u[v], m * sizeof *dst);
        c->nu[ch] = nu;
    }
done:
    free(terms);
    free(u);
}

/* One task: replicates [b0, b0 + REP_BLOCK) over every row, chunk by chunk in row
 * order. A chunk's weighted sums (bootk.h) are folded into the compensated sums of
 * each (replicate, term); its total count is exact (an integer far below 2^53). */
static void boot_task(void *arg, size_t task)
{
    struct boot_ctx *c = arg;
    const struct eval_opts *o = c->o;
    size_t B = (size_t)o->n_boot, n = c->n, K = c->K;
    size_t b0 = task * REP_BLOCK, nb = b0 + REP_BLOCK <= B ? REP_BLOCK : B - b0;
    double *terms = c->cache ? NULL : malloc(K * BOOTK_CHUNK * sizeof *terms);
    const double **u = malloc(K * sizeof *u);
    size_t *slot = malloc(K * sizeof *slot);
    double *dot = malloc(REP_BLOCK * K * sizeof *dot);
    uint64_t *cnt = malloc(REP_BLOCK * sizeof *cnt);
    uint64_t *rowkey = malloc(BOOTK_CHUNK * sizeof *rowkey);
    struct ope_sum *acc = malloc(REP_BLOCK * K * sizeof *acc);
    uint64_t *count_sum = calloc(REP_BLOCK, sizeof *count_sum);
    if ((!c->cache && !terms) || !u || !slot || !dot || !cnt || !rowkey || !acc ||
        !count_sum) {
        atomic_store(&c->failed, 1);
        goto done;
    }
    for (size_t j = 0; j < nb * K; j++)
        ope_sum_init(&acc[j]);
    for (size_t lo = 0; lo < n; lo += BOOTK_CHUNK) {
        if (ope_progress_cancelled(o->progress))
            break;
        size_t hi = lo + BOOTK_CHUNK < n ? lo + BOOTK_CHUNK : n, m = hi - lo, nu;
        const size_t *sl = slot;
        if (c->cache) {
            size_t ch = lo / BOOTK_CHUNK;
            nu = c->nu[ch];
            sl = c->slot + ch * K;
            for (size_t v = 0; v < nu; v++)
                u[v] = c->cache + ch * K * BOOTK_CHUNK + v * m;
        } else {
            chunk_terms(c, lo, hi, terms);
            nu = merge_terms(terms, K, m, u, slot);
        }
        for (size_t i = 0; i < m; i++)
            rowkey[i] = ope_mix64(c->key + (lo + i) * UINT64_C(0x9e3779b97f4a7c15));
        struct bootk_job job = { m, rowkey, nu, u, b0, nb, dot, cnt };
        bootk_chunk(&job);
        for (size_t b = 0; b < nb; b++) {
            count_sum[b] += cnt[b];
            for (size_t k = 0; k < K; k++)
                ope_sum_add(&acc[b * K + k], dot[b * nu + sl[k]]);
        }
    }
    for (size_t b = 0; b < nb; b++) {
        size_t k = 0;
        for (size_t p = 0; p < c->n_pol; p++)
            for (size_t e = 0; e < o->n_spec; e++) {
                const struct est_desc *d = o->spec[e].d;
                double sums[EST_MAX_TERMS];
                for (size_t q = 0; q < d->n_terms; q++)
                    sums[q] = ope_sum_value(&acc[b * K + k + q]);
                k += d->n_terms;
                c->vals[(p * o->n_spec + e) * B + b0 + b] =
                    d->combine(sums, (double)count_sum[b]);
            }
    }
done:
    free(terms);
    free(u);
    free(slot);
    free(dot);
    free(cnt);
    free(rowkey);
    free(acc);
    free(count_sum);
}

int evboot_run(const struct est_bandit_in *in, size_t n_pol, const struct eval_opts *o,
               double *vals, struct ope_error *err)
{
    struct boot_ctx c;
    memset(&c, 0, sizeof c);
    c.in = in;
    c.n_pol = n_pol;
    c.o = o;
    c.n = n_pol ? in[0].n : 0;
    c.vals = vals;
    c.key = ope_rng_key(o->seed, OPE_RNG_BOOTSTRAP, 0);
    for (size_t e = 0; e < o->n_spec; e++)
        c.K += o->spec[e].d->n_terms;
    c.K *= n_pol;
    if (c.K == 0)
        return 0;
    size_t n_chunks = (c.n + BOOTK_CHUNK - 1) / BOOTK_CHUNK;
    int rc = 0;
    if (n_chunks > 0 && c.K <= cache_limit / sizeof(double) / (n_chunks * BOOTK_CHUNK)) {
        /* Without memory for the cache the tasks recompute the terms instead. */
        c.cache = malloc(n_chunks * c.K * BOOTK_CHUNK * sizeof *c.cache);
        c.nu = malloc(n_chunks * sizeof *c.nu);
        c.slot = malloc(n_chunks * c.K * sizeof *c.slot);
        if (!c.cache || !c.nu || !c.slot) {
            free(c.cache);
            c.cache = NULL;
        } else {
            size_t tasks = (n_chunks + CHUNKS_PER_PREP - 1) / CHUNKS_PER_PREP;
            if (ope_parallel_for(tasks, o->threads, prep_task, &c, NULL, NULL) != 0 ||
                atomic_load(&c.failed)) {
                free(c.cache);
                c.cache = NULL;
                atomic_store(&c.failed, 0);
            }
        }
    }
    size_t tasks = ((size_t)o->n_boot + REP_BLOCK - 1) / REP_BLOCK;
    if (ope_parallel_for(tasks, o->threads, boot_task, &c, o->progress, "bootstrap") != 0 ||
        ope_progress_cancelled(o->progress))
        rc = ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
    else if (atomic_load(&c.failed))
        rc = ope_fail_oom(err);
    free(c.cache);
    free(c.nu);
    free(c.slot);
    return rc;
}
