/* estimators/evbandit.h: the row inputs of the bandit source, shared by a log in
 * memory (evaluate.c) and a log read in windows (evaluate_stream.c), so both form
 * every weight, q̂ and contribution with the same arithmetic. Internal to the
 * estimators layer. */
#ifndef ESTIMATORS_EVBANDIT_H
#define ESTIMATORS_EVBANDIT_H

#include <stddef.h>
#include "ope/base/error.h"
#include "datasets/blog.h"
#include "estimators/estimator.h"

/* Row vectors of one policy: weight, pi_e at the logged action, q̂ at it, q̂ under pi_e. */
struct evb_pol_in {
    double *w, *pa, *qa, *qpi;
};

/* Form policy p's row vectors over log's rows (qhat: [A][n], or NULL: no q̂ vectors),
 * in blocks of rows on `threads` threads (each row is its own: the same vectors for
 * any number). 0, or -1 (out of memory) with err; released on failure. */
int evb_pol_in_build(const struct blog *log, double **qhat, size_t p, int threads,
                     struct evb_pol_in *pi, struct ope_error *err);
void evb_pol_in_release(struct evb_pol_in *pi);

/* The estimators' view of those vectors (row0 = 0, no model influence). */
void evb_in_of(const struct blog *log, const struct evb_pol_in *pi, struct est_bandit_in *in);

/* Per-row contributions c[0..in->n-1] of spec s given the finished point sums over n
 * rows (mean of c over the whole log = the estimate); buf: EST_MAX_TERMS x ACC_CHUNK
 * doubles of scratch. */
void evb_contributions(const struct est_spec *s, const struct est_bandit_in *in,
                       const double *sums, double n, double *c, double *buf);

/* The largest max_a pi_pol(a|x_i) / pscore_i over log's rows, at least w0 (fold the
 * windows of a log by passing the previous result). */
double evb_weight_bound(const struct blog *log, size_t pol, double w0);

/* Fold log's rewards into their range [*mn, *mx] (start at INFINITY, -INFINITY). */
void evb_reward_minmax(const struct blog *log, double *mn, double *mx);

/* The rewards' range for the confidence sequences: [0, 1] when every reward is in it
 * (a click, a conversion, a rate), else the observed range (then only a heuristic). */
void evb_reward_range(double mn, double mx, double *lo, double *hi);

/* The weights estimator s applies (acc: diag_acc of s's weight function over every
 * row) into es: their mean, largest and ESS, and es->undefined with the reason when
 * an estimator that sees only weights has none above 0 (empty support,
 * est_desc.weights_only). */
struct diag_acc;
struct eng_est;
void evb_est_weights(const struct est_spec *s, const struct diag_acc *acc, struct eng_est *es);

#endif
