/* estimators/evaluate_traj_stream.c: the trajectory log read in windows, as a source
 * of the evaluation driver that gathers everything in one pass; the same gathered
 * "part" saved as a shard's state, merged from the shards' states, and merged across
 * MPI ranks (see the header). */
#include "config.h"
#include "estimators/evaluate_traj_stream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/logrange.h"
#include "estimators/accum.h"
#include "estimators/engine.h"
#include "estimators/evaluate_stream.h"
#include "estimators/traj.h"
#include "estimators/trajboot.h"
#include "ope/base/comm.h"
#include "ope/base/json.h"
#include "ope/base/progress.h"
#include "ope/base/statefile.h"
#include "ope/base/strbuf.h"
#include "ope/base/sum.h"

/* The largest horizon, and states per action, a state may declare: a damaged count
 * must not size an allocation (tlog_load takes steps up to 10^8, tlog_stream states
 * below 2^20). */
#define PART_MAX_T 100000000u
#define PART_MAX_CTX ((uint64_t)1 << 20)

/* An estimator streams when its terms are the episode's own: no model fitted on the
 * whole log, nothing re-estimated per resample. */
static int streams(const struct est_desc *d)
{
    return !d->needs_model && !d->traj_resample;
}

int eval_traj_stream_refuse(const struct eval_opts *o, struct ope_error *err)
{
    /* How the log is read in windows, and the way out, as the run has it. */
    int ranks = comm_size() > 1;
    const char *how = ranks ? "under mpirun, whose ranks read it in windows,"
                            : "read in windows (--stream, --save-state, past --memory-limit)";
    const char *out = ranks ? "run it without mpirun" : "evaluate it in memory (one process, "
                                                        "without --stream or --save-state)";
    for (size_t e = 0; e < o->n_spec; e++)
        if (o->spec[e].d->kind == EST_TRAJ && !streams(o->spec[e].d))
            return ope_fail(err, OPE_EUSAGE, "%s fits a model on the whole trajectory log, "
                            "which a log %s does not hold: such a log takes the importance "
                            "sampling estimators (--estimators tis,pdis,wtis,wpdis); or %s",
                            o->spec[e].label, how, out);
    if (o->ci != CI_BOOTSTRAP && o->ci != CI_NONE)
        return ope_fail(err, OPE_EUSAGE, "--ci %s needs every episode's terms at once on a "
                        "trajectory log (the differences between candidates, the range of a "
                        "self-normalised estimator's terms), which a log %s does not hold: use "
                        "--ci bootstrap, or %s", ci_method_name((enum ci_method)o->ci), how, out);
    return 0;
}

/* ---- co-moments ------------------------------------------------------------------- */

/* The co-moments of one (policy, ratio estimator)'s per-episode vector z = (u[K],
 * den[K], return), u_k = num_k - vhat_k den_k: mean[d] and the sums of products of
 * deviations m2[d * d], d = 2K + 1, over n episodes. The pilot ratios vhat (the first
 * part's) centre the numerators near the final ratios V_k, so the contributions'
 * variance, a quadratic form in z's (ratio_stats), is not formed from cancelling
 * large terms (a self-normalised estimate with constant returns has contributions of
 * variance 0); the sums are kept in extended precision for what cancellation is left. */
struct comom {
    size_t n, d, K;
    long double *mean, *m2;
    double *vhat;
};

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

static void comom_release(struct comom *z)
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
        return comom_release(&y), -1;
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
    comom_release(z);
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

/* ---- the source ------------------------------------------------------------------- */

/* Per (policy, estimator). */
struct tpe {
    size_t K;                   /* slots in the current layout */
    int den;                    /* ratio slots */
    double *coef;               /* [K] */
    struct ci_stats_acc c, lift;    /* plain slots: the contributions, exactly */
    struct comom z;             /* ratio slots */
};

/* How many slots an estimator has for horizon T: k1 + ks (T - 1) (1 for tis, T for
 * wpdis), and whether they are ratios; from its terms on a one-step episode for T = 1
 * and T = 2 (shapes), so a part of another horizon (a shard's, a rank's) is laid out
 * without its episodes. */
struct tshape {
    size_t k1, ks;
    int den;
};

