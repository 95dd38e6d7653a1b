/* ope/learn/train/kdtree.c: k-d tree by median split on the widest dimension; leaves hold up
 * to KD_LEAF points. Every node remembers the smallest original index below it, so the
 * search can prune a subtree that could only tie with a smaller-indexed best. */
#include "config.h"
#include "ope/learn/train/kdtree.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define KD_LEAF 8
#define KD_NONE SIZE_MAX

struct kd_node {
    size_t lo, hi;          /* the node's points are idx[lo..hi) */
    size_t left, right;     /* child nodes, KD_NONE for a leaf */
    size_t min_index;       /* smallest original index among the node's points */
    size_t dim;             /* split dimension */
    double split;           /* left points have x[dim] <= split <= right points */
};

struct kdtree {
    size_t n, d;
    double *pts;            /* [n*d] copy */
    size_t *idx;            /* permutation of 0..n-1 */
    struct kd_node *node;
    size_t n_nodes;
};

double kdtree_dist2(const double *a, const double *b, size_t d)
{
    double s = 0.0;
    for (size_t j = 0; j < d; j++) {
        double z = a[j] - b[j];
        s += z * z;
    }
    return s;
}

static double coord(const struct kdtree *t, size_t i, size_t dim)
{
    return t->pts[t->idx[i] * t->d + dim];
}

static void swap_idx(size_t *a, size_t *b)
{
    size_t x = *a;
    *a = *b;
    *b = x;
}

/* Rearrange idx[lo..hi) so that position k holds the point whose x[dim] is the k-th
 * smallest, smaller-or-equal ones before it and larger-or-equal after (quickselect
 * with a three-way partition, so runs of equal coordinates cost no extra passes). */
static void select_kth(struct kdtree *t, size_t lo, size_t hi, size_t k, size_t dim)
{
    while (hi - lo > 1) {
        double a = coord(t, lo, dim), b = coord(t, lo + (hi - lo) / 2, dim),
               c = coord(t, hi - 1, dim);
        double pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t lt = lo, i = lo, gt = hi;    /* [lo,lt) < p, [lt,i) == p, [gt,hi) > p */
        while (i < gt) {
            double v = coord(t, i, dim);
            if (v < pivot)
                swap_idx(&t->idx[lt++], &t->idx[i++]);
            else if (v > pivot)
                swap_idx(&t->idx[i], &t->idx[--gt]);
            else
                i++;
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return;
    }
}

/* The dimension along which the points idx[lo..hi) spread most. */
static size_t widest_dim(const struct kdtree *t, size_t lo, size_t hi)
{
    size_t best = 0;
    double best_w = -1.0;
    for (size_t j = 0; j < t->d; j++) {
        double mn = coord(t, lo, j), mx = mn;
        for (size_t i = lo + 1; i < hi; i++) {
            double v = coord(t, i, j);
            mn = v < mn ? v : mn;
            mx = v > mx ? v : mx;
        }
        if (mx - mn > best_w) {
            best_w = mx - mn;
            best = j;
        }
    }
    return best;
}

/* Build the subtree over idx[lo..hi); returns its node id. Nodes are preallocated
 * (a tree over n points with leaves of >= 1 point has fewer than 2n nodes). */
static size_t build(struct kdtree *t, size_t lo, size_t hi)
{
    size_t id = t->n_nodes++;
    struct kd_node *nd = &t->node[id];
    nd->lo = lo;
    nd->hi = hi;
    nd->left = nd->right = KD_NONE;
    nd->dim = 0;
    nd->split = 0.0;
    nd->min_index = KD_NONE;
    for (size_t i = lo; i < hi; i++)
        if (t->idx[i] < nd->min_index)
            nd->min_index = t->idx[i];
    if (hi - lo <= KD_LEAF)
        return id;
    size_t dim = widest_dim(t, lo, hi), mid = lo + (hi - lo) / 2;
    select_kth(t, lo, hi, mid, dim);
    double split = coord(t, mid, dim);
    size_t left = build(t, lo, mid);
    size_t right = build(t, mid, hi);
    nd = &t->node[id];          /* t->node does not move; re-fetch for clarity */
    nd->dim = dim;
    nd->split = split;
    nd->left = left;
    nd->right = right;
    return id;
}

struct kdtree *kdtree_new(const double *pts, size_t n, size_t d, struct ope_error *err)
{
    if (n == 0 || d == 0) {
        ope_fail(err, OPE_EDATA, "k-d tree: need at least one point of dimension >= 1 "
                 "(got %zu points of dimension %zu)", n, d);
        return NULL;
    }
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(pts[i])) {
            ope_fail(err, OPE_EDATA, "k-d tree: coordinate %zu of point %zu is %g; "
                     "expected a finite number", i % d, i / d, pts[i]);
            return NULL;
        }
    struct kdtree *t = ope_calloc(1, sizeof *t, err);
    if (!t)
        return NULL;
    t->n = n;
    t->d = d;
    t->pts = ope_malloc(n * d * sizeof *t->pts, err);
    t->idx = t->pts ? ope_malloc(n * sizeof *t->idx, err) : NULL;
    t->node = t->idx ? ope_malloc(2 * n * sizeof *t->node, err) : NULL;
    if (!t->node) {
        kdtree_free(t);
        return NULL;
    }
    for (size_t i = 0; i < n * d; i++)
        t->pts[i] = pts[i];
    for (size_t i = 0; i < n; i++)
        t->idx[i] = i;
    build(t, 0, n);
    return t;
}

void kdtree_free(struct kdtree *t)
{
    if (!t)
        return;
    free(t->pts);
    free(t->idx);
    free(t->node);
    free(t);
}

struct kd_best {
    double d2;
    size_t index;
};

/* Does (d2, index) beat the current best under the rule "smaller distance, then
 * smaller index"? */
static int better(const struct kd_best *b, double d2, size_t index)
{
    return d2 < b->d2 || (d2 == b->d2 && index < b->index);
}

static void search(const struct kdtree *t, size_t id, const double *q, struct kd_best *b)
{
    const struct kd_node *nd = &t->node[id];
    if (nd->left == KD_NONE) {
        for (size_t i = nd->lo; i < nd->hi; i++) {
            size_t k = t->idx[i];
            double d2 = kdtree_dist2(q, t->pts + k * t->d, t->d);
            if (better(b, d2, k)) {
                b->d2 = d2;
                b->index = k;
            }
        }
        return;
    }
    double diff = q[nd->dim] - nd->split;
    size_t near = diff <= 0.0 ? nd->left : nd->right;
    size_t far = diff <= 0.0 ? nd->right : nd->left;
    search(t, near, q, b);
    /* Every point of the far side is at least |diff| away along dim. It can still win
     * when diff^2 < best, or tie it with a smaller index. */
    if (better(b, diff * diff, t->node[far].min_index))
        search(t, far, q, b);
}

size_t kdtree_nearest(const struct kdtree *t, const double *q, double *dist2)
{
    struct kd_best b = { INFINITY, KD_NONE };
    search(t, 0, q, &b);
    if (dist2)
        *dist2 = b.d2;
    return b.index;
}

size_t kdtree_size(const struct kdtree *t)
{
    return t->n;
}

size_t kdtree_dim(const struct kdtree *t)
{
    return t->d;
}
