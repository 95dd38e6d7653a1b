/* estimators/evtraj_part.c: a trajectory log's part (evtraj.h): co-moments that merge
 * and grow with the horizon, the layout, the merge of two parts, their bytes. */
#include "config.h"
#include "estimators/evtraj.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/trajboot.h"
#include "ope/base/comm.h"
#include "ope/base/json.h"

/* The largest horizon, and states per action, a state may declare: a damaged count
 * must not size an allocation (tlog_load takes steps up to 10^8, tlog_stream states
 * below 2^20). */
#define PART_MAX_T 100000000u
#define PART_MAX_CTX ((uint64_t)1 << 20)

static int comom_init(struct comom *z, size_t K, struct ope_error *err)
{
    z->n = 0;
    z->K = K;
    z->d = 2 * K + 1;
    z->mean = ope_calloc(z->d, sizeof *z->mean, err);
    z->m2 = ope_calloc(z->d * z->d, sizeof *z->m2, err);
    z->vhat = ope_calloc(K + 1, sizeof *z->vhat, err);
    return z->mean && z->m2 && z->vhat ? 0 : -1;
}

void evtraj_comom_release(struct comom *z)
{
    free(z->mean);
    free(z->m2);
    free(z->vhat);
    z->mean = z->m2 = NULL;
    z->vhat = NULL;
}

/* Entry a of the vector with K2 >= K slots as scale * entry src of the one with K:
 * the episodes kept so far have numerator 0 and their last denominator in the new
 * slots (padding carries the last weight, reward 0), and the new slots' pilot is the
 * last slot's, so their u is -vhat_{K-1} den_{K-1}. */
static void zsrc(const struct comom *z, size_t a, size_t K2, size_t *src, double *scale)
{
    size_t K = z->K;
    *scale = 1.0;
    if (a < K2) {
        *src = a < K ? a : 2 * K - 1;
        if (a >= K)
            *scale = -z->vhat[K - 1];
    } else if (a < 2 * K2) {
        *src = K + (a - K2 < K ? a - K2 : K - 1);
    } else {
        *src = 2 * K;
    }
}

/* The co-moments of z carried into K2 slots: every new moment is a multiple of one
 * already kept. */
static int comom_grow(struct comom *z, size_t K2, struct ope_error *err)
{
    struct comom y;
    if (comom_init(&y, K2, err) != 0)
        return evtraj_comom_release(&y), -1;
    y.n = z->n;
    for (size_t k = 0; k < K2; k++)
        y.vhat[k] = z->vhat[k < z->K ? k : z->K - 1];
    for (size_t a = 0; z->n && a < y.d; a++) {
        size_t sa, sb;
        double fa, fb;
        zsrc(z, a, K2, &sa, &fa);
        y.mean[a] = fa * z->mean[sa];
        for (size_t b = 0; b < y.d; b++) {
            zsrc(z, b, K2, &sb, &fb);
            y.m2[a * y.d + b] = fa * fb * z->m2[sa * z->d + sb];
        }
    }
    evtraj_comom_release(z);
    *z = y;
    return 0;
}

/* z += y (y's episodes added; y is changed: grown to z's slots, moved to z's pilots).
 * Moving to other pilots is a linear map of the vector, u' = u + (vhat_y - vhat_z)
 * den: mean <- A mean, M2 <- A M2 A'; then Chan et al.'s pairwise update, M2 = M2_z +
 * M2_y + delta delta' n_z n_y / n. scratch: d long doubles. 0, or -1 (out of memory). */
static int comom_merge(struct comom *z, struct comom *y, long double *scratch,
                       struct ope_error *err)
{
    if (y->n == 0)
        return 0;
    if (y->K < z->K && comom_grow(y, z->K, err) != 0)
        return -1;
    size_t K = z->K, d = z->d;
    if (z->n == 0)
        memcpy(z->vhat, y->vhat, K * sizeof *z->vhat);
    for (size_t k = 0; k < K; k++) {
        /* A slot whose denominators are all 0 in z (weights are never negative: a
         * mean of 0 is every one 0) has no ratio of its own to centre on, and moving
         * it to other pilots changes nothing (u = num whatever the pilot): it takes
         * y's. Keeping its pilot (0) left y's numerators uncentred: the se of wtis
         * with equal returns, whose first shard held one episode of weight 0, came
         * out 1.6e-10 where the log in memory has 4.7e-17. */
        if (z->mean[K + k] == 0.0L)
            z->vhat[k] = y->vhat[k];
        long double delta = (long double)y->vhat[k] - (long double)z->vhat[k];
        if (delta == 0.0L)
            continue;
        y->mean[k] += delta * y->mean[K + k];
        for (size_t b = 0; b < d; b++)          /* rows: A M2 */
            y->m2[k * d + b] += delta * y->m2[(K + k) * d + b];
        for (size_t a = 0; a < d; a++)          /* columns: (A M2) A' */
            y->m2[a * d + k] += delta * y->m2[a * d + K + k];
        y->vhat[k] = z->vhat[k];
    }
    long double na = (long double)z->n, nb = (long double)y->n, nn = na + nb;
    long double *dl = scratch;
    for (size_t a = 0; a < d; a++)
        dl[a] = y->mean[a] - z->mean[a];
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++)
            z->m2[a * d + b] += y->m2[a * d + b] + dl[a] * dl[b] * na * nb / nn;
    for (size_t a = 0; a < d; a++)
        z->mean[a] += dl[a] * nb / nn;
    z->n += y->n;
    return 0;
}

