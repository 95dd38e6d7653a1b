/* estimators/cdf_dr.c: the doubly robust CDF of the return (formula in cdf.h) and the
 * tabular model of the return distribution it corrects (distributional fitted Q
 * evaluation on the empirical MDP, laws kept as at most K atoms).
 *
 * Source and derivation. Huang, Leqi, Lipton & Azizzadenesheli, "Off-policy risk
 * assessment in Markov decision processes" (2022, arXiv 2209.10444) introduce the DR
 * estimator of the CDF of returns in MDPs: importance sampling plus a model-based
 * control variate, unbiased, and efficient when the model is right. Only the
 * abstract was available to us (search tool, pages corpus), so the per-step form
 * used here is written out from its construction: the per-decision DR recursion of
 * Jiang & Li 2016,
 *     DR_t = V̂_t + w_t (r_t + gamma DR_{t+1} - Q̂_t),
 * applied to the functional 1{G <= y} instead of G. Because the indicator is not
 * additive, the state is augmented with the return so far C_t = sum_{t'<t} gamma^t'
 * r_t', and the model is a conditional CDF Ĝ_t(y - C_t; s_t, a_t) of the remaining
 * discounted return. Unrolled over t (rho_{-1} = 1):
 *     F̂(y) = (1/n) sum_i [ rho_{T-1} 1{G_i <= y}
 *             + sum_t ( rho_{t-1} sum_a pi_e(a|s_t) Ĝ_t(y - C_t; s_t, a)
 *                       - rho_t Ĝ_t(y - C_t; s_t, a_t) ) ].
 * Each bracket of step t has conditional mean zero given the history up to s_t
 * (E_b[rho_t Ĝ(.., a_t) | ..] = rho_{t-1} sum_a pi_e Ĝ(.., a)), so the raw estimate is
 * unbiased for any model fixed independently of the data; with the exact model on a
 * deterministic MDP every trajectory telescopes to the true CDF from its start
 * state; its total mass is exactly 1 (the brackets telescope in rho); and its mean is
 * the trajectory `dr` estimate with the model's mean as Q̂ (summation by parts).
 * The CDF of a bandit (T = 1) reduces to the DR CDF of Huang et al. 2021,
 * (1/n) sum_i [ w_i (1{r_i <= y} - Ĝ(y; x_i, a_i)) + sum_a pi_e(a|x_i) Ĝ(y; x_i, a) ]. */
#include "config.h"
#include "estimators/cdf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/vmodel.h"
#include "ope/base/sum.h"

struct atom {
    double v, p;
};

static double tie_tol(double x)
{
    return CDF_TIE_TOL * (1.0 + fabs(x));
}

/* Merge neighbours of sorted atoms closer than the tie tolerance (at their
 * mass-weighted mean, so the mean is kept; equal values stay bit-exact) and drop
 * massless ones. In place; returns the new count. */
static size_t atoms_merge_sorted(struct atom *x, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(x[i].p > 0))
            continue;
        if (k > 0 && x[i].v - x[k - 1].v <= tie_tol(x[k - 1].v)) {
            double p = x[k - 1].p + x[i].p;
            if (x[i].v != x[k - 1].v)
                x[k - 1].v = (x[k - 1].v * x[k - 1].p + x[i].v * x[i].p) / p;
            x[k - 1].p = p;
            continue;
        }
        x[k++] = x[i];
    }
    return k;
}

/* A sorted list of atoms seen through a scale and a shift: (a[i].v + dv, p * a[i].p). */
struct run {
    const struct atom *a;
    size_t n, i;
    double p, dv;
};

/* A heap entry: the current value of a run, kept next to its index so the heap
 * compares contiguous keys. */
struct hent {
    double key;
    size_t run;
};

static void heap_down(struct hent *h, size_t n, size_t i)
{
    struct hent x = h[i];
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= n)
            break;
        if (l + 1 < n && h[l + 1].key < h[l].key)
            l++;
        if (!(h[l].key < x.key))
            break;
        h[i] = h[l];
        i = l;
    }
    h[i] = x;
}

