/* estimators/accum.c: the accumulator of accum.h and its parallel driver. acc_run
 * splits the work two ways that give the same bits as one pass: point sums by
 * groups of chunks (each group's partial states merged afterwards), bootstrap sums
 * by blocks of replicates (each task walks every chunk for its own replicates, so
 * the source's columns of a chunk stay in cache across the block). */
#include "config.h"
#include "estimators/accum.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ope/base/rng.h"
#include "ope/base/sum.h"
#include "ope/base/threads.h"

#define POINT_GROUP 16      /* chunks per point task */

int acc_init(struct acc_state *s, size_t K, size_t B, struct ope_error *err)
{
    memset(s, 0, sizeof *s);
    s->K = K;
    s->B = B;
    s->point = ope_malloc((K ? K : 1) * sizeof *s->point, err);
    s->rep_n = ope_calloc(B ? B : 1, sizeof *s->rep_n, err);
    s->rep = ope_malloc((B * K + 1) * sizeof *s->rep, err);
    if (!s->point || !s->rep_n || !s->rep) {
        acc_release(s);
        return -1;
    }
    for (size_t k = 0; k < K; k++)
        ope_xsum_init(&s->point[k]);
    for (size_t j = 0; j < B * K; j++)
        ope_xsum_init(&s->rep[j]);
    return 0;
}

void acc_release(struct acc_state *s)
{
    free(s->point);
    free(s->rep_n);
    free(s->rep);
    s->point = NULL;
    s->rep_n = NULL;
    s->rep = NULL;
}

void acc_merge(struct acc_state *into, const struct acc_state *from)
{
    into->n += from->n;
    for (size_t k = 0; k < into->K; k++)
        ope_xsum_merge(&into->point[k], &from->point[k]);
    for (size_t b = 0; b < into->B; b++)
        into->rep_n[b] += from->rep_n[b];
    for (size_t j = 0; j < into->B * into->K; j++)
        ope_xsum_merge(&into->rep[j], &from->rep[j]);
}

void acc_merge_cols(struct acc_state *into, const struct acc_state *from, const size_t *map)
{
    into->n += from->n;
    for (size_t k = 0; k < into->K; k++)
        if (map[k] != (size_t)-1)
            ope_xsum_merge(&into->point[k], &from->point[map[k]]);
    for (size_t b = 0; b < into->B; b++) {
        into->rep_n[b] += from->rep_n[b];
        for (size_t k = 0; k < into->K; k++)
            if (map[k] != (size_t)-1)
                ope_xsum_merge(&into->rep[b * into->K + k], &from->rep[b * from->K + map[k]]);
    }
}

void acc_put(struct strbuf *sb, const struct acc_state *s)
{
    sf_put_u64(sb, s->K);
    sf_put_u64(sb, s->B);
    sf_put_u64(sb, s->n);
    for (size_t k = 0; k < s->K; k++)
        sf_put_xsum(sb, &s->point[k]);
    for (size_t b = 0; b < s->B; b++)
        sf_put_u64(sb, s->rep_n[b]);
    for (size_t j = 0; j < s->B * s->K; j++)
        sf_put_xsum(sb, &s->rep[j]);
}

int acc_get(struct sf_state *st, struct acc_state *s, size_t K, size_t B,
            struct ope_error *err)
{
    memset(s, 0, sizeof *s);
    /* The shape is the caller's (it follows from the settings the state was checked
     * against), so a damaged count never sizes an allocation. */
    if (sf_get_count(st, K, K) != K || sf_get_count(st, B, B) != B || st->bad)
        return sf_done(st, err);
    if (acc_init(s, K, B, err) != 0)
        return -1;
    s->n = sf_get_u64(st);
    for (size_t k = 0; k < K; k++)
        sf_get_xsum(st, &s->point[k]);
    for (size_t b = 0; b < B; b++)
        s->rep_n[b] = sf_get_u64(st);
    for (size_t j = 0; j < B * K; j++)
        sf_get_xsum(st, &s->rep[j]);
    if (st->bad) {
        acc_release(s);
        return sf_done(st, err);
    }
    return 0;
}

