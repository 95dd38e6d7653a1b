/* estimators/evstream_share.c: the streamed bandit source across the ranks of an MPI
 * job (mpirun -np N ope eval, issue 17). Each rank reads the windows of its own rows;
 * at the end of each pass the ranks agree on the outcome, send each other their pass
 * state (sealed as a state container, ope/base/statefile.h) and merge all of them in
 * rank order into a fresh state. Every rank merges the same bytes in the same order,
 * so every rank then holds the same whole-log state and the rest of the evaluation is
 * the single process's, on every rank (rank 0 writes it). The accumulator's sums merge
 * to the same bits (order-free sums over whole chunks, accum.h); the compensated
 * means, the sd and the weights' moments merge to rounding (Chan et al.). */
#include "config.h"
#include "estimators/evstream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/accum.h"
#include "estimators/ci.h"
#include "estimators/rmodel.h"
#include "estimators/rmstream.h"
#include "ope/base/comm.h"
#include "ope/base/json.h"
#include "ope/base/statefile.h"
#include "ope/base/strbuf.h"

/* The most columns a pass-1 state may declare (a damaged count must not size an
 * allocation): far above any evaluation's (policies x estimators x terms). */
#define SHARE_MAX_K ((uint64_t)1 << 24)

int evs_share_refuse(const struct eng *g, struct ope_error *err)
{
    if (comm_size() > 1 && g->o->ci == CI_CS)
        return ope_fail(err, OPE_EUSAGE, "--ci cs: a confidence sequence folds every row in "
                        "order in one process, so it is not split across %d MPI ranks: run "
                        "without mpirun, or choose another --ci", comm_size());
    return 0;
}

/* Agree on rc, then (several ranks) gather every rank's payload sealed as kind (in
 * *sealed, or a buffer of its own when sealed is NULL): the parts into *all, their
 * lengths into len[comm_size()]. 1: gathered; 0: alone (nothing to merge); -1 with
 * err. */
static int gather(int rc, const char *kind, const char *settings, const struct strbuf *payload,
                  struct strbuf *sealed, struct strbuf *all, size_t **len,
                  struct ope_error *err)
{
    /* The lengths' room is part of what the ranks agree on, so no rank enters the
     * allgather without it. */
    if (rc == 0 && comm_size() > 1 &&
        !(*len = ope_calloc((size_t)comm_size(), sizeof **len, err)))
        rc = -1;
    if (comm_agree(rc, err) != 0)
        return -1;
    if (comm_size() == 1)
        return 0;
    struct strbuf own;
    strbuf_init(&own);
    if (!sealed)
        sealed = &own;
    int r = strbuf_failed(payload) ? ope_fail_oom(err)
                                   : sf_seal(sealed, kind, settings, payload, err);
    /* Every rank reaches the allgather (a rank short of memory sends nothing and says
     * so in the agreement after it). */
    const struct strbuf *mine = r == 0 ? sealed : payload;
    int g = comm_allgather(mine->buf ? mine->buf : "", r == 0 ? mine->len : 0, all, *len,
                           err);
    strbuf_release(&own);
    return comm_agree(r == 0 && g == 0 ? 0 : -1, err) == 0 ? 1 : -1;
}

/* Open part r of the gathered bytes as a state of kind, read in place (all must outlive
 * it), named in its messages by name[PART_NAME] (the caller's: the state keeps a
 * pointer to it until it is closed). */
#define PART_NAME 32
static int part_open(struct sf_state *st, char *name, const struct strbuf *all,
                     const size_t *len, int r, const char *kind, struct ope_error *err)
{
    size_t off = 0;
    for (int q = 0; q < r; q++)
        off += len[q];
    snprintf(name, PART_NAME, "rank %d", r);
    return sf_open_view(st, all->buf + off, len[r], name, kind, err);
}

/* ---- the log's first window -------------------------------------------------------- */

