/* estimators/evstream_state.c: the streamed bandit source saved as a shard's state
 * (ope eval --save-state) and evaluated from the merged states of shards (ope merge),
 * issue 17. See evstream.h for why the second pass becomes co-moments: a shard folds
 * its rows into sums that do not depend on the whole log, and the merge forms what
 * pass 2 and pass 3 would have folded from rows.
 *
 * The state's blocks, in order (after the caller's own header):
 *   options   the estimators, policies and interval settings (eval_state_opts_read);
 *   open      the log's policies, actions and columns (s_open's facts);
 *   pass 1    evs_put_pass1's bytes, the same as an MPI rank sends;
 *   moments   per policy its truth sum, weight diagnostics and the probability it puts
 *             on each (position, action), per (policy, estimator) the applied weights'
 *             diagnostics, per estimator the co-moments of the reward and every
 *             policy's terms. */
#include "config.h"
#include "estimators/evstream.h"

#include <float.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/accum.h"
#include "ope/base/sum.h"
#include "ope/base/threads.h"

/* The most variables, positions x actions cells, estimators or policies a state may
 * declare: a damaged count must not size an allocation. */
#define STATE_MAX ((uint64_t)1 << 24)

/* Count, means and co-moments of d variables: c[i * d + j] (j <= i) is the sum over
 * the rows of (x_i - mean_i)(x_j - mean_j). */
struct evs_mom {
    size_t d;
    uint64_t n;
    double *mean, *c;
};

/* The variables of a shard's moments for one (policy, estimator): its terms, but for
 * term piv, which is replaced by the shard's own contribution a0 + a . t (given its
 * own sums). The whole log's contribution is then that variable times a ratio near 1
 * plus small multiples of the other terms, so its sd is formed without the
 * cancellation of the raw terms (snipw's w r and w are nearly proportional when the
 * rewards are far from 0: v' C v lost 13 digits with reward + 1e6). piv < 0: the raw
 * terms (no usable contribution in the shard). */
struct evs_basis {
    int piv;
    double a0, a[EST_MAX_TERMS];
};

struct evs_merged {
    size_t n_pol, n_spec, n_shard;
    /* [n_shard * n_spec], shard-major: each shard's own (they are in its basis): the
     * reward, then policy p's variables at 1 + p * n_terms of that estimator. */
    struct evs_mom *mom;
    struct evs_basis *basis;    /* [n_shard * n_pol * n_spec] */
    struct diag_acc *wacc;      /* [n_pol * n_spec] the weights each estimator applies */
    struct spol *tp;            /* [n_pol] truth and weights (unsup: from mass) */
    struct ope_sum *mass;       /* [n_pol][n_ctx * A] pi's probability per (position,
                                   action), summed over the rows */
    size_t n_ctx, A;
    unsigned char *lossy;       /* [n_pol * n_spec] its sd lost digits (stats_of) */
};

/* ---- co-moments ---------------------------------------------------------------------- */

static int mom_init(struct evs_mom *m, size_t d, struct ope_error *err)
{
    m->d = d;
    m->n = 0;
    m->mean = ope_calloc(d + 1, sizeof *m->mean, err);
    m->c = ope_calloc(d * d + 1, sizeof *m->c, err);
    return m->mean && m->c ? 0 : -1;
}

static void mom_release(struct evs_mom *m)
{
    free(m->mean);
    free(m->c);
}

/* m += the rows summarised by (nb, mb, cb): Chan, Golub & LeVeque's pairwise update
 * C = C_a + C_b + delta delta^T n_a n_b / n. delta: d doubles of scratch. */
static void mom_merge_raw(struct evs_mom *m, uint64_t nb, const double *mb, const double *cb,
                          double *delta)
{
    if (nb == 0)
        return;
    size_t d = m->d;
    double na = (double)m->n, nt = na + (double)nb, f = na * (double)nb / nt;
    for (size_t i = 0; i < d; i++)
        delta[i] = mb[i] - m->mean[i];
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j <= i; j++)
            m->c[i * d + j] += cb[i * d + j] + delta[i] * delta[j] * f;
    for (size_t i = 0; i < d; i++)
        m->mean[i] += delta[i] * (double)nb / nt;
    m->n += nb;
}

/* The means and co-moments of k rows held variable by variable in x (row v of x is
 * variable v, stride ACC_CHUNK), centred in place: the mean first, then a second
 * pass's correction, so the co-moments are a two-pass algorithm's (BLAS dsyrk of the
 * centred rows). mu, r: d doubles; cc: d x d. */
static void chunk_moments(double *x, size_t d, size_t k, double *mu, double *r, double *cc)
{
    for (size_t v = 0; v < d; v++) {
        double *xv = x + v * ACC_CHUNK, s = 0, s2 = 0;
        for (size_t i = 0; i < k; i++)
            s += xv[i];
        double m0 = s / (double)k;
        for (size_t i = 0; i < k; i++) {
            xv[i] -= m0;
            s2 += xv[i];
        }
        r[v] = s2 / (double)k;
        mu[v] = m0 + r[v];
    }
    gsl_matrix_view xm = gsl_matrix_view_array_with_tda(x, d, k, ACC_CHUNK);
    gsl_matrix_view cm = gsl_matrix_view_array(cc, d, d);
    gsl_blas_dsyrk(CblasLower, CblasNoTrans, 1.0, &xm.matrix, 0.0, &cm.matrix);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j <= i; j++)
            cc[i * d + j] -= (double)k * r[i] * r[j];
}

/* v^T C v over the lower triangle, floored at 0 (rounding); NAN stays NAN, so
 * moments that overflowed give no sd rather than a zero-width interval. */
