/* ope/app/shardcli.c: shards' states written and merged (shardcli.h). */
#include "config.h"
#include "ope/app/shardcli.h"

#include <errno.h>
#include <gsl/gsl_sort.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "datasets/logrange.h"
#include "estimators/ci.h"
#include "estimators/evaluate_stream.h"
#include "estimators/evaluate_traj_stream.h"
#include "estimators/result.h"
#include "ope/app/evalcli.h"
#include "ope/app/evalset.h"
#include "ope/base/statefile.h"

#define SHARD_TAG "ope eval shard 4"

void shard_head_release(struct shard_head *h)
{
    free(h->log);
    for (size_t p = 0; h->names && p < h->n_pol; p++)
        free(h->names[p]);
    free(h->names);
    free(h->maxw);
    free(h->left);
    free(h->spilled);
    free(h->id_first);
    free(h->id_last);
    free(h->ids);
    memset(h, 0, sizeof *h);
}

int shard_write(const char *path, int force, const char *kind, const struct shard_head *h,
                const struct strbuf *payload, const char *settings, struct ope_error *err)
{
    struct strbuf sb = STRBUF_INIT;
    sf_put_str(&sb, SHARD_TAG);
    sf_put_str(&sb, h->log);
    sf_put_str(&sb, h->sha256);
    sf_put_u64(&sb, h->row0);
    sf_put_u64(&sb, h->rows);
    sf_put_u64(&sb, (uint64_t)(h->pos_base + 1));
    sf_put_f64(&sb, h->rmax);
    sf_put_u64(&sb, h->n_pol);
    for (size_t p = 0; p < h->n_pol; p++) {
        sf_put_str(&sb, h->names[p]);
        sf_put_f64(&sb, h->maxw[p]);
    }
    sf_put_str(&sb, h->left ? h->left : "");
    sf_put_str(&sb, h->spilled ? h->spilled : "");
    sf_put_str(&sb, h->id_first ? h->id_first : "");
    sf_put_str(&sb, h->id_last ? h->id_last : "");
    sf_put_u64(&sb, h->n_ids);
    if (h->n_ids)
        strbuf_add(&sb, (const char *)h->ids, h->n_ids * SHARD_ID_BYTES);
    strbuf_add(&sb, payload->buf ? payload->buf : "", payload->len);
    int rc = strbuf_failed(&sb) || strbuf_failed(payload)
                 ? ope_fail_oom(err)
                 : sf_write(path, force, kind, settings, &sb, err);
    strbuf_release(&sb);
    return rc;
}

/* The header at st's cursor into h. 0, or -1 with err. */
static int head_read(struct sf_state *st, struct shard_head *h, struct ope_error *err)
{
    memset(h, 0, sizeof *h);
    char *tag = sf_get_str(st);
    int ok = tag && strcmp(tag, SHARD_TAG) == 0;
    free(tag);
    if (!ok && !st->bad)
        return ope_fail(err, OPE_EDATA, "%s: not a state of ope eval --save-state (or one "
                        "of another version): save the shard again with this ope", st->name);
    h->log = sf_get_str(st);
    char *sha = sf_get_str(st);
    snprintf(h->sha256, sizeof h->sha256, "%s", sha ? sha : "");
    free(sha);
    h->row0 = sf_get_u64(st);
    h->rows = sf_get_count(st, 1, (uint64_t)1 << 52);
    h->pos_base = (int)sf_get_count(st, 0, 2) - 1;
    h->rmax = sf_get_f64(st);
    h->n_pol = (size_t)sf_get_count(st, 0, 1 << 20);
    if (h->n_pol > sf_room(st, 12))
        st->bad = 1;        /* each policy is a name's length and a double at least */
    if (!st->bad) {
        h->names = ope_calloc(h->n_pol + 1, sizeof *h->names, err);
        h->maxw = ope_calloc(h->n_pol + 1, sizeof *h->maxw, err);
        if (!h->names || !h->maxw)
            return -1;
    }
    for (size_t p = 0; !st->bad && p < h->n_pol; p++) {
        h->names[p] = sf_get_str(st);
        h->maxw[p] = sf_get_f64(st);
    }
    h->left = sf_get_str(st);
    h->spilled = sf_get_str(st);
    h->id_first = sf_get_str(st);
    h->id_last = sf_get_str(st);
    h->n_ids = (size_t)sf_get_count(st, 0, sf_room(st, SHARD_ID_BYTES));
    if (!st->bad && h->n_ids) {
        if (!(h->ids = ope_malloc(h->n_ids * SHARD_ID_BYTES, err)))
            return -1;
        memcpy(h->ids, st->data + st->off, h->n_ids * SHARD_ID_BYTES);
        st->off += h->n_ids * SHARD_ID_BYTES;
        /* In ascending order, each once (one reader refuses an episode given twice):
         * the merge's search relies on it. */
        for (size_t k = 1; k < h->n_ids; k++)
            if (memcmp(h->ids + (k - 1) * SHARD_ID_BYTES, h->ids + k * SHARD_ID_BYTES,
                       SHARD_ID_BYTES) >= 0)
                st->bad = 1;
    }
    if (!st->bad && h->row0 > ((uint64_t)1 << 52))
        st->bad = 1;
    return st->bad ? sf_done(st, err) : 0;
}

/* ---- the fit's state file --------------------------------------------------------------- */

#define FIT_FILE_TAG "ope model state 1"

/* One shard the fit was begun with. */
struct shard_id {
    char *log;
    char sha256[65];
    uint64_t row0, rows;
};

struct fit_file {
    struct sf_state st;
    size_t n;
    struct shard_id *id;        /* [n] in row order */
    struct eval_fit *fit;       /* a bandit log's reward model (its bytes at model_off,
                                   model_len in st), and/or */
    size_t model_off, model_len;
    struct eval_sums *sums;     /* its whole log's sums (--ci hoeffding, bernstein); or */
    struct eval_traj_fit *tfit; /* a trajectory log's models */
};

static void fit_file_close(struct fit_file *ff)
{
    for (size_t k = 0; ff->id && k < ff->n; k++)
        free(ff->id[k].log);
    free(ff->id);
    eval_fit_free(ff->fit);
    eval_sums_free(ff->sums);
    eval_traj_fit_free(ff->tfit);
    sf_close(&ff->st);
    memset(ff, 0, sizeof *ff);
}

/* Whether the fit's state exists (either kind). */
static int fit_file_made(const struct fit_file *ff)
{
    return ff->fit || ff->sums || ff->tfit;
}

/* The digest of its model (a bandit log's reward model, a trajectory log's fit), or "". */
static const char *fit_file_digest(const struct fit_file *ff)
{
    return ff->fit ? eval_fit_digest(ff->fit) : ff->tfit ? eval_traj_fit_digest(ff->tfit) : "";
}

/* The fit's state at path into ff (ff->fit NULL when it does not exist yet). 0, or -1
 * with err. */