int evs_share_open(struct ssrc *s, int rc, struct ope_error *err)
{
    struct strbuf pay, all;
    strbuf_init(&pay);
    strbuf_init(&all);
    size_t *len = NULL;
    if (rc >= 0 && comm_size() > 1) {
        sf_put_u64(&pay, (uint64_t)rc);
        if (rc == 1) {
            sf_put_u64(&pay, s->n_policies);
            sf_put_u64(&pay, (uint64_t)s->n_actions);
            sf_put_u64(&pay, (uint64_t)s->has_qhat);
            sf_put_u64(&pay, (uint64_t)s->has_q);
            for (size_t q = 0; q < s->n_policies; q++)
                sf_put_str(&pay, s->names[q]);
        }
    }
    int r = gather(rc < 0 ? -1 : 0, "bandit-open", "", &pay, NULL, &all, &len, err);
    if (r == 0)
        r = rc;             /* alone */
    else if (r == 1) {
        /* The first rank with rows; a rank without rows takes its facts. */
        r = 0;
        for (int q = 0; q < comm_size() && r == 0; q++) {
            struct sf_state ps;
            char name[PART_NAME];
            if (part_open(&ps, name, &all, len, q, "bandit-open", err) != 0) {
                r = -1;
                break;
            }
            if (sf_get_count(&ps, 0, 1) == 1) {
                for (size_t k = 0; s->names && k < s->n_policies; k++)
                    free(s->names[k]);
                free(s->names);
                s->names = NULL;
                s->n_policies = (size_t)sf_get_count(&ps, 0, 1 << 20);
                s->n_actions = (int)sf_get_count(&ps, 0, 1 << 30);
                s->has_qhat = (int)sf_get_count(&ps, 0, 1);
                s->has_q = (int)sf_get_count(&ps, 0, 1);
                if (!ps.bad && !(s->names = ope_calloc(s->n_policies + 1, sizeof *s->names,
                                                       err)))
                    r = -1;
                for (size_t k = 0; r == 0 && !ps.bad && k < s->n_policies; k++)
                    s->names[k] = sf_get_str(&ps);
                if (r == 0)
                    r = sf_done(&ps, err) == 0 ? 1 : -1;
            }
            sf_close(&ps);
        }
        if (comm_agree(r < 0 ? -1 : 0, err) != 0)
            r = -1;
    }
    strbuf_release(&pay);
    strbuf_release(&all);
    free(len);
    return r;
}

/* ---- pass 1 --------------------------------------------------------------------- */

void evs_put_pass1(const struct eng *g, const struct acc_state *st,
                      const struct ope_sum *rsum, size_t rows, struct strbuf *sb)
{
    const struct ssrc *s = g->self;
    size_t n_pe = g->n_pol * g->o->n_spec;
    sf_put_u64(sb, rows);
    sf_put_u64(sb, st->point != NULL);
    if (st->point) {
        sf_put_u64(sb, st->K);
        acc_put(sb, st);
        for (size_t k = 0; k < n_pe; k++)
            sf_put_u64(sb, s->col[k]);
        sf_put_u64(sb, s->base_col);
    }
    sf_put_sum(sb, rsum);
    sf_put_f64(sb, s->rmin);
    sf_put_f64(sb, s->rmax);
    for (size_t p = 0; p < g->n_pol; p++)
        sf_put_f64(sb, s->wmax[p]);
    diag_support_put(sb, &s->support);
    for (size_t k = 0; k < n_pe; k++) {
        sf_put_u64(sb, (uint64_t)s->applies[k]);
        sf_put_str(sb, s->why + k * EVS_WHY);
        for (size_t j = 0; j < EST_APPLIES_ACC; j++)
            sf_put_f64(sb, s->app_acc[k * EST_APPLIES_ACC + j]);
    }
}

/* The empty pass-1 state that the ranks' states are merged into. */
void evs_reset_pass1(struct eng *g, struct acc_state *st, struct ope_sum *rsum)
{
    struct ssrc *s = g->self;
    size_t n_pe = g->n_pol * g->o->n_spec;
    acc_release(st);
    memset(st, 0, sizeof *st);
    ope_sum_init(rsum);
    s->rmin = INFINITY;
    s->rmax = -INFINITY;
    for (size_t p = 0; p < g->n_pol; p++)
        s->wmax[p] = 0.0;
    diag_support_release(&s->support);
    memset(&s->support, 0, sizeof s->support);
    for (size_t k = 0; k < n_pe; k++) {
        s->applies[k] = 1;
        s->why[k * EVS_WHY] = '\0';
    }
    memset(s->app_acc, 0, n_pe * EST_APPLIES_ACC * sizeof *s->app_acc);
}

