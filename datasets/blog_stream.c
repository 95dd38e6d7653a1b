/* datasets/blog_stream.c: a bandit log read in windows (blog_stream.h). The rows are
 * read by blog_load's own reader (blog_loader_read_rows: the same parser, the same
 * parallel runs of plain lines) into a batch of a few windows, and each window is a
 * struct blog whose columns point into the batch. Whole-log facts come from a first
 * pass made by blog_stream_open, which also makes every check blog_load makes. */
#include "config.h"
#include "datasets/blog_stream.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/blog_loader.h"
#include "datasets/blog_stream_cache.h"
#include "datasets/blog_stream_int.h"
#include "datasets/blog_stream_range.h"
#include "datasets/tlog.h"
#include "ope/base/comm.h"
#include "ope/base/outfile.h"
#include "ope/base/tmpfile.h"

/* Bytes of column storage a batch aims at (windows read at once, so the parallel
 * reading of plain lines has several parts to share out), and its most windows. */
#define BATCH_BYTES ((size_t)16 << 20)
#define BATCH_MAX_WINDOWS 16
/* Bytes of column storage one window may take: a wide log (many actions, positions or
 * policies) gets windows of fewer rows, still a multiple of 4096, so that its memory
 * stays about this much and not 65,536 rows times its width (1 GB at 2,000 columns). */
#define WINDOW_BYTES ((size_t)64 << 20)

static int any_window;

void blog_stream_test_any_window(int on)
{
    any_window = on;
}

/* ---- inputs: spilled when they cannot be read again ---------------------------- */

/* Input k as messages name it: '-' is standard input. */
static const char *input_name(const struct blog_stream *s, size_t k)
{
    return strcmp(s->name[k], "-") == 0 ? "standard input" : s->name[k];
}

/* A temporary file for input k, which the first pass fills as it reads (csv_set_tee)
 * and the later passes read. */
const char *blog_stream_spill_dir(void)
{
    return ope_tmp_dir();
}

static int spill_create(struct blog_stream *s, size_t k, struct ope_error *err)
{
    const char *tmp = blog_stream_spill_dir();
    size_t len = strlen(tmp) + 32;
    if (!(s->file[k] = ope_malloc(len, err)))
        return -1;
    snprintf(s->file[k], len, "%s/ope-stream-XXXXXX", tmp);
    int fd = mkstemp(s->file[k]);
    if (fd < 0)
        return ope_fail(err, OPE_ECANTCREAT, "%s: cannot create a temporary file to read "
                        "%s again: %s (set TMPDIR to a writable directory)", s->file[k],
                        input_name(s, k), strerror(errno));
    s->spill[k] = 1;
    s->spilled = 1;
    ope_outfile_track(s->file[k], 1);   /* a fatal signal removes it too */
    if (!(s->tee[k] = fdopen(fd, "wb"))) {
        close(fd);
        return ope_fail(err, OPE_ECANTCREAT, "%s: cannot write: %s", s->file[k],
                        strerror(errno));
    }
    return 0;
}

/* The first pass has read every input to its end: close the copies. */
static int spill_done(struct blog_stream *s, struct ope_error *err)
{
    int rc = 0;
    for (size_t k = 0; k < s->n_in; k++) {
        if (s->tee[k] && fclose(s->tee[k]) != 0 && rc == 0)
            rc = ope_fail(err, OPE_ECANTCREAT, "%s: cannot write the temporary copy of "
                          "%s: %s", s->file[k], input_name(s, k), strerror(errno));
        s->tee[k] = NULL;
    }
    return rc;
}

/* Standard input and anything that is not a regular file (a pipe, a FIFO, <(...))
 * is copied to a temporary file as the first pass reads it; the later passes read the
 * copy under the input's name. A path that cannot be examined is left to csv_open,
 * whose message is blog_load's. */
