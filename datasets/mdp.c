/* datasets/mdp.c: the tabular MDP and its exact solvers: backward induction for the
 * finite-horizon value, a GSL LU solve for the discounted value, and value iteration
 * (finite and discounted) for V* and Q*. */
#include "config.h"
#include "datasets/mdp.h"
#include "ope/base/sum.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

double mdp_table_bytes(int n_states, int n_actions, int with_rsas)
{
    double S = n_states, A = n_actions;
    return S * A * S * (double)sizeof(double) * (with_rsas ? 2.0 : 1.0);
}

const char *mdp_bytes_text(double bytes, char *buf, size_t size)
{
    static const char *const unit[] = { "bytes", "kB", "MB", "GB", "TB", "PB" };
    int u = 0;
    while (bytes >= 1000.0 && u < 5) {
        bytes /= 1000.0;
        u++;
    }
    snprintf(buf, size, u ? "%.3g %s" : "%.0f %s", bytes, unit[u]);
    return buf;
}

int mdp_check_size(int n_states, int n_actions, int with_rsas, struct ope_error *err)
{
    double need = mdp_table_bytes(n_states, n_actions, with_rsas);
    if (need <= MDP_MAX_TABLE_BYTES)
        return 0;
    char nb[32];
    return ope_fail(err, OPE_EUSAGE, "an MDP with S=%d states and A=%d actions needs %s for "
                    "its dense tables (S*A*S*8 bytes%s), over ope's limit of %.0f GiB: "
                    "S*S*A may be at most %.0f; use fewer states or actions", n_states,
                    n_actions, mdp_bytes_text(need, nb, sizeof nb),
                    with_rsas ? ", twice: P(s'|s,a) and r(s,a,s')" : " for P(s'|s,a)",
                    MDP_MAX_TABLE_BYTES / (double)(1ULL << 30),
                    MDP_MAX_TABLE_BYTES / 8.0 / (with_rsas ? 2.0 : 1.0));
}

struct mdp *mdp_new(int n_states, int n_actions, struct ope_error *err)
{
    if (n_states < 1 || n_actions < 1) {
        ope_fail(err, OPE_EUSAGE, "an MDP needs at least one state and one action (got S=%d, A=%d)",
                 n_states, n_actions);
        return NULL;
    }
    if (mdp_check_size(n_states, n_actions, 0, err) < 0)
        return NULL;
    size_t S = (size_t)n_states, A = (size_t)n_actions;
    struct mdp *m = ope_calloc(1, sizeof *m, err);
    if (!m)
        return NULL;
    m->n_states = n_states;
    m->n_actions = n_actions;
    m->horizon = 1;
    m->gamma = 1.0;
    m->P = ope_calloc(S * A * S, sizeof *m->P, err);
    m->R = m->P ? ope_calloc(S * A, sizeof *m->R, err) : NULL;
    m->terminal = m->R ? ope_calloc(S, 1, err) : NULL;
    m->mu0 = m->terminal ? ope_calloc(S, sizeof *m->mu0, err) : NULL;
    if (!m->mu0) {
        mdp_free(m);
        return NULL;
    }
    return m;
}

int mdp_alloc_rsas(struct mdp *m, struct ope_error *err)
{
    if (mdp_check_size(m->n_states, m->n_actions, 1, err) < 0)
        return -1;
    size_t S = (size_t)m->n_states, A = (size_t)m->n_actions;
    free(m->Rsas);
    m->Rsas = ope_calloc(S * A * S, sizeof *m->Rsas, err);
    return m->Rsas ? 0 : -1;
}

int mdp_set_action_names(struct mdp *m, const char *const *names, struct ope_error *err)
{
    char **v = ope_calloc((size_t)m->n_actions, sizeof *v, err);
    if (!v)
        return -1;
    for (int a = 0; a < m->n_actions; a++)
        if (!(v[a] = ope_strdup(names[a], err))) {
            for (int b = 0; b < a; b++)
                free(v[b]);
            free(v);
            return -1;
        }
    m->action_name = v;
    return 0;
}

void mdp_free(struct mdp *m)
{
    if (!m)
        return;
    if (m->action_name)
        for (int a = 0; a < m->n_actions; a++)
            free(m->action_name[a]);
    free(m->action_name);
    free(m->P);
    free(m->R);
    free(m->Rsas);
    free(m->terminal);
    free(m->mu0);
    free(m);
}