/* Whether each estimator applies, merged: the first rank (in row order) that says it
 * does not apply gives the reason; else a folded verdict merges its fold, and any
 * other keeps the caveat of the first rank with rows (the log's first window). */
static void merge_applies(struct eng *g, size_t k, int from_applies, const char *from_why,
                          const double *from_acc, int into_has_rows)
{
    struct ssrc *s = g->self;
    const struct est_desc *d = g->o->spec[k % g->o->n_spec].d;
    char *why = s->why + k * EVS_WHY;
    if (!s->applies[k])
        return;
    if (!from_applies) {
        s->applies[k] = 0;
        snprintf(why, EVS_WHY, "%s", from_why);
    } else if (d->applies_fold) {
        if (d->applies_merge)
            d->applies_merge(s->app_acc + k * EST_APPLIES_ACC, from_acc);
    } else if (!into_has_rows) {
        snprintf(why, EVS_WHY, "%s", from_why);
    }
}

int evs_merge_pass1_part(struct eng *g, struct sf_state *st, struct acc_state *acc,
                         struct ope_sum *rsum, size_t *rows, struct ope_error *err)
{
    struct ssrc *s = g->self;
    size_t n_pe = g->n_pol * g->o->n_spec;
    size_t r_rows = (size_t)sf_get_u64(st);
    int into_has_rows = *rows > 0;
    if (sf_get_count(st, 0, 1)) {
        size_t K = (size_t)sf_get_count(st, 1, SHARE_MAX_K);
        struct acc_state a;
        if (st->bad)
            return sf_done(st, err);
        if (acc_get(st, &a, K, g->B, err) != 0)
            return -1;
        if (!acc->point) {
            *acc = a;
        } else {
            if (acc->K != K) {
                acc_release(&a);
                return ope_fail(err, OPE_EDATA, "%s: its accumulator has %zu columns, the "
                                "others' %zu", st->name, K, acc->K);
            }
            acc_merge(acc, &a);
            acc_release(&a);
        }
        for (size_t k = 0; k < n_pe; k++)
            s->col[k] = (size_t)sf_get_count(st, 0, K - 1);
        s->base_col = (size_t)sf_get_count(st, 0, K);
    }
    struct ope_sum rs;
    sf_get_sum(st, &rs);
    ope_sum_merge(rsum, &rs);
    double lo = sf_get_f64(st), hi = sf_get_f64(st);
    if (isnan(lo) || isnan(hi))
        st->bad = 1;
    s->rmin = lo < s->rmin ? lo : s->rmin;
    s->rmax = hi > s->rmax ? hi : s->rmax;
    for (size_t p = 0; p < g->n_pol; p++) {
        double w = sf_get_f64(st);
        if (isnan(w))
            st->bad = 1;
        s->wmax[p] = w > s->wmax[p] ? w : s->wmax[p];
    }
    struct diag_support sup;
    if (diag_support_get(st, &sup, (size_t)1 << 30, err) != 0)
        return -1;
    int rc = diag_support_merge(&s->support, &sup, err);
    diag_support_release(&sup);
    if (rc != 0)
        return -1;
    for (size_t k = 0; k < n_pe; k++) {
        int ap = sf_get_count(st, 0, 1) != 0;
        char *why = sf_get_str(st);
        double app[EST_APPLIES_ACC];
        for (size_t j = 0; j < EST_APPLIES_ACC; j++)
            app[j] = sf_get_f64(st);
        if (why && r_rows > 0)
            merge_applies(g, k, ap, why, app, into_has_rows);
        free(why);
    }
    *rows += r_rows;
    return st->bad ? sf_done(st, err) : 0;
}

static int merge_pass1(struct eng *g, struct sf_state *st, struct acc_state *acc,
                       struct ope_sum *rsum, size_t *rows, struct ope_error *err)
{
    return evs_merge_pass1_part(g, st, acc, rsum, rows, err) != 0 ? -1 : sf_done(st, err);
}