static int inputs_open(struct blog_stream *s, const char *const *paths, struct ope_error *err)
{
    for (size_t k = 0; k < s->n_in; k++) {
        struct stat st;
        if (!(s->name[k] = ope_strdup(paths[k], err)))
            return -1;
        int is_stdin = strcmp(paths[k], "-") == 0;
        if (!is_stdin && stat(paths[k], &st) == 0 && S_ISREG(st.st_mode)) {
            s->size[k] = (long long)st.st_size;
            in_stamp_of(&st, &s->stamp[k]);
        } else if (is_stdin || (stat(paths[k], &st) == 0 && !S_ISDIR(st.st_mode))) {
            if (spill_create(s, k, err) < 0)
                return -1;
            continue;
        }
        if (!(s->file[k] = ope_strdup(paths[k], err)))
            return -1;
    }
    return 0;
}

/* The log changed between passes; k is the input seen to change, or -1 when it is not
 * known which (then the first names the log). */
static int changed_in(const struct blog_stream *s, long k, const char *how,
                      struct ope_error *err)
{
    return ope_fail(err, OPE_EDATA, "%s: the log changed while it was read (%s); a "
                    "streamed log is read several times and must not change meanwhile",
                    s->name[k < 0 ? 0 : k], how);
}

static int changed(const struct blog_stream *s, const char *how, struct ope_error *err)
{
    return changed_in(s, -1, how, err);
}

/* The regular inputs have the size and time the first pass found. */
static int inputs_unchanged(const struct blog_stream *s, struct ope_error *err)
{
    for (size_t k = 0; k < s->n_in; k++)
        if (!s->spill[k] && s->size[k] >= 0 && !in_stamp_same(s->file[k], &s->stamp[k]))
            return changed_in(s, (long)k, "its size or time", err);
    return 0;
}

/* The pass's rows read back from the cache, when it holds them (no input is read:
 * the inputs were checked unchanged by size and time). 1 when it does, else 0. */
static int pass_from_cache(struct blog_stream *s)
{
    struct loader *L = &s->L;
    size_t lo = s->ranged ? s->lo : 0, hi = s->ranged ? s->hi : s->total;
    s->from_cache = s->settled && bsc_covers(s->cache, lo, hi, L) && bsc_read_start(s->cache) == 0;
    if (!s->from_cache)
        return 0;
    L->n = 0;
    L->row0 = lo;
    L->rest.len = 0;
    s->pass_rows = 0;
    s->off = 0;
    s->eof = 0;
    return 1;
}

static int parse_pass_start(struct blog_stream *s, struct ope_error *err);

int blog_stream_pass_start(struct blog_stream *s, struct ope_error *err)
{
    if (inputs_unchanged(s, err) != 0)
        return -1;
    if (pass_from_cache(s))
        return 0;
    if (parse_pass_start(s, err) != 0)
        return -1;
    /* Once the first pass is over, a pass that parses keeps its batches for the next. */
    if (s->settled)
        bsc_write_start(s->cache, s->L.row0);
    return 0;
}

/* Open the inputs for a pass that parses them, at its range's first row. */
static int parse_pass_start(struct blog_stream *s, struct ope_error *err)
{
    csv_close(s->csv);
    /* Only the whole-log first pass takes the digest of several inputs (first_pass);
     * the other passes need not hash their bytes again. */
    s->csv = (s->settled || s->in_lo < s->in_hi ? csv_open_again : csv_open_named)(
        (const char *const *)s->file, (const char *const *)s->name, s->n_in, s->o.sep, err);
    if (!s->csv)
        return -1;
    csv_set_progress(s->csv, s->progress);
    /* (a share split by members checks the members it decodes from its first read) */
    if (s->mem_lo < s->mem_hi)
        csv_set_members_strict(s->csv, s->mem_watch);
    const struct csv_field *f;
    size_t nf;
    int rc = csv_next(s->csv, &f, &nf, err);
    if (rc < 0)
        return -1;
    if (rc == 0 || nf != s->L.r.n_cols)
        return changed(s, "its header", err);
    struct loader *L = &s->L;
    L->csv = s->csv;
    L->r.path = csv_name(s->csv);
    L->n = 0;
    L->row0 = 0;
    L->rest.len = 0;
    free(L->rows_of.start);
    L->rows_of.start = NULL;
    L->rows_of.n = 0;
    s->pass_rows = 0;
    s->off = 0;
    s->eof = s->ranged && s->lo == s->hi;
    /* A share of the first pass split by files starts at its first input, whose first
     * row is its row 0 (the rows before it are other ranks'). */
    if (s->in_lo < s->in_hi)
        return csv_set_inputs(s->csv, s->in_lo, s->in_hi, err) < 0 ||
               csv_rows_note(&L->rows_of, s->csv, 0, err) < 0 ? -1 : 0;
    /* One split by members starts at its first row (a seek: the decompression starts
     * at the member it lies in) and ends where the next share's first row begins. */
    if (s->mem_lo < s->mem_hi) {
        rc = s->mem_seek ? csv_seek(s->csv, 0, s->mem_lo, 1, err) : 1;
        if (rc == 0)
            return changed(s, "where its rows begin", err);
        if (rc > 0 && s->mem_end)
            csv_set_end(s->csv, s->mem_hi);
        return rc < 0 ? -1 : 0;
    }
    if (!s->ranged || s->lo == 0 || s->eof)
        return 0;
    /* A range starts by a seek to its first row (csv_seek: a compressed input is
     * decompressed up to it); the byte before it must still end a line. */
    size_t in = 0;
    rc = blog_marks_seek(&s->marks, s->csv, s->lo, &in, err);
    if (rc == 0)
        return changed_in(s, (long)in, "where its rows begin", err);
    L->row0 = s->lo;
    return rc < 0 ? -1 : 0;
}

