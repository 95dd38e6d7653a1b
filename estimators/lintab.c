/* estimators/lintab.c: the linear value models' sums, gathered in blocks (lintab.h). */
#include "config.h"
#include "estimators/lintab.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_linalg.h>

#include "estimators/ridge.h"
#include "ope/base/statefile.h"

/* The regions of the sums, in order: linear FQE's main sums are the Gram matrices of
 * every row [A p p] and of the rows with an outcome [A p p], sum phi r [A p] and each
 * policy's M [P d d]; its apart sums the second Gram matrices only. LSTD's main and
 * apart sums alike: each policy's system [P d d], then sum psi r [d]. */
enum region { R_APP, R_AP, R_PDD };

static size_t regions(const struct lin_tab *t, int apart, enum region *r)
{
    if (t->lstd) {
        r[0] = R_PDD, r[1] = R_AP;
        return 2;
    }
    if (apart) {
        r[0] = R_APP;
        return 1;
    }
    r[0] = R_APP, r[1] = R_APP, r[2] = R_AP, r[3] = R_PDD;
    return 4;
}

static size_t region_size(const struct lin_tab *t, enum region k, size_t p)
{
    size_t d = t->A * p;
    return k == R_APP ? t->A * p * p : k == R_AP ? d : t->P * d * d;
}

static size_t cells(const struct lin_tab *t, int apart, size_t p)
{
    enum region r[4];
    size_t n = regions(t, apart, r), c = 0;
    for (size_t k = 0; k < n; k++)
        c += region_size(t, r[k], p);
    return c;
}

/* Where cell u of a region laid out for width p0 lies for width p1. */
static size_t region_map(const struct lin_tab *t, enum region k, size_t u, size_t p0, size_t p1)
{
    size_t d0 = t->A * p0, d1 = t->A * p1;
    if (k == R_APP)
        return (u / (p0 * p0)) * p1 * p1 + (u / p0 % p0) * p1 + u % p0;
    if (k == R_AP)
        return (u / p0) * p1 + u % p0;
    size_t q = u / (d0 * d0), i = u / d0 % d0, j = u % d0;
    return q * d1 * d1 + (i / p0 * p1 + i % p0) * d1 + (j / p0 * p1 + j % p0);
}

double lin_tab_bytes(int lstd, size_t A, size_t P, size_t p)
{
    double d = (double)A * (double)p, app = (double)A * (double)p * (double)p;
    double main = lstd ? (double)P * d * d + d : 2 * app + d + (double)P * d * d;
    double apart = lstd ? main : app;
    /* compensated sums (16 bytes), a block's plain ones (8), its mark (1) and list (8) */
    return 33.0 * (main + apart);
}

double lin_tab_wire_bytes(const struct lin_tab *t)
{
    return 16.0 + 16.0 * ((double)cells(t, 0, t->p) + (double)cells(t, 1, t->p));
}

static void sums_free(struct lin_sums *u)
{
    free(u->s), free(u->c), free(u->mk), free(u->dl);
    memset(u, 0, sizeof *u);
}

/* n cells of sums, empty; freed by sums_free (also when zeroed). 0, or -1 with err. */
static int sums_alloc(struct lin_sums *u, size_t n, struct ope_error *err)
{
    memset(u, 0, sizeof *u);
    u->s = ope_calloc(n + 1, sizeof *u->s, err);
    u->c = u->s ? ope_calloc(n + 1, sizeof *u->c, err) : NULL;
    u->mk = u->c ? ope_calloc(n + 1, 1, err) : NULL;
    u->dl = u->mk ? ope_malloc((n + 1) * sizeof *u->dl, err) : NULL;
    if (u->dl)
        return 0;
    sums_free(u);
    return -1;
}

/* One term into the block's plain sum of cell i, the cell listed for the fold the
 * first time the block touches it. */
static inline void sums_add(struct lin_sums *u, size_t i, double v)
{
    if (!u->mk[i]) {
        u->mk[i] = 1;
        u->dl[u->nd++] = i;
    }
    u->c[i] += v;
}

