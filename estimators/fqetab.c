/* estimators/fqetab.c: tabular FQE's statistics, gathered, merged and solved
 * (fqetab.h). */
#include "config.h"
#include "estimators/fqetab.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/mdp.h"
#include "estimators/accum.h"
#include "ope/base/statefile.h"

double fqe_tab_bytes(size_t R, size_t A, size_t P, size_t S)
{
    double SA = (double)S * (double)A;
    return (double)R * (SA * (2.0 * sizeof(double) + 4.0 * sizeof(double)) +
                        SA * (double)S * sizeof(double) + (double)S * sizeof(double) +
                        sizeof(double)) +
           (double)P * SA * sizeof(double) + (double)S * sizeof(uint64_t);
}

/* Free the per-state tables (not mass, which does not depend on the states). */
static void drop_tables(struct fqe_tab *t)
{
    if (t->bound)
        return;
    free(t->rsum), free(t->nsa), free(t->nobs), free(t->lnd), free(t->lmax);
    free(t->next), free(t->first), free(t->pi), free(t->first_at);
    t->rsum = NULL;
    t->nsa = t->nobs = t->lnd = t->lmax = t->next = t->first = t->pi = NULL;
    t->first_at = NULL;
    t->S = t->cap = 0;
}

void fqe_tab_release(struct fqe_tab *t)
{
    drop_tables(t);
    if (!t->bound)
        free(t->mass);
    t->mass = NULL;
}

size_t fqe_tab_bound_size(size_t A, size_t S)
{
    size_t SA = S * A;
    return 2 * SA + 4 * SA + SA * S + S + SA + S + 1;
}

void fqe_tab_bind(struct fqe_tab *t, size_t A, size_t S, int T, const size_t *pol,
                  double *mem)
{
    size_t SA = S * A;
    memset(t, 0, sizeof *t);
    t->R = 1, t->A = A, t->P = 1, t->pol = pol, t->bound = 1;
    t->S = t->cap = S;
    t->T = T;
    t->rsum = (struct ope_sum *)mem;
    t->nsa = mem + 2 * SA;
    t->nobs = t->nsa + SA;
    t->lnd = t->nobs + SA;
    t->lmax = t->lnd + SA;
    t->next = t->lmax + SA;
    t->first = t->next + SA * S;
    t->pi = t->first + S;
    t->first_at = (uint64_t *)(t->pi + SA);
    t->mass = (double *)(t->first_at + S);
    fqe_tab_clear(t);
}

void fqe_tab_clear(struct fqe_tab *t)
{
    size_t ka = t->cap * t->A, R = t->R;
    for (size_t k = 0; k < R * ka; k++)
        ope_sum_init(&t->rsum[k]);
    memset(t->nsa, 0, R * ka * sizeof *t->nsa);
    memset(t->nobs, 0, R * ka * sizeof *t->nobs);
    memset(t->lnd, 0, R * ka * sizeof *t->lnd);
    memset(t->lmax, 0, R * ka * sizeof *t->lmax);
    memset(t->next, 0, R * ka * t->cap * sizeof *t->next);
    memset(t->first, 0, R * t->cap * sizeof *t->first);
    memset(t->pi, 0, t->P * ka * sizeof *t->pi);
    for (size_t s = 0; s < t->cap; s++)
        t->first_at[s] = UINT64_MAX;
    memset(t->mass, 0, R * sizeof *t->mass);
}