/* The pass parses its inputs from row `at` on (a batch's first row), in place of the
 * cache: from the pass's first row, the rows before `at` read and dropped (a rare
 * path: the cache failed a read). The rows the pass gave already still count. */
static int parse_from(struct blog_stream *s, size_t at, struct ope_error *err)
{
    struct loader *L = &s->L;
    size_t given = s->pass_rows;
    s->from_cache = 0;
    if (parse_pass_start(s, err) != 0)
        return -1;
    s->pass_rows = given;
    while (L->row0 < at) {
        size_t limit = at - L->row0 < s->batch ? at - L->row0 : s->batch;
        int rc = blog_loader_read_rows(L, s->csv, limit, err);
        if (rc < 0)
            return -1;
        if (L->n == 0)
            return changed(s, "its number of rows", err);
        L->row0 += L->n;
        L->n = 0;
    }
    s->eof = 0;
    return 0;
}

/* The next batch of rows into the loader (none at the end). 0 or -1. */
int blog_stream_batch_read(struct blog_stream *s, struct ope_error *err)
{
    struct loader *L = &s->L;
    L->row0 += L->n;
    L->n = 0;
    s->off = 0;
    if (s->eof) {
        bsc_write_end(s->cache, L->row0);
        return 0;
    }
    if (s->from_cache) {
        struct ope_error e = { 0 };
        if (bsc_read_batch(s->cache, L, &s->eof, s->progress, input_name(s, 0), &e) == 0)
            return 0;
        if (e.status != OPE_ENOINPUT) {
            *err = e;
            return -1;
        }
        /* The parsed rows could not be read back (an I/O error in $TMPDIR; the cache is
         * gone): the log has them, checked unchanged when the pass began. */
        snprintf(s->cache_failed, sizeof s->cache_failed, "%s", e.msg);
        if (parse_from(s, L->row0, err) != 0)
            return -1;
    }
    /* A range that ends before the log stops there; one that ends with the log reads
     * on to its end, which must come there (blog_stream_next). */
    int cut = s->ranged && s->hi < s->total;
    size_t limit = cut && s->hi - L->row0 < s->batch ? s->hi - L->row0 : s->batch;
    int rc = blog_loader_read_rows(L, s->csv, limit, err);
    if (rc < 0)
        return -1;
    s->eof = rc == 0 || (cut && L->row0 + L->n >= s->hi);
    if (L->n)
        bsc_write_batch(s->cache, L);
    /* Rows that end with the last batch (as many as a whole number of batches): no call
     * comes after this empty one to say the pass read them all. */
    else if (s->eof)
        bsc_write_end(s->cache, L->row0);
    return 0;
}

/* ---- the first pass: whole-log facts and every check ----------------------------- */

