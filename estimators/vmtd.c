/* estimators/vmtd.c: td and gtd2 (vmtd.h), in memory and from windows, by one
 * iteration whose state a window hands to the next. */
#include "config.h"
#include "estimators/vmtd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/lintab.h"

/* How far td or gtd2 may stop from LSTD's values (largest difference over the log's
 * steps, relative to LSTD's largest value, or to a tenth of the largest reward when
 * the values are smaller: a policy worth about 0 would otherwise fail on rounding) and
 * still count as converged. Seen on generated logs at gamma 0.9 and 0.95: td within
 * 2%, gtd2 36% to 216% away after its 200 epochs. */
#define TD_CONVERGED 0.25

/* The dense rows a window's chunk of transitions may take before it is cut (at least
 * one episode), or a quarter of the models' memory budget when that is less: a window
 * of wide one-hot features would otherwise take gigabytes. */
#define TD_CHUNK_BYTES ((size_t)32 << 20)

int vm_td_targets(double gamma, size_t d)
{
    return gamma >= 1.0 || d <= VM_TD_CHECK_DIM;
}

int vm_td_target_failed(int kind, struct ope_error *err)
{
    char rest[sizeof err->msg];
    const char *m = err->msg;
    int said = strncmp(m, "lstd: ", 6) == 0;
    snprintf(rest, sizeof rest, "%s", said ? m + 6 : m);
    return ope_fail(err, err->status, said ? "%s heads for LSTD's fixed point, and %s"
                                           : "%s checks LSTD's fixed point first: %s",
                    vm_kind_name(kind), rest);
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t k = 0; k < n; k++)
        s += a[k] * b[k];
    return s;
}

/* ---- the rows ------------------------------------------------------------------------ */

static int rows_reserve(struct td_rows *D, size_t m, size_t d, struct ope_error *err)
{
    D->d = d;
    if (m <= D->cap)
        return 0;
    free(D->psi), free(D->psin), free(D->r), free(D->pin), free(D->end);
    D->cap = 0;
    D->psi = ope_malloc(m * d * sizeof *D->psi + 1, err);
    D->psin = ope_malloc(m * d * sizeof *D->psin + 1, err);
    D->r = ope_malloc(m * sizeof *D->r, err);
    D->pin = ope_malloc(m * sizeof *D->pin, err);
    D->end = ope_malloc(m, err);
    if (!D->psi || !D->psin || !D->r || !D->pin || !D->end)
        return -1;
    D->cap = m;
    return 0;
}

static void rows_release(struct td_rows *D)
{
    free(D->psi), free(D->psin), free(D->r), free(D->pin), free(D->end);
    memset(D, 0, sizeof *D);
}

/* phi(s_j) of width p into x: the s* features and a constant, or a one-hot of the
 * state (< p, checked by the caller); scaled by f. */
static void phi_add(const struct tlog *log, size_t j, size_t nf, double f, double *x)
{
    if (nf > 0) {
        for (size_t k = 0; k < nf; k++)
            x[k] = f * log->feature[k][j];
        x[nf] = f;
        return;
    }
    x[log->state[j]] = f;
}

/* The transitions of episodes e0..e1-1 of log (its horizon the whole log's) for policy
 * pol into D (width p per action). What a step of an episode cut by the horizon has no
 * outcome for is left out (vm_next_kind). policy_only: D holds those episodes already
 * (another policy's), and only what is the policy's is made again. 0, or -1 with err. */
