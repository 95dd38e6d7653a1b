/* ope/learn/explore/run.h: conservative exploration runs (exploration.md). An algorithm is a
 * descriptor whose decide() picks, once per episode after optimistic planning, how to
 * mix the optimistic policy pi-bar_k with the baseline pi^b: step-wise (StepMix's
 * rho_k) or for the whole episode by a coin (EpsMix's epsilon_k, UCBVI = 1, the
 * baseline = 0, budget-based conservative UCBVI = 0 or 1). The run loop plays the
 * episode on the true MDP, updates the counts, and records the EXACT value of the
 * executed policy (dynamic programming on the true MDP), the threshold, violations
 * and cumulative regret. R seeds run in parallel; results do not depend on threads. */
#ifndef OPE_EXPLORE_RUN_H
#define OPE_EXPLORE_RUN_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"
#include "ope/base/progress.h"
#include "ope/learn/explore/ucbvi.h"

struct mdp;

/* Everything a run needs; shared read-only by all runs. */
struct xpl_config {
    const struct mdp *m;        /* the true environment (gamma 1, rewards in [0, 1]) */
    long K;                     /* episodes */
    double alpha;               /* tolerated fraction: threshold (1 - alpha) V^b */
    double delta;               /* confidence level of the bounds */
    struct xpl_bonus bonus;     /* kind, c, L */
    const double *pb;           /* [S*A] baseline policy pi^b */
    double Vb;                  /* V^b = V_1^{pi^b}(s_1), exact; or, for a baseline learned
                                 * offline (offline.h), its pessimistic estimate: the
                                 * learner's threshold and fallback value. Records always
                                 * use the exact value of pb, computed by the run. */
    double Vstar;               /* V*, exact (regret) */
    double rho_tol;             /* StepMix bisection stops when hi - lo <= rho_tol */
};

enum xpl_mode { XPL_MIX_STEP, XPL_MIX_EPISODE };

/* Per-run learner state handed to decide(). */
struct xpl_state {
    const struct xpl_config *cfg;
    struct xpl_model *model;    /* counts and empirical model, refreshed */
    int *greedy;                /* [H*S] pi-bar_k, planned this episode */
    double tau;                 /* (1 - alpha) V^b */
    long k;                     /* episode index, 0-based */
    double lo_sum;              /* CUCBVI: lower bounds of the optimistic episodes */
    long n_base;                /* CUCBVI: baseline episodes so far */
};

/* What decide() chose for this episode. */
struct xpl_decision {
    enum xpl_mode mode;
    double mix;                 /* rho_k (step) or epsilon_k (episode), in [0, 1] */
    double lower;               /* the certified pessimistic value, NaN if none */
};

struct xpl_algo {
    const char *name;           /* "stepmix": the command-line name */
    const char *title;          /* one line */
    int needs_plan;             /* uses pi-bar_k (0 only for the baseline) */
    void (*decide)(struct xpl_state *st, struct xpl_decision *d);
    /* Called after the episode with the branch run (episode mode), or NULL. */
    void (*after)(struct xpl_state *st, const struct xpl_decision *d, int optimistic);
};

extern const struct xpl_algo xpl_stepmix, xpl_epsmix, xpl_ucbvi, xpl_baseline, xpl_cucbvi;
/* All algorithms, NULL-terminated, in --compare order. */
extern const struct xpl_algo *const xpl_registry[];
/* The algorithm called name, or NULL. */
const struct xpl_algo *xpl_find(const char *name);

/* One episode of one run. */
struct xpl_record {
    double mix;                 /* rho_k or epsilon_k */
    int optimistic;             /* StepMix: steps that ran pi-bar; else 0/1 branch */
    double value;               /* exact value of the executed (mixture) policy */
    double value_real;          /* EpsMix & co: exact value of the branch run */
    double lower;               /* certified lower bound (NaN if none) */
    double regret;              /* cumulative sum of V* - value */
    unsigned char violated;     /* value < threshold */
    unsigned char violated_real;/* value_real < threshold */
    unsigned char violated_exact;/* value < (1 - alpha) x the exact value of pb (differs
                                  * from violated only when Vb is an estimate) */
};

/* The threshold test with a relative tolerance of 1e-9 for rounding. */
int xpl_violates(double value, double tau);

/* StepMix's rho from f (the pessimistic value of the rho-mixture): 1 if f(1) >= tau,
 * 0 if f(0) < tau, else bisection keeping f(lo) >= tau > f(hi) until hi - lo <= tol,
 * returning lo (certified; the largest certified rho of that bracket, not a global
 * maximum, as f need not be monotone). *f_rho receives f at the returned rho. */
double xpl_stepmix_rho(double (*f)(void *ctx, double rho), void *ctx, double tau, double tol,
                       double *f_rho);

/* EpsMix's epsilon: the largest eps in [0, 1] with eps vlow + (1 - eps) Vb >=
 * (1 - alpha) Vb: 1 if vlow >= (1 - alpha) Vb, else alpha Vb / (Vb - vlow) clipped. */
double xpl_epsmix_eps(double vlow, double Vb, double alpha);

/* Run algorithm alg for cfg->K episodes with seed; rec has K slots. Checks progress
 * for cancellation every 256 episodes. Returns 0, or -1 (err set: OOM or cancelled). */
int xpl_run(const struct xpl_config *cfg, const struct xpl_algo *alg, uint64_t seed,
            struct xpl_record *rec, struct ope_progress *progress, struct ope_error *err);

/* Run n_algs algorithms x R runs (run r has seed seed0 + r, the same for every
 * algorithm) on n_threads threads (<= 0: default). rec[(i*R + r)*K + k]. */
int xpl_run_many(const struct xpl_config *cfg, const struct xpl_algo *const *algs,
                 size_t n_algs, uint64_t seed0, long R, int n_threads,
                 struct xpl_record *rec, struct ope_progress *progress, struct ope_error *err);

#endif
