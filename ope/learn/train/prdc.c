/* ope/learn/train/prdc.c: PRDC, policy regularisation with a dataset constraint (Ran et al.,
 * ICML 2023), for discrete actions. The actor is a softmax policy (logits per tabular
 * state, or linear in phi(x)); its "action" is the probability vector pi(.|s), and the
 * dataset's points are (beta psi(s_i), e_{a_i}) with psi the one-hot state (tabular) or
 * the state features, e_a the one-hot action. Each of N steps (--iterations, default
 * 500) finds, with the exact k-d tree, the data point nearest to (beta psi(s),
 * pi(.|s)), takes its action a^, and ascends
 *     J(s) = lambda sum_a pi(a|s) Q(s,a) - |pi(.|s) - e_a^|^2,
 * lambda = alpha / mean_i |sum_a pi(a|s_i) Q(s_i,a)| (the TD3+BC normalisation PRDC
 * uses; alpha = --alpha, default 2.5), Q the FQI critic (fqi.c) of the same log and
 * a^ held fixed within a step, as in the paper. Step size --step (default 0.5) on the
 * per-state gradient (tabular) or the mean gradient over rows (linear). Logits start
 * at N(0, 0.01^2) draws from the seed (stream OPE_RNG_TRAIN). */
#include "config.h"
#include "ope/learn/train/train.h"
#include "ope/learn/train/kdtree.h"
#include "datasets/tlog.h"
#include "ope/base/progress.h"
#include "ope/base/rng.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRDC_DEFAULT_STEPS 500

struct prdc {
    const struct tlog *log;
    const struct train_opts *o;
    int lin, A;
    size_t dpsi;            /* dimension of psi */
    size_t n_q;             /* query points: states (tabular) or rows (linear) */
    struct kdtree *tree;
    int *pt_action;         /* action of each data point */
    struct train_model *Q, *pi;
    double *q, *p, *h, *x, *phi;
};

/* psi of query k (tabular: state k; linear: row k) scaled by beta, into x[0..dpsi). */
static void query_psi(const struct prdc *P, size_t k, double *x)
{
    double b = P->o->beta;
    if (!P->lin) {
        memset(x, 0, P->dpsi * sizeof *x);
        x[k] = b;
    } else {
        for (size_t j = 0; j < P->dpsi; j++)
            x[j] = b * P->log->feature[j][k];
    }
}

/* The data points: one per distinct (state, action) for tabular logs, one per row for
 * feature logs. */
static int build_points(struct prdc *P, struct ope_error *err)
{
    const struct tlog *t = P->log;
    size_t D = P->dpsi + (size_t)P->A, n = 0;
    size_t cap = P->lin ? t->n_steps : (size_t)t->n_states * (size_t)P->A;
    /* One-hot states make the tabular point set S*A points of S+A coordinates: refuse
     * what would not fit in 2 GiB rather than ask the allocator for it. */
    if (D && cap > ((size_t)1 << 28) / D)
        return ope_fail(err, OPE_EUSAGE, "prdc: %zu points of dimension %zu are too many for "
                        "the k-d tree (tabular PRDC needs states x actions x (states + actions) "
                        "numbers); use state features (--features) for large state spaces",
                        cap, D);
    double *pts = ope_calloc(cap * D, sizeof *pts, err);
    P->pt_action = pts ? ope_malloc(cap * sizeof *P->pt_action, err) : NULL;
    unsigned char *seen = P->pt_action && !P->lin ? ope_calloc(cap, 1, err) : NULL;
    if (!P->pt_action || (!P->lin && !seen)) {
        free(pts);
        return -1;
    }
    for (size_t i = 0; i < t->n_steps; i++) {
        size_t k = P->lin ? i : (size_t)t->state[i];
        if (!P->lin) {
            size_t sa = k * (size_t)P->A + (size_t)t->action[i];
            if (seen[sa])
                continue;
            seen[sa] = 1;
        }
        query_psi(P, k, pts + n * D);
        pts[n * D + P->dpsi + (size_t)t->action[i]] = 1.0;
        P->pt_action[n++] = t->action[i];
    }
    free(seen);
    P->tree = kdtree_new(pts, n, D, err);
    free(pts);
    return P->tree ? 0 : -1;
}