static int rows_build(struct td_rows *D, const struct tlog *log, size_t pol, double gamma,
                      size_t nf, size_t p, size_t e0, size_t e1, int policy_only,
                      struct ope_error *err)
{
    size_t A = (size_t)log->n_actions, d = A * p;
    size_t steps = log->ep_start[e1] - log->ep_start[e0];
    if (!policy_only && rows_reserve(D, steps, d, err) != 0)
        return -1;
    if (nf == 0 && !policy_only)
        for (size_t j = log->ep_start[e0]; j < log->ep_start[e1]; j++)
            if (log->state[j] < 0 || (size_t)log->state[j] >= p)
                return ope_fail(err, OPE_EDATA, "%s: state %d, past the %zu the value model "
                                "was laid out for: the log changed while it was read",
                                log->path ? log->path : "log", log->state[j], p);
    size_t m = 0;
    for (size_t e = e0; e < e1; e++) {
        size_t b0 = log->ep_start[e], end = log->ep_start[e + 1];
        for (size_t j = b0; j < end; j++) {
            int nk = vm_next_kind(log, j, end, end - b0);
            if (nk < 0)
                continue;
            double *ps = D->psi + m * d, *pn = D->psin + m * d;
            if (!policy_only) {
                memset(ps, 0, d * sizeof *ps);
                phi_add(log, j, nf, 1.0, ps + (size_t)log->action[j] * p);
                D->r[m] = log->reward[j];
                D->end[m] = nk != 1;
            }
            memset(pn, 0, d * sizeof *pn);
            if (nk == 1)
                for (size_t a = 0; a < A; a++)
                    phi_add(log, j + 1, nf, gamma * log->policy[pol].prob[a][j + 1],
                            pn + a * p);
            D->pin[m] = log->policy[pol].prob[log->action[j]][j];
            m++;
        }
    }
    D->m = m;
    return 0;
}

/* ---- the iteration --------------------------------------------------------------------- */

/* One epoch's steps over D's transitions (online TD(lambda) with tree-backup traces cut
 * by pi_e(a|s), so the off-policy fixed point is the LSTD one; or GTD2) at step size
 * alpha. The trace carries from one call to the next as from one transition to the
 * next: it is cut at an episode's observed end only. */
static void iterate(const struct td_rows *D, const struct vm_opts *o, double gamma, int gtd2,
                    double alpha, struct td_iter *it)
{
    size_t d = D->d;
    double *cur = it->cur, *e = it->e, *w = it->w;
    for (size_t m = 0; m < D->m; m++) {
        const double *ps = D->psi + m * d, *pn = D->psin + m * d;
        double delta = D->r[m] + dot(pn, cur, d) - dot(ps, cur, d);
        if (!gtd2) {
            for (size_t k = 0; k < d; k++)
                e[k] = gamma * o->lambda * D->pin[m] * e[k] + ps[k];
            for (size_t k = 0; k < d; k++)
                cur[k] += alpha * delta * e[k];
            if (D->end[m])
                memset(e, 0, d * sizeof *e);
        } else {
            double pw = dot(ps, w, d);
            for (size_t k = 0; k < d; k++)
                cur[k] += alpha * (ps[k] - pn[k]) * pw;
            for (size_t k = 0; k < d; k++)
                w[k] += alpha * (delta - pw) * ps[k];
        }
    }
}

/* The step size of epoch ep: o->step / (1 + ep / 10). */
static double step_size(const struct vm_opts *o, int ep)
{
    return o->step / (1.0 + 0.1 * ep);
}

int vm_td_init(struct vm_td *s, const struct vm_opts *o, double gamma, size_t A, size_t nf,
               size_t p, int T, size_t P, const size_t *pol, struct ope_error *err)
{
    memset(s, 0, sizeof *s);
    s->o = *o;
    s->gamma = gamma;
    s->A = A, s->nf = nf, s->p = p, s->d = A * p, s->T = T;
    s->P = P, s->pol = pol;
    if (!(s->it = ope_calloc(P ? P : 1, sizeof *s->it, err)))
        return -1;
    for (size_t q = 0; q < P; q++) {
        struct td_iter *it = &s->it[q];
        it->cur = ope_calloc(s->d + 1, sizeof *it->cur, err);
        it->e = ope_calloc(s->d + 1, sizeof *it->e, err);
        it->w = ope_calloc(s->d + 1, sizeof *it->w, err);
        it->th = ope_calloc(s->d + 1, sizeof *it->th, err);
        if (!it->cur || !it->e || !it->w || !it->th)
            return -1;
    }
    return 0;
}

