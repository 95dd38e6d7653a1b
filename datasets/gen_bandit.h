/* datasets/gen_bandit.h: the synthetic contextual bandit of environments.md (in the
 * manner of the Open Bandit Pipeline's synthetic data): Gaussian contexts, a fixed
 * random expected-reward function q(x, a) (linear or non-linear), binary or
 * continuous rewards, a softmax behaviour policy, and evaluation policies of graded
 * quality, all with the true q.* values so every estimate has a ground truth. */
#ifndef DATASETS_GEN_BANDIT_H
#define DATASETS_GEN_BANDIT_H

#include <stddef.h>
#include <stdint.h>
#include "datasets/blog.h"
#include "ope/base/error.h"
#include "ope/base/progress.h"

#define GEN_MAX_POLICIES 16

struct gen_bandit_opts {
    size_t rows;            /* n (default 10000) */
    int actions;            /* A (default 5) */
    int dim;                /* d (default 5) */
    int binary;             /* 1: Bernoulli(q) rewards with q = sigmoid(z); 0: z + N(0, 1) */
    int nonlinear;          /* 0: z = x.theta_a + b_a; 1: z = sin(x.theta_a) + cos(x.phi_a) + b_a */
    double beta;            /* behaviour softmax(beta * z) (default 1; 0 = uniform) */
    const char *policies;   /* comma list: greedy, uniform, eps:E, softmax:B (default
                               "greedy,eps:0.2,softmax:2,uniform,softmax:-2") */
    uint64_t seed;          /* default 12345 */
};

void gen_bandit_opts_init(struct gen_bandit_opts *o);

/* Generate the log (deterministic for a seed: row i uses stream (seed, GENERATE, i)).
 * Usage errors (OPE_EUSAGE) for a bad policy list. */
struct blog *gen_bandit(const struct gen_bandit_opts *o, struct ope_error *err);

/* Write a bandit log with numeric contexts, q.*, qhat.* and pi.* columns as CSV
 * (formats.md), atomically, formatting rows on up to `threads` threads (<= 0: all
 * CPUs; the bytes never depend on it). progress (may be NULL) is told the fraction
 * written and can cancel (OPE_EINTERRUPTED, nothing written). */
int blog_write_csv(const struct blog *b, const char *path, int force, int threads,
                   struct ope_progress *progress, struct ope_error *err);

#endif
