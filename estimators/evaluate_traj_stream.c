/* estimators/evaluate_traj_stream.c: the trajectory log read in windows, as a source
 * of the evaluation driver that gathers everything in one pass (see the header). */
#include "config.h"
#include "estimators/evaluate_traj_stream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/logrange.h"
#include "estimators/accum.h"
#include "estimators/engine.h"
#include "estimators/traj.h"
#include "estimators/trajboot.h"
#include "ope/base/sum.h"

/* An estimator streams when its terms are the episode's own: no model fitted on the
 * whole log, nothing re-estimated per resample. */
static int streams(const struct est_desc *d)
{
    return !d->needs_model && !d->traj_resample;
}

int eval_traj_stream_refuse(const struct eval_opts *o, struct ope_error *err)
{
    for (size_t e = 0; e < o->n_spec; e++)
        if (o->spec[e].d->kind == EST_TRAJ && !streams(o->spec[e].d))
            return ope_fail(err, OPE_EUSAGE, "--stream: %s fits a model on the whole "
                            "trajectory log, which a stream does not hold; stream the "
                            "importance sampling estimators (--estimators tis,pdis,wtis,wpdis) "
                            "or drop --stream", o->spec[e].label);
    if (o->ci != CI_BOOTSTRAP && o->ci != CI_NONE)
        return ope_fail(err, OPE_EUSAGE, "--stream: --ci %s needs every episode's terms at once "
                        "on a trajectory log (the differences between candidates, the range of "
                        "a self-normalised estimator's terms); use --ci bootstrap (the default) "
                        "or drop --stream", ci_method_name((enum ci_method)o->ci));
    return 0;
}

/* The co-moments of one (policy, ratio estimator)'s per-episode vector z = (u[K],
 * den[K], return), u_k = num_k - vhat_k den_k: mean[d] and the sums of products of
 * deviations m2[d * d], d = 2K + 1, over n episodes. The pilot ratios vhat (the first
 * window's) centre the numerators near the final ratios V_k, so the contributions'
 * variance, a quadratic form in z's, does not come from cancelling large terms (a
 * self-normalised estimate with constant returns has contributions of variance 0). */
struct comom {
    size_t n, d, K;
    long double *mean, *m2;     /* extended: the quadratic form cancels (ratio_stats) */
    double *vhat;
};

/* Per (policy, estimator). */
struct tpe {
    size_t K;                   /* slots in the current layout */
    int den;                    /* ratio slots */
    double *coef;               /* [K] */
    struct ci_stats_acc c, lift;    /* plain slots: the contributions, exactly */
    struct comom z;             /* ratio slots */
};

struct tss {
    const struct eng_traj_windows *win;
    const struct traj_opts *to;
    double gamma;
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
    long double *zs;            /* comom_add's scratch, for the widest vector */
    double *zd;
    size_t cap_steps, cap_eps, cap_S;
    struct traj_terms *terms;   /* [n_spec] */
};

static int t_check(struct eng *g, struct ope_error *err)
{
    const struct tss *t = g->self;
    if (t->win->n_policies == 0)
        return ope_fail(err, OPE_EUSAGE, "%s: the log has no evaluation policy columns "
                        "(pi.NAME.A)", t->win->path ? t->win->path : "log");
    return 0;
}

static int t_policy_index(struct eng *g, const char *name, struct ope_error *err)
{
    const struct tss *t = g->self;
    for (size_t p = 0; p < t->win->n_policies; p++)
        if (strcmp(t->win->names[p], name) == 0)
            return (int)p;
    return ope_fail(err, OPE_EUSAGE, "no policy '%s' in %s", name,
                    t->win->path ? t->win->path : "the log");
}

static const char *t_policy_name(struct eng *g, size_t pol)
{
    return ((const struct tss *)g->self)->win->names[pol];
}

