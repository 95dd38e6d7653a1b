/* estimators/evboot.c: the bandit source of the accumulator (see evboot.h). A chunk's
 * columns are every (policy, estimator) term of its rows; bit-identical columns are
 * merged, so each distinct vector is summed once per replicate by the kernel of
 * bootk.h, and its partials are copied to every column it stands for. */
#include "config.h"
#include "estimators/evboot.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/bootk.h"
#include "ope/base/threads.h"

#define REP_BLOCK 32        /* replicates per task of acc_run (even: two share a hash) */
#define CHUNKS_PER_PREP 16  /* chunks per task of the term precomputation */

_Static_assert(BOOTK_CHUNK == ACC_CHUNK, "the bandit kernel works on the accumulator's chunks");

static size_t cache_limit = EVBOOT_CACHE_DEFAULT;   /* only the merged vectors are touched */

void evboot_set_cache_limit(size_t bytes)
{
    cache_limit = bytes;
}

struct evboot {
    const struct est_bandit_in *in; /* [n_pol] */
    size_t n_pol;
    const struct est_spec *spec;
    size_t n_spec;
    size_t n, K;                    /* rows; columns */
    const double *extra;            /* one more column (the last), or NULL */
    size_t *col;                    /* [n_pol * n_spec] first column of (p, e) */
    struct acc_source src;
    atomic_int failed;              /* set by a precomputation task out of memory */
    /* Optional cache: chunk c's merged vectors start at cache + c K ACC_CHUNK. */
    double *cache;
    size_t *nu;                     /* [n_chunks] merged vectors of chunk c */
    size_t *slot;                   /* [n_chunks][K] which merged vector column k is */
};

/* A task's scratch: the chunk's columns (when not cached), the merged vectors and
 * which one each column is, and the kernel's partials per merged vector. */
struct scratch {
    double *terms;                  /* [K][ACC_CHUNK] */
    const double **u;               /* [K] */
    size_t *slot;                   /* [K] */
    double *dot;                    /* [REP_BLOCK][K] */
};

static size_t scratch_bytes(size_t K)
{
    return sizeof(struct scratch) + K * ACC_CHUNK * sizeof(double) + K * sizeof(double *) +
           K * sizeof(size_t) + REP_BLOCK * K * sizeof(double);
}

static struct scratch *carve(void *mem, size_t K)
{
    struct scratch *s = mem;
    char *p = (char *)(s + 1);
    s->terms = (double *)p;
    p += K * ACC_CHUNK * sizeof(double);
    s->dot = (double *)p;
    p += REP_BLOCK * K * sizeof(double);
    s->u = (const double **)p;
    p += K * sizeof(double *);
    s->slot = (size_t *)p;
    return s;
}

/* Every (policy, estimator) term of rows [lo, hi) into terms (K rows of ACC_CHUNK). */
static void chunk_terms(const struct evboot *ev, size_t lo, size_t hi, double *terms)
{
    size_t k = 0;
    for (size_t p = 0; p < ev->n_pol; p++)
        for (size_t e = 0; e < ev->n_spec; e++) {
            const struct est_desc *d = ev->spec[e].d;
            double *t[EST_MAX_TERMS];
            for (size_t q = 0; q < d->n_terms; q++)
                t[q] = terms + (k + q) * ACC_CHUNK;
            d->terms(&ev->in[p], ev->spec[e].param, lo, hi, t);
            k += d->n_terms;
        }
    if (ev->extra)
        memcpy(terms + k * ACC_CHUNK, ev->extra + lo, (hi - lo) * sizeof *terms);
}

/* Merge bit-identical vectors (m values each) of terms: u[v] points at the v-th
 * distinct one and slot[k] says which one column k is. Returns the count. Equal bits
 * give equal weighted sums, so each distinct vector is summed once. */
static size_t merge_terms(const double *terms, size_t K, size_t m, const double **u,
                          size_t *slot)
{
    size_t nu = 0;
    for (size_t k = 0; k < K; k++) {
        const double *tk = terms + k * ACC_CHUNK;
        size_t v = 0;
        while (v < nu && memcmp(u[v], tk, m * sizeof *tk) != 0)
            v++;
        if (v == nu)
            u[nu++] = tk;
        slot[k] = v;
    }
    return nu;
}

/* The merged vectors of the chunk at lo into s->u; returns their count and points
 * *sl at the column -> vector map. */
static size_t chunk_vectors(const struct evboot *ev, struct scratch *s, size_t lo, size_t m,
                            const size_t **sl)
{
    if (ev->cache) {
        size_t ch = lo / ACC_CHUNK, nu = ev->nu[ch];
        *sl = ev->slot + ch * ev->K;
        for (size_t v = 0; v < nu; v++)
            s->u[v] = ev->cache + ch * ev->K * ACC_CHUNK + v * m;
        return nu;
    }
    chunk_terms(ev, lo, lo + m, s->terms);
    *sl = s->slot;
    return merge_terms(s->terms, ev->K, m, s->u, s->slot);
}

static void src_point(void *ctx, void *mem, size_t lo, size_t m, double *sum)
{
    const struct evboot *ev = ctx;
    struct scratch *s = carve(mem, ev->K);
    const size_t *sl;
    size_t nu = chunk_vectors(ev, s, lo, m, &sl);
    for (size_t v = 0; v < nu; v++)
        s->dot[v] = acc_point_column(s->u[v], 1, m);
    for (size_t k = 0; k < ev->K; k++)
        sum[k] = s->dot[sl[k]];
}

