/* ope/learn/explore/offline.c: the baseline learned from a logged dataset (Li et al. 2023's
 * offline variant): check that the log can come from the environment, clone the
 * logged actions by counts, and certify the clone's value pessimistically on the
 * empirical model of the logged transitions, with the same bonus as the online
 * learner (ucbvi.h). */
#include "config.h"
#include "ope/learn/explore/offline.h"
#include "datasets/csv.h"
#include "datasets/mdp.h"
#include "datasets/tlog.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1-based column of header name `name` in the log's file, 0 when unknown (a log built
 * in memory, or an unreadable header: the message then names no column). */
static size_t header_col(const struct tlog *t, const char *name)
{
    struct ope_error e = {0};
    if (!t->path)
        return 0;
    struct csv_reader *csv = csv_open(t->path, ',', &e);
    const struct csv_field *f;
    size_t n, col = 0;
    if (csv && csv_next(csv, &f, &n, &e) == 1)
        for (size_t j = 0; j < n && !col; j++)
            if (strcmp(f[j].s, name) == 0)
                col = j + 1;
    csv_close(csv);
    return col;
}

/* "path:line:col: column 'name'" or "log row i" for a message about row i. */
static void where(const struct tlog *t, size_t i, const char *name, char *buf, size_t len)
{
    size_t col = header_col(t, name);
    if (t->path && t->line && col)
        snprintf(buf, len, "%s:%zu:%zu: column '%s'", t->path, t->line[i], col, name);
    else if (t->path && t->line)
        snprintf(buf, len, "%s:%zu: column '%s'", t->path, t->line[i], name);
    else
        snprintf(buf, len, "log row %zu: column '%s'", i + 1, name);
}

/* A terminal state that (s, a) can enter under m, or -1. */
static int terminal_next(const struct mdp *m, int s, int a)
{
    size_t S = (size_t)m->n_states, sa = (size_t)s * (size_t)m->n_actions + (size_t)a;
    for (size_t t = 0; t < S; t++)
        if (m->terminal[t] && m->P[sa * S + t] > 0.0)
            return (int)t;
    return -1;
}

/* One row's own checks: state, action, reward, and the start state. */
static int check_row(const struct tlog *t, const struct mdp *m, size_t i, int first,
                     struct ope_error *err)
{
    char w[1200];
    int S = m->n_states, A = m->n_actions, s = t->state[i], a = t->action[i];
    double r = t->reward[i];
    if (s < 0 || s >= S) {
        where(t, i, "state", w, sizeof w);
        return ope_fail(err, OPE_EDATA, "%s: state %d, but the environment has %d states "
                        "(0..%d); was the log sampled from another environment or other "
                        "--param values?", w, s, S, S - 1);
    }
    if (m->terminal[s]) {
        where(t, i, "state", w, sizeof w);
        return ope_fail(err, OPE_EDATA, "%s: state %d is terminal in this environment, so "
                        "no step can be taken in it", w, s);
    }
    if (first && !(m->mu0[s] > 0.0)) {
        where(t, i, "state", w, sizeof w);
        return ope_fail(err, OPE_EDATA, "%s: an episode starts in state %d, where this "
                        "environment never starts (another start= parameter?)", w, s);
    }
    if (a < 0 || a >= A) {
        where(t, i, "action", w, sizeof w);
        return ope_fail(err, OPE_EDATA, "%s: action %d, but the environment has %d actions "
                        "(0..%d)", w, a, A, A - 1);
    }
    if (!(r >= 0.0 && r <= 1.0)) {
        where(t, i, "reward", w, sizeof w);
        return ope_fail(err, OPE_EDATA, "%s: reward %g; conservative exploration needs "
                        "rewards in [0, 1] (was the log sampled with reward noise?)", w, r);
    }
    return 0;
}

int xpl_offline_check(const struct tlog *t, const struct mdp *m, struct ope_error *err)
{
    const char *path = t->path ? t->path : "log";
    size_t S = (size_t)m->n_states, A = (size_t)m->n_actions;
    if (!t->state || t->n_states <= 0)
        return ope_fail(err, OPE_EDATA, "%s:1: the log has no tabular 'state' column; a "
                        "baseline learned offline needs the state of every step", path);
    for (size_t e = 0; e < t->n_episodes; e++) {
        size_t i0 = t->ep_start[e], i1 = t->ep_start[e + 1];
        for (size_t i = i0; i < i1; i++) {
            if (check_row(t, m, i, i == i0, err) < 0)
                return -1;
            int s = t->state[i], a = t->action[i];
            size_t sa = (size_t)s * A + (size_t)a;
            char w[1200];
            if (i + 1 < i1) {
                int s2 = t->state[i + 1];
                if (s2 >= 0 && (size_t)s2 < S && !(m->P[sa * S + (size_t)s2] > 0.0)) {
                    where(t, i + 1, "state", w, sizeof w);
                    return ope_fail(err, OPE_EDATA, "%s: state %d follows state %d and action "
                                    "%d, a step this environment cannot take; was the log "
                                    "sampled from another environment?", w, s2, s, a);
                }
            } else if (t->done && t->done[i] && terminal_next(m, s, a) < 0) {
                where(t, i, "done", w, sizeof w);
                return ope_fail(err, OPE_EDATA, "%s: the episode ends (done = 1) in state %d "
                                "with action %d, but this environment cannot end there", w, s,
                                a);
            }
        }
    }
    /* Every logged action fits; only policy columns can ask for more actions. */
    if (t->n_actions > m->n_actions)
        return ope_fail(err, OPE_EDATA, "%s:1: the log's policy columns are for %d actions, "
                        "but the environment has %d", path, t->n_actions, m->n_actions);
    return 0;
}

