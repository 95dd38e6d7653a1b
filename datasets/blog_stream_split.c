/* datasets/blog_stream_split.c: the first pass of a streamed bandit log split among MPI
 * ranks (blog_stream_split, blog_stream_int.h). Every rank finds where the rows begin
 * without parsing them (a plain file: csv_index_build; a compressed one: passing over
 * the rows before its share, bytes_split), or takes whole files of a log of several
 * (files_split), reads and checks its own share of the rows only, and the ranks
 * exchange what they found and merge it, in rank order, into exactly the facts and
 * the first error of the whole-log first pass. */
#include "config.h"
#include "datasets/blog_stream_int.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/blog_stream_cache.h"
#include "datasets/csvindex.h"
#include "datasets/input.h"
#include "datasets/members.h"
#include "ope/base/comm.h"
#include "ope/base/sha256.h"
#include "ope/base/statefile.h"

#define GATE_MAGIC "ope split first pass 1"
#define SHARE_KIND "stream-first-pass"
#define LEVELS_KIND "stream-first-pass-levels"

/* ---- the gate: whether the ranks split the pass ------------------------------------ */

/* What a rank sends to the gate: laid out as comm_agree's verdict (a status, then a
 * message of OPE_ERROR_MSG_MAX bytes) with a status of 0, so that a rank that failed
 * before it opened its stream, and is already agreeing on that, reads it as the
 * verdict of a rank that did not fail. */
struct gate {
    int32_t status;
    char msg[OPE_ERROR_MSG_MAX];
};

/* A rank's view of the log at the gate. */
struct view {
    int can;                    /* it may take part in a split: SPLIT_INDEX, SPLIT_BYTES,
                                   SPLIT_FILES */
    unsigned long long rows, size, cols;    /* SPLIT_FILES: rows is the files' number,
                                               size their sum */
    unsigned long long out, raw;    /* SPLIT_BYTES: decompressed bytes read, and the
                                       compressed bytes they came from; SPLIT_FILES:
                                       out is a hash of every file's size */
    unsigned long long tilt;        /* SPLIT_BYTES: decompression's share of a rank's
                                       time, in thousandths (bytes_target) */
};

/* How the ranks split the first pass: a plain file by an index of its rows
 * (csv_index_build), a compressed one by its members when they have an index
 * (members_split), else by bytes (bytes_split), several files by whole files
 * (files_split). */
enum { SPLIT_NONE, SPLIT_INDEX, SPLIT_BYTES, SPLIT_FILES, SPLIT_MEMBERS };

static int gate_parse(const char *p, size_t n, struct view *v)
{
    struct gate g;
    if (n != sizeof g)
        return -1;
    memcpy(&g, p, sizeof g);
    g.msg[sizeof g.msg - 1] = '\0';
    if (g.status != 0 || strncmp(g.msg, GATE_MAGIC " ", strlen(GATE_MAGIC) + 1) != 0 ||
        sscanf(g.msg + strlen(GATE_MAGIC), " can=%d rows=%llu size=%llu cols=%llu out=%llu "
               "raw=%llu tilt=%llu", &v->can, &v->rows, &v->size, &v->cols, &v->out, &v->raw,
               &v->tilt) != 7 || v->tilt >= 1000)
        return -1;
    return 0;
}

/* Every rank's view gathered: 1 when every rank may split the same way and sees the
 * same log (the same number of rows, bytes and columns), else 0; -1 with err when the
 * gathering failed (the same on every rank). *first: rank 0's view. */
static int gate(const struct view *mine, struct view *first, struct ope_error *err)
{
    struct gate g;
    memset(&g, 0, sizeof g);
    snprintf(g.msg, sizeof g.msg, GATE_MAGIC " can=%d rows=%llu size=%llu cols=%llu "
             "out=%llu raw=%llu tilt=%llu", mine->can, mine->rows, mine->size, mine->cols,
             mine->out, mine->raw, mine->tilt);
    struct strbuf all = STRBUF_INIT;
    size_t *len = ope_calloc((size_t)comm_size(), sizeof *len, err);
    int rc = len ? comm_allgather(&g, sizeof g, &all, len, err) : -1;
    size_t at = 0;
    for (int r = 0; rc == 0 && r < comm_size(); at += len[r], r++) {
        struct view v;
        if (gate_parse(all.buf + at, len[r], &v) < 0 || !v.can || v.can != mine->can ||
            v.rows != mine->rows || v.size != mine->size || v.cols != mine->cols ||
            ((v.can == SPLIT_FILES || v.can == SPLIT_MEMBERS) && v.out != mine->out))
            rc = 1;
        else if (r == 0)
            *first = v;
    }
    free(len);
    strbuf_release(&all);
    return rc < 0 ? -1 : rc == 0;
}

/* ---- a rank's share ---------------------------------------------------------------- */

/* What a rank found in its share of the rows. */
struct share {
    int started;                /* its first row was where the index says (SPLIT_BYTES:
                                   it found its first row) */
    struct ope_error read_err;  /* a row that did not read (status 0: none) */
    uint64_t lo, hi;            /* SPLIT_BYTES: its rows, as it found them */
    uint64_t line_lo, lines;    /* SPLIT_MEMBERS: the line of its first row as it
                                   counted it (1 but on rank 0), and its lines */
    uint64_t line_off;          /* ... and what to add to its lines (shares_merge) */
    int at_end;                 /* SPLIT_BYTES: its last row is the log's */
    uint64_t rows;
    long max_action, min_pos, max_pos;
    unsigned char *cat;         /* [n_cols] 0 numeric, 1 categorical with every level of
                                   the share, 2 categorical from a later batch on */
    struct blog_stream_checks c;
};

/* The share's columns and check slots. 0, or -1 out of memory. */
static int share_alloc(const struct blog_stream *s, struct share *sh, struct ope_error *err)
{
    sh->c.n = 2 + s->L.r.n_policies + 2;
    if (!(sh->cat = ope_calloc(s->L.r.n_cols ? s->L.r.n_cols : 1, 1, err)) ||
        !(sh->c.slot = ope_calloc(sh->c.n, sizeof *sh->c.slot, err)))
        return -1;
    return 0;
}

/* What the batch the loader holds adds to the share: its checks, its rows, and the
 * columns that turned categorical in it (was: which were before it). A column that
 * turns categorical after the share's first batch has levels from rows no longer
 * held. */
