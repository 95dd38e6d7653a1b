/* ope/learn/pg/pg.h: policy-gradient training on the built-in tabular environments
 * (training.md, issue 10). Softmax policies pi(a|s) = exp(theta . phi(s,a)) / Z(s),
 * with tabular (one-hot) or linear (polynomial in the state index) features; the
 * exact value, the exact policy gradient and the exact Fisher matrix by dynamic
 * programming; seeded episode sampling; and a registry of algorithms that each turn
 * (environment, policy class, parameters, seed) into a final theta and one record per
 * iteration whose value is the EXACT value of the current policy. */
#ifndef OPE_PG_PG_H
#define OPE_PG_PG_H

#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include "ope/base/error.h"
#include "ope/base/rng.h"
#include "ope/base/strbuf.h"

struct mdp;
struct tlog;
struct ope_progress;
struct props_opts;

/* ---- policy class ------------------------------------------------------------------ */

enum pg_param { PG_TABULAR, PG_LINEAR };

/* Actions per state (the built-in environments have at most 64), and basis functions
 * of a linear policy. */
#define PG_MAX_ACTIONS 64
#define PG_MAX_BASIS 64

/* The feature map phi(s,a) of a softmax policy. Tabular: one-hot, d = S*A, theta is
 * the table of logits. Linear: phi(s,a) = e_a (x) psi(s), psi(s) = (1, x, .., x^{K-1})
 * with x = s / (S-1) the normalised state index, d = A*K (for the chain-shaped
 * environments, where the index means distance along the chain). */
struct pg_policy {
    enum pg_param kind;
    int n_states, n_actions;
    int n_basis;            /* K (linear) */
    size_t dim;             /* d */
    double *psi;            /* linear: [S*K] */
};

/* Set up the class: kind PG_TABULAR (K ignored) or PG_LINEAR with K >= 1 basis
 * functions. Returns 0 or -1 (OOM). Release with pg_policy_release. */
int pg_policy_init(struct pg_policy *pol, enum pg_param kind, int n_states, int n_actions,
                   int K, struct ope_error *err);
void pg_policy_release(struct pg_policy *pol);

/* pi(.|s) under theta: out[A], computed stably (max-shifted). */
void pg_probs(const struct pg_policy *pol, const double *theta, int s, double *out);

/* pi for every state: pi[S*A]. */
void pg_probs_all(const struct pg_policy *pol, const double *theta, double *pi);

/* g += sum_a coef[a] phi(s,a). */
void pg_add_phi(const struct pg_policy *pol, int s, const double *coef, double *g);

/* g += c * grad_theta log pi(a|s) = c (phi(s,a) - sum_b pi_b phi(s,b)); pis = pi(.|s). */
void pg_add_score(const struct pg_policy *pol, const double *pis, int s, int a, double c,
                  double *g);

/* F += c * psi psi^T with psi = grad log pi(a|s) (F is d x d, row-major). */
void pg_add_score_outer(const struct pg_policy *pol, const double *pis, int s, int a,
                        double c, double *F);

/* F += c * sum_a pi_a psi_a psi_a^T (the expected score outer product at s). */
void pg_add_fisher_state(const struct pg_policy *pol, const double *pis, int s, double c,
                         double *F);

/* ---- exact quantities by dynamic programming ---------------------------------------- */

/* The exact value J(theta) = E[sum_{t<H} gamma^t r_t] (the value of mdp.h) of the
 * stationary softmax policy, and when not NULL:
 *   grad[d]   = sum_t gamma^t sum_s d_t(s) sum_a pi(a|s) (Q_t(s,a) - V_t(s)) phi(s,a),
 *               the finite-horizon policy-gradient theorem, d_t the state distribution
 *               at step t and Q_t the (H-t)-step action value;
 *   fisher[dd] = sum_t gamma^t sum_{s non-terminal} d_t(s) sum_a pi psi psi^T, the
 *               Fisher matrix under the same (discounted) occupancy, so that
 *               fisher^+ grad is the least-squares fit of the advantage on the score
 *               (compatible function approximation; Kakade 2001).
 * Returns J, or NaN with err set (OOM). Cost O(H S^2 A + H S A d) (+ H S A d^2 for
 * the Fisher). */
double pg_exact(const struct mdp *m, const struct pg_policy *pol, const double *theta,
                double *grad, double *fisher, struct ope_error *err);

/* ---- sampling --------------------------------------------------------------------- */

/* A batch of n episodes of at most H steps, row e*H + t. */
struct pg_batch {
    int n, H;
    int *len;               /* [n] */
    int *state, *action;    /* [n*H] */
    double *reward;         /* [n*H] */
    double *ret;            /* [n*H] reward-to-go G_t = sum_{k>=t} gamma^{k-t} r_k */
};

