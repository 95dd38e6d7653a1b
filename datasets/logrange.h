/* datasets/logrange.h: can a loaded log's estimates be summed in double precision?
 * Rewards are bounded when read (ROLES_REWARD_MAX), but an importance weight
 * pi/pscore (a product of them over an episode) is not, and a weight of 1e300 makes
 * every weighted sum, or its sum of squares, infinite or NaN. These checks find the
 * first row where that would happen, so it is a data error naming the row instead of
 * a silent NaN in the results. */
#ifndef DATASETS_LOGRANGE_H
#define DATASETS_LOGRANGE_H

#include "ope/base/error.h"

struct blog;
struct tlog;

/* The largest |weight x reward| a log of n rows (episodes) may hold: n terms whose
 * squares are below DBL_MAX, with a margin of 1e6 for the estimators' own sums
 * (doubly robust terms add a model's prediction, the bootstrap counts reach ~10). */
double logrange_term_max(size_t n);

/* For each evaluation policy, the largest pi(a_i|x_i)/pscore_i times the largest
 * reward magnitude (at least 1) must stay below logrange_term_max(n): else OPE_EDATA
 * naming FILE:LINE of the row with that weight, the policy, pi, pscore and the fix. */
int blog_check_range(const struct blog *b, struct ope_error *err);

/* The check of policy p on the rows of b, a window of a log of n rows whose largest
 * reward magnitude (at least 1) is rmax: what blog_check_range says of those rows. */
int blog_check_range_policy(const struct blog *b, size_t p, double rmax, size_t n,
                            struct ope_error *err);

/* The same for a trajectory log: the cumulative weight prod_{u<=t} pi/pscore of every
 * step (the per-decision and trajectory weights), times the largest undiscounted
 * return magnitude sum_t |r_t| (at least 1), against logrange_term_max(episodes);
 * the error names the step's line, its episode and the policy. */
int tlog_check_range(const struct tlog *t, struct ope_error *err);

#endif