static void share_batch(struct blog_stream *s, struct share *sh, const unsigned char *was)
{
    const struct loader *L = &s->L;
    for (size_t j = 0; j < L->r.n_cols; j++)
        if (L->ctx[j].categorical && !was[j])
            sh->cat[j] = L->row0 > s->lo ? 2 : 1;
    blog_stream_check_batch(s, &sh->c);
    sh->rows += L->n;
}

/* A share's reading over: its facts taken from the loader, and the loader's row offsets
 * (kept for the marks while it read) and was[] freed. */
static void share_end(struct blog_stream *s, struct share *sh, unsigned char *was)
{
    struct loader *L = &s->L;
    free(was);
    free(L->offset);
    L->offset = NULL;
    sh->max_action = L->max_action;
    sh->min_pos = L->min_pos;
    sh->max_pos = L->max_pos;
}

/* Read the rows [s->lo, s->hi) (the last share to the end of the log), checking them
 * as the whole-log first pass does. Fills sh; -1 only when out of memory. */
static int share_read(struct blog_stream *s, struct share *sh, struct ope_error *err)
{
    struct loader *L = &s->L;
    size_t m = L->r.n_cols;
    unsigned char *was = ope_calloc(m, 1, err);
    if (!was || share_alloc(s, sh, err) < 0) {
        free(was);
        return -1;
    }
    struct ope_error e = { 0 };
    sh->started = blog_stream_pass_start(s, &e) == 0;
    /* The share is the rank's range of the later passes (blog_stream_part of the same
     * rows): its batches are kept for them, unless the merge finds categorical columns,
     * whose codes here are the share's own (split_pass drops them then). */
    if (sh->started)
        bsc_write_start(s->cache, s->lo);
    while (sh->started) {
        for (size_t j = 0; j < m; j++)
            was[j] = (unsigned char)L->ctx[j].categorical;
        if (blog_stream_batch_read(s, &sh->read_err) < 0 || L->n == 0)
            break;
        share_batch(s, sh, was);
    }
    share_end(s, sh, was);
    return 0;
}

static void share_release(struct share *sh)
{
    free(sh->cat);
    free(sh->c.slot);
}

static void put_error(struct strbuf *sb, const struct ope_error *e)
{
    sf_put_u64(sb, (uint64_t)(uint32_t)e->status);
    sf_put_str(sb, e->status ? e->msg : "");
}

static void get_error(struct sf_state *st, struct ope_error *e)
{
    e->status = (int)sf_get_count(st, 0, INT32_MAX);
    char *msg = sf_get_str(st);
    snprintf(e->msg, sizeof e->msg, "%s", msg ? msg : "");
    free(msg);
}

/* A long of at least -1 (the loader's "none") as a u64 and back. */
#define PUT_LONG(sb, v) sf_put_u64((sb), (uint64_t)((v) + 1))
#define GET_LONG(st) ((long)sf_get_count((st), 0, (uint64_t)LONG_MAX) - 1)

static void share_put(struct strbuf *sb, const struct share *sh, size_t m)
{
    sf_put_u64(sb, (uint64_t)sh->started);
    put_error(sb, &sh->read_err);
    sf_put_u64(sb, sh->lo);
    sf_put_u64(sb, sh->hi);
    sf_put_u64(sb, (uint64_t)sh->at_end);
    sf_put_u64(sb, sh->rows);
    sf_put_u64(sb, sh->line_lo);
    sf_put_u64(sb, sh->lines);
    PUT_LONG(sb, sh->max_action);
    PUT_LONG(sb, sh->min_pos);
    PUT_LONG(sb, sh->max_pos);
    for (size_t j = 0; j < m; j++)
        sf_put_u64(sb, sh->cat[j]);
    for (size_t k = 0; k < sh->c.n; k++)
        put_error(sb, &sh->c.slot[k]);
}

static void share_get(struct sf_state *st, struct share *sh, size_t m)
{
    sh->started = (int)sf_get_count(st, 0, 1);
    get_error(st, &sh->read_err);
    sh->lo = sf_get_u64(st);
    sh->hi = sf_get_u64(st);
    sh->at_end = (int)sf_get_count(st, 0, 1);
    sh->rows = sf_get_u64(st);
    sh->line_lo = sf_get_u64(st);
    sh->lines = sf_get_u64(st);
    sh->max_action = GET_LONG(st);
    sh->min_pos = GET_LONG(st);
    sh->max_pos = GET_LONG(st);
    for (size_t j = 0; j < m; j++)
        sh->cat[j] = (unsigned char)sf_get_count(st, 0, 2);
    for (size_t k = 0; k < sh->c.n; k++)
        get_error(st, &sh->c.slot[k]);
}

/* Every rank's bytes of payload, sealed and gathered, into *st (comm_size() states,
 * opened: exchange_done). Every rank takes part, one out of memory too (with nothing
 * to send). 0, or -1 with err (the same on every rank). */
static int exchange(const struct strbuf *payload, const char *kind, struct sf_state **st,
                    struct ope_error *err)
{
    struct strbuf sealed = STRBUF_INIT, all = STRBUF_INIT;
    size_t P = (size_t)comm_size(), *len = ope_calloc(P, sizeof *len, err);
    *st = ope_calloc(P, sizeof **st, err);
    int rc = len && *st && sf_seal(&sealed, kind, "", payload, err) == 0 ? 0 : -1;
    if (!len || comm_allgather(sealed.buf, rc == 0 ? sealed.len : 0, &all, len, err) != 0)
        rc = -1;
    size_t at = 0;
    for (size_t r = 0; rc == 0 && r < P; at += len[r], r++) {
        char name[32];
        snprintf(name, sizeof name, "rank %zu", r);
        if (len[r] == 0)
            rc = ope_fail(err, OPE_EFAIL, "rank %zu: out of memory in the first pass", r);
        else
            rc = sf_open_bytes(&(*st)[r], all.buf + at, len[r], name, kind, err);
    }
    free(len);
    strbuf_release(&sealed);
    strbuf_release(&all);
    return rc;
}

/* The states of exchange closed and freed. */
static void exchange_done(struct sf_state *st)
{
    for (int r = 0; st && r < comm_size(); r++)
        sf_close(&st[r]);
    free(st);
}

/* ---- the levels of categorical columns --------------------------------------------- */