/* Lay the tables out for cap states, what they hold moved over. 0, or -1 with err. */
static int relayout(struct fqe_tab *t, size_t cap, struct ope_error *err)
{
    double need = fqe_tab_bytes(t->R, t->A, t->P, cap);
    if ((double)cap * (double)t->A * (double)cap > (double)FQE_TAB_MAX_CELLS)
        return ope_fail(err, OPE_EDATA, "tabular fitted Q evaluation of a log read in windows "
                        "keeps a dense state x action x next-state table of counts, at most "
                        "%zu cells; %zu state(s) (the largest state id + 1) and %zu action(s) "
                        "make %.0f: evaluate the log in memory, which sums over its rows "
                        "instead, or number the states densely from 0", FQE_TAB_MAX_CELLS,
                        cap, t->A, (double)cap * (double)t->A * (double)cap);
    if (t->max_bytes && need > (double)t->max_bytes) {
        char each[160] = "";
        if (t->R > 1)
            snprintf(each, sizeof each, " and one for each of the %zu bootstrap resamples "
                     "(dm refits its model on each)", t->R - 1);
        return ope_fail(err, OPE_EDATA, "tabular fitted Q evaluation of a log read in windows "
                        "keeps a state x action x next-state table of counts for the log%s: "
                        "%zu state(s) and %zu action(s) need %.1f MB, past the memory budget of "
                        "%.1f MB; %sevaluate the log in memory", each, cap, t->A,
                        need / 1048576.0, (double)t->max_bytes / 1048576.0,
                        t->R > 1 ? "use fewer replicates (--n-boot), --ci t, or " : "");
    }
    size_t A = t->A, R = t->R, P = t->P, ka = cap * A, ko = t->cap * A;
    struct fqe_tab n = *t;
    n.cap = cap;
    n.rsum = ope_calloc(R * ka + 1, sizeof *n.rsum, err);
    n.nsa = ope_calloc(R * ka + 1, sizeof *n.nsa, err);
    n.nobs = ope_calloc(R * ka + 1, sizeof *n.nobs, err);
    n.lnd = ope_calloc(R * ka + 1, sizeof *n.lnd, err);
    n.lmax = ope_calloc(R * ka + 1, sizeof *n.lmax, err);
    n.next = ope_calloc(R * ka * cap + 1, sizeof *n.next, err);
    n.first = ope_calloc(R * cap + 1, sizeof *n.first, err);
    n.pi = ope_calloc(P * ka + 1, sizeof *n.pi, err);
    n.first_at = ope_malloc((cap + 1) * sizeof *n.first_at, err);
    if (!n.rsum || !n.nsa || !n.nobs || !n.lnd || !n.lmax || !n.next || !n.first || !n.pi ||
        !n.first_at) {
        drop_tables(&n);
        return -1;
    }
    for (size_t s = 0; s < cap; s++)
        n.first_at[s] = s < t->cap ? t->first_at[s] : UINT64_MAX;
    for (size_t r = 0; r < R && t->cap; r++) {
        memcpy(n.rsum + r * ka, t->rsum + r * ko, ko * sizeof *n.rsum);
        memcpy(n.nsa + r * ka, t->nsa + r * ko, ko * sizeof *n.nsa);
        memcpy(n.nobs + r * ka, t->nobs + r * ko, ko * sizeof *n.nobs);
        memcpy(n.lnd + r * ka, t->lnd + r * ko, ko * sizeof *n.lnd);
        memcpy(n.lmax + r * ka, t->lmax + r * ko, ko * sizeof *n.lmax);
        memcpy(n.first + r * cap, t->first + r * t->cap, t->cap * sizeof *n.first);
        for (size_t k = 0; k < ko; k++)
            memcpy(n.next + (r * ka + k) * cap, t->next + (r * ko + k) * t->cap,
                   t->cap * sizeof *n.next);
    }
    for (size_t p = 0; p < P && t->cap; p++)
        memcpy(n.pi + p * ka, t->pi + p * ko, ko * sizeof *n.pi);
    drop_tables(t);
    *t = n;
    return 0;
}

int fqe_tab_init(struct fqe_tab *t, size_t A, size_t P, const size_t *pol, size_t R,
                 size_t max_bytes, struct ope_error *err)
{
    memset(t, 0, sizeof *t);
    t->A = A, t->P = P, t->pol = pol, t->R = R, t->max_bytes = max_bytes;
    if (!(t->mass = ope_calloc(R + 1, sizeof *t->mass, err)))
        return -1;
    return relayout(t, 1, err);
}

/* Room for states 0..S-1, growing by a quarter: the next-state table grows as the
 * square of the states (per replicate), so doubling could take 4 times what the log
 * needs, while growing by one state at a time would copy the tables once per new id. */
static int grow(struct fqe_tab *t, size_t S, struct ope_error *err)
{
    if (S <= t->cap)
        return 0;
    if (t->bound)
        return ope_fail(err, OPE_ESOFTWARE, "fqe_tab: state %zu past the %zu bound", S, t->cap);
    size_t cap = t->cap;
    while (cap < S)
        cap += cap / 4 + 1;
    /* Growing past the budget or the cells when S itself fits: take just S. */
    if ((t->max_bytes && fqe_tab_bytes(t->R, t->A, t->P, cap) > (double)t->max_bytes) ||
        (double)cap * (double)t->A * (double)cap > (double)FQE_TAB_MAX_CELLS)
        cap = S;
    return relayout(t, cap, err);
}