static int fit_file_open(const char *path, struct fit_file *ff, struct ope_error *err)
{
    memset(ff, 0, sizeof *ff);
    struct stat sb;
    /* A link is refused as the fit's state is written: by a rename, which would replace
     * the link, so ope merge refuses it (73); said at once, before a round's shards run. */
    if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode))
        return ope_fail(err, OPE_EUSAGE, "--model-state %s: a symbolic link; ope merge "
                        "replaces the fit's state by a rename and will not replace a link: "
                        "give the file it points to", path);
    int got = stat(path, &sb);
    if (got != 0 && errno == ENOENT)
        return 0;
    /* (a FIFO would wait for a writer; the fit is replaced by a rename, as a file) */
    if (got == 0 && !S_ISREG(sb.st_mode))
        return ope_fail(err, OPE_EUSAGE, "--model-state %s: %s, not a file: --model-state "
                        "names the shards' fit (a reward model's, or a trajectory log's "
                        "models and sums), a file ope merge writes (a new name at the first "
                        "round)", path, S_ISDIR(sb.st_mode) ? "a directory"
                        : "a device, FIFO or socket");
    if (sf_open_file(&ff->st, path, NULL, err) != 0) {
        /* statefile's own message points at --save-state, which writes another kind */
        if (strstr(err->msg, "does not begin with OPESTATE"))
            snprintf(err->msg, sizeof err->msg, "%.1000s: not an ope state file (it does not "
                     "begin with OPESTATE): --model-state names the shards' fit, "
                     "which ope merge --model-state writes (a new name at the first round)",
                     path);
        return -1;
    }
    struct sf_state *st = &ff->st;
    int traj = strcmp(st->kind, EVAL_TRAJ_FIT_KIND) == 0;
    if (!traj && strcmp(st->kind, EVAL_FIT_KIND) != 0)
        return ope_fail(err, OPE_EDATA, "%s: a state of kind '%s', not a model's fit: "
                        "--model-state names the fit ope merge --model-state writes from the "
                        "shards' parts (a new name at the first round)%s", path, st->kind,
                        strcmp(st->kind, EVAL_STATE_KIND) == 0 ||
                        strcmp(st->kind, EVAL_TRAJ_STATE_KIND) == 0
                            ? "; this is a shard's evaluation state, which ope merge takes"
                            : "");
    char *tag = sf_get_str(st);
    int ok = tag && strcmp(tag, FIT_FILE_TAG) == 0;
    free(tag);
    if (!ok && !st->bad)
        return ope_fail(err, OPE_EDATA, "%s: not the state of a reward model's fit (or one of "
                        "another version): start the fit again (remove it)", path);
    ff->n = (size_t)sf_get_count(st, 1, sf_room(st, 28));
    if (!st->bad && !(ff->id = ope_calloc(ff->n + 1, sizeof *ff->id, err)))
        return -1;
    for (size_t k = 0; !st->bad && k < ff->n; k++) {
        ff->id[k].log = sf_get_str(st);
        char *sha = sf_get_str(st);
        snprintf(ff->id[k].sha256, sizeof ff->id[k].sha256, "%s", sha ? sha : "");
        free(sha);
        ff->id[k].row0 = sf_get_count(st, 0, (uint64_t)1 << 52);
        ff->id[k].rows = sf_get_count(st, 1, (uint64_t)1 << 52);
        if (k > 0 && ff->id[k].row0 != ff->id[k - 1].row0 + ff->id[k - 1].rows)
            st->bad = 1;
    }
    if (st->bad || ff->id[0].row0 != 0)
        return st->bad = 1, sf_done(st, err);
    if (traj)
        return (ff->tfit = eval_traj_fit_read(st, err)) ? 0 : -1;
    /* A bandit log's: the reward model's fit, the whole log's sums, or both. */
    if (!eval_sums_at(st)) {
        ff->model_off = st->off;
        if (!(ff->fit = eval_fit_read(st, err)))
            return -1;
        ff->model_len = st->off - ff->model_off;
    }
    if ((!ff->fit || st->off < st->n) && !(ff->sums = eval_sums_read(st, err)))
        return -1;
    return sf_done(st, err);
}

/* Whether the shard (log, row0, rows, sha256) is one the fit was begun with. 0, or -1
 * with err. */
static int fit_file_has(const struct fit_file *ff, const char *log, uint64_t row0,
                        uint64_t rows, const char *sha256, struct ope_error *err)
{
    const struct shard_id *at = NULL, *same = NULL;
    for (size_t k = 0; k < ff->n; k++) {
        if (ff->id[k].row0 == row0)
            at = &ff->id[k];
        if (ff->id[k].rows == rows && strcmp(ff->id[k].sha256, sha256) == 0)
            same = &ff->id[k];
    }
    if (at && at == same)
        return 0;
    /* A trajectory log's shards count episodes; its fit may hold only the whole log's
     * sums (--ci t, hoeffding, bernstein without models). */
    const char *u = ff->tfit ? "episode" : "row";
    const char *what = ff->fit ? "reward model's " : ff->tfit && eval_traj_fit_has_models(ff->tfit)
                     ? "models' " : "";
    /* The same bytes at another row: a --row-offset left out or mistyped. */
    if (same)
        return ope_fail(err, OPE_EDATA, "%s: this is the shard the %sfit (%s) has at %s "
                        "%llu, given --row-offset %llu%s: give it --row-offset %llu", log, what,
                        ff->st.name, u, (unsigned long long)same->row0,
                        (unsigned long long)row0, row0 == 0 ? " (or none: it defaults to 0)"
                        : "", (unsigned long long)same->row0);
    if (at)
        return ope_fail(err, OPE_EDATA, "%s: the shard at %s %llu of the %sfit (%s) is %s "
                        "(%llu %ss, SHA-256 %.12s...), and this one has %llu %ss and SHA-256 "
                        "%.12s...: if it is another shard, give its --row-offset (it defaults "
                        "to 0); if it changed since the fit began, start the fit again (remove "
                        "%s); the SHA-256 is of the bytes as given, so a shard given "
                        "compressed (or on a pipe from a .gz) must come the same way every "
                        "round", log, u, (unsigned long long)row0, what, ff->st.name,
                        at->log ? at->log : "", (unsigned long long)at->rows, u, at->sha256,
                        (unsigned long long)rows, u, sha256, ff->st.name);
    char starts[160] = "";
    for (size_t k = 0; k < ff->n && strlen(starts) < sizeof starts - 24; k++)
        snprintf(starts + strlen(starts), sizeof starts - strlen(starts), "%s%llu",
                 k ? ", " : "", (unsigned long long)ff->id[k].row0);
    return ope_fail(err, OPE_EDATA, "%s: its first %s is %llu (--row-offset), but the shards "
                    "of the %sfit (%s) start at %ss %s: run the shards the fit was begun "
                    "with, or start a new fit", log, u, (unsigned long long)row0, what,
                    ff->st.name, u, starts);
}

/* A fit of the other kind of log than the shard's. */
static int fit_of_other_kind(const char *path, int traj, struct ope_error *err)
{
    return ope_fail(err, OPE_EDATA, "--model-state %s is the fit of a %s log's %s, and this "
                    "shard is of a %s log: give each log's shards a fit of their own (a new "
                    "name at the first round)", path, traj ? "trajectory" : "bandit",
                    traj ? "models" : "reward model or sums", traj ? "bandit" : "trajectory");
}