void blog_stream_check_batch(struct blog_stream *s, struct blog_stream_checks *c)
{
    struct loader *L = &s->L;
    const struct roles *r = &L->r;
    /* With per-action columns the actions are 0..the largest named (a larger one is
     * the actions error, reported first); --n-actions overrides. */
    int A = s->o.n_actions > 0 ? s->o.n_actions : r->max_action + 1;
    struct ope_error e;
    if (!c->slot[0].status && blog_loader_n_actions(L, &e) < 0)
        c->slot[0] = e;
    if (!c->slot[1].status && blog_loader_check_positions(L, blog_loader_base(L), &e) < 0)
        c->slot[1] = e;
    for (size_t k = 2; k < c->n && A > 0; k++) {
        size_t p = k - 2;
        enum roles_use use = p < r->n_policies ? USE_POLICY
                           : p == r->n_policies ? USE_QHAT : USE_TRUTH;
        if ((use == USE_QHAT && !r->n_qhat) || (use == USE_TRUTH && !r->n_truth) ||
            c->slot[k].status)
            continue;
        if (blog_loader_check_columns(L, use, use == USE_POLICY ? (int)p : -1, A, &e) < 0)
            c->slot[k] = e;
    }
}

static int first_pass(struct blog_stream *s, struct ope_error *err)
{
    struct loader *L = &s->L;
    struct blog_stream_checks c;
    c.n = 2 + L->r.n_policies + 2;
    if (!(c.slot = ope_calloc(c.n, sizeof *c.slot, err)))
        return -1;
    /* One process reads every row in order here, so the batches are the later passes'
     * (its codes are final, unless a column turns categorical late: the cache then
     * stops, and the first later pass writes it). MPI ranks that each read the whole
     * log here go on with a range of it: they keep that range's batches instead. */
    if (comm_size() == 1)
        bsc_write_start(s->cache, 0);
    unsigned char *was = ope_calloc(L->r.n_cols, 1, err);
    /* Where the rows begin: kept for this pass only, to note the marks. */
    L->offset = ope_malloc(L->cap * sizeof *L->offset, err);
    int late = 0, rc = was && L->offset ? 0 : -1;
    while (rc == 0) {
        for (size_t j = 0; j < L->r.n_cols; j++)
            was[j] = (unsigned char)L->ctx[j].categorical;
        if ((rc = blog_stream_batch_read(s, err)) < 0 || L->n == 0)
            break;
        /* A column that turns categorical after the first batch has levels from rows
         * no longer held: they are collected again below. */
        for (size_t j = 0; j < L->r.n_cols; j++)
            late |= L->ctx[j].categorical && !was[j] && L->row0 > 0;
        blog_stream_check_batch(s, &c);
        if ((rc = blog_marks_note(&s->marks, L, err)) < 0)
            break;
        s->total += L->n;
    }
    free(was);
    free(L->offset);
    L->offset = NULL;
    /* The digest of a pipe, or of several inputs' bytes in order, is known once the
     * pass has read them all; so are the copies. (A regular file's is not, unless an
     * MPI rank's index of it took it already: blog_stream_split.) */
    char d[65];
    if (rc == 0 && csv_digest(s->csv, d) == 0)
        memcpy(s->digest, d, sizeof d);
    if (rc == 0)
        rc = spill_done(s, err);
    if (rc == 0 && s->total == 0)
        rc = blog_loader_no_rows(L, err);
    for (size_t k = 0; rc == 0 && k < c.n; k++)
        if (c.slot[k].status) {
            *err = c.slot[k];
            rc = -1;
        }
    free(c.slot);
    if (rc < 0)
        return -1;
    if ((s->A = blog_loader_n_actions(L, err)) < 0)
        return -1;
    s->base = blog_loader_base(L);
    s->npos = L->r.single[ROLE_POSITION] >= 0 ? (int)(L->max_pos - s->base + 1) : 1;
    if (!late)
        return 0;
    /* The levels in order of first appearance over the whole log: read it again with
     * every categorical column categorical from its first row (numbers become levels
     * by their shortest spelling, as when blog_load converts a column). */
    for (size_t j = 0; j < L->r.n_cols; j++)
        if (L->ctx[j].categorical) {
            roles_levels_release(&L->ctx[j].lv);
            memset(&L->ctx[j].lv, 0, sizeof L->ctx[j].lv);
        }
    if (blog_stream_pass_start(s, err) < 0)
        return -1;
    do
        if (blog_stream_batch_read(s, err) < 0)
            return -1;
    while (L->n > 0);
    return 0;
}

