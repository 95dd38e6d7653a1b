/* estimators/evtraj_td.c: the value models td and gtd2 of a trajectory log read in
 * windows (evtraj.h): each policy's iteration carried from window to window (vmtd.h),
 * so the fit is the log in memory's, bit for bit. The first epoch reads the log; it
 * keeps the columns td reads of each window (td_cache), and the epochs after it and
 * the check read those back instead of parsing the log again. Under MPI, ranks that
 * each read their own range of the log pass the iteration on from rank to rank in
 * every epoch (td_chain); ranks that each read the whole log fit it each alone. */
#include "config.h"
#include "estimators/evtraj.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "estimators/vmtd.h"
#include "ope/base/comm.h"
#include "ope/base/progress.h"
#include "ope/base/tmpfile.h"

/* ---- the windows kept ------------------------------------------------------------------
 * One record a window in an unlinked scratch file: its counts, then its doubles
 * (rewards, s* features, the evaluated policies' probabilities), episode starts,
 * actions and states, done flags: a tlog's columns for td, its check and lin_tab_rows.
 * The file never leaves the process. As the bandit log's parsed batches
 * (blog_stream_cache.h), it is an optimisation: none on a tmpfs or ramfs (its pages
 * would be memory), nor with $OPE_TEST_NO_STREAM_CACHE set; a write that fails, or
 * that would leave its file system too little free, gives it up, and the log is then
 * read again in every epoch. A read that fails after that is an error (OPE_ENOINPUT),
 * as the log's would be. */

enum { TC_EPISODES, TC_STEPS, TC_STATES, TC_FEATURES, TC_FLAGS, TC_HEAD };
#define TC_DONE 1
#define TC_STATE 2

struct td_cache {
    int fd;                     /* -1: none (given up, or never made) */
    int complete;               /* it holds every window of the log (the first epoch's) */
    unsigned long long bytes;
    size_t windows;             /* written */
    const size_t *pol;          /* [P] the evaluated policies */
    size_t P, A, n_pol;         /* evaluated, actions, the log's policies */
    /* A window read back: its columns point into buf. */
    unsigned char *buf;
    size_t cap;
    struct tlog w;
    struct tlog_policy *policy; /* [n_pol] */
    double **feature;           /* [s* features] */
    double **prob;              /* [P A] */
};