/* Copy r's last steps not marked done in episodes as long as the longest are now in
 * shorter ones: the longest is longer. */
static void longer(struct fqe_tab *t, int T)
{
    memset(t->lmax, 0, t->R * t->cap * t->A * sizeof *t->lmax);
    t->T = T;
}

int fqe_tab_extend(struct fqe_tab *t, size_t S, int T, struct ope_error *err)
{
    if (grow(t, S, err) != 0)
        return -1;
    t->S = S > t->S ? S : t->S;
    if (T > t->T)
        longer(t, T);
    return 0;
}

int fqe_tab_prepare(struct fqe_tab *t, const struct tlog *w, size_t e, uint64_t gi,
                    struct ope_error *err)
{
    size_t b = w->ep_start[e], end = w->ep_start[e + 1], A = t->A;
    if (end == b)
        return 0;
    if (!w->state)
        return ope_fail(err, OPE_EDATA, "--value-model fqe needs a tabular state column; "
                        "with state features only, use --value-model linear-fqe or lstd (both "
                        "read the log in windows too)");
    if (grow(t, (size_t)w->n_states, err) != 0)
        return -1;
    if ((size_t)w->n_states > t->S)
        t->S = (size_t)w->n_states;
    int len = (int)(end - b);
    if (len > t->T && t->bound)
        return ope_fail(err, OPE_ESOFTWARE, "fqe_tab: an episode past the bound horizon");
    if (len > t->T)
        longer(t, len);
    for (size_t j = b; j < end; j++) {
        size_t s = (size_t)w->state[j];
        if (t->first_at[s] <= gi)
            continue;
        t->first_at[s] = gi;
        for (size_t p = 0; p < t->P; p++)
            for (size_t a = 0; a < A; a++)
                t->pi[(p * t->cap + s) * A + a] = w->policy[t->pol[p]].prob[a][j];
    }
    return 0;
}

void fqe_tab_count(struct fqe_tab *t, const struct tlog *w, size_t e, const double *m,
                   size_t r0, size_t r1)
{
    size_t b = w->ep_start[e], end = w->ep_start[e + 1], A = t->A;
    if (end == b)
        return;
    int len = (int)(end - b);
    size_t ka = t->cap * A, cap = t->cap;
    int last_done = w->done && w->done[end - 1];
    for (size_t r = r0; r < r1; r++) {
        double mr = m[r];
        if (mr == 0.0)
            continue;
        t->mass[r] += mr;
        t->first[r * cap + (size_t)w->state[b]] += mr;
        struct ope_sum *rs = t->rsum + r * ka;
        double *nsa = t->nsa + r * ka, *nobs = t->nobs + r * ka, *nx = t->next + r * ka * cap;
        for (size_t j = b; j < end; j++) {
            size_t k = (size_t)w->state[j] * A + (size_t)w->action[j];
            ope_sum_add(&rs[k], mr * w->reward[j]);
            nsa[k] += mr;
            if (j + 1 < end) {
                nobs[k] += mr;
                nx[k * cap + (size_t)w->state[j + 1]] += mr;
            } else if (last_done) {
                nobs[k] += mr;
            } else {
                t->lnd[r * ka + k] += mr;
                if (len == t->T)
                    t->lmax[r * ka + k] += mr;
            }
        }
    }
}

int fqe_tab_add(struct fqe_tab *t, const struct tlog *w, size_t e, uint64_t gi,
                const double *m, struct ope_error *err)
{
    if (fqe_tab_prepare(t, w, e, gi, err) != 0)
        return -1;
    fqe_tab_count(t, w, e, m, 0, t->R);
    return 0;
}

struct count_ctx {
    struct fqe_tab *t;
    const struct tlog *w;
};

static void count_one(void *arg, size_t e, size_t part, const double *m, size_t r0, size_t r1)
{
    (void)part;
    const struct count_ctx *x = arg;
    fqe_tab_count(x->t, x->w, e, m, r0, r1);
}

int fqe_tab_count_window(struct fqe_tab *t, const struct tlog *w, uint64_t first,
                         uint64_t seed, int threads, struct ope_error *err)
{
    struct count_ctx x = { t, w };
    return acc_count_copies(w->n_episodes, 1, t->R, first, seed, threads, count_one, &x, err);
}

