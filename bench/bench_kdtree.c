/* bench/bench_kdtree.c: k-d tree build and query time against brute force on 200,000
 * uniform points in dimensions 2, 4 and 8 (PRDC's (beta * state, action) points).
 * Prints microseconds per query and the speed-up. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ope/base/rng.h"
#include "ope/learn/train/kdtree.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void)
{
    size_t n = 200000, nq = 20000, nb = 200;
    for (size_t d = 2; d <= 8; d *= 2) {
        struct ope_rng r;
        ope_rng_init(&r, 1, OPE_RNG_TEST, d);
        double *pts = malloc(n * d * sizeof *pts), *q = malloc(nq * d * sizeof *q);
        if (!pts || !q)
            return 1;
        for (size_t i = 0; i < n * d; i++)
            pts[i] = ope_rng_uniform(&r);
        for (size_t i = 0; i < nq * d; i++)
            q[i] = ope_rng_uniform(&r);
        struct ope_error err = { 0 };
        double t0 = now();
        struct kdtree *t = kdtree_new(pts, n, d, &err);
        double t1 = now();
        if (!t)
            return 1;
        size_t sink = 0;
        for (size_t k = 0; k < nq; k++)
            sink += kdtree_nearest(t, q + k * d, NULL);
        double t2 = now();
        for (size_t k = 0; k < nb; k++) {
            double best = 1e300;
            for (size_t i = 0; i < n; i++) {
                double z = kdtree_dist2(q + k * d, pts + i * d, d);
                if (z < best) {
                    best = z;
                    sink += i;
                }
            }
        }
        double t3 = now();
        double tree_us = 1e6 * (t2 - t1) / (double)nq, brute_us = 1e6 * (t3 - t2) / (double)nb;
        printf("d=%zu n=%zu: build %.3f s, query %.2f us (tree) vs %.1f us (brute), "
               "x%.0f  [%zu]\n", d, n, t1 - t0, tree_us, brute_us, brute_us / tree_us,
               sink % 10);
        kdtree_free(t);
        free(pts);
        free(q);
    }
    return 0;
}
