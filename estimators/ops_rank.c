/* estimators/ops_rank.c: rankings without the truth: the order of any per-candidate
 * number (the point estimates, or the lower confidence bounds: the "safe" ranking),
 * and each candidate's probability of being best and in the top k over paired
 * bootstrap replicates. */
#include "config.h"
#include "estimators/ops.h"

#include <math.h>

void ops_rank_by(const double *v, size_t M, size_t *ranking)
{
    /* Descending, stable (input order breaks ties), NaN last. Insertion sort: M is a
     * few candidates, and gsl_sort_index (a heap sort) breaks ties in no fixed order. */
    for (size_t i = 0; i < M; i++)
        ranking[i] = i;
    for (size_t i = 1; i < M; i++)
        for (size_t j = i; j > 0; j--) {
            double a = v[ranking[j]], b = v[ranking[j - 1]];
            if (isnan(a) || !(isnan(b) || a > b))
                break;
            size_t t = ranking[j];
            ranking[j] = ranking[j - 1];
            ranking[j - 1] = t;
        }
}

void ops_rank_probs(const double *vals, size_t M, size_t B, size_t stride, double *p_top)
{
    for (size_t i = 0; i < M * M; i++)
        p_top[i] = 0;
    if (!B)
        return;
    /* Replicate b ranks the candidates defined on it; a candidate with g defined
     * values above its own and t equal ones (itself included) holds places g+1..g+t,
     * each with share 1/t, so tied candidates split the places and, in every
     * replicate, the shares of "best" sum to 1 (or 0 when none is defined). The
     * replicates are paired (the same resample of rows for every candidate), which is
     * what makes "p beats q in replicate b" a comparison on the same data. */
    for (size_t b = 0; b < B; b++)
        for (size_t p = 0; p < M; p++) {
            double x = vals[p * stride + b];
            if (isnan(x))
                continue;       /* undefined on this resample: in no top k */
            size_t g = 0, t = 0;
            for (size_t q = 0; q < M; q++) {
                double y = vals[q * stride + b];
                g += y > x;
                t += y == x;
            }
            for (size_t k = g + 1; k <= M; k++) {
                size_t held = k - g < t ? k - g : t;    /* places g+1..k it holds */
                p_top[p * M + k - 1] += (double)held / (double)t;
            }
        }
    for (size_t i = 0; i < M * M; i++)
        p_top[i] /= (double)B;
}
