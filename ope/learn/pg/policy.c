/* ope/learn/pg/policy.c: the softmax policy class (tabular or linear features), its score
 * function and Fisher contributions, the parameter defaults and the registry of the
 * policy-gradient algorithms. */
#include "config.h"
#include "ope/learn/pg/pg.h"
#include "ope/base/progress.h"
#include "ope/base/softmax.h"
#include "datasets/mdp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const struct pg_algo *const pg_registry[] = {
    &pg_reinforce, &pg_npg, &pg_npg_igt, &pg_hnpg, &pg_props, NULL
};

const struct pg_algo *pg_find(const char *name)
{
    for (size_t i = 0; pg_registry[i]; i++)
        if (strcmp(pg_registry[i]->name, name) == 0)
            return pg_registry[i];
    return strcmp(name, pg_copg.name) == 0 ? &pg_copg : NULL;
}

void pg_params_init(struct pg_params *p)
{
    memset(p, 0, sizeof *p);
    p->iterations = 200;
    p->batch = 0;
    p->step = NAN;
    /* F + 0.01 I. The tabular Fisher is singular (the per-state constant direction,
     * unvisited states), and the SAMPLED Fisher of a nearly deterministic policy has
     * tiny entries: with damping relative to F (first tried: 1e-3 tr F / d) a single
     * rare action produced a huge step and sampled NPG collapsed on RiverSwim after
     * reaching 95% of V* (8 of 16 seeds by 20000 episodes); an absolute 0.01 keeps
     * |w| <= |g| / 0.01 and all 32 seeds above 98% (t/1320, ope/pg notes). */
    p->damping = 0.01;
    p->use_baseline = 1;
    p->baseline_rate = 0.1;
    /* Fatkhullin et al. (ICML 2023), N-PG-IGT (Algorithm 1 and its convergence
     * theorem): momentum eta_t = (2/(t+2))^{4/5} and step gamma_t = gamma_0 2/(t+2);
     * the authors' released NIGT optimiser uses the same two schedules. */
    p->igt_eta_exp = 0.8;
    p->igt_gamma_exp = 1.0;
    /* The ridge of the HNPG critic (towards its previous weights, ope/learn/pg/hnpg.c),
     * absolute like the authors' l2_reg: a tabular cell seen once in a 10-episode
     * batch has weight 0.1 and keeps 1% of its old value. */
    p->critic_l2 = 1e-3;
}

double pg_step(const struct pg_algo *a, const struct pg_params *p)
{
    return isnan(p->step) ? a->default_step : p->step;
}

int pg_batch_size(const struct pg_algo *a, const struct pg_params *p)
{
    return p->batch > 0 ? p->batch : a->default_batch;
}

int pg_policy_init(struct pg_policy *pol, enum pg_param kind, int n_states, int n_actions,
                   int K, struct ope_error *err)
{
    memset(pol, 0, sizeof *pol);
    pol->kind = kind;
    pol->n_states = n_states;
    pol->n_actions = n_actions;
    if (n_actions < 1 || n_actions > PG_MAX_ACTIONS)
        return ope_fail(err, OPE_EUSAGE, "policy gradient: 1 to %d actions, the environment "
                        "has %d", PG_MAX_ACTIONS, n_actions);
    if (kind == PG_TABULAR) {
        pol->dim = (size_t)n_states * (size_t)n_actions;
        return 0;
    }
    if (K < 1 || K > PG_MAX_BASIS)
        return ope_fail(err, OPE_EUSAGE, "linear policy: 1 to %d basis functions, got %d",
                        PG_MAX_BASIS, K);
    pol->n_basis = K;
    pol->dim = (size_t)n_actions * (size_t)K;
    pol->psi = ope_malloc((size_t)n_states * (size_t)K * sizeof *pol->psi, err);
    if (!pol->psi)
        return -1;
    for (int s = 0; s < n_states; s++) {
        double x = n_states > 1 ? (double)s / (double)(n_states - 1) : 0.0, v = 1.0;
        for (int k = 0; k < K; k++, v *= x)
            pol->psi[(size_t)s * K + k] = v;
    }
    return 0;
}

void pg_policy_release(struct pg_policy *pol)
{
    free(pol->psi);
    pol->psi = NULL;
}

/* Logits theta . phi(s,a) for every a. */
static void logits(const struct pg_policy *pol, const double *theta, int s, double *z)
{
    int A = pol->n_actions;
    if (pol->kind == PG_TABULAR) {
        memcpy(z, theta + (size_t)s * A, (size_t)A * sizeof *z);
        return;
    }
    int K = pol->n_basis;
    const double *ps = pol->psi + (size_t)s * K;
    for (int a = 0; a < A; a++) {
        double v = 0.0;
        for (int k = 0; k < K; k++)
            v += theta[(size_t)a * K + k] * ps[k];
        z[a] = v;
    }
}

void pg_probs(const struct pg_policy *pol, const double *theta, int s, double *out)
{
    int A = pol->n_actions;
    logits(pol, theta, s, out);
    ope_softmax(A, out, 1.0, out);
}