/* What must be the same on every rank for their states to merge: the options that
 * shape the state or its use (another estimator list, seed or policy on one rank, as
 * an MPMD command line may give, would be merged into nonsense), one per line. */
void evs_settings(const struct eng *g, struct strbuf *sb)
{
    const struct eval_opts *o = g->o;
    strbuf_puts(sb, "estimators=");
    for (size_t e = 0; e < o->n_spec; e++)
        strbuf_printf(sb, "%s%s", e ? "," : "", o->spec[e].label);
    strbuf_puts(sb, "\npolicies=");
    for (size_t p = 0; p < g->n_pol; p++)
        strbuf_printf(sb, "%s%s", p ? "," : "", g->kind->policy_name((struct eng *)g,
                                                                     g->pol[p]));
    /* ci before n_boot: --ci t on one shard makes both differ, and the message names
     * the first; numbers in their shortest exact spelling (alpha=0.1, not
     * 0.10000000000000001), which tells the same doubles apart as %.17g does. */
    char alpha[40], lo[40], hi[40];
    ope_format_double(alpha, sizeof alpha, o->alpha);
    ope_format_double(lo, sizeof lo, o->bound_lo);
    ope_format_double(hi, sizeof hi, o->bound_hi);
    strbuf_printf(sb, "\nci=%s\nseed=%llu\nn_boot=%zu\nalpha=%s\nbounds=%s,%s\n"
                  "against=%s\nmatrix=%zu\n", ci_method_name((enum ci_method)o->ci),
                  (unsigned long long)o->seed, g->B, alpha, lo, hi,
                  o->against ? o->against : "logged", o->matrix_k);
    /* A reward model fitted across ranks or shards: its options too, and the fit the
     * shards' evaluation states were made with (its digest: evstream_fit.c). */
    const struct ssrc *s = g->self;
    if (s->fit || s->fit_hex[0]) {
        /* ope merge has them from the states, not from its command line */
        const struct rm_opts *mo = s->merge ? &s->fit_opts : &o->model;
        char lambda[40];
        ope_format_double(lambda, sizeof lambda, mo->lambda);
        strbuf_printf(sb, "reward_model=%s\nfolds=%d%s\nmodel_lambda=%s\n",
                      rm_kind_name(mo->kind), mo->folds,
                      mo->folds_up_to_rows ? " (default)" : "", lambda);
    }
    if (s->fit_hex[0])
        strbuf_printf(sb, "model_fit=%s\n", s->fit_hex);
}

/* The gathered parts of kind, each checked against rank 0's settings before any is
 * read, then reset and merged in rank order (the rows' order) by merge(ctx, part) --
 * reset on the first call, q == 0. 0, or -1 with err, agreed by every rank. */
static int merge_parts(const struct strbuf *all, const size_t *len, const char *kind,
                       int (*merge)(void *ctx, int q, struct sf_state *part,
                                    struct ope_error *err),
                       void *ctx, struct ope_error *err)
{
    /* Each part is opened (its SHA-256 checked) once, in place. */
    int n = comm_size();
    struct sf_state *ps = ope_calloc((size_t)n, sizeof *ps, err);
    char (*name)[PART_NAME] = ope_calloc((size_t)n, sizeof *name, err);
    int bad = ps && name ? 0 : -1;
    for (int q = 0; q < n && bad == 0; q++) {
        bad = part_open(&ps[q], name[q], all, len, q, kind, err);
        if (bad == 0 && q > 0)
            bad = sf_rank_settings(ps[q].name, ps[q].settings, ps[0].settings, err);
    }
    for (int q = 0; q < n && bad == 0; q++)
        bad = merge(ctx, q, &ps[q], err);
    for (int q = 0; ps && q < n; q++)
        sf_close(&ps[q]);
    free(ps);
    free(name);
    return comm_agree(bad, err) == 0 ? 0 : -1;
}

struct pass1_parts {
    struct eng *g;
    struct acc_state *st;
    struct ope_sum *rsum;
    size_t *rows;
};

static int merge_pass1_cb(void *ctx, int q, struct sf_state *part, struct ope_error *err)
{
    struct pass1_parts *c = ctx;
    if (q == 0) {
        evs_reset_pass1(c->g, c->st, c->rsum);
        *c->rows = 0;
    }
    return merge_pass1(c->g, part, c->st, c->rsum, c->rows, err);
}