/* The mixture sum_r p_r law_r (each run sorted) as sorted, merged atoms in out:
 * a k-way merge through a binary heap, n log(runs) instead of sorting n atoms.
 * h has room for nr entries. Returns the count. */
static size_t merge_runs(struct run *r, size_t nr, struct hent *h, struct atom *out)
{
    size_t nh = 0, n = 0;
    for (size_t k = 0; k < nr; k++)
        if (r[k].n > 0 && r[k].p > 0) {
            r[k].i = 0;
            h[nh++] = (struct hent){ r[k].a[0].v + r[k].dv, k };
        }
    for (size_t i = nh / 2; i-- > 0;)
        heap_down(h, nh, i);
    while (nh > 0) {
        struct run *t = &r[h[0].run];
        out[n++] = (struct atom){ h[0].key, t->p * t->a[t->i].p };
        if (++t->i == t->n)
            h[0] = h[--nh];
        else
            h[0].key = t->a[t->i].v + t->dv;
        heap_down(h, nh, 0);
    }
    return atoms_merge_sorted(out, n);
}

/* At most K atoms from n normalised ones: the mass is cut into K equal slices in
 * value order and each slice becomes one atom at its conditional mean (the mean of
 * the law is kept, and the CDF moves by at most 1/K). In place; returns the count. */
static size_t atoms_compress(struct atom *x, size_t n, size_t K)
{
    if (n <= K)
        return n;
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += x[i].p;
    double h = total / (double)K, mass = 0, mom = 0;
    size_t k = 0;
    /* Slice k is written at x[k] only after atom k has been read (k <= i always),
     * so the compression can run in place. */
    for (size_t i = 0; i < n; i++) {
        double left = x[i].p, v = x[i].v;
        while (left > 0) {
            double take = left;
            if (k + 1 < K && take > h - mass)
                take = h - mass > 0 ? h - mass : 0;
            mass += take;
            mom += take * v;
            left -= take;
            if (k + 1 < K && mass >= h * (1 - 1e-12)) {
                x[k].v = mom / mass;
                x[k].p = mass;
                k++;
                mass = mom = 0;
            } else if (take == 0) {
                break;
            }
        }
    }
    if (mass > 0) {
        x[k].v = mom / mass;
        x[k].p = mass;
        k++;
    }
    return atoms_merge_sorted(x, k);
}

int cdf_model_init(struct cdf_model *m, int T, int S, int A, size_t k, struct ope_error *err)
{
    memset(m, 0, sizeof *m);
    size_t cells = (size_t)T * (size_t)S * (size_t)A;
    m->T = T, m->S = S, m->A = A;
    m->start = ope_calloc(cells ? cells : 1, sizeof *m->start, err);
    m->count = ope_calloc(cells ? cells : 1, sizeof *m->count, err);
    size_t n = cells * k > 0 ? cells * k : 1;
    m->val = ope_calloc(n, sizeof *m->val, err);
    m->prob = ope_calloc(n, sizeof *m->prob, err);
    if (!m->start || !m->count || !m->val || !m->prob) {
        cdf_model_release(m);
        return -1;
    }
    for (size_t c = 0; c < cells; c++) {
        m->start[c] = c * k;
        m->count[c] = k;
    }
    m->n_atoms = cells * k;
    return 0;
}

void cdf_model_release(struct cdf_model *m)
{
    free(m->start), free(m->count), free(m->val), free(m->prob);
    memset(m, 0, sizeof *m);
}