int fqe_tab_merge(struct fqe_tab *a, const struct fqe_tab *b, struct ope_error *err)
{
    if (a->R != b->R || a->A != b->A || a->P != b->P)
        return ope_fail(err, OPE_ESOFTWARE, "fqe_tab_merge: tables of other shapes");
    if (grow(a, b->S, err) != 0)
        return -1;
    a->S = b->S > a->S ? b->S : a->S;
    if (b->T > a->T)
        longer(a, b->T);
    size_t A = a->A, ka = a->cap * A, kb = b->cap * A;
    for (size_t s = 0; s < b->S; s++)
        if (b->first_at[s] < a->first_at[s]) {
            a->first_at[s] = b->first_at[s];
            for (size_t p = 0; p < a->P; p++)
                memcpy(a->pi + (p * a->cap + s) * A, b->pi + (p * b->cap + s) * A,
                       A * sizeof *a->pi);
        }
    for (size_t r = 0; r < a->R; r++) {
        a->mass[r] += b->mass[r];
        for (size_t s = 0; s < b->S; s++)
            a->first[r * a->cap + s] += b->first[r * b->cap + s];
        for (size_t s = 0; s < b->S; s++)
            for (size_t x = 0; x < A; x++) {
                size_t i = r * ka + s * A + x, j = r * kb + s * A + x;
                ope_sum_merge(&a->rsum[i], &b->rsum[j]);
                a->nsa[i] += b->nsa[j];
                a->nobs[i] += b->nobs[j];
                a->lnd[i] += b->lnd[j];
                if (b->T == a->T)
                    a->lmax[i] += b->lmax[j];
                for (size_t s2 = 0; s2 < b->S; s2++)
                    a->next[i * a->cap + s2] += b->next[j * b->cap + s2];
            }
    }
    return 0;
}

void fqe_tab_put(const struct fqe_tab *t, struct strbuf *sb)
{
    size_t A = t->A, S = t->S, ka = t->cap * A;
    sf_put_u64(sb, S);
    sf_put_u64(sb, (uint64_t)t->T);
    for (size_t s = 0; s < S; s++) {
        sf_put_u64(sb, t->first_at[s]);
        for (size_t p = 0; p < t->P; p++)
            for (size_t a = 0; a < A; a++)
                sf_put_f64(sb, t->pi[(p * t->cap + s) * A + a]);
    }
    for (size_t r = 0; r < t->R; r++) {
        sf_put_f64(sb, t->mass[r]);
        for (size_t s = 0; s < S; s++)
            sf_put_f64(sb, t->first[r * t->cap + s]);
        for (size_t k = 0; k < S * A; k++) {
            size_t i = r * ka + k;
            sf_put_sum(sb, &t->rsum[i]);
            sf_put_f64(sb, t->nsa[i]);
            sf_put_f64(sb, t->nobs[i]);
            sf_put_f64(sb, t->lnd[i]);
            sf_put_f64(sb, t->lmax[i]);
            for (size_t s2 = 0; s2 < S; s2++)
                sf_put_f64(sb, t->next[i * t->cap + s2]);
        }
    }
}

int fqe_tab_get(struct fqe_tab *t, struct sf_state *st, struct ope_error *err)
{
    /* A count that does not fit the bytes left is damage: it must not size the tables. */
    uint64_t S = sf_get_count(st, 0, sf_room(st, 8 * (1 + t->P * t->A)));
    uint64_t T = sf_get_count(st, 0, INT32_MAX);
    if (st->bad)
        return sf_done(st, err);
    if (grow(t, (size_t)S, err) != 0)
        return -1;
    size_t A = t->A, ka = t->cap * A;
    t->S = (size_t)S;
    t->T = (int)T;
    for (size_t s = 0; s < S; s++) {
        t->first_at[s] = sf_get_u64(st);
        for (size_t p = 0; p < t->P; p++)
            for (size_t a = 0; a < A; a++)
                t->pi[(p * t->cap + s) * A + a] = sf_get_f64(st);
    }
    for (size_t r = 0; r < t->R; r++) {
        t->mass[r] = sf_get_f64(st);
        for (size_t s = 0; s < S; s++)
            t->first[r * t->cap + s] = sf_get_f64(st);
        for (size_t k = 0; k < S * A; k++) {
            size_t i = r * ka + k;
            sf_get_sum(st, &t->rsum[i]);
            t->nsa[i] = sf_get_f64(st);
            t->nobs[i] = sf_get_f64(st);
            t->lnd[i] = sf_get_f64(st);
            t->lmax[i] = sf_get_f64(st);
            for (size_t s2 = 0; s2 < S; s2++)
                t->next[i * t->cap + s2] = sf_get_f64(st);
        }
    }
    return st->bad ? sf_done(st, err) : 0;
}