void xpl_offline_release(struct xpl_offline *o)
{
    free(o->pb);
    free(o->Ns);
    o->pb = o->Ns = NULL;
}

/* pi-hat^b(a|s) = N(s,a) / N(s), the maximum-likelihood (count-based) clone; the
 * uniform policy where the log never went (its pessimistic value there is 0 anyway). */
static void clone_policy(const struct tlog *t, struct xpl_offline *o)
{
    size_t S = (size_t)o->S, A = (size_t)o->A;
    for (size_t i = 0; i < t->n_steps; i++) {
        o->pb[(size_t)t->state[i] * A + (size_t)t->action[i]] += 1.0;
        o->Ns[t->state[i]] += 1.0;
    }
    for (size_t s = 0; s < S; s++) {
        double *p = o->pb + s * A;
        o->states_seen += o->Ns[s] > 0.0;
        for (size_t a = 0; a < A; a++)
            p[a] = o->Ns[s] > 0.0 ? p[a] / o->Ns[s] : 1.0 / (double)A;
    }
}

/* The logged transitions as counts: (s_t, a_t, r_t, s_{t+1}) inside an episode, and
 * on a done = 1 step a terminal state m can enter (every terminal state has value 0,
 * so which one does not matter). The last step of a truncated episode shows no next
 * state and is left out of the model (its action still counts for the clone). */
static size_t observe_log(const struct tlog *t, const struct mdp *m, struct xpl_model *x)
{
    size_t used = 0;
    for (size_t e = 0; e < t->n_episodes; e++) {
        size_t i0 = t->ep_start[e], i1 = t->ep_start[e + 1];
        for (size_t i = i0; i < i1; i++) {
            int s2 = i + 1 < i1 ? t->state[i + 1]
                   : t->done && t->done[i] ? terminal_next(m, t->state[i], t->action[i])
                   : -1;
            if (s2 < 0)
                continue;
            xpl_model_observe(x, t->state[i], t->action[i], t->reward[i], s2);
            used++;
        }
    }
    return used;
}

int xpl_offline_learn(const struct tlog *t, const struct mdp *m, const struct xpl_bonus *b,
                      double delta, int L_fixed, struct xpl_offline *o,
                      struct ope_error *err)
{
    memset(o, 0, sizeof *o);
    if (xpl_offline_check(t, m, err) < 0)
        return -1;
    o->S = m->n_states;
    o->A = m->n_actions;
    o->n_episodes = t->n_episodes;
    o->n_steps = t->n_steps;
    o->pb = ope_calloc((size_t)o->S * (size_t)o->A, sizeof *o->pb, err);
    o->Ns = o->pb ? ope_calloc((size_t)o->S, sizeof *o->Ns, err) : NULL;
    struct xpl_model *x = o->Ns ? xpl_model_new(m, err) : NULL;
    double *work = x ? ope_malloc(2 * (size_t)o->S * sizeof *work, err) : NULL;
    if (!work) {
        xpl_model_free(x);
        xpl_offline_release(o);
        return -1;
    }
    clone_policy(t, o);
    o->n_transitions = observe_log(t, m, x);
    xpl_model_refresh(x);
    /* The offline confidence event: the same union bound as online (exploration.md,
     * L = log(5 S A H K / delta)) with the N logged episodes in place of K. */
    struct xpl_bonus bo = *b;
    o->L = bo.L = L_fixed ? b->L
                          : xpl_log_term(o->S, o->A, m->horizon,
                                         (long)(t->n_episodes ? t->n_episodes : 1), delta);
    /* V-underbar^b: backward induction on the logged model with the bonus subtracted and
     * clipped at 0 (pairs never logged are worth 0), i.e. the rho = 0 case of StepMix's
     * f(rho). Under the confidence event it is below the clone's true value, so the
     * clone, played as the fallback, meets any threshold (1 - alpha) V-underbar^b. */
    o->Vb_lower = xpl_eval_model(x, &bo, -1, 0.0, NULL, o->pb);
    o->Vb_plugin = xpl_eval_model(x, &bo, 0, 0.0, NULL, o->pb);
    o->Vb_exact = xpl_eval_true(m, m->horizon, 0.0, NULL, o->pb, work);
    free(work);
    xpl_model_free(x);
    return 0;
}
