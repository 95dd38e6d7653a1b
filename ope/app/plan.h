/* ope/app/plan.h: sample-size planning from an evaluation (`ope plan`). An interval's
 * half-width shrinks as 1/sqrt(n): from the per-row (per-episode) spread of each
 * estimate's contributions, how many rows give an interval of a target width, and how
 * many detect a lift of a given size with a given power; for ipw, how that changes if
 * the logging policy had explored towards the candidate. */
#ifndef OPE_APP_PLAN_H
#define OPE_APP_PLAN_H

#include <stddef.h>
#include "datasets/blog.h"
#include "estimators/result.h"
#include "ope/base/error.h"

/* One (policy, estimator) of the plan. NAN where undefined. */
struct plan_row {
    const char *policy, *label;     /* point into the evaluation */
    double n;                       /* rows (episodes) of the log */
    double sigma;                   /* per-row sd of the contributions: se * sqrt(n) */
    double half;                    /* the evaluation's half-width at n */
    double lift, sigma_lift;        /* the lift and its per-row sd (from its t interval) */
    double rows_width;              /* rows for the target width (full width W) */
    double rows_lift;               /* rows to detect the target lift with the power */
    double lift_target;             /* the lift it was planned for */
};

struct plan_opts {
    double width;       /* full interval width wanted; NAN: none */
    double lift;        /* lift to detect; NAN: each estimate's own (when > 0) */
    double power;       /* 1 - beta (default 0.8) */
    double alpha;       /* two-sided level of the widths; one-sided alpha / 2 for the lift */
};

/* The plan of every estimate of r, which must come from t intervals (the per-row sd
 * is se sqrt(n); the lift's from its interval). rows: [n_policies * n_estimates],
 * malloc'ed. OPE_EUSAGE when r has no t intervals. */
int plan_compute(const struct res_eval *r, const struct plan_opts *o, struct plan_row **rows,
                 size_t *n_rows, struct ope_error *err);

/* ipw's per-row sd if the log had been collected by the mixture (1 - eps) pi_b + eps
 * pi_e of the logging and the candidate policy (policy index pol of b), estimated from
 * the log itself: E_mu'[(pi_e r / mu')^2] = E_mu[pi_e^2 r^2 / (mu mu')] over the logged
 * rows (the actions mu never takes are not in it: said by the caller). */
double plan_ipw_sigma_explore(const struct blog *b, size_t pol, double eps);

#endif
