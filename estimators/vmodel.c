/* estimators/vmodel.c: the value models of the trajectory estimators (vmodel.h):
 * tabular FQE on the empirical model here; the linear backends (linear FQE, LSTD,
 * TD(lambda), GTD2) share the feature map e_a (x) phi(s) and live below it. */
#include "config.h"
#include "estimators/vmodel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/mdp.h"
#include "estimators/accum.h"
#include "estimators/fqetab.h"
#include "estimators/lintab.h"
#include "estimators/result.h"
#include "estimators/ridge.h"
#include "estimators/vmtd.h"
#include "ope/base/rng.h"
#include "ope/base/sum.h"

static const char *const vm_names[] = { "fqe", "linear-fqe", "lstd", "td", "gtd2" };

void vm_opts_init(struct vm_opts *o)
{
    memset(o, 0, sizeof *o);
    o->kind = VM_FQE;
    o->ridge = 1e-6;
    o->lambda = 0.0;
    o->step = 0.1;
    o->epochs = 200;
    o->seed = 12345;
}

int vm_kind_parse(const char *s)
{
    for (int k = 0; k < (int)(sizeof vm_names / sizeof *vm_names); k++)
        if (strcmp(s, vm_names[k]) == 0)
            return k;
    return -1;
}

const char *vm_kind_name(int kind)
{
    return kind >= 0 && kind < (int)(sizeof vm_names / sizeof *vm_names) ? vm_names[kind] : "?";
}

int vm_warn_stationary(struct res_eval *r, int kind, double gamma, int horizon, int cut)
{
    if ((kind != VM_LSTD && kind != VM_TD && kind != VM_GTD2) || horizon <= 0 || !cut)
        return 0;
    double tail = pow(gamma, horizon);
    if (!(tail > VM_TAIL_SHARE))
        return 0;
    char share[64];
    if (gamma >= 1.0)
        snprintf(share, sizeof share, "at gamma 1 every step past it counts in full");
    else
        snprintf(share, sizeof share, "gamma^%d = %.2g of the discount's weight lies there",
                 horizon, tail);
    return res_warn(r, NULL, "value model %s is stationary: it values the process past the "
                    "log's horizon of %d steps as if it went on, and %s, so dm is biased "
                    "where episodes are cut by the horizon, as some of this log's are (dr and "
                    "wdr correct it through their weights, where the policy overlaps the "
                    "log); --value-model linear-fqe or fqe value the %d steps",
                    vm_kind_name(kind), horizon, share, horizon);
}

const char *vm_kind_about(int kind)
{
    static const char *const about[] = {
        "tabular fitted Q evaluation computes Q̂_t(s, a) backwards from the horizon on "
            "the empirical transitions of the log",
        "least-squares fitted Q evaluation regresses, one step at a time backwards from the "
            "horizon, the reward plus the next step's fitted value on the features "
            "e_a (x) phi(s) (ridge)",
        "LSTD solves one linear system for the stationary fixed point of the projected "
            "Bellman equation over the pooled transitions, on the features e_a (x) phi(s): "
            "one Q̂ for every step, so dm is biased by the horizon it ignores unless "
            "gamma^T is small (dr is not)",
        "TD(lambda) approaches LSTD's stationary fixed point by stochastic approximation, "
            "in epochs over the transitions",
        "gradient TD (GTD2, two time scales) approaches LSTD's stationary fixed point by "
            "stochastic approximation, in epochs over the transitions",
    };
    return kind >= 0 && kind < (int)(sizeof about / sizeof *about) ? about[kind] : "?";
}

int vm_next_kind(const struct tlog *log, size_t j, size_t end, size_t len)
{
    if (j + 1 < end)
        return 1;
    if ((int)len < log->horizon || (log->done && log->done[j]))
        return 0;
    return -1;
}

int vm_cut_by_horizon(const struct tlog *log)
{
    for (size_t e = 0; e < log->n_episodes; e++) {
        size_t b0 = log->ep_start[e], end = log->ep_start[e + 1];
        if (end > b0 && vm_next_kind(log, end - 1, end, end - b0) < 0)
            return 1;
    }
    return 0;
}