void pg_probs_all(const struct pg_policy *pol, const double *theta, double *pi)
{
    for (int s = 0; s < pol->n_states; s++)
        pg_probs(pol, theta, s, pi + (size_t)s * pol->n_actions);
}

void pg_add_phi(const struct pg_policy *pol, int s, const double *coef, double *g)
{
    int A = pol->n_actions;
    if (pol->kind == PG_TABULAR) {
        for (int a = 0; a < A; a++)
            g[(size_t)s * A + a] += coef[a];
        return;
    }
    int K = pol->n_basis;
    const double *ps = pol->psi + (size_t)s * K;
    for (int a = 0; a < A; a++)
        if (coef[a] != 0.0)
            for (int k = 0; k < K; k++)
                g[(size_t)a * K + k] += coef[a] * ps[k];
}

/* The score: grad log pi(a|s) = sum_b (1[b=a] - pi_b) phi(s,b). */
void pg_add_score(const struct pg_policy *pol, const double *pis, int s, int a, double c,
                  double *g)
{
    double coef[PG_MAX_ACTIONS];
    int A = pol->n_actions;
    for (int b = 0; b < A; b++)
        coef[b] = c * ((b == a) - pis[b]);
    pg_add_phi(pol, s, coef, g);
}

/* An outer product c * M (x) (psi(s) psi(s)^T) added to F, M an A x A matrix: every
 * Fisher-like term of a softmax has this shape, since the score of (s, a) is
 * sum_b (1[b=a] - pi_b) phi(s,b) and phi(s,b) = e_b (x) psi(s) (tabular: psi = 1 on
 * the block of state s). */
static void add_kron(const struct pg_policy *pol, int s, const double *M, double c, double *F)
{
    size_t d = pol->dim;
    int A = pol->n_actions;
    if (pol->kind == PG_TABULAR) {
        size_t o = (size_t)s * A;
        for (int i = 0; i < A; i++)
            for (int j = 0; j < A; j++)
                F[(o + i) * d + o + j] += c * M[i * A + j];
        return;
    }
    int K = pol->n_basis;
    const double *ps = pol->psi + (size_t)s * K;
    for (int i = 0; i < A; i++)
        for (int j = 0; j < A; j++) {
            double mij = c * M[i * A + j];
            if (mij == 0.0)
                continue;
            for (int k = 0; k < K; k++) {
                double *row = F + ((size_t)i * K + k) * d + (size_t)j * K;
                for (int l = 0; l < K; l++)
                    row[l] += mij * ps[k] * ps[l];
            }
        }
}

void pg_add_score_outer(const struct pg_policy *pol, const double *pis, int s, int a,
                        double c, double *F)
{
    double v[PG_MAX_ACTIONS], M[PG_MAX_ACTIONS * PG_MAX_ACTIONS];
    int A = pol->n_actions;
    for (int i = 0; i < A; i++)
        v[i] = (i == a) - pis[i];
    for (int i = 0; i < A; i++)
        for (int j = 0; j < A; j++)
            M[i * A + j] = v[i] * v[j];
    add_kron(pol, s, M, c, F);
}

void pg_add_fisher_state(const struct pg_policy *pol, const double *pis, int s, double c,
                         double *F)
{
    /* sum_a pi_a psi_a psi_a^T = (diag(pi) - pi pi^T) (x) psi psi^T. */
    double M[PG_MAX_ACTIONS * PG_MAX_ACTIONS];
    int A = pol->n_actions;
    for (int i = 0; i < A; i++)
        for (int j = 0; j < A; j++)
            M[i * A + j] = (i == j) * pis[i] - pis[i] * pis[j];
    add_kron(pol, s, M, c, F);
}

size_t pg_fisher_block(const struct pg_policy *pol)
{
    return pol->kind == PG_TABULAR ? (size_t)pol->n_actions : pol->dim;
}

double pg_norm(const double *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i] * x[i];
    return sqrt(s);
}

int pg_record_at(const struct pg_problem *pb, const double *theta, struct pg_record *rec,
                 double grad_norm, double samples, struct ope_error *err)
{
    double v = pg_exact(pb->m, pb->pol, theta, NULL, NULL, err);
    if (isnan(v))
        return -1;
    rec->value = v;
    rec->grad_norm = grad_norm;
    rec->samples = samples;
    rec->aux[0] = rec->aux[1] = NAN;
    return 0;
}

int pg_check_cancel(const struct pg_problem *pb, struct ope_error *err)
{
    struct pg_meter *mt = pb->meter;
    if (!mt)
        return 0;
    if (ope_progress_cancelled(mt->progress))
        return ope_fail(err, OPE_EINTERRUPTED, "interrupted");
    long k = atomic_fetch_add(&mt->done, 1) + 1, every = mt->total / 200 + 1;
    if (mt->progress && k % every == 0)
        ope_progress_report(mt->progress, (double)k / (double)(mt->total > 0 ? mt->total : 1),
                            mt->label);
    return 0;
}