static void t_describe(struct eng *g, struct res_eval *r)
{
    const struct tss *t = g->self;
    r->kind = "trajectories";
    r->n_actions = t->win->n_actions;
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

/* ---- the layout, and its growth with the horizon --------------------------------- */

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

/* Lay the columns out for horizon T from the terms of a window built with it: each
 * policy's block holds every estimator's numerators then denominators, and one
 * column after all policies holds the episodes' returns. A layout that exists
 * already is carried over (acc_merge_cols; per-step slots extended). 0, or -1. */
static int layout(struct eng *g, struct tss *t, int T, struct ope_error *err)
{
    size_t ns = g->o->n_spec, Wp = 0;
    size_t *off = ope_malloc((ns + 1) * sizeof *off, err);
    if (!off)
        return -1;
    for (size_t e = 0; e < ns; e++) {
        off[e] = Wp;
        Wp += t->terms[e].K * (t->terms[e].den ? 2 : 1);
    }
    size_t W = (g->n_pol * Wp + 1 + TRAJBOOT_PAD - 1) / TRAJBOOT_PAD * TRAJBOOT_PAD, dmax = 1;
    for (size_t e = 0; e < ns; e++)
        if (t->terms[e].den && 2 * t->terms[e].K + 1 > dmax)
            dmax = 2 * t->terms[e].K + 1;
    long double *zs = ope_realloc(t->zs, dmax * (dmax + 2) * sizeof *zs, err);
    if (!zs) {
        free(off);
        return -1;
    }
    t->zs = zs;
    double *zd = ope_realloc(t->zd, dmax * (dmax + 3) * sizeof *zd, err);
    if (!zd) {
        free(off);
        return -1;
    }
    t->zd = zd;
    struct acc_state acc;
    memset(&acc, 0, sizeof acc);
    size_t *map = NULL;
    int rc = acc_init(&acc, W, g->B, err);
    if (rc == 0 && t->acc.K) {
        if (!(map = ope_malloc(W * sizeof *map, err)))
            rc = -1;
        for (size_t k = 0; map && k < W; k++)
            map[k] = (size_t)-1;
        for (size_t p = 0; map && p < g->n_pol; p++)
            for (size_t e = 0; e < ns; e++) {
                const struct tpe *x = &t->pe[p * ns + e];
                size_t K2 = t->terms[e].K, o2 = p * Wp + off[e], o1 = p * t->Wp + t->off[e];
                if (K2 < x->K || (K2 > x->K && !x->den)) {
                    rc = ope_fail(err, OPE_ESOFTWARE, "%s: slots %zu then %zu", g->o->spec[e].label,
                                  x->K, K2);
                    break;
                }
                for (size_t k = 0; k < K2; k++) {
                    map[o2 + k] = k < x->K ? o1 + k : (size_t)-1;
                    if (x->den)
                        map[o2 + K2 + k] = o1 + x->K + (k < x->K ? k : x->K - 1);
                }
            }
        if (map)
            map[g->n_pol * Wp] = t->base_col;
        if (rc == 0)
            acc_merge_cols(&acc, &t->acc, map);
    }
    for (size_t p = 0; rc == 0 && p < g->n_pol; p++)
        for (size_t e = 0; rc == 0 && e < ns; e++) {
            struct tpe *x = &t->pe[p * ns + e];
            size_t K2 = t->terms[e].K;
            if (x->den && K2 > x->K)
                rc = comom_grow(&x->z, K2, err);
            else if (!x->K && t->terms[e].den)
                rc = comom_init(&x->z, K2, err);
            double *coef = ope_realloc(x->coef, (K2 + 1) * sizeof *coef, err);
            if (!coef)
                rc = -1;
            else
                x->coef = coef;
            x->K = K2;
            x->den = t->terms[e].den != NULL;
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

/* ---- one window ------------------------------------------------------------------ */

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

/* Grow the support's tables to the window's states. */
static int support_grow(struct eng *g, struct tss *t, const struct tlog *w,
                        struct ope_error *err)
{
    size_t need = w->n_states > 0 ? (size_t)w->n_states : 1, A = (size_t)t->win->n_actions;
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

/* The window's co-moments of z merged into z's. Within the window they are formed in
 * double precision (two passes, vectorised) with the numerators centred on the window's
 * own ratios vw, which keeps them well conditioned; they are then moved to z's
 * pilots (u_g = u_w + (vw - vhat) den, a linear map of z) and merged by Chan et al.'s
 * update in extended precision. scratch: d (d + 2) long doubles; wd: d (d + 3)
 * doubles. */
static void comom_add(struct comom *z, const struct traj_terms *tt, const double *ret,
                      long double *scratch, double *wd)
{
    size_t n = tt->n, K = tt->K, d = z->d;
    if (n == 0)
        return;
    double *vw = wd, *dz = wd + d, *m2w = wd + 2 * d;
    long double *mean = scratch, *dl = scratch + d, *m2 = scratch + 2 * d;
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
        if (z->n == 0)
            z->vhat[k] = vw[k];
    }
    double *mu = m2w + d * d;   /* the window's means */
    for (size_t a = 0; a < d; a++)
        mu[a] = 0.0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < K; k++) {
            mu[k] += tt->num[i * K + k] - vw[k] * tt->den[i * K + k];
            mu[K + k] += tt->den[i * K + k];
        }
        mu[2 * K] += ret[i];
    }
    for (size_t a = 0; a < d; a++)
        mu[a] /= (double)n;
    memset(m2w, 0, d * d * sizeof *m2w);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < K; k++) {
            dz[k] = tt->num[i * K + k] - vw[k] * tt->den[i * K + k] - mu[k];
            dz[K + k] = tt->den[i * K + k] - mu[K + k];
        }
        dz[2 * K] = ret[i] - mu[2 * K];
        for (size_t a = 0; a < d; a++) {
            double da = dz[a], *row = m2w + a * d;
            for (size_t b = a; b < d; b++)
                row[b] += da * dz[b];
        }
    }
    /* To z's pilots: mean <- A mean, M2 <- A M2 A', A = I + sum_k delta_k e_u_k e_den_k'. */
    for (size_t a = 0; a < d; a++) {
        mean[a] = mu[a];
        for (size_t b = a; b < d; b++)
            m2[a * d + b] = m2[b * d + a] = m2w[a * d + b];
    }
    for (size_t k = 0; k < K; k++) {
        long double delta = (long double)vw[k] - (long double)z->vhat[k];
        if (delta == 0.0L)
            continue;
        mean[k] += delta * mean[K + k];
        for (size_t b = 0; b < d; b++)          /* rows: A M2 */
            m2[k * d + b] += delta * m2[(K + k) * d + b];
    }
    for (size_t k = 0; k < K; k++) {
        long double delta = (long double)vw[k] - (long double)z->vhat[k];
        if (delta == 0.0L)
            continue;
        for (size_t a = 0; a < d; a++)          /* columns: (A M2) A' */
            m2[a * d + k] += delta * m2[a * d + K + k];
    }
    /* Chan et al.: M2 = M2_a + M2_b + delta delta' n_a n_b / n. */
    long double na = (long double)z->n, nb = (long double)n, nn = na + nb;
    for (size_t a = 0; a < d; a++)
        dl[a] = mean[a] - z->mean[a];
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < d; b++)
            z->m2[a * d + b] += m2[a * d + b] + dl[a] * dl[b] * na * nb / nn;
    for (size_t a = 0; a < d; a++)
        z->mean[a] += dl[a] * nb / nn;
    z->n += n;
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
        comom_add(&x->z, tt, t->ret, t->zs, t->zd);
    } else {
        traj_contrib(tt, t->c);
        ci_stats_acc_add(&x->c, t->c, n);
        for (size_t i = 0; i < n; i++)
            t->c[i] -= t->ret[i];
        ci_stats_acc_add(&x->lift, t->c, n);
    }
    return finite;
}