/* Column j categorical from the first row of a new reading, with no level yet. */
static int ctx_categorical_afresh(struct loader *L, size_t j, struct ope_error *err)
{
    struct ctxcol *c = &L->ctx[j];
    roles_levels_release(&c->lv);
    memset(&c->lv, 0, sizeof c->lv);
    if (c->categorical)
        return 0;
    if (!(c->code = ope_malloc(L->cap * sizeof *c->code, err)))
        return -1;
    free(L->val[j]);
    L->val[j] = NULL;
    c->categorical = 1;
    return 0;
}

/* The levels of the columns cat[j] (categorical on some rank) over the whole log:
 * every rank whose share did not give them all reads it again with those columns
 * categorical from its first row, then the ranks' levels are joined in rank order, in
 * order of first appearance. 0, or -1 with err (the same on every rank). */
static int levels_merge(struct blog_stream *s, const unsigned char *cat,
                        const struct share *all, struct ope_error *err)
{
    struct loader *L = &s->L;
    size_t m = L->r.n_cols;
    const struct share *mine = &all[comm_rank()];
    int again = 0, rc = 0;
    for (size_t j = 0; j < m; j++)
        again |= cat[j] && mine->cat[j] != 1;
    struct ope_error e = { 0 };
    for (size_t j = 0; again && rc == 0 && j < m; j++)
        if (cat[j])
            rc = ctx_categorical_afresh(L, j, &e);
    if (again && rc == 0 && (rc = blog_stream_pass_start(s, &e)) == 0)
        do
            rc = blog_stream_batch_read(s, &e);
        while (rc == 0 && L->n > 0);
    struct strbuf pay = STRBUF_INIT;
    if (rc < 0 && !e.status)
        ope_fail(&e, OPE_EFAIL, "the first pass failed");
    put_error(&pay, rc < 0 ? &e : &(struct ope_error){ 0 });
    for (size_t j = 0; rc == 0 && j < m; j++) {
        if (!cat[j])
            continue;
        const struct roles_levels *lv = &L->ctx[j].lv;
        sf_put_u64(&pay, lv->n);
        for (size_t k = 0; k < lv->n; k++) {
            sf_put_u64(&pay, lv->len[k]);
            strbuf_add(&pay, lv->level[k], lv->len[k]);
        }
    }
    struct sf_state *st = NULL;
    rc = exchange(&pay, LEVELS_KIND, &st, err);
    strbuf_release(&pay);
    /* The lowest rank whose reading failed, as the first pass reports a row. */
    for (int r = 0; rc == 0 && r < comm_size(); r++) {
        get_error(&st[r], &e);
        if (e.status) {
            *err = e;
            rc = -1;
        }
    }
    for (size_t j = 0; rc == 0 && j < m; j++) {
        if (!cat[j])
            continue;
        struct roles_levels lv = { 0 };
        for (int r = 0; rc == 0 && r < comm_size(); r++) {
            size_t n = (size_t)sf_get_count(&st[r], 0, st[r].n);
            for (size_t k = 0; rc == 0 && k < n && !st[r].bad; k++) {
                uint64_t len = sf_get_u64(&st[r]);
                if (st[r].bad || len > st[r].n - st[r].off) {
                    st[r].bad = 1;
                    break;
                }
                const char *p = (const char *)st[r].data + st[r].off;
                st[r].off += (size_t)len;
                if (roles_levels_code(&lv, p, (size_t)len, err) < 0)
                    rc = -1;
            }
            if (st[r].bad)
                rc = sf_done(&st[r], err);
        }
        if (rc == 0 && (rc = ctx_categorical_afresh(L, j, err)) == 0)
            L->ctx[j].lv = lv;
        else
            roles_levels_release(&lv);
    }
    for (int r = 0; rc == 0 && r < comm_size(); r++)
        rc = sf_done(&st[r], err);
    exchange_done(st);
    return rc;
}

/* ---- the merge ----------------------------------------------------------------------- */

/* The loader as the header left it, and the stream as open_header left it, for the
 * whole-log first pass after all. 0 or -1. */
static int unread(struct blog_stream *s, struct ope_error *err)
{
    struct loader *L = &s->L;
    for (size_t j = 0; j < L->r.n_cols; j++) {
        struct ctxcol *c = &L->ctx[j];
        roles_levels_release(&c->lv);
        memset(&c->lv, 0, sizeof c->lv);
        if (!c->categorical)
            continue;
        free(c->code);
        c->code = NULL;
        c->categorical = 0;
        if (!(L->val[j] = ope_malloc(L->cap * sizeof *L->val[j], err)))
            return -1;
    }
    L->max_action = L->min_pos = L->max_pos = -1;
    blog_marks_release(&s->marks);
    s->total = s->lo = s->hi = 0;
    s->ranged = 0;
    return blog_stream_pass_start(s, err);
}

/* The shares all[comm_size()] merged into the whole log's facts, or its first error:
 * 1 merged (s->total the rows of the shares), 0 not (a share did not start or end where
 * it says, or the shares do not meet from row 0 to the log's end: the whole-log first
 * pass decides), -1 with err. */
static int merge(struct blog_stream *s, const struct share *all, struct ope_error *err)
{
    struct loader *L = &s->L;
    int P = comm_size();
    /* Split by members, the shares' lines are their own, not the log's: a row that did
     * not read or a check that failed (its line in its message) is the whole-log first
     * pass's to report. A share that did not read to its end is one whose first row
     * was not where the rank before it found it (a quoted line end at the boundary). */
    for (int r = 0; s->split_members && r < P; r++) {
        if (!all[r].started || all[r].read_err.status)
            return 0;
        for (size_t k = 0; k < all[r].c.n; k++)
            if (all[r].c.slot[k].status)
                return 0;
    }
    /* Row errors first: the lowest rank's, once every share below it read the rows
     * it says, from where the one before it ended. */
    uint64_t next = 0;
    for (int r = 0; r < P; r++) {
        if (!all[r].started)
            return 0;
        if (all[r].read_err.status) {
            *err = all[r].read_err;
            return -1;
        }
        if (all[r].lo != next || all[r].hi < all[r].lo || all[r].rows != all[r].hi - all[r].lo)
            return 0;
        next = all[r].hi;
    }
    if (!all[P - 1].at_end || next == 0)
        return 0;
    s->total = (size_t)next;
    /* Then each check in blog_load's order, its first failure the lowest rank's. */
    for (size_t k = 0; k < all[0].c.n; k++)
        for (int r = 0; r < P; r++)
            if (all[r].c.slot[k].status) {
                *err = all[r].c.slot[k];
                return -1;
            }
    L->max_action = L->min_pos = L->max_pos = -1;
    for (int r = 0; r < P; r++) {
        const struct share *h = &all[r];
        if (h->max_action > L->max_action)
            L->max_action = h->max_action;
        if (h->min_pos >= 0 && (L->min_pos < 0 || h->min_pos < L->min_pos))
            L->min_pos = h->min_pos;
        if (h->max_pos > L->max_pos)
            L->max_pos = h->max_pos;
    }
    unsigned char *cat = ope_calloc(L->r.n_cols, 1, err);
    int any = 0;
    for (size_t j = 0; cat && j < L->r.n_cols; j++)
        for (int r = 0; r < P; r++)
            if (all[r].cat[j])
                cat[j] = 1, any = 1;
    int rc = cat ? 0 : -1;
    if (rc == 0 && any)
        rc = levels_merge(s, cat, all, err);
    free(cat);
    return rc < 0 ? -1 : 1;
}