int fqe_tab_check(const struct fqe_tab *t, uint64_t episodes, uint64_t steps)
{
    size_t S = t->S, A = t->A, ka = t->cap * A, cap = t->cap;
    /* Copy 0 counts every episode once: its first states are the episodes, its steps
     * the log's; the horizon is an episode's steps. Every count is a whole number
     * (copies >= 1: Poisson counts), never negative, and an observed next state is a
     * step with an observed outcome. */
    if (S == 0 || t->T < 1 || (uint64_t)t->T > steps || t->mass[0] != (double)episodes)
        return -1;
    for (size_t r = 0; r < t->R; r++) {
        double firsts = 0.0, nsteps = 0.0;
        if (!(t->mass[r] >= 0.0 && t->mass[r] <= 9007199254740992.0))
            return -1;
        for (size_t s = 0; s < S; s++) {
            double f = t->first[r * cap + s];
            if (!(f >= 0.0) || f != floor(f))
                return -1;
            firsts += f;
        }
        for (size_t k = 0; k < S * A; k++) {
            size_t i = r * ka + k;
            double n = t->nsa[i], o = t->nobs[i], l = t->lnd[i], lm = t->lmax[i], nx = 0.0;
            if (!(n >= 0.0 && o >= 0.0 && l >= 0.0 && lm >= 0.0 && o + l <= n && lm <= l) ||
                n != floor(n) || o != floor(o) || l != floor(l) || lm != floor(lm) ||
                !isfinite(ope_sum_value(&t->rsum[i])))
                return -1;
            for (size_t s2 = 0; s2 < S; s2++) {
                double c = t->next[i * cap + s2];
                if (!(c >= 0.0) || c != floor(c))
                    return -1;
                nx += c;
            }
            if (nx > o)
                return -1;
            nsteps += n;
        }
        if (firsts != t->mass[r] || (r == 0 && nsteps != (double)steps))
            return -1;
    }
    for (size_t p = 0; p < t->P; p++)
        for (size_t k = 0; k < S * A; k++) {
            double x = t->pi[(p * cap + k / A) * A + k % A];
            if (!(x >= 0.0 && x <= 1.0))
                return -1;
        }
    return 0;
}

size_t fqe_tab_scratch(const struct fqe_tab *t)
{
    size_t SA = t->S * t->A;
    return 4 * SA + 2 * t->S + 1;
}

double fqe_tab_solve(const struct fqe_tab *t, size_t r, size_t p, double gamma, double *Q,
                     double *scratch)
{
    size_t S = t->S, A = t->A, SA = S * A, ka = t->cap * A, cap = t->cap;
    double *rbar = scratch, *nob = rbar + SA, *q = nob + SA, *pi = q + SA, *V = pi + SA;
    if (!(t->mass[r] > 0.0) || S == 0)
        return NAN;
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            size_t k = s * A + a, i = r * ka + k;
            double n = t->nsa[i];
            rbar[k] = n > 0 ? ope_sum_value(&t->rsum[i]) / n : 0.0;
            /* Last steps not marked done: observed (absorbing) unless T long. */
            nob[k] = t->nobs[i] + (t->lnd[i] - t->lmax[i]);
            pi[k] = t->pi[(p * cap + s) * A + a];
        }
    memset(V, 0, S * sizeof *V);
    for (size_t u = (size_t)t->T; u-- > 0;) {
        for (size_t k = 0; k < SA; k++) {
            double x = 0.0;
            if (u + 1 < (size_t)t->T) {
                const double *c = t->next + (r * ka + k) * cap;
                for (size_t s2 = 0; s2 < S; s2++)
                    x += c[s2] * V[s2];
            }
            q[k] = rbar[k] + (nob[k] > 0 ? gamma * x / nob[k] : 0.0);
        }
        if (Q)
            memcpy(Q + u * SA, q, SA * sizeof *q);
        mdp_v_from_q((int)S, (int)A, pi, q, V);
    }
    struct ope_sum v;
    ope_sum_init(&v);
    for (size_t s = 0; s < S; s++)
        ope_sum_add(&v, t->first[r * cap + s] * V[s]);
    return ope_sum_value(&v) / t->mass[r];
}
