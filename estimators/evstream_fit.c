/* estimators/evstream_fit.c: a reward model fitted across shards that never talk to
 * each other (ope eval --save-state --model-state, ope merge --model-state; issue 17).
 * The model's passes (rmstream.h) are made in rounds: each shard makes the next pass
 * over its rows and saves what it summed (a part); the merge adds the parts in row
 * order, as the ranks of an MPI job add theirs, closes the pass, and appends the merged
 * sums to the fit's state. A shard given that state replays every merged pass
 * (rms_reset_pass, rms_merge_part, rms_pass_done: the calls an MPI rank makes), so it
 * holds the model exactly as one process over the whole log would, and makes the next
 * pass -- or, once the model is fitted, evaluates its rows with it.
 *
 * Each shard reads only its own rows, so it numbers a categorical context's levels in
 * its own order. The means' pass only counts them, so its parts carry the shards'
 * level names; the merge joins them in row order (the whole log's order of first
 * appearance, as one reader numbers them) into the fit's state, and every later pass
 * recodes each window to those numbers.
 *
 * The fit's blocks (after the command's own header):
 *   tag "ope model fit 2", the model's head (actions, policies, influence, options),
 *   the whole log's levels per categorical column, the merged passes (each its
 *   rms_put_pass bytes), and whether the model is fitted.
 * A part's blocks: tag "ope model pass 2", the pass it makes (the fit's passes so far)
 * and the fit's digest, the head, the shard's levels (the means' pass only), then
 * rms_put_pass's bytes. (Version 2: the normal equations and dm's gradient in them are
 * sf_put_sums' sparse arrays; version 1's states are refused as another version.) */
#include "config.h"
#include "estimators/evstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/roles.h"
#include "estimators/rmodel.h"
#include "estimators/rmstream.h"
#include "ope/base/sha256.h"
#include "ope/base/statefile.h"

#define FIT_TAG "ope model fit 2"
#define PART_TAG "ope model pass 2"
/* The most policies a fit may carry dm's influence for (ope eval takes 64). */
#define FIT_MAX_POLICIES 1024
/* Bytes of the means' pass per (fold, action) model: every fit has that pass and every
 * first round's part is it, so a state of n bytes has at most n / MODEL_BYTES models;
 * a damaged or crafted count must not size a huge allocation or loop. */
#define MODEL_BYTES 40

/* What every part and the fit must agree on to be one model. */
struct fit_head {
    uint64_t A, P, want;
    struct rm_opts o;
};

struct eval_fit {
    char *name;                 /* for messages */
    char *settings;             /* the shards' settings text */
    char hex[65];               /* SHA-256 of its blocks: names the fit */
    struct fit_head h;
    size_t n_cat;
    char **cat_name;            /* [n_cat] */
    struct roles_levels *lv;    /* [n_cat] the whole log's levels, in order */
    size_t n_passes;
    unsigned char **pass;       /* [n_passes] each pass's merged sums */
    size_t *pass_len;
    int fitted;
};

/* ---- the head -------------------------------------------------------------------- */

static void head_of(const struct eng *g, const struct ssrc *s, struct fit_head *h)
{
    memset(h, 0, sizeof *h);
    h->A = (uint64_t)s->n_actions;
    for (size_t e = 0; e < g->o->n_spec; e++)
        h->want |= (uint64_t)g->o->spec[e].d->model_infl;
    h->P = h->want ? g->n_pol : 0;     /* as s_setup makes the model */
    h->o = g->o->model;
}

static void head_put(struct strbuf *sb, const struct fit_head *h)
{
    sf_put_u64(sb, h->A);
    sf_put_u64(sb, h->P);
    sf_put_u64(sb, h->want);
    sf_put_u64(sb, (uint64_t)h->o.kind);
    sf_put_u64(sb, (uint64_t)h->o.folds);
    sf_put_f64(sb, h->o.lambda);
    sf_put_u64(sb, h->o.seed);
    sf_put_f64(sb, h->o.prior_rows);
    sf_put_u64(sb, (uint64_t)h->o.block_levels);
    sf_put_u64(sb, (uint64_t)h->o.folds_up_to_rows);
}

