/* ope/learn/train/train.h: learning policies from a trajectory log (training.md, issue 9).
 * Every algorithm is a descriptor in one registry (name, one-line description, paper,
 * run function) and returns a model: action scores per tabular state or linear in the
 * state features, turned into probabilities by a softmax at a temperature (0: greedy
 * with ties split). The CLI, `ope help train` and the tests enumerate the same table. */
#ifndef OPE_TRAIN_TRAIN_H
#define OPE_TRAIN_TRAIN_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"

struct tlog;
struct ope_progress;
struct policy;

/* Settings shared by the algorithms; train_opts_init gives the documented defaults. */
struct train_opts {
    double gamma;           /* discount (default: the log's) */
    long iterations;        /* FQI / CE-VI backups, PRDC actor steps (0: default) */
    double pessimism;       /* c of the count penalty c / sqrt(N(s,a)) (default 0) */
    double smoothing;       /* BC additive smoothing alpha (default 0.5) */
    double l2;              /* ridge / logistic penalty on non-intercept weights (1e-3) */
    double beta;            /* PRDC state scale (default 2) */
    double alpha;           /* PRDC Q weight: lambda = alpha / mean |Q| (default 2.5) */
    double step;            /* PRDC actor step size (default 0.5) */
    int linear;             /* 1: use the state features s*, 0: the tabular state */
    uint64_t seed;
    struct ope_progress *progress;  /* may be NULL */
};

/* The defaults above (gamma NAN = "the log's"). */
void train_opts_init(struct train_opts *o);

enum train_kind { TRAIN_TABULAR, TRAIN_LINEAR };

/* A learned policy: scores and the temperature of the algorithm's own policy. */
struct train_model {
    enum train_kind kind;
    int n_states;           /* tabular: S */
    int n_actions;          /* A */
    size_t n_features;      /* linear: d; phi(x) = (1, x_0, .., x_{d-1}) */
    double *score;          /* tabular [S*A]; linear [A*(d+1)] weights per action */
    double temperature;     /* 0: greedy on the scores (FQI, CE-VI); 1: softmax (BC, PRDC) */
    char summary[256];      /* one line on what was fitted (printed by the CLI) */
};

/* Allocate a zeroed model (NULL on OOM, err set); free with train_model_free. */
struct train_model *train_model_new(enum train_kind kind, int n_states, int n_actions,
                                    size_t n_features, struct ope_error *err);
void train_model_free(struct train_model *m);

/* Scores of every action at tabular state s (x ignored) or at features x (s ignored):
 * out[A]. */
void train_model_scores(const struct train_model *m, int s, const double *x, double *out);

/* Probabilities at temperature T (T <= 0: greedy, ties within 1e-9 (1 + |max|) split
 * evenly; otherwise softmax(score / T), computed stably). out[A]. */
void train_model_probs(const struct train_model *m, double T, int s, const double *x,
                       double *out);

/* The tabular policy of a tabular model at temperature T (NULL and err on OOM, or a
 * usage error for a linear model). */
struct policy *train_model_policy(const struct train_model *m, double T, struct ope_error *err);

/* One algorithm. run fills *out with a new model. */
struct train_algo {
    const char *name;       /* "fqi": the command-line name */
    const char *summary;    /* one line */
    const char *paper;      /* citation */
    int linear_ok;          /* accepts state features */
    int (*run)(const struct tlog *log, const struct train_opts *o, struct train_model **out,
               struct ope_error *err);
};

extern const struct train_algo train_bc, train_fqi, train_cevi, train_prdc;

/* All algorithms, NULL-terminated; and lookup by name (NULL if unknown). */
extern const struct train_algo *const train_registry[];
const struct train_algo *train_find(const char *name);

/* Shared helpers of the algorithms (ope/learn/train/model.c, candidates.c). */

/* The discount to use: o->gamma, or the log's when o->gamma is NaN. */
double train_gamma(const struct tlog *log, const struct train_opts *o);

/* phi(x) of row i: (1, features...) into out[d+1]. */
void train_row_phi(const struct tlog *log, size_t i, double *out);

/* The number of backups of FQI / CE-VI: o->iterations, or the log's horizon. */
long train_backups(const struct tlog *log, const struct train_opts *o);

/* Per-row next-row index: i+1 inside an episode, SIZE_MAX on an episode's last row
 * (whose continuation is 0 when done = 1, and unknown -- a truncated episode --
 * otherwise). *next is malloc'ed. */
int train_next_rows(const struct tlog *log, size_t **next, struct ope_error *err);

/* Parse "T1,T2,..." (each >= 0, at most max) into T[]; returns the count or -1 (usage). */
int train_parse_temperatures(const char *s, double *T, int max, struct ope_error *err);

/* The column-name-safe suffix of a temperature: 0.5 -> "t0p5", 2 -> "t2". */
void train_temperature_suffix(double T, char *buf, size_t n);

/* PRDC on a discrete-action log (prdc.c), with the regulariser on (regularise = 1)
 * or off (plain improvement on the FQI critic). *mean_nn (may be NULL) receives the
 * mean distance of the final policy's (beta psi(s), pi(.|s)) to its nearest data point. */
int train_prdc_fit(const struct tlog *log, const struct train_opts *o, int regularise,
                   struct train_model **out, double *mean_nn, struct ope_error *err);

/* PRDC's continuous special case: a 1-D linear-quadratic regulator (prdc_lqr.c). */
struct lqr {
    double a, b;            /* x' = a x + b u + w, w ~ N(0, sigma^2) */
    double q, r;            /* cost q x^2 + r u^2 per step (reward = -cost) */
    double sigma;
    double gamma;           /* discount < 1 */
    double x0_sd;           /* x_0 ~ N(0, x0_sd^2) */
};

/* The expected discounted return of u = k x: -(q + r k^2) E[x0^2] / (1 - g (a+bk)^2)
 * minus the noise term; -INFINITY when g (a + b k)^2 >= 1 (unstable). */
double lqr_value(const struct lqr *L, double k);

/* The optimal gain from the scalar discounted Riccati equation (and its value). */
double lqr_optimal_gain(const struct lqr *L, double *value);

struct prdc_lqr_result {
    double k;               /* learned gain */
    double value;           /* its exact return (lqr_value) */
    double mean_nn_dist;    /* mean distance of (beta x, k x) to its nearest data point */
};

/* Offline PRDC on LQR data (n transitions x, u, r, x' given as arrays): fits a
 * quadratic critic Q(x,u) = w . (x^2, xu, u^2, 1) of the current gain by LSTD-Q, then
 * steps the gain along grad_k of mean_i [lambda Q(x_i, k x_i) - (k x_i - u_hat_i)^2],
 * u_hat_i the action of the data point nearest to (beta x_i, k x_i); lambda =
 * alpha / mean |Q|. weight_on = 0 drops the regulariser (plain improvement). */
int prdc_lqr(const struct lqr *L, const double *x, const double *u, const double *r,
             const double *x1, size_t n, double beta, double alpha, int weight_on,
             long iterations, double step, struct prdc_lqr_result *res,
             struct ope_error *err);

#endif