/* Append atoms x[0..n) as the law of cell c. */
static int model_put(struct cdf_model *m, size_t *cap, size_t c, const struct atom *x,
                     size_t n, struct ope_error *err)
{
    if (m->n_atoms + n > *cap) {
        size_t nc = (*cap ? *cap * 2 : 1024) + n;
        double *v = ope_realloc(m->val, nc * sizeof *v, err);
        if (!v)
            return -1;
        m->val = v;
        double *p = ope_realloc(m->prob, nc * sizeof *p, err);
        if (!p)
            return -1;
        m->prob = p;
        *cap = nc;
    }
    m->start[c] = m->n_atoms;
    m->count[c] = n;
    for (size_t k = 0; k < n; k++) {
        m->val[m->n_atoms + k] = x[k].v;
        m->prob[m->n_atoms + k] = x[k].p;
    }
    m->n_atoms += n;
    return 0;
}

/* (state-action, value) pairs for the empirical reward and next-state laws. */
struct keyed {
    size_t sa;
    double x;
};

static int cmp_keyed(const void *a, const void *b)
{
    const struct keyed *p = a, *q = b;
    if (p->sa != q->sa)
        return (p->sa > q->sa) - (p->sa < q->sa);
    return (p->x > q->x) - (p->x < q->x);
}

/* The empirical laws of (s, a): runs of keyed pairs with equal sa become atoms with
 * mass count / run length, compressed to K (rewards; next states are never more
 * than S + 1 distinct and are kept exactly with K = SIZE_MAX). */
static int empirical_laws(struct keyed *kv, size_t n, size_t SA, size_t K, size_t *start,
                          size_t *count, struct atom **out, struct ope_error *err)
{
    qsort(kv, n, sizeof *kv, cmp_keyed);
    struct atom *a = ope_malloc((n ? n : 1) * sizeof *a, err);
    if (!a)
        return -1;
    memset(start, 0, SA * sizeof *start);
    memset(count, 0, SA * sizeof *count);
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && kv[j].sa == kv[i].sa)
            j++;
        for (size_t k = i; k < j; k++)
            a[w + k - i] = (struct atom){ kv[k].x, 1.0 / (double)(j - i) };
        size_t c = atoms_merge_sorted(a + w, j - i);     /* kv is sorted by x */
        c = atoms_compress(a + w, c, K);
        start[kv[i].sa] = w;
        count[kv[i].sa] = c;
        w += c;
        i = j;
    }
    *out = a;
    return 0;
}