int shard_fit_open(const char *path, const char *log, uint64_t row0, uint64_t rows,
                   const char *sha256, struct eval_fit **fit, struct eval_sums **sums,
                   struct ope_error *err)
{
    struct fit_file ff;
    *fit = NULL;
    *sums = NULL;
    int rc = fit_file_open(path, &ff, err);
    if (rc == 0 && ff.tfit)
        rc = fit_of_other_kind(path, 1, err);
    if (rc == 0 && fit_file_made(&ff))
        rc = fit_file_has(&ff, log, row0, rows, sha256, err);
    if (rc == 0) {
        *fit = ff.fit;
        *sums = ff.sums;
        ff.fit = NULL;
        ff.sums = NULL;
    }
    fit_file_close(&ff);
    return rc;
}

struct shard_traj_fit {
    struct fit_file ff;
};

int shard_traj_fit_open(const char *path, struct shard_traj_fit **fit, struct ope_error *err)
{
    *fit = NULL;
    struct shard_traj_fit *f = ope_calloc(1, sizeof *f, err);
    if (!f)
        return -1;
    int rc = fit_file_open(path, &f->ff, err);
    if (rc == 0 && (f->ff.fit || f->ff.sums))
        rc = fit_of_other_kind(path, 0, err);
    if (rc == 0 && f->ff.tfit) {
        *fit = f;
        return 0;
    }
    shard_traj_fit_close(f);
    return rc;
}

const struct eval_traj_fit *shard_traj_fit_models(const struct shard_traj_fit *fit)
{
    return fit ? fit->ff.tfit : NULL;
}

int shard_traj_fit_has(const struct shard_traj_fit *fit, const char *log, uint64_t row0,
                       uint64_t episodes, const char *sha256, struct ope_error *err)
{
    return fit_file_has(&fit->ff, log, row0, episodes, sha256, err);
}

int shard_traj_fit_knows(const struct shard_traj_fit *fit, const char *log, uint64_t row0,
                         const char *sha256, struct ope_error *err)
{
    int at = 0;
    for (size_t k = 0; k < fit->ff.n; k++) {
        at |= fit->ff.id[k].row0 == row0;
        if (fit->ff.id[k].row0 == row0 && strcmp(fit->ff.id[k].sha256, sha256) != 0)
            return fit_file_has(&fit->ff, log, row0, fit->ff.id[k].rows, sha256, err);
    }
    /* No shard of the fit starts there: it is not one of them (its episodes, which
     * the fit's sums or models do not know, say only that they are new). */
    for (size_t k = 0; !at && k < fit->ff.n; k++)
        if (strcmp(fit->ff.id[k].sha256, sha256) == 0)
            return fit_file_has(&fit->ff, log, row0, fit->ff.id[k].rows, sha256, err);
    return at ? 0 : fit_file_has(&fit->ff, log, row0, 0, sha256, err);
}

void shard_traj_fit_close(struct shard_traj_fit *fit)
{
    if (!fit)
        return;
    fit_file_close(&fit->ff);
    free(fit);
}

/* ---- the merge ------------------------------------------------------------------------ */

struct shard {
    struct sf_state st;
    struct shard_head h;
    struct eval_state_opts so;
};

/* ids_shared's heap: shard k's current digest. */
static const unsigned char *id_at(const struct shard *sh, const size_t *pos, size_t k)
{
    return sh[k].h.ids + pos[k] * SHARD_ID_BYTES;
}

static void heap_down(const struct shard *sh, const size_t *pos, size_t *heap, size_t m,
                      size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, min = i;
        if (l < m && memcmp(id_at(sh, pos, heap[l]), id_at(sh, pos, heap[min]),
                            SHARD_ID_BYTES) < 0)
            min = l;
        if (r < m && memcmp(id_at(sh, pos, heap[r]), id_at(sh, pos, heap[min]),
                            SHARD_ID_BYTES) < 0)
            min = r;
        if (min == i)
            return;
        size_t t = heap[i];
        heap[i] = heap[min];
        heap[min] = t;
        i = min;
    }
}

/* The first episode id digest two shards of sh[0..n-1] share: 1 with the two shards in
 * *a and *b, else 0 (-1 with err: out of memory). A k-way merge of the shards' ascending
 * digests, the shards kept in a binary heap by their current digest (O(episodes log
 * shards), no copy). */
static int ids_shared(const struct shard *sh, size_t n, size_t *a, size_t *b,
                      struct ope_error *err)
{
    size_t *heap = ope_calloc(n + 1, sizeof *heap, err);
    size_t *pos = ope_calloc(n + 1, sizeof *pos, err);
    int found = heap && pos ? 0 : -1;
    size_t m = 0;
    for (size_t k = 0; found == 0 && k < n; k++)
        if (sh[k].h.n_ids)
            heap[m++] = k;
    for (size_t i = m; found == 0 && i-- > 0;)
        heap_down(sh, pos, heap, m, i);
    const unsigned char *prev = NULL;
    size_t prev_k = 0;
    while (found == 0 && m > 0) {
        size_t k = heap[0];
        const unsigned char *d = id_at(sh, pos, k);
        if (prev && memcmp(prev, d, SHARD_ID_BYTES) == 0) {
            *a = prev_k;
            *b = k;
            found = 1;
            break;
        }
        prev = d;
        prev_k = k;
        if (++pos[k] == sh[k].h.n_ids)
            heap[0] = heap[--m];
        heap_down(sh, pos, heap, m, 0);
    }
    free(heap);
    free(pos);
    return found;
}

struct merge_check {
    const struct shard *sh;
    const size_t *order;
    size_t n;
    uint64_t total;
};

/* After the merged first pass (eng_windows.pass1_done): the range check of blog_load
 * over the whole log, from each shard's largest weights and the largest reward. */
static int merge_pass1_done(void *ctx, struct ope_error *err)
{
    const struct merge_check *mc = ctx;
    double rmax = 1.0, lim = logrange_term_max((size_t)mc->total);
    for (size_t k = 0; k < mc->n; k++)
        rmax = fmax(rmax, mc->sh[k].h.rmax);
    for (size_t i = 0; i < mc->n; i++) {
        const struct shard_head *h = &mc->sh[mc->order[i]].h;
        for (size_t p = 0; p < h->n_pol; p++)
            if (!(h->maxw[p] * rmax <= lim))
                return ope_fail(err, OPE_EDATA, "%s: policy '%s': an importance weight "
                                "pi/pscore up to %g, times rewards up to %g, passes %.3g, "
                                "past which the sums over the log's %llu rows overflow double "
                                "precision (the estimates would be infinite or NaN); ope eval "
                                "%s names the row: check its pscore, or rescale the rewards",
                                mc->sh[mc->order[i]].st.name, h->names[p], h->maxw[p], rmax,
                                lim, (unsigned long long)mc->total, h->log);
    }
    return 0;
}

/* The shards in row order, checked to cover rows 0 .. total - 1 once each (u: "row", or
 * "episode" for a trajectory log's shards, whose --row-offset counts episodes). */