/* An extended-precision number as its binary exponent and its mantissa in two doubles
 * (the mantissa, and what rounding left): its whole range, which the co-moments of
 * weights of 1e-229 or 1e200 use, and its precision. */
static void put_ld(struct strbuf *sb, long double x)
{
    int e = 0;
    long double m = isfinite(x) ? frexpl(x, &e) : x;
    double hi = (double)m;
    sf_put_u64(sb, (uint64_t)(int64_t)e);
    sf_put_f64(sb, hi);
    sf_put_f64(sb, isfinite(hi) ? (double)(m - (long double)hi) : 0.0);
}

static long double get_ld(struct sf_state *st)
{
    int64_t e = (int64_t)sf_get_u64(st);
    double hi = sf_get_f64(st), lo = sf_get_f64(st);
    if (!isfinite(hi) || !isfinite(lo) || fabs(hi) >= 1.0 || e < -20000 || e > 20000) {
        st->bad = 1;
        return 0.0L;
    }
    long double x = ldexpl((long double)hi + (long double)lo, (int)e);
    if (!isfinite(x))
        st->bad = 1;
    return x;
}

static void comom_put(struct strbuf *sb, const struct comom *z)
{
    sf_put_u64(sb, z->n);
    for (size_t k = 0; k < z->K; k++)
        sf_put_f64(sb, z->vhat[k]);
    for (size_t a = 0; a < z->d; a++)
        put_ld(sb, z->mean[a]);
    for (size_t a = 0; a < z->d; a++)
        for (size_t b = a; b < z->d; b++)
            put_ld(sb, z->m2[a * z->d + b]);
}

/* Into z (initialised with its K): a sum of squares below 0 is damage. */
static void comom_get(struct sf_state *st, struct comom *z, uint64_t episodes)
{
    z->n = (size_t)sf_get_count(st, 0, episodes);
    for (size_t k = 0; k < z->K; k++)
        if (!isfinite(z->vhat[k] = sf_get_f64(st)))
            st->bad = 1;
    for (size_t a = 0; a < z->d; a++)
        z->mean[a] = get_ld(st);
    for (size_t a = 0; !st->bad && a < z->d; a++)
        for (size_t b = a; b < z->d; b++) {
            long double v = get_ld(st);
            z->m2[a * z->d + b] = z->m2[b * z->d + a] = v;
            if (a == b && v < 0)
                st->bad = 1;
        }
}

int evtraj_shapes(struct eng *g, struct tss *t, struct ope_error *err)
{
    size_t ns = g->o->n_spec;
    if (!(t->shape = ope_calloc(ns + 1, sizeof *t->shape, err)))
        return -1;
    size_t ep[2] = { 0, 1 };
    int a0 = 0, s0 = 0;     /* s0: a tabular state (mis) */
    double r0 = 0.0, one = 1.0, q0 = 0.0;   /* q0: a value model's rows */
    struct tlog L;
    memset(&L, 0, sizeof L);
    L.n_steps = L.n_episodes = 1;
    L.ep_start = ep;
    L.horizon = 1;
    L.n_actions = 1;
    L.action = &a0;
    L.state = &s0;
    L.n_states = 1;
    L.reward = &r0;
    L.pscore = &one;
    for (size_t e = 0; e < ns; e++) {
        size_t K[2];
        int den = 0;
        for (int T = 1; T <= 2; T++) {
            struct traj_in in = { &L, 0, T, 1.0, &one, &one, &q0, &q0, NULL, NULL, 0 };
            struct traj_terms tt;
            memset(&tt, 0, sizeof tt);
            if (g->o->spec[e].d->traj_build(&in, g->o->spec[e].param, &tt, err) != 0)
                return traj_terms_release(&tt), -1;
            K[T - 1] = tt.K;
            den = tt.den != NULL;
            traj_terms_release(&tt);
        }
        if (K[1] < K[0] || K[0] == 0)
            return ope_fail(err, OPE_ESOFTWARE, "%s: %zu slots for T = 1, %zu for T = 2",
                            g->o->spec[e].label, K[0], K[1]);
        t->shape[e] = (struct tshape){ K[0], K[1] - K[0], den };
    }
    return 0;
}

