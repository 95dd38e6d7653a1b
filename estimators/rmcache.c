/* estimators/rmcache.c: the reward model's columns of a streamed log in a temporary
 * file (rmcache.h). Each window is one record, column by column: its row count and
 * first row, the actions, positions (when the log has them), rewards, the numeric
 * contexts and the categorical codes, as the process holds them in memory (the file
 * never leaves this process: no byte order to fix). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "estimators/rmcache.h"
#include "ope/base/tmpfile.h"

struct rmc {
    FILE *f;
    int broken;             /* a write or a read failed: unusable */
    size_t fail_at;         /* the tests' read error: the window that fails (0: none) */
    size_t reads;           /* windows read back */
    size_t n_num, n_cat;    /* the first window's columns */
    int has_pos, shaped, n_actions, n_positions;
    /* the window read back */
    struct blog view;
    size_t cap;
    double **num;           /* [n_num][cap] */
    struct blog_catcol *cat;    /* [n_cat], codes [cap] */
};

/* $OPE_TEST_MODEL_CACHE_READ_ERROR=k: the k-th window read back fails as a read that
 * gets EIO would (the tests' seam for the passes' fallback to the log). */
static size_t test_read_error(void)
{
    const char *k = getenv("OPE_TEST_MODEL_CACHE_READ_ERROR");
    return k && *k ? (size_t)strtoul(k, NULL, 10) : 0;
}

struct rmc *rmc_new(void)
{
    const char *no = getenv("OPE_TEST_NO_MODEL_CACHE");
    if (no && *no)
        return NULL;
    struct rmc *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fail_at = test_read_error();
    int fd = ope_tmp_anon("ope-model");     /* gone from the directory already */
    if (fd >= 0 && !(c->f = fdopen(fd, "w+b")))
        close(fd);
    if (!c->f) {
        free(c);
        return NULL;
    }
    return c;
}

void rmc_free(struct rmc *c)
{
    if (!c)
        return;
    if (c->f)
        fclose(c->f);
    for (size_t k = 0; c->num && k < c->n_num; k++)
        free(c->num[k]);
    free(c->num);
    for (size_t k = 0; c->cat && k < c->n_cat; k++)
        free(c->cat[k].code);
    free(c->cat);
    free(c->view.action);
    free(c->view.reward);
    free(c->view.position);
    free(c);
}

int rmc_usable(const struct rmc *c)
{
    return c && c->f && !c->broken;
}

static int put(struct rmc *c, const void *p, size_t size, size_t n)
{
    if (n && fwrite(p, size, n, c->f) != n)
        c->broken = 1;
    return c->broken ? -1 : 0;
}

int rmc_append(struct rmc *c, const struct blog *w, size_t first)
{
    if (!rmc_usable(c))
        return -1;
    if (!c->shaped) {
        c->shaped = 1;
        c->n_num = w->n_num_ctx;
        c->n_cat = w->n_cat_ctx;
        c->has_pos = w->position != NULL;
        c->n_actions = w->n_actions;
        c->n_positions = w->n_positions;
    }
    if (w->n_num_ctx != c->n_num || w->n_cat_ctx != c->n_cat
        || (w->position != NULL) != c->has_pos) {
        c->broken = 1;
        return -1;
    }
    /* Past the file size limit a write would end the process (SIGXFSZ): give up. */
    size_t row = sizeof *w->action + sizeof *w->reward + (c->has_pos ? sizeof(int) : 0) +
                 c->n_num * sizeof(double) + c->n_cat * sizeof(int);
    long at = ftell(c->f);
    if (at < 0 || !ope_tmp_fits((unsigned long long)at + 16 + (unsigned long long)w->n * row)) {
        c->broken = 1;
        return -1;
    }
    uint64_t head[2] = { (uint64_t)w->n, (uint64_t)first };
    put(c, head, sizeof head[0], 2);
    put(c, w->action, sizeof *w->action, w->n);
    if (c->has_pos)
        put(c, w->position, sizeof *w->position, w->n);
    put(c, w->reward, sizeof *w->reward, w->n);
    for (size_t k = 0; k < c->n_num; k++)
        put(c, w->num_ctx[k], sizeof(double), w->n);
    for (size_t k = 0; k < c->n_cat; k++)
        put(c, w->cat_ctx[k].code, sizeof(int), w->n);
    return c->broken ? -1 : 0;
}

