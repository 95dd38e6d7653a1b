/* estimators/evstream_sums.c: --ci hoeffding and bernstein in a bandit log's shards
 * (ope eval --save-state, ope merge; issue 17). Those intervals take the observed
 * range of the contributions (and of the lift's and the differences' per-row terms),
 * each linearised at the whole log's sums: no co-moment gives a range, so a shard
 * cannot save them from its rows alone (--ci t needs only co-moments:
 * evstream_state.c). The shards find the sums first, in a round of the fit's loop:
 *
 *   1. each shard saves its pass 1 (kind EVAL_SUMS_PART_KIND): the options, the log's
 *      facts and evs_put_pass1's bytes, the same as an MPI rank sends;
 *   2. ope merge PARTS --model-state FIT merges them in row order, as the ranks do, and
 *      appends the whole log's pass 1 to FIT as a block (after the reward model's fit,
 *      when the shards fitted one);
 *   3. each shard runs again with FIT: pass 1 is that block, pass 2 reads its rows for
 *      the contributions at the whole log's sums (and pass 3 for the differences of
 *      the pairs the merge may name), and it saves their statistics (count,
 *      compensated sum, min, max, squared deviations);
 *   4. ope merge STATES --model-state FIT takes pass 1 from FIT and adds the
 *      statistics in row order, as MPI ranks add theirs.
 *
 * Which pairs of candidates --matrix compares is known only at the merge: their
 * estimates come from the whole log's sums (which the shard has), but an estimate is
 * undefined when none of the log's weights it uses is positive (evb_est_weights), and
 * a shard sees only its own weights. A policy undefined on the whole log is undefined
 * on every shard, so a shard that takes its top K + u policies (u: those undefined on
 * its rows alone) holds every pair of the whole log's top K.
 *
 * The round's block: tag "ope bandit sums 1", the evaluation's settings (evs_settings),
 * the length of the pass-1 bytes and the bytes. A shard's contributions (an evaluation
 * state, settings naming the block's SHA-256 as sums_fit=): the options and the log's
 * facts, its rows, pass 2's statistics (evs_put_pass2), then its pairs (a, b,
 * estimator and the statistics of c_a - c_b). */
#include "config.h"
#include "estimators/evstream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/accum.h"
#include "estimators/ci.h"
#include "estimators/evbandit.h"
#include "ope/base/sha256.h"
#include "ope/base/statefile.h"
#include "ope/base/sum.h"

#define SUMS_TAG "ope bandit sums 1"
#define PART_STATE "state=bandit sums pass\n"
#define CONTRIB_STATE "state=bandit contributions 1\n"

struct eval_sums {
    char *name;                 /* for messages: the fit's file */
    char *settings;             /* evs_settings of the evaluation the parts were made with */
    unsigned char *pass1;       /* the whole log's pass 1 (evs_put_pass1's bytes) */
    size_t len;
    char hex[65];               /* SHA-256 of the block: what the states name */
};

/* One state's differences (the merge). */
struct evs_pairs {
    size_t n;
    struct res_diff *d;         /* a, b, e */
    struct ci_stats_acc *q;
};

/* ---- the round's block ------------------------------------------------------------- */

void eval_sums_free(struct eval_sums *u)
{
    if (!u)
        return;
    free(u->name);
    free(u->settings);
    free(u->pass1);
    free(u);
}

const char *eval_sums_digest(const struct eval_sums *u)
{
    return u->hex;
}

int eval_sums_at(const struct sf_state *st)
{
    struct sf_state c = *st;
    char *tag = sf_get_str(&c);
    int at = tag && strcmp(tag, SUMS_TAG) == 0;
    free(tag);
    return at;
}

