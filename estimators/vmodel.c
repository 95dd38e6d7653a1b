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

/* Does row j (in an episode ending at row end, of length len) have an observed next
 * state (1), end in the absorbing zero-value state (0), or have no observed outcome
 * (-1: the last step of a full-length episode, truncated by the horizon)? */
static int next_kind(const struct tlog *log, size_t j, size_t end, size_t len)
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
        if (end > b0 && next_kind(log, end - 1, end, end - b0) < 0)
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
            if (next_kind(log, j, end, end - b) >= 0)
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
            if (next_kind(log, j, end, end - b) >= 0)
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

static void vm_phi(const struct tlog *log, size_t j, double *phi)
{
    size_t p = vm_phi_dim(log);
    if (log->n_features > 0) {
        for (size_t k = 0; k < log->n_features; k++)
            phi[k] = log->feature[k][j];
        phi[log->n_features] = 1.0;
        return;
    }
    memset(phi, 0, p * sizeof *phi);
    phi[log->state[j]] = 1.0;
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t k = 0; k < n; k++)
        s += a[k] * b[k];
    return s;
}

/* linear-fqe and lstd (kind) from their sums (lintab.h), gathered in chunks of
 * ACC_CHUNK episodes as a log read in windows gathers them, so both fit the same model.
 * qa NULL: solved only (lstd's check of its fixed point, for td and gtd2). */
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
    if (rc == 0 && qa)
        rc = lin_tab_rows(&lt, log, pol, th, qa, v, err);
    free(th);
    lin_tab_release(&lt);
    return rc;
}

/* td and gtd2 approach LSTD's fixed point, solved here first into v (n_steps values):
 * where it does not exist (lintab.c's solve_lstd: the ridge alone decides it, as at
 * gamma 1 when every episode ends by the horizon) they drift to an arbitrary answer in
 * as many epochs, so they are refused the same way, before the epochs. 0 or -1. */
static int td_target(const struct tlog *log, size_t pol, double gamma, const struct vm_opts *o,
                     double *qa, double *v, struct ope_error *err)
{
    if (linear_by_sums(log, pol, gamma, o, VM_LSTD, qa, v, err) == 0)
        return 0;
    char rest[sizeof err->msg];
    const char *m = err->msg;
    int said = strncmp(m, "lstd: ", 6) == 0;
    snprintf(rest, sizeof rest, "%s", said ? m + 6 : m);
    return ope_fail(err, err->status, said ? "%s heads for LSTD's fixed point, and %s"
                                           : "%s checks LSTD's fixed point first: %s",
                    vm_kind_name(o->kind), rest);
}

/* Parameters up to which td and gtd2 are checked against LSTD's solution below gamma
 * 1 (its LU is (A p)^3 / 3 flops: well under a second here). At gamma 1 the check is
 * always made: there the fixed point may not exist. */
#define TD_CHECK_DIM 1024
/* How far td or gtd2 may stop from LSTD's values (largest difference over the log's
 * steps, relative to LSTD's largest value, or to a tenth of the largest reward when
 * the values are smaller: a policy worth about 0 would otherwise fail on rounding) and
 * still count as converged. Seen on generated logs at gamma 0.9 and 0.95: td within
 * 2%, gtd2 36% to 216% away after its 200 epochs. */
#define TD_CONVERGED 0.25

/* The stationary (discounted) backends: Q(s,a) = e_a (x) phi(s) . theta with the fixed
 * point of the projected Bellman equation of pi_e over the pooled transitions,
 * A theta = b with A = sum psi (psi - gamma psi')^T, b = sum psi r, psi' the pi_e
 * average of the next row's features (0 at an episode's end). The same Q̂ serves
 * every step t (a horizon-free model: dm is then biased by the ignored horizon when
 * gamma^T is not small, while dr stays unbiased). */
struct lin_data {
    size_t m, d;                /* transitions, parameters */
    double gamma;
    double *psi, *psin, *r;     /* [m * d], [m * d], [m] */
    double *pin;                /* [m] pi_e(a_{j}|s_j) for the trace cut */
    size_t *ep_end;             /* [m] 1 if the transition ends its episode */
};