static int merge_fit_cb(void *ctx, int q, struct sf_state *part, struct ope_error *err)
{
    if (q == 0)
        rms_reset_pass(ctx);
    return rms_merge_part(ctx, part, err);
}

/* Agree on rc, then (several ranks) every rank's part, put(ctx) with the settings,
 * gathered as kind and merged in rank order (merge_parts). 0, or -1 with err. */
static int share_parts(struct eng *g, int rc, const char *kind,
                       void (*put)(void *ctx, struct strbuf *sb),
                       int (*merge)(void *ctx, int q, struct sf_state *part,
                                    struct ope_error *err),
                       void *ctx, struct ope_error *err)
{
    /* The source's buffers, kept for the next pass (a model makes many) */
    struct ssrc *s = g->self;
    struct strbuf *pay = &s->share_pay, *all = &s->share_all, set;
    strbuf_reset(pay);
    strbuf_init(&set);
    size_t *len = NULL;
    if (rc == 0 && comm_size() > 1) {
        put(ctx, pay);
        evs_settings(g, &set);
    }
    int r = gather(rc, kind, strbuf_failed(&set) ? "" : strbuf_str(&set), pay,
                   &s->share_sealed, all, &len, err);
    if (r == 1)
        r = merge_parts(all, len, kind, merge, ctx, err);
    /* a failed buffer is given up, not kept failed */
    if (strbuf_failed(pay))
        strbuf_release(pay);
    if (strbuf_failed(all))
        strbuf_release(all);
    if (strbuf_failed(&s->share_sealed))
        strbuf_release(&s->share_sealed);
    strbuf_release(&set);
    free(len);
    return r < 0 ? -1 : 0;
}

static void put_pass1_cb(void *ctx, struct strbuf *sb)
{
    struct pass1_parts *c = ctx;
    evs_put_pass1(c->g, c->st, c->rsum, *c->rows, sb);
}

int evs_share_pass1(struct eng *g, int rc, struct acc_state *st, struct ope_sum *rsum,
                    size_t *rows, struct ope_error *err)
{
    struct pass1_parts c = { g, st, rsum, rows };
    return share_parts(g, rc, "bandit-pass1", put_pass1_cb, merge_pass1_cb, &c, err);
}

/* ---- the reward model's passes ----------------------------------------------------- */

static void put_fit_cb(void *ctx, struct strbuf *sb)
{
    rms_put_pass(ctx, sb);
}

int evs_share_fit(struct eng *g, int rc, struct rms *m, struct ope_error *err)
{
    return share_parts(g, rc, "bandit-fit", put_fit_cb, merge_fit_cb, m, err);
}

/* ---- pass 2 --------------------------------------------------------------------- */

void evs_put_pass2(const struct eng *g, const struct sest *t, const struct spol *tp,
                   struct strbuf *sb)
{
    size_t n_pe = g->n_pol * g->o->n_spec;
    for (size_t k = 0; k < n_pe; k++) {
        ci_stats_acc_put(sb, &t[k].c);
        ci_stats_acc_put(sb, &t[k].lift);
        diag_acc_put(sb, &t[k].wacc);
    }
    for (size_t p = 0; p < g->n_pol; p++) {
        sf_put_sum(sb, &tp[p].truth);
        sf_put_sum(sb, &tp[p].unsup);
        diag_acc_put(sb, &tp[p].w);
    }
}