static int shard_order(const struct shard *sh, size_t n, size_t *order, const char *u,
                       uint64_t *total, struct ope_error *err)
{
    double *row0 = ope_malloc((n + 1) * sizeof *row0, err);
    if (!row0)
        return -1;
    for (size_t k = 0; k < n; k++)
        row0[k] = (double)sh[k].h.row0;    /* exact: row0 <= 2^52 (head_read) */
    gsl_sort_index(order, row0, 1, n);     /* equal starts are refused below */
    free(row0);
    for (size_t i = 1; i < n; i++)
        if (sh[order[i]].h.row0 == sh[order[i - 1]].h.row0)
            return ope_fail(err, OPE_EDATA, "%s and %s both start at %s %llu of the log: the "
                            "same shard given twice, or --row-offset left out (it defaults to "
                            "0) or repeated; each %s goes in one shard, with --row-offset its "
                            "first %s in the whole log", sh[order[i - 1]].st.name,
                            sh[order[i]].st.name, u, (unsigned long long)sh[order[i]].h.row0,
                            u, u);
    for (size_t k = 1; k < n; k++)
        if (sh[k].h.pos_base != sh[0].h.pos_base)
            return ope_fail(err, OPE_EDATA, "%s and %s number their positions from different "
                            "bases (%d and %d): without --position-base each shard takes its "
                            "own from its smallest position (0 if it has a 0, else 1), and one "
                            "without position 0 counts from 1; save every shard again with "
                            "the same --position-base", sh[0].st.name, sh[k].st.name,
                            sh[0].h.pos_base, sh[k].h.pos_base);
    /* One shard's file given twice with two offsets leaves no gap to see: the same
     * bytes (SHA-256) in two shards is that mistake. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            const struct shard *a = &sh[order[i]], *b = &sh[order[j]];
            if (a->h.sha256[0] && strcmp(a->h.sha256, b->h.sha256) == 0)
                return ope_fail(err, OPE_EDATA, "%s and %s were saved from the same bytes "
                                "(SHA-256 %.12s...) at %ss %llu and %llu: the same shard given "
                                "twice; each %s goes in one shard", a->st.name, b->st.name,
                                a->h.sha256, u, (unsigned long long)a->h.row0,
                                (unsigned long long)b->h.row0, u);
        }
    /* A trajectory log's episode at the end of one shard and the start of the next
     * (by its id as written): cut in two, or given twice (an off-by-one cut); the
     * offsets then follow each other, so only the ids tell. One reader refuses it. */
    for (size_t i = 1; i < n; i++) {
        const struct shard *a = &sh[order[i - 1]], *b = &sh[order[i]];
        if (a->h.id_last && a->h.id_last[0] && b->h.id_first &&
            strcmp(a->h.id_last, b->h.id_first) == 0)
            return ope_fail(err, OPE_EDATA, "%s and %s both hold episode '%s' (the last of "
                            "one, the first of the other): an episode cut in two or given "
                            "twice; cut the shards between episodes, each episode in one "
                            "shard, and save them again", a->st.name, b->st.name,
                            a->h.id_last);
    }
    /* An episode in any two shards (as written: an id's digest), not only at a boundary:
     * one reader refuses an episode that comes back after others. */
    size_t da = 0, db = 0;
    int shared = ids_shared(sh, n, &da, &db, err);
    if (shared < 0)
        return -1;
    if (shared && sh[da].h.row0 > sh[db].h.row0) {
        size_t t = da;      /* named in the log's order */
        da = db;
        db = t;
    }
    if (shared)
        return ope_fail(err, OPE_EDATA, "%s and %s both hold an episode with the same id "
                        "(the same episode given twice, or one id for two episodes): each "
                        "episode goes in one shard, under one id; ope eval of the two shards "
                        "together names the line", sh[da].st.name, sh[db].st.name);
    const struct shard *first = &sh[order[0]];
    if (first->h.row0 != 0)
        return ope_fail(err, OPE_EDATA, "%s: its %ss start at %s %llu of the log, and no "
                        "state holds %ss 0 to %llu: merge the states of every shard (each "
                        "saved with --row-offset, its first %s in the whole log)",
                        first->st.name, u, u, (unsigned long long)first->h.row0, u,
                        (unsigned long long)first->h.row0 - 1, u);
    uint64_t at = first->h.rows;
    for (size_t i = 1; i < n; i++) {
        const struct shard *a = &sh[order[i - 1]], *b = &sh[order[i]];
        if (b->h.row0 < at) {
            uint64_t last = (at < b->h.row0 + b->h.rows ? at : b->h.row0 + b->h.rows) - 1;
            char rows[64];
            if (last == b->h.row0)
                snprintf(rows, sizeof rows, "%s %llu of the log is", u, (unsigned long long)last);
            else
                snprintf(rows, sizeof rows, "%ss %llu to %llu of the log are", u,
                         (unsigned long long)b->h.row0, (unsigned long long)last);
            /* Both at 0: --row-offset left out (it defaults to 0) is the likely cause. */
            return ope_fail(err, OPE_EDATA, "%s and %s overlap: %s in both (%ss %llu.. and "
                            "%llu..): %s; each %s goes in one shard, with --row-offset its "
                            "first %s in the whole log", a->st.name, b->st.name, rows, u,
                            (unsigned long long)a->h.row0, (unsigned long long)b->h.row0,
                            b->h.row0 != a->h.row0 ? "a wrong --row-offset"
                            : b->h.row0 == 0 ? "the same shard given twice, or --row-offset "
                                               "left out (it defaults to 0)"
                                             : "the same shard given twice, or two saved "
                                               "with the same --row-offset", u, u);
        }
        if (b->h.row0 > at) {
            char rows[64];
            if (b->h.row0 - at == 1)
                snprintf(rows, sizeof rows, "%s %llu", u, (unsigned long long)at);
            else
                snprintf(rows, sizeof rows, "%ss %llu to %llu", u, (unsigned long long)at,
                         (unsigned long long)b->h.row0 - 1);
            /* One row more per shard before it: offsets summed from `wc -l`, which
             * counts every shard's header line too. */
            int headers = b->h.row0 - at == i && strcmp(u, "row") == 0;
            return ope_fail(err, OPE_EDATA, "%s of the log %s in no state: %s ends at %s "
                            "%llu and %s starts at %s %llu; %s", rows,
                            b->h.row0 - at == 1 ? "is" : "are", a->st.name, u,
                            (unsigned long long)at - 1, b->st.name, u,
                            (unsigned long long)b->h.row0,
                            headers ? "were the header lines counted in --row-offset (as wc -l "
                                      "counts them)? It counts the data rows of the shards "
                                      "before; or merge the missing shard's state too"
                                    : "merge the missing shard's state too (or check "
                                      "--row-offset)");
        }
        at += b->h.rows;
    }
    *total = at;
    return 0;
}

/* The settings of the evaluation the states were saved with, with the caller's
 * threads, truth and memory budget. */