void acc_finalize(const struct acc_state *s, double *point, double *rep, double *rep_n)
{
    for (size_t k = 0; point && k < s->K; k++)
        point[k] = ope_xsum_value(&s->point[k]);
    for (size_t j = 0; rep && j < s->B * s->K; j++)
        rep[j] = ope_xsum_value(&s->rep[j]);
    for (size_t b = 0; rep_n && b < s->B; b++)
        rep_n[b] = (double)s->rep_n[b];
}

uint64_t acc_key(uint64_t seed)
{
    return ope_rng_key(seed, OPE_RNG_BOOTSTRAP, 0);
}

uint64_t acc_rowkey(uint64_t key, uint64_t i)
{
    return ope_mix64(key + i * UINT64_C(0x9e3779b97f4a7c15));
}

int acc_count(uint64_t rowkey, uint64_t b)
{
    uint64_t salt = (b / 2) * UINT64_C(0xc2b2ae3d27d4eb4f) + UINT64_C(0x165667b19e3779f9);
    uint64_t h = ope_mix64(rowkey ^ salt);
    return ope_poisson1_from_u32(b % 2 ? (uint32_t)h : (uint32_t)(h >> 32));
}

struct copies_ctx {
    size_t n, R, chunk, n_ranges;
    uint64_t first, key;
    void (*count)(void *ctx, size_t e, size_t part, const double *m, size_t r0, size_t r1);
    void *ctx;
    atomic_int failed;
};

/* Task k: part k / n_ranges, its copies in range k % n_ranges, every episode. */
static void copies_task(void *arg, size_t task)
{
    struct copies_ctx *x = arg;
    size_t part = task / x->n_ranges, r0 = (task % x->n_ranges) * x->chunk;
    size_t r1 = r0 + x->chunk < x->R ? r0 + x->chunk : x->R;
    double *m = malloc((x->R + 1) * sizeof *m);
    if (!m) {
        atomic_store(&x->failed, 1);
        return;
    }
    m[0] = 1.0;
    for (size_t e = 0; e < x->n; e++) {
        uint64_t rk = acc_rowkey(x->key, x->first + e);
        for (size_t r = r0 > 1 ? r0 : 1; r < r1; r++)
            m[r] = (double)acc_count(rk, r - 1);
        x->count(x->ctx, e, part, m, r0, r1);
    }
    free(m);
}

int acc_count_copies(size_t n, size_t n_parts, size_t R, uint64_t first, uint64_t seed,
                     int threads,
                     void (*count)(void *ctx, size_t e, size_t part, const double *m,
                                   size_t r0, size_t r1),
                     void *ctx, struct ope_error *err)
{
    int nt = threads > 0 ? threads : ope_default_threads();
    size_t ranges = R < (size_t)nt * 4 ? R : (size_t)nt * 4;
    struct copies_ctx x = { n, R, 0, 0, first, acc_key(seed), count, ctx, 0 };
    x.chunk = (R + ranges - 1) / (ranges ? ranges : 1);
    x.n_ranges = x.chunk ? (R + x.chunk - 1) / x.chunk : 0;
    if (ope_parallel_for(n_parts * x.n_ranges, threads, copies_task, &x, NULL, NULL) != 0)
        return ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
    return atomic_load(&x.failed) ? ope_fail_oom(err) : 0;
}

double acc_point_column(const double *col, size_t stride, size_t m)
{
    struct ope_sum s;
    ope_sum_init(&s);
    for (size_t i = 0; i < m; i++)
        ope_sum_add(&s, col[i * stride]);
    return ope_sum_value(&s);
}

