/* ope/learn/train/cevi.c: certainty-equivalence value iteration. The empirical MDP of a
 * tabular log -- mean reward R^(s,a) over every row, transitions P^(s'|s,a) over the
 * rows whose continuation is known -- is solved by N backups
 *     Q(s,a) = R^(s,a) - c / sqrt(N(s,a)) + gamma sum_s' P^(s'|s,a) max_a' Q(s',a'),
 * from Q = 0; the policy is greedy on the last Q (ties split). N defaults to the log's
 * horizon H, which gives the H-step Q_0 of backward induction (the Q* that ope's
 * "optimal" policy is greedy on); with gamma < 1 and large N it is the discounted Q*.
 * Pessimism (--pessimism c > 0; Jin, Yang & Wang, ICML 2021; Rashidinejad et al.,
 * NeurIPS 2021) subtracts the count penalty c / sqrt(N(s,a)) in every backup, and pairs
 * never seen get -inf (never chosen while the state has a seen action). Without it an
 * unseen pair is worth 0 (reward 0, absorbing). A row with done = 1 moves to an absorbing
 * zero-value state; an episode's last row without done (truncated) has an unknown next
 * state and counts for R^ only. */
#include "config.h"
#include "ope/learn/train/train.h"
#include "datasets/mdp.h"
#include "datasets/tlog.h"
#include "ope/base/progress.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct ce_model {
    int S, A;
    double *n;          /* [S*A] rows */
    double *r;          /* [S*A] mean reward */
    double *nk;         /* [S*A] rows with known continuation */
    double *p;          /* [S*A*S] counts of next states (then divided by nk) */
};

static void ce_release(struct ce_model *c)
{
    free(c->n);
    free(c->r);
    free(c->nk);
    free(c->p);
}

static int ce_build(const struct tlog *log, struct ce_model *c, struct ope_error *err)
{
    int S = log->n_states, A = log->n_actions;
    size_t SA = (size_t)S * (size_t)A;
    c->S = S;
    c->A = A;
    c->n = ope_calloc(SA, sizeof *c->n, err);
    c->r = c->n ? ope_calloc(SA, sizeof *c->r, err) : NULL;
    c->nk = c->r ? ope_calloc(SA, sizeof *c->nk, err) : NULL;
    c->p = c->nk ? ope_calloc(SA * (size_t)S, sizeof *c->p, err) : NULL;
    if (!c->p)
        return -1;
    for (size_t e = 0; e < log->n_episodes; e++)
        for (size_t i = log->ep_start[e]; i < log->ep_start[e + 1]; i++) {
            size_t k = (size_t)log->state[i] * (size_t)A + (size_t)log->action[i];
            c->n[k] += 1.0;
            c->r[k] += log->reward[i];
            if (i + 1 < log->ep_start[e + 1]) {
                c->nk[k] += 1.0;
                c->p[k * (size_t)S + (size_t)log->state[i + 1]] += 1.0;
            } else if (log->done && log->done[i]) {
                c->nk[k] += 1.0;            /* to the absorbing state: no mass in p */
            }
        }
    for (size_t k = 0; k < SA; k++) {
        if (c->n[k] > 0)
            c->r[k] /= c->n[k];
        if (c->nk[k] > 0)
            for (int s = 0; s < S; s++)
                c->p[k * (size_t)S + (size_t)s] /= c->nk[k];
    }
    return 0;
}

/* V(s) = max_a Q(s,a); a state with no finite Q (never logged) is worth 0. */
static void values(const double *Q, int S, int A, double *V)
{
    mdp_v_from_q(S, A, NULL, Q, V);
    for (int s = 0; s < S; s++)
        V[s] = isfinite(V[s]) ? V[s] : 0.0;
}

/* The reward of each backup: R^(s,a) - c / sqrt(N(s,a)), and for a pair never seen
 * -inf under pessimism, else 0. A never-seen pair has no transition mass and V is
 * finite, so its backup adds gamma * 0 and keeps exactly this value. */
static void penalised_reward(const struct ce_model *c, double cpen, double *R)
{
    size_t SA = (size_t)c->S * (size_t)c->A;
    for (size_t k = 0; k < SA; k++)
        R[k] = c->n[k] == 0 ? (cpen > 0 ? -INFINITY : 0.0) : c->r[k] - cpen / sqrt(c->n[k]);
}

static int cevi_run(const struct tlog *log, const struct train_opts *o,
                    struct train_model **out, struct ope_error *err)
{
    if (log->n_states <= 0 || !log->state)
        return ope_fail(err, OPE_EUSAGE, "cevi needs a tabular log (a state column)");
    struct ce_model c = { 0 };
    struct train_model *m = NULL;
    double *V = NULL, *R = NULL;
    int rc = ce_build(log, &c, err);
    if (rc == 0)
        m = train_model_new(TRAIN_TABULAR, c.S, c.A, 0, err);
    if (m)
        V = ope_calloc((size_t)c.S, sizeof *V, err);
    if (V)
        R = ope_malloc((size_t)c.S * (size_t)c.A * sizeof *R, err);
    if (!R) {
        free(V);
        ce_release(&c);
        train_model_free(m);
        return -1;
    }
    double g = train_gamma(log, o), cpen = o->pessimism;
    long N = train_backups(log, o);
    size_t SA = (size_t)c.S * (size_t)c.A, seen = 0;
    for (size_t k = 0; k < SA; k++)
        seen += c.n[k] > 0;
    penalised_reward(&c, cpen, R);
    for (long it = 0; it < N; it++) {
        mdp_backup(c.S, c.A, c.p, R, g, V, m->score);
        values(m->score, c.S, c.A, V);
        ope_progress_report(o->progress, (double)(it + 1) / (double)N, "cevi backups");
        if (ope_progress_cancelled(o->progress)) {
            rc = ope_fail(err, OPE_EINTERRUPTED, "cevi: interrupted");
            break;
        }
    }
    m->temperature = 0.0;
    snprintf(m->summary, sizeof m->summary, "cevi: S=%d A=%d, %ld backups, gamma %g, "
             "pessimism c=%g, seen pairs %zu/%zu", c.S, c.A, N, g, cpen, seen, SA);
    free(V);
    free(R);
    ce_release(&c);
    if (rc < 0) {
        train_model_free(m);
        return -1;
    }
    *out = m;
    return 0;
}

const struct train_algo train_cevi = {
    "cevi",
    "certainty-equivalence value iteration on the empirical MDP, optional count "
    "pessimism c/sqrt(N(s,a)) (--pessimism C)",
    "pessimism: Jin, Yang & Wang, Is Pessimism Provably Efficient for Offline RL?, "
    "ICML 2021",
    0, cevi_run
};