void vm_td_release(struct vm_td *s)
{
    for (size_t q = 0; s->it && q < s->P; q++)
        free(s->it[q].cur), free(s->it[q].e), free(s->it[q].w), free(s->it[q].th);
    free(s->it);
    rows_release(&s->D);
    memset(s, 0, sizeof *s);
}

int vm_td_window(struct vm_td *s, const struct tlog *w, struct ope_error *err)
{
    /* The window's own horizon is its episodes'; which last steps have an outcome is
     * the whole log's. */
    struct tlog wt = *w;
    wt.horizon = s->T;
    for (size_t e = 0; e < w->n_episodes; e++)
        if (w->ep_start[e + 1] - w->ep_start[e] > (size_t)s->T)
            return ope_fail(err, OPE_EDATA, "%s: an episode longer than the horizon of %d "
                            "steps the value model was fitted for: the log changed while it "
                            "was read", w->path ? w->path : "log", s->T);
    size_t bytes = s->o.max_bytes && s->o.max_bytes / 4 < TD_CHUNK_BYTES ? s->o.max_bytes / 4
                                                                         : TD_CHUNK_BYTES;
    size_t per = 16 * (s->d ? s->d : 1), cap = bytes / per;
    double alpha = step_size(&s->o, s->epoch);
    for (size_t e0 = 0, e1; e0 < w->n_episodes; e0 = e1) {
        /* At least one episode; then whole episodes while the chunk's rows fit. */
        for (e1 = e0 + 1; e1 < w->n_episodes &&
                          w->ep_start[e1 + 1] - w->ep_start[e0] <= cap; e1++)
            ;
        /* One episode past the budget alone: the log in memory is refused for less. */
        double one = 16.0 * (double)(w->ep_start[e0 + 1] - w->ep_start[e0]) * (double)s->d;
        if (e1 == e0 + 1 && s->o.max_bytes && one > (double)s->o.max_bytes)
            return ope_fail(err, OPE_EDATA, "%s: %s takes the features of every step of an "
                            "episode at once, %.3g MB for an episode of %zu steps of width "
                            "%zu, past the memory budget of %.3g MB: use --value-model lstd "
                            "(its sums only)", w->path ? w->path : "log",
                            vm_kind_name(s->o.kind), one / 1048576.0,
                            w->ep_start[e0 + 1] - w->ep_start[e0], s->d,
                            (double)s->o.max_bytes / 1048576.0);
        for (size_t q = 0; q < s->P; q++) {
            /* psi, rewards and ends are the window's; only psin and pi_e are the policy's */
            if (rows_build(&s->D, &wt, s->pol[q], s->gamma, s->nf, s->p, e0, e1, q > 0,
                           err) != 0)
                return -1;
            if (q == 0)
                s->m += s->D.m;
            iterate(&s->D, &s->o, s->gamma, s->o.kind == VM_GTD2, alpha, &s->it[q]);
        }
    }
    return 0;
}

int vm_td_epoch_end(struct vm_td *s, struct ope_error *err)
{
    if (s->m == 0)
        return ope_fail(err, OPE_EDATA, "%s heads for LSTD's fixed point, and %s",
                        vm_kind_name(s->o.kind), LSTD_NO_OUTCOME);
    if (s->epoch >= s->o.epochs / 2)
        for (size_t q = 0; q < s->P; q++) {
            struct td_iter *it = &s->it[q];
            it->navg++;
            for (size_t k = 0; k < s->d; k++)
                it->th[k] += (it->cur[k] - it->th[k]) / it->navg;
        }
    s->epoch++;
    s->m = 0;
    return 0;
}

int vm_td_theta(const struct vm_td *s, size_t q, double *th, struct ope_error *err)
{
    for (size_t k = 0; k < s->d; k++)
        if (!isfinite(s->it[q].th[k]))
            return ope_fail(err, OPE_EDATA, "%s diverged: its parameters overflowed "
                            "(off-policy stochastic approximation on linear features need "
                            "not converge, and its step size is fixed at %g): use "
                            "--value-model lstd, the fixed point it heads for, solved "
                            "directly (and rescale the s* columns to about unit size if they "
                            "are large)", vm_kind_name(s->o.kind), s->o.step);
    memcpy(th, s->it[q].th, s->d * sizeof *th);
    return 0;
}