/* ---- the window ------------------------------------------------------------------- */

/* The parts of the window that every window shares: names, levels, matrices. */
static int window_setup(struct blog_stream *s, struct ope_error *err)
{
    struct loader *L = &s->L;
    struct blog *w = &s->w;
    size_t m = L->r.n_cols, nn = 0, nc = 0;
    if (!(s->cat = ope_calloc(m, 1, err)) || !(s->levels = ope_calloc(m, sizeof *s->levels, err)) ||
        !(s->num_j = ope_calloc(m, sizeof *s->num_j, err)) ||
        !(s->cat_j = ope_calloc(m, sizeof *s->cat_j, err)))
        return -1;
    for (size_t j = 0; j < m; j++) {
        if (L->kind[j] != K_CTX)
            continue;
        s->cat[j] = (unsigned char)L->ctx[j].categorical;
        s->levels[j] = L->ctx[j].lv.n;
        if (s->cat[j])
            s->cat_j[nc++] = j;
        else
            s->num_j[nn++] = j;
    }
    memset(w, 0, sizeof *w);
    w->n_actions = s->A;
    w->n_positions = s->npos;
    if (!(w->path = ope_strdup(s->name[0], err)) || blog_loader_columns(L, w, err) < 0)
        return -1;
    w->n_num_ctx = nn;
    w->n_cat_ctx = nc;
    if ((nn && (!(w->num_ctx = ope_calloc(nn, sizeof *w->num_ctx, err)) ||
                !(w->num_ctx_name = ope_calloc(nn, sizeof *w->num_ctx_name, err)))) ||
        (nc && !(w->cat_ctx = ope_calloc(nc, sizeof *w->cat_ctx, err))))
        return -1;
    for (size_t k = 0; k < nn; k++)
        w->num_ctx_name[k] = L->r.name[s->num_j[k]];
    for (size_t k = 0; k < nc; k++) {
        struct blog_catcol *cc = &w->cat_ctx[k];
        cc->name = L->r.name[s->cat_j[k]];
        cc->n_levels = L->ctx[s->cat_j[k]].lv.n;
        cc->levels = L->ctx[s->cat_j[k]].lv.level;
    }
    size_t P = L->r.n_policies;
    s->n_mat = P + (L->r.n_qhat > 0) + (L->r.n_truth > 0);
    if ((P && !(w->policy = ope_calloc(P, sizeof *w->policy, err))) ||
        (s->n_mat && !(s->mat = ope_calloc(s->n_mat, sizeof *s->mat, err))) ||
        !(s->zeros = ope_calloc(s->batch, sizeof *s->zeros, err)))
        return -1;
    w->n_policies = P;
    for (size_t k = 0; k < s->n_mat; k++) {
        struct wmat *x = &s->mat[k];
        x->use = k < P ? USE_POLICY : k == P && L->r.n_qhat ? USE_QHAT : USE_TRUTH;
        x->policy = k < P ? (int)k : -1;
        if (!(x->lut = blog_loader_raw_lut(L, x->use, x->policy, s->A, &x->lut_rows, err)) ||
            !(x->m = ope_calloc((size_t)s->A, sizeof *x->m, err)))
            return -1;
        if (s->npos > 1) {
            if (!(x->own = ope_malloc((size_t)s->A * s->window * sizeof *x->own, err)))
                return -1;
            for (int a = 0; a < s->A; a++)
                x->m[a] = x->own + (size_t)a * s->window;
        }
        if (k < P) {
            w->policy[k].name = L->r.policy_name[k];
            w->policy[k].prob = x->m;
        } else if (x->use == USE_QHAT) {
            w->qhat = x->m;
        } else {
            w->q = x->m;
        }
    }
    return 0;
}

