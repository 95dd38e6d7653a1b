/* ope/learn/train/model.c: the learned-policy model shared by every training algorithm
 * (scores -> probabilities at a temperature), the registry, and small helpers over
 * the trajectory log (features of a row, next rows). */
#include "config.h"
#include "ope/learn/train/train.h"
#include "datasets/policy.h"
#include "datasets/tlog.h"
#include "ope/base/softmax.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const struct train_algo *const train_registry[] = {
    &train_bc, &train_fqi, &train_cevi, &train_prdc, NULL
};

const struct train_algo *train_find(const char *name)
{
    for (size_t i = 0; train_registry[i]; i++)
        if (strcmp(train_registry[i]->name, name) == 0)
            return train_registry[i];
    return NULL;
}

void train_opts_init(struct train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->gamma = NAN;
    o->smoothing = 0.5;
    o->l2 = 1e-3;
    o->beta = 2.0;
    o->alpha = 2.5;
    o->step = 0.5;
    o->seed = 12345;
}

double train_gamma(const struct tlog *log, const struct train_opts *o)
{
    return isnan(o->gamma) ? log->gamma : o->gamma;
}

struct train_model *train_model_new(enum train_kind kind, int n_states, int n_actions,
                                    size_t n_features, struct ope_error *err)
{
    struct train_model *m = ope_calloc(1, sizeof *m, err);
    if (!m)
        return NULL;
    m->kind = kind;
    m->n_states = n_states;
    m->n_actions = n_actions;
    m->n_features = n_features;
    size_t n = kind == TRAIN_TABULAR ? (size_t)n_states * (size_t)n_actions
                                     : (size_t)n_actions * (n_features + 1);
    if (!(m->score = ope_calloc(n ? n : 1, sizeof *m->score, err))) {
        free(m);
        return NULL;
    }
    return m;
}

void train_model_free(struct train_model *m)
{
    if (!m)
        return;
    free(m->score);
    free(m);
}

void train_model_scores(const struct train_model *m, int s, const double *x, double *out)
{
    int A = m->n_actions;
    if (m->kind == TRAIN_TABULAR) {
        memcpy(out, m->score + (size_t)s * (size_t)A, (size_t)A * sizeof *out);
        return;
    }
    size_t p = m->n_features + 1;
    for (int a = 0; a < A; a++) {
        const double *w = m->score + (size_t)a * p;
        double z = w[0];
        for (size_t j = 0; j < m->n_features; j++)
            z += w[j + 1] * x[j];
        out[a] = z;
    }
}

void train_model_probs(const struct train_model *m, double T, int s, const double *x,
                       double *out)
{
    int A = m->n_actions;
    train_model_scores(m, s, x, out);
    double mx = out[0];
    for (int a = 1; a < A; a++)
        mx = out[a] > mx ? out[a] : mx;
    double z = 0.0;
    if (!isfinite(mx)) {
        /* Every action unseen in a state never logged (pessimism scores them -inf), or
         * a +inf score: split evenly over the actions at the extreme, never NaN. */
        for (int a = 0; a < A; a++) {
            out[a] = out[a] == mx ? 1.0 : 0.0;
            z += out[a];
        }
    } else if (T <= 0.0) {
        double tol = 1e-9 * (1.0 + fabs(mx));
        for (int a = 0; a < A; a++) {
            out[a] = out[a] >= mx - tol ? 1.0 : 0.0;
            z += out[a];
        }
    } else {
        ope_softmax(A, out, T, out);
        return;
    }
    for (int a = 0; a < A; a++)
        out[a] /= z;
}

struct policy *train_model_policy(const struct train_model *m, double T, struct ope_error *err)
{
    if (m->kind != TRAIN_TABULAR) {
        ope_fail(err, OPE_EUSAGE, "a policy file needs a tabular model (the log has no "
                 "state column, or --features was given); use --append-to instead");
        return NULL;
    }
    struct policy *pi = policy_new(m->n_states, m->n_actions, err);
    if (!pi)
        return NULL;
    for (int s = 0; s < m->n_states; s++)
        train_model_probs(m, T, s, NULL, pi->p + (size_t)s * (size_t)m->n_actions);
    return pi;
}

void train_row_phi(const struct tlog *log, size_t i, double *out)
{
    out[0] = 1.0;
    for (size_t j = 0; j < log->n_features; j++)
        out[j + 1] = log->feature[j][i];
}

int train_next_rows(const struct tlog *log, size_t **next, struct ope_error *err)
{
    size_t *nx = ope_malloc((log->n_steps ? log->n_steps : 1) * sizeof *nx, err);
    if (!nx)
        return -1;
    for (size_t e = 0; e < log->n_episodes; e++)
        for (size_t i = log->ep_start[e]; i < log->ep_start[e + 1]; i++)
            nx[i] = i + 1 < log->ep_start[e + 1] ? i + 1 : SIZE_MAX;
    *next = nx;
    return 0;
}

long train_backups(const struct tlog *log, const struct train_opts *o)
{
    return o->iterations > 0 ? o->iterations : (log->horizon > 0 ? log->horizon : 1);
}