static double mom_quad(const struct evs_mom *m, const double *v)
{
    size_t d = m->d;
    double q = 0;
    for (size_t i = 0; i < d; i++) {
        if (v[i] == 0)
            continue;
        q += v[i] * v[i] * m->c[i * d + i];
        for (size_t j = 0; j < i; j++)
            q += 2.0 * v[i] * v[j] * m->c[i * d + j];
    }
    return q > 0 || isnan(q) ? q : 0;
}

static void mom_put(struct strbuf *sb, const struct evs_mom *m)
{
    sf_put_u64(sb, m->d);
    sf_put_u64(sb, m->n);
    for (size_t i = 0; i < m->d; i++)
        sf_put_f64(sb, m->mean[i]);
    for (size_t i = 0; i < m->d; i++)
        for (size_t j = 0; j <= i; j++)
            sf_put_f64(sb, m->c[i * m->d + j]);
}

/* Whether (n, means mb, co-moments cb) of d variables can be a real state's: n its
 * rows, every number finite, no sum of squares below 0 past rounding (on a constant
 * variable it may be a few ulps of n mean^2 below; 1e-9 is far above that). */
static int mom_valid(uint64_t n, uint64_t rows, size_t d, const double *mb, const double *cb)
{
    if (n != rows)
        return 0;
    for (size_t i = 0; i < d; i++) {
        if (!isfinite(mb[i]) || cb[i * d + i] < -1e-9 * (double)n * (1.0 + mb[i] * mb[i]))
            return 0;
        for (size_t j = 0; j <= i; j++)
            if (!isfinite(cb[i * d + j]))
                return 0;
    }
    return 1;
}

/* A state's moments of estimator label, over its rows, into m (fresh: each shard's
 * moments are kept in its own variables, struct evs_basis). */
static int mom_get(struct sf_state *st, struct evs_mom *m, const char *label, uint64_t rows,
                   struct ope_error *err)
{
    size_t d = (size_t)sf_get_count(st, 1, STATE_MAX);
    uint64_t n = sf_get_u64(st);
    if (st->bad)
        return sf_done(st, err);
    if (d != m->d)
        return ope_fail(err, OPE_EDATA, "%s: damaged state: %zu moments of %s, %zu expected",
                        st->name, d, label, m->d);
    for (size_t i = 0; i < d; i++)
        m->mean[i] = sf_get_f64(st);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j <= i; j++)
            m->c[i * d + j] = sf_get_f64(st);
    m->n = n;
    if (st->bad)
        return sf_done(st, err);
    if (!mom_valid(n, rows, d, m->mean, m->c))
        return ope_fail(err, OPE_EDATA, "%s: damaged state: the moments of %s are not those "
                        "of its %llu rows (%llu rows, a mean or co-moment not a finite "
                        "number, or a negative sum of squares); make it again", st->name,
                        label, (unsigned long long)rows, (unsigned long long)n);
    return 0;
}

/* ---- what pass 2 and 3 take, folded or merged ------------------------------------------ */

void evs_merged_free(struct evs_merged *m)
{
    if (!m)
        return;
    for (size_t e = 0; m->mom && e < m->n_shard * m->n_spec; e++)
        mom_release(&m->mom[e]);
    free(m->mom);
    free(m->basis);
    free(m->wacc);
    free(m->tp);
    free(m->mass);
    free(m->lossy);
    free(m);
}

/* Room for the folds of n_shard shards (1 when saving). */
static struct evs_merged *merged_new(const struct eng *g, size_t n_shard, struct ope_error *err)
{
    struct evs_merged *m = ope_calloc(1, sizeof *m, err);
    if (!m)
        return NULL;
    size_t ns = g->o->n_spec, np = g->n_pol;
    m->n_pol = np;
    m->n_spec = ns;
    m->n_shard = n_shard;
    m->mom = ope_calloc(n_shard * ns + 1, sizeof *m->mom, err);
    m->basis = ope_calloc(n_shard * np * ns + 1, sizeof *m->basis, err);
    m->wacc = ope_calloc(np * ns + 1, sizeof *m->wacc, err);
    m->tp = ope_calloc(np + 1, sizeof *m->tp, err);
    m->lossy = ope_calloc(np * ns + 1, 1, err);
    int rc = m->mom && m->basis && m->wacc && m->tp && m->lossy ? 0 : -1;
    for (size_t k = 0; rc == 0 && k < n_shard * ns; k++)
        rc = mom_init(&m->mom[k], 1 + np * g->o->spec[k % ns].d->n_terms, err);
    for (size_t k = 0; rc == 0 && k < n_shard * np * ns; k++)
        m->basis[k].piv = -1;
    for (size_t k = 0; rc == 0 && k < np * ns; k++)
        diag_acc_init(&m->wacc[k]);
    for (size_t p = 0; rc == 0 && p < np; p++) {
        ope_sum_init(&m->tp[p].truth);
        ope_sum_init(&m->tp[p].unsup);
        diag_acc_init(&m->tp[p].w);
    }
    if (rc != 0) {
        evs_merged_free(m);
        return NULL;
    }
    return m;
}

/* Room for n_ctx positions of A actions in m's mass, the cells already there kept. */
static int mass_grow(struct evs_merged *m, size_t n_ctx, size_t A, struct ope_error *err)
{
    if (m->mass && n_ctx <= m->n_ctx)
        return 0;
    struct ope_sum *x = ope_calloc(m->n_pol * n_ctx * A + 1, sizeof *x, err);
    if (!x)
        return -1;
    for (size_t p = 0; m->mass && p < m->n_pol; p++)
        memcpy(x + p * n_ctx * A, m->mass + p * m->n_ctx * A, m->n_ctx * A * sizeof *x);
    free(m->mass);
    m->mass = x;
    m->n_ctx = n_ctx;
    m->A = A;
    return 0;
}