static int lin_data_build(const struct tlog *log, size_t pol, double gamma,
                          const struct vm_opts *o, struct lin_data *D, struct ope_error *err)
{
    size_t p = vm_phi_dim(log), A = (size_t)log->n_actions, d = A * p;
    memset(D, 0, sizeof *D);
    /* Every transition's features and next features, dense: checked before they are
     * allocated (a one-hot of sparse state ids is as wide as the largest id). */
    double bytes = 16.0 * (double)log->n_steps * (double)d;
    if (o->max_bytes && bytes > (double)o->max_bytes)
        return ope_fail(err, OPE_EDATA, "%s: %s keeps every step's features, %.3g MB with "
                        "%zu steps of width %zu (%s), past the memory budget of %.3g MB: %s",
                        log->path ? log->path : "log", vm_kind_name(o->kind),
                        bytes / 1048576.0, log->n_steps, d,
                        log->n_features ? "the actions times the s* features and a constant"
                                        : "the actions times a one-hot of the states: the "
                                          "largest state id + 1",
                        (double)o->max_bytes / 1048576.0,
                        log->n_features ? "use --value-model lstd (its sums only)"
                                        : "number the states densely if their ids are sparse, "
                                          "or use --value-model fqe");
    D->d = d;
    D->gamma = gamma;
    D->psi = ope_calloc(log->n_steps * d + 1, sizeof *D->psi, err);
    D->psin = ope_calloc(log->n_steps * d + 1, sizeof *D->psin, err);
    D->r = ope_malloc((log->n_steps + 1) * sizeof *D->r, err);
    D->pin = ope_malloc((log->n_steps + 1) * sizeof *D->pin, err);
    D->ep_end = ope_malloc((log->n_steps + 1) * sizeof *D->ep_end, err);
    double *phi = ope_malloc(p * sizeof *phi, err);
    if (!D->psi || !D->psin || !D->r || !D->pin || !D->ep_end || !phi) {
        free(phi);
        return -1;
    }
    size_t m = 0;
    for (size_t e = 0; e < log->n_episodes; e++) {
        size_t b0 = log->ep_start[e], end = log->ep_start[e + 1];
        for (size_t j = b0; j < end; j++) {
            int nk = next_kind(log, j, end, end - b0);
            if (nk < 0)
                continue;
            vm_phi(log, j, phi);
            memcpy(D->psi + m * d + (size_t)log->action[j] * p, phi, p * sizeof *phi);
            if (nk == 1) {
                vm_phi(log, j + 1, phi);
                for (size_t a = 0; a < A; a++)
                    for (size_t k = 0; k < p; k++)
                        D->psin[m * d + a * p + k] =
                            gamma * log->policy[pol].prob[a][j + 1] * phi[k];
            }
            D->r[m] = log->reward[j];
            D->pin[m] = log->policy[pol].prob[log->action[j]][j];
            D->ep_end[m] = nk != 1;
            m++;
        }
    }
    D->m = m;
    free(phi);
    return 0;
}

static void lin_data_release(struct lin_data *D)
{
    free(D->psi), free(D->psin), free(D->r), free(D->pin), free(D->ep_end);
}

/* Online TD(lambda) (tree-backup traces, cut by pi_e(a|s), so the off-policy fixed
 * point is the LSTD one) or GTD2, over the transitions in log order for o->epochs
 * passes; step o->step / (1 + epoch / 10); the returned theta is the average of the
 * iterates over the second half of the passes (Polyak-Ruppert). */
static int td_run(const struct lin_data *D, const struct vm_opts *o, int gtd2, double *th,
                  struct ope_error *err)
{
    size_t d = D->d;
    double *e = ope_calloc(d, sizeof *e, err), *w = ope_calloc(d, sizeof *w, err);
    double *cur = ope_calloc(d, sizeof *cur, err);
    if (!e || !w || !cur) {
        free(e), free(w), free(cur);
        return -1;
    }
    memset(th, 0, d * sizeof *th);
    int start = o->epochs / 2, navg = 0;
    for (int ep = 0; ep < o->epochs; ep++) {
        double alpha = o->step / (1.0 + 0.1 * ep);
        for (size_t m = 0; m < D->m; m++) {
            const double *ps = D->psi + m * d, *pn = D->psin + m * d;
            double delta = D->r[m] + dot(pn, cur, d) - dot(ps, cur, d);
            if (!gtd2) {
                for (size_t k = 0; k < d; k++)
                    e[k] = D->gamma * o->lambda * D->pin[m] * e[k] + ps[k];
                for (size_t k = 0; k < d; k++)
                    cur[k] += alpha * delta * e[k];
                if (D->ep_end[m])
                    memset(e, 0, d * sizeof *e);
            } else {
                double pw = dot(ps, w, d);
                for (size_t k = 0; k < d; k++)
                    cur[k] += alpha * (ps[k] - pn[k]) * pw;
                for (size_t k = 0; k < d; k++)
                    w[k] += alpha * (delta - pw) * ps[k];
            }
        }
        if (ep >= start) {
            navg++;
            for (size_t k = 0; k < d; k++)
                th[k] += (cur[k] - th[k]) / navg;
        }
    }
    free(e), free(w), free(cur);
    for (size_t k = 0; k < d; k++)
        if (!isfinite(th[k]))
            return ope_fail(err, OPE_EDATA, "%s diverged: its parameters overflowed "
                            "(off-policy stochastic approximation on linear features need "
                            "not converge, and its step size is fixed at %g): use "
                            "--value-model lstd, the fixed point it heads for, solved "
                            "directly (and rescale the s* columns to about unit size if they "
                            "are large)", gtd2 ? "gtd2" : "td", o->step);
    return 0;
}