void vm_policy_table(const struct tlog *log, size_t pol, double *pi)
{
    size_t S = (size_t)log->n_states, A = (size_t)log->n_actions;
    unsigned char *seen = calloc(S, 1);
    memset(pi, 0, S * A * sizeof *pi);
    for (size_t j = 0; seen && j < log->n_steps; j++) {
        size_t s = (size_t)log->state[j];
        if (seen[s])
            continue;
        seen[s] = 1;
        for (size_t a = 0; a < A; a++)
            pi[s * A + a] = log->policy[pol].prob[a][j];
    }
    free(seen);
}

/* Above FQE_TAB_MAX_CELLS (s, a, s') cells the FQE fits sum over the rows at every
 * step instead of keeping a transition table. */
static int vm_use_table(const struct tlog *log)
{
    size_t S = (size_t)log->n_states, A = (size_t)log->n_actions;
    return S * A <= FQE_TAB_MAX_CELLS / (S ? S : 1);
}

/* Tabular FQE from the statistics a log read in windows gathers too (fqetab.h), in
 * the same order: the same table to the last bit whichever way the log is read. */
static int fqe_by_table(const struct tlog *log, size_t pol, double gamma, double *Q,
                        struct ope_error *err)
{
    struct fqe_tab tab;
    double one = 1.0, *scratch = NULL;
    int rc = fqe_tab_init(&tab, (size_t)log->n_actions, 1, &pol, 1, 0, err);
    for (size_t e = 0; rc == 0 && e < log->n_episodes; e++)
        rc = fqe_tab_add(&tab, log, e, e, &one, err);
    /* The log's horizon and states, which may reach past its episodes' (a sampler's). */
    if (rc == 0)
        rc = fqe_tab_extend(&tab, (size_t)log->n_states, log->horizon, err);
    if (rc == 0 && !(scratch = ope_malloc((fqe_tab_scratch(&tab) + 1) * sizeof *scratch, err)))
        rc = -1;
    if (rc == 0)
        fqe_tab_solve(&tab, 0, 0, gamma, Q, scratch);
    free(scratch);
    fqe_tab_release(&tab);
    return rc;
}

int vm_fqe_tabular(const struct tlog *log, size_t pol, double gamma, double *Q,
                   struct ope_error *err)
{
    if (!log->state || log->n_states <= 0)
        return ope_fail(err, OPE_EDATA, "--value-model fqe needs a tabular state column; "
                        "with state features use --value-model linear-fqe");
    if (vm_use_table(log))
        return fqe_by_table(log, pol, gamma, Q, err);
    size_t S = (size_t)log->n_states, A = (size_t)log->n_actions, SA = S * A;
    size_t T = (size_t)log->horizon;
    double *pi = ope_malloc(SA * sizeof *pi, err), *rbar = ope_calloc(SA, sizeof *rbar, err);
    double *nsa = ope_calloc(SA, sizeof *nsa, err), *nobs = ope_calloc(SA, sizeof *nobs, err);
    double *nxt = ope_malloc(SA * sizeof *nxt, err), *V = ope_calloc(S, sizeof *V, err);
    int rc = -1;
    if (!pi || !rbar || !nsa || !nobs || !nxt || !V)
        goto out;
    vm_policy_table(log, pol, pi);
    for (size_t e = 0; e < log->n_episodes; e++) {
        size_t b = log->ep_start[e], end = log->ep_start[e + 1];
        for (size_t j = b; j < end; j++) {
            size_t k = (size_t)log->state[j] * A + (size_t)log->action[j];
            rbar[k] += log->reward[j];
            nsa[k] += 1.0;
            if (vm_next_kind(log, j, end, end - b) >= 0)
                nobs[k] += 1.0;
        }
    }
    for (size_t k = 0; k < SA; k++)
        rbar[k] = nsa[k] > 0 ? rbar[k] / nsa[k] : 0.0;
    /* Backward from V_T = 0; the sum over observed next states is taken over the rows
     * (the empirical P̂ without an S x S table). */
    for (size_t t = T; t-- > 0;) {
        memset(nxt, 0, SA * sizeof *nxt);
        if (t + 1 < T)
            for (size_t e = 0; e < log->n_episodes; e++) {
                size_t b = log->ep_start[e], end = log->ep_start[e + 1];
                for (size_t j = b; j + 1 < end; j++)
                    nxt[(size_t)log->state[j] * A + (size_t)log->action[j]] +=
                        V[log->state[j + 1]];
            }
        /* Not mdp_backup: the expectation is a mean over logged rows, and
         * (gamma * sum) / n rounds differently from gamma * (P-hat V). */
        double *Qt = Q + t * SA;
        for (size_t k = 0; k < SA; k++)
            Qt[k] = rbar[k] + (nobs[k] > 0 ? gamma * nxt[k] / nobs[k] : 0.0);
        mdp_v_from_q(log->n_states, log->n_actions, pi, Qt, V);
    }
    rc = 0;
out:
    free(pi), free(rbar), free(nsa), free(nobs), free(nxt), free(V);
    return rc;
}