static void head_get(struct sf_state *st, struct fit_head *h)
{
    memset(h, 0, sizeof *h);
    rm_opts_init(&h->o);
    h->A = sf_get_count(st, 1, 1 << 30);
    h->P = sf_get_count(st, 0, FIT_MAX_POLICIES);
    h->want = sf_get_count(st, 0, 1);
    h->o.kind = (enum rm_kind)sf_get_count(st, RM_AUTO, RM_LOGISTIC);
    h->o.folds = (int)sf_get_count(st, 1, 1 << 30);
    h->o.lambda = sf_get_f64(st);
    h->o.seed = sf_get_u64(st);
    h->o.prior_rows = sf_get_f64(st);
    h->o.block_levels = (size_t)sf_get_u64(st);
    h->o.folds_up_to_rows = (int)sf_get_count(st, 0, 1);
    if (!(h->o.lambda >= 0.0) || h->o.lambda > 1e300 || h->o.prior_rows != h->o.prior_rows)
        st->bad = 1;
}

/* Whether the head's models fit in a state of n bytes (MODEL_BYTES). */
static int head_fits(const struct fit_head *h, size_t n)
{
    return h->A <= n / MODEL_BYTES / (uint64_t)h->o.folds;
}

static int head_same(const struct fit_head *a, const struct fit_head *b)
{
    return a->A == b->A && a->P == b->P && a->want == b->want && a->o.kind == b->o.kind &&
           a->o.folds == b->o.folds && a->o.lambda == b->o.lambda && a->o.seed == b->o.seed &&
           memcmp(&a->o.prior_rows, &b->o.prior_rows, sizeof a->o.prior_rows) == 0 &&
           a->o.block_levels == b->o.block_levels &&
           a->o.folds_up_to_rows == b->o.folds_up_to_rows;
}

/* ---- levels ------------------------------------------------------------------------ */

/* A column that is categorical in one shard and numeric in another. */
static int other_columns(const struct sf_state *st, const char *first, struct ope_error *err)
{
    return ope_fail(err, OPE_EDATA, "%s: its categorical context columns are not %s's (a "
                    "column holds a value that is not a number in one shard only, so it is "
                    "categorical there and numeric in the other): give the column values "
                    "that are not numbers in every shard, or leave it out with "
                    "--context-columns", st->name, first);
}

/* A levels block at st's cursor: its column names into *names (n_cat of them) and
 * each column's levels added to lv[c] in order (*lv NULL: the first block, allocated
 * here; else the join so far, whose columns must be these: first names its state).
 * 0, or -1 with err. */
static int levels_join(struct sf_state *st, size_t *n_cat, char ***names,
                       struct roles_levels **lv, const char *first, struct ope_error *err)
{
    size_t nc = (size_t)sf_get_count(st, 0, sf_room(st, 12));
    if (st->bad)
        return sf_done(st, err);
    int fresh = *lv == NULL;
    if (fresh) {
        *n_cat = nc;
        if (!(*names = ope_calloc(nc + 1, sizeof **names, err)) ||
            !(*lv = ope_calloc(nc + 1, sizeof **lv, err)))
            return -1;
    } else if (nc != *n_cat) {
        return other_columns(st, first, err);
    }
    for (size_t c = 0; c < nc && !st->bad; c++) {
        char *name = sf_get_str(st);
        if (!name)
            break;
        if (fresh) {
            (*names)[c] = name;
        } else {
            int same = strcmp(name, (*names)[c]) == 0;
            free(name);
            if (!same)
                return other_columns(st, first, err);
        }
        uint64_t n = sf_get_count(st, 0, sf_room(st, 4));
        for (uint64_t k = 0; k < n && !st->bad; k++) {
            char *v = sf_get_str(st);
            int code = v ? roles_levels_code(&(*lv)[c], v, strlen(v), err) : 0;
            free(v);
            if (code < 0)
                return -1;
        }
    }
    return st->bad ? sf_done(st, err) : 0;
}

/* ---- the fit's state --------------------------------------------------------------- */

void eval_fit_free(struct eval_fit *f)
{
    if (!f)
        return;
    for (size_t c = 0; c < f->n_cat; c++) {
        free(f->cat_name ? f->cat_name[c] : NULL);
        if (f->lv)
            roles_levels_release(&f->lv[c]);
    }
    for (size_t k = 0; f->pass && k < f->n_passes; k++)
        free(f->pass[k]);
    free(f->cat_name);
    free(f->lv);
    free(f->pass);
    free(f->pass_len);
    free(f->name);
    free(f->settings);
    free(f);
}