int rmc_rewind(struct rmc *c, struct ope_error *err)
{
    if (!rmc_usable(c))
        return ope_fail(err, OPE_ESOFTWARE, "reward model: no cache to read");
    if (fflush(c->f) != 0 || fseek(c->f, 0L, SEEK_SET) != 0) {
        c->broken = 1;
        return ope_fail(err, OPE_ENOINPUT, "reward model: its temporary file: %s",
                        strerror(errno));
    }
    return 0;
}

/* Room for a window of n rows. */
static int grow(struct rmc *c, size_t n, struct ope_error *err)
{
    if (n <= c->cap && c->view.action)
        return 0;
    struct blog *v = &c->view;
    free(v->action);
    free(v->reward);
    free(v->position);
    v->action = ope_malloc((n + 1) * sizeof *v->action, err);
    v->reward = ope_malloc((n + 1) * sizeof *v->reward, err);
    v->position = c->has_pos ? ope_malloc((n + 1) * sizeof *v->position, err) : NULL;
    if (!c->num && !(c->num = ope_calloc(c->n_num + 1, sizeof *c->num, err)))
        return -1;
    if (!c->cat && !(c->cat = ope_calloc(c->n_cat + 1, sizeof *c->cat, err)))
        return -1;
    int ok = v->action && v->reward && (!c->has_pos || v->position);
    for (size_t k = 0; k < c->n_num; k++) {
        free(c->num[k]);
        ok &= (c->num[k] = ope_malloc((n + 1) * sizeof(double), err)) != NULL;
    }
    for (size_t k = 0; k < c->n_cat; k++) {
        free(c->cat[k].code);
        ok &= (c->cat[k].code = ope_malloc((n + 1) * sizeof(int), err)) != NULL;
    }
    c->cap = ok ? n : 0;
    return ok ? 0 : -1;
}

/* A read back that failed: why (errno when the stream had an error, else short). */
static int unread(struct rmc *c, int e, struct ope_error *err)
{
    return ope_fail(err, OPE_ENOINPUT, "the reward model's copy of its columns (a "
                    "temporary file in %s) could not be read back (%s)", ope_tmp_dir(),
                    e ? strerror(e) : ferror(c->f) ? strerror(errno) : "it is short");
}

static int get(struct rmc *c, void *p, size_t size, size_t n, struct ope_error *err)
{
    if (n && fread(p, size, n, c->f) != n)
        return unread(c, 0, err);
    return 0;
}

static int next(struct rmc *c, const struct blog **w, size_t *first, struct ope_error *err)
{
    uint64_t head[2];
    size_t got = fread(head, sizeof head[0], 2, c->f);
    if (got == 0 && feof(c->f))
        return 0;
    if (c->fail_at && ++c->reads == c->fail_at)
        return unread(c, EIO, err);
    if (got != 2)
        return unread(c, 0, err);
    size_t n = (size_t)head[0];
    if (grow(c, n, err) < 0)
        return -1;
    struct blog *v = &c->view;
    if (get(c, v->action, sizeof *v->action, n, err) < 0
        || (c->has_pos && get(c, v->position, sizeof *v->position, n, err) < 0)
        || get(c, v->reward, sizeof *v->reward, n, err) < 0)
        return -1;
    for (size_t k = 0; k < c->n_num; k++)
        if (get(c, c->num[k], sizeof(double), n, err) < 0)
            return -1;
    for (size_t k = 0; k < c->n_cat; k++)
        if (get(c, c->cat[k].code, sizeof(int), n, err) < 0)
            return -1;
    v->n = n;
    v->n_actions = c->n_actions;
    v->n_positions = c->n_positions;
    v->n_num_ctx = c->n_num;
    v->num_ctx = c->num;
    v->n_cat_ctx = c->n_cat;
    v->cat_ctx = c->cat;
    *w = v;
    *first = (size_t)head[1];
    return 1;
}

int rmc_next(struct rmc *c, const struct blog **w, size_t *first, struct ope_error *err)
{
    int r = next(c, w, first, err);
    if (r < 0)
        c->broken = 1;
    return r;
}
