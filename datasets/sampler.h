/* datasets/sampler.h: seeded episode sampler for a tabular MDP under a behaviour
 * policy. Every distribution it draws from (initial state, pi_b(.|s), P(.|s,a)) is
 * turned into a Walker alias table over its non-zero entries once, so a step costs
 * two uniform draws and no allocation. Episode e draws from its own counter-based
 * stream (seed, OPE_RNG_GENERATE, e), so logs do not depend on the thread count. */
#ifndef DATASETS_SAMPLER_H
#define DATASETS_SAMPLER_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"
#include "ope/base/progress.h"

struct mdp;
struct policy;
struct tlog;
struct sampler;

/* Prepare sampling m under behavior (sizes must match; the sampler keeps pointers to
 * both, which must outlive it). */
struct sampler *sampler_new(const struct mdp *m, const struct policy *behavior,
                            struct ope_error *err);
/* Free the sampler (not the MDP or policy it points to); NULL is a no-op. */
void sampler_free(struct sampler *smp);

/* Sample one episode from stream (seed, e) into caller buffers of at least H entries
 * (done may be NULL). An episode ends after H steps or on entering a terminal state
 * (done = 1 on that step). Returns its length (1..H). Allocation-free. */
int sampler_episode(const struct sampler *smp, uint64_t seed, uint64_t e, int *state,
                    int *action, double *reward, unsigned char *done);

/* Sample n_episodes episodes into a new trajectory log with pscore = pi_b(a|s), a
 * done column, gamma = the MDP's, and one policy column block per candidate
 * (names[k], cands[k]; n_cands may be 0). Runs on n_threads threads (<= 0: default);
 * the result does not depend on it. progress may be NULL. */
struct tlog *sampler_run(const struct sampler *smp, size_t n_episodes, uint64_t seed,
                         const struct policy *const *cands, const char *const *names,
                         size_t n_cands, int n_threads, struct ope_progress *progress,
                         struct ope_error *err);

#endif