size_t evtraj_shape_K(const struct tshape *s, int T)
{
    return s->k1 + s->ks * (size_t)(T - 1);
}

/* The columns of part `from` (its layout: from->T, off, Wp) as columns of a layout of
 * horizon T with offsets off and Wp per policy: map[k] is the column of from that
 * column k takes, or -1 (new numerators of per-step slots: 0); new denominators take
 * the last one's (padding). */
static void col_map(const struct eng *g, const struct tss *from, int T, const size_t *off,
                    size_t Wp, size_t W, size_t *map)
{
    size_t ns = g->o->n_spec;
    for (size_t k = 0; k < W; k++)
        map[k] = (size_t)-1;
    for (size_t p = 0; p < g->n_pol; p++)
        for (size_t e = 0; e < ns; e++) {
            const struct tshape *s = &from->shape[e];
            size_t K1 = evtraj_shape_K(s, from->T), K2 = evtraj_shape_K(s, T);
            size_t o1 = p * from->Wp + from->off[e], o2 = p * Wp + off[e];
            for (size_t k = 0; k < K2; k++) {
                map[o2 + k] = k < K1 ? o1 + k : (size_t)-1;
                if (s->den)
                    map[o2 + K2 + k] = o1 + K1 + (k < K1 ? k : K1 - 1);
            }
        }
    map[g->n_pol * Wp] = from->base_col;
}