/* Every rank's share gathered and merged into the whole log's facts (merge). 1 merged;
 * 0 not, the stream then as open_header left it for the whole-log first pass; -1 with
 * err (the same on every rank). */
static int shares_merge(struct blog_stream *s, struct share *mine, int read_rc,
                        struct ope_error *err)
{
    struct loader *L = &s->L;
    size_t m = L->r.n_cols;
    int P = comm_size(), rc = read_rc < 0 ? -1 : 0;
    struct share *all = ope_calloc((size_t)P, sizeof *all, err);
    struct sf_state *st = NULL;
    struct strbuf pay = STRBUF_INIT;
    /* (a rank out of memory here still takes part in the exchange, empty-handed) */
    if (!all)
        rc = -1;
    if (rc == 0)
        share_put(&pay, mine, m);
    if (exchange(&pay, SHARE_KIND, &st, err) < 0)
        rc = -1;
    for (int r = 0; rc == 0 && r < P; r++) {
        all[r].c.n = mine->c.n;
        if (!(all[r].cat = ope_calloc(m ? m : 1, 1, err)) ||
            !(all[r].c.slot = ope_calloc(mine->c.n, sizeof *all[r].c.slot, err)))
            rc = -1;
        else
            share_get(&st[r], &all[r], m);
        if (rc == 0)
            rc = sf_done(&st[r], err);
    }
    /* Split by files or members, a share's rows follow the shares before it, and the
     * last ends with the log; split by members, so do its lines. */
    uint64_t next = 0, line = rc == 0 ? all[0].line_lo : 0;
    for (int r = 0; rc == 0 && (s->split_files || s->split_members) && r < P; r++) {
        all[r].lo = next;
        all[r].hi = next += all[r].rows;
        if (r == comm_rank())
            mine->line_off = line - all[r].line_lo;
        line += all[r].lines;
    }
    if (rc == 0)
        rc = merge(s, all, err);
    if (rc == 1 && (s->split_files || s->split_members)) {
        s->share_lo = (size_t)all[comm_rank()].lo;
        s->share_hi = (size_t)all[comm_rank()].hi;
    }
    int categorical = 0;
    for (size_t j = 0; j < m; j++)
        categorical |= L->ctx[j].categorical;
    /* (a split that did not merge has cached rows of its own share) */
    if (categorical || (rc == 0 && (s->split_bytes || s->split_files || s->split_members)))
        bsc_drop(s->cache);
    for (int r = 0; all && r < P; r++)
        share_release(&all[r]);
    free(all);
    exchange_done(st);
    strbuf_release(&pay);
    if (rc == 0) {
        s->split_bytes = s->split_files = s->split_members = 0;
        s->in_lo = s->in_hi = 0;
        s->mem_lo = s->mem_hi = 0;
        return unread(s, err) < 0 ? -1 : 0;
    }
    if (rc < 0)
        return -1;
    s->lo = 0;
    s->hi = s->total;
    s->ranged = 0;
    if ((s->A = blog_loader_n_actions(L, err)) < 0)
        return -1;
    s->base = blog_loader_base(L);
    s->npos = L->r.single[ROLE_POSITION] >= 0 ? (int)(L->max_pos - s->base + 1) : 1;
    return 1;
}

/* The split itself, once the ranks agreed on it: ix indexes the log. */
static int split_pass(struct blog_stream *s, const struct csv_index *ix,
                      struct ope_error *err)
{
    /* The marks of the later passes' ranges are the index's. */
    if (!(s->marks.m = ope_calloc(ix->n ? ix->n : 1, sizeof *s->marks.m, err)))
        return -1;
    s->marks.n = s->marks.cap = ix->n;
    for (size_t k = 0; k < ix->n; k++) {
        s->marks.m[k].input = 0;
        s->marks.m[k].offset = (size_t)ix->off[k];
        s->marks.m[k].line = ix->line[k];
    }
    s->total = ix->rows;
    blog_stream_part(ix->rows, (size_t)comm_size(), (size_t)comm_rank(), &s->lo, &s->hi);
    s->ranged = 1;
    struct share mine = { 0 };
    int rc = share_read(s, &mine, err);
    mine.lo = s->lo;
    mine.hi = s->hi;
    mine.at_end = s->hi == s->total;
    rc = shares_merge(s, &mine, rc, err);
    share_release(&mine);
    return rc;
}

/* ---- a compressed log, split by bytes ------------------------------------------------ */

/* Where rank q's share begins, in the decompressed bytes: a fraction f_q of the file's
 * bytes as rank 0 saw it expand at its header (every rank computes the same from rank
 * 0's numbers). Rank r decompresses the bytes up to f_(r+1) and parses f_(r+1) - f_r
 * of them, so with decompression a share c of a rank's time per byte its time goes as
 * f_(r+1) - (1 - c) f_r: equal for every rank when f_(r+1) = K + (1 - c) f_r, K such
 * that f_P = 1 (c = 0: the shares are even, q / P). Later ranks get fewer rows. The
 * shares are as planned when the log compresses about evenly along its length; a
 * share off the plan costs time, not results. */
static uint64_t bytes_target(const struct view *v0, int q, int P)
{
    double per = v0->raw ? (double)v0->out / (double)v0->raw : 1.0;
    double keep = 1.0 - (double)v0->tilt / 1000.0, all = 0.0, before = 0.0, w = 1.0;
    for (int j = 0; j < P; j++, w *= keep) {
        all += w;
        if (j < q)
            before += w;
    }
    double x = per * (double)v0->size * (before / all);
    return x < 1.8e19 ? (uint64_t)x : UINT64_MAX;
}