double acc_point_sum(const double *col, size_t stride, size_t n)
{
    struct ope_xsum x;
    ope_xsum_init(&x);
    for (size_t lo = 0; lo < n; lo += ACC_CHUNK)
        ope_xsum_add(&x, acc_point_column(col + lo * stride, stride,
                                          n - lo < ACC_CHUNK ? n - lo : ACC_CHUNK));
    return ope_xsum_value(&x);
}

int acc_point_rows(const double *x, size_t n, size_t K, double *out, struct ope_error *err)
{
    struct ope_sum *s = ope_malloc((K + 1) * sizeof *s, err);
    struct ope_xsum *t = ope_malloc((K + 1) * sizeof *t, err);
    if (!s || !t) {
        free(s);
        free(t);
        return -1;
    }
    for (size_t k = 0; k < K; k++)
        ope_xsum_init(&t[k]);
    for (size_t lo = 0; lo < n; lo += ACC_CHUNK) {
        size_t hi = n - lo < ACC_CHUNK ? n : lo + ACC_CHUNK;
        for (size_t k = 0; k < K; k++)
            ope_sum_init(&s[k]);
        for (size_t i = lo; i < hi; i++)
            for (size_t k = 0; k < K; k++)
                ope_sum_add(&s[k], x[i * K + k]);
        for (size_t k = 0; k < K; k++)
            ope_xsum_add(&t[k], ope_sum_value(&s[k]));
    }
    for (size_t k = 0; k < K; k++)
        out[k] = ope_xsum_value(&t[k]);
    free(s);
    free(t);
    return 0;
}

static size_t n_chunks(const struct acc_source *src)
{
    return (src->n + ACC_CHUNK - 1) / ACC_CHUNK;
}

/* Per-task buffers: the source's scratch, the row keys of a chunk, a replicate
 * block's partials and counts. */
struct task_buf {
    void *scratch;
    uint64_t *rowkey;
    double *dot;
    uint64_t *cnt;
};

static int buf_init(struct task_buf *t, const struct acc_source *src, size_t nb)
{
    t->scratch = src->scratch ? malloc(src->scratch) : NULL;
    t->rowkey = malloc(ACC_CHUNK * sizeof *t->rowkey);
    t->dot = malloc((nb * src->K + 1) * sizeof *t->dot);
    t->cnt = malloc((nb ? nb : 1) * sizeof *t->cnt);
    return (src->scratch && !t->scratch) || !t->rowkey || !t->dot || !t->cnt ? -1 : 0;
}

static void buf_release(struct task_buf *t)
{
    free(t->scratch);
    free(t->rowkey);
    free(t->dot);
    free(t->cnt);
}

/* The point partials of chunk c into point[K]. */
static void add_point(const struct acc_source *src, struct task_buf *t, size_t c,
                      struct ope_xsum *point)
{
    size_t lo = c * ACC_CHUNK, m = src->n - lo < ACC_CHUNK ? src->n - lo : ACC_CHUNK;
    src->point(src->ctx, t->scratch, lo, m, t->dot);
    for (size_t k = 0; k < src->K; k++)
        ope_xsum_add(&point[k], t->dot[k]);
}

/* Replicates b0 .. b0 + nb - 1 of chunk c into rep (rows b0.., K each) and rep_n. */
static void add_boot(const struct acc_source *src, struct task_buf *t, uint64_t key, size_t c,
                     uint64_t b0, size_t nb, struct ope_xsum *rep, uint64_t *rep_n)
{
    size_t lo = c * ACC_CHUNK, m = src->n - lo < ACC_CHUNK ? src->n - lo : ACC_CHUNK, K = src->K;
    for (size_t i = 0; i < m; i++)
        t->rowkey[i] = acc_rowkey(key, src->rowid ? src->rowid[lo + i] : lo + i);
    src->boot(src->ctx, t->scratch, lo, m, t->rowkey, b0, nb, t->dot, t->cnt);
    for (size_t r = 0; r < nb; r++) {
        rep_n[b0 + r] += t->cnt[r];
        for (size_t k = 0; k < K; k++)
            ope_xsum_add(&rep[(b0 + r) * K + k], t->dot[r * K + k]);
    }
}