int evtraj_layout(struct eng *g, struct tss *t, int T, struct ope_error *err)
{
    size_t ns = g->o->n_spec, Wp = 0, dmax = 1;
    size_t *off = ope_malloc((ns + 1) * sizeof *off, err);
    if (!off)
        return -1;
    for (size_t e = 0; e < ns; e++) {
        size_t K = evtraj_shape_K(&t->shape[e], T);
        off[e] = Wp;
        Wp += K * (t->shape[e].den ? 2 : 1);
        if (t->shape[e].den && !t->no_comom && 2 * K + 1 > dmax)
            dmax = 2 * K + 1;
    }
    size_t W = (g->n_pol * Wp + 1 + TRAJBOOT_PAD - 1) / TRAJBOOT_PAD * TRAJBOOT_PAD;
    /* The co-moments of a per-step ratio estimator grow as the square of the horizon
     * (2T + 1 terms an episode): checked against the memory budget before they are
     * allocated, as a reward model's normal equations are. */
    double bytes = (double)dmax * (double)dmax * 24.0, gb = 1024.0 * 1024.0 * 1024.0;
    double sent = 0.0;      /* a part's co-moments as another rank receives them */
    const char *widest = NULL;
    for (size_t e = 0; e < ns && !t->no_comom; e++)
        if (t->shape[e].den) {
            double d = 2.0 * (double)evtraj_shape_K(&t->shape[e], T) + 1.0;
            bytes += (double)g->n_pol * d * (d + 1.0) * 16.0;
            sent += (double)g->n_pol * d * (d + 1.0) / 2.0 * 24.0;
            if (d == (double)dmax)
                widest = g->o->spec[e].label;
        }
    /* Under MPI every rank gathers every rank's part: MPI moves at most 2 GB at once,
     * and each rank holds them all. */
    int ranks = comm_size();
    if (ranks > 1 && sent * ranks > 2147483647.0) {
        free(off);
        return ope_fail(err, OPE_EDATA, "%s: under mpirun the ranks exchange the co-moments "
                        "of %s's per-episode terms at horizon %d, %.1f GB for %d ranks, past "
                        "the 2 GB MPI moves at once; use --ci t (whose second pass keeps no "
                        "co-moments), fewer ranks, or leave %s out", t->path ? t->path : "log",
                        widest ? widest : "it", T, sent * ranks / gb, ranks,
                        widest ? widest : "it");
    }
    bytes += sent * ranks * (ranks > 1);
    if (g->o->model.max_bytes && bytes > (double)g->o->model.max_bytes) {
        free(off);
        return ope_fail(err, OPE_EDATA, "%s: read in windows, a self-normalised estimator "
                        "keeps the co-moments of its per-episode terms for its se, %zu of them "
                        "for %s at horizon %d: %.1f GB for %zu policies, past the memory budget "
                        "of %.1f GB; use --ci t (whose second pass keeps no co-moments), "
                        "evaluate the log in memory (without --stream, mpirun or "
                        "--save-state), or read in windows without %s", t->path ? t->path : "log",
                        dmax, widest ? widest : "it", T, bytes / gb, g->n_pol,
                        (double)g->o->model.max_bytes / gb, widest ? widest : "it");
    }
    struct acc_state acc;
    memset(&acc, 0, sizeof acc);
    size_t *map = NULL;
    int rc = acc_init(&acc, W, g->B, err);
    if (rc == 0 && dmax > t->d_cap) {
        long double *zs = ope_realloc(t->zs, dmax * (dmax + 2) * sizeof *zs, err);
        double *zd = zs ? ope_realloc(t->zd, dmax * (dmax + 4) * sizeof *zd, err) : NULL;
        int *zex = zd ? ope_realloc(t->zex, dmax * sizeof *zex, err) : NULL;
        if (zs)
            t->zs = zs;
        if (zd)
            t->zd = zd;
        if (zex)
            t->zex = zex;
        evtraj_comom_release(&t->wz);
        rc = zex && comom_init(&t->wz, (dmax - 1) / 2, err) == 0 ? 0 : -1;
        t->d_cap = rc == 0 ? dmax : 0;
    }
    if (rc == 0 && t->T) {
        if (!(map = ope_malloc(W * sizeof *map, err)))
            rc = -1;
        else {
            col_map(g, t, T, off, Wp, W, map);
            acc_merge_cols(&acc, &t->acc, map);
        }
    }
    for (size_t p = 0; rc == 0 && p < g->n_pol; p++)
        for (size_t e = 0; rc == 0 && e < ns; e++) {
            struct tpe *x = &t->pe[p * ns + e];
            size_t K2 = evtraj_shape_K(&t->shape[e], T);
            x->den = t->shape[e].den;
            if (x->den && !t->no_comom && x->K && K2 > x->K)
                rc = comom_grow(&x->z, K2, err);
            else if (x->den && !t->no_comom && !x->K)
                rc = comom_init(&x->z, K2, err);
            double *coef = rc == 0 ? ope_realloc(x->coef, (K2 + 1) * sizeof *coef, err) : NULL;
            if (!coef) {
                rc = -1;
                break;
            }
            /* Coefficients of slots the part did not have: the caller's terms. */
            for (size_t k = x->K; k < K2; k++)
                coef[k] = NAN;
            x->coef = coef;
            x->K = K2;
        }
    free(map);
    if (rc != 0) {
        acc_release(&acc);
        free(off);
        return -1;
    }
    acc_release(&t->acc);
    t->acc = acc;
    free(t->off);
    t->off = off;
    t->Wp = Wp;
    t->W = W;
    t->base_col = g->n_pol * Wp;
    t->T = T;
    return 0;
}

int evtraj_part_init(struct eng *g, struct tss *t, struct ope_error *err)
{
    size_t ns = g->o->n_spec;
    t->pe = ope_calloc(g->n_pol * ns + 1, sizeof *t->pe, err);
    t->dg = ope_calloc(g->n_pol + 1, sizeof *t->dg, err);
    t->rho_max = ope_calloc(g->n_pol + 1, sizeof *t->rho_max, err);
    if (!t->pe || !t->dg || !t->rho_max)
        return -1;
    for (size_t k = 0; k < g->n_pol * ns; k++) {
        ci_stats_acc_init(&t->pe[k].c);
        ci_stats_acc_init(&t->pe[k].lift);
    }
    for (size_t p = 0; p < g->n_pol; p++)
        diag_acc_init(&t->dg[p]);
    ope_sum_init(&t->ret_all);
    t->gmax = 1.0;
    return 0;
}

int evtraj_support_grow(struct eng *g, struct tss *t, size_t need, struct ope_error *err)
{
    size_t A = (size_t)t->n_actions;
    if (need <= t->n_ctx)
        return 0;
    size_t nc = t->n_ctx ? t->n_ctx : 1;
    while (nc < need)
        nc *= 2;
    unsigned char *seen = ope_calloc(nc * A + 1, 1, err);
    struct ope_sum *mass = ope_calloc(g->n_pol * nc * A + 1, sizeof *mass, err);
    if (!seen || !mass) {
        free(seen), free(mass);
        return -1;
    }
    if (t->n_ctx) {
        memcpy(seen, t->seen, t->n_ctx * A);
        for (size_t p = 0; p < g->n_pol; p++)
            memcpy(mass + p * nc * A, t->mass + p * t->n_ctx * A, t->n_ctx * A * sizeof *mass);
    }
    free(t->seen), free(t->mass);
    t->seen = seen, t->mass = mass, t->n_ctx = nc;
    return 0;
}