/* Q and pi at query k into P->q and P->p. */
static void at_query(struct prdc *P, size_t k)
{
    if (!P->lin) {
        train_model_scores(P->Q, (int)k, NULL, P->q);
        train_model_probs(P->pi, 1.0, (int)k, NULL, P->p);
    } else {
        train_row_phi(P->log, k, P->phi);
        train_model_scores(P->Q, 0, P->phi + 1, P->q);
        train_model_probs(P->pi, 1.0, 0, P->phi + 1, P->p);
    }
    for (int a = 0; a < P->A; a++)      /* an unseen pair's -inf (pessimism) is not used */
        if (!isfinite(P->q[a]))
            P->q[a] = 0.0;
}

/* Tabular warm start: with discrete actions the objective J(s) has one local maximum
 * near each action the data shows in s (there the dataset term is 0), and ascent from
 * a random start stays in whichever basin it starts in, so the critic would barely
 * matter. Starting from logits 4 (Q(s,a) - max_a Q(s,a)) / (range of Q(s,.)) (plus
 * the seeded jitter) puts the actor in the basin of the best action by the critic;
 * the dataset term then moves it to the nearest supported action when that one is
 * not in the data. A choice of ours, not the paper's (its actions are continuous). */
static void warm_start(struct prdc *P)
{
    for (size_t k = 0; k < P->n_q; k++) {
        at_query(P, k);
        double hi = -INFINITY, lo = INFINITY;
        for (int a = 0; a < P->A; a++) {
            hi = fmax(hi, P->q[a]);
            lo = fmin(lo, P->q[a]);
        }
        double range = hi - lo;
        if (!(range > 0))
            continue;
        for (int a = 0; a < P->A; a++)
            P->pi->score[k * (size_t)P->A + (size_t)a] += 4.0 * (P->q[a] - hi) / range;
    }
}

/* Gradient of J w.r.t. the logits at query k into P->h; returns the NN distance. */
static double grad_logits(struct prdc *P, size_t k, double lambda, int reg)
{
    int A = P->A;
    at_query(P, k);
    query_psi(P, k, P->x);
    memcpy(P->x + P->dpsi, P->p, (size_t)A * sizeof *P->p);
    double d2;
    int ahat = P->pt_action[kdtree_nearest(P->tree, P->x, &d2)];
    double mean = 0.0;
    for (int a = 0; a < A; a++) {
        P->h[a] = lambda * P->q[a] - (reg ? 2.0 * (P->p[a] - (a == ahat)) : 0.0);
        mean += P->p[a] * P->h[a];
    }
    for (int a = 0; a < A; a++)
        P->h[a] = P->p[a] * (P->h[a] - mean);
    return sqrt(d2);
}

static double lambda_now(struct prdc *P)
{
    double s = 0.0;
    for (size_t k = 0; k < P->log->n_steps; k++) {
        size_t qk = P->lin ? k : (size_t)P->log->state[k];
        at_query(P, qk);
        double v = 0.0;
        for (int a = 0; a < P->A; a++)
            v += P->p[a] * P->q[a];
        s += fabs(v);
    }
    s /= (double)(P->log->n_steps ? P->log->n_steps : 1);
    return s > 0 ? P->o->alpha / s : P->o->alpha;
}

/* One actor step; returns the mean NN distance over the queries (before the step). */
static double actor_step(struct prdc *P, int reg, double *gsum)
{
    double lambda = lambda_now(P), dist = 0.0, eta = P->o->step;
    int A = P->A;
    size_t p = P->lin ? P->log->n_features + 1 : 0;
    if (P->lin)
        memset(gsum, 0, (size_t)A * p * sizeof *gsum);
    for (size_t k = 0; k < P->n_q; k++) {
        dist += grad_logits(P, k, lambda, reg);
        if (!P->lin) {
            for (int a = 0; a < A; a++)
                P->pi->score[k * (size_t)A + (size_t)a] += eta * P->h[a];
        } else {
            for (int a = 0; a < A; a++)
                for (size_t j = 0; j < p; j++)
                    gsum[(size_t)a * p + j] += P->h[a] * P->phi[j];
        }
    }
    if (P->lin)
        for (size_t r = 0; r < (size_t)A * p; r++)
            P->pi->score[r] += eta * gsum[r] / (double)P->n_q;
    return dist / (double)(P->n_q ? P->n_q : 1);
}