int cdf_model_fit(const struct tlog *log, size_t pol, double gamma, size_t max_atoms,
                  struct cdf_model *m, struct ope_error *err)
{
    memset(m, 0, sizeof *m);
    if (!log->state || log->n_states <= 0)
        return ope_fail(err, OPE_EDATA, "the doubly robust return distribution needs a "
                        "tabular state column");
    if (max_atoms < 1)
        max_atoms = 1;
    size_t S = (size_t)log->n_states, A = (size_t)log->n_actions, SA = S * A;
    size_t T = (size_t)log->horizon, K = max_atoms, cap = 0;
    size_t wk_n = (S + 1) * K > K * K ? (S + 1) * K : K * K;
    wk_n = wk_n > A * K ? wk_n : A * K;
    struct keyed *kr = ope_malloc((log->n_steps + 1) * sizeof *kr, err);
    struct keyed *kn = ope_malloc((log->n_steps + 1) * sizeof *kn, err);
    size_t *rs = ope_malloc(SA * sizeof *rs, err), *rc = ope_malloc(SA * sizeof *rc, err);
    size_t *ns = ope_malloc(SA * sizeof *ns, err), *nc = ope_malloc(SA * sizeof *nc, err);
    double *pi = ope_malloc(SA * sizeof *pi, err);
    struct atom *ra = NULL, *na = NULL;
    struct atom *vn = ope_malloc(S * K * sizeof *vn, err);
    struct atom *vc = ope_malloc(S * K * sizeof *vc, err);
    size_t *vnn = ope_malloc(S * sizeof *vnn, err), *vcn = ope_malloc(S * sizeof *vcn, err);
    struct atom *wk = ope_malloc(wk_n * sizeof *wk, err);
    struct atom *mix = ope_malloc(K * sizeof *mix, err);
    double *disc = ope_malloc((T + 1) * sizeof *disc, err);
    struct atom *cell = ope_malloc(SA * K * sizeof *cell, err);
    size_t *celln = ope_malloc(SA * sizeof *celln, err);
    size_t n_runs = S + 1 > K ? S + 1 : K;
    n_runs = n_runs > A ? n_runs : A;
    struct run *runs = ope_malloc(n_runs * sizeof *runs, err);
    struct hent *heap = ope_malloc(n_runs * sizeof *heap, err);
    static const struct atom zero = { 0.0, 1.0 };
    int rcode = -1;
    if (!kr || !kn || !rs || !rc || !ns || !nc || !pi || !vn || !vc || !vnn || !vcn || !wk ||
        !mix || !disc || !cell || !celln || !runs || !heap)
        goto out;
    m->T = (int)T, m->S = (int)S, m->A = (int)A;
    m->start = ope_calloc(T * SA + 1, sizeof *m->start, err);
    m->count = ope_calloc(T * SA + 1, sizeof *m->count, err);
    if (!m->start || !m->count)
        goto out;
    /* The empirical laws, pooled over steps (next_kind of vmodel.c: a step with a next
     * row observes s', an early end or done observes the absorbing state S, the last
     * step of a full-length episode observes nothing). */
    size_t n_r = 0, n_n = 0;
    for (size_t e = 0; e < log->n_episodes; e++) {
        size_t b = log->ep_start[e], end = log->ep_start[e + 1];
        for (size_t j = b; j < end; j++) {
            size_t sa = (size_t)log->state[j] * A + (size_t)log->action[j];
            kr[n_r++] = (struct keyed){ sa, log->reward[j] };
            if (j + 1 < end)
                kn[n_n++] = (struct keyed){ sa, (double)log->state[j + 1] };
            else if ((int)(end - b) < log->horizon || (log->done && log->done[j]))
                kn[n_n++] = (struct keyed){ sa, (double)S };
        }
    }
    if (empirical_laws(kr, n_r, SA, K, rs, rc, &ra, err) != 0 ||
        empirical_laws(kn, n_n, SA, (size_t)-1, ns, nc, &na, err) != 0)
        goto out;
    vm_policy_table(log, pol, pi);
    for (size_t s = 0; s < S; s++) {
        vn[s * K] = (struct atom){ 0.0, 1.0 };
        vnn[s] = 1;
    }
    disc[0] = 1.0;
    for (size_t t = 1; t <= T; t++)
        disc[t] = disc[t - 1] * gamma;
    for (size_t t = T; t-- > 0;) {
        for (size_t sa = 0; sa < SA; sa++) {
            size_t nr = 0;
            if (rc[sa] == 0) {
                /* Never logged: return 0, like tabular FQE's Q = 0. */
                cell[sa * K] = zero;
                celln[sa] = 1;
                continue;
            }
            /* The law of the return from t + 1 on: a mixture over observed s'. */
            if (t + 1 < T && nc[sa] > 0) {
                for (size_t k = 0; k < nc[sa]; k++) {
                    const struct atom *x = &na[ns[sa] + k];
                    size_t s2 = (size_t)llround(x->v);
                    if (s2 == S)
                        runs[nr++] = (struct run){ &zero, 1, 0, x->p, 0.0 };
                    else
                        runs[nr++] = (struct run){ vn + s2 * K, vnn[s2], 0, x->p, 0.0 };
                }
            } else {
                runs[nr++] = (struct run){ &zero, 1, 0, 1.0, 0.0 };
            }
            size_t n = atoms_compress(wk, merge_runs(runs, nr, heap, wk), K);
            memcpy(mix, wk, n * sizeof *mix);
            /* Plus the discounted reward of step t, independent of s' given (s, a) as
             * in FQE's r̂ + gamma P̂ V̂: one shifted copy of the mixture per reward. */
            nr = 0;
            for (size_t k = 0; k < rc[sa]; k++)
                runs[nr++] = (struct run){ mix, n, 0, ra[rs[sa] + k].p,
                                           disc[t] * ra[rs[sa] + k].v };
            n = atoms_compress(wk, merge_runs(runs, nr, heap, wk), K);
            memcpy(cell + sa * K, wk, n * sizeof *wk);
            celln[sa] = n;
        }
        for (size_t sa = 0; sa < SA; sa++) {
            struct atom *x = cell + sa * K;
            if (model_put(m, &cap, t * SA + sa, x, celln[sa], err) != 0)
                goto out;
        }
        /* law_t(s) = sum_a pi_e(a|s) law_t(s, a), for step t - 1. */
        for (size_t s = 0; s < S; s++) {
            size_t nr = 0;
            for (size_t a = 0; a < A; a++)
                if (pi[s * A + a] > 0)
                    runs[nr++] = (struct run){ cell + (s * A + a) * K, celln[s * A + a], 0,
                                               pi[s * A + a], 0.0 };
            if (nr == 0)
                runs[nr++] = (struct run){ &zero, 1, 0, 1.0, 0.0 };
            size_t n = atoms_compress(wk, merge_runs(runs, nr, heap, wk), K);
            memcpy(vc + s * K, wk, n * sizeof *wk);
            vcn[s] = n;
        }
        struct atom *tv = vn;
        vn = vc, vc = tv;
        size_t *tn = vnn;
        vnn = vcn, vcn = tn;
    }
    rcode = 0;
out:
    if (rcode != 0)
        cdf_model_release(m);
    free(kr), free(kn), free(rs), free(rc), free(ns), free(nc), free(pi), free(ra), free(na);
    free(vn), free(vc), free(vnn), free(vcn), free(wk), free(mix), free(disc);
    free(cell), free(celln), free(runs), free(heap);
    return rcode;
}