/* ---- the check ------------------------------------------------------------------------- */

int vm_td_check_init(struct vm_td_check *c, size_t P, int target, struct ope_error *err)
{
    memset(c, 0, sizeof *c);
    c->P = P;
    c->target = target;
    c->vmax = ope_calloc(P + 1, sizeof *c->vmax, err);
    c->diff = ope_calloc(P + 1, sizeof *c->diff, err);
    c->top = ope_calloc(P + 1, sizeof *c->top, err);
    return c->vmax && c->diff && c->top ? 0 : -1;
}

void vm_td_check_release(struct vm_td_check *c)
{
    free(c->vmax), free(c->diff), free(c->top);
    memset(c, 0, sizeof *c);
}

void vm_td_check_rewards(struct vm_td_check *c, const struct tlog *w)
{
    for (size_t i = 0; i < w->n_steps; i++)
        c->rmax = fmax(c->rmax, fabs(w->reward[i]));
}

void vm_td_check_add(struct vm_td_check *c, size_t q, size_t n, const double *v,
                     const double *vl)
{
    for (size_t i = 0; i < n; i++) {
        c->vmax[q] = fmax(c->vmax[q], fabs(v[i]));
        if (c->target) {
            c->diff[q] = fmax(c->diff[q], fabs(v[i] - vl[i]));
            c->top[q] = fmax(c->top[q], fabs(vl[i]));
        }
    }
}

/* Diverged: beyond what rewards of at most rmax sum to over 1 / (1 - gamma) steps (the
 * horizon at gamma 1), with a factor of 10 to spare for a linear model's misfit (td and
 * gtd2 drifted far without overflowing: dm 2.3e9 and 8e221 on rewards in [0, 1]).
 * Not converged: farther than TD_CONVERGED from LSTD's values. */
int vm_td_check_verdict(const struct vm_td_check *c, size_t q, const char *policy,
                        const struct vm_opts *o, double gamma, int T, struct ope_error *err)
{
    double rmax = c->rmax, vmax = c->vmax[q], diff = c->diff[q], top = c->top[q];
    double steps = gamma < 1.0 ? 1.0 / (1.0 - gamma) : (double)T;
    if (!(vmax <= 10.0 * rmax * steps))
        return ope_fail(err, OPE_EDATA, "%s diverged: its values reach %.3g, beyond the %.3g "
                        "that rewards of at most %g can sum to over %.4g%s steps (off-policy "
                        "stochastic approximation on linear features need not converge, and "
                        "its step size is fixed at %g): use --value-model lstd, the fixed "
                        "point it heads for, solved directly (and rescale the s* columns to "
                        "about unit size if they are large)", vm_kind_name(o->kind), vmax,
                        rmax * steps, rmax, steps, gamma < 1.0 ? " discounted" : "", o->step);
    double scale = fmax(top, 0.1 * rmax);
    if (!c->target || !(scale > 0.0) || diff <= TD_CONVERGED * scale)
        return 0;
    return ope_fail(err, OPE_EDATA, "%s stopped %.0f%% away from the fixed point it heads for "
                    "(LSTD's), for policy %s: its values differ by up to %.3g where LSTD's "
                    "reach %.3g; not converged in %d epochs at a step size of %g; use "
                    "--value-model lstd, which solves for that point directly",
                    vm_kind_name(o->kind), 100.0 * diff / scale, policy, diff, top, o->epochs,
                    o->step);
}

/* ---- a log in memory ------------------------------------------------------------------- */

/* The memory budget of the dense rows of every transition, which the log in memory
 * keeps for its epochs. 0, or -1 with err. */