/* Make terminal states absorbing with zero reward and derive R from Rsas. */
static void normalise_terminals(struct mdp *m)
{
    size_t S = (size_t)m->n_states, A = (size_t)m->n_actions;
    for (size_t s = 0; s < S; s++) {
        if (!m->terminal[s])
            continue;
        for (size_t a = 0; a < A; a++) {
            double *row = m->P + (s * A + a) * S;
            memset(row, 0, S * sizeof *row);
            row[s] = 1.0;
            m->R[s * A + a] = 0.0;
            if (m->Rsas)
                memset(m->Rsas + (s * A + a) * S, 0, S * sizeof *m->Rsas);
        }
    }
    if (!m->Rsas)
        return;
    for (size_t sa = 0; sa < S * A; sa++) {
        struct ope_sum k;
        ope_sum_init(&k);
        for (size_t t = 0; t < S; t++)
            ope_sum_add(&k, m->P[sa * S + t] * m->Rsas[sa * S + t]);
        m->R[sa] = ope_sum_value(&k);
    }
}

int mdp_finalize(struct mdp *m, struct ope_error *err)
{
    size_t S = (size_t)m->n_states, A = (size_t)m->n_actions;
    if (m->horizon < 1)
        return ope_fail(err, OPE_EUSAGE, "the horizon must be at least 1 (got %d)", m->horizon);
    if (!(m->gamma >= 0.0 && m->gamma <= 1.0))
        return ope_fail(err, OPE_EUSAGE, "the discount gamma must be in [0, 1] (got %g)", m->gamma);
    if (!(m->reward_sd >= 0.0 && isfinite(m->reward_sd)))
        return ope_fail(err, OPE_EUSAGE, "the reward noise must be finite and >= 0 (got %g)",
                        m->reward_sd);
    normalise_terminals(m);
    for (size_t s = 0; s < S; s++)
        for (size_t a = 0; a < A; a++) {
            const double *row = m->P + (s * A + a) * S;
            double sum = 0.0;
            for (size_t t = 0; t < S; t++) {
                if (!(row[t] >= 0.0 && row[t] <= 1.0))
                    return ope_fail(err, OPE_ESOFTWARE, "P(%zu|%zu,%zu) = %g is not a probability",
                                    t, s, a, row[t]);
                sum += row[t];
            }
            if (fabs(sum - 1.0) > 1e-9)
                return ope_fail(err, OPE_ESOFTWARE, "P(.|%zu,%zu) sums to %.17g, not 1", s, a, sum);
            if (!isfinite(m->R[s * A + a]))
                return ope_fail(err, OPE_ESOFTWARE, "R(%zu,%zu) is not finite", s, a);
        }
    double sum = 0.0;
    for (size_t s = 0; s < S; s++) {
        if (!(m->mu0[s] >= 0.0 && m->mu0[s] <= 1.0))
            return ope_fail(err, OPE_ESOFTWARE, "mu0(%zu) = %g is not a probability", s, m->mu0[s]);
        if (m->terminal[s] && m->mu0[s] > 0.0)
            return ope_fail(err, OPE_ESOFTWARE, "the initial distribution puts mass on terminal state %zu", s);
        sum += m->mu0[s];
    }
    if (fabs(sum - 1.0) > 1e-9)
        return ope_fail(err, OPE_ESOFTWARE, "the initial distribution sums to %.17g, not 1", sum);
    return 0;
}

void mdp_backup(int n_states, int n_actions, const double *P, const double *R, double gamma,
                const double *V, double *Q)
{
    size_t S = (size_t)n_states, SA = S * (size_t)n_actions;
    for (size_t sa = 0; sa < SA; sa++) {
        const double *row = P + sa * S;
        double ev = 0.0;
        for (size_t t = 0; t < S; t++)
            ev += row[t] * V[t];
        Q[sa] = R[sa] + gamma * ev;
    }
}

/* The backup with the MDP's own tables. */
static void backup_q(const struct mdp *m, const double *V, double *Q)
{
    mdp_backup(m->n_states, m->n_actions, m->P, m->R, m->gamma, V, Q);
}

void mdp_v_from_q(int n_states, int n_actions, const double *pi, const double *Q, double *V)
{
    size_t S = (size_t)n_states, A = (size_t)n_actions;
    for (size_t s = 0; s < S; s++) {
        double v = pi ? 0.0 : Q[s * A];
        for (size_t a = 0; a < A; a++) {
            if (pi)
                v += pi[s * A + a] * Q[s * A + a];
            else if (Q[s * A + a] > v)
                v = Q[s * A + a];
        }
        V[s] = v;
    }
}

double mdp_start_value(const struct mdp *m, const double *V)
{
    struct ope_sum k;
    ope_sum_init(&k);
    for (int s = 0; s < m->n_states; s++)
        ope_sum_add(&k, m->mu0[s] * V[s]);
    return ope_sum_value(&k);
}

