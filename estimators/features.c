/* estimators/features.c: turns log rows into the sparse design rows of the reward
 * models (see features.h for the column layout), and accumulates weighted Gram
 * matrices X^T W X and X^T u over such rows with compensated block sums. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/features.h"

/* Mean and population sd of numeric column c over the training rows, two passes of
 * compensated sums. A column with (relative) zero spread gets scale 1: after
 * centring it is 0 on every training row, so its penalised coefficient is 0. */
static void standardise(const struct blog *log, size_t c, const int *fold, int held_out,
                        double *mean, double *scale)
{
    const double *x = log->num_ctx[c];
    struct ope_sum s;
    size_t m = 0;
    ope_sum_init(&s);
    for (size_t i = 0; i < log->n; i++)
        if (!fold || fold[i] != held_out) {
            ope_sum_add(&s, x[i]);
            m++;
        }
    if (m == 0) {
        *mean = 0.0;
        *scale = 1.0;
        return;
    }
    double mu = ope_sum_value(&s) / (double)m;
    ope_sum_init(&s);
    for (size_t i = 0; i < log->n; i++)
        if (!fold || fold[i] != held_out)
            ope_sum_add(&s, (x[i] - mu) * (x[i] - mu));
    *mean = mu;
    *scale = feat_scale(mu, sqrt(ope_sum_value(&s) / (double)m));
}

double feat_scale(double mean, double sd)
{
    return (sd > 1e-12 * (1.0 + fabs(mean))) ? 1.0 / sd : 1.0;
}

/* The columns' layout (features.h) after the numeric ones. */
static void layout(struct feat_map *m, const size_t *levels, size_t n_positions)
{
    size_t col = 1 + m->n_num;
    for (size_t c = 0; c < m->n_cat; c++) {
        m->cat_off[c] = col;
        col += levels[c];
    }
    if (m->use_pos) {
        m->pos_off = col;
        col += n_positions;
    }
    m->p = col;
    m->nnz = 1 + m->n_num + m->n_cat + (size_t)m->use_pos;
}

static int alloc_map(struct feat_map *m, size_t n_num, size_t n_cat, int use_pos,
                     struct ope_error *err)
{
    memset(m, 0, sizeof *m);
    m->n_num = n_num;
    m->n_cat = n_cat;
    m->use_pos = use_pos;
    m->mean = ope_calloc(m->n_num + 1, sizeof *m->mean, err);
    m->scale = ope_calloc(m->n_num + 1, sizeof *m->scale, err);
    m->cat_off = ope_calloc(m->n_cat + 1, sizeof *m->cat_off, err);
    if (!m->mean || !m->scale || !m->cat_off) {
        feat_map_release(m);
        return -1;
    }
    return 0;
}

int feat_map_set(struct feat_map *m, size_t n_num, const double *mean, const double *scale,
                 size_t n_cat, const size_t *levels, int use_pos, size_t n_positions,
                 struct ope_error *err)
{
    if (alloc_map(m, n_num, n_cat, use_pos, err) < 0)
        return -1;
    for (size_t c = 0; c < n_num; c++) {
        m->mean[c] = mean[c];
        m->scale[c] = scale[c];
    }
    layout(m, levels, n_positions);
    return 0;
}

int feat_map_init(struct feat_map *m, const struct blog *log, const int *fold,
                  int held_out, struct ope_error *err)
{
    size_t *levels = ope_calloc(log->n_cat_ctx + 1, sizeof *levels, err);
    if (!levels || alloc_map(m, log->n_num_ctx, log->n_cat_ctx,
                             log->position != NULL && log->n_positions > 1, err) < 0) {
        free(levels);
        return -1;
    }
    for (size_t c = 0; c < m->n_num; c++)
        standardise(log, c, fold, held_out, &m->mean[c], &m->scale[c]);
    for (size_t c = 0; c < m->n_cat; c++)
        levels[c] = log->cat_ctx[c].n_levels;
    layout(m, levels, (size_t)log->n_positions);
    free(levels);
    return 0;
}

void feat_map_release(struct feat_map *m)
{
    free(m->mean);
    free(m->scale);
    free(m->cat_off);
    m->mean = m->scale = NULL;
    m->cat_off = NULL;
}

void feat_row(const struct feat_map *m, const struct blog *log, size_t i, int pos,
              int *idx, double *val)
{
    size_t k = 0;
    idx[k] = 0;
    val[k++] = 1.0;
    for (size_t c = 0; c < m->n_num; c++) {
        idx[k] = (int)(1 + c);
        val[k++] = (log->num_ctx[c][i] - m->mean[c]) * m->scale[c];
    }
    for (size_t c = 0; c < m->n_cat; c++) {
        idx[k] = (int)(m->cat_off[c] + (size_t)log->cat_ctx[c].code[i]);
        val[k++] = 1.0;
    }
    if (m->use_pos) {
        idx[k] = (int)(m->pos_off + (size_t)pos);
        val[k++] = 1.0;
    }
}

