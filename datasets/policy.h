/* datasets/policy.h: stationary tabular stochastic policies pi(a|s) for the built-in
 * MDPs: built from Q* (optimal, anti-optimal, softmax, epsilon-greedy), uniform,
 * mixtures, named by spec strings, and read from / written to the tabular policy
 * file of formats.md (header state,p.0,...,p.{A-1}; one row per state). */
#ifndef DATASETS_POLICY_H
#define DATASETS_POLICY_H

#include "ope/base/error.h"
#include "ope/base/strbuf.h"

struct mdp;

struct policy {
    int n_states;       /* S */
    int n_actions;      /* A */
    double *p;          /* [S*A]: p[s*A + a] = pi(a|s) */
};

/* Tolerance of the row-sum check of policy files and specs (formats.md). */
#define POLICY_SUM_TOL 1e-6

/* A policy with every entry 0 (fill it before use). */
struct policy *policy_new(int n_states, int n_actions, struct ope_error *err);
/* Free pi (NULL is a no-op). */
void policy_free(struct policy *pi);

/* pi(a|s) = 1/A. */
void policy_set_uniform(struct policy *pi);

/* Greedy on Q (size S*A): maximisers of Q(s,.) when sign > 0, minimisers when
 * sign < 0 (the "anti-optimal" policy). Ties -- values within 1e-9 * (1 + |best|) of
 * the best -- share the mass evenly, so the policy does not depend on action order. */
void policy_set_greedy(struct policy *pi, const double *Q, int sign);

/* pi(a|s) proportional to exp(Q(s,a) / tau), tau > 0 (computed stably). */
void policy_set_softmax(struct policy *pi, const double *Q, double tau);

/* out = w * a + (1 - w) * b, entrywise (w in [0, 1]); out may alias a or b. */
void policy_set_mix(struct policy *out, double w, const struct policy *a,
                    const struct policy *b);

/* Build a policy for m from a spec string:
 *   optimal        greedy on Q* (mdp_qstar: the finite-horizon H-step Q*_0), ties split
 *   anti           greedy on -Q* (the worst one-step choice), ties split
 *   uniform        1/A everywhere
 *   softmax:TAU    softmax of Q* divided by TAU, TAU > 0
 *   eps:E          (1-E) optimal + E uniform, E in [0, 1]
 *   mix:W          W optimal + (1-W) uniform, W in [0, 1] (= eps:1-W; the candidates'
 *                  naming "mix20" is W = 0.20)
 *   mix:W:SPEC     W optimal + (1-W) SPEC, where SPEC is any spec (e.g. mix:0.5:anti)
 *   file:PATH      a policy file (formats.md), checked against the MDP's S and A
 * Qstar may be NULL (then computed). Errors are usage errors naming the spec. */
struct policy *policy_from_spec(const struct mdp *m, const char *spec, const double *Qstar,
                                struct ope_error *err);

/* Check every entry is in [0, 1] and every row sums to 1 within POLICY_SUM_TOL. */
int policy_check(const struct policy *pi, struct ope_error *err);

/* Append the policy file text (formats.md) to sb; probabilities round-trip exactly. */
void policy_format(const struct policy *pi, struct strbuf *sb);

/* Write a policy file atomically (ope/base/outfile.h semantics for force). */
int policy_write(const struct policy *pi, const char *path, int force, struct ope_error *err);

/* Read a policy file. n_states / n_actions, when > 0, are the sizes it must have.
 * Errors (OPE_EDATA, OPE_ENOINPUT) name file:line:column, the column, the value and
 * the fix: wrong header, a state out of range, missing or repeated, a probability
 * outside [0, 1], a row not summing to 1 within 1e-6. */
struct policy *policy_read(const char *path, int n_states, int n_actions,
                           struct ope_error *err);

#endif