void evtraj_comom_window(struct tss *t, struct comom *z, const struct traj_terms *tt)
{
    size_t n = tt->n, K = tt->K, d = 2 * K + 1;
    const double *ret = t->ret;
    double *vw = t->zd, *dz = vw + d, *m2w = dz + d, *mu = m2w + d * d, *sc = mu + d;
    int *ex = t->zex;
    for (size_t k = 0; k < K; k++) {
        struct ope_sum a, b;
        ope_sum_init(&a);
        ope_sum_init(&b);
        for (size_t i = 0; i < n; i++) {
            ope_sum_add(&a, tt->num[i * K + k]);
            ope_sum_add(&b, tt->den[i * K + k]);
        }
        double sb = ope_sum_value(&b);
        vw[k] = sb != 0.0 && isfinite(sb) ? ope_sum_value(&a) / sb : 0.0;
    }
    /* The means, and each variable's largest magnitude: the deviations are squared
     * scaled by a power of 2 that brings it near 1 (exact), so weights of 1e-229 or
     * 1e200 neither underflow nor overflow (their products are kept unscaled in
     * extended precision, whose range holds them). */
    for (size_t a = 0; a < d; a++)
        mu[a] = 0.0, sc[a] = 0.0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < K; k++) {
            double u = tt->num[i * K + k] - vw[k] * tt->den[i * K + k], dn = tt->den[i * K + k];
            mu[k] += u;
            mu[K + k] += dn;
            sc[k] = fmax(sc[k], fabs(u));
            sc[K + k] = fmax(sc[K + k], fabs(dn));
        }
        mu[2 * K] += ret[i];
        sc[2 * K] = fmax(sc[2 * K], fabs(ret[i]));
    }
    for (size_t a = 0; a < d; a++) {
        int e = 0;
        mu[a] /= (double)n;
        if (sc[a] > 0.0 && isfinite(sc[a]))
            frexp(sc[a], &e);
        /* A subnormal largest magnitude (a weight of 1e-310 after hundreds of steps)
         * would ask 2^1062, past a double: 2^1000 brings it to 2^-62 at least, whose
         * square is still a normal double. */
        e = e < -1000 ? -1000 : e > 1000 ? 1000 : e;
        ex[a] = -e;
        sc[a] = ldexp(1.0, -e);
    }
    memset(m2w, 0, d * d * sizeof *m2w);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < K; k++) {
            dz[k] = (tt->num[i * K + k] - vw[k] * tt->den[i * K + k] - mu[k]) * sc[k];
            dz[K + k] = (tt->den[i * K + k] - mu[K + k]) * sc[K + k];
        }
        dz[2 * K] = (ret[i] - mu[2 * K]) * sc[2 * K];
        for (size_t a = 0; a < d; a++) {
            double da = dz[a], *row = m2w + a * d;
            for (size_t b = a; b < d; b++)
                row[b] += da * dz[b];
        }
    }
    struct comom *y = &t->wz;
    y->n = n, y->K = K, y->d = d;
    for (size_t a = 0; a < d; a++) {
        y->mean[a] = mu[a];
        for (size_t b = a; b < d; b++)
            y->m2[a * d + b] = y->m2[b * d + a] =
                ldexpl((long double)m2w[a * d + b], -(ex[a] + ex[b]));
    }
    memcpy(y->vhat, vw, K * sizeof *vw);
    /* y has z's slots: comom_merge neither grows it nor allocates. */
    comom_merge(z, y, t->zs, NULL);
}

void evtraj_part_release(struct tss *t, size_t n_pol, size_t ns)
{
    for (size_t k = 0; t->pe && k < n_pol * ns; k++) {
        free(t->pe[k].coef);
        evtraj_comom_release(&t->pe[k].z);
    }
    free(t->pe), free(t->dg), free(t->rho_max), free(t->off), free(t->seen), free(t->mass);
    acc_release(&t->acc);
    t->pe = NULL, t->dg = NULL, t->rho_max = NULL, t->off = NULL, t->seen = NULL;
    t->mass = NULL;
}