int train_prdc_fit(const struct tlog *log, const struct train_opts *o, int regularise,
                   struct train_model **out, double *mean_nn, struct ope_error *err)
{
    struct prdc P = { .log = log, .o = o, .lin = o->linear, .A = log->n_actions };
    if (!P.lin && (log->n_states <= 0 || !log->state))
        return ope_fail(err, OPE_EUSAGE, "prdc: the log has no state column; use state "
                        "features (--features)");
    if (P.lin && log->n_features == 0)
        return ope_fail(err, OPE_EUSAGE, "prdc: the log has no state feature columns");
    if (log->n_steps == 0)
        return ope_fail(err, OPE_EDATA, "prdc: the log has no rows");
    P.dpsi = P.lin ? log->n_features : (size_t)log->n_states;
    P.n_q = P.lin ? log->n_steps : (size_t)log->n_states;
    struct train_opts qo = *o;
    qo.iterations = 0;          /* the critic: FQI with its default number of backups */
    qo.progress = NULL;
    int rc = -1;
    double *gsum = NULL, dist = 0.0;
    long N = o->iterations > 0 ? o->iterations : PRDC_DEFAULT_STEPS;
    if (train_fqi.run(log, &qo, &P.Q, err) < 0)
        return -1;
    P.pi = P.lin ? train_model_new(TRAIN_LINEAR, 0, P.A, log->n_features, err)
                 : train_model_new(TRAIN_TABULAR, log->n_states, P.A, 0, err);
    size_t D = P.dpsi + (size_t)P.A, np = P.lin ? log->n_features + 1 : 1;
    if (!P.pi || build_points(&P, err) < 0)
        goto done;
    P.q = ope_malloc((size_t)P.A * 3 * sizeof(double), err);
    P.x = P.q ? ope_malloc(D * sizeof *P.x, err) : NULL;
    P.phi = P.x ? ope_malloc(np * sizeof *P.phi, err) : NULL;
    gsum = P.phi ? ope_malloc((size_t)P.A * np * sizeof *gsum, err) : NULL;
    if (!gsum)
        goto done;
    P.p = P.q + P.A;
    P.h = P.p + P.A;
    struct ope_rng rng;
    ope_rng_init(&rng, o->seed, OPE_RNG_TRAIN, 1);
    size_t nw = P.lin ? (size_t)P.A * np : (size_t)log->n_states * (size_t)P.A;
    for (size_t r = 0; r < nw; r++)
        P.pi->score[r] = 0.01 * ope_rng_normal(&rng);
    if (!P.lin)
        warm_start(&P);
    rc = 0;
    for (long it = 0; it < N; it++) {
        actor_step(&P, regularise, gsum);
        ope_progress_report(o->progress, (double)(it + 1) / (double)N, "prdc actor steps");
        if (ope_progress_cancelled(o->progress)) {
            rc = ope_fail(err, OPE_EINTERRUPTED, "prdc: interrupted");
            break;
        }
    }
    for (size_t k = 0; rc == 0 && k < P.n_q; k++)     /* final support distance */
        dist += grad_logits(&P, k, 0.0, 0);
    dist /= (double)P.n_q;
    if (mean_nn)
        *mean_nn = dist;
    P.pi->temperature = 1.0;
    snprintf(P.pi->summary, sizeof P.pi->summary, "prdc (%s%s): %ld actor steps, beta %g, "
             "alpha %g, step %g, mean nearest-neighbour distance %.6g",
             P.lin ? "linear" : "tabular", regularise ? "" : ", unregularised", N, o->beta,
             o->alpha, o->step, dist);
done:
    train_model_free(P.Q);
    kdtree_free(P.tree);
    free(P.pt_action);
    free(P.q);
    free(P.x);
    free(P.phi);
    free(gsum);
    if (rc < 0) {
        train_model_free(P.pi);
        return -1;
    }
    *out = P.pi;
    return 0;
}

static int prdc_run(const struct tlog *log, const struct train_opts *o,
                    struct train_model **out, struct ope_error *err)
{
    return train_prdc_fit(log, o, 1, out, NULL, err);
}

const struct train_algo train_prdc = {
    "prdc",
    "policy regularisation with a dataset constraint: softmax actor on the FQI critic, "
    "pulled to the action of the nearest (beta*state, action) data point (k-d tree)",
    "Ran, Li, Zhang, Zhang & Yu, Policy Regularization with Dataset Constraint for "
    "Offline Reinforcement Learning, ICML 2023",
    1, prdc_run
};