/* Backward induction shared by evaluation (pi) and optimisation (pi == NULL). */
static double backward(const struct mdp *m, const double *pi, double *V0, double *Q0,
                       struct ope_error *err)
{
    size_t S = (size_t)m->n_states, A = (size_t)m->n_actions;
    double *V = ope_calloc(S, sizeof *V, err);     /* V_H = 0 */
    double *Q = V ? ope_malloc(S * A * sizeof *Q, err) : NULL;
    if (!Q) {
        free(V);
        return NAN;
    }
    for (int t = m->horizon - 1; t >= 0; t--) {
        backup_q(m, V, Q);
        mdp_v_from_q(m->n_states, m->n_actions, pi, Q, V);
    }
    double v = mdp_start_value(m, V);
    if (V0)
        memcpy(V0, V, S * sizeof *V);
    if (Q0)
        memcpy(Q0, Q, S * A * sizeof *Q);
    free(V);
    free(Q);
    return v;
}

double mdp_eval_finite(const struct mdp *m, const double *pi, double *V0, double *Q0,
                       struct ope_error *err)
{
    return backward(m, pi, V0, Q0, err);
}

double mdp_optimal_finite(const struct mdp *m, double *Vstar, double *Qstar,
                          struct ope_error *err)
{
    return backward(m, NULL, Vstar, Qstar, err);
}

int mdp_qstar(const struct mdp *m, double *Qstar, struct ope_error *err)
{
    return isnan(backward(m, NULL, NULL, Qstar, err)) ? -1 : 0;
}

double mdp_eval_discounted(const struct mdp *m, const double *pi, double *Vout,
                           struct ope_error *err)
{
    if (!(m->gamma < 1.0)) {
        ope_fail(err, OPE_EUSAGE, "the discounted value needs gamma < 1 (got %g)", m->gamma);
        return NAN;
    }
    size_t S = (size_t)m->n_states, A = (size_t)m->n_actions;
    gsl_matrix *M = gsl_matrix_alloc(S, S);
    gsl_vector *b = gsl_vector_alloc(S), *x = gsl_vector_alloc(S);
    gsl_permutation *perm = gsl_permutation_alloc(S);
    double v = NAN;
    if (!M || !b || !x || !perm) {
        ope_fail_oom(err);
        goto out;
    }
    /* M = I - gamma P_pi, b = r_pi. */
    for (size_t s = 0; s < S; s++) {
        double r = 0.0;
        for (size_t t = 0; t < S; t++)
            gsl_matrix_set(M, s, t, s == t ? 1.0 : 0.0);
        for (size_t a = 0; a < A; a++) {
            double p = pi[s * A + a];
            if (p == 0.0)
                continue;
            r += p * m->R[s * A + a];
            const double *row = m->P + (s * A + a) * S;
            for (size_t t = 0; t < S; t++)
                *gsl_matrix_ptr(M, s, t) -= m->gamma * p * row[t];
        }
        gsl_vector_set(b, s, r);
    }
    int sign;
    if (gsl_linalg_LU_decomp(M, perm, &sign) != GSL_SUCCESS
        || gsl_linalg_LU_solve(M, perm, b, x) != GSL_SUCCESS) {
        ope_fail(err, OPE_ESOFTWARE, "the linear solve (I - gamma P_pi) V = r_pi failed");
        goto out;
    }
    v = mdp_start_value(m, x->data);
    if (Vout)
        for (size_t s = 0; s < S; s++)
            Vout[s] = gsl_vector_get(x, s);
out:
    gsl_matrix_free(M);
    gsl_vector_free(b);
    gsl_vector_free(x);
    gsl_permutation_free(perm);
    return v;
}

double mdp_optimal_discounted(const struct mdp *m, double tol, double *Vstar, double *Qstar,
                              struct ope_error *err)
{
    if (!(m->gamma < 1.0)) {
        ope_fail(err, OPE_EUSAGE, "discounted value iteration needs gamma < 1 (got %g)", m->gamma);
        return NAN;
    }
    size_t S = (size_t)m->n_states, A = (size_t)m->n_actions;
    double *V = ope_calloc(S, sizeof *V, err);
    double *Vn = V ? ope_malloc(S * sizeof *Vn, err) : NULL;
    double *Q = Vn ? ope_malloc(S * A * sizeof *Q, err) : NULL;
    double v = NAN;
    if (!Q)
        goto out;
    /* A contraction of modulus gamma: the change shrinks geometrically, so the loop
     * ends; the cap only guards against a tol below rounding. */
    for (long it = 0; it < 1000000; it++) {
        backup_q(m, V, Q);
        mdp_v_from_q(m->n_states, m->n_actions, NULL, Q, Vn);
        double d = 0.0;
        for (size_t s = 0; s < S; s++)
            d = fmax(d, fabs(Vn[s] - V[s]));
        memcpy(V, Vn, S * sizeof *V);
        if (d <= tol)
            break;
    }
    backup_q(m, V, Q);
    v = mdp_start_value(m, V);
    if (Vstar)
        memcpy(Vstar, V, S * sizeof *V);
    if (Qstar)
        memcpy(Qstar, Q, S * A * sizeof *Q);
out:
    free(V);
    free(Vn);
    free(Q);
    return v;
}
