/* estimators/traj.c: the shared kernel of the trajectory estimators: cumulative
 * importance weights, the slot/ratio representation of an estimator (traj.h), its
 * value under bootstrap counts, and per-trajectory contributions for intervals. */
#include "config.h"
#include "estimators/traj.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ope/sum.h"

static const struct traj_est *const traj_table[] = {
    &traj_tis, &traj_pdis, &traj_wtis, &traj_wpdis, &traj_fqe, &traj_tdr, &traj_wdr, &traj_mis,
    NULL
};

const struct traj_est *traj_est_of(const struct est_desc *d)
{
    for (size_t k = 0; traj_table[k]; k++)
        if (traj_table[k]->desc == d)
            return traj_table[k];
    return NULL;
}

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

/* Slot sums sum_i m_i num[i,k] and sum_i m_i den[i,k] for one k. */
static void slot_sums(const struct traj_terms *t, const double *m, size_t k, double *sn,
                      double *sd)
{
    struct ope_sum a, b;
    ope_sum_init(&a);
    ope_sum_init(&b);
    for (size_t i = 0; i < t->n; i++) {
        double mi = m ? m[i] : 1.0;
        if (mi == 0.0)
            continue;
        ope_sum_add(&a, mi * t->num[i * t->K + k]);
        ope_sum_add(&b, mi * (t->den ? t->den[i * t->K + k] : 1.0));
    }
    *sn = ope_sum_value(&a);
    *sd = ope_sum_value(&b);
}

double traj_value(const struct traj_terms *t, const double *m)
{
    struct ope_sum v;
    ope_sum_init(&v);
    for (size_t k = 0; k < t->K; k++) {
        double sn, sd;
        slot_sums(t, m, k, &sn, &sd);
        if (sd == 0.0) {
            /* A slot where every trajectory has zero weight contributes nothing when
             * its numerator is zero too (0/0 of an all-zero step); otherwise the
             * estimate is undefined. */
            if (sn == 0.0 && t->den)
                continue;
            return NAN;
        }
        ope_sum_add(&v, t->coef[k] * sn / sd);
    }
    return ope_sum_value(&v);
}

void traj_contrib(const struct traj_terms *t, double *c)
{
    for (size_t i = 0; i < t->n; i++)
        c[i] = 0.0;
    for (size_t k = 0; k < t->K; k++) {
        double sn, sd;
        slot_sums(t, NULL, k, &sn, &sd);
        if (sd == 0.0) {
            if (sn == 0.0 && t->den)
                continue;
            for (size_t i = 0; i < t->n; i++)
                c[i] = NAN;
            return;
        }
        double f = t->coef[k] * (double)t->n / sd;
        for (size_t i = 0; i < t->n; i++)
            c[i] += f * t->num[i * t->K + k];
    }
}

double traj_discount(double gamma, int t)
{
    double g = 1.0;
    for (int k = 0; k < t; k++)
        g *= gamma;
    return g;
}

double traj_final_rho(const struct traj_in *in, size_t i)
{
    size_t end = in->log->ep_start[i + 1];
    return end > in->log->ep_start[i] ? in->rho[end - 1] : 1.0;
}