/* Point the window at rows off..off+n-1 of the batch. */
static void window_fill(struct blog_stream *s, size_t off, size_t n)
{
    struct loader *L = &s->L;
    struct blog *w = &s->w;
    w->n = n;
    w->action = L->action + off;
    w->reward = L->reward + off;
    w->pscore = L->pscore + off;
    w->line = L->line + off;
    w->position = L->pos ? L->pos + off : NULL;
    for (size_t k = 0; k < w->n_num_ctx; k++)
        w->num_ctx[k] = L->val[s->num_j[k]] + off;
    for (size_t k = 0; k < w->n_cat_ctx; k++)
        w->cat_ctx[k].code = L->ctx[s->cat_j[k]].code + off;
    int A = s->A;
    for (size_t k = 0; k < s->n_mat; k++) {
        struct wmat *x = &s->mat[k];
        if (s->npos == 1) {
            /* Every row takes the same columns: point at them (as blog_load's matrix
             * takes them over). */
            int raw = w->position ? s->base : 0;
            const int *row = x->lut + (size_t)(raw < x->lut_rows - 1 ? raw : x->lut_rows - 1) * A;
            for (int a = 0; a < A; a++)
                x->m[a] = row[a] >= 0 ? L->val[row[a]] + off : s->zeros;
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            int raw = w->position[i] + s->base;
            const int *row = x->lut + (size_t)(raw < x->lut_rows - 1 ? raw : x->lut_rows - 1) * A;
            for (int a = 0; a < A; a++)
                x->m[a][i] = row[a] >= 0 ? L->val[row[a]][off + i] : 0.0;
        }
    }
}

/* ---- the interface ------------------------------------------------------------------ */

struct blog_stream *blog_stream_open(const char *const *paths, size_t n_paths,
                                     const struct load_opts *o, size_t window,
                                     struct ope_error *err)
{
    return blog_stream_open_progress(paths, n_paths, o, window, NULL, err);
}

/* Everything blog_stream_open does before the first pass: the inputs opened (pipes to
 * be spilled), the header read and checked, the window and batch sized. 0 or -1. */
static int open_header(struct blog_stream *s, const char *const *paths, size_t n_paths,
                       size_t window, struct ope_error *err)
{
    if (!(s->name = ope_calloc(n_paths, sizeof *s->name, err)) ||
        !(s->file = ope_calloc(n_paths, sizeof *s->file, err)) ||
        !(s->spill = ope_calloc(n_paths, sizeof *s->spill, err)) ||
        !(s->tee = ope_calloc(n_paths, sizeof *s->tee, err)) ||
        !(s->size = ope_calloc(n_paths, sizeof *s->size, err)) ||
        !(s->stamp = ope_calloc(n_paths, sizeof *s->stamp, err)))
        return -1;
    for (size_t k = 0; k < n_paths; k++)
        s->size[k] = -1;
    if (inputs_open(s, paths, err) < 0)
        return -1;
    s->csv = csv_open_many((const char *const *)s->name, n_paths, s->o.sep, err);
    if (!s->csv)
        return -1;
    csv_set_tee(s->csv, s->tee, (const char *const *)s->file);
    csv_set_progress(s->csv, s->progress);
    /* The header sniffed as the whole-log reading sniffs it (its message for an empty
     * input), and a trajectory log refused as a usage error, as the commands refuse a
     * regular file they sniff themselves: a pipe cannot be sniffed before it is here. */
    int traj = log_csv_is_trajectory(s->csv, &s->o, err);
    if (traj < 0)
        return -1;
    if (traj == 1 && s->o.stream_handoff) {
        s->traj = 1;
        return 0;
    }
    if (traj == 1)
        return ope_fail(err, OPE_EUSAGE, "%s: --stream reads bandit logs; this is a "
                        "trajectory log (episode and step columns), which is read whole: "
                        "drop --stream", csv_name(s->csv));
    s->have_loader = 1;
    if (blog_loader_header(&s->L, s->csv, &s->o, err) < 0)
        return -1;
    s->cache = s->o.reparse ? NULL : bsc_new();
    size_t per_row = 8 * (s->L.r.n_cols + 4);
    size_t cap = WINDOW_BYTES / per_row / 4096 * 4096;
    if (!any_window && window > cap)
        window = s->window = cap < 4096 ? 4096 : cap;
    size_t k = BATCH_BYTES / (window * per_row);
    k = k < 1 ? 1 : k > BATCH_MAX_WINDOWS ? BATCH_MAX_WINDOWS : k;
    s->batch = window * k;
    return blog_loader_reserve(&s->L, s->batch, err);
}