int acc_add_chunks(struct acc_state *s, const struct acc_source *src, uint64_t seed, size_t c0,
                   size_t c1, struct ope_error *err)
{
    size_t nb = src->rep_block < s->B ? src->rep_block : s->B;
    struct task_buf t;
    if (buf_init(&t, src, nb > 1 ? nb : 1) != 0) {
        buf_release(&t);
        return ope_fail_oom(err);
    }
    uint64_t key = acc_key(seed);
    for (size_t c = c0; c < c1 && c < n_chunks(src); c++) {
        if (src->point)
            add_point(src, &t, c, s->point);
        s->n += src->n - c * ACC_CHUNK < ACC_CHUNK ? src->n - c * ACC_CHUNK : ACC_CHUNK;
        for (size_t b = 0; b < s->B; b += nb)
            add_boot(src, &t, key, c, b, s->B - b < nb ? s->B - b : nb, s->rep, s->rep_n);
    }
    buf_release(&t);
    return 0;
}

/* ---- the parallel driver ------------------------------------------------------------ */

struct run_ctx {
    struct acc_state *s;
    const struct acc_source *src;
    uint64_t key;
    size_t n_point;             /* point tasks first, then replicate blocks */
    struct ope_xsum *point;     /* [n_point][K] partial point sums */
    struct ope_progress *progress;
    atomic_int failed;          /* set by any task out of memory */
};

static void run_task(void *arg, size_t task)
{
    struct run_ctx *x = arg;
    const struct acc_source *src = x->src;
    struct acc_state *s = x->s;
    size_t nc = n_chunks(src), nb = src->rep_block;
    struct task_buf t;
    if (buf_init(&t, src, nb) != 0) {
        atomic_store(&x->failed, 1);
        buf_release(&t);
        return;
    }
    if (task < x->n_point) {
        struct ope_xsum *point = x->point + task * src->K;
        for (size_t k = 0; k < src->K; k++)
            ope_xsum_init(&point[k]);
        for (size_t c = task * POINT_GROUP; c < nc && c < (task + 1) * POINT_GROUP; c++)
            add_point(src, &t, c, point);
    } else {
        uint64_t b0 = (task - x->n_point) * nb;
        size_t bb = s->B - b0 < nb ? s->B - b0 : nb;
        for (size_t c = 0; c < nc && !ope_progress_cancelled(x->progress); c++)
            add_boot(src, &t, x->key, c, b0, bb, s->rep, s->rep_n);
    }
    buf_release(&t);
}

int acc_run(struct acc_state *s, const struct acc_source *src, uint64_t seed, int threads,
            struct ope_progress *progress, struct ope_error *err)
{
    size_t nc = n_chunks(src);
    struct run_ctx x = { s, src, acc_key(seed),
                         src->point ? (nc + POINT_GROUP - 1) / POINT_GROUP : 0, NULL, progress,
                         0 };
    x.point = ope_malloc((x.n_point * src->K + 1) * sizeof *x.point, err);
    if (!x.point)
        return -1;
    size_t n_rep = src->rep_block ? (s->B + src->rep_block - 1) / src->rep_block : 0;
    int rc = ope_parallel_for(x.n_point + n_rep, threads, run_task, &x, progress,
                              s->B ? "bootstrap" : NULL);
    if (rc != 0 || ope_progress_cancelled(progress))
        rc = ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
    else if (atomic_load(&x.failed))
        rc = ope_fail_oom(err);
    else {
        for (size_t g = 0; g < x.n_point; g++)
            for (size_t k = 0; k < src->K; k++)
                ope_xsum_merge(&s->point[k], &x.point[g * src->K + k]);
        s->n += src->n;
    }
    free(x.point);
    return rc;
}