/* The block's plain sums into the compensated ones: only the cells it touched. */
static void sums_fold(struct lin_sums *u)
{
    for (size_t k = 0; k < u->nd; k++) {
        size_t i = u->dl[k];
        if (u->c[i] != 0.0)
            ope_sum_add(&u->s[i], u->c[i]);
        u->c[i] = 0.0;
        u->mk[i] = 0;
    }
    u->nd = 0;
}

/* Lay the sums out for width p (>= t->p), keeping what they hold; the block's plain
 * sums must be folded in (they are, between calls). 0, or -1 with err. */
static int widen(struct lin_tab *t, size_t p, struct ope_error *err)
{
    double bytes = lin_tab_bytes(t->lstd, t->A, t->P, p);
    if (t->max_bytes && bytes > (double)t->max_bytes)
        return ope_fail(err, OPE_EDATA, "%s: the %s value model's sums take %.3g MB for %zu "
                        "polic%s with features of width %zu (%s), past the memory budget of "
                        "%.3g MB: %s%s", t->path ? t->path : "log",
                        t->lstd ? "lstd" : "linear-fqe", bytes / 1048576.0, t->P,
                        t->P == 1 ? "y" : "ies", p,
                        t->nf ? "the s* features and a constant"
                              : "a one-hot of the states: the largest state id + 1",
                        (double)t->max_bytes / 1048576.0,
                        t->P > 1 ? "evaluate fewer policies (--policy)" : "",
                        t->nf ? (t->P > 1 ? "" : "use fewer s* features")
                              : t->P > 1 ? ", number the states densely if their ids are sparse, "
                                           "or use --value-model fqe"
                                         : "number the states densely if their ids are sparse, "
                                           "or use --value-model fqe");
    struct lin_sums m, x;
    if (sums_alloc(&m, cells(t, 0, p), err) != 0 || sums_alloc(&x, cells(t, 1, p), err) != 0) {
        sums_free(&m);
        return -1;
    }
    double *phi = ope_calloc(p + 1, sizeof *phi, err), *phin = ope_calloc(p + 1, sizeof *phin, err);
    size_t *nz = ope_malloc((p + 1) * sizeof *nz, err), *nzn = ope_malloc((p + 1) * sizeof *nzn, err);
    if (!phi || !phin || !nz || !nzn) {
        sums_free(&m), sums_free(&x);
        free(phi), free(phin), free(nz), free(nzn);
        return -1;
    }
    for (int apart = 0; apart < 2 && t->p; apart++) {
        enum region r[4];
        size_t n = regions(t, apart, r), b0 = 0, b1 = 0;
        const struct ope_sum *from = apart ? t->x.s : t->m.s;
        struct ope_sum *to = apart ? x.s : m.s;
        for (size_t k = 0; k < n; k++) {
            size_t n0 = region_size(t, r[k], t->p);
            for (size_t u = 0; u < n0; u++)
                to[b1 + region_map(t, r[k], u, t->p, p)] = from[b0 + u];
            b0 += n0;
            b1 += region_size(t, r[k], p);
        }
    }
    sums_free(&t->m), sums_free(&t->x);
    free(t->phi), free(t->phin), free(t->nz), free(t->nzn);
    t->m = m, t->x = x;
    t->phi = phi, t->phin = phin, t->nz = nz, t->nzn = nzn;
    t->p = p;
    t->d = t->A * p;
    return 0;
}

int lin_tab_init(struct lin_tab *t, int lstd, size_t A, size_t nf, size_t P, const size_t *pol,
                 double gamma, size_t max_bytes, const char *path, struct ope_error *err)
{
    memset(t, 0, sizeof *t);
    t->lstd = lstd;
    t->A = A, t->nf = nf, t->P = P, t->pol = pol;
    t->gamma = gamma;
    t->max_bytes = max_bytes;
    t->path = path;
    /* s* features: their width is known (and a constant); one-hot: none seen yet. */
    return widen(t, nf ? nf + 1 : 0, err);
}

void lin_tab_release(struct lin_tab *t)
{
    sums_free(&t->m), sums_free(&t->x);
    free(t->phi), free(t->phin), free(t->nz), free(t->nzn);
    memset(t, 0, sizeof *t);
}

/* The block's sums, main and apart, into the compensated ones. */
static void fold(struct lin_tab *t)
{
    sums_fold(&t->m);
    sums_fold(&t->x);
    t->since = 0;
}

