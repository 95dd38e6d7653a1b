/* ope/learn/train/kdtree.h: an exact nearest-neighbour index over n points in any dimension
 * (a k-d tree built by median splits). PRDC uses it to find the dataset's (beta * state,
 * action) point nearest to the policy's (beta * state, action) in O(log n) on average. */
#ifndef OPE_TRAIN_KDTREE_H
#define OPE_TRAIN_KDTREE_H

#include <stddef.h>
#include "ope/base/error.h"

struct kdtree;

/* Build a tree over n points of dimension d (row-major pts[i*d + j], copied). n >= 1,
 * d >= 1; coordinates must be finite (a data error otherwise). O(n log n) on average. */
struct kdtree *kdtree_new(const double *pts, size_t n, size_t d, struct ope_error *err);

/* Free the tree (NULL is a no-op). */
void kdtree_free(struct kdtree *t);

/* The index (into the original pts) of the point nearest to q in Euclidean distance;
 * *dist2 (when not NULL) receives the squared distance. Ties -- several points at the
 * same smallest distance, duplicates included -- go to the SMALLEST index, so the
 * answer never depends on how the tree was split. Allocation-free and thread-safe. */
size_t kdtree_nearest(const struct kdtree *t, const double *q, double *dist2);

/* Number of points and dimension. */
size_t kdtree_size(const struct kdtree *t);
size_t kdtree_dim(const struct kdtree *t);

/* Squared Euclidean distance between two d-vectors (shared with the brute-force checks). */
double kdtree_dist2(const double *a, const double *b, size_t d);

#endif
