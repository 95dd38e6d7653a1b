/* ope/learn/train/fqi.c: fitted Q iteration (Ernst, Geurts & Wehenkel, JMLR 2005). Each of
 * N iterations regresses the targets y_i = r_i + gamma max_a Q(s_{i+1}, a) (y_i = r_i
 * when done = 1) on the logged (s_i, a_i), starting from Q = 0; the policy is greedy on
 * the last Q. Regression: tabular = the mean target per (s, a), minus the pessimism
 * penalty c / sqrt(n(s, a)) as in cevi.c; linear = per action a ridge fit of the target
 * on phi(x) = (1, s0, s1, ...) with penalty l2 on all but the intercept (the Gram
 * matrices do not change between iterations, so each is factorised once, by GSL's
 * Cholesky). N defaults to the log's horizon H (the finite-horizon H-step Q_0); with
 * gamma < 1 and large N, the discounted fixed point. Transitions whose continuation is
 * unknown (an episode's last row without done = 1: truncated) are skipped. */
#include "config.h"
#include "ope/learn/train/train.h"
#include "datasets/tlog.h"
#include "ope/base/progress.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fqi {
    const struct tlog *log;
    struct train_model *m;
    size_t *next;
    double g;
    int A;
    size_t p;               /* features incl. intercept (linear) */
    double *y;              /* [n_steps] targets */
    double *tmp;            /* [A] scores */
    double *phi;            /* [p] */
};

/* Targets from the current model; NAN marks a skipped (truncated) row. */
static void targets(struct fqi *f)
{
    const struct tlog *t = f->log;
    for (size_t i = 0; i < t->n_steps; i++) {
        size_t j = f->next[i];
        if (j == SIZE_MAX) {
            f->y[i] = t->done && t->done[i] ? t->reward[i] : NAN;
            continue;
        }
        if (f->m->kind == TRAIN_TABULAR) {
            train_model_scores(f->m, t->state[j], NULL, f->tmp);
        } else {
            train_row_phi(t, j, f->phi);
            train_model_scores(f->m, 0, f->phi + 1, f->tmp);
        }
        double v = -INFINITY;
        for (int a = 0; a < f->A; a++)
            v = f->tmp[a] > v ? f->tmp[a] : v;
        f->y[i] = t->reward[i] + f->g * (isfinite(v) ? v : 0.0);
    }
}

static void fit_tabular(struct fqi *f, const double *cnt, double cpen)
{
    const struct tlog *t = f->log;
    size_t SA = (size_t)t->n_states * (size_t)f->A;
    double *Q = f->m->score;
    memset(Q, 0, SA * sizeof *Q);
    for (size_t i = 0; i < t->n_steps; i++)
        if (!isnan(f->y[i]))
            Q[(size_t)t->state[i] * (size_t)f->A + (size_t)t->action[i]] += f->y[i];
    for (size_t k = 0; k < SA; k++)
        Q[k] = cnt[k] > 0 ? Q[k] / cnt[k] - cpen / sqrt(cnt[k])
                          : (cpen > 0 ? -INFINITY : 0.0);
}

/* Factorise each action's ridge Gram matrix. */
static int factor_linear(struct fqi *f, gsl_matrix **G, double l2, struct ope_error *err)
{
    const struct tlog *t = f->log;
    size_t p = f->p;
    for (int a = 0; a < f->A; a++) {
        if (!(G[a] = gsl_matrix_calloc(p, p)))
            return ope_fail_oom(err);
        size_t n = 0;
        for (size_t i = 0; i < t->n_steps; i++) {
            if (t->action[i] != a || isnan(f->y[i]))
                continue;
            n++;
            train_row_phi(t, i, f->phi);
            for (size_t j = 0; j < p; j++)
                for (size_t k = 0; k < p; k++)
                    *gsl_matrix_ptr(G[a], j, k) += f->phi[j] * f->phi[k];
        }
        for (size_t j = 0; j < p; j++)
            *gsl_matrix_ptr(G[a], j, j) += j ? l2 : 1e-12 * (double)(n + 1);
        if (n == 0) {
            gsl_matrix_free(G[a]);
            G[a] = NULL;            /* an action never logged keeps Q = 0 */
            continue;
        }
        if (gsl_linalg_cholesky_decomp1(G[a]) != GSL_SUCCESS)
            return ope_fail(err, OPE_EDATA, "fqi: the state features of the rows with "
                            "action %d are collinear; raise --l2 (now %g)", a, l2);
    }
    return 0;
}