int evs_merge_pass2_part(const struct eng *g, struct sf_state *st, struct sest *t,
                         struct spol *tp, uint64_t rows, const unsigned char *defined,
                         struct ope_error *err)
{
    const struct ssrc *s = g->self;
    size_t n_pe = g->n_pol * g->o->n_spec;
    for (size_t k = 0; k < n_pe; k++) {
        struct sest x;
        ci_stats_acc_get(st, &x.c);
        ci_stats_acc_get(st, &x.lift);
        diag_acc_get(st, &x.wacc);
        /* A state's (not a rank's): every row of an estimator that applies, and
         * statistics real contributions can have (but those of an estimate the sums
         * leave undefined, whose contributions are NaN). */
        if (defined && !st->bad) {
            uint64_t want = s->applies[k] ? rows : 0;
            if (x.c.n != want || x.lift.n != want ||
                (want && defined[k] && (!ci_stats_acc_possible(&x.c) ||
                                        !ci_stats_acc_possible(&x.lift))))
                st->bad = 1;
        }
        ci_stats_acc_merge(&t[k].c, &x.c);
        ci_stats_acc_merge(&t[k].lift, &x.lift);
        diag_acc_merge(&t[k].wacc, &x.wacc);
    }
    for (size_t p = 0; p < g->n_pol; p++) {
        struct spol x;
        sf_get_sum(st, &x.truth);
        sf_get_sum(st, &x.unsup);
        diag_acc_get(st, &x.w);
        ope_sum_merge(&tp[p].truth, &x.truth);
        ope_sum_merge(&tp[p].unsup, &x.unsup);
        diag_acc_merge(&tp[p].w, &x.w);
    }
    return st->bad ? sf_done(st, err) : 0;
}

int evs_share_pass2(struct eng *g, int rc, struct sest *t, struct spol *tp,
                    struct ope_error *err)
{
    struct strbuf pay, all;
    strbuf_init(&pay);
    strbuf_init(&all);
    size_t *len = NULL;
    if (rc == 0 && comm_size() > 1)
        evs_put_pass2(g, t, tp, &pay);
    int r = gather(rc, "bandit-pass2", "", &pay, NULL, &all, &len, err);
    if (r == 1) {
        size_t n_pe = g->n_pol * g->o->n_spec;
        for (size_t k = 0; k < n_pe; k++) {
            ci_stats_acc_init(&t[k].c);
            ci_stats_acc_init(&t[k].lift);
            diag_acc_init(&t[k].wacc);
        }
        for (size_t p = 0; p < g->n_pol; p++) {
            ope_sum_init(&tp[p].truth);
            ope_sum_init(&tp[p].unsup);
            diag_acc_init(&tp[p].w);
        }
        int m = 0;
        for (int q = 0; q < comm_size() && m == 0; q++) {
            struct sf_state ps;
            char name[PART_NAME];
            m = part_open(&ps, name, &all, len, q, "bandit-pass2", err);
            if (m == 0)
                m = evs_merge_pass2_part(g, &ps, t, tp, 0, NULL, err) != 0 ? -1
                                                                         : sf_done(&ps, err);
            sf_close(&ps);
        }
        r = comm_agree(m, err) == 0 ? 0 : -1;
    }
    strbuf_release(&pay);
    strbuf_release(&all);
    free(len);
    return r < 0 ? -1 : 0;
}

/* ---- pass 3 --------------------------------------------------------------------- */

int evs_share_diff(struct eng *g, int rc, struct ci_stats_acc *q, size_t n_d,
                   struct ope_error *err)
{
    (void)g;
    struct strbuf pay, all;
    strbuf_init(&pay);
    strbuf_init(&all);
    size_t *len = NULL;
    for (size_t k = 0; rc == 0 && comm_size() > 1 && k < n_d; k++)
        ci_stats_acc_put(&pay, &q[k]);
    int r = gather(rc, "bandit-pass3", "", &pay, NULL, &all, &len, err);
    if (r == 1) {
        for (size_t k = 0; k < n_d; k++)
            ci_stats_acc_init(&q[k]);
        int m = 0;
        for (int p = 0; p < comm_size() && m == 0; p++) {
            struct sf_state ps;
            char name[PART_NAME];
            m = part_open(&ps, name, &all, len, p, "bandit-pass3", err);
            for (size_t k = 0; m == 0 && k < n_d; k++) {
                struct ci_stats_acc x;
                ci_stats_acc_get(&ps, &x);
                ci_stats_acc_merge(&q[k], &x);
            }
            if (m == 0)
                m = sf_done(&ps, err);
            sf_close(&ps);
        }
        r = comm_agree(m, err) == 0 ? 0 : -1;
    }
    strbuf_release(&pay);
    strbuf_release(&all);
    free(len);
    return r < 0 ? -1 : 0;
}