int eval_fit_fitted(const struct eval_fit *f)
{
    return f->fitted;
}

size_t eval_fit_passes(const struct eval_fit *f)
{
    return f->n_passes;
}

const char *eval_fit_digest(const struct eval_fit *f)
{
    return f->hex;
}

static void fit_put(struct strbuf *sb, const struct fit_head *h, size_t n_cat,
                    char *const *names, const struct roles_levels *lv, size_t n_passes,
                    unsigned char *const *pass, const size_t *len, int fitted)
{
    sf_put_str(sb, FIT_TAG);
    head_put(sb, h);
    sf_put_u64(sb, n_cat);
    for (size_t c = 0; c < n_cat; c++) {
        sf_put_str(sb, names[c]);
        sf_put_u64(sb, lv[c].n);
        for (size_t k = 0; k < lv[c].n; k++)
            sf_put_str(sb, lv[c].level[k]);
    }
    sf_put_u64(sb, n_passes);
    for (size_t k = 0; k < n_passes; k++) {
        sf_put_u64(sb, len[k]);
        strbuf_add(sb, (const char *)pass[k], len[k]);
    }
    sf_put_u64(sb, (uint64_t)fitted);
}

struct eval_fit *eval_fit_read(struct sf_state *st, struct ope_error *err)
{
    size_t start = st->off;
    struct eval_fit *f = ope_calloc(1, sizeof *f, err);
    if (!f || !(f->name = ope_strdup(st->name, err)) ||
        !(f->settings = ope_strdup(st->settings, err))) {
        eval_fit_free(f);
        return NULL;
    }
    char *tag = sf_get_str(st);
    int ok = tag && strcmp(tag, FIT_TAG) == 0;
    free(tag);
    if (!ok && !st->bad) {
        ope_fail(err, OPE_EDATA, "%s: not the state of a reward model's fit (ope merge "
                 "--model-state), or one of another version: start the fit again", st->name);
        eval_fit_free(f);
        return NULL;
    }
    head_get(st, &f->h);
    if (!head_fits(&f->h, st->n))
        st->bad = 1;
    int rc = st->bad ? -1 : levels_join(st, &f->n_cat, &f->cat_name, &f->lv, "", err);
    if (rc == 0) {
        f->n_passes = (size_t)sf_get_count(st, 0, sf_room(st, 8));
        f->pass = ope_calloc(f->n_passes + 1, sizeof *f->pass, err);
        f->pass_len = ope_calloc(f->n_passes + 1, sizeof *f->pass_len, err);
        if (!f->pass || !f->pass_len)
            rc = -1;
    }
    for (size_t k = 0; rc == 0 && !st->bad && k < f->n_passes; k++) {
        /* (the room after the length itself: sf_room counted its 8 bytes) */
        uint64_t len64 = sf_get_u64(st);
        size_t len = (size_t)len64;
        if (!st->bad && (len64 == 0 || len64 > sf_room(st, 1)))
            st->bad = 1;
        if (st->bad || !(f->pass[k] = ope_malloc(len, err))) {
            rc = st->bad ? 0 : -1;
            break;
        }
        memcpy(f->pass[k], st->data + st->off, len);
        st->off += len;
        f->pass_len[k] = len;
    }
    if (rc == 0)
        f->fitted = (int)sf_get_count(st, 0, 1);
    if (rc == 0 && st->bad && sf_done(st, err) != 0)
        rc = -1;
    /* The digest is of the fit's own blocks: the whole log's sums may follow them
     * (evstream_sums.c), and do not rename the model the states were made with. */
    if (rc == 0)
        sha256_hex(st->data + start, st->off - start, f->hex);
    if (rc != 0 && err->status == 0)
        sf_done(st, err);
    if (rc != 0) {
        eval_fit_free(f);
        return NULL;
    }
    return f;
}

/* Whether the fit's joined level names are as many as its merged means' pass counted,
 * column by column (m just past that pass). */
static int levels_agree(const struct rms *m, const struct eval_fit *f)
{
    if (rms_cat_columns(m) != f->n_cat)
        return 0;
    for (size_t c = 0; c < f->n_cat; c++)
        if (rms_cat_levels(m, c) != f->lv[c].n)
            return 0;
    return 1;
}

