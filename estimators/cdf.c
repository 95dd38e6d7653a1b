/* estimators/cdf.c: return-distribution OPE (see cdf.h). */
#include "config.h"
#include "estimators/cdf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/diag.h"
#include "ope/base/sum.h"

struct gw {
    double g, w;
};

static int cmp_gw(const void *a, const void *b)
{
    double x = ((const struct gw *)a)->g, y = ((const struct gw *)b)->g;
    return (x > y) - (x < y);
}

/* The first return whose weighted CDF reaches p (GSL has no weighted quantile). */
double cdf_quantile(const struct cdf_result *r, double p)
{
    for (size_t j = 0; j < r->n; j++)
        if (r->F[j] >= p - 1e-12)
            return r->y[j];
    return r->n ? r->y[r->n - 1] : NAN;
}

int cdf_from_returns(const double *G, const double *rho, size_t n, enum cdf_method m,
                     double alpha, struct cdf_result *r, struct ope_error *err)
{
    memset(r, 0, sizeof *r);
    r->mean = r->var = r->cvar = r->iqr = NAN;
    if (n == 0)
        return ope_fail(err, OPE_EDATA, "no trajectories for the return distribution");
    struct gw *v = ope_malloc(n * sizeof *v, err);
    if (!v)
        return -1;
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        v[i].g = G[i];
        v[i].w = rho[i];
        total += rho[i];
    }
    if (m == CDF_TIS) {
        /* The TIS CDF ends at mean(rho), not 1: the missing mass would be put at the
         * largest return by cdf_result_finish (a surplus clipped away there). When the weights' mean is far
         * from 1 by the diagnostics' rule, that mass is invented (a policy whose
         * weights are all 0 would get its whole distribution at the largest observed
         * return), so the distribution is withheld with the reason. */
        struct diag_weights d;
        diag_weights_of(rho, n, &d);
        if (diag_mean_off(&d)) {
            free(v);
            return ope_fail(err, OPE_EDATA, "the trajectory weights' mean is %.4g (standard "
                            "error %.2g), far from 1, so the TIS CDF would end at %.4g instead "
                            "of 1 and its mean and CVaR would be made up; the self-normalised "
                            "(sn) distribution does not need it", d.mean, d.se, d.mean);
        }
    }
    qsort(v, n, sizeof *v, cmp_gw);
    double denom = m == CDF_SN ? total : (double)n;
    r->y = ope_malloc(n * sizeof *r->y, err);
    r->F = ope_malloc(n * sizeof *r->F, err);
    if (!r->y || !r->F || !(denom > 0)) {
        free(v);
        cdf_result_release(r);
        if (!(denom > 0))
            return ope_fail(err, OPE_EDATA, "every trajectory weight is 0: the policy's return "
                            "distribution cannot be estimated from this log");
        return -1;
    }
    /* Cumulative weight at each distinct return; cdf_result_finish clips it to
     * [0, 1] and keeps it non-decreasing. */
    struct ope_sum acc;
    ope_sum_init(&acc);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        ope_sum_add(&acc, v[i].w);
        if (i + 1 < n && v[i + 1].g == v[i].g)
            continue;
        r->y[k] = v[i].g;
        r->F[k] = ope_sum_value(&acc) / denom;
        k++;
    }
    free(v);
    r->n = k;
    cdf_result_finish(r, alpha);
    return 0;
}

void cdf_result_finish(struct cdf_result *r, double alpha)
{
    size_t k = r->n;
    r->mean = r->var = r->cvar = r->iqr = NAN;
    r->short_mass = 0.0;
    if (k == 0)
        return;
    double prev = 0;
    for (size_t j = 0; j < k; j++) {
        double F = r->F[j];
        F = F < 0 ? 0 : F > 1 ? 1 : F;
        F = F < prev ? prev : F;
        r->F[j] = F;
        prev = F;
    }
    /* Mass short of 1 goes to the largest return; how much is kept so the caller can
     * say so (it moves the mean by up to that share of the returns' range). */
    r->short_mass = 1.0 - r->F[k - 1];
    r->F[k - 1] = 1.0;
    /* Moments of the step distribution. */
    double mean = 0, lastF = 0;
    for (size_t j = 0; j < k; j++) {
        mean += (r->F[j] - lastF) * r->y[j];
        lastF = r->F[j];
    }
    double var = 0;
    lastF = 0;
    for (size_t j = 0; j < k; j++) {
        double d = r->y[j] - mean;
        var += (r->F[j] - lastF) * d * d;
        lastF = r->F[j];
    }
    /* CVaR_alpha: the mean of the lowest alpha share of the mass. */
    double taken = 0, sum = 0;
    lastF = 0;
    for (size_t j = 0; j < k && taken < alpha; j++) {
        double mass = r->F[j] - lastF;
        double use = mass < alpha - taken ? mass : alpha - taken;
        sum += use * r->y[j];
        taken += use;
        lastF = r->F[j];
    }
    r->mean = mean;
    r->var = var;
    r->cvar = taken > 0 ? sum / taken : NAN;
    r->iqr = cdf_quantile(r, 0.75) - cdf_quantile(r, 0.25);
}