/* blog_loader_skip_rows' mark: where a row of the grid begins, for a later seek. */
static int skip_mark(void *ctx, size_t row, size_t offset, size_t line, struct ope_error *err)
{
    struct blog_marks *k = ctx;
    if (row / BLOG_STREAM_GRID != k->n)
        return ope_fail(err, OPE_ESOFTWARE, "skip_mark: row %zu after %zu marks", row, k->n);
    return blog_marks_add(k, 0, offset, line, err);
}

/* Read the share from the reader's place (row s->lo) on, checking its rows as the
 * whole-log first pass does, until the first row of the grid whose previous row
 * begins at byte `until` or later (the next rank's first row), or the log's end. The
 * batches are kept for the later passes. Fills sh; -1 only when out of memory. */
static int bytes_share_read(struct blog_stream *s, struct share *sh, uint64_t until,
                            struct ope_error *err)
{
    struct loader *L = &s->L;
    size_t m = L->r.n_cols;
    unsigned char *was = ope_calloc(m, 1, err);
    L->offset = was ? ope_malloc(L->cap * sizeof *L->offset, err) : NULL;
    if (!L->offset) {
        free(was);
        return -1;
    }
    bsc_write_start(s->cache, s->lo);
    L->row0 = s->lo;
    L->n = 0;
    int end = 0, rc = 0;
    while (!end && rc == 0) {
        L->row0 += L->n;
        L->n = 0;
        for (size_t j = 0; j < m; j++)
            was[j] = (unsigned char)L->ctx[j].categorical;
        /* A grid's worth of rows at a time, up to a batch: the share ends on the grid. */
        while (!end && L->n < s->batch) {
            size_t before = L->n;
            if (blog_loader_read_rows(L, s->csv, L->n + BLOG_STREAM_GRID, &sh->read_err) < 0) {
                end = 1;
                rc = 1;
            } else if (L->n - before < BLOG_STREAM_GRID) {
                end = sh->at_end = 1;
            } else if (L->offset[L->n - 1] >= until) {
                end = 1;
            }
        }
        if (rc != 0 || L->n == 0)
            break;
        share_batch(s, sh, was);
        if (blog_marks_note(&s->marks, L, err) < 0)
            rc = -1;
        bsc_write_batch(s->cache, L);
    }
    if (rc == 0)
        bsc_write_end(s->cache, L->row0 + L->n);
    share_end(s, sh, was);
    return rc < 0 ? -1 : 0;
}

/* A compressed log has no index to seek by without inflating it (the index's own
 * pass would, and each share's seek again): each rank reads it once from its start,
 * passing over the rows before its share without parsing them, and parses its share
 * only, which ends where the next rank's begins: at the first row of the grid after
 * bytes_target(rank + 1) of the decompressed bytes. No rank but the last reads past
 * its share. Every rank finds the same boundaries (the rule reads only where rows
 * begin in the decompressed bytes), and the merge checks they meet. */
static int bytes_split(struct blog_stream *s, const struct view *v0, struct ope_error *err)
{
    struct loader *L = &s->L;
    int P = comm_size(), r = comm_rank();
    s->split_bytes = 1;
    struct share mine = { 0 };
    int rc = share_alloc(s, &mine, err);
    size_t row = 0;
    uint64_t prev = 0;
    struct ope_error e = { 0 };
    int at = rc < 0 ? -1 : r == 0 ? 1
           : blog_loader_skip_rows(L, s->csv, BLOG_STREAM_GRID, bytes_target(v0, r, P), &row,
                                   &prev, skip_mark, &s->marks, &e);
    if (at < 0 && rc == 0 && e.status == OPE_ESOFTWARE) {
        *err = e;
        rc = -1;
    }
    /* (a record that does not read before the share is a lower rank's to report) */
    mine.started = at >= 0 && rc == 0;
    s->lo = row;
    /* Where the next rank's share begins; at this rank's own first row already, its
     * share is empty. */
    uint64_t until = r + 1 == P ? UINT64_MAX : bytes_target(v0, r + 1, P);
    if (mine.started && at == 0)
        mine.at_end = 1;
    else if (mine.started && (row == 0 || prev < until))
        rc = bytes_share_read(s, &mine, until, err);
    mine.lo = s->lo;
    mine.hi = s->lo + mine.rows;
    /* The share is the range a reading of its levels again takes (levels_merge). */
    s->hi = (size_t)mine.hi;
    s->ranged = 1;
    rc = shares_merge(s, &mine, rc, err);
    if (rc == 1) {
        s->share_lo = (size_t)mine.lo;
        s->share_hi = (size_t)mine.hi;
    }
    share_release(&mine);
    return rc;
}

/* ---- several files, split by whole files ------------------------------------------- */

/* The first input of rank q's share of n files whose weights sum to cum[k] before
 * file k: the file boundary nearest to q / P of their weight (the first of equals), so
 * the shares are contiguous, in order, and computed alike by every rank from the
 * sizes they agreed on at the gate. q = P: n. */
static size_t files_first(const double *cum, size_t n, int q, int P)
{
    if (q >= P)
        return n;
    double want = cum[n] * (double)q / (double)P;
    size_t k = 0;
    while (k < n && fabs(cum[k + 1] - want) < fabs(cum[k] - want))
        k++;
    return k;
}

/* The weights of several regular files: cum[k] the weight of the files before file k
 * (a compressed file weighs four times its bytes, as --memory-limit counts it: it
 * expands into about that many bytes to parse), into *cum (n + 1, the caller's to
 * free). 1 when every input is a regular file, else 0 (*cum NULL); -1 out of memory. */
static int files_weigh(const struct blog_stream *s, double **cum, struct ope_error *err)
{
    *cum = NULL;
    if (s->spilled || s->n_in < 2)
        return 0;
    double *c = ope_calloc(s->n_in + 1, sizeof *c, err);
    if (!c)
        return -1;
    for (size_t k = 0; k < s->n_in; k++) {
        struct ope_error e = { 0 };
        struct in_src *in = s->size[k] >= 0 ? in_open(s->file[k], NULL, &e) : NULL;
        int ok = in && in_is_regular(in);
        double w = ok && in_format_of(in) != IN_PLAIN ? 4.0 : 1.0;
        in_close(in);
        if (!ok) {
            free(c);
            return 0;
        }
        c[k + 1] = c[k] + w * (double)s->size[k];
    }
    *cum = c;
    return 1;
}