/* The apart sums (last steps of episodes as long as the longest so far) into the main
 * ones: a longer episode has come, so theirs were shorter than the horizon. */
static void apart_into_main(struct lin_tab *t)
{
    size_t nx = cells(t, 1, t->p), off = t->lstd ? 0 : t->A * t->p * t->p;
    for (size_t i = 0; i < nx; i++) {
        ope_sum_merge(&t->m.s[off + i], &t->x.s[i]);
        ope_sum_init(&t->x.s[i]);
    }
}

/* The horizon T (> t->T): what was apart is main. */
static void lengthen(struct lin_tab *t, int T)
{
    fold(t);
    apart_into_main(t);
    t->T = T;
}

int lin_tab_extend(struct lin_tab *t, size_t p, int T, struct ope_error *err)
{
    if (p > t->p && widen(t, p, err) != 0)
        return -1;
    if (T > t->T)
        lengthen(t, T);
    return 0;
}

/* phi of row j into phi, its nonzero entries' indices into nz: how many. */
static size_t phi_of(const struct lin_tab *t, const struct tlog *w, size_t j, double *phi,
                     size_t *nz)
{
    if (!t->nf) {
        size_t s = (size_t)w->state[j];
        phi[s] = 1.0;
        nz[0] = s;
        return 1;
    }
    size_t n = 0;
    for (size_t k = 0; k < t->nf; k++) {
        phi[k] = w->feature[k][j];
        if (phi[k] != 0.0)
            nz[n++] = k;
    }
    phi[t->nf] = 1.0;
    nz[n++] = t->nf;
    return n;
}

/* Row j's terms: where 1 (a next row), 0 (the absorbing state) into the main sums,
 * 2 (a last step of an episode T long, not done) into the apart ones. */
static void row(struct lin_tab *t, const struct tlog *w, size_t j, int where)
{
    size_t A = t->A, p = t->p, d = t->d, a = (size_t)w->action[j];
    const double *phi = t->phi, *phin = t->phin;
    const size_t *nz = t->nz, *nzn = t->nzn;
    size_t nn = phi_of(t, w, j, t->phi, t->nz), nnn = 0;
    if (where == 1)
        nnn = phi_of(t, w, j + 1, t->phin, t->nzn);
    double r = w->reward[j];
    struct lin_sums *m = &t->m, *ap = where == 2 ? &t->x : &t->m;
    if (!t->lstd) {
        /* main: ga [A p p], go [A p p], br [A p], M [P d d]; apart: go */
        size_t ga = a * p * p, go = (where == 2 ? 0 : A * p * p) + a * p * p;
        size_t br = 2 * A * p * p + a * p;
        for (size_t u = 0; u < nn; u++) {
            size_t i = nz[u];
            for (size_t v = 0; v < nn; v++) {
                double prod = phi[i] * phi[nz[v]];
                sums_add(m, ga + i * p + nz[v], prod);
                sums_add(ap, go + i * p + nz[v], prod);
            }
            sums_add(m, br + i, phi[i] * r);
        }
        if (where == 1) {
            size_t m0 = 2 * A * p * p + A * p;
            for (size_t q = 0; q < t->P; q++) {
                double *const *pr = w->policy[t->pol[q]].prob;
                for (size_t u = 0; u < nn; u++) {
                    size_t mrow = m0 + q * d * d + (a * p + nz[u]) * d;
                    double f = phi[nz[u]];
                    for (size_t a2 = 0; a2 < A; a2++) {
                        double pa = pr[a2][j + 1];
                        if (pa == 0.0)
                            continue;
                        for (size_t v = 0; v < nnn; v++)
                            sums_add(m, mrow + a2 * p + nzn[v], f * (pa * phin[nzn[v]]));
                    }
                }
            }
        }
    } else {
        /* main and apart alike: the systems [P d d], then b [d] */
        size_t b = t->P * d * d;
        for (size_t u = 0; u < nn; u++)
            sums_add(ap, b + a * p + nz[u], phi[nz[u]] * r);
        for (size_t q = 0; q < t->P; q++) {
            double *const *pr = w->policy[t->pol[q]].prob;
            for (size_t u = 0; u < nn; u++) {
                size_t mrow = q * d * d + (a * p + nz[u]) * d;
                double f = phi[nz[u]];
                for (size_t v = 0; v < nn; v++)
                    sums_add(ap, mrow + a * p + nz[v], f * phi[nz[v]]);
                for (size_t a2 = 0; where == 1 && a2 < A; a2++) {
                    double gp = t->gamma * pr[a2][j + 1];
                    if (gp == 0.0)
                        continue;
                    for (size_t v = 0; v < nnn; v++)
                        sums_add(ap, mrow + a2 * p + nzn[v], -(f * (gp * phin[nzn[v]])));
                }
            }
        }
    }
    /* A one-hot phi: back to zeros for the next row. */
    if (!t->nf) {
        t->phi[nz[0]] = 0.0;
        if (nnn)
            t->phin[nzn[0]] = 0.0;
    }
    /* Plain sums of at most a block of rows: the next value's right-hand side is M
     * times theta, whose rounding the backward recursion multiplies by up to
     * 1 / ridge at every step where features are nearly collinear, so M's entries must
     * hold their digits (a chunk of 800,000 rows summed plainly did not). */
    if (++t->since >= LIN_TAB_BLOCK)
        fold(t);
}