struct eval_sums *eval_sums_read(struct sf_state *st, struct ope_error *err)
{
    size_t start = st->off;
    char *tag = sf_get_str(st);
    int ok = tag && strcmp(tag, SUMS_TAG) == 0;
    free(tag);
    if (!ok && !st->bad) {
        ope_fail(err, OPE_EDATA, "%s: not the whole log's sums of a sums round (or of "
                 "another version): start the rounds again", st->name);
        return NULL;
    }
    struct eval_sums *u = ope_calloc(1, sizeof *u, err);
    if (!u)
        return NULL;
    u->settings = sf_get_str(st);
    uint64_t len = sf_get_u64(st);
    if (!st->bad && (len == 0 || len > sf_room(st, 1)))
        st->bad = 1;
    if (st->bad) {
        sf_done(st, err);
        eval_sums_free(u);
        return NULL;
    }
    if (!(u->name = ope_strdup(st->name, err)) || !(u->pass1 = ope_malloc(len, err))) {
        eval_sums_free(u);
        return NULL;
    }
    memcpy(u->pass1, st->data + st->off, len);
    st->off += len;
    u->len = len;
    sha256_hex(st->data + start, st->off - start, u->hex);
    return u;
}

/* The settings of the evaluation g with tail (one line or more) after them. 0, or -1
 * out of memory. */
static int settings_with(const struct eng *g, const char *tail, struct strbuf *sb)
{
    evs_settings(g, sb);
    strbuf_puts(sb, tail);
    return strbuf_failed(sb) ? -1 : 0;
}

/* ---- round 1: the shards' pass 1, and their merge ------------------------------------ */

int evs_sums_save_part(struct eng *g, const struct acc_state *st, const struct ope_sum *rsum,
                       size_t rows, struct ope_error *err)
{
    struct ssrc *s = g->self;
    if (settings_with(g, PART_STATE, s->save_settings) != 0)
        return ope_fail_oom(err);
    evs_put_head(g, s->save);
    evs_put_pass1(g, st, rsum, rows, s->save);
    return strbuf_failed(s->save) ? ope_fail_oom(err) : 0;
}

int evs_sums_merge_parts(struct eng *g, struct acc_state *st, struct ope_sum *rsum,
                         size_t *rows, struct ope_error *err)
{
    struct ssrc *s = g->self;
    if (evs_states_named(g, PART_STATE, err) != 0)
        return -1;
    evs_reset_pass1(g, st, rsum);
    *rows = 0;
    for (size_t k = 0; k < s->n_merge; k++)
        if (evs_merge_state_pass1(g, k, st, rsum, rows, err) != 0 ||
            sf_done(s->merge[k], err) != 0)
            return -1;
    struct strbuf one = STRBUF_INIT, set = STRBUF_INIT;
    evs_put_pass1(g, st, rsum, *rows, &one);
    int rc = settings_with(g, "", &set);
    sf_put_str(s->save, SUMS_TAG);
    sf_put_str(s->save, strbuf_str(&set));
    sf_put_u64(s->save, one.len);
    strbuf_add(s->save, one.buf ? one.buf : "", one.len);
    if (rc != 0 || strbuf_failed(&one) || strbuf_failed(s->save))
        rc = ope_fail_oom(err);
    strbuf_release(&one);
    strbuf_release(&set);
    return rc;
}

/* ---- round 2: pass 1 from the block ------------------------------------------------- */