/* A hash of every input's size (FNV-1a), for the gate: ranks that see files of other
 * sizes do not split. */
static unsigned long long files_sizes_hash(const struct blog_stream *s)
{
    unsigned long long h = 1469598103934665603ULL;
    for (size_t k = 0; k < s->n_in; k++)
        for (int b = 0; b < 64; b += 8) {
            h ^= ((unsigned long long)s->size[k] >> b) & 0xff;
            h *= 1099511628211ULL;
        }
    return h;
}

/* After the share's last row (the loader holding its last batch, cut at its end):
 * read on into the files after the share, up to BLOG_STREAM_GRID - 1 rows, and keep
 * them with the share's batches, neither checked nor counted in the share's facts (the
 * next rank checks them as its own): the rank's range of the later passes ends at
 * the first row of the grid in the next share, which those rows reach. Any trouble
 * (a bad row, a differing header, a column that turns categorical, whose codes would
 * be these rows' own) and the share's batches are not kept. */
/* Whether the rows after a share are kept with it: there is a cache, and no column is
 * categorical (their codes would be these rows' own). */
static int extras_wanted(const struct blog_stream *s)
{
    for (size_t j = 0; j < s->L.r.n_cols; j++)
        if (s->L.ctx[j].categorical)
            return 0;
    return s->cache != NULL;
}

/* Read up to BLOG_STREAM_GRID - 1 rows from csv (where the rows after the share begin,
 * when ok) into the loader, after the share's last batch, and keep them with it; the
 * share's facts stay its own. Any trouble and the share's batches are not kept. */
static void extras_read(struct blog_stream *s, struct csv_reader *csv, int ok)
{
    struct loader *L = &s->L;
    long max_action = L->max_action, min_pos = L->min_pos, max_pos = L->max_pos;
    struct ope_error e = { 0 };
    int rc = ok && blog_loader_read_rows(L, csv, BLOG_STREAM_GRID - 1, &e) >= 0 ? 0 : -1;
    L->rest.len = 0;
    if (rc < 0 || !extras_wanted(s))
        bsc_drop(s->cache);
    else if (L->n)
        bsc_write_batch(s->cache, L);
    L->max_action = max_action;
    L->min_pos = min_pos;
    L->max_pos = max_pos;
}

static void files_extras(struct blog_stream *s)
{
    struct loader *L = &s->L;
    if (!extras_wanted(s) || s->in_hi >= s->n_in)
        return;
    L->row0 += L->n;
    L->n = 0;
    struct ope_error e = { 0 };
    extras_read(s, s->csv, csv_set_inputs(s->csv, s->in_hi, s->n_in, &e) == 0 &&
                           csv_rows_note(&L->rows_of, s->csv, L->row0, &e) == 0);
}

static void members_extras(struct blog_stream *s, size_t line);

/* Read a share whose first row is its row 0 (where it lies in the log is known once
 * the ranks have counted): the files [s->in_lo, s->in_hi), or, split by members, the
 * decompressed bytes [s->mem_lo, s->mem_hi), checking its rows as the whole-log first
 * pass does, noting where its first BLOG_STREAM_GRID rows begin into first[*n_first]
 * (the rank's range of the later passes begins at one of them), and, split by
 * members, counting its lines and checking the members it read (csv_members_check_until).
 * Its batches are kept, with the rows after it up to the grid (files_extras,
 * members_extras), for the later passes (bsc_shift). Fills sh; -1 only when out of
 * memory. */
static int own_share_read(struct blog_stream *s, struct share *sh, struct blog_mark *first,
                          size_t *n_first, struct ope_error *err)
{
    struct loader *L = &s->L;
    size_t m = L->r.n_cols;
    int members = s->split_members;
    *n_first = 0;
    unsigned char *was = ope_calloc(m ? m : 1, 1, err);
    L->offset = was ? ope_malloc(L->cap * sizeof *L->offset, err) : NULL;
    int rc = L->offset ? share_alloc(s, sh, err) : -1;
    int empty = members ? s->mem_lo >= s->mem_hi : s->in_lo == s->in_hi;
    struct ope_error e = { 0 };
    /* (an empty share reads nothing: its rows are none) */
    sh->started = rc == 0 && (empty || blog_stream_pass_start(s, &e) == 0);
    if (sh->started && !empty)
        bsc_write_start(s->cache, 0);
    while (sh->started && !empty) {
        for (size_t j = 0; j < m; j++)
            was[j] = (unsigned char)L->ctx[j].categorical;
        L->row0 += L->n;
        L->n = 0;
        int got = blog_loader_read_rows(L, s->csv, s->batch, &sh->read_err);
        if (got < 0)
            break;
        for (size_t i = 0; L->row0 == 0 && i < L->n && i < BLOG_STREAM_GRID; i++) {
            size_t in = 0;
            while (in + 1 < L->rows_of.n && L->rows_of.start[in + 1] <= i)
                in++;
            first[i] = (struct blog_mark){ in, L->offset[i], L->line[i] };
            *n_first = i + 1;
        }
        if (L->n) {
            share_batch(s, sh, was);
            bsc_write_batch(s->cache, L);
        }
        if (got == 0) {
            size_t end_line;
            csv_next_offset(s->csv, &end_line);
            sh->lines = end_line - sh->line_lo;
            if (members && s->mem_end && csv_members_check_until(s->csv, &sh->read_err) != 0)
                break;
            if (members)
                members_extras(s, end_line);
            else
                files_extras(s);
            bsc_write_end(s->cache, L->row0 + L->n);
            break;
        }
    }
    share_end(s, sh, was);
    sh->at_end = members ? !s->mem_end : s->in_hi == s->n_in;
    return rc;
}

/* Round a row up to the grid, at most the log's rows. */
static size_t grid_up(size_t row, size_t total)
{
    size_t g = (row + BLOG_STREAM_GRID - 1) / BLOG_STREAM_GRID * BLOG_STREAM_GRID;
    return g < total ? g : total;
}

/* The rank's share [s->share_lo, s->share_hi) as the merge placed it in the log, moved
 * to the grid: its range of the later passes, from the first row of the grid in it
 * (one of the first[n_first] rows it read, its mark; line_off added to its line) up
 * to the first in the next share. 1, or -1 with err. */