struct tss {
    const struct traj_opts *to;
    const struct eng_traj_windows *win;     /* NULL: a merge */
    double gamma;
    const char *path;
    char **names;               /* [n_names] the log's policies */
    size_t n_names;
    int n_actions;
    struct tshape *shape;       /* [n_spec] */
    /* The part: everything gathered so far, which merges with another part (a
     * shard's, a rank's) as if that part's episodes had been read here too. */
    int T;                      /* the layout's horizon */
    size_t *off;                /* [n_spec] an estimator's first column in a policy's block */
    size_t Wp, W, base_col;     /* columns per policy; in all (padded); the returns' */
    struct acc_state acc;
    struct tpe *pe;             /* [n_pol * n_spec] */
    struct diag_acc *dg;        /* [n_pol] */
    double *rho_max;            /* [n_pol] */
    /* The support: seen[s * A + a], and each policy's probability mass per (state,
     * action) over the steps in that state, mass[(p * n_ctx + s) * A + a]. */
    unsigned char *seen;
    struct ope_sum *mass;
    size_t n_ctx;
    struct ope_sum ret_all;
    double gmax;                /* the largest sum_t |r_t| of an episode (at least 1) */
    size_t episodes, steps;
    /* One window's buffers. */
    double *w, *rho, *ret, *c, *S;
    size_t *rowid;
    long double *zs;            /* co-moments' scratch, for the widest vector */
    double *zd;
    int *zex;
    struct comom wz;            /* a window's co-moments */
    size_t cap_steps, cap_eps, cap_S, d_cap;
    struct traj_terms *terms;   /* [n_spec] */
    /* --save-state: the part is saved here instead of evaluated (saved set); ope merge:
     * the shards' states in episode order, each cursor past its options, and the
     * episodes each one's header says it holds. */
    struct strbuf *save, *save_settings;
    int saved;
    struct sf_state *const *merge;
    const uint64_t *merge_rows;
    size_t n_merge;
};

static int t_check(struct eng *g, struct ope_error *err)
{
    const struct tss *t = g->self;
    if (t->n_names == 0)
        return ope_fail(err, OPE_EUSAGE, "%s: the log has no evaluation policy columns "
                        "(pi.NAME.A)", t->path ? t->path : "log");
    return 0;
}

static int t_policy_index(struct eng *g, const char *name, struct ope_error *err)
{
    const struct tss *t = g->self;
    for (size_t p = 0; p < t->n_names; p++)
        if (strcmp(t->names[p], name) == 0)
            return (int)p;
    return ope_fail(err, OPE_EUSAGE, "no policy '%s' in %s", name,
                    t->path ? t->path : "the log");
}

static const char *t_policy_name(struct eng *g, size_t pol)
{
    return ((const struct tss *)g->self)->names[pol];
}

static void t_describe(struct eng *g, struct res_eval *r)
{
    const struct tss *t = g->self;
    r->kind = "trajectories";
    r->n_actions = t->n_actions;
    r->gamma = t->gamma;
}

static int t_setup(struct eng *g, struct res_eval *r, struct ope_error *err)
{
    (void)g, (void)r, (void)err;
    return 0;
}

static size_t t_col(struct eng *g, size_t p, size_t e)
{
    const struct tss *t = g->self;
    return p * t->Wp + t->off[e];
}

static double t_value(struct eng *g, size_t p, size_t e, const double *sums, double n)
{
    const struct tss *t = g->self;
    const struct tpe *x = &t->pe[p * g->o->n_spec + e];
    return traj_value_sums(x->coef, x->K, sums, x->den ? sums + x->K : NULL, n);
}

static size_t t_baseline_col(struct eng *g)
{
    return ((const struct tss *)g->self)->base_col;
}

/* ---- the layout, and its growth with the horizon ----------------------------------- */

