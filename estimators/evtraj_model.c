/* estimators/evtraj_model.c: the models of a trajectory log read in windows -- dm, dr
 * and wdr's value model (tabular FQE, fqetab.h; linear-fqe and lstd, lintab.h) and mis's
 * state ratios (mistab.h) -- as tables of sums: made empty, written as bytes, added from
 * bytes (an MPI rank's, a shard's part of the models' pass, a fit's state), and solved.
 * Every part of them is a sum, so the tables of the log's pieces added in episode order
 * are the whole log's (evtraj.h). */
#include "config.h"
#include "estimators/evtraj.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/vmodel.h"
#include "estimators/vmtd.h"
#include "ope/base/sha256.h"

/* dm's (tabular FQE) and mis's copies: 1 + B when they refit on every resample. */
static void copies(const struct eng *g, const struct tss *t, size_t *rf, size_t *rm)
{
    int fqe = t->model && !t->lin;
    *rf = *rm = 1;
    for (size_t e = 0; e < g->o->n_spec; e++) {
        const struct est_desc *d = g->o->spec[e].d;
        if (d->traj_resample && d->needs_model && fqe)
            *rf = 1 + g->B;
        else if (d->traj_resample && !d->needs_model)
            *rm = 1 + g->B;
    }
}

int evtraj_model_init(const struct eng *g, const struct tss *t, struct fqe_tab *fq,
                      struct mis_tab *mt, struct ope_error *err)
{
    size_t rf, rm, mb = g->o->model.max_bytes;
    copies(g, t, &rf, &rm);
    if (t->model && !t->lin &&
        fqe_tab_init(fq, (size_t)t->n_actions, g->n_pol, g->pol, rf, mb, err) != 0)
        return -1;
    return t->mis ? mis_tab_init(mt, g->n_pol, rm, mb, err) : 0;
}

void evtraj_model_put(const struct tss *t, struct strbuf *sb)
{
    if (t->model && !t->lin)
        fqe_tab_put(&t->fq, sb);
    if (t->lin) {
        /* The linear sums' width is the features' (set by the first window): none
         * when no window was read. */
        sf_put_u64(sb, t->lt.m.s ? 1 + t->lt.nf : 0);
        if (t->lt.m.s)
            lin_tab_put(&t->lt, sb);
    }
    if (t->mis)
        mis_tab_put(&t->mt, sb);
}

int evtraj_model_lin_init(const struct eng *g, const struct tss *t, struct lin_tab *lt,
                          size_t nf, struct ope_error *err)
{
    /* td and gtd2 head for LSTD's fixed point: its sums check them (evtraj_td.c). */
    return lin_tab_init(lt, t->to->vm.kind != VM_LINEAR_FQE, (size_t)t->n_actions, nf, g->n_pol,
                        g->pol, t->gamma, g->o->model.max_bytes, t->path, err);
}

int evtraj_model_fold(const struct eng *g, const struct tss *t, struct fqe_tab *fq,
                      struct lin_tab *lt, struct mis_tab *mt, struct sf_state *st,
                      struct ope_error *err)
{
    struct fqe_tab b;
    memset(&b, 0, sizeof b);
    struct lin_tab l;
    memset(&l, 0, sizeof l);
    int rc = 0, fqe = t->model && !t->lin;
    if (fqe) {
        rc = fqe_tab_init(&b, fq->A, fq->P, fq->pol, fq->R, fq->max_bytes, err);
        if (rc == 0)
            rc = fqe_tab_get(&b, st, err);
    }
    /* A rank that read no window has no linear sums (their width is the features'). */
    size_t nf1 = rc == 0 && t->lin ? (size_t)sf_get_count(st, 0, (uint64_t)1 << 20) : 0;
    if (rc == 0 && nf1 && !lt->m.s)
        rc = evtraj_model_lin_init(g, t, lt, nf1 - 1, err);
    if (rc == 0 && nf1 && lt->nf != nf1 - 1)
        rc = ope_fail(err, OPE_EDATA, "%s: damaged state: another number of features",
                      st->name);
    if (rc == 0 && nf1 && (rc = evtraj_model_lin_init(g, t, &l, nf1 - 1, err)) == 0)
        rc = lin_tab_get(&l, st, err);
    /* mis's tables are the largest (a state x next-state table per step, policy and
     * resample): added from the bytes straight into the merged ones. */
    if (rc == 0 && t->mis)
        rc = mis_tab_add_put(mt, st, err);
    if (rc == 0)
        rc = sf_done(st, err);
    if (rc == 0 && fqe)
        rc = fqe_tab_merge(fq, &b, err);
    if (rc == 0 && nf1)
        rc = lin_tab_merge(lt, &l, err);
    fqe_tab_release(&b);
    lin_tab_release(&l);
    return rc;
}