static int settings_of(const struct eval_state_opts *so, const struct eval_settings *in,
                       struct eval_settings *set, struct ope_error *err)
{
    eval_settings_init(set);
    set->threads = in->threads;
    set->truth_path = in->truth_path;
    /* The merge's memory budget: a crafted state's tables must not size more. */
    set->model_bytes = in->model_bytes;
    if (eval_settings_set_estimators(set, so->estimators, err) != 0)
        return -1;
    if (so->n_policies > EVALSET_MAX_POLICIES)
        return ope_fail(err, OPE_EDATA, "a state names %zu policies; at most %d are evaluated",
                        so->n_policies, EVALSET_MAX_POLICIES);
    for (size_t p = 0; p < so->n_policies; p++)
        set->policies[p] = so->policies[p];
    set->n_policies = so->n_policies;
    set->ci = so->ci;
    set->alpha = so->alpha;
    set->n_boot = so->n_boot;
    set->seed = so->seed;
    set->bound_lo = so->bound_lo;
    set->bound_hi = so->bound_hi;
    set->against = so->against;
    set->matrix_k = so->matrix_k;
    return 0;
}

/* The merged result named as one run over the shards' logs would be, with the
 * warnings their results would carry. */
static int name_result(struct res_eval *r, const struct shard *sh, const size_t *order,
                       size_t n, struct ope_error *err)
{
    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < n; i++)
        strbuf_printf(&sb, "%s%s", i ? " " : "", sh[order[i]].h.log ? sh[order[i]].h.log : "");
    if (strbuf_failed(&sb)) {
        strbuf_release(&sb);
        return ope_fail_oom(err);
    }
    free(r->path);
    r->path = strbuf_detach(&sb);
    /* One digest of every byte is not known from the shards': one shard's is its log's. */
    snprintf(r->sha256, sizeof r->sha256, "%s", n == 1 ? sh[0].h.sha256 : "");
    /* The warnings one run would carry: the estimators left out (the same in every
     * shard, for the settings agree), and each input copied to a temporary file, once
     * (every shard piped in is "standard input"). */
    const char *left = "";
    for (size_t i = 0; !left[0] && i < n; i++)
        left = sh[order[i]].h.left ? sh[order[i]].h.left : "";
    int bad = evalcli_read_warnings(r, left, NULL, NULL) < 0;
    for (size_t i = 0; !bad && i < n; i++) {
        const struct shard_head *h = &sh[order[i]].h;
        int seen = 0;
        for (size_t j = 0; h->spilled && j < i; j++)
            seen |= sh[order[j]].h.spilled && strcmp(sh[order[j]].h.spilled, h->spilled) == 0;
        if (!seen)
            bad = evalcli_read_warnings(r, NULL, h->spilled, NULL) < 0;
    }
    return bad ? ope_fail_oom(err) : 0;
}

/* The fit's header: its tag and the shards sh[order[0..n-1]] it is made from, in
 * order (fit_file_open reads it). */
static void fit_header_put(struct strbuf *sb, const struct shard *sh, const size_t *order,
                           size_t n)
{
    sf_put_str(sb, FIT_FILE_TAG);
    sf_put_u64(sb, n);
    for (size_t i = 0; i < n; i++) {
        const struct shard_head *h = &sh[order[i]].h;
        sf_put_str(sb, h->log ? h->log : "");
        sf_put_str(sb, h->sha256);
        sf_put_u64(sb, h->row0);
        sf_put_u64(sb, h->rows);
    }
}

/* One round of the fit: the parts sh[order[0..n-1]] (in row order) of a pass merged
 * into the fit's state at path. 0, or -1 with err. */
static int merge_round(const struct shard *sh, const size_t *order, size_t n,
                       struct sf_state **states, const char *path,
                       unsigned long long max_bytes, struct shard_round *round,
                       struct ope_error *err)
{
    struct fit_file ff;
    int rc = fit_file_open(path, &ff, err);
    if (rc == 0 && ff.tfit)
        rc = fit_of_other_kind(path, 1, err);
    if (rc == 0 && ff.sums)
        rc = ope_fail(err, OPE_EUSAGE, "%s holds the whole log's sums of shards evaluated "
                      "%s: a reward model's pass does not go in it; remove %s to start "
                      "again", path, ff.fit ? "with its fitted model" : "without a model",
                      path);
    /* Every round by the shards of the first (their rows, and their bytes). */
    if (rc == 0 && ff.fit && ff.n != n)
        rc = ope_fail(err, OPE_EDATA, "%s: the reward model's fit was begun with %zu "
                      "shard%s, and %zu part%s merged: merge every shard's part of the pass, "
                      "and only theirs", path, ff.n, ff.n == 1 ? "" : "s", n,
                      n == 1 ? " is" : "s are");
    for (size_t i = 0; rc == 0 && ff.fit && i < n; i++) {
        const struct shard_head *h = &sh[order[i]].h;
        rc = fit_file_has(&ff, sh[order[i]].st.name, h->row0, h->rows, h->sha256, err);
    }
    struct strbuf out = STRBUF_INIT, pay = STRBUF_INIT;
    if (rc == 0)
        rc = eval_fit_merge(ff.fit, states, n, max_bytes, &out, &round->fitted, round->label,
                            sizeof round->label, err);
    if (rc == 0) {
        fit_header_put(&pay, sh, order, n);
        strbuf_add(&pay, out.buf ? out.buf : "", out.len);
        round->passes = (ff.fit ? eval_fit_passes(ff.fit) : 0) + 1;
        /* --ci hoeffding, bernstein: the sums round follows the fit. */
        const char *set = states[0]->settings;
        round->next_sums = round->fitted && (strstr(set, "\nci=hoeffding\n") ||
                                             strstr(set, "\nci=bernstein\n"));
        rc = strbuf_failed(&pay) ? ope_fail_oom(err)
                                 : sf_write(path, 1, EVAL_FIT_KIND, states[0]->settings, &pay,
                                            err);
    }
    round->merged = rc == 0;
    strbuf_release(&out);
    strbuf_release(&pay);
    fit_file_close(&ff);
    return rc;
}

/* A round that leaves the fit complete, merged when rc is 0: its passes, and the
 * shards and their rows (or episodes) rows[0..n-1], which its message counts. */
static void round_done(struct shard_round *round, int rc, size_t n, const uint64_t *rows,
                       size_t passes)
{
    round->merged = rc == 0;
    round->fitted = 1;
    round->passes = passes;
    round->shards = n;
    for (size_t i = 0; i < n; i++)
        round->rows += rows[i];
}

/* A trajectory log's round (rc: its outcome so far): the fit's blocks out (released
 * here) written to path after the header of the shards sh[order[0..n-1]], and round
 * filled but for what the round is. 0, or -1 with err. */
static int traj_fit_write(int rc, const char *path, const struct shard *sh, const size_t *order,
                          size_t n, struct sf_state **states, const uint64_t *episodes,
                          struct strbuf *out, struct shard_round *round, struct ope_error *err)
{
    struct strbuf pay = STRBUF_INIT;
    if (rc == 0) {
        fit_header_put(&pay, sh, order, n);
        strbuf_add(&pay, out->buf ? out->buf : "", out->len);
        rc = strbuf_failed(&pay) ? ope_fail_oom(err)
                                 : sf_write(path, 1, EVAL_TRAJ_FIT_KIND, states[0]->settings,
                                            &pay, err);
    }
    round_done(round, rc, n, episodes, 1);
    strbuf_release(out);
    strbuf_release(&pay);
    return rc;
}