static int share_to_grid(struct blog_stream *s, const struct blog_mark *first, size_t n_first,
                         size_t line_off, struct ope_error *err)
{
    int rc = 1;
    size_t lo = grid_up(s->share_lo, s->total), hi = grid_up(s->share_hi, s->total);
    size_t j = lo - s->share_lo;
    if (lo < hi && j >= n_first)
        rc = ope_fail(err, OPE_ESOFTWARE, "share_to_grid: row %zu of a share of %zu rows "
                      "(%zu noted)", j, s->share_hi - s->share_lo, n_first);
    else if (lo < hi && lo > 0) {
        blog_marks_release(&s->marks);
        if (blog_marks_add(&s->marks, first[j].input, first[j].offset, first[j].line + line_off,
                           err) < 0)
            rc = -1;
        s->marks.first = lo / BLOG_STREAM_GRID;
    }
    /* What the share kept serves the range (bsc_shift). */
    if (rc == 1)
        bsc_shift(s->cache, s->share_lo, line_off, lo, hi);
    s->share_lo = lo;
    s->share_hi = hi;
    return rc;
}

/* The rest of a split by files or by members, once the rank knows its share: read it
 * (own_share_read; a share not placed reads nothing and does not start, so the merge
 * falls back) while a thread takes the log's SHA-256 (with a core to spare, no time),
 * merge the shares, and move the rank's to the grid (share_to_grid). As
 * blog_stream_split returns. */
static int own_split(struct blog_stream *s, struct share *mine, int placed,
                     struct ope_error *err)
{
    size_t n_first = 0;
    struct sha256_job h = { (const char *const *)s->file, s->n_in, "", { 0 }, -1 };
    pthread_t th;
    int hashing = pthread_create(&th, NULL, sha256_job_run, &h) == 0;
    struct blog_mark *first = ope_calloc(BLOG_STREAM_GRID, sizeof *first, err);
    int rc = first ? own_share_read(s, mine, first, &n_first, err) : -1;
    if (!placed)
        mine->started = 0;
    if (hashing)
        pthread_join(th, NULL);
    else
        sha256_job_run(&h);
    rc = shares_merge(s, mine, rc, err);
    s->in_lo = s->in_hi = 0;
    s->mem_lo = s->mem_hi = 0;
    /* (split by files, a share's lines are its files' own) */
    if (rc == 1)
        rc = share_to_grid(s, first, n_first, s->split_members ? (size_t)mine->line_off : 0,
                           err);
    share_release(mine);
    free(first);
    if (rc == 1 && h.rc < 0) {
        *err = h.err;
        rc = -1;
    } else if (rc == 1) {
        memcpy(s->digest, h.hex, sizeof s->digest);
    }
    return rc;
}

/* A log of several regular files: each rank reads, checks and counts the rows of its
 * own files only (files_first), and the ranks merge their facts and first errors in
 * rank order, which is file order. The counts give each share's rows in the log; a
 * rank's range of the later passes is its share's rows moved to the grid (the first
 * row of the grid in its share up to the first in the next share: its last file's
 * range may run a few rows into the next rank's files), and begins at one of the
 * first BLOG_STREAM_GRID rows it read, whose mark it noted. No rank reads every byte:
 * each hashes every file for the log's SHA-256 (blog_stream_digest: several inputs'
 * bytes in order, by which the ranks see they read the same log) on a thread while
 * it parses its share, less work than parsing them. */
static int files_split(struct blog_stream *s, const double *cum, struct ope_error *err)
{
    int P = comm_size(), r = comm_rank();
    s->split_files = 1;
    s->in_lo = files_first(cum, s->n_in, r, P);
    s->in_hi = files_first(cum, s->n_in, r + 1, P);
    struct share mine = { 0 };
    return own_split(s, &mine, 1, err);
}

/* ---- a compressed file of members, split by its members ----------------------------- */

/* Where rank q's share begins: the first row after the first line end at or after the
 * member boundary nearest q / P of the decompressed bytes (as files_first picks a
 * file), or at the first row after the header (d, its line end d - 1) when that is
 * later; q = 0: d; the log's end when no line end follows. Every rank computes the
 * same from the index and the bytes. Whether a line end there ends a row (not one
 * inside a quoted field) is for the share before to show: it reads from its own first
 * row up to this byte, and must end a row on it. 0, or -1 with err. */
static int members_row(const char *file, const struct in_members *m, int q, int P, uint64_t d,
                       uint64_t *x, struct ope_error *err)
{
    uint64_t total = m->out[m->n];
    *x = q == 0 ? d : total;
    if (q == 0 || q >= P)
        return 0;
    /* (the boundary at or before want, or the next when that is nearer: past members
     * that expand into nothing, such as the empty member that ends each bgzip run of a
     * file of several) */
    double want = (double)total * (double)q / (double)P;
    size_t k = in_members_at(m, want < 1.8e19 ? (uint64_t)want : total);
    if ((double)m->out[k + 1] - want < want - (double)m->out[k])
        k++;
    uint64_t at = m->out[k] > d - 1 ? m->out[k] : d - 1;
    if (at >= total)
        return 0;
    struct in_src *in = in_open(file, NULL, err);
    if (!in)
        return -1;
    in_set_no_readahead(in);
    char buf[1 << 16];
    int rc = in_seek(in, (size_t)at, err);
    while (rc == 0) {
        long got = in_read(in, buf, sizeof buf, err);
        const char *nl = got > 0 ? memchr(buf, '\n', (size_t)got) : NULL;
        if (got <= 0 || nl) {
            if (nl)
                *x = at + (uint64_t)(nl - buf) + 1;
            rc = got < 0 ? -1 : 0;
            break;
        }
        at += (uint64_t)got;
    }
    in_close(in);
    return rc;
}

/* After the share's last row: read on from the next share's first row (its line
 * `line`, as the share counts them), up to BLOG_STREAM_GRID - 1 rows, and keep them
 * with the share's batches, neither checked nor counted (extras_read, by a reader of
 * its own, which seeks there). */
static void members_extras(struct blog_stream *s, size_t line)
{
    struct loader *L = &s->L;
    if (!extras_wanted(s) || !s->mem_end)
        return;
    L->row0 += L->n;
    L->n = 0;
    L->rest.len = 0;
    struct ope_error e = { 0 };
    struct csv_reader *x = csv_open_again((const char *const *)s->file,
                                          (const char *const *)s->name, 1, s->o.sep, &e);
    const struct csv_field *f;
    size_t nf;
    extras_read(s, x, x && csv_next(x, &f, &nf, &e) == 1 &&
                      csv_seek(x, 0, s->mem_hi, line, &e) == 1);
    csv_close(x);
}

