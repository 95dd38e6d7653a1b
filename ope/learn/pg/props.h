/* ope/learn/pg/props.h: PROPS, Proximal Robust On-Policy Sampling (Corrado & Hanna, "On-Policy
 * Policy Gradient Reinforcement Learning Without On-Policy Sampling", arXiv 2311.08290),
 * at tabular scale: a softmax target policy pi_theta learns by REINFORCE from a buffer of
 * recent episodes treated as on-policy, while the data are collected by a behaviour
 * policy pi_phi that is reset to pi_theta and pushed away from the actions the buffer
 * already over-represents, so the buffer's action frequencies match pi_theta. Values
 * are exact (finite-horizon dynamic programming, datasets/mdp.h). */
#ifndef OPE_PG_PROPS_H
#define OPE_PG_PROPS_H

#include <stddef.h>
#include <stdint.h>
#include "ope/base/error.h"

struct mdp;
struct policy;

/* Settings; props_opts_init gives the defaults documented there (with the paper's
 * equation or the authors' setting each comes from). */
struct props_opts {
    int iterations;         /* target updates (default 200) */
    int episodes_per_iter;  /* n: episodes collected between target updates (16) */
    int buffer_batches;     /* b: the buffer holds the last b batches (4) */
    int props_steps;        /* m: behaviour update every m environment steps (8) */
    int on_policy;          /* 1: collect with pi_theta itself (the baseline; 0) */
    double lr;              /* target step size alpha of theta += alpha g (0.5) */
    double clip;            /* epsilon_PROPS of the clipped ratio (0.3) */
    double lambda;          /* KL(pi_theta || pi_phi) penalty weight (0.1) */
    double target_kl;       /* delta_PROPS: stop the behaviour update beyond this KL (0.05) */
    double props_lr;        /* gradient step of the behaviour update (0.1) */
    int props_epochs;       /* gradient steps per behaviour update (16) */
};

/* Fill o with the defaults. */
void props_opts_init(struct props_opts *o);

/* Check the settings (usage error naming the field and its range). */
int props_opts_check(const struct props_opts *o, struct ope_error *err);

/* One row of the learning curve, recorded after each target update. */
struct props_record {
    int iteration;          /* 1..iterations */
    double value;           /* exact V^{pi_theta} after the update (mdp_eval_finite) */
    double grad_norm;       /* Euclidean norm of the estimated gradient used */
    size_t samples;         /* environment steps collected so far */
    double sampling_error;  /* of the buffer w.r.t. pi_theta before the update
                             * (props_sampling_error) */
    double sampling_error_ref; /* the same for a buffer of the same size collected
                             * on-policy by the same sequence of target policies (the
                             * paper's reference: what on-policy sampling would give) */
    double behaviour_kl;    /* mean buffer KL(pi_theta || pi_phi) after the last
                             * behaviour update of the iteration (0 on-policy) */
};

/* A training run: the curve, the final target policy and the optimal value. */
struct props_result {
    int n_records;
    struct props_record *rec;   /* [n_records] */
    struct policy *policy;      /* final pi_theta */
    double v_star;              /* mdp_optimal_finite: what 90% refers to */
};

/* Train a tabular softmax policy (theta = 0: uniform start) on m with PROPS data
 * collection (or on-policy sampling when o->on_policy). Random draws come from the
 * stream (seed, OPE_RNG_TRAIN, 1). Returns 0 and *out (free with props_result_free),
 * or -1 with err set. */
int props_train(const struct mdp *m, const struct props_opts *o, uint64_t seed,
                struct props_result **out, struct ope_error *err);

/* Free a result (NULL is a no-op). */
void props_result_free(struct props_result *r);

/* Sampling error of a data set with action counts n[s*A + a] with respect to pi
 * ([S*A]), as the paper measures it: the state-share weighted KL divergence of the
 * empirical (maximum-likelihood) policy from pi,
 *     sum_s (n_s / N) sum_a (n_sa / n_s) ln((n_sa / n_s) / pi(a|s)),
 * which is the buffer mean of ln pi_D(a|s) - ln pi(a|s). 0 for an empty data set;
 * +inf when an observed action has pi(a|s) = 0. */
double props_sampling_error(int n_states, int n_actions, const double *n, const double *pi);

/* The paper's central measurement with the target held fixed: sampling error of the
 * data collected so far, by on-policy sampling and by PROPS, at equal numbers of
 * environment steps (checkpoints every `every` steps, up to total_steps). */
struct props_se_curve {
    size_t n_points;
    size_t *steps;          /* [n_points] steps collected at the checkpoint */
    double *se_on_policy;   /* [n_points] */
    double *se_props;       /* [n_points] */
};

/* Compare on a fixed target (entries must be > 0; sizes must match m). Both methods
 * collect whole episodes; PROPS re-fits its behaviour policy every o->props_steps steps
 * on all data so far (nothing is evicted). The two runs use the same random stream
 * (seed, OPE_RNG_TRAIN, 2): common random numbers for a paired comparison. */
int props_se_compare(const struct mdp *m, const struct policy *target,
                     const struct props_opts *o, size_t total_steps, size_t every,
                     uint64_t seed, struct props_se_curve **out, struct ope_error *err);

/* Free a curve (NULL is a no-op). */
void props_se_curve_free(struct props_se_curve *c);

#endif
