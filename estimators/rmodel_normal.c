/* estimators/rmodel_normal.c: the reward models' normal equations, dense or with a
 * wide one-hot block eliminated (rmodel_normal.h), so that a categorical context of
 * 10,000 levels costs memory and time linear in its levels instead of cubic. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/rmodel_normal.h"
#include "estimators/ridge.h"

/* Entries of the block form's A: the q x q dense part, the m x q cross part (row l:
 * the level l's products with the q other columns), the m diagonal entries. */
static size_t block_entries(const struct rm_normal *s)
{
    return s->q * s->q + s->m * s->q + s->m;
}

size_t rmn_bytes(size_t p, size_t blk_off, size_t blk_len)
{
    /* dense: the matrix, and feat_gram's plain and compensated sums (8 + 8 + 16 bytes
     * an entry); block: those of its entries, and the Schur complement's two q x q */
    if (blk_len == 0 || blk_off == 0 || blk_off + blk_len > p)
        return 32 * p * p + 48 * p;
    size_t q = p - blk_len, t = q * q + blk_len * q + blk_len;
    return 32 * t + 16 * q * q + 48 * p;
}

int rmn_init(struct rm_normal *s, size_t p, size_t blk_off, size_t blk_len,
             struct ope_error *err)
{
    memset(s, 0, sizeof *s);
    s->p = p;
    if (blk_len == 0 || blk_off == 0 || blk_off + blk_len > p) {
        /* dense (the intercept, column 0, is never in a block) */
        s->a = ope_malloc((p ? p * p : 1) * sizeof *s->a, err);
        if (!s->a || feat_gram_init(&s->gram, p, err) < 0) {
            rmn_release(s);
            return -1;
        }
        return 0;
    }
    s->block = 1;
    s->off = blk_off;
    s->m = blk_len;
    s->q = p - blk_len;
    size_t t = block_entries(s), q = s->q;
    /* As feat_gram: fold the plain sums every max(512, entries / 16) rows, so the
     * folding costs at most ~16 operations per row. */
    s->rows_per_block = (t + p) / 16 > 512 ? (t + p) / 16 : 512;
    s->a = ope_malloc(t * sizeof *s->a, err);
    s->blk_a = ope_calloc(t, sizeof *s->blk_a, err);
    s->blk_b = ope_calloc(p, sizeof *s->blk_b, err);
    s->acc_a = ope_calloc(t, sizeof *s->acc_a, err);
    s->acc_b = ope_calloc(p, sizeof *s->acc_b, err);
    s->c = ope_malloc(q * q * sizeof *s->c, err);
    s->r = ope_malloc(q * sizeof *s->r, err);
    s->xd = ope_malloc(q * sizeof *s->xd, err);
    s->cs = ope_malloc(q * q * sizeof *s->cs, err);
    s->rs = ope_malloc(q * sizeof *s->rs, err);
    s->nz = ope_malloc(q * sizeof *s->nz, err);
    s->met = ope_malloc(s->m * sizeof *s->met, err);
    s->is_met = ope_calloc(s->m, 1, err);
    if (!s->a || !s->blk_a || !s->blk_b || !s->acc_a || !s->acc_b || !s->c || !s->r
        || !s->xd || !s->cs || !s->rs || !s->nz || !s->met || !s->is_met) {
        rmn_release(s);
        return -1;
    }
    return 0;
}

void rmn_release(struct rm_normal *s)
{
    feat_gram_release(&s->gram);
    free(s->a);
    free(s->blk_a);
    free(s->blk_b);
    free(s->acc_a);
    free(s->acc_b);
    free(s->c);
    free(s->r);
    free(s->xd);
    free(s->cs);
    free(s->rs);
    free(s->nz);
    free(s->met);
    free(s->is_met);
    memset(s, 0, sizeof *s);
}

/* The dense-part index of a column outside the block. */
static size_t dcol(const struct rm_normal *s, int col)
{
    return (size_t)col < s->off ? (size_t)col : (size_t)col - s->m;
}