/* One window of the moments' pass, as tasks that each write only their own: estimator
 * k's co-moments and applied weights (k < n_spec), or policy k - n_spec's own. */
struct save_tasks {
    struct eng *g;
    const struct blog *w;
    struct evs_merged *m;
    atomic_int failed;
};

static void save_task(void *arg, size_t k)
{
    struct save_tasks *x = arg;
    struct eng *g = x->g;
    struct ssrc *s = g->self;
    const struct blog *w = x->w;
    struct evs_merged *m = x->m;
    size_t ns = g->o->n_spec, n = w->n;
    if (k >= ns) {
        size_t p = k - ns, pol = g->pol[p], A = m->A;
        /* The unsupported mass needs the whole log's support: the shard keeps the
         * policy's mass per (position, action) instead. */
        evs_pol_stats_add(g, w, p, NULL, &m->tp[p]);
        struct ope_sum *cell = m->mass + p * m->n_ctx * A;
        for (size_t i = 0; i < n; i++) {
            size_t pos = w->position ? (size_t)w->position[i] : 0;
            for (size_t a = 0; a < A; a++)
                ope_sum_add(&cell[pos * A + a], w->policy[pol].prob[a][i]);
        }
        return;
    }
    const struct est_spec *sp = &g->o->spec[k];
    struct evs_mom *mm = &m->mom[k];
    size_t T = sp->d->n_terms, d = mm->d;
    double *buf = malloc((d * ACC_CHUNK + d * d + 3 * d) * sizeof *buf);
    if (!buf) {
        atomic_store(&x->failed, 1);
        return;
    }
    double *cc = buf + d * ACC_CHUNK, *mu = cc + d * d, *r = mu + d, *delta = r + d;
    for (size_t lo = 0; lo < n; lo += ACC_CHUNK) {
        size_t hi = lo + ACC_CHUNK < n ? lo + ACC_CHUNK : n;
        memcpy(buf, w->reward + lo, (hi - lo) * sizeof *buf);
        for (size_t p = 0; p < g->n_pol; p++) {
            double *t[EST_MAX_TERMS];
            for (size_t j = 0; j < T; j++)
                t[j] = buf + (1 + p * T + j) * ACC_CHUNK;
            sp->d->terms(&s->in[p], sp->param, lo, hi, t);
            const struct evs_basis *b = &m->basis[p * ns + k];
            for (size_t i = 0; b->piv >= 0 && i < hi - lo; i++) {
                double c = b->a0;
                for (size_t j = 0; j < T; j++)
                    c += b->a[j] * t[j][i];
                t[b->piv][i] = c;
            }
        }
        chunk_moments(buf, d, hi - lo, mu, r, cc);
        mom_merge_raw(mm, hi - lo, mu, cc, delta);
    }
    for (size_t p = 0; sp->d->weight && p < g->n_pol; p++)
        for (size_t i = 0; i < n; i++)
            diag_acc_add(&m->wacc[p * ns + k], sp->d->weight(s->in[p].w[i], sp->param));
    free(buf);
}

/* One window of the moments' pass (evs_each_window) folded into ctx's merged sums. */
static int moments_window(struct eng *g, const struct blog *w, size_t first, void *ctx,
                          struct ope_error *err)
{
    (void)first;
    struct evs_merged *m = ctx;
    size_t L = w->n_positions > 0 ? (size_t)w->n_positions : 1;
    struct save_tasks st = { g, w, m, 0 };
    if (mass_grow(m, L, (size_t)w->n_actions, err) != 0)
        return -1;
    if (ope_parallel_for(g->o->n_spec + g->n_pol, g->o->threads, save_task, &st, NULL,
                         NULL) != 0)
        return ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
    return atomic_load(&st.failed) ? ope_fail_oom(err) : 0;
}

static void merged_put(const struct eng *g, const struct evs_merged *m, struct strbuf *sb)
{
    size_t ns = g->o->n_spec, cells = m->n_ctx * m->A;
    sf_put_u64(sb, m->n_ctx);
    sf_put_u64(sb, m->A);
    for (size_t p = 0; p < g->n_pol; p++) {
        sf_put_sum(sb, &m->tp[p].truth);
        diag_acc_put(sb, &m->tp[p].w);
        for (size_t c = 0; c < cells; c++)
            sf_put_sum(sb, &m->mass[p * cells + c]);
    }
    for (size_t k = 0; k < g->n_pol * ns; k++)
        diag_acc_put(sb, &m->wacc[k]);
    for (size_t k = 0; k < g->n_pol * ns; k++) {
        const struct evs_basis *b = &m->basis[k];
        sf_put_u64(sb, (uint64_t)(b->piv + 1));
        sf_put_f64(sb, b->a0);
        for (size_t j = 0; j < g->o->spec[k % ns].d->n_terms; j++)
            sf_put_f64(sb, b->a[j]);
    }
    for (size_t e = 0; e < ns; e++)
        mom_put(sb, &m->mom[e]);
}