static int window(struct eng *g, struct tss *t, const struct tlog *w, size_t first,
                  struct ope_error *err)
{
    size_t ns = g->o->n_spec, n = w->n_episodes, A = (size_t)t->win->n_actions;
    if (first != t->episodes)
        return ope_fail(err, OPE_ESOFTWARE, "window at episode %zu after %zu", first,
                        t->episodes);
    if (n == 0)
        return 0;
    if (w->n_actions != t->win->n_actions || w->n_policies != t->win->n_policies)
        return ope_fail(err, OPE_ESOFTWARE, "a window of another shape");
    int T = w->horizon > t->T ? w->horizon : t->T;
    if (reserve(t, w, 0, err) != 0 || support_grow(g, t, w, err) != 0)
        return -1;
    /* The episodes' discounted returns, summed as tlog_mean_return sums them. */
    for (size_t e = 0; e < n; e++) {
        struct ope_sum s;
        double disc = 1.0;
        ope_sum_init(&s);
        for (size_t i = w->ep_start[e]; i < w->ep_start[e + 1]; i++) {
            ope_sum_add(&s, disc * w->reward[i]);
            disc *= t->gamma;
        }
        t->ret[e] = ope_sum_value(&s);
        ope_sum_add(&t->ret_all, t->ret[e]);
        double ga = 0.0;
        for (size_t i = w->ep_start[e]; i < w->ep_start[e + 1]; i++)
            ga += fabs(w->reward[i]);
        t->gmax = fmax(t->gmax, ga);
        t->rowid[e] = first + e;
    }
    for (size_t i = 0; i < w->n_steps; i++)
        t->seen[(w->state ? (size_t)w->state[i] : 0) * A + (size_t)w->action[i]] = 1;
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
        for (size_t e = 0; e < ns; e++)
            if (g->o->spec[e].d->traj_build(&in, g->o->spec[e].param, &t->terms[e], err) != 0)
                return -1;
        if (p == 0 && T != t->T && layout(g, t, T, err) != 0)
            return -1;
        if (p == 0 && reserve(t, w, t->W, err) != 0)
            return -1;
        if (p == 0)
            memset(t->S, 0, n * t->W * sizeof *t->S);
        for (size_t e = 0; e < ns; e++) {
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

/* ---- the results ----------------------------------------------------------------- */

/* A ratio estimator's contributions c_i = sum_k coef_k [V_k + (num_ik - V_k den_ik) n /
 * D_k] are affine in z_i, as num - V den = u + (vhat - V) den: their mean and sd (and
 * those of c_i - return_i) from z's co-moments. scratch: d doubles. */
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
    size_t ns = g->o->n_spec, A = (size_t)t->win->n_actions;
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

static int t_gather(struct eng *g, struct res_eval *r, struct eng_sums *x, struct eng_res *es,
                    struct eng_pol *ps, struct ope_error *err)
{
    struct tss *t = g->self;
    size_t ns = g->o->n_spec;
    t->pe = ope_calloc(g->n_pol * ns + 1, sizeof *t->pe, err);
    t->dg = ope_calloc(g->n_pol + 1, sizeof *t->dg, err);
    t->rho_max = ope_calloc(g->n_pol + 1, sizeof *t->rho_max, err);
    t->terms = ope_calloc(ns + 1, sizeof *t->terms, err);
    if (!t->pe || !t->dg || !t->rho_max || !t->terms)
        return -1;
    for (size_t k = 0; k < g->n_pol * ns; k++) {
        ci_stats_acc_init(&t->pe[k].c);
        ci_stats_acc_init(&t->pe[k].lift);
    }
    for (size_t p = 0; p < g->n_pol; p++)
        diag_acc_init(&t->dg[p]);
    ope_sum_init(&t->ret_all);
    t->gmax = 1.0;
    for (;;) {
        if (ope_progress_cancelled(g->o->progress))
            return ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
        const struct tlog *w;
        size_t first;
        int rc = t->win->next(t->win->ctx, &w, &first, err);
        if (rc < 0)
            return -1;
        if (rc == 0)
            break;
        if (window(g, t, w, first, err) != 0)
            return -1;
    }
    if (t->episodes < 2)
        return ope_fail(err, OPE_EDATA, "%s: %zu episode(s); at least 2 are needed to "
                        "evaluate", t->win->path ? t->win->path : "log", t->episodes);
    /* tlog_check_range's rule, known only now that the episodes are counted: a
     * trajectory weight past the limit makes the sums overflow. */
    double lim = logrange_term_max(t->episodes) / t->gmax;
    for (size_t p = 0; p < g->n_pol; p++)
        if (!(t->rho_max[p] <= lim))
            return ope_fail(err, OPE_EDATA, "%s: policy '%s': a trajectory weight (the product "
                            "of pi/pscore over an episode's steps) reaches %.3g, which with "
                            "returns up to %g passes %.3g, past which the sums over %zu "
                            "episodes overflow double precision; check the pscores (without "
                            "--stream the message names the episode)",
                            t->win->path ? t->win->path : "log", t->win->names[g->pol[p]],
                            t->rho_max[p], t->gmax, lim, t->episodes);
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
    for (size_t k = 0; t->pe && k < n_pol * ns; k++) {
        free(t->pe[k].coef);
        comom_release(&t->pe[k].z);
    }
    for (size_t e = 0; t->terms && e < ns; e++)
        traj_terms_release(&t->terms[e]);
    free(t->pe), free(t->dg), free(t->rho_max), free(t->terms), free(t->off);
    free(t->seen), free(t->mass);
    free(t->w), free(t->rho), free(t->ret), free(t->c), free(t->S), free(t->rowid), free(t->zs), free(t->zd);
    acc_release(&t->acc);
}

struct res_eval *eval_traj_stream(const struct eng_traj_windows *win, const struct eval_opts *o,
                                  const struct traj_opts *to, struct ope_error *err)
{
    if (eval_traj_stream_refuse(o, err) != 0)
        return NULL;
    struct tss t;
    memset(&t, 0, sizeof t);
    t.win = win;
    t.to = to;
    t.gamma = isnan(to->gamma) ? 1.0 : to->gamma;
    struct eng g;
    memset(&g, 0, sizeof g);
    g.kind = &traj_stream_kind;
    g.self = &t;
    g.n_log_policies = win->n_policies;
    g.path = win->path;
    struct res_eval *r = eng_run(&g, o, err);
    tss_release(&t, g.n_pol, o->n_spec);
    return r;
}