int evtraj_model_solve(struct eng *g, struct tss *t, struct ope_error *err)
{
    size_t A = (size_t)t->n_actions, mb = g->o->model.max_bytes;
    int fqe = t->model && !t->lin;
    if (t->lin && !t->lt.m.s)
        return ope_fail(err, OPE_EDATA, "%s: no episodes after the header",
                        t->path ? t->path : "log");
    t->QT = t->lin ? t->lt.T : t->model ? t->fq.T : t->mt.T;
    t->QS = t->fq.S;
    t->MS = t->mt.S;
    size_t cells = (size_t)t->QT * t->QS * A, wcells = (size_t)t->QT * t->MS;
    size_t nth = t->lin ? lin_tab_theta_size(&t->lt) : 0;
    if (t->lin && mb && 8.0 * (double)nth * (double)g->n_pol > (double)mb)
        return ope_fail(err, OPE_EDATA, "%s: linear-fqe's parameters per step take %.1f MB "
                        "for %zu policies over the horizon of %d steps, past the memory "
                        "budget of %.1f MB: evaluate fewer policies (--policy), or use "
                        "--value-model lstd (one set of parameters)", t->path ? t->path : "log",
                        8.0 * (double)nth * (double)g->n_pol / 1048576.0, g->n_pol, t->lt.T,
                        (double)mb / 1048576.0);
    /* The solved tables: small beside the sums they come from, unless a state's horizon
     * is not a log's (a crafted fit must not size a huge allocation). */
    double solved = 8.0 * (double)g->n_pol * (double)t->QT *
                    ((fqe ? (double)t->QS * (double)A : 0.0) + (t->mis ? (double)t->MS : 0.0));
    if (mb && solved > (double)mb)
        return ope_fail(err, OPE_EDATA, "%s: the models solved over the horizon of %d steps "
                        "take %.1f MB for %zu policies, past the memory budget of %.1f MB: "
                        "evaluate fewer policies (--policy)", t->path ? t->path : "log",
                        t->QT, solved / 1048576.0, g->n_pol, (double)mb / 1048576.0);
    size_t sn = (fqe ? fqe_tab_scratch(&t->fq) : 0) + 2 * t->MS + 1;
    double *scratch = ope_malloc(sn * sizeof *scratch, err);
    if (!scratch || (fqe && !(t->Q = ope_malloc((g->n_pol * cells + 1) * sizeof *t->Q, err))) ||
        (t->lin && !(t->LT = ope_malloc((g->n_pol * nth + 1) * sizeof *t->LT, err))) ||
        (t->mis && !(t->MW = ope_malloc((g->n_pol * wcells + 1) * sizeof *t->MW, err)))) {
        free(scratch);
        return -1;
    }
    for (size_t p = 0; p < g->n_pol; p++) {
        if (fqe)
            fqe_tab_solve(&t->fq, 0, p, t->gamma, t->Q + p * cells, scratch);
        /* (td and gtd2 solve it only where they are checked against it, as vm_fit) */
        int solve = t->lin && (!t->td || vm_td_targets(t->gamma, nth));
        if (solve && lin_tab_solve(&t->lt, p, t->to->vm.ridge, t->LT + p * nth, err) != 0) {
            if (t->td)
                vm_td_target_failed(t->to->vm.kind, err);
            free(scratch);
            return -1;
        }
        if (t->mis)
            mis_tab_solve(&t->mt, p, 0, t->gamma, t->MW + p * wcells, scratch);
    }
    free(scratch);
    return 0;
}

int evtraj_model_check(const struct tss *t, uint64_t episodes, uint64_t steps,
                       const char *name, struct ope_error *err)
{
    int fqe = t->model && !t->lin;
    const char *bad = fqe && fqe_tab_check(&t->fq, episodes, steps) != 0 ? "tabular FQE's"
                    : t->lin && lin_tab_check(&t->lt, steps) != 0      ? "the linear model's"
                    : t->mis && mis_tab_check(&t->mt, episodes, steps) != 0 ? "mis's"
                    : NULL;
    /* One horizon, the longest episode's, for every model (mis's ratios are laid out
     * for the value model's). */
    int T = fqe ? t->fq.T : t->lin ? t->lt.T : t->mt.T;
    if (!bad && t->mis && t->mt.T != T)
        return ope_fail(err, OPE_EDATA, "%s: damaged state: mis's tables are for a horizon of "
                        "%d steps and the value model's for %d (both are the longest "
                        "episode's); make it again", name, t->mt.T, T);
    if (!bad)
        return 0;
    return ope_fail(err, OPE_EDATA, "%s: damaged state: %s tables hold what no log of %llu "
                    "episodes and %llu steps gives (counts that do not add up, are negative "
                    "or not whole, a horizon past the steps, sums that are not numbers); "
                    "make it again", name, bad, (unsigned long long)episodes,
                    (unsigned long long)steps);
}