/* A state's moments block merged into m as the rows that follow. 0, or -1 with err. */
static int merged_get_merge(const struct eng *g, struct evs_merged *m, size_t shard,
                            struct sf_state *st, uint64_t rows, struct ope_error *err)
{
    size_t ns = g->o->n_spec;
    size_t n_ctx = (size_t)sf_get_count(st, 1, STATE_MAX);
    size_t A = (size_t)sf_get_count(st, 0, STATE_MAX);
    /* Each policy's cells are two doubles each: a count the rest of the state cannot
     * hold is damage, refused before it sizes the cells. */
    if (!st->bad && g->n_pol && n_ctx * A > sf_room(st, 16 * g->n_pol))
        st->bad = 1;
    if (st->bad || n_ctx * A > STATE_MAX)
        return sf_done(st, err) != 0 ? -1 : ope_fail(err, OPE_EDATA, "%s: damaged state: "
                                                     "%zu positions of %zu actions",
                                                     st->name, n_ctx, A);
    if (m->mass && A != m->A)
        return ope_fail(err, OPE_EDATA, "%s: its log has %zu actions, the others' %zu",
                        st->name, A, m->A);
    if (mass_grow(m, n_ctx, A, err) != 0)
        return -1;
    for (size_t p = 0; p < g->n_pol; p++) {
        struct ope_sum truth;
        struct diag_acc w;
        sf_get_sum(st, &truth);
        diag_acc_get(st, &w);
        ope_sum_merge(&m->tp[p].truth, &truth);
        diag_acc_merge(&m->tp[p].w, &w);
        for (size_t c = 0; c < n_ctx * A; c++) {
            struct ope_sum x;
            sf_get_sum(st, &x);
            ope_sum_merge(&m->mass[p * m->n_ctx * A + c], &x);
        }
    }
    for (size_t k = 0; k < g->n_pol * ns; k++) {
        struct diag_acc x;
        diag_acc_get(st, &x);
        diag_acc_merge(&m->wacc[k], &x);
    }
    for (size_t k = 0; k < g->n_pol * ns; k++) {
        struct evs_basis *b = &m->basis[shard * g->n_pol * ns + k];
        size_t T = g->o->spec[k % ns].d->n_terms;
        b->piv = (int)sf_get_count(st, 0, T) - 1;
        b->a0 = sf_get_f64(st);
        int ok = isfinite(b->a0);
        for (size_t j = 0; j < T; j++) {
            b->a[j] = sf_get_f64(st);
            ok &= isfinite(b->a[j]);
        }
        if (!st->bad && b->piv >= 0 && (!ok || b->a[b->piv] == 0))
            return ope_fail(err, OPE_EDATA, "%s: damaged state: the contribution that "
                            "stands for a term of %s is not a finite combination of it; make "
                            "it again", st->name, g->o->spec[k % ns].label);
    }
    for (size_t e = 0; e < ns; e++)
        if (mom_get(st, &m->mom[shard * ns + e], g->o->spec[e].label, rows, err) != 0)
            return -1;
    return st->bad ? sf_done(st, err) : 0;
}

/* ---- the options and the log's facts -------------------------------------------------- */

void eval_state_opts_put(struct strbuf *sb, const struct eval_opts *o, const char *const *names,
                         const size_t *pol, size_t n_pol)
{
    sf_put_u64(sb, o->n_spec);
    for (size_t e = 0; e < o->n_spec; e++)
        sf_put_str(sb, o->spec[e].label);
    sf_put_u64(sb, n_pol);
    for (size_t p = 0; p < n_pol; p++)
        sf_put_str(sb, names[pol[p]]);
    sf_put_f64(sb, o->alpha);
    sf_put_u64(sb, (uint64_t)o->ci);
    sf_put_u64(sb, (uint64_t)o->n_boot);
    sf_put_u64(sb, o->seed);
    sf_put_f64(sb, o->bound_lo);
    sf_put_f64(sb, o->bound_hi);
    sf_put_str(sb, o->against ? o->against : "");
    sf_put_u64(sb, o->matrix_k);
}

static void put_opts(const struct eng *g, struct strbuf *sb)
{
    const struct ssrc *s = g->self;
    eval_state_opts_put(sb, g->o, (const char *const *)s->names, g->pol, g->n_pol);
}

void eval_state_opts_release(struct eval_state_opts *so)
{
    free(so->estimators);
    for (size_t p = 0; so->policies && p < so->n_policies; p++)
        free(so->policies[p]);
    free(so->policies);
    free(so->against);
    memset(so, 0, sizeof *so);
}

int eval_state_opts_read(struct sf_state *st, struct eval_state_opts *so, struct ope_error *err)
{
    memset(so, 0, sizeof *so);
    struct strbuf est = STRBUF_INIT;
    size_t ns = (size_t)sf_get_count(st, 1, 1024);
    for (size_t e = 0; !st->bad && e < ns; e++) {
        char *l = sf_get_str(st);
        if (l)
            strbuf_printf(&est, "%s%s", e ? "," : "", l);
        free(l);
    }
    so->n_policies = (size_t)sf_get_count(st, 1, 1 << 20);
    if (so->n_policies > sf_room(st, 4))
        st->bad = 1;        /* more names than bytes for their lengths */
    if (!st->bad && !(so->policies = ope_calloc(so->n_policies + 1, sizeof *so->policies, err))) {
        strbuf_release(&est);
        return -1;
    }
    for (size_t p = 0; !st->bad && p < so->n_policies; p++)
        so->policies[p] = sf_get_str(st);
    so->alpha = sf_get_f64(st);
    if (!(so->alpha > 0.0 && so->alpha < 1.0))
        st->bad = 1;        /* --alpha takes (0, 1) only */
    so->ci = (int)sf_get_count(st, 0, CI_N_METHODS - 1);
    so->n_boot = (int)sf_get_count(st, 0, 1u << 30);
    so->seed = sf_get_u64(st);
    so->bound_lo = sf_get_f64(st);
    so->bound_hi = sf_get_f64(st);
    so->against = sf_get_str(st);
    so->matrix_k = (size_t)sf_get_count(st, 0, 1u << 20);
    if (!st->bad && so->against && !so->against[0]) {
        free(so->against);
        so->against = NULL;
    }
    int rc = 0;
    if (strbuf_failed(&est))
        rc = ope_fail_oom(err);
    else if (st->bad)
        rc = sf_done(st, err);
    else if (!(so->estimators = ope_strdup(strbuf_str(&est), err)))
        rc = -1;
    strbuf_release(&est);
    if (rc != 0)
        eval_state_opts_release(so);
    return rc;
}