/* Index of the first grid point at or above x (within the tie tolerance); ny when x
 * is above the whole grid. */
static size_t grid_index(const double *y, size_t ny, double x)
{
    double lo = x - tie_tol(x);
    size_t a = 0, b = ny;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (y[mid] < lo)
            a = mid + 1;
        else
            b = mid;
    }
    return a;
}

int cdf_dr_raw(const struct tlog *log, size_t pol, double gamma, const struct cdf_model *m,
               const double *y, size_t ny, double *F, struct ope_error *err)
{
    if (!log->state)
        return ope_fail(err, OPE_EDATA, "the doubly robust return distribution needs a "
                        "tabular state column");
    if (log->n_episodes == 0)
        return ope_fail(err, OPE_EDATA, "no trajectories for the return distribution");
    size_t A = (size_t)log->n_actions, S = (size_t)m->S;
    if (log->n_actions != m->A || log->horizon > m->T || log->n_states > m->S)
        return ope_fail(err, OPE_EDATA, "the return-distribution model (T %d, S %d, A %d) "
                        "does not cover the log (T %d, S %d, A %d)", m->T, m->S, m->A,
                        log->horizon, log->n_states, log->n_actions);
    struct ope_sum *jump = ope_calloc(ny ? ny : 1, sizeof *jump, err);
    if (!jump)
        return -1;
    double **prob = log->policy[pol].prob;
    /* Each term of the estimator is a step function of y: it adds coef * mass at the
     * first grid point at or above its jump, and F is the running sum. */
    for (size_t e = 0; e < log->n_episodes; e++) {
        double C = 0, g = 1, rprev = 1;
        for (size_t j = log->ep_start[e]; j < log->ep_start[e + 1]; j++) {
            size_t t = j - log->ep_start[e], s = (size_t)log->state[j];
            size_t aj = (size_t)log->action[j];
            if (!(log->pscore[j] > 0)) {
                free(jump);
                return ope_fail(err, OPE_EDATA, "%s:%zu: pscore must be in (0, 1], got %g",
                                log->path ? log->path : "log",
                                log->line ? log->line[j] : j + 2, log->pscore[j]);
            }
            double rcur = rprev * prob[aj][j] / log->pscore[j];
            for (size_t a = 0; a < A; a++) {
                double coef = rprev * prob[a][j] - (a == aj ? rcur : 0.0);
                if (coef == 0.0)
                    continue;
                size_t c = (t * S + s) * A + a;
                for (size_t k = 0; k < m->count[c]; k++) {
                    size_t at = grid_index(y, ny, C + m->val[m->start[c] + k]);
                    if (at < ny)
                        ope_sum_add(&jump[at], coef * m->prob[m->start[c] + k]);
                }
            }
            C += g * log->reward[j];
            g *= gamma;
            rprev = rcur;
        }
        /* rho_{T-1} 1{G_i <= y}; padding keeps both rho and G. */
        size_t at = grid_index(y, ny, C);
        if (at < ny)
            ope_sum_add(&jump[at], rprev);
    }
    struct ope_sum run;
    ope_sum_init(&run);
    for (size_t k = 0; k < ny; k++) {
        ope_sum_add(&run, ope_sum_value(&jump[k]));
        F[k] = ope_sum_value(&run) / (double)log->n_episodes;
    }
    free(jump);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int cdf_dr(const struct tlog *log, size_t pol, double gamma, const struct cdf_model *m,
           double alpha, struct cdf_result *r, struct ope_error *err)
{
    memset(r, 0, sizeof *r);
    r->mean = r->var = r->cvar = r->iqr = NAN;
    if (log->n_episodes == 0)
        return ope_fail(err, OPE_EDATA, "no trajectories for the return distribution");
    if (!log->state || m->S < log->n_states || m->A != log->n_actions || m->T < 1)
        return ope_fail(err, OPE_EDATA, "the return-distribution model does not cover the log");
    /* Grid: every observed return, and the model's returns from each observed start
     * state under pi_e (the support the model predicts; DR moves mass there). */
    size_t S = (size_t)m->S, A = (size_t)m->A, cap = log->n_episodes;
    unsigned char *seen = ope_calloc(S ? S : 1, 1, err);
    for (size_t s = 0; seen && s < S; s++)
        for (size_t a = 0; a < A; a++)
            cap += m->count[s * A + a];
    double *y = ope_malloc(cap * sizeof *y, err);
    if (!seen || !y) {
        free(seen), free(y);
        return -1;
    }
    size_t ny = 0;
    for (size_t e = 0; e < log->n_episodes; e++) {
        size_t b = log->ep_start[e], end = log->ep_start[e + 1];
        double G = 0, g = 1;
        for (size_t j = b; j < end; j++) {
            G += g * log->reward[j];
            g *= gamma;
        }
        y[ny++] = G;
        if (end == b || seen[log->state[b]])
            continue;
        size_t s = (size_t)log->state[b];
        seen[s] = 1;
        for (size_t a = 0; a < A; a++)
            if (log->policy[pol].prob[a][b] > 0)
                for (size_t k = 0; k < m->count[s * A + a]; k++)
                    y[ny++] = m->val[m->start[s * A + a] + k];
    }
    free(seen);
    qsort(y, ny, sizeof *y, cmp_double);
    size_t k = 0;
    for (size_t i = 0; i < ny; i++)
        if (k == 0 || y[i] - y[k - 1] > tie_tol(y[k - 1]))
            y[k++] = y[i];
    r->y = y;
    r->F = ope_malloc((k ? k : 1) * sizeof *r->F, err);
    if (!r->F || cdf_dr_raw(log, pol, gamma, m, y, k, r->F, err) != 0) {
        cdf_result_release(r);
        return -1;
    }
    r->n = k;
    cdf_result_finish(r, alpha);
    return 0;
}