int evtraj_part_merge(struct eng *g, struct tss *a, struct tss *b, struct ope_error *err)
{
    size_t ns = g->o->n_spec, A = (size_t)a->n_actions;
    if (b->episodes == 0)
        return 0;
    if (b->T > a->T && evtraj_layout(g, a, b->T, err) != 0)
        return -1;
    size_t *map = ope_malloc((a->W + 1) * sizeof *map, err);
    if (!map)
        return -1;
    col_map(g, b, a->T, a->off, a->Wp, a->W, map);
    acc_merge_cols(&a->acc, &b->acc, map);
    free(map);
    for (size_t k = 0; k < g->n_pol * ns; k++) {
        struct tpe *x = &a->pe[k], *y = &b->pe[k];
        if (y->K == x->K)           /* the longer part has every slot's coefficient */
            memcpy(x->coef, y->coef, x->K * sizeof *x->coef);
        if (x->den) {
            if (comom_merge(&x->z, &y->z, a->zs, err) != 0)
                return -1;
        } else {
            ci_stats_acc_merge(&x->c, &y->c);
            ci_stats_acc_merge(&x->lift, &y->lift);
        }
    }
    if (evtraj_support_grow(g, a, b->n_ctx, err) != 0)
        return -1;
    for (size_t p = 0; p < g->n_pol; p++) {
        diag_acc_merge(&a->dg[p], &b->dg[p]);
        a->rho_max[p] = fmax(a->rho_max[p], b->rho_max[p]);
        for (size_t c = 0; c < b->n_ctx * A; c++)
            ope_sum_merge(&a->mass[p * a->n_ctx * A + c], &b->mass[p * b->n_ctx * A + c]);
    }
    for (size_t c = 0; c < b->n_ctx * A; c++)
        a->seen[c] |= b->seen[c];
    ope_sum_merge(&a->ret_all, &b->ret_all);
    a->gmax = fmax(a->gmax, b->gmax);
    a->episodes += b->episodes;
    a->steps += b->steps;
    return 0;
}

void evtraj_part_put(const struct eng *g, const struct tss *t, struct strbuf *sb)
{
    size_t ns = g->o->n_spec, A = (size_t)t->n_actions;
    sf_put_u64(sb, (uint64_t)t->T);
    sf_put_u64(sb, t->episodes);
    sf_put_u64(sb, t->steps);
    sf_put_f64(sb, t->gmax);
    sf_put_sum(sb, &t->ret_all);
    if (!t->T)
        return;
    acc_put(sb, &t->acc);
    for (size_t k = 0; k < g->n_pol * ns; k++) {
        const struct tpe *x = &t->pe[k];
        for (size_t j = 0; j < x->K; j++)
            sf_put_f64(sb, x->coef[j]);
        if (x->den) {
            comom_put(sb, &x->z);
        } else {
            ci_stats_acc_put(sb, &x->c);
            ci_stats_acc_put(sb, &x->lift);
        }
    }
    for (size_t p = 0; p < g->n_pol; p++) {
        diag_acc_put(sb, &t->dg[p]);
        sf_put_f64(sb, t->rho_max[p]);
    }
    sf_put_u64(sb, t->n_ctx);
    for (size_t c = 0; c < t->n_ctx * A; c += 64) {
        uint64_t bits = 0;
        for (size_t j = 0; j < 64 && c + j < t->n_ctx * A; j++)
            bits |= (uint64_t)(t->seen[c + j] != 0) << j;
        sf_put_u64(sb, bits);
    }
    for (size_t c = 0; c < g->n_pol * t->n_ctx * A; c++)
        sf_put_sum(sb, &t->mass[c]);
}