int lin_tab_add(struct lin_tab *t, const struct tlog *w, size_t e0, size_t e1,
                struct ope_error *err)
{
    if (e0 >= e1)
        return 0;
    if (!t->nf && (!w->state || w->n_states <= 0))
        return ope_fail(err, OPE_EDATA, "%s: the value model needs state features (s*) or a "
                        "tabular state column", t->path ? t->path : "log");
    if (t->nf && w->n_features != t->nf)
        return ope_fail(err, OPE_ESOFTWARE, "a window with another number of features");
    size_t j0 = w->ep_start[e0], j1 = w->ep_start[e1];
    if (!t->nf) {
        size_t S = 0;
        for (size_t j = j0; j < j1; j++)
            S = (size_t)w->state[j] + 1 > S ? (size_t)w->state[j] + 1 : S;
        if (S > t->p && widen(t, S, err) != 0)
            return -1;
    }
    for (size_t e = e0; e < e1; e++) {
        size_t b0 = w->ep_start[e], end = w->ep_start[e + 1];
        int len = (int)(end - b0);
        if (len > t->T)
            lengthen(t, len);
        for (size_t j = b0; j < end; j++) {
            int where = j + 1 < end ? 1 : (w->done && w->done[j]) || len < t->T ? 0 : 2;
            row(t, w, j, where);
        }
    }
    fold(t);
    return 0;
}

int lin_tab_merge(struct lin_tab *a, const struct lin_tab *b, struct ope_error *err)
{
    if (a->lstd != b->lstd || a->A != b->A || a->P != b->P || a->nf != b->nf)
        return ope_fail(err, OPE_ESOFTWARE, "merging the sums of another model");
    if (b->p > a->p && widen(a, b->p, err) != 0)
        return -1;
    if (b->T > a->T)
        lengthen(a, b->T);
    /* b laid out for its width: each cell to a's place. */
    for (int apart = 0; apart < 2; apart++) {
        enum region r[4];
        size_t n = regions(b, apart, r), b0 = 0, b1 = 0;
        /* b's apart sums join a's main ones when b's episodes were all shorter. */
        int into_main = apart && b->T < a->T;
        size_t off = into_main && !a->lstd ? a->A * a->p * a->p : 0;
        struct ope_sum *to = apart && !into_main ? a->x.s : a->m.s;
        const struct ope_sum *from = apart ? b->x.s : b->m.s;
        for (size_t k = 0; k < n; k++) {
            size_t n0 = region_size(b, r[k], b->p);
            for (size_t u = 0; u < n0; u++)
                ope_sum_merge(&to[off + b1 + region_map(b, r[k], u, b->p, a->p)], &from[b0 + u]);
            b0 += n0;
            b1 += region_size(a, r[k], a->p);
        }
    }
    return 0;
}

