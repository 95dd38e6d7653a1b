/* estimators/evwindows.c: a bandit log in memory cut into windows of rows, the window
 * provider of evaluate_stream.h for tests (a streamed evaluation of a log in memory
 * must equal eval_bandit of it) and the model of a provider that reads a file. The
 * windows borrow the log's columns: nothing is copied. */
#include "config.h"
#include "estimators/evaluate_stream.h"

#include <stdlib.h>
#include <string.h>

#include "estimators/accum.h"

/* Point the current window at rows [lo, lo + m) of the log. */
static void window_at(struct eng_blog_windows *bw, size_t lo, size_t m)
{
    const struct blog *log = bw->log;
    int A = log->n_actions;
    struct blog *w = &bw->w;
    *w = *log;
    w->n = m;
    w->action = log->action + lo;
    w->reward = log->reward + lo;
    w->pscore = log->pscore + lo;
    w->position = log->position ? log->position + lo : NULL;
    w->line = log->line ? log->line + lo : NULL;
    double **c = bw->cols;
    for (size_t p = 0; p < log->n_policies; p++) {
        bw->pol[p].name = log->policy[p].name;
        bw->pol[p].prob = c;
        for (int a = 0; a < A; a++)
            *c++ = log->policy[p].prob[a] + lo;
    }
    w->policy = bw->pol;
    w->qhat = log->qhat ? c : NULL;
    for (int a = 0; log->qhat && a < A; a++)
        *c++ = log->qhat[a] + lo;
    w->q = log->q ? c : NULL;
    for (int a = 0; log->q && a < A; a++)
        *c++ = log->q[a] + lo;
    for (size_t k = 0; k < log->n_num_ctx; k++)
        bw->num[k] = log->num_ctx[k] + lo;
    w->num_ctx = bw->num;
    for (size_t k = 0; k < log->n_cat_ctx; k++) {
        bw->cat[k] = log->cat_ctx[k];
        bw->cat[k].code = log->cat_ctx[k].code + lo;
    }
    w->cat_ctx = bw->cat;
}

static int bw_next(void *ctx, const struct blog **w, size_t *first_row, struct ope_error *err)
{
    (void)err;
    struct eng_blog_windows *bw = ctx;
    size_t lo = bw->next_row, n = bw->log->n;
    if (lo >= n)
        return 0;
    size_t m = n - lo < bw->window ? n - lo : bw->window;
    window_at(bw, lo, m);
    bw->next_row = lo + m;
    *w = &bw->w;
    *first_row = lo;
    return 1;
}

static int bw_rewind(void *ctx, struct ope_error *err)
{
    (void)err;
    ((struct eng_blog_windows *)ctx)->next_row = 0;
    return 0;
}

int eng_windows_of_blog(struct eng_windows *win, struct eng_blog_windows *bw,
                        const struct blog *log, size_t window, struct ope_error *err)
{
    memset(bw, 0, sizeof *bw);
    if (window == 0 || window % ACC_CHUNK != 0)
        return ope_fail(err, OPE_EUSAGE, "a window of %zu rows: it must be a positive "
                        "multiple of %d (the accumulator's chunk)", window, ACC_CHUNK);
    size_t A = log->n_actions > 0 ? (size_t)log->n_actions : 0;
    bw->log = log;
    bw->window = window;
    bw->pol = ope_calloc(log->n_policies + 1, sizeof *bw->pol, err);
    bw->cols = ope_calloc((log->n_policies + 2) * A + 1, sizeof *bw->cols, err);
    bw->cat = ope_calloc(log->n_cat_ctx + 1, sizeof *bw->cat, err);
    bw->num = ope_calloc(log->n_num_ctx + 1, sizeof *bw->num, err);
    if (!bw->pol || !bw->cols || !bw->cat || !bw->num) {
        eng_blog_windows_release(bw);
        return -1;
    }
    win->ctx = bw;
    win->next = bw_next;
    win->rewind = bw_rewind;
    win->path = log->path;
    win->row0 = 0;
    win->pass1_done = NULL;
    return 0;
}

void eng_blog_windows_release(struct eng_blog_windows *bw)
{
    free(bw->pol);
    free(bw->cols);
    free(bw->cat);
    free(bw->num);
    memset(bw, 0, sizeof *bw);
}
