/* estimators/traj.c: the shared kernel of the trajectory estimators: cumulative
 * importance weights, the slot/ratio representation of an estimator (traj.h), its
 * value under bootstrap counts, and per-trajectory contributions for intervals. */
#include "config.h"
#include "estimators/traj.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ope/base/sum.h"

int traj_weights(const struct tlog *log, size_t pol, double *w, double *rho,
                 struct ope_error *err)
{
    double **prob = log->policy[pol].prob;
    for (size_t e = 0; e < log->n_episodes; e++) {
        double r = 1.0;
        for (size_t j = log->ep_start[e]; j < log->ep_start[e + 1]; j++) {
            double p = log->pscore[j];
            if (!(p > 0.0))
                return ope_fail(err, OPE_EDATA, "%s:%zu: pscore must be in (0, 1], got %g",
                                log->path ? log->path : "log", log->line ? log->line[j] : j + 2,
                                p);
            w[j] = prob[log->action[j]][j] / p;
            r *= w[j];
            rho[j] = r;
        }
    }
    return 0;
}

int traj_terms_alloc(struct traj_terms *t, size_t n, size_t K, int with_den,
                     struct ope_error *err)
{
    memset(t, 0, sizeof *t);
    t->n = n;
    t->K = K;
    t->num = ope_calloc(n * K > 0 ? n * K : 1, sizeof *t->num, err);
    t->coef = ope_malloc((K ? K : 1) * sizeof *t->coef, err);
    if (with_den)
        t->den = ope_calloc(n * K > 0 ? n * K : 1, sizeof *t->den, err);
    if (!t->num || !t->coef || (with_den && !t->den)) {
        traj_terms_release(t);
        return -1;
    }
    for (size_t k = 0; k < K; k++)
        t->coef[k] = 1.0;
    return 0;
}

void traj_terms_release(struct traj_terms *t)
{
    free(t->num);
    free(t->den);
    free(t->coef);
    t->num = t->den = t->coef = NULL;
}

/* Every slot's sums sum_i m_i num[i,k] and sum_i m_i den[i,k] in one pass over the
 * episodes (row-major, so the terms are read in memory order). sn and sd have K
 * entries; returns -1 on out-of-memory. */
static int slot_sums(const struct traj_terms *t, const double *m, double *sn, double *sd)
{
    size_t K = t->K;
    struct ope_sum *a = malloc((2 * K + 1) * sizeof *a);
    if (!a)
        return -1;
    struct ope_sum *b = a + K;
    for (size_t k = 0; k < K; k++) {
        ope_sum_init(&a[k]);
        ope_sum_init(&b[k]);
    }
    double nsum = 0;
    for (size_t i = 0; i < t->n; i++) {
        double mi = m ? m[i] : 1.0;
        if (mi == 0.0)
            continue;
        nsum += mi;
        const double *x = t->num + i * K;
        for (size_t k = 0; k < K; k++)
            ope_sum_add(&a[k], mi * x[k]);
        if (t->den) {
            const double *y = t->den + i * K;
            for (size_t k = 0; k < K; k++)
                ope_sum_add(&b[k], mi * y[k]);
        }
    }
    for (size_t k = 0; k < K; k++) {
        sn[k] = ope_sum_value(&a[k]);
        sd[k] = t->den ? ope_sum_value(&b[k]) : nsum;
    }
    free(a);
    return 0;
}

double traj_value_sums(const double *coef, size_t K, const double *sn, const double *sd,
                       double n)
{
    struct ope_sum v;
    ope_sum_init(&v);
    for (size_t k = 0; k < K; k++) {
        double d = sd ? sd[k] : n;
        if (d == 0.0)
            return NAN;     /* 0/0 included: undefined, the bandit rule (traj.h) */
        ope_sum_add(&v, coef[k] * sn[k] / d);
    }
    return ope_sum_value(&v);
}