void feat_prefetch(const struct feat_map *m, const struct blog *log, size_t i)
{
#if defined(__GNUC__)
    for (size_t c = 0; c < m->n_num; c++)
        __builtin_prefetch(&log->num_ctx[c][i]);
    for (size_t c = 0; c < m->n_cat; c++)
        __builtin_prefetch(&log->cat_ctx[c].code[i]);
    if (m->use_pos)
        __builtin_prefetch(&log->position[i]);
    __builtin_prefetch(&log->reward[i]);
#else
    (void)m;
    (void)log;
    (void)i;
#endif
}

int feat_gram_init(struct feat_gram *g, size_t p, struct ope_error *err)
{
    memset(g, 0, sizeof *g);
    g->p = p;
    g->block = p * p / 16 > 512 ? p * p / 16 : 512;
    g->blk_a = ope_calloc(p * p, sizeof *g->blk_a, err);
    g->blk_b = ope_calloc(p, sizeof *g->blk_b, err);
    g->acc_a = ope_calloc(p * p, sizeof *g->acc_a, err);
    g->acc_b = ope_calloc(p, sizeof *g->acc_b, err);
    if (!g->blk_a || !g->blk_b || !g->acc_a || !g->acc_b) {
        feat_gram_release(g);
        return -1;
    }
    return 0;
}

void feat_gram_release(struct feat_gram *g)
{
    free(g->blk_a);
    free(g->blk_b);
    free(g->acc_a);
    free(g->acc_b);
    memset(g, 0, sizeof *g);
}

/* Fold the plain block sums into the compensated accumulators (lower triangle). */
static void flush(struct feat_gram *g)
{
    size_t p = g->p;
    for (size_t j = 0; j < p; j++) {
        for (size_t k = 0; k <= j; k++) {
            ope_sum_add(&g->acc_a[j * p + k], g->blk_a[j * p + k]);
            g->blk_a[j * p + k] = 0.0;
        }
        ope_sum_add(&g->acc_b[j], g->blk_b[j]);
        g->blk_b[j] = 0.0;
    }
    g->in_block = 0;
}

void feat_gram_flush(struct feat_gram *g)
{
    flush(g);
}

/* feat_gram_add for a dense row (every column present, so ix[k] = k): the same
 * products and sums, element by element, without the indirection, through pointers
 * that cannot alias, so the compiler keeps the row in registers. */
static void gram_add_dense(double *restrict a, double *restrict b, const double *restrict v,
                           size_t p, double w, double u)
{
    for (size_t j = 0; j < p; j++) {
        double wv = w * v[j];
        double *restrict row = a + j * p;
        for (size_t k = 0; k <= j; k++)
            row[k] += wv * v[k];
        b[j] += u * v[j];
    }
}

void feat_gram_add(struct feat_gram *g, const struct feat_rows *d, size_t r, double w, double u)
{
    const int *ix = d->idx + r * d->nnz;
    const double *v = d->val + r * d->nnz;
    size_t p = g->p;
    /* Indices increase strictly along a row, so p of them in [0, p) are 0 .. p - 1. */
    if (d->nnz == p) {
        gram_add_dense(g->blk_a, g->blk_b, v, p, w, u);
        if (++g->in_block == g->block)
            flush(g);
        return;
    }
    /* Indices increase along a row, so ix[k] <= ix[j] for k <= j: lower triangle. */
    for (size_t j = 0; j < d->nnz; j++) {
        double wv = w * v[j];
        double *row = g->blk_a + (size_t)ix[j] * p;
        for (size_t k = 0; k <= j; k++)
            row[ix[k]] += wv * v[k];
        g->blk_b[ix[j]] += u * v[j];
    }
    if (++g->in_block == g->block)
        flush(g);
}

void feat_gram_finish(struct feat_gram *g, double *a, double *b)
{
    size_t p = g->p;
    flush(g);
    for (size_t j = 0; j < p; j++) {
        for (size_t k = 0; k <= j; k++) {
            double v = ope_sum_value(&g->acc_a[j * p + k]);
            a[j * p + k] = v;
            a[k * p + j] = v;
            ope_sum_init(&g->acc_a[j * p + k]);
        }
        b[j] = ope_sum_value(&g->acc_b[j]);
        ope_sum_init(&g->acc_b[j]);
    }
}