void lin_tab_put(const struct lin_tab *t, struct strbuf *sb)
{
    sf_put_u64(sb, t->p);
    sf_put_u64(sb, (uint64_t)t->T);
    size_t ns = cells(t, 0, t->p), nx = cells(t, 1, t->p);
    for (size_t i = 0; i < ns; i++)
        sf_put_sum(sb, &t->m.s[i]);
    for (size_t i = 0; i < nx; i++)
        sf_put_sum(sb, &t->x.s[i]);
}

int lin_tab_get(struct lin_tab *t, struct sf_state *st, struct ope_error *err)
{
    /* A width the state cannot hold the sums of is damage. */
    size_t p = (size_t)sf_get_count(st, t->nf ? t->nf + 1 : 0, 1u << 20);
    int T = (int)sf_get_count(st, 0, INT32_MAX);
    if (st->bad)
        return sf_done(st, err);
    if (cells(t, 0, p) + cells(t, 1, p) > sf_room(st, 16)) {
        st->bad = 1;
        return sf_done(st, err);
    }
    if (p > t->p && widen(t, p, err) != 0)
        return -1;
    if (p != t->p) {
        st->bad = 1;
        return sf_done(st, err);
    }
    t->T = T;
    size_t ns = cells(t, 0, t->p), nx = cells(t, 1, t->p);
    for (size_t i = 0; i < ns; i++)
        sf_get_sum(st, &t->m.s[i]);
    for (size_t i = 0; i < nx; i++)
        sf_get_sum(st, &t->x.s[i]);
    return st->bad ? sf_done(st, err) : 0;
}

int lin_tab_check(const struct lin_tab *t, uint64_t steps)
{
    /* A horizon of an episode's steps, and sums that are numbers. */
    if (!t->m.s || t->T < 1 || (uint64_t)t->T > steps)
        return -1;
    size_t ns = cells(t, 0, t->p), nx = cells(t, 1, t->p);
    for (size_t i = 0; i < ns; i++)
        if (!isfinite(ope_sum_value(&t->m.s[i])))
            return -1;
    for (size_t i = 0; t->x.s && i < nx; i++)
        if (!isfinite(ope_sum_value(&t->x.s[i])))
            return -1;
    return 0;
}

int lin_tab_cut(const struct lin_tab *t)
{
    size_t n = t->x.s ? cells(t, 1, t->p) : 0;
    for (size_t k = 0; k < n; k++)
        if (ope_sum_value(&t->x.s[k]) != 0.0)
            return 1;
    return 0;
}

size_t lin_tab_theta_size(const struct lin_tab *t)
{
    return t->lstd ? t->d : (size_t)(t->T > 0 ? t->T : 1) * t->d;
}

/* The values of n compensated sums, into out. */
static void values(const struct ope_sum *s, size_t n, double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = ope_sum_value(&s[i]);
}

/* The share of LSTD's solution its ridge penalty may decide before the system counts
 * as singular (see solve_lstd). */
#define LSTD_RIDGE_SHARE 1e-2