static int fit_linear(struct fqi *f, gsl_matrix *const *G, gsl_vector *b, struct ope_error *err)
{
    const struct tlog *t = f->log;
    size_t p = f->p;
    for (int a = 0; a < f->A; a++) {
        double *w = f->m->score + (size_t)a * p;
        if (!G[a]) {
            memset(w, 0, p * sizeof *w);
            continue;
        }
        gsl_vector_set_zero(b);
        for (size_t i = 0; i < t->n_steps; i++) {
            if (t->action[i] != a || isnan(f->y[i]))
                continue;
            train_row_phi(t, i, f->phi);
            for (size_t j = 0; j < p; j++)
                *gsl_vector_ptr(b, j) += f->phi[j] * f->y[i];
        }
        gsl_vector_view wv = gsl_vector_view_array(w, p);
        if (gsl_linalg_cholesky_solve(G[a], b, &wv.vector) != GSL_SUCCESS)
            return ope_fail(err, OPE_ESOFTWARE, "fqi: Cholesky solve failed for action %d", a);
    }
    return 0;
}

static int fqi_run(const struct tlog *log, const struct train_opts *o,
                   struct train_model **out, struct ope_error *err)
{
    int lin = o->linear;
    if (!lin && (log->n_states <= 0 || !log->state))
        return ope_fail(err, OPE_EUSAGE, "fqi: the log has no state column; use state "
                        "features (s0, s1, ...: --features)");
    if (lin && log->n_features == 0)
        return ope_fail(err, OPE_EUSAGE, "fqi: the log has no state feature columns");
    if (lin && o->pessimism > 0)
        return ope_fail(err, OPE_EUSAGE, "fqi: --pessimism is implemented for tabular logs "
                        "only");
    struct fqi f = { .log = log, .g = train_gamma(log, o), .A = log->n_actions,
                     .p = log->n_features + 1 };
    int rc = -1;
    gsl_matrix **G = NULL;
    gsl_vector *b = NULL;
    double *cnt = NULL;
    f.m = lin ? train_model_new(TRAIN_LINEAR, 0, f.A, log->n_features, err)
              : train_model_new(TRAIN_TABULAR, log->n_states, f.A, 0, err);
    if (!f.m || train_next_rows(log, &f.next, err) < 0)
        goto done;
    f.y = ope_malloc((log->n_steps + 1) * sizeof *f.y, err);
    f.tmp = f.y ? ope_malloc((size_t)f.A * sizeof *f.tmp, err) : NULL;
    f.phi = f.tmp ? ope_malloc(f.p * sizeof *f.phi, err) : NULL;
    if (!f.phi)
        goto done;
    targets(&f);            /* Q = 0: y = r, and NAN marks the skipped rows */
    if (lin) {
        if (!(G = ope_calloc((size_t)f.A, sizeof *G, err)))
            goto done;
        if (!(b = gsl_vector_alloc(f.p))) {
            ope_fail_oom(err);
            goto done;
        }
        if (factor_linear(&f, G, o->l2, err) < 0)
            goto done;
    } else {
        size_t SA = (size_t)log->n_states * (size_t)f.A;
        if (!(cnt = ope_calloc(SA, sizeof *cnt, err)))
            goto done;
        for (size_t i = 0; i < log->n_steps; i++)
            if (!isnan(f.y[i]))
                cnt[(size_t)log->state[i] * (size_t)f.A + (size_t)log->action[i]] += 1.0;
    }
    long N = train_backups(log, o);
    rc = 0;
    for (long it = 0; it < N && rc == 0; it++) {
        if (it > 0)
            targets(&f);
        if (lin)
            rc = fit_linear(&f, G, b, err);
        else
            fit_tabular(&f, cnt, o->pessimism);
        ope_progress_report(o->progress, (double)(it + 1) / (double)N, "fqi iterations");
        if (rc == 0 && ope_progress_cancelled(o->progress))
            rc = ope_fail(err, OPE_EINTERRUPTED, "fqi: interrupted");
    }
    f.m->temperature = 0.0;
    snprintf(f.m->summary, sizeof f.m->summary, "fqi (%s): %ld iterations, gamma %g, %s%g",
             lin ? "linear" : "tabular", N, f.g, lin ? "l2 " : "pessimism c=",
             lin ? o->l2 : o->pessimism);
done:
    for (int a = 0; G && a < f.A; a++)
        gsl_matrix_free(G[a]);
    free(G);
    gsl_vector_free(b);
    free(cnt);
    free(f.next);
    free(f.y);
    free(f.tmp);
    free(f.phi);
    if (rc < 0) {
        train_model_free(f.m);
        return -1;
    }
    *out = f.m;
    return 0;
}

const struct train_algo train_fqi = {
    "fqi",
    "fitted Q iteration, tabular or linear in the state features (greedy policy)",
    "Ernst, Geurts & Wehenkel, Tree-Based Batch Mode Reinforcement Learning, JMLR 2005",
    1, fqi_run
};