static int rows_budget(const struct tlog *log, const struct vm_opts *o, size_t d,
                       struct ope_error *err)
{
    double bytes = 16.0 * (double)log->n_steps * (double)d;
    if (!o->max_bytes || bytes <= (double)o->max_bytes)
        return 0;
    /* --stream keeps a window's rows, but LSTD's sums too (evtraj_td.c): said only when
     * those fit. */
    size_t A = (size_t)log->n_actions;
    int stream = lin_tab_bytes(1, A, 1, d / (A ? A : 1)) <= (double)o->max_bytes;
    return ope_fail(err, OPE_EDATA, "%s: %s keeps every step's features, %.3g MB with "
                    "%zu steps of width %zu (%s), past the memory budget of %.3g MB: %s%s",
                    log->path ? log->path : "log", vm_kind_name(o->kind),
                    bytes / 1048576.0, log->n_steps, d,
                    log->n_features ? "the actions times the s* features and a constant"
                                    : "the actions times a one-hot of the states: the "
                                      "largest state id + 1",
                    (double)o->max_bytes / 1048576.0,
                    log->n_features ? "use --value-model lstd (its sums only)"
                                    : "number the states densely if their ids are sparse, "
                                      "or use --value-model fqe",
                    stream ? ", or --stream, which keeps one window's rows at a time" : "");
}

int vm_td_fit(const struct tlog *log, size_t pol, double gamma, const struct vm_opts *o,
              double *qa, double *v, struct ope_error *err)
{
    size_t p = log->n_features > 0 ? log->n_features + 1 : (size_t)log->n_states;
    size_t A = (size_t)log->n_actions, d = A * p;
    int target = vm_td_targets(gamma, d), rc = -1;
    struct vm_opts lo = *o;
    lo.kind = VM_LSTD;
    struct vm_td s;
    memset(&s, 0, sizeof s);
    struct vm_td_check c;
    memset(&c, 0, sizeof c);
    double *th = NULL, *ql = NULL, *vl = NULL;
    /* td and gtd2 approach LSTD's fixed point, solved here first: where it does not
     * exist (lintab.c's solve_lstd: the ridge alone decides it, as at gamma 1 when every
     * episode ends by the horizon) they drift to an arbitrary answer in as many epochs,
     * so they are refused the same way, before the epochs. */
    if (target && (!(ql = ope_malloc((log->n_steps + 1) * sizeof *ql, err)) ||
                   !(vl = ope_malloc((log->n_steps + 1) * sizeof *vl, err))))
        goto out;
    if (target && vm_fit(log, pol, gamma, &lo, ql, vl, err) != 0) {
        vm_td_target_failed(o->kind, err);
        goto out;
    }
    /* The rows are made once and gone over in every epoch. */
    if (rows_budget(log, o, d, err) != 0 ||
        vm_td_init(&s, o, gamma, A, (size_t)log->n_features, p, log->horizon, 1, &pol, err) ||
        rows_build(&s.D, log, pol, gamma, (size_t)log->n_features, p, 0, log->n_episodes, 0,
                   err) != 0)
        goto out;
    for (int ep = 0; ep < o->epochs; ep++) {
        iterate(&s.D, o, gamma, o->kind == VM_GTD2, step_size(o, ep), &s.it[0]);
        s.m = s.D.m;
        if (vm_td_epoch_end(&s, err) != 0)
            goto out;
    }
    if (s.D.m == 0 && vm_td_epoch_end(&s, err) != 0)
        goto out;
    if (!(th = ope_calloc(d + 1, sizeof *th, err)) || vm_td_theta(&s, 0, th, err) != 0 ||
        lin_rows(log, pol, (size_t)log->n_features, p, 0, th, qa, v, NULL, err) != 0 ||
        vm_td_check_init(&c, 1, target, err) != 0)
        goto out;
    vm_td_check_rewards(&c, log);
    vm_td_check_add(&c, 0, log->n_steps, v, vl);
    rc = vm_td_check_verdict(&c, 0, log->policy[pol].name, o, gamma, log->horizon, err);
out:
    vm_td_release(&s);
    vm_td_check_release(&c);
    free(th);
    free(ql);
    free(vl);
    return rc;
}