/* The trajectory log's models: the parts sh[order[0..n-1]] (in episode order) of the
 * models' pass merged into the fit's state at path, which must not exist yet (one round
 * fits them). 0, or -1 with err. */
static int merge_traj_round(const struct shard *sh, const size_t *order, size_t n,
                            struct sf_state **states, const uint64_t *episodes,
                            const char *path, const struct eval_settings *set,
                            struct shard_round *round, struct ope_error *err)
{
    struct fit_file ff;
    int rc = fit_file_open(path, &ff, err);
    if (rc == 0 && (ff.fit || ff.sums))
        rc = fit_of_other_kind(path, 0, err);
    else if (rc == 0 && ff.tfit)
        rc = ope_fail(err, OPE_EUSAGE, "%s: the trajectory log's models are fitted already "
                      "(one round fits them): run each shard with --model-state %s for its "
                      "evaluation's state, and merge those; or remove %s to fit them again",
                      path, path, path);
    fit_file_close(&ff);
    struct strbuf out = STRBUF_INIT;
    if (rc == 0)
        rc = eval_settings_traj_fit_merge(set, states, episodes, n, &out, err);
    rc = traj_fit_write(rc, path, sh, order, n, states, episodes, &out, round, err);
    round->traj = 1;
    round->next_sums = set->ci == CI_T || set->ci == CI_HOEFFDING || set->ci == CI_BERNSTEIN;
    snprintf(round->label, sizeof round->label, "the models' tables");
    return rc;
}

static int states_fit_check(const char *settings, const char *path, int traj, int *unused,
                            const char **named, struct fit_file *ff, struct ope_error *err);
static int states_of_fit(const struct fit_file *ff, const struct shard *sh, const size_t *order,
                         size_t n, int traj, struct ope_error *err);

/* The fit's state at path for a sums round (traj: a trajectory log's) whose parts
 * are states[0..n-1], sh[order[...]] (in row order), into *ff (the caller's to close):
 * the models' fit the parts name, checked to be made from those shards; else a new file
 * (path must not be a fit already); either way one without the whole log's sums yet.
 * 0, or -1 with err. */
static int sums_round_fit(const struct shard *sh, const size_t *order, size_t n,
                          struct sf_state **states, const char *path, int traj,
                          struct fit_file *ff, struct ope_error *err)
{
    int unused = 0;
    const char *named = NULL;
    const char *model = traj ? "models'" : "reward model's";
    int rc = states_fit_check(states[0]->settings, path, traj, &unused, &named, ff, err);
    if (rc != 0 && err->status == OPE_ENOINPUT)
        rc = ope_fail(err, OPE_ENOINPUT, "--model-state %s: no such file; the shards' parts "
                      "of the sums round were made with the %s fit %.12s...: give that "
                      "fit's state (the one the shards were given)", path, model,
                      named ? named : "");
    /* Parts evaluated without models make a new fit: the file must not be one already. */
    if (rc == 0 && !named) {
        rc = fit_file_open(path, ff, err);
        if (rc == 0 && (traj ? ff->fit || ff->sums : ff->tfit != NULL))
            rc = fit_of_other_kind(path, !traj, err);
        else if (rc == 0 && (traj ? ff->tfit && !eval_traj_fit_has_sums(ff->tfit)
                                  : ff->fit && !ff->sums))
            rc = ope_fail(err, OPE_EUSAGE, "%s is a fit of the %s already: the parts of the "
                          "sums round were saved without it, so they make a new one; remove "
                          "%s to start again", path, traj ? "models" : "reward model", path);
    }
    if (rc == 0 && (traj ? eval_traj_fit_has_sums(ff->tfit) : ff->sums != NULL))
        rc = ope_fail(err, OPE_EUSAGE, "%s holds the whole log's sums already (the sums round "
                      "is merged): run each shard with --model-state %s for its evaluation's "
                      "state, and merge those; or remove %s to start again", path, path, path);
    if (rc == 0 && (traj ? ff->tfit != NULL : ff->fit != NULL))
        rc = states_of_fit(ff, sh, order, n, traj, err);
    return rc;
}

/* The trajectory log's sums round (--ci t, hoeffding, bernstein): the parts
 * sh[order[0..n-1]] (in episode order), the shards' first passes, merged into the fit's
 * state at path, which then holds the whole log's sums after its models (if the parts
 * were evaluated with models, the fit they name; else a new file). 0, or -1 with
 * err. */
static int merge_sums_round(const struct shard *sh, const size_t *order, size_t n,
                            struct sf_state **states, const uint64_t *episodes,
                            const char *path, const struct eval_settings *set,
                            struct shard_round *round, struct ope_error *err)
{
    struct fit_file ff;
    int rc = sums_round_fit(sh, order, n, states, path, 1, &ff, err);
    struct strbuf out = STRBUF_INIT;
    if (rc == 0)
        rc = eval_settings_traj_sums_merge(set, states, episodes, n, ff.tfit, &out, err);
    rc = traj_fit_write(rc, path, sh, order, n, states, episodes, &out, round, err);
    round->traj = 2;
    snprintf(round->label, sizeof round->label, "the whole log's sums");
    fit_file_close(&ff);
    return rc;
}

/* A bandit log's sums round (--ci hoeffding, bernstein): the parts sh[order[0..n-1]]
 * (in row order), the shards' first passes, merged into the fit's state at path, which
 * then holds the whole log's sums after the reward model's fit (if the parts were
 * evaluated with one, the fit they name; else a new file). win: the merge's checks.
 * 0, or -1 with err. */
static int merge_bandit_sums_round(const struct shard *sh, const size_t *order, size_t n,
                                   struct sf_state **states, const uint64_t *rows,
                                   const char *path, const struct eval_settings *set,
                                   const struct eng_windows *win, struct shard_round *round,
                                   struct ope_error *err)
{
    struct fit_file ff;
    int rc = sums_round_fit(sh, order, n, states, path, 0, &ff, err);
    struct strbuf out = STRBUF_INIT, pay = STRBUF_INIT;
    if (rc == 0)
        rc = eval_settings_bandit_sums_merge(set, win, states, rows, n, &out, err);
    if (rc == 0) {
        /* The model's blocks as they were (their digest names them), then the sums;
         * the file keeps the settings the model's passes were made with. */
        fit_header_put(&pay, sh, order, n);
        if (ff.fit)
            strbuf_add(&pay, (const char *)ff.st.data + ff.model_off, ff.model_len);
        strbuf_add(&pay, out.buf ? out.buf : "", out.len);
        rc = strbuf_failed(&pay) ? ope_fail_oom(err)
                                 : sf_write(path, 1, EVAL_FIT_KIND,
                                            ff.fit ? ff.st.settings : states[0]->settings,
                                            &pay, err);
    }
    /* (a round of the fit's loop: its passes so far, and this one) */
    round_done(round, rc, n, rows, (ff.fit ? eval_fit_passes(ff.fit) : 0) + 1);
    round->bandit_sums = 1;
    snprintf(round->label, sizeof round->label, "the whole log's sums");
    strbuf_release(&out);
    strbuf_release(&pay);
    fit_file_close(&ff);
    return rc;
}

