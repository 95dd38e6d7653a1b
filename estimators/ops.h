/* estimators/ops.h: off-policy selection metrics (selection.md, following SCOPE-RL's
 * conventions so numbers match): given one estimator's estimates of M candidate
 * policies and, when known, their true values and the behaviour policy's value
 * J(pi_b): MSE, nMSE, Spearman and Kendall rank correlation, regret@1 and regret@k,
 * Type I/II error rates at a safety threshold, and for every k = 1..M the top-k
 * metrics best/worst/mean/std, safety violation rate and SharpeRatio@k. */
#ifndef ESTIMATORS_OPS_H
#define ESTIMATORS_OPS_H

#include <stddef.h>
#include "ope/base/error.h"

struct ops_opts {
    double relative_safety;     /* tau = relative_safety * J(pi_b) (default 0.9) */
    size_t k;                   /* regret@k's k (default min(3, M)) */
    int clip_sharpe;            /* clip SharpeRatio@k to [0, 100] (SCOPE-RL option) */
};

/* Defaults: relative_safety 0.9, k = min(3, M), no clip. */
void ops_opts_init(struct ops_opts *o);

struct ops_topk {
    double best, worst, mean, std;  /* of the TRUE values of the top k */
    double violation;               /* share of them below tau */
    double sharpe;                  /* max(best - J, 0) / std; NAN when undefined */
};

#define OPS_MAX_NOTES 8

struct ops_result {
    size_t M;
    size_t *ranking;            /* [M] candidates by estimate, descending; ties: input order */
    int has_truth;
    double tau;                 /* safety threshold (NAN without J) */
    double mse, nmse, spearman, kendall;
    double regret1, regretk, nregret1;
    size_t k;
    double type1, type2;
    struct ops_topk *topk;      /* [M]: topk[k - 1] */
    size_t n_notes;
    char notes[OPS_MAX_NOTES][200];
};

/* Compute every metric. truth may be NULL (only the ranking is filled, the rest NAN);
 * J may be NAN (tau, violations, Sharpe, Type I/II become NAN). A NaN estimate ranks
 * last and makes MSE and the rank correlations NAN (with a note). Every NAN or +inf
 * left in r has its reason in r->notes. Errors: OPE_EUSAGE for M = 0 or k > M,
 * OPE_EDATA for a true value that is not finite. */
int ops_compute(const double *est, const double *truth, size_t M, double J,
                const struct ops_opts *o, struct ops_result *r, struct ope_error *err);

/* The top-k curves of several estimators: what `ope select --format csv` saves (one
 * row per estimator and k; over several datasets, the means) and the top-k chart
 * draws (viz/chart_select.h). curve[e].topk[k - 1] for k = 1..M. A curve's topk may
 * view an ops_result's (ops_result.topk), or belong to a set loaded from a saved file
 * (ope/app/resultread.h), which ops_curves_release frees. */
struct ops_curve {
    const char *label;              /* the estimator's label */
    const struct ops_topk *topk;    /* [M] */
};

struct ops_curves {
    size_t n, M;                    /* estimators, candidates (k = 1..M) */
    struct ops_curve *curve;        /* [n] */
};

/* Free a loaded set (every label and topk, and the array) and zero it; safe on a
 * zeroed set. Not for a set that views ops_results. */
void ops_curves_release(struct ops_curves *c);

/* The order of the candidates by v[M], descending: ranking[0] is the largest. Ties
 * keep the input order; NaN ranks last. With the point estimates it is the
 * estimator's ranking; with the lower bounds of the intervals it is the safe ranking
 * (a candidate whose wide interval makes it look best only by luck drops). */
void ops_rank_by(const double *v, size_t M, size_t *ranking);

/* Rank probabilities from B paired bootstrap replicates: candidate p's replicates are
 * vals[p * stride + b], b < B, computed on the same resamples for every candidate.
 * p_top[p * M + k - 1] is the share of replicates in which p is among the k largest,
 * so p_top[p * M] is P(best). A replicate ties share their places equally (two tied
 * for first get 1/2 each); an undefined (NaN) replicate value is in no top k, and the
 * defined ones are ranked among themselves. B = 0 gives zeros. */
void ops_rank_probs(const double *vals, size_t M, size_t B, size_t stride, double *p_top);

struct res_eval;

/* Score every estimator of an evaluation: out[e] = ops_compute of estimator e's
 * estimates of the r->n_policies candidates (truth and J as for ops_compute). On
 * failure the results already made are freed. */
int ops_score_eval(const struct res_eval *r, const double *truth, double J,
                   const struct ops_opts *o, struct ops_result *out, struct ope_error *err);

/* Free the arrays of r (r itself is the caller's); safe on a zeroed result. */
void ops_result_release(struct ops_result *r);

/* One metric over several replicates: mean and sample standard deviation (divisor
 * n - 1; NAN when n < 2) over the n replicates where it is finite. */
struct ops_stat {
    double mean, sd;
    size_t n;
};

struct ops_topk_stat {
    struct ops_stat best, worst, mean, std, violation, sharpe;
};

/* Every metric of ops_result averaged over R replicate datasets of the same M
 * candidates (the paper's benchmark: several seeds or behaviour policies). */
struct ops_summary {
    size_t R, M, k;
    struct ops_stat mse, nmse, spearman, kendall, regret1, regretk, nregret1, type1, type2;
    struct ops_topk_stat *topk;     /* [M] */
    size_t n_notes;
    char notes[OPS_MAX_NOTES][200];
};

/* Summarise R >= 1 results computed with the same M and k. Values that are undefined
 * or infinite in a replicate are left out of that metric's mean (a note says so).
 * Usage error when the results disagree on M or k. */
int ops_summarize(const struct ops_result *rs, size_t R, struct ops_summary *s,
                  struct ope_error *err);

/* Free the arrays of s; safe on a zeroed summary. */
void ops_summary_release(struct ops_summary *s);

/* Rank correlations of x and y (length n) with ties handled as scipy does: Spearman on average ranks,
 * Kendall's tau-b. NAN when a side is constant. */
double ops_spearman(const double *x, const double *y, size_t n);
double ops_kendall_tau_b(const double *x, const double *y, size_t n);

#endif