/* What td or gtd2 reached (values v at every step), checked:
 * - against what the rewards can sum to, max |r| over 1 / (1 - gamma) steps (the
 *   horizon at gamma 1), with a factor of 10 to spare for a linear model's misfit:
 *   they drifted far without overflowing (dm 2.3e9 and 8e221 on rewards in [0, 1]);
 * - when LSTD's values vl are given, against the fixed point they head for
 *   (TD_CONVERGED). 0, or -1 with err. */
static int td_checked(const struct tlog *log, size_t pol, const struct vm_opts *o,
                      double gamma, const double *v, const double *vl, struct ope_error *err)
{
    double rmax = 0.0, vmax = 0.0, diff = 0.0, top = 0.0;
    for (size_t i = 0; i < log->n_steps; i++) {
        rmax = fmax(rmax, fabs(log->reward[i]));
        vmax = fmax(vmax, fabs(v[i]));
        if (vl) {
            diff = fmax(diff, fabs(v[i] - vl[i]));
            top = fmax(top, fabs(vl[i]));
        }
    }
    double steps = gamma < 1.0 ? 1.0 / (1.0 - gamma) : (double)log->horizon;
    if (!(vmax <= 10.0 * rmax * steps))
        return ope_fail(err, OPE_EDATA, "%s diverged: its values reach %.3g, beyond the %.3g "
                        "that rewards of at most %g can sum to over %.4g%s steps (off-policy "
                        "stochastic approximation on linear features need not converge, and "
                        "its step size is fixed at %g): use --value-model lstd, the fixed "
                        "point it heads for, solved directly (and rescale the s* columns to "
                        "about unit size if they are large)", vm_kind_name(o->kind), vmax,
                        rmax * steps, rmax, steps, gamma < 1.0 ? " discounted" : "", o->step);
    double scale = fmax(top, 0.1 * rmax);
    if (!vl || !(scale > 0.0) || diff <= TD_CONVERGED * scale)
        return 0;
    return ope_fail(err, OPE_EDATA, "%s stopped %.0f%% away from the fixed point it heads for "
                    "(LSTD's), for policy %s: its values differ by up to %.3g where LSTD's "
                    "reach %.3g; not converged in %d epochs at a step size of %g; use "
                    "--value-model lstd, which solves for that point directly",
                    vm_kind_name(o->kind), 100.0 * diff / scale, log->policy[pol].name, diff,
                    top, o->epochs, o->step);
}

static int vm_linear(const struct tlog *log, size_t pol, double gamma, const struct vm_opts *o,
                     double *qa, double *v, struct ope_error *err)
{
    if (log->n_features == 0 && (!log->state || log->n_states <= 0))
        return ope_fail(err, OPE_EDATA, "the value model needs state features (s*) or a "
                        "tabular state column");
    if (o->kind == VM_LINEAR_FQE || o->kind == VM_LSTD)
        return linear_by_sums(log, pol, gamma, o, o->kind, qa, v, err);
    struct lin_data D;
    memset(&D, 0, sizeof D);
    double *th = NULL, *ql = NULL, *vl = NULL;
    int rc = -1;
    size_t d = (size_t)log->n_actions * vm_phi_dim(log);
    if ((gamma >= 1.0 || d <= TD_CHECK_DIM) &&
        (!(ql = ope_malloc((log->n_steps + 1) * sizeof *ql, err)) ||
         !(vl = ope_malloc((log->n_steps + 1) * sizeof *vl, err)) ||
         td_target(log, pol, gamma, o, ql, vl, err) != 0))
        goto out;
    if (lin_data_build(log, pol, gamma, o, &D, err) != 0)
        goto out;
    if (D.m == 0) {
        ope_fail(err, OPE_EDATA, "%s heads for LSTD's fixed point, and %s",
                 vm_kind_name(o->kind), LSTD_NO_OUTCOME);
        goto out;
    }
    if (!(th = ope_calloc(D.d, sizeof *th, err)) || td_run(&D, o, o->kind == VM_GTD2, th, err))
        goto out;
    rc = lin_rows(log, pol, log->n_features, vm_phi_dim(log), 0, th, qa, v, NULL, err);
    if (rc == 0)
        rc = td_checked(log, pol, o, gamma, v, vl, err);
out:
    lin_data_release(&D);
    free(th);
    free(ql);
    free(vl);
    return rc;
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