/* The value of line key (such as "model_fit=") in a settings text, or NULL. */
static const char *settings_line(const char *settings, const char *key)
{
    for (const char *at = strstr(settings, key); at; at = strstr(at + 1, key))
        if (at == settings || at[-1] == '\n')
            return at + strlen(key);
    return NULL;
}

/* Whether a settings value (up to its line's end) is the digest hex. */
static int names_digest(const char *value, const char *hex)
{
    return strncmp(value, hex, 64) == 0 && strlen(hex) == 64 &&
           (value[64] == '\0' || value[64] == '\n');
}

/* Evaluation states (settings) merged with --model-state path (or NULL): the fit must
 * be the one they name (model_fit=...: a wrong name went unnoticed), and hold the
 * whole log's sums they name (a bandit log's sums_fit=..., --ci hoeffding and
 * bernstein), opened into *ff (the caller's to close), the fit's digest they name into
 * *named (NULL: none); states that name none set *unused (said in the result's
 * warnings). A trajectory log's states that name a fit need it, and so do a bandit
 * log's that name sums (path NULL: OPE_EUSAGE). 0, or -1 with err (OPE_EDATA: another
 * fit, or one of the other kind of log; OPE_ENOINPUT: no such fit). */
static int states_fit_check(const char *settings, const char *path, int traj, int *unused,
                            const char **named, struct fit_file *ff, struct ope_error *err)
{
    memset(ff, 0, sizeof *ff);
    const char *at = settings_line(settings, "model_fit=");
    const char *sums = traj ? NULL : settings_line(settings, "sums_fit=");
    *named = at;
    /* A trajectory log's states evaluated with the models' fit need it: dm's and mis's
     * refits on every resample are solved from its tables. */
    if (!path && at && traj)
        return ope_fail(err, OPE_EUSAGE, "the states were evaluated with a fit the shards "
                        "made together (the fit %.12s...: their models, or the whole log's "
                        "sums): give ope merge its state, --model-state FIT (the one the "
                        "shards were given)", *named);
    /* A bandit log's contributions were saved at the whole log's sums, which the merge
     * starts from. */
    if (!path && sums)
        return ope_fail(err, OPE_EUSAGE, "the states were saved at the whole log's sums the "
                        "shards found together (%.12s..., --ci hoeffding or bernstein): give "
                        "ope merge the fit's state that holds them, --model-state FIT (the one "
                        "the shards were given)", sums);
    if (!path)
        return 0;
    if (!at && !sums) {
        *unused = 1;
        return 0;
    }
    if (fit_file_open(path, ff, err) != 0)
        return -1;
    const char *what = at ? at : sums;
    int rc = 0;
    if (!fit_file_made(ff))
        rc = ope_fail(err, OPE_ENOINPUT, "--model-state %s: no such file; the states were "
                      "evaluated with the fit %.12s...: give that fit's state%s", path, what,
                      traj || sums ? "" : ", or leave --model-state out");
    else if (traj ? !ff->tfit : !!ff->tfit)
        rc = fit_of_other_kind(path, !traj, err);
    else if (at && !traj && !ff->fit)
        rc = ope_fail(err, OPE_EDATA, "--model-state %s holds no reward model's fit (only "
                      "the whole log's sums of shards evaluated without one), but the states "
                      "were evaluated with the fit %.12s...: give that fit's state", path, at);
    else if (at && !names_digest(at, fit_file_digest(ff)))
        rc = ope_fail(err, OPE_EDATA, "--model-state %s is the fit %.12s..., but the states "
                      "were evaluated with the fit %.12s...: give that fit's state%s", path,
                      fit_file_digest(ff), at, traj || sums ? "" : ", or leave --model-state out");
    else if (sums && !ff->sums)
        rc = ope_fail(err, OPE_EDATA, "--model-state %s holds no whole log's sums, but the "
                      "states were saved at the sums %.12s... (--ci hoeffding or bernstein): "
                      "give the fit's state the shards were given in their last round", path,
                      sums);
    else if (sums && !names_digest(sums, eval_sums_digest(ff->sums)))
        rc = ope_fail(err, OPE_EDATA, "--model-state %s holds the whole log's sums %.12s..., "
                      "but the states were saved at the sums %.12s...: give the fit's state "
                      "the shards were given in their last round", path,
                      eval_sums_digest(ff->sums), sums);
    return rc;
}

/* The states merged with the fit they name must be those of every shard the fit was
 * made from: merged alone, a part of them gives a result that is neither the whole
 * log's nor theirs (its model saw the other shards' rows). 0, or -1 with err
 * (OPE_EDATA naming a shard left out, or one the fit was not made from). */
static int states_of_fit(const struct fit_file *ff, const struct shard *sh, const size_t *order,
                         size_t n, int traj, struct ope_error *err)
{
    const char *u = traj ? "episode" : "row";
    for (size_t i = 0; i < n; i++) {
        const struct shard *x = &sh[order[i]];
        if (fit_file_has(ff, x->st.name, x->h.row0, x->h.rows, x->h.sha256, err) != 0)
            return -1;
    }
    if (n == ff->n)
        return 0;
    for (size_t k = 0; k < ff->n; k++) {
        int found = 0;
        for (size_t i = 0; i < n && !found; i++)
            found = sh[order[i]].h.row0 == ff->id[k].row0;
        if (!found)
            return ope_fail(err, OPE_EDATA, "%s was made from %zu shards, and %zu state%s "
                            "merged: the shard at %s %llu (%s) is left out; merge the state of "
                            "every shard the fit was made from (%s all their %ss)",
                            ff->st.name, ff->n, n, n == 1 ? " is" : "s are", u,
                            (unsigned long long)ff->id[k].row0,
                            ff->id[k].log ? ff->id[k].log : "",
                            (ff->tfit && !eval_traj_fit_has_models(ff->tfit)) ||
                                    (!ff->tfit && !ff->fit)
                                ? "its sums hold" : "the model saw", u);
    }
    return 0;
}