static void put_open(const struct ssrc *s, struct strbuf *sb)
{
    sf_put_u64(sb, s->n_policies);
    sf_put_u64(sb, (uint64_t)s->n_actions);
    sf_put_u64(sb, (uint64_t)s->has_qhat);
    sf_put_u64(sb, (uint64_t)s->has_q);
    for (size_t q = 0; q < s->n_policies; q++)
        sf_put_str(sb, s->names[q]);
    /* A model fitted in rounds across the shards (evstream_fit.c): its digest and
     * report, for the merged result. */
    sf_put_str(sb, s->fit_hex);
    if (s->fit_hex[0]) {
        sf_put_str(sb, s->fit_report.kind);
        sf_put_u64(sb, (uint64_t)s->fit_report.folds);
        sf_put_f64(sb, s->fit_report.heldout_error);
        sf_put_str(sb, s->fit_report.error_name);
        sf_put_u64(sb, (uint64_t)s->fit_opts.kind);
        sf_put_u64(sb, (uint64_t)s->fit_opts.folds);
        sf_put_f64(sb, s->fit_opts.lambda);
        sf_put_u64(sb, (uint64_t)s->fit_opts.folds_up_to_rows);
    }
}

/* The fit block put_open ends with, into s (the first state) or checked against it. */
static int get_fit(struct ssrc *s, struct sf_state *st, int first, struct ope_error *err)
{
    char *hex = sf_get_str(st);
    struct res_model r;
    struct rm_opts mo;
    memset(&r, 0, sizeof r);
    rm_opts_init(&mo);
    if (hex && hex[0]) {
        char *kind = sf_get_str(st);
        snprintf(r.kind, sizeof r.kind, "%s", kind ? kind : "");
        free(kind);
        r.folds = (int)sf_get_count(st, 1, 1 << 30);
        r.heldout_error = sf_get_f64(st);
        char *en = sf_get_str(st);
        snprintf(r.error_name, sizeof r.error_name, "%s", en ? en : "");
        free(en);
        mo.kind = (enum rm_kind)sf_get_count(st, RM_AUTO, RM_LOGISTIC);
        mo.folds = (int)sf_get_count(st, 1, 1 << 30);
        mo.lambda = sf_get_f64(st);
        mo.folds_up_to_rows = (int)sf_get_count(st, 0, 1);
    }
    int ok = hex && strlen(hex) < sizeof s->fit_hex && !st->bad;
    if (ok && first) {
        memcpy(s->fit_hex, hex, strlen(hex) + 1);
        s->fit_report = r;
        s->fit_opts = mo;
    }
    int same = ok && strcmp(hex, s->fit_hex) == 0;
    free(hex);
    if (!ok)
        return sf_done(st, err);
    if (!same)
        return ope_fail(err, OPE_EDATA, "%s: evaluated with another reward model fit than "
                        "%s: run every shard with the same --model-state", st->name,
                        s->merge[0]->name);
    return 0;
}