int evs_sums_load(struct eng *g, struct acc_state *st, struct ope_sum *rsum, size_t *rows,
                  struct ope_error *err)
{
    struct ssrc *s = g->self;
    const struct eval_sums *u = s->sums;
    struct strbuf set = STRBUF_INIT;
    if (settings_with(g, "", &set) != 0) {
        strbuf_release(&set);
        return ope_fail_oom(err);
    }
    const char *x, *y;
    size_t lx, ly;
    int differ = sf_settings_diff(strbuf_str(&set), u->settings ? u->settings : "", &x, &lx,
                                  &y, &ly);
    int rc = 0;
    if (differ)
        rc = ope_fail(err, OPE_EDATA, "%s: %s other settings than the whole log's sums (%s) "
                      "were found with (%.*s against %.*s): run every shard with the "
                      "options of the sums round, or start the rounds again",
                      s->merge ? s->merge[0]->name : evs_path(g),
                      s->merge ? "the states were saved with" : "this shard is run with",
                      u->name, (int)(lx ? lx : 6), lx ? x : "(none)", (int)(ly ? ly : 6),
                      ly ? y : "(none)");
    strbuf_release(&set);
    if (rc != 0)
        return -1;
    if (s->merge) {
        char tail[128];
        snprintf(tail, sizeof tail, "sums_fit=%s\n%s", u->hex, CONTRIB_STATE);
        if (evs_states_named(g, tail, err) != 0)
            return -1;
    }
    evs_reset_pass1(g, st, rsum);
    *rows = 0;
    struct sf_state c;
    sf_cursor(&c, u->pass1, u->len, u->name, "ope-model-fit");
    if (evs_merge_pass1_part(g, &c, st, rsum, rows, err) != 0 || sf_done(&c, err) != 0)
        return -1;
    uint64_t total = 0;
    for (size_t k = 0; s->merge && k < s->n_merge; k++)
        total += s->merge_rows[k];
    if (s->merge && total != *rows)
        return ope_fail(err, OPE_EDATA, "%s: the whole log's sums hold %zu rows, and the "
                        "states %llu: merge the states of every shard the sums were found "
                        "from", u->name, *rows, (unsigned long long)total);
    return 0;
}

/* ---- round 2: a shard's contributions ----------------------------------------------- */

/* The estimates at the whole log's sums x (NaN where an estimator does not apply) into
 * es[k].value, and whether each is defined; u_max: the most policies an estimator
 * leaves undefined on this shard's rows alone (t: their pass 2; NULL in the merge). */
static void sums_values(struct eng *g, const struct eng_sums *x, const struct sest *t,
                        struct eng_res *es, unsigned char *defined, size_t *u_max)
{
    const struct ssrc *s = g->self;
    size_t ns = g->o->n_spec;
    *u_max = 0;
    for (size_t e = 0; e < ns; e++) {
        const struct est_spec *sp = &g->o->spec[e];
        size_t u = 0;
        for (size_t p = 0; p < g->n_pol; p++) {
            size_t k = p * ns + e;
            double v = s->applies[k] ? g->kind->value(g, p, e, x->point + s->col[k],
                                                      (double)g->n)
                                     : NAN;
            es[k].value = v;
            defined[k] = isfinite(v);
            struct eng_est own;
            memset(&own, 0, sizeof own);
            if (t && !isnan(v) && sp->d->weight) {
                evb_est_weights(sp, &t[k].wacc, &own);
                u += own.undefined != 0;
            }
        }
        *u_max = u > *u_max ? u : *u_max;
    }
}

int evs_sums_save_contribs(struct eng *g, const struct eng_sums *x, const struct sest *t,
                           const struct spol *tp, struct ope_error *err)
{
    struct ssrc *s = g->self;
    size_t n_pe = g->n_pol * g->o->n_spec, u_max = 0, n_d = 0;
    struct eng_res *es = ope_calloc(n_pe + 1, sizeof *es, err);
    unsigned char *defined = ope_calloc(n_pe + 1, 1, err);
    struct res_diff *d = NULL;
    struct ci_stats_acc *q = NULL;
    int rc = es && defined ? 0 : -1;
    if (rc == 0) {
        sums_values(g, x, t, es, defined, &u_max);
        /* The whole log's top K are among this shard's top K + u_max (above). */
        struct eval_opts o = *g->o;
        struct eng wide = *g;
        if (o.matrix_k >= 2)
            o.matrix_k += u_max;
        wide.o = &o;
        rc = eng_diff_pairs(&wide, es, &d, &n_d, err);
    }
    if (rc == 0 && !(q = ope_malloc((n_d + 1) * sizeof *q, err)))
        rc = -1;
    if (rc == 0)
        rc = evs_diff_fold(g, x, d, n_d, q, err);
    if (rc == 0) {
        char tail[128];
        snprintf(tail, sizeof tail, "sums_fit=%s\n%s", s->sums->hex, CONTRIB_STATE);
        struct strbuf *sb = s->save;
        if (settings_with(g, tail, s->save_settings) != 0)
            rc = ope_fail_oom(err);
        evs_put_head(g, sb);
        sf_put_u64(sb, s->local_rows);
        evs_put_pass2(g, t, tp, sb);
        sf_put_u64(sb, n_d);
        for (size_t j = 0; j < n_d; j++) {
            sf_put_u64(sb, d[j].a);
            sf_put_u64(sb, d[j].b);
            sf_put_u64(sb, d[j].e);
            ci_stats_acc_put(sb, &q[j]);
        }
        if (rc == 0 && strbuf_failed(sb))
            rc = ope_fail_oom(err);
    }
    free(es);
    free(defined);
    free(d);
    free(q);
    return rc;
}