const char *cdf_method_name(enum cdf_method m)
{
    static const char *const names[CDF_N_METHODS] = { "tis", "sn", "dr" };
    return (unsigned)m < CDF_N_METHODS ? names[m] : "?";
}

/* Every method, tis and sn from G and rho (n episodes), dr from the log (or, with
 * why_dr, not at all: that is why). */
static int all_methods(const struct tlog *log, size_t pol, double gamma, const double *G,
                       const double *rho, size_t n, double alpha, const char *why_dr,
                       struct cdf_result out[CDF_N_METHODS], int ok[CDF_N_METHODS],
                       char why[CDF_N_METHODS][256], struct ope_error *err)
{
    for (int m = 0; m < CDF_N_METHODS; m++) {
        ok[m] = 0;
        why[m][0] = '\0';
        if (m == CDF_DR && why_dr) {
            snprintf(why[m], 256, "%.250s", why_dr);
            continue;
        }
        struct ope_error e = { 0 };
        int rc = m == CDF_DR ? cdf_traj(log, pol, gamma, CDF_DR, alpha, &out[m], &e)
                             : cdf_from_returns(G, rho, n, (enum cdf_method)m, alpha, &out[m], &e);
        if (rc == 0) {
            ok[m] = 1;
        } else if (e.status == OPE_EDATA) {
            snprintf(why[m], 256, "%.250s", e.msg);
        } else {
            for (int k = 0; k < m; k++)
                if (ok[k])
                    cdf_result_release(&out[k]);
            if (err)
                *err = e;
            return -1;
        }
    }
    return 0;
}

int cdf_traj_all(const struct tlog *log, size_t pol, double gamma, double alpha,
                 struct cdf_result out[CDF_N_METHODS], int ok[CDF_N_METHODS],
                 char why[CDF_N_METHODS][256], struct ope_error *err)
{
    size_t n = log->n_episodes;
    double *G = ope_calloc(n ? n : 1, sizeof *G, err);
    double *rho = ope_calloc(n ? n : 1, sizeof *rho, err);
    int rc = G && rho ? 0 : -1;
    for (size_t e = 0; rc == 0 && e < n; e++) {
        G[e] = cdf_episode_return(log, e, gamma);
        rho[e] = cdf_episode_weight(log, pol, e);
    }
    if (rc == 0)
        rc = all_methods(log, pol, gamma, G, rho, n, alpha,
                         log->state ? NULL : "it needs a tabular state column", out, ok, why,
                         err);
    free(G);
    free(rho);
    return rc;
}

int cdf_returns_all(const double *G, const double *rho, size_t n, double alpha,
                    const char *why_dr, struct cdf_result out[CDF_N_METHODS],
                    int ok[CDF_N_METHODS], char why[CDF_N_METHODS][256], struct ope_error *err)
{
    return all_methods(NULL, 0, 1.0, G, rho, n, alpha, why_dr, out, ok, why, err);
}

double cdf_episode_return(const struct tlog *log, size_t e, double gamma)
{
    double disc = 1, g = 0;
    for (size_t j = log->ep_start[e]; j < log->ep_start[e + 1]; j++) {
        g += disc * log->reward[j];     /* gamma^0 for the first step */
        disc *= gamma;
    }
    return g;
}

double cdf_episode_weight(const struct tlog *log, size_t pol, size_t e)
{
    double w = 1;
    for (size_t j = log->ep_start[e]; j < log->ep_start[e + 1]; j++)
        w *= log->policy[pol].prob[log->action[j]][j] / log->pscore[j];
    return w;
}

int cdf_traj(const struct tlog *log, size_t pol, double gamma, enum cdf_method m,
             double alpha, struct cdf_result *r, struct ope_error *err)
{
    if (m == CDF_DR) {
        struct cdf_model model;
        memset(r, 0, sizeof *r);
        if (cdf_model_fit(log, pol, gamma, CDF_DR_ATOMS, &model, err) != 0)
            return -1;
        int rc = cdf_dr(log, pol, gamma, &model, alpha, r, err);
        cdf_model_release(&model);
        return rc;
    }
    size_t n = log->n_episodes;
    double *G = ope_calloc(n ? n : 1, sizeof *G, err);
    double *rho = ope_calloc(n ? n : 1, sizeof *rho, err);
    if (!G || !rho) {
        free(G);
        free(rho);
        return -1;
    }
    /* Padding with weight carried over and reward 0 changes neither G nor rho. */
    for (size_t e = 0; e < n; e++) {
        G[e] = cdf_episode_return(log, e, gamma);
        rho[e] = cdf_episode_weight(log, pol, e);
    }
    int rc = cdf_from_returns(G, rho, n, m, alpha, r, err);
    free(G);
    free(rho);
    return rc;
}

void cdf_result_release(struct cdf_result *r)
{
    free(r->y);
    free(r->F);
    r->y = r->F = NULL;
    r->n = 0;
}