int pg_batch_init(struct pg_batch *b, int n, int H, struct ope_error *err);
void pg_batch_release(struct pg_batch *b);

/* Environment steps (transitions) in the batch: sum of the episode lengths. */
double pg_batch_steps(const struct pg_batch *b);

/* Sample b->n episodes of m under pi[S*A] from the sequential stream r (so a run is a
 * pure function of its seed), and fill the rewards-to-go. Episodes end after H steps
 * or on entering a terminal state. Allocation-free. */
void pg_sample(const struct mdp *m, const double *pi, struct ope_rng *r, struct pg_batch *b);

/* The GPOMDP / REINFORCE-with-baseline estimate of the gradient (Williams 1992;
 * Baxter & Bartlett 2001):
 *   g = (1/n) sum_i sum_t gamma^t grad log pi(a_t|s_t) (G_t - b_t(s_t)),
 * unbiased for any baseline b[H*S] computed without this batch (NULL: none). When F
 * is not NULL it receives the sampled Fisher (1/n) sum_i sum_t gamma^t psi psi^T of
 * the same steps (g and F are overwritten). */
void pg_grad_estimate(const struct pg_policy *pol, const double *pi, const struct pg_batch *b,
                      double gamma, const double *baseline, int n_states, double *g,
                      double *F);

/* b_t(s) += rate (G_t - b_t(s)) for every step of the batch (an exponential moving
 * average of past returns-to-go per (t, s)). */
void pg_baseline_update(double *baseline, int n_states, const struct pg_batch *b, double rate);

/* ---- linear algebra (GSL) ----------------------------------------------------------- */

/* Solve (F + lambda I) w = g with lambda = damping (1e-12 when 0) by a
 * Cholesky factorisation (F is d x d symmetric positive semi-definite; not modified).
 * F is block-diagonal with blocks of size `block` (tabular policies: A, one block per
 * state; pg_fisher_block), solved block by block; block = d for a dense F.
 * Returns 0, or -1 with err set (OOM, or a factorisation failure). */
int pg_solve_damped(const double *F, const double *g, size_t d, size_t block, double damping,
                    double *w, struct ope_error *err);

/* The same with one penalty per coordinate: (F + diag(lambda)) w = g. */
int pg_solve_ridge(const double *F, const double *g, size_t d, size_t block,
                   const double *lambda, double *w, struct ope_error *err);

/* The block size of the Fisher matrix of pol: A (tabular), d (linear). */
size_t pg_fisher_block(const struct pg_policy *pol);

/* The largest d for which npg and hnpg hold a dense d x d matrix (32 MiB). */
#define PG_MAX_DENSE_DIM 2048

double pg_norm(const double *x, size_t n);

/* ---- algorithms --------------------------------------------------------------------- */

/* Every constant of every algorithm; pg_params_init gives the documented defaults
 * (NAN step / 0 batch mean "the algorithm's default"). */
struct pg_params {
    long iterations;        /* policy updates */
    int batch;              /* episodes per update (0: the algorithm's default) */
    double step;            /* alpha (REINFORCE), eta (NPG, HNPG), gamma_0 (N-PG-IGT) */
    double damping;         /* relative Tikhonov damping of the Fisher (NPG, HNPG) */
    int exact;              /* REINFORCE, NPG: exact gradient (and Fisher) by DP, no samples */
    int use_baseline;       /* 1: the per-(t, s) moving-average baseline */
    double baseline_rate;   /* its weight on the newest returns */
    double igt_eta_exp;     /* N-PG-IGT: eta_t = (2 / (t + 2))^a, a = this */
    double igt_gamma_exp;   /* N-PG-IGT: gamma_t = gamma_0 (2 / (t + 2))^b, b = this */
    double critic_l2;       /* HNPG ridge penalty of the linear critic */
    const struct tlog *offline; /* HNPG offline data (NULL: on-policy only) */
    const struct props_opts *props; /* PROPS's own constants (NULL: props_opts_init);
                                 * iterations, batch and step above override theirs */
};

void pg_params_init(struct pg_params *p);

/* One iteration's record: the exact value of the policy after the update, the norm of
 * the gradient estimate it used (0 on row 0, the initial policy), and the number of
 * environment steps (transitions) sampled so far. */
struct pg_record {
    double value;
    double grad_norm;
    double samples;
    /* Algorithm-specific measurements, NaN when there are none. PROPS: the sampling
     * error of its buffer and of an on-policy buffer of the same size (props.h). */
    double aux[2];
};

/* Progress shared by the runs of one job: iterations done out of total. */
struct pg_meter {
    struct ope_progress *progress;  /* may be NULL */
    const char *label;
    atomic_long done;
    long total;
};