int evs_merge_open(struct ssrc *s, struct ope_error *err)
{
    for (size_t k = 0; k < s->n_merge; k++) {
        struct sf_state *st = s->merge[k];
        size_t np = (size_t)sf_get_count(st, 0, 1 << 20);
        int A = (int)sf_get_count(st, 1, 1 << 30);
        int qh = (int)sf_get_count(st, 0, 1), q = (int)sf_get_count(st, 0, 1);
        if (np > sf_room(st, 4))
            st->bad = 1;    /* more names than bytes for their lengths */
        if (st->bad)
            return sf_done(st, err);
        char **names = ope_calloc(np + 1, sizeof *names, err);
        if (!names)
            return -1;
        for (size_t p = 0; !st->bad && p < np; p++)
            names[p] = sf_get_str(st);
        int rc = st->bad ? sf_done(st, err) : get_fit(s, st, k == 0, err);
        if (rc == 0 && k == 0) {
            s->n_policies = np;
            s->n_actions = A;
            s->has_qhat = qh;
            s->has_q = q;
            s->names = names;
            continue;
        }
        int same = rc == 0 && np == s->n_policies && A == s->n_actions;
        for (size_t p = 0; same && p < np; p++)
            same = strcmp(names[p], s->names[p]) == 0;
        if (rc == 0 && !same)
            rc = ope_fail(err, OPE_EDATA, "%s: its log has other policies or actions than %s's "
                          "(%zu policies of %d actions, against %zu of %d): merge the shards "
                          "of one log", st->name, s->merge[0]->name, np, A, s->n_policies,
                          s->n_actions);
        else if (rc == 0 && (qh != s->has_qhat || q != s->has_q))
            rc = ope_fail(err, OPE_EDATA, "%s: its log %s qhat.* or q.* columns that %s's "
                          "%s: merge the shards of one log", st->name,
                          qh + q > s->has_qhat + s->has_q ? "has" : "lacks",
                          s->merge[0]->name,
                          qh + q > s->has_qhat + s->has_q ? "lacks" : "has");
        for (size_t p = 0; p < np; p++)
            free(names[p]);
        free(names);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* ---- save ------------------------------------------------------------------------------ */

/* The contribution of spec sp given the sums, as c = a0 + sum_j a[j] t_j (est_desc.contrib
 * is affine in the row's terms), checked at the terms' means mean[] and one more point.
 * 0, or -1 with err (OPE_EUSAGE: an estimator whose contribution is not affine). */
static int affine_of(const struct est_spec *sp, const double *sums, double n,
                     const double *mean, double *a0, double *a, struct ope_error *err)
{
    size_t T = sp->d->n_terms;
    double t[EST_MAX_TERMS] = { 0 };
    /* A large step keeps the difference clear of a0's rounding. */
    const double h = 1048576.0;
    *a0 = sp->d->contrib(t, sums, n);
    for (size_t j = 0; j < T; j++) {
        t[j] = h;
        a[j] = (sp->d->contrib(t, sums, n) - *a0) / h;
        t[j] = 0;
    }
    for (int pt = 0; pt < 2; pt++) {
        double lin = *a0, scale = fabs(*a0);
        for (size_t j = 0; j < T; j++) {
            t[j] = pt == 0 ? mean[j] : 2.0 * mean[j] - 1.0;
            lin += a[j] * t[j];
            scale += fabs(a[j] * t[j]);
        }
        double c = sp->d->contrib(t, sums, n);
        if (!(fabs(c - lin) <= 1e-9 * scale + 1e-300))
            return ope_fail(err, OPE_EUSAGE, "%s: its contributions are not affine in its "
                            "terms, so shards' states cannot be merged for it: evaluate the "
                            "whole log in one run", sp->label);
    }
    return 0;
}

/* Each (policy, estimator)'s basis (struct evs_basis) from the shard's own sums over its
 * rows: its contribution stands for the term that carries the most of it (|a_j| times
 * the term's mean size). An estimator that has no finite contribution on the shard
 * alone (a ratio of 0 / 0) keeps the raw terms. 0, or -1 with err. */
static int shard_bases(struct eng *g, const struct acc_state *st, size_t rows,
                       struct evs_merged *m, struct ope_error *err)
{
    const struct ssrc *s = g->self;
    size_t ns = g->o->n_spec;
    if (!st->point || rows == 0)
        return 0;
    double *point = ope_malloc((st->K + 1) * sizeof *point, err);
    if (!point)
        return -1;
    acc_finalize(st, point, NULL, NULL);
    static const double zero[EST_MAX_TERMS];
    for (size_t k = 0; k < g->n_pol * ns; k++) {
        const struct est_spec *sp = &g->o->spec[k % ns];
        const double *sums = point + s->col[k];
        struct evs_basis *b = &m->basis[k];
        struct ope_error ignored = { 0 };
        b->piv = -1;
        if (affine_of(sp, sums, (double)rows, zero, &b->a0, b->a, &ignored) != 0 ||
            !isfinite(b->a0))
            continue;
        double best = 0;
        for (size_t j = 0; j < sp->d->n_terms; j++) {
            double size = fabs(b->a[j]) * (fabs(sums[j]) / (double)rows + DBL_MIN);
            if (!isfinite(b->a[j])) {
                b->piv = -1;
                break;
            }
            if (size > best) {
                best = size;
                b->piv = (int)j;
            }
        }
    }
    free(point);
    return 0;
}

/* The settings text of the evaluation g, as evs_save writes it (into sb). */
#define SHARD_STATE "state=bandit shard 1\n"

static void save_settings(const struct eng *g, struct strbuf *sb)
{
    evs_settings(g, sb);
    strbuf_puts(sb, SHARD_STATE);
}

void evs_put_head(const struct eng *g, struct strbuf *sb)
{
    put_opts(g, sb);
    put_open(g->self, sb);
}

int evs_save(struct eng *g, const struct acc_state *st, const struct ope_sum *rsum,
             size_t rows, struct ope_error *err)
{
    struct ssrc *s = g->self;
    struct strbuf *sb = s->save;
    save_settings(g, s->save_settings);
    evs_put_head(g, sb);
    evs_put_pass1(g, st, rsum, rows, sb);
    struct evs_merged *m = merged_new(g, 1, err);
    if (!m)
        return -1;
    int rc = shard_bases(g, st, rows, m, err);
    if (rc == 0)
        rc = evs_each_window(g, "moments", "second", moments_window, m, err);
    evs_window_release(g);
    if (rc == 0) {
        merged_put(g, m, sb);
        if (strbuf_failed(sb) || strbuf_failed(s->save_settings))
            rc = ope_fail_oom(err);
    }
    evs_merged_free(m);
    return rc;
}

/* ---- merge ----------------------------------------------------------------------------- */

int evs_states_named(struct eng *g, const char *tail, struct ope_error *err)
{
    struct ssrc *s = g->self;
    /* The evaluation is rebuilt from the first state's options block; the settings
     * text the states were compared by must be what those options give, or a crafted
     * options block (an alpha of 1e-93: infinite intervals) would pass as the
     * settings the text names. */
    struct strbuf set = STRBUF_INIT;
    evs_settings(g, &set);
    strbuf_puts(&set, tail);
    int oom = strbuf_failed(&set);
    int same = !oom && s->n_merge && strcmp(strbuf_str(&set), s->merge[0]->settings) == 0;
    strbuf_release(&set);
    if (oom)
        return ope_fail_oom(err);
    if (!same)
        return ope_fail(err, OPE_EDATA, "%s: damaged state: its options are not the "
                        "settings it names; make it again",
                        s->n_merge ? s->merge[0]->name : "state");
    return 0;
}

int evs_merge_state_pass1(struct eng *g, size_t k, struct acc_state *st, struct ope_sum *rsum,
                          size_t *rows, struct ope_error *err)
{
    struct ssrc *s = g->self;
    struct sf_state *q = s->merge[k];
    size_t before = *rows;
    if (evs_merge_pass1_part(g, q, st, rsum, rows, err) != 0)
        return -1;
    /* The header's rows placed the state among the others: its blocks must hold
     * those rows, or the merge would count rows no shard has, or miss some. */
    uint64_t want = s->merge_rows[k];
    if (*rows - before != want || *rows < before)
        return ope_fail(err, OPE_EDATA, "%s: damaged state: its first pass holds %zu "
                        "rows, its header %llu; make it again", q->name, *rows - before,
                        (unsigned long long)want);
    return 0;
}

int evs_merge_states(struct eng *g, struct acc_state *st, struct ope_sum *rsum, size_t *rows,
                     struct ope_error *err)
{
    struct ssrc *s = g->self;
    if (evs_states_named(g, SHARD_STATE, err) != 0)
        return -1;
    evs_reset_pass1(g, st, rsum);
    *rows = 0;
    if (!(s->merged = merged_new(g, s->n_merge, err)))
        return -1;
    for (size_t k = 0; k < s->n_merge; k++) {
        struct sf_state *q = s->merge[k];
        if (evs_merge_state_pass1(g, k, st, rsum, rows, err) != 0 ||
            merged_get_merge(g, s->merged, k, q, s->merge_rows[k], err) != 0 ||
            sf_done(q, err) != 0)
            return -1;
    }
    return 0;
}

/* Whether v^T C v = q lost more than 6 of its digits to cancellation. C's entries are
 * right to rounding of their own size, so q's error is of the order of
 * u (sum_i |v_i| sqrt(C_ii))^2. It is large when the terms are nearly proportional:
 * snipw's (w r, w) with rewards far from 0 (reward + 1e6: the bound is 1e13 q, and the
 * sd was 3% to 9% off the single run's). The error is measured against q, or against
 * scale when larger (a difference of two policies whose contributions are equal on
 * every row has q = 0 in exact arithmetic: rounding of 1e-19 there is no loss next to
 * either policy's own sum of squares). */
static int mom_lossy(const struct evs_mom *m, const double *v, double q, double scale)
{
    double b = 0, ref = fmax(q, scale);
    for (size_t i = 0; i < m->d; i++)
        b += fabs(v[i]) * sqrt(fmax(m->c[i * m->d + i], 0.0));
    return ref > 0 && DBL_EPSILON * b * b > 1e-6 * ref;
}

/* The statistics of the contributions v . (reward, terms) + c0 over every row, from
 * moments m: n, the mean's sum, the sum of squared deviations (min and max are not
 * known: the intervals that need them are refused, s_check). 1 when the sum of
 * squares is not to be trusted (mom_lossy), else 0. */
static int stats_of(const struct evs_mom *m, const double *v, double c0, struct ci_stats_acc *q)
{
    double mean = c0;
    for (size_t i = 0; i < m->d; i++)
        mean += v[i] * m->mean[i];
    ci_stats_acc_init(q);
    q->n = (size_t)m->n;
    q->s.s = mean * (double)m->n;
    q->s.c = 0;
    q->min = q->max = NAN;
    q->m2 = mom_quad(m, v);
    return mom_lossy(m, v, q->m2, 0.0);
}

/* The coefficients of policy p's contributions to estimator e in shard q's variables
 * (its basis) added to v with sign (the reward's left alone), the constant to *c0:
 * c = a0 + a . t = a0 - k b0 + k c_q + sum_{j != piv} (a_j - k b_j) t_j with
 * k = a_piv / b_piv, c_q = b0 + b . t the variable the shard keeps for term piv.
 * 0, or -1 with err. */
static int coef_of(struct eng *g, const struct eng_sums *x, size_t q, size_t p, size_t e,
                   double sign, double *v, double *c0, struct ope_error *err)
{
    const struct ssrc *s = g->self;
    const struct est_spec *sp = &g->o->spec[e];
    size_t ns = g->o->n_spec;
    const struct evs_mom *m = &s->merged->mom[q * ns + e];
    const struct evs_basis *b = &s->merged->basis[(q * g->n_pol + p) * ns + e];
    size_t T = sp->d->n_terms, off = 1 + p * T;
    double a[EST_MAX_TERMS], a0;
    if (affine_of(sp, x->point + s->col[p * ns + e], (double)g->n, m->mean + off, &a0, a,
                  err) != 0)
        return -1;
    if (b->piv >= 0) {
        double k = a[b->piv] / b->a[b->piv];
        for (size_t j = 0; j < T; j++)
            a[j] = (int)j == b->piv ? k : a[j] - k * b->a[j];
        a0 -= k * b->a0;
    }
    for (size_t j = 0; j < T; j++)
        v[off + j] += sign * a[j];
    *c0 += sign * a0;
    return 0;
}

/* The statistics of policy p's contributions to estimator e, and of its lift (lift
 * set), or of the difference between policies p and p2 (p2 < n_pol), over every
 * shard's rows: each shard's from its own moments in its own basis, merged in row
 * order (ci_stats_acc_merge). *lossy: a shard's sum of squares lost digits
 * (mom_lossy, against scale when larger). v: scratch of the largest moments' size.
 * 0, or -1 with err. */
static int stats_over(struct eng *g, const struct eng_sums *x, size_t p, size_t p2, size_t e,
                      int lift, double *v, double scale, struct ci_stats_acc *out, int *lossy,
                      struct ope_error *err)
{
    const struct evs_merged *m = ((struct ssrc *)g->self)->merged;
    ci_stats_acc_init(out);
    *lossy = 0;
    for (size_t q = 0; q < m->n_shard; q++) {
        const struct evs_mom *mm = &m->mom[q * m->n_spec + e];
        double c0 = 0;
        memset(v, 0, mm->d * sizeof *v);
        if (coef_of(g, x, q, p, e, 1.0, v, &c0, err) != 0 ||
            (p2 < g->n_pol && coef_of(g, x, q, p2, e, -1.0, v, &c0, err) != 0))
            return -1;
        if (lift)
            v[0] = -1.0;    /* the lift: contribution minus the logged reward */
        struct ci_stats_acc one;
        stats_of(mm, v, c0, &one);
        *lossy |= mom_lossy(mm, v, one.m2, scale);
        ci_stats_acc_merge(out, &one);
        /* Finite co-moments can still overflow in v' C v (fuzz/shard_fuzz: a state's
         * moments near 1e300): no real shard's terms do, so it is damage. */
        if (!isfinite(one.m2) || !isfinite(out->m2) || !isfinite(ope_sum_value(&out->s)))
            return ope_fail(err, OPE_EDATA, "%s: damaged state: its co-moments give %s an "
                            "infinite variance; make it again",
                            ((struct ssrc *)g->self)->merge[q]->name, g->o->spec[e].label);
    }
    return 0;
}

int evs_merge_pass2(struct eng *g, const struct eng_sums *x, const struct eng_res *es,
                    struct sest *t, struct spol *tp, struct ope_error *err)
{
    struct ssrc *s = g->self;
    struct evs_merged *m = s->merged;
    size_t ns = g->o->n_spec, A = m->A, cells = m->n_ctx * A;
    for (size_t p = 0; p < g->n_pol; p++) {
        tp[p].truth = m->tp[p].truth;
        tp[p].w = m->tp[p].w;
        /* The mass on the (position, action) pairs no row of the whole log shows. */
        ope_sum_init(&tp[p].unsup);
        for (size_t c = 0; c < cells; c++) {
            size_t pos = c / A, a = c % A;
            int seen = s->support.seen && pos < s->support.n_ctx && a < s->support.n_actions &&
                       s->support.seen[pos * s->support.n_actions + a];
            if (!seen)
                ope_sum_add(&tp[p].unsup, ope_sum_value(&m->mass[p * cells + c]));
        }
    }
    size_t dmax = 1;
    for (size_t k = 0; k < m->n_shard * ns; k++)
        dmax = m->mom[k].d > dmax ? m->mom[k].d : dmax;
    double *v = ope_malloc(dmax * sizeof *v, err);
    if (!v)
        return -1;
    int rc = 0, l1, l2;
    size_t none = g->n_pol;
    for (size_t k = 0; rc == 0 && k < g->n_pol * ns; k++) {
        size_t p = k / ns, e = k % ns;
        t[k].wacc = m->wacc[k];
        if (!es[k].s.applies)
            continue;
        if (stats_over(g, x, p, none, e, 0, v, 0.0, &t[k].c, &l1, err) != 0 ||
            stats_over(g, x, p, none, e, 1, v, 0.0, &t[k].lift, &l2, err) != 0)
            rc = -1;
        else
            m->lossy[k] = (unsigned char)(l1 | l2);
    }
    /* The differences between two policies (--matrix) cancel more than either: every
     * pair is checked here, where the sums are known, so the warning can name them
     * (measured against the larger of the pair's own sums of squares). */
    for (size_t e = 0; rc == 0 && e < ns; e++)
        for (size_t p = 0; rc == 0 && p < g->n_pol; p++)
            for (size_t q = p + 1; rc == 0 && q < g->n_pol; q++) {
                if (!es[p * ns + e].s.applies || !es[q * ns + e].s.applies)
                    continue;
                struct ci_stats_acc st;
                double own = fmax(t[p * ns + e].c.m2, t[q * ns + e].c.m2) /
                             (double)(m->n_shard ? m->n_shard : 1);
                if (stats_over(g, x, p, q, e, 0, v, own, &st, &l1, err) != 0)
                    rc = -1;
                else if (l1) {
                    m->lossy[p * ns + e] |= 2;
                    m->lossy[q * ns + e] |= 2;
                }
            }
    free(v);
    return rc;
}

int evs_merge_warn(struct eng *g, struct res_eval *r)
{
    const struct evs_merged *m = ((struct ssrc *)g->self)->merged;
    size_t ns = g->o->n_spec;
    for (size_t p = 0; m && p < g->n_pol; p++) {
        struct strbuf own = STRBUF_INIT, diff = STRBUF_INIT;
        for (size_t e = 0; e < ns; e++) {
            if (m->lossy[p * ns + e] & 1)
                strbuf_printf(&own, "%s%s", own.len ? ", " : "", g->o->spec[e].label);
            if (m->lossy[p * ns + e] & 2)
                strbuf_printf(&diff, "%s%s", diff.len ? ", " : "", g->o->spec[e].label);
        }
        int rc = strbuf_failed(&own) || strbuf_failed(&diff) ? -1 : 0;
        if (rc == 0 && (own.len || diff.len))
            rc = res_warn(r, &r->pol[p], "merged from shards' states, the sd %s%s%s%s%s "
                          "lost more than 6 of its digits to rounding (their terms are "
                          "nearly proportional: rewards far from 0, such as an offset), so "
                          "their intervals are not reliable: subtract a constant from the "
                          "rewards before saving the shards, or evaluate the whole log in one "
                          "run", own.len ? "of each of " : "", strbuf_str(&own),
                          own.len && diff.len ? ", and " : "",
                          diff.len ? "of the differences from other policies of " : "",
                          strbuf_str(&diff));
        strbuf_release(&own);
        strbuf_release(&diff);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int evs_merge_diff(struct eng *g, const struct eng_sums *x, const struct res_diff *d,
                   size_t n_d, struct ci_stats_acc *q, struct ope_error *err)
{
    const struct evs_merged *m = ((struct ssrc *)g->self)->merged;
    size_t dmax = 1;
    for (size_t k = 0; k < m->n_shard * m->n_spec; k++)
        dmax = m->mom[k].d > dmax ? m->mom[k].d : dmax;
    double *v = ope_malloc(dmax * sizeof *v, err);
    int rc = v ? 0 : -1, lossy;
    for (size_t k = 0; rc == 0 && k < n_d; k++)
        rc = stats_over(g, x, d[k].a, d[k].b, d[k].e, 0, v, 0.0, &q[k], &lossy, err);
    free(v);
    return rc;
}