/* LSTD: (system + ridge I) theta = sum psi r, by GSL's LU decomposition. */
static int solve_lstd(const struct lin_tab *t, size_t q, double ridge, double *th,
                      struct ope_error *err)
{
    size_t d = t->d;
    gsl_matrix *M = gsl_matrix_alloc(d, d);
    gsl_vector *bv = gsl_vector_alloc(d), *x = gsl_vector_alloc(d);
    gsl_permutation *perm = gsl_permutation_alloc(d);
    int rc = -1, sign;
    if (!M || !bv || !x || !perm) {
        ope_fail_oom(err);
        goto out;
    }
    int finite = 1;
    for (size_t r = 0; r < d; r++) {
        for (size_t c = 0; c < d; c++) {
            double v = ope_sum_value(&t->m.s[q * d * d + r * d + c]) + (r == c ? ridge : 0.0);
            finite &= isfinite(v);
            gsl_matrix_set(M, r, c, v);
        }
        gsl_vector_set(bv, r, ope_sum_value(&t->m.s[t->P * d * d + r]));
    }
    /* No row with an observed outcome (every step a last one cut by the horizon): the
     * system is the ridge alone, and theta 0 would give dm 0 as if it were an answer. */
    int empty = 1;
    for (size_t k = 0; empty && k < d * d; k++)
        empty = ope_sum_value(&t->m.s[q * d * d + k]) == 0.0;
    if (empty) {
        ope_fail(err, OPE_EDATA, "lstd: %s", LSTD_NO_OUTCOME);
        goto out;
    }
    if (!finite) {
        /* as ridge_solve_sym says it for linear-fqe */
        ope_fail(err, OPE_EDATA, "the normal equations overflow: a context or feature "
                 "value, or a reward, is too large to square (e.g. 1e200); rescale those "
                 "columns");
        goto out;
    }
    if (gsl_linalg_LU_decomp(M, perm, &sign) != GSL_SUCCESS ||
        gsl_linalg_LU_solve(M, perm, bv, x) != GSL_SUCCESS) {
        ope_fail(err, OPE_EDATA, "lstd: the linear system is singular (raise the ridge "
                 "penalty or use --value-model linear-fqe)");
        goto out;
    }
    for (size_t r = 0; r < d; r++) {
        th[r] = gsl_vector_get(x, r);
        if (!isfinite(th[r])) {
            ope_fail(err, OPE_EDATA, "lstd: non-finite solution (ill-conditioned features)");
            goto out;
        }
    }
    /* Singular in all but name: the stationary fixed point need not exist (at gamma 1,
     * when every episode ends by the horizon and none in the absorbing state, the
     * constant is in the system's null space), and the ridge alone then picks theta.
     * d theta / d ridge = -(system + ridge I)^-1 theta, one more solve with the same
     * LU: ridge |that| / |theta| is the share of theta the ridge decides (about
     * ridge / sigma_min when the system is well posed, about 1 when it is not). */
    if (ridge > 0.0 && gsl_linalg_LU_solve(M, perm, x, bv) == GSL_SUCCESS) {
        double dn = 0.0, tn = 0.0;
        for (size_t r = 0; r < d; r++) {
            dn = fmax(dn, fabs(gsl_vector_get(bv, r)));
            tn = fmax(tn, fabs(th[r]));
        }
        if (tn > 0.0 && !(ridge * dn <= LSTD_RIDGE_SHARE * tn)) {
            if (t->gamma >= 1.0)
                ope_fail(err, OPE_EDATA, "lstd: the linear system is singular in all but "
                         "name (the ridge penalty decides %.0f%% of the solution): the "
                         "stationary fixed point does not exist at --gamma 1 unless episodes "
                         "end in the absorbing state (done=1); use --value-model linear-fqe "
                         "or --gamma below 1", fmin(100.0, 100.0 * ridge * dn / tn));
            else
                ope_fail(err, OPE_EDATA, "lstd: the linear system is singular in all but "
                         "name (the ridge penalty, %g, decides %.0f%% of the solution): %s; "
                         "or use --value-model linear-fqe", ridge,
                         fmin(100.0, 100.0 * ridge * dn / tn),
                         t->nf ? "s* features that are nearly collinear, or too small beside "
                                 "the ridge (rescale them to about unit size)"
                               : "states the log never sees followed by another");
            goto out;
        }
    }
    rc = 0;
out:
    gsl_matrix_free(M);
    gsl_vector_free(bv);
    gsl_vector_free(x);
    gsl_permutation_free(perm);
    return rc;
}

/* Linear FQE backward in t: theta_r solves the reward's ridge regression per action;
 * theta_t = theta_r + gamma theta_n,t with theta_n,t solving Go theta = M theta_{t+1}
 * per action (0 at t = T - 1: V̂_T = 0). */