int evtraj_model_load(struct eng *g, struct tss *t, const struct eval_traj_fit *fit,
                      struct ope_error *err)
{
    if (!fit->models)
        return ope_fail(err, OPE_EDATA, "%s holds the whole log's sums but no models: the "
                        "shards were run with other estimators; start a new fit",
                        fit->name);
    struct sf_state st;
    sf_cursor(&st, fit->tables, fit->len, fit->name, EVAL_TRAJ_FIT_KIND);
    if (evtraj_model_init(g, t, &t->fq, &t->mt, err) != 0 ||
        evtraj_model_fold(g, t, &t->fq, &t->lt, &t->mt, &st, err) != 0 ||
        evtraj_model_check(t, fit->episodes, fit->steps, fit->name, err) != 0)
        return -1;
    t->model_episodes = (size_t)fit->episodes;
    t->model_steps = (size_t)fit->steps;
    return evtraj_model_solve(g, t, err);
}

/* ---- the fit's state ------------------------------------------------------------------ */

/* Version 2: the tables' length before them, and the sums round's merged first pass
 * after them (issue 17: --ci t, hoeffding and bernstein in shards). */
#define FIT_TAG "ope traj model fit 2"

void evtraj_fit_put(struct strbuf *sb, int vm_kind, double ridge, uint64_t episodes,
                    uint64_t steps, const struct strbuf *tables, const void *sums,
                    size_t sums_len)
{
    sf_put_str(sb, FIT_TAG);
    sf_put_u64(sb, (uint64_t)vm_kind);
    sf_put_f64(sb, ridge);
    sf_put_u64(sb, episodes);
    sf_put_u64(sb, steps);
    sf_put_u64(sb, tables ? 1 : 0);
    sf_put_u64(sb, tables ? tables->len : 0);
    if (tables)
        strbuf_add(sb, tables->buf ? tables->buf : "", tables->len);
    strbuf_add(sb, sums_len ? sums : "", sums_len);
}

void eval_traj_fit_free(struct eval_traj_fit *f)
{
    if (!f)
        return;
    free(f->name);
    free(f->settings);
    free(f->tables);
    free(f->sums);
    free(f);
}

const char *eval_traj_fit_digest(const struct eval_traj_fit *f)
{
    return f->hex;
}

int eval_traj_fit_has_sums(const struct eval_traj_fit *f)
{
    return f && f->sums_len > 0;
}

int eval_traj_fit_has_models(const struct eval_traj_fit *f)
{
    return f && f->models;
}

struct eval_traj_fit *eval_traj_fit_read(struct sf_state *st, struct ope_error *err)
{
    size_t start = st->off;
    struct eval_traj_fit *f = ope_calloc(1, sizeof *f, err);
    if (!f || !(f->name = ope_strdup(st->name, err)) ||
        !(f->settings = ope_strdup(st->settings, err))) {
        eval_traj_fit_free(f);
        return NULL;
    }
    char *tag = sf_get_str(st);
    int ok = tag && strcmp(tag, FIT_TAG) == 0;
    free(tag);
    if (!ok && !st->bad) {
        ope_fail(err, OPE_EDATA, "%s: not the state of a trajectory log's models (ope merge "
                 "--model-state), or one of another version: start the fit again", st->name);
        eval_traj_fit_free(f);
        return NULL;
    }
    uint64_t kind = sf_get_count(st, 0, 64);
    f->ridge = sf_get_f64(st);
    f->episodes = sf_get_count(st, 1, (uint64_t)1 << 52);
    f->steps = sf_get_count(st, f->episodes, (uint64_t)1 << 62);
    /* (td and gtd2 are not fitted from sums) */
    if (!st->bad && (kind > VM_LSTD || !(f->ridge >= 0.0) || !(f->ridge < 1e300)))
        st->bad = 1;
    if (st->bad) {
        sf_done(st, err);
        eval_traj_fit_free(f);
        return NULL;
    }
    f->vm_kind = (int)kind;
    f->models = (int)sf_get_count(st, 0, 1);
    uint64_t len = sf_get_count(st, 0, (uint64_t)1 << 62);
    /* (a length past the bytes left is damage) */
    if (!st->bad && ((!f->models && len) || len > (uint64_t)(st->n - st->off)))
        st->bad = 1;
    f->len = st->bad ? 0 : (size_t)len;
    if (!st->bad && (f->tables = ope_malloc(f->len + 1, err)))
        memcpy(f->tables, st->data + st->off, f->len);
    st->off += st->bad ? 0 : f->len;
    f->sums_len = st->bad ? 0 : st->n - st->off;
    if (!st->bad && f->tables && f->sums_len && (f->sums = ope_malloc(f->sums_len, err)))
        memcpy(f->sums, st->data + st->off, f->sums_len);
    if (st->bad || !f->tables || (f->sums_len && !f->sums)) {
        if (st->bad)
            sf_done(st, err);
        eval_traj_fit_free(f);
        return NULL;
    }
    st->off = st->n;
    sha256_hex(st->data + start, st->n - start, f->hex);
    return f;
}