size_t vm_fqe_resample_scratch(const struct tlog *log)
{
    size_t S = (size_t)log->n_states, A = (size_t)log->n_actions, SA = S * A;
    if (!vm_use_table(log))
        return 4 * SA + S + 1;
    return fqe_tab_bound_size(A, S) + 4 * SA + 2 * S + 1;
}

/* The resampled FQE with a transition table: the tables a log read in windows keeps
 * for each replicate (fqetab.h), on the scratch, so both give the same value to the
 * last digit. */
static double resample_by_table(const struct tlog *log, size_t pol, double gamma,
                                const double *m, double *scratch)
{
    size_t S = (size_t)log->n_states, A = (size_t)log->n_actions;
    struct fqe_tab tab;
    struct ope_error err = { 0 };
    fqe_tab_bind(&tab, A, S, log->horizon, &pol, scratch);
    for (size_t e = 0; e < log->n_episodes; e++)
        if (fqe_tab_add(&tab, log, e, e, &m[e], &err) != 0)
            return NAN;     /* not reached: the states and horizon are the log's */
    return fqe_tab_solve(&tab, 0, 0, gamma, NULL, scratch + fqe_tab_bound_size(A, S));
}

double vm_fqe_resample_value(const struct tlog *log, size_t pol, double gamma, const double *pi,
                             const double *m, double *scratch)
{
    if (vm_use_table(log))
        return resample_by_table(log, pol, gamma, m, scratch);
    size_t S = (size_t)log->n_states, A = (size_t)log->n_actions, SA = S * A;
    size_t T = (size_t)log->horizon;
    double *rbar = scratch, *nsa = rbar + SA, *nobs = nsa + SA, *q = nobs + SA;
    double *V = q + SA;
    memset(scratch, 0, vm_fqe_resample_scratch(log) * sizeof *scratch);
    /* The weighted empirical model: r̂ and the next states, episode i counted m_i times;
     * the sum over next states is taken over the rows (no S x A x S table). */
    double mass = 0.0;
    for (size_t e = 0; e < log->n_episodes; e++) {
        double mi = m[e];
        size_t b = log->ep_start[e], end = log->ep_start[e + 1];
        if (mi == 0.0 || end == b)
            continue;
        mass += mi;
        for (size_t j = b; j < end; j++) {
            size_t k = (size_t)log->state[j] * A + (size_t)log->action[j];
            rbar[k] += mi * log->reward[j];
            nsa[k] += mi;
            if (vm_next_kind(log, j, end, end - b) >= 0)
                nobs[k] += mi;
        }
    }
    if (!(mass > 0.0))
        return NAN;
    for (size_t k = 0; k < SA; k++)
        rbar[k] = nsa[k] > 0 ? rbar[k] / nsa[k] : 0.0;
    for (size_t t = T; t-- > 0;) {
        /* q = the weighted sum of V over the observed next states of each (s, a). */
        memset(q, 0, SA * sizeof *q);
        for (size_t e = 0; t + 1 < T && e < log->n_episodes; e++) {
            double mi = m[e];
            size_t b = log->ep_start[e], end = log->ep_start[e + 1];
            for (size_t j = b; mi != 0.0 && j + 1 < end; j++)
                q[(size_t)log->state[j] * A + (size_t)log->action[j]] +=
                    mi * V[log->state[j + 1]];
        }
        for (size_t k = 0; k < SA; k++)
            q[k] = rbar[k] + (nobs[k] > 0 ? gamma * q[k] / nobs[k] : 0.0);
        mdp_v_from_q(log->n_states, log->n_actions, pi, q, V);
    }
    struct ope_sum num;
    ope_sum_init(&num);
    for (size_t e = 0; e < log->n_episodes; e++)
        if (m[e] != 0.0 && log->ep_start[e + 1] > log->ep_start[e])
            ope_sum_add(&num, m[e] * V[log->state[log->ep_start[e]]]);
    return ope_sum_value(&num) / mass;
}