/* The fit's passes replayed into m as every MPI rank merges a pass: then m is where
 * one process over the whole log would be after them. 0, or -1 with err. */
static int replay(struct rms *m, const struct eval_fit *f, struct ope_error *err)
{
    for (size_t k = 0; k < f->n_passes; k++) {
        if (!rms_next_pass(m))
            return ope_fail(err, OPE_EDATA, "%s: damaged state: more passes than the fit "
                            "makes; start the fit again", f->name);
        struct sf_state st;
        sf_cursor(&st, f->pass[k], f->pass_len[k], f->name, EVAL_FIT_KIND);
        int means = rms_pass_is_means(m);
        rms_reset_pass(m);
        if (rms_merge_part(m, &st, err) != 0 || rms_pass_done(m, err) != 0)
            return -1;
        if (means && !levels_agree(m, f))
            return ope_fail(err, OPE_EDATA, "%s: damaged state: its categorical levels are "
                            "not those its means' pass counted; start the fit again", f->name);
    }
    return 0;
}

/* ---- in a shard ------------------------------------------------------------------------ */

/* Whether two settings texts agree, else err (OPE_EDATA) names the first line that
 * differs: what (a phrase) says whose settings mine are, name the fit's state, and the
 * advice is the fit's. 0, or -1. */
static int settings_agree(const char *what, const char *mine, const char *name,
                          const char *fit, struct ope_error *err)
{
    const char *x, *y;
    size_t lx, ly;
    if (!sf_settings_diff(mine, fit, &x, &lx, &y, &ly))
        return 0;
    return ope_fail(err, OPE_EDATA, "%s other settings than the reward model's fit (%s) was "
                    "begun with (%.*s against %.*s): run every shard with the options the "
                    "fit was begun with, or start a new fit (another --model-state file)",
                    what, name, (int)(lx ? lx : 6), lx ? x : "(none)", (int)(ly ? ly : 6),
                    ly ? y : "(none)");
}

int evs_fit_replay(struct eng *g, struct ope_error *err)
{
    struct ssrc *s = g->self;
    const struct eval_fit *f = s->shard_fit;
    if (!f)
        return 0;
    struct strbuf set = STRBUF_INIT;
    evs_fit_settings(g, &set);
    char what[300];
    snprintf(what, sizeof what, "%.200s: this shard is run with", evs_path(g));
    int rc = strbuf_failed(&set) ? ope_fail_oom(err)
                                 : settings_agree(what, strbuf_str(&set), f->name, f->settings,
                                                  err);
    strbuf_release(&set);
    if (rc != 0)
        return -1;
    struct fit_head h;
    head_of(g, s, &h);
    if (!head_same(&h, &f->h))
        return ope_fail(err, OPE_EDATA, "%s: the reward model's state was made for another "
                        "log or other options (actions, policies, --reward-model, --folds, "
                        "--model-lambda, --seed): run every shard with the same ones, or "
                        "start a new fit", f->name);
    if (replay(s->fit, f, err) != 0)
        return -1;
    /* Fitted: the evaluation state's settings name the fit (after the check above,
     * which compares the settings the parts were made with). */
    if (f->fitted)
        memcpy(s->fit_hex, f->hex, sizeof s->fit_hex);
    return 0;
}

/* The shard's levels for the means' pass part, from its first window. */
static int keep_levels(struct ssrc *s, const struct blog *w, struct ope_error *err)
{
    struct strbuf *sb = &s->part_levels;
    sb->len = 0;
    sf_put_u64(sb, w->n_cat_ctx);
    for (size_t c = 0; c < w->n_cat_ctx; c++) {
        sf_put_str(sb, w->cat_ctx[c].name);
        sf_put_u64(sb, w->cat_ctx[c].n_levels);
        for (size_t k = 0; k < w->cat_ctx[c].n_levels; k++)
            sf_put_str(sb, w->cat_ctx[c].levels[k]);
    }
    return strbuf_failed(sb) ? ope_fail_oom(err) : 0;
}