double traj_value(const struct traj_terms *t, const double *m)
{
    double *sn = malloc((2 * t->K + 1) * sizeof *sn);
    if (!sn || slot_sums(t, m, sn, sn + t->K) != 0) {
        free(sn);
        return NAN;
    }
    const double *sd = sn + t->K;
    struct ope_sum v;
    ope_sum_init(&v);
    double val = 0;
    for (size_t k = 0; k < t->K; k++) {
        if (sd[k] == 0.0) {
            val = NAN;      /* 0/0 included: undefined (traj.h) */
            break;
        }
        ope_sum_add(&v, t->coef[k] * sn[k] / sd[k]);
    }
    if (!isnan(val))
        val = ope_sum_value(&v);
    free(sn);
    return val;
}

/* The linearised (delta-method) contributions. A ratio slot k with V_k = sum_i num_ik /
 * sum_i den_ik gives episode i the term coef_k [V_k + (num_ik - V_k den_ik) / mean_j
 * den_jk]: its mean is coef_k V_k, and its variance over n is the delta-method variance
 * of the ratio, which counts the denominator as estimated too (wtis: psi_i = w_i (G_i -
 * V) / mean(w); wpdis: per step). The plain num_ik / mean_j den_jk (the
 * full-sample-denominator terms used before) has the same mean but an unnormalised
 * estimator's variance: wtis's and wpdis's t intervals covered 100% at several times
 * the width the spread of the estimates asks for (doc/coverage.md). A plain slot (den
 * NULL) gives num_ik unchanged. */
void traj_contrib(const struct traj_terms *t, double *c)
{
    size_t K = t->K;
    double *sn = malloc((2 * K + 1) * sizeof *sn);
    if (!sn || slot_sums(t, NULL, sn, sn + K) != 0) {
        for (size_t i = 0; i < t->n; i++)
            c[i] = NAN;
        free(sn);
        return;
    }
    traj_contrib_sums(t, sn, t->den ? sn + K : NULL, (double)t->n, sn, c);
    free(sn);
}

void traj_contrib_sums(const struct traj_terms *t, const double *sn, const double *sd,
                       double n, double *scratch, double *c)
{
    size_t K = t->K;
    double *fn = scratch, *fd = scratch + K;
    double base = 0.0;      /* sum_k coef_k V_k over the ratio slots */
    for (size_t k = 0; k < K; k++) {
        double d = sd ? sd[k] : n;
        if (d == 0.0) {
            for (size_t i = 0; i < t->n; i++)
                c[i] = NAN;
            return;
        }
        double f = t->coef[k] * n / d, num = sn[k];
        if (t->den) {
            double v = num / d;
            base += t->coef[k] * v;
            fd[k] = f * v;  /* the factor of den_ik, applied below */
        }
        fn[k] = f;          /* the factor of num_ik */
    }
    for (size_t i = 0; i < t->n; i++) {
        const double *x = t->num + i * K;
        double s = base;
        for (size_t k = 0; k < K; k++)
            s += fn[k] * x[k];
        if (t->den) {
            const double *y = t->den + i * K;
            for (size_t k = 0; k < K; k++)
                s -= fd[k] * y[k];
        }
        c[i] = s;
    }
}

size_t traj_zero_slots(const struct traj_terms *t)
{
    if (!t->den)
        return 0;
    size_t K = t->K, z = 0;
    for (size_t k = 0; k < K; k++) {
        int all_zero = 1;
        for (size_t i = 0; i < t->n && all_zero; i++)
            all_zero = t->den[i * K + k] == 0.0;
        z += (size_t)all_zero;
    }
    return z;
}

void traj_discounts(double gamma, size_t T, double *g)
{
    double x = 1.0;
    for (size_t t = 0; t < T; t++) {
        g[t] = x;
        x *= gamma;
    }
}

double traj_final_rho(const struct traj_in *in, size_t i)
{
    size_t end = in->log->ep_start[i + 1];
    return end > in->log->ep_start[i] ? in->rho[end - 1] : 1.0;
}