/* The column of dense-part index i. */
static size_t col_of(const struct rm_normal *s, size_t i)
{
    return i < s->off ? i : i + s->m;
}

/* The plain sums of the rows since the last fold into the compensated ones: the dense
 * part and b's columns outside the block whole, of the cross part, the diagonal and
 * b's block only the levels those rows met (the others' plain sums are 0, and adding
 * 0 would change no compensated sum). */
static void block_flush(struct rm_normal *s)
{
    size_t q = s->q, qq = q * q, diag = qq + s->m * q;
    for (size_t i = 0; i < qq; i++) {
        ope_sum_add(&s->acc_a[i], s->blk_a[i]);
        s->blk_a[i] = 0.0;
    }
    for (size_t j = 0; j < q; j++) {
        size_t c = col_of(s, j);
        ope_sum_add(&s->acc_b[c], s->blk_b[c]);
        s->blk_b[c] = 0.0;
    }
    for (size_t k = 0; k < s->n_met; k++) {
        size_t l = s->met[k], e = qq + l * q, c = s->off + l;
        for (size_t i = e; i < e + q; i++) {
            ope_sum_add(&s->acc_a[i], s->blk_a[i]);
            s->blk_a[i] = 0.0;
        }
        ope_sum_add(&s->acc_a[diag + l], s->blk_a[diag + l]);
        s->blk_a[diag + l] = 0.0;
        ope_sum_add(&s->acc_b[c], s->blk_b[c]);
        s->blk_b[c] = 0.0;
        s->is_met[l] = 0;
    }
    s->n_met = 0;
    s->in_block = 0;
}

void rmn_add(struct rm_normal *s, const struct feat_rows *d, size_t r, double w, double u)
{
    if (!s->block) {
        feat_gram_add(&s->gram, d, r, w, u);
        return;
    }
    const int *ix = d->idx + r * d->nnz;
    const double *v = d->val + r * d->nnz;
    size_t nnz = d->nnz, q = s->q, kb = nnz;
    for (size_t k = 0; k < nnz; k++)
        if ((size_t)ix[k] - s->off < s->m) {   /* unsigned: below off wraps high */
            kb = k;
            break;
        }
    double *dd = s->blk_a, *e = NULL, wb = 0.0;
    if (kb < nnz) {
        size_t l = (size_t)ix[kb] - s->off;
        if (!s->is_met[l]) {
            s->is_met[l] = 1;
            s->met[s->n_met++] = l;
        }
        e = s->blk_a + q * q + l * q;
        wb = w * v[kb];
        s->blk_a[q * q + s->m * q + l] += wb * v[kb];
        s->blk_b[ix[kb]] += u * v[kb];
    }
    /* Indices increase along a row and dcol keeps their order: lower triangle. */
    for (size_t j = 0; j < nnz; j++) {
        if (j == kb)
            continue;
        size_t dj = dcol(s, ix[j]);
        double wv = w * v[j];
        double *row = dd + dj * q;
        for (size_t k = 0; k <= j; k++)
            if (k != kb)
                row[dcol(s, ix[k])] += wv * v[k];
        if (e)
            e[dj] += wb * v[j];
        s->blk_b[ix[j]] += u * v[j];
    }
    if (++s->in_block == s->rows_per_block)
        block_flush(s);
}

size_t rmn_sums(struct rm_normal *s, struct ope_sum **a, struct ope_sum **b)
{
    if (!s->block) {
        feat_gram_flush(&s->gram);
        *a = s->gram.acc_a;
        *b = s->gram.acc_b;
        return s->p * s->p;
    }
    block_flush(s);
    *a = s->acc_a;
    *b = s->acc_b;
    return block_entries(s);
}

void rmn_finish(struct rm_normal *s, double *b)
{
    if (!s->block) {
        feat_gram_finish(&s->gram, s->a, b);
        return;
    }
    block_flush(s);
    size_t t = block_entries(s), q = s->q;
    for (size_t i = 0; i < t; i++) {
        s->a[i] = ope_sum_value(&s->acc_a[i]);
        ope_sum_init(&s->acc_a[i]);
    }
    for (size_t j = 0; j < q; j++)      /* the dense part was summed in its lower half */
        for (size_t k = j + 1; k < q; k++)
            s->a[j * q + k] = s->a[k * q + j];
    for (size_t j = 0; j < s->p; j++) {
        b[j] = ope_sum_value(&s->acc_b[j]);
        ope_sum_init(&s->acc_b[j]);
    }
}