struct res_eval *shard_merge(const char *const *paths, size_t n, const struct eval_settings *in,
                             const char *model_state, struct shard_round *round,
                             struct ope_progress *progress, struct ope_error *err)
{
    struct shard *sh = ope_calloc(n + 1, sizeof *sh, err);
    size_t *order = ope_calloc(n + 1, sizeof *order, err);
    struct sf_state **states = ope_calloc(n + 1, sizeof *states, err);
    struct eval_settings *set = ope_calloc(1, sizeof *set, err);
    struct res_eval *r = NULL;
    size_t opened = 0;
    int rc = sh && order && states && set ? 0 : -1, parts = 0, traj = 0, sums = 0;
    memset(round, 0, sizeof *round);
    for (size_t k = 0; rc == 0 && k < n; k++) {
        if (sf_open_file(&sh[k].st, paths[k], NULL, err) != 0) {
            rc = -1;
            break;
        }
        opened = k + 1;
        /* Evaluation states, or the parts of one pass of a reward model's fit. */
        const char *kind = sh[k].st.kind;
        int bsums = strcmp(kind, EVAL_SUMS_PART_KIND) == 0;
        int tsums = bsums || strcmp(kind, EVAL_TRAJ_SUMS_PART_KIND) == 0;
        int tpart = strcmp(kind, EVAL_TRAJ_SUMS_PART_KIND) == 0 ||
                    strcmp(kind, EVAL_TRAJ_FIT_PART_KIND) == 0;
        int part = tpart || bsums || strcmp(kind, EVAL_FIT_PART_KIND) == 0;
        int tr = tpart || strcmp(kind, EVAL_TRAJ_STATE_KIND) == 0;
        if (k == 0)
            traj = tr, sums = tsums;
        if (tr != traj)
            rc = ope_fail(err, OPE_EDATA, "%s is a trajectory log's shard and %s a bandit "
                          "log's: the shards of one log are of one kind", tr ? paths[k] : paths[0],
                          tr ? paths[0] : paths[k]);
        else if (!part && !tr && strcmp(kind, EVAL_STATE_KIND) != 0)
            rc = ope_fail(err, OPE_EDATA, "%s: a state of kind '%s', not a shard's (ope eval "
                          "--save-state)%s", paths[k], kind,
                          strcmp(kind, EVAL_FIT_KIND) == 0
                                      || strcmp(kind, EVAL_TRAJ_FIT_KIND) == 0
                              ? ": it is a model's fit; give it as --model-state" : "");
        else if (k > 0 && part != parts)
            rc = ope_fail(err, OPE_EDATA, "%s is a shard's part of %s and %s a shard's "
                          "evaluation state: merge the parts of one round of the fit, or the "
                          "evaluation states, not both (a shard given --model-state saves its "
                          "part until the fit is made, then its evaluation)",
                          part ? paths[k] : paths[0],
                          (part ? tsums : sums) ? "the round that finds the whole log's sums"
                          : traj ? "the trajectory log's models' fit"
                          : "the reward model's fit", part ? paths[0] : paths[k]);
        else if (k > 0 && part && tsums != sums)
            rc = ope_fail(err, OPE_EDATA, "%s is a shard's part of the sums round and %s of "
                          "the models' round: merge the parts of one round", tsums ? paths[k]
                          : paths[0], tsums ? paths[0] : paths[k]);
        parts = part;
        if (rc == 0 && part && !model_state)
            rc = ope_fail(err, OPE_EUSAGE, "%s: a shard's part of %s: ope merge adds the "
                          "parts to the fit's state, so give --model-state FILE (the one the "
                          "shards were given)", paths[k],
                          tsums ? "the round that finds the whole log's sums"
                          : tpart ? "a pass of the trajectory log's models' fit"
                          : "a pass of the reward model's fit");
        if (rc == 0 && (head_read(&sh[k].st, &sh[k].h, err) != 0 ||
                        ((!part || tpart || bsums) &&
                         eval_state_opts_read(&sh[k].st, &sh[k].so, err) != 0) ||
                        (k > 0 && sf_compatible(&sh[k].st, &sh[0].st, err) != 0)))
            rc = -1;
        /* A trajectory state keeps a digest of each of its episodes' ids, a bandit
         * state none: other counts are damage (or a crafted state hiding an episode
         * given twice). */
        if (rc == 0 && sh[k].h.n_ids != (tr ? sh[k].h.rows : 0))
            rc = ope_fail(err, OPE_EDATA, "%s: damaged state: its header holds %zu episode "
                          "id digests for %llu %s; make it again", paths[k], sh[k].h.n_ids,
                          (unsigned long long)sh[k].h.rows, tr ? "episodes" : "rows");
    }
    uint64_t total = 0;
    if (rc == 0)
        rc = shard_order(sh, n, order, traj ? "episode" : "row", &total, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        states[i] = &sh[order[i]].st;
    uint64_t *rows = rc == 0 ? ope_calloc(n + 1, sizeof *rows, err) : NULL;
    if (rc == 0 && !rows)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rows[i] = sh[order[i]].h.rows;
    if (rc == 0 && parts && traj) {
        if (settings_of(&sh[0].so, in, set, err) == 0)
            (sums ? merge_sums_round : merge_traj_round)(sh, order, n, states, rows,
                                                        model_state, set, round, err);
        rc = -1;        /* no result: round says what was done, or err why not */
    } else if (rc == 0 && parts && sums) {
        struct merge_check mc = { sh, order, n, total };
        struct eng_windows win = { &mc, NULL, NULL, NULL, 0, merge_pass1_done, NULL };
        if (settings_of(&sh[0].so, in, set, err) == 0)
            merge_bandit_sums_round(sh, order, n, states, rows, model_state, set, &win,
                                    round, err);
        rc = -1;        /* no result: round says what was done, or err why not */
    } else if (rc == 0 && parts) {
        merge_round(sh, order, n, states, model_state, in->model_bytes, round, err);
        rc = -1;        /* no result: round says what was done, or err why not */
    }
    int fit_unused = 0;
    const char *named = NULL;
    struct fit_file ff;
    memset(&ff, 0, sizeof ff);
    if (rc == 0)
        rc = states_fit_check(sh[0].st.settings, model_state, traj, &fit_unused, &named, &ff,
                              err);
    if (rc == 0 && fit_file_made(&ff))
        rc = states_of_fit(&ff, sh, order, n, traj, err);
    if (rc == 0)
        rc = settings_of(&sh[0].so, in, set, err);
    if (rc == 0) {
        struct merge_check mc = { sh, order, n, total };
        struct eng_windows win = { &mc, NULL, NULL, NULL, 0, merge_pass1_done, NULL };
        r = traj ? eval_settings_run_traj_merge(set, states, rows, n,
                                                (const char *const *)sh[0].h.names,
                                                sh[0].h.n_pol, ff.tfit, progress, err)
                 : eval_settings_run_merge(set, &win, states, rows, n,
                                           settings_line(sh[0].st.settings, "sums_fit=")
                                               ? ff.sums : NULL,
                                           progress, err);
        if (r && name_result(r, sh, order, n, err) != 0) {
            res_eval_free(r);
            r = NULL;
        }
        if (r && fit_unused &&
            res_warn(r, NULL, "--model-state %s is not used: these states were evaluated "
                     "without a %s fitted in rounds", model_state,
                     traj ? "model" : "reward model") != 0) {
            ope_fail_oom(err);
            res_eval_free(r);
            r = NULL;
        }
        /* A bandit log's states name their fit but merge without it: whether they are
         * every shard the fit was made from is then not known (states_of_fit). */
        if (r && !model_state && named &&
            res_warn(r, NULL, "the states were evaluated with a reward model the shards "
                     "fitted together (the fit %.12s...): give ope merge --model-state FIT "
                     "to check that every shard it was made from is merged (a part of them "
                     "gives a result that is neither the whole log's nor theirs)",
                     named) != 0) {
            ope_fail_oom(err);
            res_eval_free(r);
            r = NULL;
        }
    }
    fit_file_close(&ff);
    for (size_t k = 0; sh && k < opened; k++) {
        sf_close(&sh[k].st);
        shard_head_release(&sh[k].h);
        eval_state_opts_release(&sh[k].so);
    }
    free(sh);
    free(order);
    free(rows);
    free(states);
    free(set);
    return r;
}