static void cache_close(struct td_cache *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

static int cache_open(struct td_cache *c, const struct eng *g, const struct tss *t,
                      struct ope_error *err)
{
    memset(c, 0, sizeof *c);
    c->pol = g->pol;
    c->P = g->n_pol;
    c->A = (size_t)t->n_actions;
    c->n_pol = t->n_names;
    c->policy = ope_calloc(c->n_pol + 1, sizeof *c->policy, err);
    c->prob = ope_calloc(c->P * c->A + 1, sizeof *c->prob, err);
    c->feature = ope_calloc(t->lt.nf + 1, sizeof *c->feature, err);
    if (!c->policy || !c->prob || !c->feature) {
        c->fd = -1;
        return -1;
    }
    for (size_t k = 0; k < c->n_pol; k++)
        c->policy[k].name = t->names[k];
    const char *no = getenv("OPE_TEST_NO_STREAM_CACHE");
    c->fd = no && *no ? -1 : ope_tmp_anon_disk("ope-td-windows");
    return 0;
}

static void cache_release(struct td_cache *c)
{
    cache_close(c);
    free(c->buf), free(c->policy), free(c->prob), free(c->feature);
}

/* The bytes of a window's record after its head. */
static size_t record_bytes(const uint64_t *h, size_t P, size_t A)
{
    size_t n = (size_t)h[TC_STEPS];
    return sizeof(double) * n * (1 + (size_t)h[TC_FEATURES] + P * A) +
           sizeof(size_t) * ((size_t)h[TC_EPISODES] + 1) +
           sizeof(int) * n * (1 + !!(h[TC_FLAGS] & TC_STATE)) + (h[TC_FLAGS] & TC_DONE ? n : 0);
}

static int put(struct td_cache *c, const void *p, size_t n)
{
    if (c->fd < 0 || ope_fd_write_all(c->fd, p, n) != 0) {
        cache_close(c);
        return -1;
    }
    return 0;
}

/* Window w written (the first epoch's). Gives the cache up, quietly, when it fails. */
static void cache_put(struct td_cache *c, const struct tlog *w)
{
    uint64_t h[TC_HEAD] = { w->n_episodes, w->n_steps, (uint64_t)w->n_states, w->n_features,
                            (w->done ? TC_DONE : 0) | (w->state ? TC_STATE : 0) };
    size_t n = w->n_steps, size = sizeof h + record_bytes(h, c->P, c->A);
    if (c->fd < 0)
        return;
    if (!ope_tmp_room(c->fd, c->bytes, size)) {
        cache_close(c);
        return;
    }
    size_t nd = n * sizeof(double);
    int rc = put(c, h, sizeof h) | put(c, w->reward, nd);
    for (size_t k = 0; k < w->n_features; k++)
        rc |= put(c, w->feature[k], nd);
    for (size_t q = 0; q < c->P; q++)
        for (size_t a = 0; a < c->A; a++)
            rc |= put(c, w->policy[c->pol[q]].prob[a], nd);
    rc |= put(c, w->ep_start, (w->n_episodes + 1) * sizeof *w->ep_start) |
          put(c, w->action, n * sizeof *w->action);
    if (w->state)
        rc |= put(c, w->state, n * sizeof *w->state);
    if (w->done)
        rc |= put(c, w->done, n);
    if (rc == 0) {
        c->bytes += size;
        c->windows++;
    }
}

/* The next window read back into c->w. 0, or -1 with err. */
static int cache_get(struct td_cache *c, const struct tss *t, struct ope_error *err)
{
    uint64_t h[TC_HEAD];
    size_t size = 0;
    if (ope_fd_read_all(c->fd, h, sizeof h) == 0)
        size = record_bytes(h, c->P, c->A);
    if (size && size > c->cap) {
        free(c->buf);
        c->cap = 0;
        if (!(c->buf = ope_malloc(size, err)))
            return -1;
        c->cap = size;
    }
    if (!size || h[TC_FEATURES] != t->lt.nf || ope_fd_read_all(c->fd, c->buf, size) != 0)
        return ope_fail(err, OPE_ENOINPUT, "%s: the temporary copy of the windows td reads "
                        "(in %s) did not read back: check that file system, or set TMPDIR "
                        "to another", t->path ? t->path : "log", ope_tmp_dir());
    size_t n = (size_t)h[TC_STEPS];
    unsigned char *p = c->buf;
    struct tlog *w = &c->w;
    memset(w, 0, sizeof *w);
    w->path = (char *)t->path;
    w->n_episodes = (size_t)h[TC_EPISODES];
    w->n_steps = n;
    w->n_states = (int)h[TC_STATES];
    w->n_actions = t->n_actions;
    w->n_features = (size_t)h[TC_FEATURES];
    /* (doubles first, then size_t, then int: each stays aligned in a malloc'd buffer) */
    size_t nd = n * sizeof(double);
    w->reward = (double *)p, p += nd;
    w->feature = w->n_features ? c->feature : NULL;
    for (size_t k = 0; k < w->n_features; k++)
        c->feature[k] = (double *)p, p += nd;
    for (size_t q = 0; q < c->P; q++) {
        c->policy[c->pol[q]].prob = c->prob + q * c->A;
        for (size_t a = 0; a < c->A; a++)
            c->prob[q * c->A + a] = (double *)p, p += nd;
    }
    w->n_policies = c->n_pol;
    w->policy = c->policy;
    w->ep_start = (size_t *)p, p += (w->n_episodes + 1) * sizeof(size_t);
    w->action = (int *)p, p += n * sizeof(int);
    if (h[TC_FLAGS] & TC_STATE)
        w->state = (int *)p, p += n * sizeof(int);
    if (h[TC_FLAGS] & TC_DONE)
        w->done = p;
    /* What td indexes by is checked (the file is this process's, but a damaged one must
     * not send a read astray): episodes in order over the steps, actions and states in
     * the model's range. */
    int ok = w->ep_start[0] == 0 && w->ep_start[w->n_episodes] == n;
    for (size_t e = 0; ok && e < w->n_episodes; e++)
        ok = w->ep_start[e] < w->ep_start[e + 1];
    for (size_t j = 0; ok && j < n; j++)
        ok = w->action[j] >= 0 && w->action[j] < t->n_actions &&
             (!w->state || (w->state[j] >= 0 && (t->lt.nf || (size_t)w->state[j] < t->lt.p)));
    if (!ok)
        return ope_fail(err, OPE_ENOINPUT, "%s: the temporary copy of the windows td reads "
                        "(in %s) came back damaged: check that file system, or set TMPDIR "
                        "to another", t->path ? t->path : "log", ope_tmp_dir());
    return 0;
}

/* ---- the passes ------------------------------------------------------------------------ */

typedef int (*fold_fn)(struct eng *g, struct tss *t, const struct tlog *w, size_t first,
                       void *ctx, struct ope_error *err);

/* The first epoch's windows: td's steps, and the window kept. */
struct first_epoch {
    struct vm_td *s;
    struct td_cache *c;
};

static int td_first_window(struct eng *g, struct tss *t, const struct tlog *w, size_t first,
                           void *ctx, struct ope_error *err)
{
    (void)g, (void)t, (void)first;
    struct first_epoch *f = ctx;
    cache_put(f->c, w);
    return vm_td_window(f->s, w, err);
}

static int td_epoch_window(struct eng *g, struct tss *t, const struct tlog *w, size_t first,
                           void *ctx, struct ope_error *err)
{
    (void)g, (void)t, (void)first;
    return vm_td_window(ctx, w, err);
}

/* The check pass's buffers: a window's rows of the fitted values and LSTD's. */
struct td_check_pass {
    struct vm_td_check c;
    const double *th;           /* [n_pol d] the fitted parameters */
    int target;
    double *qa, *v, *vl;
    size_t cap;
};

static int td_check_window(struct eng *g, struct tss *t, const struct tlog *w, size_t first,
                           void *ctx, struct ope_error *err)
{
    (void)first;
    struct td_check_pass *k = ctx;
    size_t d = lin_tab_theta_size(&t->lt), n = w->n_steps;
    if (n + 1 > k->cap) {
        free(k->qa), free(k->v), free(k->vl);
        k->cap = 0;
        k->qa = ope_malloc((n + 1) * sizeof *k->qa, err);
        k->v = ope_malloc((n + 1) * sizeof *k->v, err);
        k->vl = ope_malloc((n + 1) * sizeof *k->vl, err);
        if (!k->qa || !k->v || !k->vl)
            return -1;
        k->cap = n + 1;
    }
    vm_td_check_rewards(&k->c, w);
    for (size_t q = 0; q < g->n_pol; q++) {
        if (lin_tab_rows(&t->lt, w, g->pol[q], k->th + q * d, k->qa, k->v, err) != 0 ||
            (k->target && lin_tab_rows(&t->lt, w, g->pol[q], t->LT + q * d, k->qa, k->vl,
                                       err) != 0))
            return -1;
        vm_td_check_add(&k->c, q, n, k->v, k->vl);
    }
    return 0;
}

/* One pass over the windows with fold from the log's start: the kept windows when the
 * cache holds them all, else the log read again (every episode of the models' pass). */
static int pass(struct eng *g, struct tss *t, struct td_cache *c, fold_fn fold, void *ctx,
                struct ope_error *err)
{
    if (c->complete) {
        if (lseek(c->fd, 0, SEEK_SET) != 0)
            return ope_fail(err, OPE_ENOINPUT, "%s: the temporary copy of the windows td "
                            "reads (in %s) did not read back", t->path ? t->path : "log",
                            ope_tmp_dir());
        for (size_t k = 0; k < c->windows; k++) {
            if (ope_progress_cancelled(g->o->progress))
                return ope_fail(err, OPE_EINTERRUPTED, "evaluation cancelled");
            if (cache_get(c, t, err) != 0 || fold(g, t, &c->w, 0, ctx, err) != 0)
                return -1;
        }
        return 0;
    }
    size_t episodes = 0;
    if (t->win->rewind(t->win->ctx, err) != 0 ||
        evtraj_pass_windows(g, t, &episodes, fold, ctx, err) != 0)
        return -1;
    return episodes == t->model_episodes ? 0
                                         : evtraj_changed(t, "its number of episodes", err);
}

/* ---- ranks in a chain -------------------------------------------------------------------
 * The iteration is sequential: under MPI with each rank its own range of the log, rank
 * 0 makes an epoch's steps over its windows, hands the iterates (and traces, and the
 * transitions counted) to rank 1, which goes on over its own, and so on; the last
 * rank's state goes to every rank, which ends the epoch alike. The arithmetic is the
 * single process's, in the same order: the same bits, and no speed-up (each rank waits
 * for the one before it). */

/* Rank `from`'s outcome (rc, err) and iteration, sent to every rank in one gathering
 * (the others send nothing); len: comm_size() slots. 0, or -1 with err: from's failure,
 * or the gathering's (the same on every rank). */
static int state_share(struct vm_td *s, int from, int rc, size_t *len, struct ope_error *err)
{
    struct strbuf mine = STRBUF_INIT, all = STRBUF_INIT;
    if (comm_rank() == from) {
        sf_put_u64(&mine, rc ? (uint64_t)(uint32_t)(err->status ? err->status : OPE_EFAIL) : 0);
        sf_put_str(&mine, rc ? err->msg : "");
        sf_put_u64(&mine, s->m);
        for (size_t q = 0; q < s->P; q++)
            for (size_t k = 0; k < s->d; k++) {
                sf_put_f64(&mine, s->it[q].cur[k]);
                sf_put_f64(&mine, s->it[q].e[k]);
                sf_put_f64(&mine, s->it[q].w[k]);
            }
    }
    /* (a holder out of memory sends nothing: the others read that as its failure) */
    int got = comm_allgather(strbuf_failed(&mine) ? NULL : mine.buf,
                             strbuf_failed(&mine) ? 0 : mine.len, &all, len, err);
    size_t at = 0;
    for (int r = 0; r < from; r++)
        at += len[r];
    struct sf_state st;
    int have = got == 0 && all.buf && len[from];
    sf_cursor(&st, have ? all.buf + at : "", have ? len[from] : 0, "a rank's td iteration",
              "td");
    int status = have ? (int)sf_get_count(&st, 0, INT32_MAX) : OPE_EFAIL;
    char *msg = have ? sf_get_str(&st) : NULL;
    if (got != 0)
        rc = -1;
    else if (status != 0 || !msg)
        rc = ope_fail(err, status ? status : OPE_EFAIL, "rank %d: %s", from,
                      msg ? msg : "out of memory in td's epochs");
    else if (comm_rank() != from) {
        s->m = (size_t)sf_get_u64(&st);
        for (size_t q = 0; q < s->P; q++)
            for (size_t k = 0; k < s->d; k++) {
                s->it[q].cur[k] = sf_get_f64(&st);
                s->it[q].e[k] = sf_get_f64(&st);
                s->it[q].w[k] = sf_get_f64(&st);
            }
        rc = sf_done(&st, err);
    }
    free(msg);
    strbuf_release(&mine);
    strbuf_release(&all);
    return rc;
}

/* One epoch's steps over the log, rank after rank. 0, or -1 with err (every rank). */
static int chain_epoch(struct eng *g, struct tss *t, struct td_cache *c, fold_fn fold,
                       void *ctx, struct vm_td *s, size_t *len, struct ope_error *err)
{
    for (int r = 0; r < comm_size(); r++) {
        int rc = r == comm_rank() ? pass(g, t, c, fold, ctx, err) : 0;
        if (state_share(s, r, rc, len, err) != 0)
            return -1;
    }
    return 0;
}

/* The check's largest values over every rank's windows (a maximum is the same in any
 * order). 0, or -1 with err (every rank). */
static int check_merge(struct vm_td_check *c, struct ope_error *err)
{
    struct strbuf mine = STRBUF_INIT, all = STRBUF_INIT;
    size_t *len = ope_calloc((size_t)comm_size(), sizeof *len, err);
    int rc = len ? 0 : -1;
    sf_put_f64(&mine, c->rmax);
    for (size_t q = 0; q < c->P; q++) {
        sf_put_f64(&mine, c->vmax[q]);
        sf_put_f64(&mine, c->diff[q]);
        sf_put_f64(&mine, c->top[q]);
    }
    if (rc == 0 && strbuf_failed(&mine))
        rc = ope_fail_oom(err);
    if (comm_agree(rc, err) != 0 || comm_allgather(mine.buf, mine.len, &all, len, err) != 0)
        rc = -1;
    size_t at = 0;
    for (int r = 0; rc == 0 && r < comm_size(); at += len[r], r++) {
        struct sf_state st;
        sf_cursor(&st, all.buf + at, len[r], "a rank's td check", "td");
        c->rmax = fmax(c->rmax, sf_get_f64(&st));
        for (size_t q = 0; q < c->P; q++) {
            c->vmax[q] = fmax(c->vmax[q], sf_get_f64(&st));
            c->diff[q] = fmax(c->diff[q], sf_get_f64(&st));
            c->top[q] = fmax(c->top[q], sf_get_f64(&st));
        }
        rc = sf_done(&st, err);
    }
    free(len);
    strbuf_release(&mine);
    strbuf_release(&all);
    return comm_agree(rc, err);
}

int evtraj_td_fit(struct eng *g, struct tss *t, struct ope_error *err)
{
    const struct vm_opts *o = &t->to->vm;
    size_t d = lin_tab_theta_size(&t->lt), P = g->n_pol;
    struct vm_td s;
    struct td_check_pass k;
    struct td_cache c;
    memset(&s, 0, sizeof s);
    memset(&k, 0, sizeof k);
    memset(&c, 0, sizeof c);
    c.fd = -1;
    double *th = ope_malloc((P * d + 1) * sizeof *th, err);
    int rc = th && cache_open(&c, g, t, err) == 0 ? 0 : -1;
    if (rc == 0)
        rc = vm_td_init(&s, o, t->gamma, (size_t)t->n_actions, t->lt.nf, t->lt.p, t->QT, P,
                        g->pol, err);
    /* Under MPI: ranks with their own ranges chain; ranks that read the whole log each
     * fold every window (the ranks agree on the outcome of what they did alike). */
    int ranks = comm_size() > 1, chain = ranks && t->win->shared;
    t->fold_all = ranks && !chain;
    size_t *len = ranks && rc == 0 ? ope_calloc((size_t)comm_size(), sizeof *len, err) : NULL;
    if (ranks && comm_agree(len ? rc : -1, err) != 0)
        rc = -1;
    /* The first epoch reads the log and keeps its windows; the others read those. */
    struct first_epoch f = { &s, &c };
    for (int ep = 0; rc == 0 && ep < o->epochs; ep++) {
        fold_fn fold = ep ? td_epoch_window : td_first_window;
        void *ctx = ep ? (void *)&s : (void *)&f;
        t->td_parsed += !c.complete;
        rc = chain ? chain_epoch(g, t, &c, fold, ctx, &s, len, err)
                   : pass(g, t, &c, fold, ctx, err);
        if (t->fold_all)
            rc = comm_agree(rc, err);
        if (rc == 0)
            rc = vm_td_epoch_end(&s, err);
        c.complete = c.fd >= 0;
        /* (the epochs read from the scratch file report no bytes of the log) */
        ope_progress_report(g->o->progress, (double)(ep + 1) / o->epochs,
                            o->kind == VM_GTD2 ? "gtd2's epochs" : "td's epochs");
    }
    for (size_t q = 0; rc == 0 && q < P; q++)
        rc = vm_td_theta(&s, q, th + q * d, err);
    k.th = th;
    k.target = vm_td_targets(t->gamma, d);
    if (rc == 0 && (rc = vm_td_check_init(&k.c, P, k.target, err)) == 0)
        rc = pass(g, t, &c, td_check_window, &k, err);
    if (ranks && comm_agree(rc, err) != 0)
        rc = -1;
    if (rc == 0 && chain)
        rc = check_merge(&k.c, err);
    t->fold_all = 0;
    free(len);
    for (size_t q = 0; rc == 0 && q < P; q++)
        rc = vm_td_check_verdict(&k.c, q, t->names[g->pol[q]], o, t->gamma, t->QT, err);
    if (rc == 0)
        memcpy(t->LT, th, P * d * sizeof *th);
    vm_td_release(&s);
    vm_td_check_release(&k.c);
    cache_release(&c);
    free(k.qa), free(k.v), free(k.vl);
    free(th);
    return rc;
}