/* What one run needs. theta starts at 0 (the uniform policy). */
struct pg_problem {
    const struct mdp *m;
    const struct pg_policy *pol;
    const struct pg_params *p;
    struct pg_meter *meter;         /* progress and cancellation; may be NULL */
};

struct pg_algo {
    const char *name;       /* "npg-igt": the command-line name */
    const char *title;      /* one line */
    const char *paper;      /* citation */
    double default_step;
    int default_batch;      /* episodes per iteration (0: none, exact) */
    int tabular_only;       /* no linear-softmax version */
    /* Run p->iterations updates from theta = 0 with seed: fills theta[d] (final) and
     * rec[0..iterations]. Returns 0, or -1 with err (OPE_EINTERRUPTED if cancelled). */
    int (*run)(const struct pg_problem *pb, uint64_t seed, double *theta,
               struct pg_record *rec, struct ope_error *err);
};

extern const struct pg_algo pg_reinforce, pg_npg, pg_npg_igt, pg_hnpg;

/* PROPS (ope/learn/pg/props.h) as an algorithm of this registry (ope/learn/pg/external.c):
 * batch = its episodes per update, step = its target step size; tabular only. */
extern const struct pg_algo pg_props;

/* CoPG (ope/learn/pg/copg.h) learns on its toy bandit, not on an MDP: its descriptor has
 * run = NULL and is not in pg_registry; pg_copg_run_many runs it. */
extern const struct pg_algo pg_copg;

struct pg_copg_opts {
    int method;             /* enum copg_method: copg, pg (REINFORCE), ipo */
    size_t pairs;           /* offline pairs drawn from the behaviour policy */
    double reward_sd;       /* noise of an observed reward */
    double beta;            /* KL regularisation (NAN: the toy bandit's) */
};

struct pg_result;

/* R runs of CoPG on its toy bandit (run r: data and start from seed + r). Records:
 * value = the exact regularised objective J_beta(pi), grad_norm, samples = pairs;
 * theta = ln pi (K arms, one state). *jstar receives J_beta(pi*). */
int pg_copg_run_many(const struct pg_copg_opts *co, const struct pg_params *p, uint64_t seed,
                     int runs, struct pg_result *res, double *jstar, struct ope_error *err);

/* The algorithms of this module, NULL-terminated, and lookup by name. */
extern const struct pg_algo *const pg_registry[];
const struct pg_algo *pg_find(const char *name);

/* Check that an offline log fits m for HNPG: a tabular state column, every state
 * and action in range (data error naming file:line otherwise). */
int pg_offline_check(const struct tlog *t, const struct mdp *m, struct ope_error *err);

/* The step size and batch an algorithm uses under p (p's, or the algorithm's). */
double pg_step(const struct pg_algo *a, const struct pg_params *p);
int pg_batch_size(const struct pg_algo *a, const struct pg_params *p);

/* Helpers shared by the algorithms (ope/learn/pg/policy.c). */

/* Record row k: exact value of theta (and pi[S*A] of it when pi is not NULL). */
int pg_record_at(const struct pg_problem *pb, const double *theta, struct pg_record *rec,
                 double grad_norm, double samples, struct ope_error *err);

/* Count one iteration on the meter (reporting progress now and then); -1 with
 * OPE_EINTERRUPTED when the job was cancelled, else 0. */
int pg_check_cancel(const struct pg_problem *pb, struct ope_error *err);

/* ---- runs over seeds (ope/learn/pg/run.c) ----------------------------------------------- */

/* R runs of one algorithm; run r uses seed + r, so every algorithm of a comparison
 * sees the same seeds, and `--seed S+r --runs 1` repeats run r alone. */
struct pg_result {
    const struct pg_algo *algo;
    char label[32];         /* the curve's name: the algorithm's, or e.g. hnpg+offline */
    int n_runs;
    long n_iter;            /* records per run: n_iter + 1 */
    size_t dim;
    struct pg_record *rec;  /* [n_runs * (n_iter + 1)] */
    double *theta;          /* [n_runs * dim] final parameters */
};

/* Run pb->p->iterations updates of algo for `runs` seeds on up to `threads` threads
 * (<= 0: all CPUs; the result does not depend on it). Returns 0 or -1 (err). */
int pg_run_many(const struct pg_problem *pb, const struct pg_algo *algo, uint64_t seed,
                int runs, int threads, struct pg_result *res, struct ope_error *err);
void pg_result_release(struct pg_result *res);

/* Mean and sample standard deviation (0 for one run) over runs of the final exact
 * value, and the episodes one run sampled. */
void pg_result_final(const struct pg_result *res, double *mean, double *sd, double *samples);

/* Append the learning-curve CSV rows of res (and the header first when header != 0):
 * algorithm,run,iteration,true_value,grad_norm,samples (algorithm = res->label). */
void pg_curves_format(const struct pg_result *res, int header, struct strbuf *sb);

#endif