int evs_fit_window(struct eng *g, const struct blog **w, struct ope_error *err)
{
    struct ssrc *s = g->self;
    if (!s->fit_rounds)
        return 0;
    if (rms_pass_is_means(s->fit) && !s->part_levels.len && keep_levels(s, *w, err) != 0)
        return -1;
    const struct eval_fit *f = s->shard_fit;
    if (!f || f->n_cat == 0)
        return 0;
    /* The window's codes to the whole log's (the maps are made at the first window:
     * every window of a stream has the whole shard's levels). */
    const struct blog *b = *w;
    if (b->n_cat_ctx != f->n_cat)
        return ope_fail(err, OPE_EDATA, "%s: %zu categorical context column(s), but the "
                        "reward model's fit (%s) was made with %zu: a column holds values "
                        "that are not numbers in some shards only; give it such values in "
                        "every shard, or leave it out with --context-columns", evs_path(g),
                        b->n_cat_ctx, f->name, f->n_cat);
    if (!s->recode) {
        if (!(s->recode = ope_calloc(f->n_cat, sizeof *s->recode, err)) ||
            !(s->rcat = ope_calloc(f->n_cat, sizeof *s->rcat, err)) ||
            !(s->rlocal = ope_calloc(f->n_cat, sizeof *s->rlocal, err)))
            return -1;
        for (size_t c = 0; c < f->n_cat; c++) {
            const struct blog_catcol *cc = &b->cat_ctx[c];
            if (strcmp(cc->name, f->cat_name[c]) != 0)
                return ope_fail(err, OPE_EDATA, "%s: categorical context column '%s' where "
                                "the reward model's fit (%s) has '%s': the shards must have "
                                "the same columns", evs_path(g), cc->name, f->name,
                                f->cat_name[c]);
            if (!(s->recode[c] = ope_calloc(cc->n_levels + 1, sizeof **s->recode, err)))
                return -1;
            /* The fit's levels, then the shard's looked up among them: one that is not
             * there would get a new code. */
            struct roles_levels lv;
            memset(&lv, 0, sizeof lv);
            int rc = 0;
            for (size_t k = 0; rc == 0 && k < f->lv[c].n; k++)
                rc = roles_levels_code(&lv, f->lv[c].level[k], f->lv[c].len[k], err) < 0
                         ? -1 : 0;
            for (size_t k = 0; rc == 0 && k < cc->n_levels; k++) {
                int code = roles_levels_code(&lv, cc->levels[k], strlen(cc->levels[k]), err);
                if (code >= 0 && (size_t)code >= f->lv[c].n) {
                    char q[80];
                    code = ope_fail(err, OPE_EDATA, "%s: column '%s' has the level '%s', "
                                    "which no shard had when the reward model's means were "
                                    "merged into %s: the shard changed, or is not one of the "
                                    "fit's; start the fit again with every shard as it is",
                                    evs_path(g), cc->name,
                                    roles_quote(cc->levels[k], strlen(cc->levels[k]), q,
                                                sizeof q), f->name);
                }
                if (code < 0)
                    rc = -1;
                else
                    s->recode[c][k] = code;
            }
            roles_levels_release(&lv);
            if (rc != 0)
                return -1;
            s->rlocal[c] = cc->n_levels;
            s->rcat[c] = *cc;
            s->rcat[c].n_levels = f->lv[c].n;
            s->rcat[c].levels = f->lv[c].level;
            s->rcat[c].code = NULL;
        }
    }
    if (b->n > s->rcap) {
        for (size_t c = 0; c < f->n_cat; c++) {
            free(s->rcat[c].code);
            if (!(s->rcat[c].code = ope_malloc((b->n + 1) * sizeof(int), err)))
                return -1;
        }
        s->rcap = b->n;
    }
    for (size_t c = 0; c < f->n_cat; c++) {
        /* every window of a stream has the whole shard's levels (blog_stream.h) */
        if (b->cat_ctx[c].n_levels != s->rlocal[c])
            return ope_fail(err, OPE_EDATA, "%s: column '%s' has %zu levels in a window, %zu "
                            "in the first: the log changed while it was read", evs_path(g),
                            b->cat_ctx[c].name, b->cat_ctx[c].n_levels, s->rlocal[c]);
        const int *from = b->cat_ctx[c].code;
        int *to = s->rcat[c].code;
        for (size_t i = 0; i < b->n; i++)
            to[i] = s->recode[c][from[i]];
    }
    s->rwin = *b;
    s->rwin.cat_ctx = s->rcat;
    *w = &s->rwin;
    return 0;
}