void rmn_diag_add(struct rm_normal *s, size_t j, double v)
{
    if (!s->block)
        s->a[j * s->p + j] += v;
    else if (j - s->off < s->m)
        s->a[s->q * s->q + s->m * s->q + (j - s->off)] += v;
    else
        s->a[dcol(s, (int)j) * (s->q + 1)] += v;
}

/* The Schur complement C = A_dd - E^T D^-1 E and r = b_d - E^T D^-1 b_blk into s->c
 * and s->r, in compensated sums (C is a difference of large numbers when the levels
 * hold many rows). A level's cross row E_l is sparse when the dense part holds other
 * one-hot columns, so only its nonzeros are visited. */
static void schur(struct rm_normal *s, const double *b)
{
    size_t q = s->q, m = s->m;
    const double *e = s->a + q * q, *ds = e + m * q;
    for (size_t i = 0; i < q; i++) {
        for (size_t k = 0; k <= i; k++) {
            ope_sum_init(&s->cs[i * q + k]);
            ope_sum_add(&s->cs[i * q + k], s->a[i * q + k]);
        }
        ope_sum_init(&s->rs[i]);
        ope_sum_add(&s->rs[i], b[col_of(s, i)]);
    }
    for (size_t l = 0; l < m; l++) {
        if (!(ds[l] > 0.0))
            continue;
        const double *el = e + l * q;
        size_t n = 0;
        for (size_t i = 0; i < q; i++)
            if (el[i] != 0.0)
                s->nz[n++] = (int)i;
        double bl = b[s->off + l] / ds[l];
        for (size_t x = 0; x < n; x++) {
            size_t i = (size_t)s->nz[x];
            double f = el[i] / ds[l];
            for (size_t y = 0; y <= x; y++)
                ope_sum_add(&s->cs[i * q + (size_t)s->nz[y]], -f * el[s->nz[y]]);
            ope_sum_add(&s->rs[i], -el[i] * bl);
        }
    }
    for (size_t i = 0; i < q; i++) {
        for (size_t k = 0; k <= i; k++)
            s->c[i * q + k] = s->c[k * q + i] = ope_sum_value(&s->cs[i * q + k]);
        s->r[i] = ope_sum_value(&s->rs[i]);
    }
}

int rmn_solve(struct rm_normal *s, const double *b, double *x, struct ope_error *err)
{
    if (!s->block)
        return ridge_solve_sym(s->p, s->a, b, x, err);
    size_t q = s->q, m = s->m, t = block_entries(s);
    for (size_t i = 0; i < t; i++)
        if (!isfinite(s->a[i]))
            /* as ridge_solve_sym says it for the dense form */
            return ope_fail(err, OPE_EDATA, "the normal equations overflow: a context or "
                            "feature value, or a reward, is too large to square (e.g. "
                            "1e200); rescale those columns");
    schur(s, b);
    int rc = ridge_solve_sym(q, s->c, s->r, s->xd, err);
    if (rc < 0)
        return -1;
    for (size_t i = 0; i < q; i++)
        x[col_of(s, i)] = s->xd[i];
    const double *e = s->a + q * q, *ds = e + m * q;
    for (size_t l = 0; l < m; l++) {
        double v = 0.0;
        if (ds[l] > 0.0) {
            const double *el = e + l * q;
            double t_ = b[s->off + l];
            for (size_t i = 0; i < q; i++)
                t_ -= el[i] * s->xd[i];
            v = t_ / ds[l];
        }
        if (!isfinite(v))
            return ope_fail(err, OPE_ESOFTWARE, "the normal equations' solution is not finite");
        x[s->off + l] = v;
    }
    return rc;
}