/* A compressed file whose members have an index (members.h): each rank decompresses
 * and reads only its share of the members, from the first row after the first line
 * end in its first one (members_row) to the first row after the next rank's, checks
 * and counts its rows, and the ranks merge their facts in rank order as for several
 * files; a share that does not end on the next one's first row, a row that does not
 * read or a check that fails, and the ranks make the whole-log first pass instead
 * (merge). The counts place each share in the log, and its range of the later passes
 * is moved to the grid as for files (share_to_grid). Each rank hashes the whole file
 * on a thread meanwhile, for the log's SHA-256. */
static int members_split(struct blog_stream *s, const struct in_members *mem,
                         struct ope_error *err)
{
    int P = comm_size(), r = comm_rank();
    uint64_t total = mem->out[mem->n], lo, hi;
    size_t line0;
    uint64_t d = csv_next_offset(s->csv, &line0);
    struct ope_error e = { 0 };
    int placed = members_row(s->file[0], mem, r, P, d, &lo, &e) == 0 &&
                 members_row(s->file[0], mem, r + 1, P, d, &hi, &e) == 0 && lo <= hi;
    s->split_members = 1;
    s->mem_lo = placed ? (size_t)lo : 0;
    s->mem_hi = placed ? (size_t)hi : 0;
    s->mem_seek = r > 0;
    s->mem_end = placed && hi < total;
    /* The next share begins in the member its byte before lies in: this one is read
     * checking each member it begins against the index, and on until that member has
     * begun (csv_members_check_until), so the members before it, and the one this
     * share stops in, have the lengths the index gives them (the next share starts
     * from the index's word). */
    s->mem_watch = s->mem_end ? mem->raw[in_members_at(mem, hi - 1)] : UINT64_MAX;
    /* (the first row's line: rank 0's is the log's, the others count theirs from 1) */
    struct share mine = { .line_lo = r == 0 ? line0 : 1 };
    return own_split(s, &mine, placed, err);
}

/* The index of a compressed file's members, when it has one of two or more. */
static const struct in_members *members_of_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    const struct in_members *m = in_members_of(fd, path);
    close(fd);
    return m && m->n >= 2 && in_members_trusted(m) ? m : NULL;
}

/* The kind of split path allows: SPLIT_INDEX for a plain regular file, SPLIT_BYTES for
 * a compressed one, SPLIT_NONE for anything else (a pipe is read whole by every rank,
 * and copied as it is read). *tilt: decompression's share of the time a rank spends
 * on a byte of the log (bytes_target), in thousandths, as measured on make bench's
 * 1,000,000-row log with 10 policies, 9 estimators and B = 1000: zlib inflates gzip
 * at about 300 MB/s on this project's machine (5.3 s of the 17.3 s one process takes
 * from the .gz), zstd at about three times that (1.6 s of 13.6 s). A lighter
 * evaluation spends a larger share decompressing, a heavier one a smaller: the plan
 * is a middle, and it only moves rows between ranks. */
static int split_kind(const char *path, unsigned long long *tilt)
{
    struct ope_error e = { 0 };
    struct in_src *in = in_open(path, NULL, &e);
    int kind = !in || !in_is_regular(in) ? SPLIT_NONE
             : in_format_of(in) == IN_PLAIN ? SPLIT_INDEX : SPLIT_BYTES;
    *tilt = kind == SPLIT_BYTES && in_format_of(in) == IN_GZIP ? 250 : 100;
    in_close(in);
    return kind;
}

int blog_stream_split(struct blog_stream *s, int open_rc, struct ope_error *err)
{
    /* One regular file, or several. */
    struct view mine = { 0 }, first = { 0 };
    struct csv_index ix = { 0 };
    struct ope_error e = { 0 };
    unsigned long long kind_tilt = 0;
    int kind = open_rc == 0 && s->n_in == 1 && !s->spilled && s->size[0] >= 0
             ? split_kind(s->file[0], &kind_tilt) : SPLIT_NONE;
    double *cum = NULL;
    if (open_rc == 0 && s->n_in > 1) {
        /* (out of memory here, the ranks read the log whole) */
        kind = files_weigh(s, &cum, &e) == 1 ? SPLIT_FILES : SPLIT_NONE;
        e.status = 0;
    }
    const struct in_members *mem = kind == SPLIT_BYTES ? members_of_path(s->file[0]) : NULL;
    if (mem)
        kind = SPLIT_MEMBERS;
    if (kind == SPLIT_INDEX && csv_index_build(s->file[0], BLOG_STREAM_GRID, 1, &ix, &e) == 0 &&
        ix.seekable && ix.rows > 0) {
        /* The index read every byte of the file: its digest is the log's
         * (blog_stream_digest), which each rank needs to see it reads the same log as
         * the others, whether they split the pass or not. */
        memcpy(s->digest, ix.sha256, sizeof s->digest);
        mine.can = SPLIT_INDEX;
        mine.rows = ix.rows;
    } else if (kind == SPLIT_BYTES) {
        mine.can = SPLIT_BYTES;
        mine.out = csv_bytes_taken(s->csv);
        mine.raw = csv_raw_taken(s->csv);
        mine.tilt = kind_tilt;
    } else if (kind == SPLIT_MEMBERS) {
        mine.can = SPLIT_MEMBERS;
        mine.rows = mem->n;
        mine.out = mem->out[mem->n];
    } else if (kind == SPLIT_FILES) {
        mine.can = SPLIT_FILES;
        mine.rows = s->n_in;
        mine.out = files_sizes_hash(s);
    }
    if (mine.can) {
        mine.size = 0;
        for (size_t k = 0; k < s->n_in; k++)
            mine.size += (unsigned long long)s->size[k];
        mine.cols = s->L.r.n_cols;
    }
    int rc = gate(&mine, &first, open_rc == 0 ? err : &e);
    if (rc == 1)
        rc = mine.can == SPLIT_INDEX ? split_pass(s, &ix, err)
           : mine.can == SPLIT_BYTES ? bytes_split(s, &first, err)
           : mine.can == SPLIT_MEMBERS ? members_split(s, mem, err) : files_split(s, cum, err);
    csv_index_release(&ix);
    free(cum);
    return open_rc == 0 ? rc : 0;
}
