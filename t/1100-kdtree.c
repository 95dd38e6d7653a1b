/* t/1100-kdtree.c: the k-d tree's nearest neighbour equals brute force (smallest
 * distance, then smallest index) on random point sets: dimensions 1..8, many seeds,
 * continuous coordinates and coarse grids full of duplicates and exact ties. */
#include "config.h"
#include "t/tap.h"
#include "ope/learn/train/kdtree.h"
#include "ope/base/rng.h"

#include <math.h>
#include <stdlib.h>

/* The rule the tree documents, by exhaustive scan. */
static size_t brute(const double *pts, size_t n, size_t d, const double *q, double *d2)
{
    size_t best = 0;
    double bd = INFINITY;
    for (size_t i = 0; i < n; i++) {
        double z = kdtree_dist2(q, pts + i * d, d);
        if (z < bd) {
            bd = z;
            best = i;
        }
    }
    *d2 = bd;
    return best;
}

/* A coordinate: continuous in [-1, 1], or on a grid of `levels` values (duplicates). */
static double draw(struct ope_rng *r, int levels)
{
    if (levels == 0)
        return 2.0 * ope_rng_uniform(r) - 1.0;
    return (double)ope_rng_below(r, (uint64_t)levels);
}

/* Run n_sets point sets of dimension d; returns the number of disagreeing queries. */
static long check_sets(size_t d, int levels, int n_sets, long *n_queries)
{
    long bad = 0;
    for (int s = 0; s < n_sets; s++) {
        struct ope_rng r;
        ope_rng_init(&r, (uint64_t)s, OPE_RNG_TEST, d * 100 + (size_t)levels);
        size_t n = 1 + (size_t)ope_rng_below(&r, s % 3 == 0 ? 20 : 1500);
        double *pts = malloc(n * d * sizeof *pts), q[8];
        for (size_t i = 0; i < n * d; i++)
            pts[i] = draw(&r, levels);
        if (s % 4 == 1)         /* a block of exact copies of point 0 */
            for (size_t i = n / 2; i < n; i += 3)
                for (size_t j = 0; j < d; j++)
                    pts[i * d + j] = pts[j];
        struct ope_error err = { 0 };
        struct kdtree *t = kdtree_new(pts, n, d, &err);
        if (!t) {
            free(pts);
            return -1;
        }
        for (int k = 0; k < 200; k++) {
            /* Queries: fresh points, data points (distance 0), and midpoints. */
            if (k % 3 == 0) {
                size_t i = (size_t)ope_rng_below(&r, n);
                for (size_t j = 0; j < d; j++)
                    q[j] = pts[i * d + j];
            } else {
                for (size_t j = 0; j < d; j++)
                    q[j] = levels ? draw(&r, levels + 1) - 0.5 * (k % 2) : draw(&r, 0) * 1.2;
            }
            double dt, db;
            size_t it = kdtree_nearest(t, q, &dt), ib = brute(pts, n, d, q, &db);
            if (it != ib || dt != db) {
                if (bad < 3)
                    diag("d=%zu levels=%d set %d query %d: tree %zu (%g) brute %zu (%g)",
                         d, levels, s, k, it, dt, ib, db);
                bad++;
            }
            (*n_queries)++;
        }
        kdtree_free(t);
        free(pts);
    }
    return bad;
}

int main(void)
{
    plan(8 * 3 + 4);
    for (size_t d = 1; d <= 8; d++) {
        static const int levels[] = { 0, 3, 2 };
        for (int l = 0; l < 3; l++) {
            long nq = 0, bad = check_sets(d, levels[l], 40, &nq);
            is_int(bad, 0, "d=%zu, %s: tree = brute force (index and distance) on %ld "
                   "queries over 40 seeded sets", d,
                   levels[l] ? (levels[l] == 3 ? "3-level grid (duplicates, ties)"
                                               : "0/1 grid (mostly duplicates)")
                             : "continuous", nq);
        }
    }

    /* All points identical: every query's nearest is index 0 (the tie rule). */
    double same[50 * 2];
    for (int i = 0; i < 100; i++)
        same[i] = 0.25;
    struct ope_error err = { 0 };
    struct kdtree *t = kdtree_new(same, 50, 2, &err);
    double q[2] = { 3.0, -1.0 }, d2;
    is_int((long long)kdtree_nearest(t, q, &d2), 0, "50 identical points: the smallest index wins");
    /* (3 - 0.25)^2 + (-1 - 0.25)^2 = 7.5625 + 1.5625 */
    is_double(d2, 9.125, 1e-12, "its squared distance, by hand");
    kdtree_free(t);

    /* Bad input: a NaN coordinate and an empty set are data errors. */
    double bad[2] = { 0.0, NAN };
    ok(kdtree_new(bad, 1, 2, &err) == NULL && err.status == OPE_EDATA,
       "a NaN coordinate is refused: %s", err.msg);
    ok(kdtree_new(bad, 0, 2, &err) == NULL && err.status == OPE_EDATA,
       "an empty point set is refused");
    return done_testing();
}