void evs_fit_release(struct ssrc *s)
{
    size_t n = s->shard_fit ? s->shard_fit->n_cat : 0;
    for (size_t c = 0; c < n; c++) {
        free(s->recode ? s->recode[c] : NULL);
        free(s->rcat ? s->rcat[c].code : NULL);
    }
    free(s->recode);
    free(s->rcat);
    free(s->rlocal);
    strbuf_release(&s->part_levels);
}

void evs_fit_settings(const struct eng *g, struct strbuf *sb)
{
    evs_settings(g, sb);
    strbuf_puts(sb, "state=model pass\n");
}

int evs_fit_save_part(struct eng *g, struct ope_error *err)
{
    struct ssrc *s = g->self;
    const struct eval_fit *f = s->shard_fit;
    struct strbuf *sb = s->save;
    evs_fit_settings(g, s->save_settings);
    struct fit_head h;
    head_of(g, s, &h);
    sf_put_str(sb, PART_TAG);
    sf_put_u64(sb, f ? f->n_passes : 0);
    sf_put_str(sb, f ? f->hex : "");
    head_put(sb, &h);
    if (rms_pass_is_means(s->fit))
        strbuf_add(sb, s->part_levels.buf ? s->part_levels.buf : "", s->part_levels.len);
    rms_put_pass(s->fit, sb);
    return strbuf_failed(sb) || strbuf_failed(s->save_settings) ? ope_fail_oom(err) : 0;
}

/* ---- the merge of a pass's parts ------------------------------------------------------ */