int evtraj_part_get(struct eng *g, struct tss *t, struct sf_state *st, struct ope_error *err)
{
    size_t ns = g->o->n_spec, A = (size_t)t->n_actions;
    int T = (int)sf_get_count(st, 0, PART_MAX_T);
    t->episodes = (size_t)sf_get_count(st, 0, (uint64_t)1 << 52);
    t->steps = (size_t)sf_get_count(st, t->episodes, (uint64_t)1 << 62);
    t->gmax = sf_get_f64(st);
    sf_get_sum(st, &t->ret_all);
    /* After a models' pass a rank's part is laid out for the whole log's horizon, which
     * may pass its own steps. */
    if (!(t->gmax >= 1.0) || !isfinite(t->gmax) || (T == 0) != (t->episodes == 0) ||
        ((size_t)T > t->steps && !t->model && !t->mis))
        st->bad = 1;
    if (st->bad || T == 0)
        return 0;
    /* The layout's accumulator is B x W sums of 32 bytes, and a ratio estimator's
     * co-moments d (d + 1) / 2 numbers of 24 bytes: the bytes must be there before
     * they size an allocation. */
    double W = 1.0, co = 0.0;
    for (size_t e = 0; e < ns; e++) {
        double K = (double)evtraj_shape_K(&t->shape[e], T), d = 2.0 * K + 1.0;
        W += (double)g->n_pol * K * (t->shape[e].den ? 2.0 : 1.0);
        if (t->shape[e].den && !t->no_comom)
            co += (double)g->n_pol * d * (d + 1.0) / 2.0 * 24.0;
    }
    if (W * (double)(g->B + 1) * 32.0 + co > (double)sf_room(st, 1) ||
        (double)t->steps > 4503599627370496.0 ||
        !(fabs(ope_sum_value(&t->ret_all)) <= (double)t->episodes * t->gmax * (1.0 + 1e-9))) {
        st->bad = 1;
        return 0;
    }
    if (evtraj_layout(g, t, T, err) != 0)
        return -1;
    acc_release(&t->acc);
    if (acc_get(st, &t->acc, t->W, g->B, err) != 0)
        return -1;
    if (t->acc.n != t->episodes)
        st->bad = 1;
    for (size_t k = 0; !st->bad && k < g->n_pol * ns; k++) {
        struct tpe *x = &t->pe[k];
        for (size_t j = 0; j < x->K; j++)
            if (!isfinite(x->coef[j] = sf_get_f64(st)))
                st->bad = 1;
        if (x->den) {
            comom_get(st, &x->z, t->episodes);
            /* Every episode is in every (policy, estimator)'s co-moments, and a matrix
             * of sums of products satisfies Cauchy-Schwarz. */
            if (x->z.n != (t->no_comom ? 0 : t->episodes))
                st->bad = 1;
            for (size_t a = 0; !st->bad && a < x->z.d; a++)
                for (size_t b = 0; b < a; b++) {
                    long double v = x->z.m2[a * x->z.d + b];
                    long double lim = sqrtl(x->z.m2[a * x->z.d + a] * x->z.m2[b * x->z.d + b]);
                    if (fabsl(v) > lim * (1.0L + 1e-6L) + 1e-300L) {
                        st->bad = 1;
                        break;
                    }
                }
        } else {
            ci_stats_acc_get(st, &x->c);
            ci_stats_acc_get(st, &x->lift);
            for (int q = 0; q < 2; q++) {
                const struct ci_stats_acc *c = q ? &x->lift : &x->c;
                if (c->n != t->episodes || !isfinite(ope_sum_value(&c->s)) ||
                    !(c->m2 >= 0.0) || !isfinite(c->m2) || !(c->min <= c->max) ||
                    !isfinite(c->min) || !isfinite(c->max))
                    st->bad = 1;
            }
        }
    }
    for (size_t p = 0; !st->bad && p < g->n_pol; p++) {
        const struct diag_acc *d = &t->dg[p];
        diag_acc_get(st, &t->dg[p]);
        t->rho_max[p] = sf_get_f64(st);
        /* Trajectory weights are products of non-negative ratios, and a part's are
         * finite (a shard past the range is refused when saved). */
        if (d->n != t->episodes || d->n_bad || !(ope_sum_value(&d->s1) >= 0.0) ||
            !isfinite(ope_sum_value(&d->s1)) || !(ope_sum_value(&d->s2) >= 0.0) ||
            !isfinite(ope_sum_value(&d->s2)) || !(d->max >= 0.0) || !isfinite(d->max) ||
            !(d->min_pos > 0.0) || !(d->m2 >= 0.0) || !isfinite(d->m2) ||
            !(d->wmean >= 0.0) || !isfinite(d->wmean) || !(t->rho_max[p] >= d->max) ||
            !isfinite(t->rho_max[p]))
            st->bad = 1;
    }
    size_t n_ctx = (size_t)sf_get_count(st, 1, PART_MAX_CTX);
    if (st->bad || (double)n_ctx * (double)A * (double)(g->n_pol + 1) > (double)sf_room(st, 8))
        return st->bad = 1, 0;
    if (evtraj_support_grow(g, t, n_ctx, err) != 0)
        return -1;
    if (t->n_ctx != n_ctx)
        return st->bad = 1, 0;     /* not a power of two: no part has such tables */
    for (size_t c = 0; c < n_ctx * A; c += 64) {
        uint64_t bits = sf_get_u64(st);
        for (size_t j = 0; j < 64 && c + j < n_ctx * A; j++)
            t->seen[c + j] = (unsigned char)((bits >> j) & 1);
    }
    for (size_t c = 0; c < g->n_pol * n_ctx * A; c++)
        sf_get_sum(st, &t->mass[c]);
    return 0;
}