/* ---- round 2: the merge ------------------------------------------------------------- */

void evs_pairs_free(struct evs_pairs *p, size_t n)
{
    for (size_t k = 0; p && k < n; k++) {
        free(p[k].d);
        free(p[k].q);
    }
    free(p);
}

/* State st's pairs into p (rows: its rows; defined: as sums_values). 0, or -1 with err. */
static int pairs_get(const struct eng *g, struct sf_state *st, uint64_t rows,
                     const unsigned char *defined, struct evs_pairs *p, struct ope_error *err)
{
    size_t ns = g->o->n_spec;
    /* each pair: three counts and a statistic of six numbers */
    p->n = (size_t)sf_get_count(st, 0, sf_room(st, 72));
    if (st->bad)
        return sf_done(st, err);
    p->d = ope_calloc(p->n + 1, sizeof *p->d, err);
    p->q = ope_calloc(p->n + 1, sizeof *p->q, err);
    if (!p->d || !p->q)
        return -1;
    for (size_t j = 0; j < p->n && !st->bad; j++) {
        struct res_diff *d = &p->d[j];
        d->a = (size_t)sf_get_count(st, 0, g->n_pol ? g->n_pol - 1 : 0);
        d->b = (size_t)sf_get_count(st, 0, g->n_pol ? g->n_pol - 1 : 0);
        d->e = (size_t)sf_get_count(st, 0, ns ? ns - 1 : 0);
        ci_stats_acc_get(st, &p->q[j]);
        int both = defined[d->a * ns + d->e] && defined[d->b * ns + d->e];
        if (!st->bad && (d->a == d->b || g->n_pol == 0 || ns == 0 || p->q[j].n != rows ||
                         (both && !ci_stats_acc_possible(&p->q[j]))))
            st->bad = 1;
    }
    return st->bad ? sf_done(st, err) : 0;
}

/* Whether merged statistics a add up to want: their mean is the whole log's estimate
 * (each bandit contribution is linearised at the whole log's sums, so the mean of the
 * contributions is the value combined from them; `ope eval --ci t`'s intervals are
 * centred on it to 1e-16), to rounding of the contributions' size. A re-sealed state
 * whose statistics pass each on its own (the SHA-256 only catches accidents) would
 * otherwise move an interval off its estimate. */
static int adds_up(const struct ci_stats_acc *a, double want)
{
    double mean = ope_sum_value(&a->s) / (double)a->n;
    double scale = fmax(fabs(a->min), fabs(a->max)) + fabs(want);
    return a->n > 0 && fabs(mean - want) <= 1e-9 * scale + 1e-300;
}