int eval_fit_merge(const struct eval_fit *prev, struct sf_state *const *parts, size_t n,
                   unsigned long long max_bytes, struct strbuf *out, int *fitted, char *label,
                   size_t label_size, struct ope_error *err)
{
    if (n == 0)
        return ope_fail(err, OPE_EUSAGE, "no state to merge");
    struct fit_head h;
    memset(&h, 0, sizeof h);
    size_t at = prev ? prev->n_passes : 0;
    const char *hex = prev ? prev->hex : "";
    for (size_t k = 0; k < n; k++) {
        struct sf_state *st = parts[k];
        char *tag = sf_get_str(st);
        int ok = tag && strcmp(tag, PART_TAG) == 0;
        free(tag);
        if (!ok && !st->bad)
            return ope_fail(err, OPE_EDATA, "%s: not a pass of a reward model's fit (or one "
                            "of another version): run the shard again with this ope",
                            st->name);
        uint64_t pass = sf_get_u64(st);
        char *phex = sf_get_str(st);
        struct fit_head ph;
        head_get(st, &ph);
        if (!prev && !head_fits(&ph, st->n))
            st->bad = 1;
        int same_fit = phex && strcmp(phex, hex) == 0;
        free(phex);
        if (st->bad)
            return sf_done(st, err);
        char what[300];
        snprintf(what, sizeof what, "%.200s: the shard's part was made with", st->name);
        if (prev && settings_agree(what, st->settings, prev->name, prev->settings, err) != 0)
            return -1;
        if (pass != at || !same_fit) {
            if (!prev)
                return ope_fail(err, OPE_EDATA, "%s: the shard made pass %llu of a fit, from "
                                "a fit's state the shards were given, and this merge's "
                                "--model-state file does not exist: give ope merge the "
                                "--model-state file the shards were given",
                                st->name, (unsigned long long)pass + 1);
            return ope_fail(err, OPE_EDATA, "%s: the shard made pass %llu of %s fit, but %s "
                            "holds %zu pass%s%s: run the shard again with --model-state %s",
                            st->name, (unsigned long long)pass + 1,
                            pass == at ? "another" : "a", prev->name, at, at == 1 ? "" : "es",
                            pass < at ? " (the part is from an earlier round)" : "",
                            prev->name);
        }
        if (k == 0)
            h = ph;
        if (!head_same(&ph, k == 0 && prev ? &prev->h : &h))
            return ope_fail(err, OPE_EDATA, "%s: the shard's reward model has other options "
                            "or another log shape (actions, policies, --reward-model, --folds, "
                            "--model-lambda, --seed) than %s: run every shard with the same",
                            st->name, k == 0 ? prev->name : parts[0]->name);
    }
    if (prev && prev->fitted)
        return ope_fail(err, OPE_EUSAGE, "%s: the reward model is fitted already: run each "
                        "shard with --model-state %s for its evaluation state, and merge those",
                        prev->name, prev->name);
    h.o.max_bytes = max_bytes;
    size_t *pol = ope_calloc(h.P + 1, sizeof *pol, err);
    struct rms *m = pol ? rms_new(&h.o, (int)h.A, pol, h.P, NULL, RMS_SHARD, err) : NULL;
    free(pol);
    if (!m)
        return -1;
    /* The join of the shards' levels (means' pass), from the fit's so far. */
    size_t n_cat = 0;
    char **names = NULL;
    struct roles_levels *lv = NULL;
    unsigned char **passes = NULL;
    size_t *lens = NULL;
    struct strbuf one = STRBUF_INIT;
    int rc = prev ? replay(m, prev, err) : 0;
    const char *lab = rc == 0 ? rms_next_pass(m) : NULL;
    if (rc == 0 && !lab)
        rc = ope_fail(err, OPE_EDATA, "%s: damaged state: it says the model is not fitted, "
                      "but its passes fit it; start the fit again", prev ? prev->name : "");
    if (rc == 0 && lab)
        snprintf(label, label_size, "%s", lab);
    int means = rc == 0 && rms_pass_is_means(m);
    if (rc == 0 && prev && prev->n_cat) {
        /* the fit's levels first: a later means' pass (fewer folds) keeps them */
        n_cat = prev->n_cat;
        if (!(names = ope_calloc(n_cat + 1, sizeof *names, err)) ||
            !(lv = ope_calloc(n_cat + 1, sizeof *lv, err)))
            rc = -1;
        for (size_t c = 0; rc == 0 && c < n_cat; c++) {
            if (!(names[c] = ope_strdup(prev->cat_name[c], err)))
                rc = -1;
            for (size_t k = 0; rc == 0 && k < prev->lv[c].n; k++)
                if (roles_levels_code(&lv[c], prev->lv[c].level[k], prev->lv[c].len[k],
                                      err) < 0)
                    rc = -1;
        }
    }
    if (rc == 0)
        rms_reset_pass(m);
    for (size_t k = 0; rc == 0 && k < n; k++) {
        if (means && levels_join(parts[k], &n_cat, &names, &lv, parts[0]->name, err) != 0)
            rc = -1;
        else if (rms_merge_part(m, parts[k], err) != 0)
            rc = -1;
    }
    if (rc == 0 && means && n_cat) {
        size_t *count = ope_calloc(n_cat, sizeof *count, err);
        for (size_t c = 0; count && c < n_cat; c++)
            count[c] = lv[c].n;
        if (!count || rms_set_levels(m, count, n_cat) != 0)
            rc = count ? ope_fail(err, OPE_EDATA, "%s: its categorical context columns are "
                                  "not the model's: every shard must have the same columns",
                                  parts[0]->name)
                       : -1;
        free(count);
    }
    if (rc == 0) {
        rms_put_pass(m, &one);
        if (strbuf_failed(&one))
            rc = ope_fail_oom(err);
    }
    /* Close the pass: a singular fit or bad data is found here, before the state. */
    if (rc == 0 && rms_pass_done(m, err) != 0)
        rc = -1;
    if (rc == 0) {
        *fitted = rms_next_pass(m) == NULL;
        size_t np = at + 1;
        passes = ope_calloc(np, sizeof *passes, err);
        lens = ope_calloc(np, sizeof *lens, err);
        if (!passes || !lens)
            rc = -1;
        for (size_t k = 0; rc == 0 && k < at; k++) {
            passes[k] = prev->pass[k];
            lens[k] = prev->pass_len[k];
        }
        if (rc == 0) {
            passes[at] = (unsigned char *)one.buf;
            lens[at] = one.len;
            fit_put(out, &h, n_cat, names, lv, np, passes, lens, *fitted);
            if (strbuf_failed(out))
                rc = ope_fail_oom(err);
        }
    }
    free(passes);
    free(lens);
    strbuf_release(&one);
    for (size_t c = 0; c < n_cat; c++) {
        free(names ? names[c] : NULL);
        if (lv)
            roles_levels_release(&lv[c]);
    }
    free(names);
    free(lv);
    rms_free(m);
    return rc;
}