/* Every estimator's slots as a function of the horizon (struct tshape). */
static int shapes(struct eng *g, struct tss *t, struct ope_error *err)
{
    size_t ns = g->o->n_spec;
    if (!(t->shape = ope_calloc(ns + 1, sizeof *t->shape, err)))
        return -1;
    size_t ep[2] = { 0, 1 };
    int a0 = 0;
    double r0 = 0.0, one = 1.0;
    struct tlog L;
    memset(&L, 0, sizeof L);
    L.n_steps = L.n_episodes = 1;
    L.ep_start = ep;
    L.horizon = 1;
    L.n_actions = 1;
    L.action = &a0;
    L.reward = &r0;
    L.pscore = &one;
    for (size_t e = 0; e < ns; e++) {
        size_t K[2];
        int den = 0;
        for (int T = 1; T <= 2; T++) {
            struct traj_in in = { &L, 0, T, 1.0, &one, &one, NULL, NULL, NULL };
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

static size_t shape_K(const struct tshape *s, int T)
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
            size_t K1 = shape_K(s, from->T), K2 = shape_K(s, T);
            size_t o1 = p * from->Wp + from->off[e], o2 = p * Wp + off[e];
            for (size_t k = 0; k < K2; k++) {
                map[o2 + k] = k < K1 ? o1 + k : (size_t)-1;
                if (s->den)
                    map[o2 + K2 + k] = o1 + K1 + (k < K1 ? k : K1 - 1);
            }
        }
    map[g->n_pol * Wp] = from->base_col;
}

/* Lay the columns out for horizon T: each policy's block holds every estimator's
 * numerators then denominators, and one column after all policies holds the
 * episodes' returns. What the part holds is carried over (acc_merge_cols, comom_grow:
 * per-step slots extended as padding extends them). 0, or -1. */
static int layout(struct eng *g, struct tss *t, int T, struct ope_error *err)
{
    size_t ns = g->o->n_spec, Wp = 0, dmax = 1;
    size_t *off = ope_malloc((ns + 1) * sizeof *off, err);
    if (!off)
        return -1;
    for (size_t e = 0; e < ns; e++) {
        size_t K = shape_K(&t->shape[e], T);
        off[e] = Wp;
        Wp += K * (t->shape[e].den ? 2 : 1);
        if (t->shape[e].den && 2 * K + 1 > dmax)
            dmax = 2 * K + 1;
    }
    size_t W = (g->n_pol * Wp + 1 + TRAJBOOT_PAD - 1) / TRAJBOOT_PAD * TRAJBOOT_PAD;
    /* The co-moments of a per-step ratio estimator grow as the square of the horizon
     * (2T + 1 terms an episode): checked against the memory budget before they are
     * allocated, as a reward model's normal equations are. */
    double bytes = (double)dmax * (double)dmax * 24.0, gb = 1024.0 * 1024.0 * 1024.0;
    const char *widest = NULL;
    for (size_t e = 0; e < ns; e++)
        if (t->shape[e].den) {
            double d = 2.0 * (double)shape_K(&t->shape[e], T) + 1.0;
            bytes += (double)g->n_pol * d * (d + 1.0) * 16.0;
            if (d == (double)dmax)
                widest = g->o->spec[e].label;
        }
    if (g->o->model.max_bytes && bytes > (double)g->o->model.max_bytes) {
        free(off);
        return ope_fail(err, OPE_EDATA, "%s: read in windows, a self-normalised estimator "
                        "keeps the co-moments of its per-episode terms for its se, %zu of them "
                        "for %s at horizon %d: %.1f GB for %zu policies, past the memory budget "
                        "of %.1f GB; evaluate the log in memory (without --stream, mpirun or "
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
        comom_release(&t->wz);
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
            size_t K2 = shape_K(&t->shape[e], T);
            x->den = t->shape[e].den;
            if (x->den && x->K && K2 > x->K)
                rc = comom_grow(&x->z, K2, err);
            else if (x->den && !x->K)
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

/* The part's per-policy and per-estimator accumulators, empty. 0, or -1. */
static int part_init(struct eng *g, struct tss *t, struct ope_error *err)
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

/* Grow the support's tables to `need` states. */
static int support_grow(struct eng *g, struct tss *t, size_t need, struct ope_error *err)
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

/* ---- one window --------------------------------------------------------------------- */

static int reserve(struct tss *t, const struct tlog *w, size_t W, struct ope_error *err)
{
    if (w->n_steps + 1 > t->cap_steps) {
        size_t n = w->n_steps + 1;
        free(t->w), free(t->rho);
        t->w = ope_malloc(n * sizeof *t->w, err);
        t->rho = ope_malloc(n * sizeof *t->rho, err);
        t->cap_steps = t->w && t->rho ? n : 0;
        if (!t->cap_steps)
            return -1;
    }
    if (w->n_episodes + 1 > t->cap_eps) {
        size_t n = w->n_episodes + 1;
        free(t->ret), free(t->c), free(t->rowid);
        t->ret = ope_malloc(n * sizeof *t->ret, err);
        t->c = ope_malloc(n * sizeof *t->c, err);
        t->rowid = ope_malloc(n * sizeof *t->rowid, err);
        t->cap_eps = t->ret && t->c && t->rowid ? n : 0;
        if (!t->cap_eps)
            return -1;
    }
    size_t nS = w->n_episodes * W + 1;
    if (nS > t->cap_S) {
        free(t->S);
        t->cap_S = (t->S = ope_malloc(nS * sizeof *t->S, err)) ? nS : 0;
        if (!t->S)
            return -1;
    }
    return 0;
}

/* The window's co-moments of z, formed in double precision (two passes, vectorised)
 * with the numerators centred on the window's own ratios, which keeps them well
 * conditioned, then merged into z (comom_merge: moved to z's pilots, in extended
 * precision). scratch: zd's d (d + 4) doubles, zex's d ints. */
static void comom_window(struct tss *t, struct comom *z, const struct traj_terms *tt)
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

/* Copy the terms of one (policy, estimator) into columns col.. of the window's S and
 * keep their statistics. Returns 1 when every term is finite. */
static int keep_terms(struct tss *t, struct tpe *x, const struct traj_terms *tt, size_t col,
                      size_t n)
{
    size_t K = tt->K;
    int finite = 1;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < K; k++) {
            double a = tt->num[i * K + k], b = tt->den ? tt->den[i * K + k] : 0.0;
            finite &= isfinite(a) && isfinite(b);
            t->S[trajboot_at(n, i, col + k)] = a;
            if (tt->den)
                t->S[trajboot_at(n, i, col + K + k)] = b;
        }
    memcpy(x->coef, tt->coef, K * sizeof *x->coef);
    if (tt->den) {
        comom_window(t, &x->z, tt);
    } else {
        traj_contrib(tt, t->c);
        ci_stats_acc_add(&x->c, t->c, n);
        for (size_t i = 0; i < n; i++)
            t->c[i] -= t->ret[i];
        ci_stats_acc_add(&x->lift, t->c, n);
    }
    return finite;
}

/* Fold the window's episodes (global numbers first, first + 1, ...) into the part. */
static int window(struct eng *g, struct tss *t, const struct tlog *w, size_t first,
                  struct ope_error *err)
{
    size_t ns = g->o->n_spec, n = w->n_episodes, A = (size_t)t->n_actions;
    if (n == 0)
        return 0;
    if (w->n_actions != t->n_actions || w->n_policies != t->n_names)
        return ope_fail(err, OPE_ESOFTWARE, "a window of another shape");
    /* The part's horizon is its own episodes' (an MPI rank's part holds every N-th
     * window: a longer episode in another's is the merge's to lay out). */
    int T = t->T;
    for (size_t e = 0; e < n; e++)
        if ((int)(w->ep_start[e + 1] - w->ep_start[e]) > T)
            T = (int)(w->ep_start[e + 1] - w->ep_start[e]);
    if (reserve(t, w, 0, err) != 0 ||
        support_grow(g, t, w->n_states > 0 ? (size_t)w->n_states : 1, err) != 0 ||
        (T != t->T && layout(g, t, T, err) != 0) || reserve(t, w, t->W, err) != 0)
        return -1;
    /* The episodes' discounted returns, summed as tlog_mean_return sums them. */
    for (size_t e = 0; e < n; e++) {
        struct ope_sum s;
        double disc = 1.0, ga = 0.0;
        ope_sum_init(&s);
        for (size_t i = w->ep_start[e]; i < w->ep_start[e + 1]; i++) {
            ope_sum_add(&s, disc * w->reward[i]);
            disc *= t->gamma;
            ga += fabs(w->reward[i]);
        }
        t->ret[e] = ope_sum_value(&s);
        ope_sum_add(&t->ret_all, t->ret[e]);
        t->gmax = fmax(t->gmax, ga);
        t->rowid[e] = first + e;
    }
    for (size_t i = 0; i < w->n_steps; i++)
        t->seen[(w->state ? (size_t)w->state[i] : 0) * A + (size_t)w->action[i]] = 1;
    memset(t->S, 0, n * t->W * sizeof *t->S);
    int finite = 1;
    for (size_t p = 0; p < g->n_pol; p++) {
        size_t pol = g->pol[p];
        if (traj_weights(w, pol, t->w, t->rho, err) != 0)
            return -1;
        for (size_t e = 0; e < n; e++) {
            size_t end = w->ep_start[e + 1];
            diag_acc_add(&t->dg[p], end > w->ep_start[e] ? t->rho[end - 1] : 1.0);
        }
        for (size_t i = 0; i < w->n_steps; i++) {
            t->rho_max[p] = t->rho[i] > t->rho_max[p] ? t->rho[i] : t->rho_max[p];
            struct ope_sum *m = t->mass + (p * t->n_ctx + (w->state ? (size_t)w->state[i] : 0)) * A;
            for (size_t a = 0; a < A; a++)
                ope_sum_add(&m[a], w->policy[pol].prob[a][i]);
        }
        struct traj_in in = { w, pol, T, t->gamma, t->w, t->rho, NULL, NULL, NULL };
        for (size_t e = 0; e < ns; e++) {
            if (g->o->spec[e].d->traj_build(&in, g->o->spec[e].param, &t->terms[e], err) != 0)
                return -1;
            if (t->terms[e].K != t->pe[p * ns + e].K)
                return ope_fail(err, OPE_ESOFTWARE, "%s: %zu slots, laid out %zu",
                                g->o->spec[e].label, t->terms[e].K, t->pe[p * ns + e].K);
            finite &= keep_terms(t, &t->pe[p * ns + e], &t->terms[e], t_col(g, p, e), n);
            traj_terms_release(&t->terms[e]);
        }
    }
    for (size_t i = 0; i < n; i++)
        t->S[trajboot_at(n, i, t->base_col)] = t->ret[i];
    struct trajboot tb;
    if (trajboot_init_finite(&tb, t->S, n, t->W, finite, err) != 0)
        return -1;
    struct acc_source src = tb.src;
    src.rowid = t->rowid;
    if (acc_run(&t->acc, &src, g->o->seed, g->o->threads, NULL, err) != 0)
        return -1;
    t->episodes += n;
    t->steps += w->n_steps;
    return 0;
}

/* ---- parts: merged, saved, read --------------------------------------------------------- */

static void part_release(struct tss *t, size_t n_pol, size_t ns)
{
    for (size_t k = 0; t->pe && k < n_pol * ns; k++) {
        free(t->pe[k].coef);
        comom_release(&t->pe[k].z);
    }
    free(t->pe), free(t->dg), free(t->rho_max), free(t->off), free(t->seen), free(t->mass);
    acc_release(&t->acc);
    t->pe = NULL, t->dg = NULL, t->rho_max = NULL, t->off = NULL, t->seen = NULL;
    t->mass = NULL;
}

/* a += b: b's episodes, which come after a's (b is changed). 0, or -1 with err. */
static int part_merge(struct eng *g, struct tss *a, struct tss *b, struct ope_error *err)
{
    size_t ns = g->o->n_spec, A = (size_t)a->n_actions;
    if (b->episodes == 0)
        return 0;
    if (b->T > a->T && layout(g, a, b->T, err) != 0)
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
    if (support_grow(g, a, b->n_ctx, err) != 0)
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

static void part_put(const struct eng *g, const struct tss *t, struct strbuf *sb)
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

/* A part's bytes at st's cursor into t (part_init'ed, with the merge's shapes). A
 * count that does not fit the bytes left is damage (it must not size an allocation).
 * 0, or -1 with err (the bad flag set: the caller's sf_done says so). */
static int part_get(struct eng *g, struct tss *t, struct sf_state *st, struct ope_error *err)
{
    size_t ns = g->o->n_spec, A = (size_t)t->n_actions;
    int T = (int)sf_get_count(st, 0, PART_MAX_T);
    t->episodes = (size_t)sf_get_count(st, 0, (uint64_t)1 << 52);
    t->steps = (size_t)sf_get_count(st, t->episodes, (uint64_t)1 << 62);
    t->gmax = sf_get_f64(st);
    sf_get_sum(st, &t->ret_all);
    if (!(t->gmax >= 1.0) || !isfinite(t->gmax) || (T == 0) != (t->episodes == 0) ||
        (size_t)T > t->steps)
        st->bad = 1;
    if (st->bad || T == 0)
        return 0;
    /* The layout's accumulator is B x W sums of 32 bytes, and a ratio estimator's
     * co-moments d (d + 1) / 2 numbers of 24 bytes: the bytes must be there before
     * they size an allocation. */
    double W = 1.0, co = 0.0;
    for (size_t e = 0; e < ns; e++) {
        double K = (double)shape_K(&t->shape[e], T), d = 2.0 * K + 1.0;
        W += (double)g->n_pol * K * (t->shape[e].den ? 2.0 : 1.0);
        if (t->shape[e].den)
            co += (double)g->n_pol * d * (d + 1.0) / 2.0 * 24.0;
    }
    if (W * (double)(g->B + 1) * 32.0 + co > (double)sf_room(st, 1) ||
        (double)t->steps > 4503599627370496.0 ||
        !(fabs(ope_sum_value(&t->ret_all)) <= (double)t->episodes * t->gmax * (1.0 + 1e-9))) {
        st->bad = 1;
        return 0;
    }
    if (layout(g, t, T, err) != 0)
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
            if (x->z.n != t->episodes)
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
    if (support_grow(g, t, n_ctx, err) != 0)
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

/* The settings two parts must share to merge (statefile.h). */
static void part_settings(const struct eng *g, const struct tss *t, struct strbuf *sb)
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

/* The log's facts every part shares: its policies, actions and discount. */
static void open_put(const struct tss *t, struct strbuf *sb)
{
    sf_put_u64(sb, t->n_names);
    for (size_t p = 0; p < t->n_names; p++)
        sf_put_str(sb, t->names[p]);
    sf_put_u64(sb, (uint64_t)t->n_actions);
    sf_put_f64(sb, t->gamma);
}

/* The first state's facts into t (names owned), the others' checked against them. */
static int open_get(struct tss *t, struct sf_state *st, int first, struct ope_error *err)
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

/* ---- the results ------------------------------------------------------------------ */

/* A ratio estimator's contributions c_i = sum_k coef_k [V_k + (num_ik - V_k den_ik) n /
 * D_k] are affine in z_i, as num - V den = u + (vhat - V) den: their mean and sd (and
 * those of c_i - return_i) from z's co-moments. scratch: d long doubles. */
static void ratio_stats(const struct tpe *x, const double *sums, double n, long double *scratch,
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

static void results(struct eng *g, struct tss *t, const struct eng_sums *x, struct eng_res *es,
                    struct eng_pol *ps)
{
    size_t ns = g->o->n_spec, A = (size_t)t->n_actions;
    double n = (double)t->episodes;
    for (size_t p = 0; p < g->n_pol; p++) {
        diag_acc_result(&t->dg[p], &ps[p].w);
        ps[p].truth = t->to->truth ? t->to->truth[p] : NAN;
        struct ope_sum u;
        ope_sum_init(&u);
        for (size_t c = 0; c < t->n_ctx * A; c++)
            if (!t->seen[c])
                ope_sum_add(&u, ope_sum_value(&t->mass[p * t->n_ctx * A + c]));
        ps[p].unsupported = t->steps ? ope_sum_value(&u) / (double)t->steps : NAN;
        for (size_t e = 0; e < ns; e++) {
            struct tpe *xe = &t->pe[p * ns + e];
            struct eng_res *r = &es[p * ns + e];
            const double *sums = x->point + t_col(g, p, e);
            memset(r, 0, sizeof *r);
            r->s.applies = 1;
            size_t zero = 0;
            if (xe->den) {
                for (size_t k = 0; k < xe->K; k++)
                    zero += sums[xe->K + k] == 0.0;
                ratio_stats(xe, sums, n, t->zs, &r->s.st, &r->s.lift_st);
            } else {
                ci_stats_acc_result(&xe->c, &r->s.st);
                ci_stats_acc_result(&xe->lift, &r->s.lift_st);
            }
            if (zero)
                snprintf(r->s.why, sizeof r->s.why, "a zero denominator (0/0): every "
                         "trajectory weight is 0 at %zu of its %zu self-normalised steps",
                         zero, xe->K);
            r->s.weighted = 1;
            enum est_weights_only wo = g->o->spec[e].d->weights_only;
            if ((wo == EST_WEIGHTS_UNIT && !(ps[p].w.max > 0)) ||
                (wo == EST_WEIGHTS_STEP && !(t->rho_max[p] > 0))) {
                r->s.undefined = 1;
                snprintf(r->s.why, sizeof r->s.why, "every %s weight is 0 (the policy gives no "
                         "logged %s a positive probability: empty support)",
                         wo == EST_WEIGHTS_UNIT ? "trajectory" : "per-decision",
                         wo == EST_WEIGHTS_UNIT ? "trajectory" : "first step");
            }
            r->s.mean_w = ps[p].w.mean;
            r->s.max_w = ps[p].w.max;
            r->s.ess = ps[p].w.ess;
            r->value = r->s.undefined ? NAN : t_value(g, p, e, sums, n);
        }
    }
}

/* ---- gathering: windows, ranks, shards ------------------------------------------------ */

/* Read the windows; under MPI each rank folds every comm_size()-th window (all read
 * the log: its checks and errors are the same on every rank) and the ranks' parts are
 * merged in rank order on every rank. */
static int read_windows(struct eng *g, struct tss *t, struct ope_error *err)
{
    int ranks = comm_size(), rank = comm_rank(), rc = 0;
    size_t k = 0;
    for (;; k++) {
        if (ope_progress_cancelled(g->o->progress)) {
            rc = ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
            break;
        }
        const struct tlog *w;
        size_t first;
        int got = t->win->next(t->win->ctx, &w, &first, err);
        if (got <= 0) {
            rc = got;
            break;
        }
        if (ranks > 1 && (int)(k % (size_t)ranks) != rank)
            continue;
        if ((rc = window(g, t, w, t->win->row0 + first, err)) != 0)
            break;
    }
    if (ranks == 1)
        return rc;
    /* Every rank's part, in rank order, merged into an empty part on every rank. */
    if (comm_agree(rc, err) != 0)
        return -1;
    struct strbuf mine = STRBUF_INIT, all = STRBUF_INIT;
    part_put(g, t, &mine);
    size_t *len = ope_calloc((size_t)ranks + 1, sizeof *len, err);
    rc = strbuf_failed(&mine) ? ope_fail_oom(err) : len ? 0 : -1;
    if (comm_agree(rc, err) != 0 ||
        comm_allgather(mine.buf, mine.len, &all, len, err) != 0) {
        strbuf_release(&mine), free(len);
        return -1;
    }
    strbuf_release(&mine);
    part_release(t, g->n_pol, g->o->n_spec);
    t->T = 0, t->Wp = t->W = t->base_col = 0, t->episodes = t->steps = 0, t->n_ctx = 0;
    rc = part_init(g, t, err);
    size_t at = 0;
    for (int r = 0; rc == 0 && r < ranks; at += len[r], r++) {
        struct sf_state st;
        struct tss b;
        memset(&b, 0, sizeof b);
        b.shape = t->shape, b.n_actions = t->n_actions;
        memset(&st, 0, sizeof st);
        st.data = (unsigned char *)all.buf + at;
        st.n = len[r];
        st.name = "a rank's part";
        st.kind = (char *)"";
        rc = part_init(g, &b, err) != 0 || part_get(g, &b, &st, err) != 0 ||
             sf_done(&st, err) != 0 || part_merge(g, t, &b, err) != 0 ? -1 : 0;
        part_release(&b, g->n_pol, g->o->n_spec);
        free(b.zs), free(b.zd), free(b.zex);
        comom_release(&b.wz);
    }
    strbuf_release(&all);
    free(len);
    return rc;
}

/* The shards' states, in episode order, merged into t. */
static int read_states(struct eng *g, struct tss *t, struct ope_error *err)
{
    int rc = 0;
    for (size_t k = 0; rc == 0 && k < t->n_merge; k++) {
        struct sf_state *st = t->merge[k];
        struct tss b;
        memset(&b, 0, sizeof b);
        b.shape = t->shape, b.n_actions = t->n_actions;
        if (k > 0 && open_get(t, st, 0, err) != 0)
            return -1;
        rc = part_init(g, &b, err) != 0 || part_get(g, &b, st, err) != 0 ||
             sf_done(st, err) != 0 ? -1 : 0;
        if (rc == 0 && b.episodes != t->merge_rows[k])
            rc = ope_fail(err, OPE_EDATA, "%s: damaged state: it holds %zu episodes, its "
                          "header %llu; make it again", st->name, b.episodes,
                          (unsigned long long)t->merge_rows[k]);
        if (rc == 0)
            rc = part_merge(g, t, &b, err);
        part_release(&b, g->n_pol, g->o->n_spec);
        free(b.zs), free(b.zd), free(b.zex);
        comom_release(&b.wz);
    }
    return rc;
}

static int t_gather(struct eng *g, struct res_eval *r, struct eng_sums *x, struct eng_res *es,
                    struct eng_pol *ps, struct ope_error *err)
{
    struct tss *t = g->self;
    size_t ns = g->o->n_spec;
    if (shapes(g, t, err) != 0 || part_init(g, t, err) != 0 ||
        !(t->terms = ope_calloc(ns + 1, sizeof *t->terms, err)))
        return -1;
    if (t->merge) {
        /* The options rebuilt from the first state must be the settings it names (a
         * crafted options block would otherwise pass as them). */
        struct strbuf set = STRBUF_INIT;
        part_settings(g, t, &set);
        int same = !strbuf_failed(&set) && strcmp(strbuf_str(&set), t->merge[0]->settings) == 0;
        strbuf_release(&set);
        if (!same)
            return ope_fail(err, OPE_EDATA, "%s: damaged state: its options are not the "
                            "settings it names; make it again", t->merge[0]->name);
        if (read_states(g, t, err) != 0)
            return -1;
    } else if (read_windows(g, t, err) != 0) {
        return -1;
    }
    if (t->save && t->episodes) {
        /* The merge's range check over the whole log is stricter (more episodes): a
         * shard past it even alone is refused now, not found damaged by the merge. */
        double lim = logrange_term_max(t->episodes) / t->gmax;
        for (size_t p = 0; p < g->n_pol; p++)
            if (!(t->rho_max[p] <= lim))
                return ope_fail(err, OPE_EDATA, "%s: policy '%s': a trajectory weight (the "
                                "product of pi/pscore over an episode's steps) reaches %.3g, "
                                "which with returns up to %g passes %.3g, past which the sums "
                                "over %zu episodes overflow double precision; check the "
                                "pscores (in memory, ope eval names the episode)",
                                t->path ? t->path : "log", t->names[g->pol[p]], t->rho_max[p],
                                t->gmax, lim, t->episodes);
    }
    if (t->save) {
        part_settings(g, t, t->save_settings);
        eval_state_opts_put(t->save, g->o, (const char *const *)t->names, g->pol, g->n_pol);
        open_put(t, t->save);
        part_put(g, t, t->save);
        if (strbuf_failed(t->save) || strbuf_failed(t->save_settings))
            return ope_fail_oom(err);
        if (t->episodes == 0)
            return ope_fail(err, OPE_EDATA, "%s: no episodes after the header",
                            t->path ? t->path : "log");
        t->saved = 1;
        return ope_fail(err, OPE_EINTERRUPTED, "saved");   /* stops the engine */
    }
    if (t->episodes < 2)
        return ope_fail(err, OPE_EDATA, "%s: %zu episode(s); at least 2 are needed to "
                        "evaluate", t->path ? t->path : "log", t->episodes);
    /* tlog_check_range's rule, known only now that the episodes are counted: a
     * trajectory weight past the limit makes the sums overflow. */
    double lim = logrange_term_max(t->episodes) / t->gmax;
    for (size_t p = 0; p < g->n_pol; p++)
        if (!(t->rho_max[p] <= lim))
            return ope_fail(err, OPE_EDATA, "%s: policy '%s': a trajectory weight (the product "
                            "of pi/pscore over an episode's steps) reaches %.3g, which with "
                            "returns up to %g passes %.3g, past which the sums over %zu "
                            "episodes overflow double precision; check the pscores (in "
                            "memory, ope eval names the episode)", t->path ? t->path : "log",
                            t->names[g->pol[p]], t->rho_max[p], t->gmax, lim, t->episodes);
    g->n = t->episodes;
    r->rows = t->steps;
    r->episodes = t->episodes;
    r->behavior_value = r->behavior_observed = ope_sum_value(&t->ret_all) / (double)t->episodes;
    x->K = t->W;
    if (!(x->point = ope_malloc(t->W * sizeof *x->point, err)))
        return -1;
    if (g->B && (!(x->rep = ope_malloc(g->B * t->W * sizeof *x->rep, err)) ||
                 !(x->rep_n = ope_malloc(g->B * sizeof *x->rep_n, err))))
        return -1;
    acc_finalize(&t->acc, x->point, x->rep, x->rep_n);
    results(g, t, x, es, ps);
    return 0;
}

static const struct eng_kind traj_stream_kind = {
    .kind = EST_TRAJ,
    .noun = "trajectory",
    .unit = DIAG_TRAJECTORIES,
    .check = t_check,
    .policy_index = t_policy_index,
    .policy_name = t_policy_name,
    .describe = t_describe,
    .setup = t_setup,
    .col = t_col,
    .value = t_value,
    .baseline_col = t_baseline_col,
    .gather = t_gather,
};

static void tss_release(struct tss *t, size_t n_pol, size_t ns)
{
    part_release(t, n_pol, ns);
    for (size_t e = 0; t->terms && e < ns; e++)
        traj_terms_release(&t->terms[e]);
    free(t->terms), free(t->shape);
    free(t->w), free(t->rho), free(t->ret), free(t->c), free(t->S), free(t->rowid);
    free(t->zs), free(t->zd), free(t->zex);
    comom_release(&t->wz);
}

/* One run of the engine over t (set up by the caller). */
static struct res_eval *run(struct tss *t, const struct eval_opts *o, struct ope_error *err)
{
    if (eval_traj_stream_refuse(o, err) != 0)
        return NULL;
    struct eng g;
    memset(&g, 0, sizeof g);
    g.kind = &traj_stream_kind;
    g.self = t;
    g.n_log_policies = t->n_names;
    g.path = t->path;
    struct res_eval *r = eng_run(&g, o, err);
    tss_release(t, g.n_pol, o->n_spec);
    return r;
}

struct res_eval *eval_traj_stream(const struct eng_traj_windows *win, const struct eval_opts *o,
                                  const struct traj_opts *to, struct ope_error *err)
{
    struct tss t;
    memset(&t, 0, sizeof t);
    t.win = win;
    t.to = to;
    t.path = win->path;
    t.names = (char **)win->names;
    t.n_names = win->n_policies;
    t.n_actions = win->n_actions;
    t.gamma = isnan(to->gamma) ? 1.0 : to->gamma;
    return run(&t, o, err);
}

int eval_traj_stream_save(const struct eng_traj_windows *win, const struct eval_opts *o,
                          const struct traj_opts *to, struct strbuf *state,
                          struct strbuf *settings, size_t *episodes, struct ope_error *err)
{
    struct tss t;
    memset(&t, 0, sizeof t);
    t.win = win;
    t.to = to;
    t.path = win->path;
    t.names = (char **)win->names;
    t.n_names = win->n_policies;
    t.n_actions = win->n_actions;
    t.gamma = isnan(to->gamma) ? 1.0 : to->gamma;
    t.save = state;
    t.save_settings = settings;
    struct res_eval *r = run(&t, o, err);
    res_eval_free(r);           /* not reached: the engine stops after the save */
    if (!t.saved)
        return -1;
    *episodes = t.episodes;
    memset(err, 0, sizeof *err);
    ope_progress_report(o->progress, 1.0, "done");
    return 0;
}

struct res_eval *eval_traj_merge(struct sf_state *const *states, const uint64_t *episodes,
                                 size_t n, const struct eval_opts *o, const struct traj_opts *to,
                                 struct ope_error *err)
{
    if (n == 0)
        return ope_fail(err, OPE_EUSAGE, "no state to merge"), NULL;
    struct tss t;
    memset(&t, 0, sizeof t);
    t.to = to;
    t.merge = states;
    t.merge_rows = episodes;
    t.n_merge = n;
    struct res_eval *r = NULL;
    if (open_get(&t, states[0], 1, err) == 0)
        r = run(&t, o, err);
    for (size_t p = 0; t.names && p < t.n_names; p++)
        free(t.names[p]);
    free(t.names);
    return r;
}
