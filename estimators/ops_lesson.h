/* estimators/ops_lesson.h: the lesson of the SharpeRatio@k paper (Kiyohara et al.,
 * "Towards Assessing and Benchmarking Risk-Return Tradeoff of Off-Policy Evaluation",
 * ICLR 2024), found in measured results rather than asserted: two estimators that a
 * conventional metric (regret@k or rank correlation) cannot tell apart over the
 * replicates, while their SharpeRatio@k clearly differs. */
#ifndef ESTIMATORS_OPS_LESSON_H
#define ESTIMATORS_OPS_LESSON_H

#include <stddef.h>
#include "estimators/ops.h"

enum ops_alike { OPS_ALIKE_REGRET, OPS_ALIKE_SPEARMAN };

struct ops_lesson {
    int found;
    size_t a, b;            /* estimator indices; a has the higher SharpeRatio@k */
    enum ops_alike alike;   /* the metric on which they look alike */
    size_t k;               /* the k where SharpeRatio@k differs most */
    double z;               /* |difference| / its standard error */
};

/* Search every pair of estimators. "Alike": the difference of the replicate means
 * of regret@k (the summaries' k) or of Spearman's rho is within one standard error
 * of the difference, sqrt(sd_a^2/n_a + sd_b^2/n_b). "Differs": for some k in
 * 2..min(M, kmax), the SharpeRatio@k means differ by more than z_min such standard
 * errors (z_min = 3 is a clear difference). The pair and k with the largest such z
 * win; preference goes to regret@k when both metrics qualify. Needs R >= 2
 * replicates (standard errors); found = 0 otherwise. */
void ops_find_lesson(const struct ops_summary *s, size_t n_est, size_t kmax, double z_min,
                     struct ops_lesson *out);

#endif