void vm_rows_from_table(const struct tlog *log, size_t pol, const double *Q, size_t S,
                        double *qa, double *v)
{
    size_t A = (size_t)log->n_actions;
    for (size_t e = 0; e < log->n_episodes; e++)
        for (size_t j = log->ep_start[e]; j < log->ep_start[e + 1]; j++) {
            const double *q = Q + ((j - log->ep_start[e]) * S + (size_t)log->state[j]) * A;
            qa[j] = q[log->action[j]];
            double s = 0;
            for (size_t a = 0; a < A; a++)
                s += log->policy[pol].prob[a][j] * q[a];
            v[j] = s;
        }
}

/* ---- linear backends ------------------------------------------------------------ */

/* Feature width p: the s* features plus a constant, or a one-hot of the state. */
static size_t vm_phi_dim(const struct tlog *log)
{
    return log->n_features > 0 ? log->n_features + 1 : (size_t)log->n_states;
}

/* linear-fqe and lstd (kind) from their sums (lintab.h), gathered in chunks of
 * ACC_CHUNK episodes as a log read in windows gathers them, so both fit the same model.
 * (td and gtd2 check their fixed point by this lstd: vmtd.c.) */
static int linear_by_sums(const struct tlog *log, size_t pol, double gamma,
                          const struct vm_opts *o, int kind, double *qa, double *v,
                          struct ope_error *err)
{
    struct lin_tab lt;
    size_t pl = pol, n = log->n_episodes;
    double *th = NULL;
    int rc = lin_tab_init(&lt, kind == VM_LSTD, (size_t)log->n_actions, log->n_features, 1,
                          &pl, gamma, o->max_bytes, log->path, err);
    if (rc == 0)
        rc = lin_tab_extend(&lt, vm_phi_dim(log), 0, err);
    for (size_t e0 = 0; rc == 0 && e0 < n; e0 += ACC_CHUNK)
        rc = lin_tab_add(&lt, log, e0, e0 + ACC_CHUNK < n ? e0 + ACC_CHUNK : n, err);
    /* A horizon declared beyond the longest episode: every last step has an outcome. */
    if (rc == 0)
        rc = lin_tab_extend(&lt, 0, log->horizon, err);
    if (rc == 0 && !(th = ope_calloc(lin_tab_theta_size(&lt) + 1, sizeof *th, err)))
        rc = -1;
    if (rc == 0)
        rc = lin_tab_solve(&lt, 0, o->ridge, th, err);
    if (rc == 0)
        rc = lin_tab_rows(&lt, log, pol, th, qa, v, err);
    free(th);
    lin_tab_release(&lt);
    return rc;
}

static int vm_linear(const struct tlog *log, size_t pol, double gamma, const struct vm_opts *o,
                     double *qa, double *v, struct ope_error *err)
{
    if (log->n_features == 0 && (!log->state || log->n_states <= 0))
        return ope_fail(err, OPE_EDATA, "the value model needs state features (s*) or a "
                        "tabular state column");
    if (o->kind == VM_LINEAR_FQE || o->kind == VM_LSTD)
        return linear_by_sums(log, pol, gamma, o, o->kind, qa, v, err);
    return vm_td_fit(log, pol, gamma, o, qa, v, err);
}

int vm_fit(const struct tlog *log, size_t pol, double gamma, const struct vm_opts *o,
           double *qa, double *v, struct ope_error *err)
{
    if (o->kind == VM_FQE) {
        if (!log->state || log->n_states <= 0)
            return vm_fqe_tabular(log, pol, gamma, NULL, err);
        size_t n = (size_t)log->horizon * (size_t)log->n_states * (size_t)log->n_actions;
        double *Q = ope_malloc((n ? n : 1) * sizeof *Q, err);
        if (!Q || vm_fqe_tabular(log, pol, gamma, Q, err) != 0) {
            free(Q);
            return -1;
        }
        vm_rows_from_table(log, pol, Q, (size_t)log->n_states, qa, v);
        free(Q);
        return 0;
    }
    if (o->kind < 0 || o->kind > VM_GTD2)
        return ope_fail(err, OPE_EUSAGE, "unknown value model; use one of fqe, linear-fqe, "
                        "lstd, td, gtd2");
    return vm_linear(log, pol, gamma, o, qa, v, err);
}