void evtraj_settings(const struct eng *g, const struct tss *t, struct strbuf *sb)
{
    const struct eval_opts *o = g->o;
    char alpha[40], lo[40], hi[40], gamma[40];
    strbuf_puts(sb, "estimators=");
    for (size_t e = 0; e < o->n_spec; e++)
        strbuf_printf(sb, "%s%s", e ? "," : "", o->spec[e].label);
    strbuf_puts(sb, "\npolicies=");
    for (size_t p = 0; p < g->n_pol; p++)
        strbuf_printf(sb, "%s%s", p ? "," : "", t->names[g->pol[p]]);
    ope_format_double(alpha, sizeof alpha, o->alpha);
    ope_format_double(lo, sizeof lo, o->bound_lo);
    ope_format_double(hi, sizeof hi, o->bound_hi);
    ope_format_double(gamma, sizeof gamma, t->gamma);
    strbuf_printf(sb, "\nci=%s\nseed=%llu\nn_boot=%zu\nalpha=%s\nbounds=%s,%s\n"
                  "against=%s\nmatrix=%zu\ngamma=%s\nstate=trajectory shard 1\n",
                  ci_method_name((enum ci_method)o->ci), (unsigned long long)o->seed, g->B,
                  alpha, lo, hi, o->against ? o->against : "logged", o->matrix_k, gamma);
}

void evtraj_open_put(const struct tss *t, struct strbuf *sb)
{
    sf_put_u64(sb, t->n_names);
    for (size_t p = 0; p < t->n_names; p++)
        sf_put_str(sb, t->names[p]);
    sf_put_u64(sb, (uint64_t)t->n_actions);
    sf_put_f64(sb, t->gamma);
}

int evtraj_open_get(struct tss *t, struct sf_state *st, int first, struct ope_error *err)
{
    size_t n = (size_t)sf_get_count(st, 1, 1 << 20);
    if (n > sf_room(st, 8))
        st->bad = 1;
    if (st->bad)
        return sf_done(st, err);
    if (first && !(t->names = ope_calloc(n + 1, sizeof *t->names, err)))
        return -1;
    if (first)
        t->n_names = n;
    int same = n == t->n_names;
    for (size_t p = 0; !st->bad && p < n; p++) {
        char *s = sf_get_str(st);
        if (first)
            t->names[p] = s;
        else {
            same &= s && p < t->n_names && strcmp(s, t->names[p]) == 0;
            free(s);
        }
    }
    int A = (int)sf_get_count(st, 1, 1000001);
    double gamma = sf_get_f64(st);
    if (first) {
        t->n_actions = A;
        t->gamma = gamma;
        if (!(gamma >= 0.0 && gamma <= 1.0))
            st->bad = 1;
    } else if (!st->bad && (!same || A != t->n_actions || gamma != t->gamma)) {
        return ope_fail(err, OPE_EDATA, "%s: damaged state: its log's policies, actions or "
                        "discount are not the first state's, though its settings are; make "
                        "it again", st->name);
    }
    return st->bad ? sf_done(st, err) : 0;
}

void evtraj_ratio_stats(const struct tpe *x, const double *sums, double n, long double *scratch,
                        struct ci_stats *st, struct ci_stats *lift)
{
    size_t K = x->K, d = x->z.d;
    long double *bvec = scratch;
    double mean = 0.0;
    for (size_t k = 0; k < K; k++) {
        double D = sums[K + k], V = sums[k] / D;
        bvec[k] = (long double)x->coef[k] * n / D;
        bvec[K + k] = bvec[k] * ((long double)x->z.vhat[k] - (long double)sums[k] / D);
        mean += x->coef[k] * V;
    }
    for (int pass = 0; pass < 2; pass++) {
        struct ci_stats *o = pass ? lift : st;
        bvec[2 * K] = pass ? -1.0 : 0.0;
        long double q = 0.0;
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b < d; b++)
                q += bvec[a] * x->z.m2[a * d + b] * bvec[b];
        /* The mean of the linearised terms is the value, sum_k coef_k V_k, exactly
         * (the deviations sum to 0); the return's mean is z's. */
        o->n = x->z.n;
        o->mean = pass ? mean - (double)x->z.mean[2 * K] : mean;
        o->sd = x->z.n > 1 ? (double)sqrtl((q > 0 ? q : 0.0L) / (long double)(x->z.n - 1)) : NAN;
        o->min = o->max = NAN;
        if (!isfinite(mean))
            o->mean = o->sd = NAN;
    }
}