static int solve_fqe(const struct lin_tab *t, size_t q, double ridge, double *th,
                     struct ope_error *err)
{
    size_t A = t->A, p = t->p, d = t->d, T = (size_t)(t->T > 0 ? t->T : 0);
    size_t app = A * p * p;
    double *g = ope_malloc((2 * app + 1) * sizeof *g, err);
    double *m = ope_malloc((d * d + 1) * sizeof *m, err);
    double *thr = ope_malloc((d + 1) * sizeof *thr, err), *b = ope_malloc((d + 1) * sizeof *b, err);
    double *tn = ope_malloc((d + 1) * sizeof *tn, err);
    int rc = -1;
    if (!g || !m || !thr || !b || !tn)
        goto out;
    values(t->m.s, 2 * app, g);
    for (size_t a = 0; a < A; a++)
        for (size_t r = 0; r < p; r++) {
            g[a * p * p + r * p + r] += ridge;
            g[app + a * p * p + r * p + r] += ridge;
        }
    values(t->m.s + 2 * app, d, b);
    values(t->m.s + 2 * app + d + q * d * d, d * d, m);
    for (size_t a = 0; a < A; a++)
        if (ridge_solve_sym(p, g + a * p * p, b + a * p, thr + a * p, err) < 0) {
            ope_error_prefix(err, "value model (action %zu): ", a);
            goto out;
        }
    for (size_t u = T; u-- > 0;) {
        const double *next = th + (u + 1) * d;
        for (size_t i = 0; i < d; i++) {
            double s = 0.0;
            if (u + 1 < T)
                for (size_t c = 0; c < d; c++)
                    s += m[i * d + c] * next[c];
            b[i] = s;
        }
        for (size_t a = 0; a < A; a++)
            if (ridge_solve_sym(p, g + app + a * p * p, b + a * p, tn + a * p, err) < 0) {
                ope_error_prefix(err, "value model (step %zu, action %zu): ", u, a);
                goto out;
            }
        for (size_t k = 0; k < d; k++)
            th[u * d + k] = thr[k] + t->gamma * tn[k];
    }
    rc = 0;
out:
    free(g), free(m), free(thr), free(b), free(tn);
    return rc;
}

int lin_tab_solve(const struct lin_tab *t, size_t q, double ridge, double *th,
                  struct ope_error *err)
{
    if (t->d == 0)
        return ope_fail(err, OPE_EDATA, "%s: no rows to fit the value model on",
                        t->path ? t->path : "log");
    return t->lstd ? solve_lstd(t, q, ridge, th, err) : solve_fqe(t, q, ridge, th, err);
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t k = 0; k < n; k++)
        s += a[k] * b[k];
    return s;
}

int lin_rows(const struct tlog *w, size_t pol, size_t nf, size_t p, int T, const double *th,
             double *qa, double *v, const char *path, struct ope_error *err)
{
    size_t A = (size_t)w->n_actions, d = A * p;
    double *phi = nf ? ope_calloc(p + 1, sizeof *phi, err) : NULL;
    if (nf && !phi)
        return -1;
    int rc = 0;
    for (size_t e = 0; rc == 0 && e < w->n_episodes; e++) {
        size_t b0 = w->ep_start[e], end = w->ep_start[e + 1];
        for (size_t j = b0; rc == 0 && j < end; j++) {
            size_t u = j - b0;
            if (!nf && (size_t)w->state[j] >= p)
                rc = ope_fail(err, OPE_EDATA, "%s: a state (%d) the value model's pass did "
                              "not see", path ? path : "log", w->state[j]);
            else if (T > 0 && (int)u >= T)
                rc = ope_fail(err, OPE_EDATA, "%s: a longer episode than the value model's "
                              "pass read", path ? path : "log");
            if (rc != 0)
                break;
            const double *tq = T > 0 ? th + u * d : th;
            double s = 0;
            if (!nf) {
                /* A one-hot phi picks its state's parameter: phi . th without the
                 * zeros (+ 0.0: the sum's +0 where the parameter is -0). */
                size_t k = (size_t)w->state[j];
                qa[j] = tq[(size_t)w->action[j] * p + k] + 0.0;
                for (size_t a = 0; a < A; a++)
                    s += w->policy[pol].prob[a][j] * (tq[a * p + k] + 0.0);
            } else {
                for (size_t k = 0; k < nf; k++)
                    phi[k] = w->feature[k][j];
                phi[nf] = 1.0;
                qa[j] = dot(phi, tq + (size_t)w->action[j] * p, p);
                for (size_t a = 0; a < A; a++)
                    s += w->policy[pol].prob[a][j] * dot(phi, tq + a * p, p);
            }
            v[j] = s;
        }
    }
    free(phi);
    return rc;
}

int lin_tab_rows(const struct lin_tab *t, const struct tlog *w, size_t pol, const double *th,
                 double *qa, double *v, struct ope_error *err)
{
    return lin_rows(w, pol, t->nf, t->p, t->lstd ? 0 : (t->T > 0 ? t->T : 1), th, qa, v,
                    t->path, err);
}