struct blog_stream *blog_stream_open_progress(const char *const *paths, size_t n_paths,
                                              const struct load_opts *o, size_t window,
                                              struct ope_progress *progress,
                                              struct ope_error *err)
{
    struct blog_stream *s = NULL;
    int rc = -1;
    if (n_paths == 0 || window == 0 || (!any_window && window % 4096 != 0))
        ope_fail(err, OPE_ESOFTWARE, "blog_stream_open: %zu inputs, a window of %zu rows "
                 "(a multiple of 4096 expected)", n_paths, window);
    else if ((s = ope_calloc(1, sizeof *s, err))) {
        s->o = *o;
        s->progress = progress;
        s->n_in = n_paths;
        s->window = window;
        rc = open_header(s, paths, n_paths, window, err);
    }
    /* Across MPI ranks every rank comes to the split first pass's agreement, one whose
     * opening failed too, so that none waits there for another. */
    if (rc == 0 && s->traj)
        return s;
    int split = comm_size() > 1 ? blog_stream_split(s, rc, err) : 0;
    if (rc == 0 && split >= 0 && (split == 1 || first_pass(s, err) == 0) &&
        window_setup(s, err) == 0) {
        s->settled = 1;         /* the facts, levels and codes are final from here */
        if (blog_stream_pass_start(s, err) == 0)
            return s;
    }
    blog_stream_close(s);
    return NULL;
}

int blog_stream_next(struct blog_stream *s, const struct blog **w, size_t *first,
                     struct ope_error *err)
{
    struct loader *L = &s->L;
    if (s->off >= L->n) {
        if (blog_stream_batch_read(s, err) < 0)
            return -1;
        for (size_t j = 0; j < L->r.n_cols; j++)
            if (L->kind[j] == K_CTX && ((unsigned char)L->ctx[j].categorical != s->cat[j] ||
                                        L->ctx[j].lv.n != s->levels[j]))
                return changed(s, "a context column's values", err);
        if (L->n == 0) {
            if (s->pass_rows != (s->ranged ? s->hi - s->lo : s->total))
                return changed(s, "its number of rows", err);
            return 0;
        }
        if (L->row0 + L->n > s->total)
            return changed(s, "its number of rows", err);
        for (size_t i = 0; L->pos && i < L->n; i++)
            L->pos[i] -= s->base;
    }
    size_t n = L->n - s->off < s->window ? L->n - s->off : s->window;
    window_fill(s, s->off, n);
    *first = L->row0 + s->off;
    *w = &s->w;
    s->off += n;
    s->pass_rows += n;
    return 1;
}

void blog_stream_set_progress(struct blog_stream *s, struct ope_progress *p)
{
    s->progress = p;
    if (s->csv)
        csv_set_progress(s->csv, p);
}

int blog_stream_rewind(struct blog_stream *s, struct ope_error *err)
{
    return blog_stream_pass_start(s, err);
}

size_t blog_stream_rows(const struct blog_stream *s)
{
    return s->total;
}

int blog_stream_position_base(const struct blog_stream *s)
{
    return s->L.r.single[ROLE_POSITION] >= 0 ? s->base : -1;
}

int blog_stream_set_range(struct blog_stream *s, size_t row_lo, size_t row_hi,
                          struct ope_error *err)
{
    if (row_lo > row_hi || row_hi > s->total)
        return ope_fail(err, OPE_EUSAGE, "%s: rows [%zu, %zu) are not a range of the log's "
                        "%zu rows (row_lo <= row_hi <= %zu expected)", input_name(s, 0),
                        row_lo, row_hi, s->total, s->total);
    if (row_lo % BLOG_STREAM_GRID != 0 && row_lo != s->total)
        return ope_fail(err, OPE_EUSAGE, "%s: a range of rows starts at a multiple of %d "
                        "(or at the log's end, row %zu), not at row %zu", input_name(s, 0),
                        BLOG_STREAM_GRID, s->total, row_lo);
    s->lo = row_lo;
    s->hi = row_hi;
    s->ranged = row_lo > 0 || row_hi < s->total;
    return blog_stream_pass_start(s, err);
}