static int not_adding_up(struct eng *g, const char *what, size_t p, size_t e,
                         const struct ci_stats_acc *a, double want, struct ope_error *err)
{
    const struct ssrc *s = g->self;
    return ope_fail(err, OPE_EDATA, "the states (%s and %zu more): the statistics of %s of "
                    "'%s' by %s do not add up to the whole log's estimate (their mean %.17g, "
                    "the estimate %.17g): one of them is damaged or crafted; make them again",
                    s->merge[0]->name, s->n_merge - 1, what,
                    g->kind->policy_name(g, g->pol[p]), g->o->spec[e].label,
                    ope_sum_value(&a->s) / (double)a->n, want);
}

int evs_sums_merge_pass2(struct eng *g, const struct eng_sums *x, struct sest *t,
                         struct spol *tp, struct ope_error *err)
{
    struct ssrc *s = g->self;
    size_t n_pe = g->n_pol * g->o->n_spec, u_max;
    struct eng_res *es = ope_calloc(n_pe + 1, sizeof *es, err);
    unsigned char *defined = ope_calloc(n_pe + 1, 1, err);
    int rc = es && defined && (s->pairs = ope_calloc(s->n_merge + 1, sizeof *s->pairs, err))
             ? 0 : -1;
    if (rc == 0)
        sums_values(g, x, NULL, es, defined, &u_max);
    for (size_t k = 0; rc == 0 && k < s->n_merge; k++) {
        struct sf_state *st = s->merge[k];
        uint64_t rows = sf_get_u64(st);
        if (!st->bad && rows != s->merge_rows[k])
            rc = ope_fail(err, OPE_EDATA, "%s: damaged state: its contributions are of %llu "
                          "rows, its header says %llu; make it again", st->name,
                          (unsigned long long)rows, (unsigned long long)s->merge_rows[k]);
        else if (evs_merge_pass2_part(g, st, t, tp, rows, defined, err) != 0 ||
                 pairs_get(g, st, rows, defined, &s->pairs[k], err) != 0 ||
                 sf_done(st, err) != 0)
            rc = -1;
    }
    /* The lift's mean: the estimate less the logged policy's mean reward. */
    double vb = s->base_col < x->K ? x->point[s->base_col] / (double)g->n : NAN;
    size_t ns = g->o->n_spec;
    for (size_t k = 0; rc == 0 && k < n_pe; k++) {
        if (!defined[k])
            continue;
        if (!adds_up(&t[k].c, es[k].value))
            rc = not_adding_up(g, "the contributions", k / ns, k % ns, &t[k].c, es[k].value,
                               err);
        else if (!isnan(vb) && !adds_up(&t[k].lift, es[k].value - vb))
            rc = not_adding_up(g, "the lift's terms", k / ns, k % ns, &t[k].lift,
                               es[k].value - vb, err);
    }
    free(es);
    free(defined);
    return rc;
}

int evs_sums_diff(struct eng *g, const struct res_diff *d, size_t n_d, struct ci_stats_acc *q,
                  struct ope_error *err)
{
    struct ssrc *s = g->self;
    for (size_t j = 0; j < n_d; j++)
        for (size_t k = 0; k < s->n_merge; k++) {
            const struct evs_pairs *p = &s->pairs[k];
            size_t i = 0;
            while (i < p->n && (p->d[i].a != d[j].a || p->d[i].b != d[j].b ||
                                p->d[i].e != d[j].e))
                i++;
            if (i == p->n)
                return ope_fail(err, OPE_EDATA, "%s: damaged state: it has no statistics of "
                                "the difference between '%s' and '%s' by %s, which the whole "
                                "log's estimates compare; make it again", s->merge[k]->name,
                                g->kind->policy_name(g, g->pol[d[j].a]),
                                g->kind->policy_name(g, g->pol[d[j].b]),
                                g->o->spec[d[j].e].label);
            ci_stats_acc_merge(&q[j], &p->q[i]);
        }
    for (size_t j = 0; j < n_d; j++)
        if (isfinite(d[j].diff) && !adds_up(&q[j], d[j].diff))
            return not_adding_up(g, "the differences from another policy", d[j].a, d[j].e,
                                 &q[j], d[j].diff, err);
    return 0;
}