static void src_boot(void *ctx, void *mem, size_t lo, size_t m, const uint64_t *rowkey,
                     uint64_t b0, size_t nb, double *dot, uint64_t *cnt)
{
    const struct evboot *ev = ctx;
    size_t K = ev->K;
    struct scratch *s = carve(mem, K);
    const size_t *sl;
    size_t nu = chunk_vectors(ev, s, lo, m, &sl);
    struct bootk_job job = { m, rowkey, nu, s->u, b0, nb, s->dot, cnt };
    bootk_chunk(&job);
    for (size_t r = 0; r < nb; r++)
        for (size_t k = 0; k < K; k++)
            dot[r * K + k] = s->dot[r * nu + sl[k]];
}

/* Fill the cache for chunks [task * CHUNKS_PER_PREP, ...): merged vectors copied
 * to the front of each chunk's region (the rest of it is never touched). */
static void prep_task(void *arg, size_t task)
{
    struct evboot *ev = arg;
    size_t K = ev->K, n_chunks = (ev->n + ACC_CHUNK - 1) / ACC_CHUNK;
    double *terms = malloc(K * ACC_CHUNK * sizeof *terms);
    const double **u = malloc(K * sizeof *u);
    if (!terms || !u) {
        atomic_store(&ev->failed, 1);
        goto done;
    }
    for (size_t ch = task * CHUNKS_PER_PREP;
         ch < n_chunks && ch < (task + 1) * CHUNKS_PER_PREP; ch++) {
        size_t lo = ch * ACC_CHUNK, hi = lo + ACC_CHUNK < ev->n ? lo + ACC_CHUNK : ev->n;
        size_t m = hi - lo;
        chunk_terms(ev, lo, hi, terms);
        size_t nu = merge_terms(terms, K, m, u, ev->slot + ch * K);
        double *dst = ev->cache + ch * K * ACC_CHUNK;
        for (size_t v = 0; v < nu; v++)
            memcpy(dst + v * m, u[v], m * sizeof *dst);
        ev->nu[ch] = nu;
    }
done:
    free(terms);
    free(u);
}

/* Keep the merged vectors of every chunk when they fit; without the memory (or when
 * a task fails) the callbacks recompute them instead. */
static void build_cache(struct evboot *ev, int threads)
{
    size_t n_chunks = (ev->n + ACC_CHUNK - 1) / ACC_CHUNK;
    if (n_chunks == 0 || ev->K > cache_limit / sizeof(double) / (n_chunks * ACC_CHUNK))
        return;
    /* (ope_malloc: whole huge pages, for the tasks write it whole; a failure only means
     * recomputing, said nowhere) */
    struct ope_error unused = { 0 };
    ev->cache = ope_malloc(n_chunks * ev->K * ACC_CHUNK * sizeof *ev->cache, &unused);
    ev->nu = malloc(n_chunks * sizeof *ev->nu);
    ev->slot = malloc(n_chunks * ev->K * sizeof *ev->slot);
    size_t tasks = (n_chunks + CHUNKS_PER_PREP - 1) / CHUNKS_PER_PREP;
    if (!ev->cache || !ev->nu || !ev->slot ||
        ope_parallel_for(tasks, threads, prep_task, ev, NULL, NULL) != 0 ||
        atomic_load(&ev->failed)) {
        free(ev->cache);
        ev->cache = NULL;
    }
}

struct evboot *evboot_new(const struct est_bandit_in *in, size_t n_pol,
                          const struct est_spec *spec, size_t n_spec, const double *extra,
                          size_t B, int threads, struct ope_error *err)
{
    struct evboot *ev = ope_calloc(1, sizeof *ev, err);
    if (!ev)
        return NULL;
    atomic_init(&ev->failed, 0);
    ev->in = in;
    ev->n_pol = n_pol;
    ev->spec = spec;
    ev->n_spec = n_spec;
    ev->n = n_pol ? in[0].n : 0;
    ev->col = ope_malloc((n_pol * n_spec + 1) * sizeof *ev->col, err);
    if (!ev->col) {
        evboot_free(ev);
        return NULL;
    }
    for (size_t p = 0; p < n_pol; p++)
        for (size_t e = 0; e < n_spec; e++) {
            ev->col[p * n_spec + e] = ev->K;
            ev->K += spec[e].d->n_terms;
        }
    ev->extra = n_pol ? extra : NULL;
    if (ev->extra)
        ev->K++;
    if (B > 0)
        build_cache(ev, threads);
    ev->src = (struct acc_source){ ev->n, ev->K, REP_BLOCK, scratch_bytes(ev->K), ev,
                                   src_point, src_boot, NULL };
    return ev;
}

void evboot_free(struct evboot *ev)
{
    if (!ev)
        return;
    free(ev->col);
    free(ev->cache);
    free(ev->nu);
    free(ev->slot);
    free(ev);
}

const struct acc_source *evboot_source(const struct evboot *ev)
{
    return &ev->src;
}

size_t evboot_col(const struct evboot *ev, size_t p, size_t e)
{
    return ev->col[p * ev->n_spec + e];
}

size_t evboot_extra_col(const struct evboot *ev)
{
    return ev->extra ? ev->K - 1 : (size_t)-1;
}