int blog_stream_share(const struct blog_stream *s, size_t *row_lo, size_t *row_hi)
{
    if (s->split_bytes || s->split_files || s->split_members) {
        *row_lo = s->share_lo;
        *row_hi = s->share_hi;
        return s->split_bytes ? 1 : s->split_files ? 2 : 3;
    }
    blog_stream_part(s->total, (size_t)comm_size(), (size_t)comm_rank(), row_lo, row_hi);
    return 0;
}

size_t blog_stream_range_rows(const struct blog_stream *s, size_t *row_lo)
{
    if (row_lo)
        *row_lo = s->ranged ? s->lo : 0;
    return s->ranged ? s->hi - s->lo : s->total;
}

size_t blog_stream_bytes_taken(const struct blog_stream *s)
{
    return s->csv && !s->from_cache ? csv_bytes_taken(s->csv) : 0;
}

int blog_stream_spilled(const struct blog_stream *s)
{
    return s->spilled;
}

const char *blog_stream_cache_failed(const struct blog_stream *s)
{
    return s->cache_failed[0] ? s->cache_failed : NULL;
}

int blog_stream_unchanged(const struct blog_stream *s, struct ope_error *err)
{
    return s ? inputs_unchanged(s, err) : 0;
}

int blog_stream_digest(const struct blog_stream *s, char out[65])
{
    if (!s->digest[0])
        return -1;
    memcpy(out, s->digest, 65);
    return 0;
}

static void free_strings(char **v, size_t n)
{
    for (size_t k = 0; v && k < n; k++)
        free(v[k]);
    free(v);
}

int blog_stream_trajectory_kind(const struct blog_stream *s)
{
    return s && s->traj;
}

struct csv_reader *blog_stream_trajectory(struct blog_stream *s, int keep_copy)
{
    if (!s || !s->traj || !s->csv)
        return NULL;
    struct csv_reader *csv = s->csv;
    if (!keep_copy)
        csv_set_tee(csv, NULL, NULL);   /* read once, as it comes: nothing to spill */
    s->csv = NULL;
    return csv;
}

struct csv_reader *blog_stream_trajectory_again(struct blog_stream *s, struct ope_error *err)
{
    if (spill_done(s, err) != 0 || inputs_unchanged(s, err) != 0)
        return NULL;
    struct csv_reader *csv = csv_open_named((const char *const *)s->file,
                                            (const char *const *)s->name, s->n_in, s->o.sep,
                                            err);
    if (csv)
        csv_set_progress(csv, s->progress);
    return csv;
}

void blog_stream_close(struct blog_stream *s)
{
    if (!s)
        return;
    csv_close(s->csv);
    bsc_free(s->cache);
    for (size_t k = 0; s->tee && k < s->n_in; k++)
        if (s->tee[k])
            fclose(s->tee[k]);
    free(s->tee);
    for (size_t k = 0; k < s->n_mat; k++) {
        free(s->mat[k].lut);
        free(s->mat[k].m);
        free(s->mat[k].own);
    }
    free(s->mat);
    struct blog *w = &s->w;
    free(w->path);
    free(w->num_ctx);
    free(w->num_ctx_name);
    free(w->cat_ctx);
    free(w->policy);
    free_strings(w->columns, w->n_columns);
    free_strings(w->column_role, w->n_columns);
    if (s->have_loader)
        blog_loader_release(&s->L);
    for (size_t k = 0; k < s->n_in; k++) {
        if (s->spill && s->spill[k] && s->file[k]) {
            unlink(s->file[k]);
            ope_outfile_track(s->file[k], 0);
        }
        if (s->file)
            free(s->file[k]);
        if (s->name)
            free(s->name[k]);
    }
    free(s->name);
    free(s->file);
    free(s->spill);
    free(s->size);
    free(s->stamp);
    free(s->cat);
    free(s->levels);
    free(s->num_j);
    free(s->cat_j);
    free(s->zeros);
    blog_marks_release(&s->marks);
    free(s);
}
