/* estimators/logistic.c: penalised logistic regression by Newton-Raphson. Each step
 * builds the gradient and X^T W X in one compensated pass, solves them as the ridge
 * fit does (rmodel_normal.c: dense, or with a wide one-hot block eliminated) and
 * halves the step until the penalised log-likelihood does not decrease. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/logistic.h"
#include "estimators/rmodel_normal.h"

double logit_sigmoid(double eta)
{
    if (eta >= 0.0)
        return 1.0 / (1.0 + exp(-eta));
    double e = exp(eta);
    return e / (1.0 + e);
}

double logit_softplus(double eta)
{
    return eta > 0.0 ? eta + log1p(exp(-eta)) : log1p(exp(eta));
}

/* Per-row quantities at one beta, kept from the objective for the derivatives at
 * the same beta: eta = x . beta and e = exp(-|eta|). The sigmoid and the softplus
 * both use exactly that exponential (exp(-eta) for eta >= 0, exp(eta) below), so
 * reusing it changes no bit of either and saves an exp and a dot product per row. */
struct rowcache {
    double *eta, *e;
};

/* The penalised log-likelihood at beta (compensated sum over rows), filling rc. */
static double objective(const struct feat_rows *d, double lambda, double prior_w,
                        double prior_y, const double *beta, struct rowcache *rc)
{
    struct ope_sum s;
    ope_sum_init(&s);
    for (size_t r = 0; r < d->n; r++) {
        double eta = feat_dot(d, r, beta);
        double e = logit_exp(eta);
        rc->eta[r] = eta;
        rc->e[r] = e;
        ope_sum_add(&s, logit_term(d->y[r], eta, e));
    }
    return logit_objective(&s, lambda, prior_w, prior_y, beta, d->p);
}

double logit_objective(struct ope_sum *rows, double lambda, double prior_w, double prior_y,
                       const double *beta, size_t p)
{
    if (prior_w > 0.0)
        ope_sum_add(rows, prior_w * (prior_y * beta[0] - logit_softplus(beta[0])));
    double pen = 0.0;
    for (size_t j = 1; j < p; j++)
        pen += beta[j] * beta[j];
    return ope_sum_value(rows) - 0.5 * lambda * pen;
}

void logit_close_derivatives(struct rm_normal *h, double lambda, double prior_w,
                             double prior_y, const double *beta, size_t p, double *g)
{
    rmn_finish(h, g);
    if (prior_w > 0.0) {
        double mu = logit_sigmoid(beta[0]);
        g[0] += prior_w * (prior_y - mu);
        rmn_diag_add(h, 0, prior_w * mu * (1.0 - mu));
    }
    for (size_t j = 1; j < p; j++) {
        g[j] -= lambda * beta[j];
        rmn_diag_add(h, j, lambda);
    }
}

/* Gradient g and negative Hessian h (as normal equations, rmodel_normal.h) of the
 * objective at beta, whose per-row quantities rc holds. */
static void derivatives(const struct feat_rows *d, double lambda, double prior_w,
                        double prior_y, const double *beta, const struct rowcache *rc,
                        struct rm_normal *h, double *g)
{
    for (size_t r = 0; r < d->n; r++) {
        double mu = logit_mu(rc->eta[r], rc->e[r]);
        rmn_add(h, d, r, mu * (1.0 - mu), d->y[r] - mu);
    }
    logit_close_derivatives(h, lambda, prior_w, prior_y, beta, d->p, g);
}

void logit_start(double ysum, size_t n, double prior_w, double prior_y, double *beta,
                 size_t p)
{
    memset(beta, 0, p * sizeof *beta);
    double tot = (double)n + prior_w;
    double m = tot > 0.0 ? (ysum + prior_w * prior_y) / tot : 0.5;
    if (m < 1e-6)
        m = 1e-6;
    if (m > 1.0 - 1e-6)
        m = 1.0 - 1e-6;
    beta[0] = log(m / (1.0 - m));
}

/* Starting point: intercept at the logit of the prior-smoothed mean response. */
static void start(const struct feat_rows *d, double prior_w, double prior_y, double *beta)
{
    struct ope_sum s;
    ope_sum_init(&s);
    for (size_t r = 0; r < d->n; r++)
        ope_sum_add(&s, d->y[r]);
    logit_start(ope_sum_value(&s), d->n, prior_w, prior_y, beta, d->p);
}

/* Is the gain the quadratic model predicts for the Newton step, g . step / 2, below
 * the objective's resolution? The objective is a compensated sum, but each of its
 * terms carries a rounding error of a few ulps: observed noise is ~1e-15 of |obj|,
 * so 1e-13 leaves a margin. */
int logit_flat(const double *g, const double *step, size_t p, double obj)
{
    double gain = 0.0;
    for (size_t j = 0; j < p; j++)
        gain += g[j] * step[j];
    return 0.5 * gain <= 1e-13 * (1.0 + fabs(obj));
}

int logit_fit(const struct feat_rows *d, double lambda, double prior_w, double prior_y,
              double *beta, struct logit_info *info, struct ope_error *err)
{
    size_t p = d->p;
    struct rm_normal h;
    double *g = ope_malloc(p * sizeof *g, err);
    double *step = ope_malloc(p * sizeof *step, err);
    double *cand = ope_malloc(p * sizeof *cand, err);
    size_t nr = d->n ? d->n : 1;
    double *rows = ope_malloc(4 * nr * sizeof *rows, err);
    /* at: the per-row quantities at beta; trial: at the candidate of the search */
    struct rowcache at = { rows, rows + nr }, trial = { rows + 2 * nr, rows + 3 * nr };
    int rc = -1;
    struct logit_info in = {0, 0, NAN};
    if (!g || !step || !cand || !rows || rmn_init(&h, p, d->blk_off, d->blk_len, err) < 0)
        goto out_nosys;
    start(d, prior_w, prior_y, beta);
    double obj = objective(d, lambda, prior_w, prior_y, beta, &at);
    while (in.iterations < LOGIT_MAX_ITER) {
        derivatives(d, lambda, prior_w, prior_y, beta, &at, &h, g);
        if (rmn_solve(&h, g, step, err) < 0)
            goto out;
        double smax = 0.0, bmax = 0.0;
        for (size_t j = 0; j < p; j++) {
            smax = fmax(smax, fabs(step[j]));
            bmax = fmax(bmax, fabs(beta[j]));
        }
        if (smax <= LOGIT_TOL * (1.0 + bmax)) {
            /* Converged: take this last, tiny Newton step without a line search
             * (at this scale rounding makes the objective flat or noisy). */
            for (size_t j = 0; j < p; j++)
                beta[j] += step[j];
            /* Only the caller's info reports the objective there: without it, a
             * pass over every row (an exp and a log1p each) would change nothing. */
            if (info)
                obj = objective(d, lambda, prior_w, prior_y, beta, &at);
            in.iterations++;
            in.converged = 1;
            break;
        }
        /* Step halving: accept the first t in 1, 1/2, 1/4, ... that does not lower
         * the objective (ties allowed: near the optimum rounding makes it flat). */
        double t = 1.0, cobj = obj;
        int accepted = 0;
        for (int half = 0; half < 40; half++, t *= 0.5) {
            for (size_t j = 0; j < p; j++)
                cand[j] = beta[j] + t * step[j];
            cobj = objective(d, lambda, prior_w, prior_y, cand, &trial);
            if (cobj >= obj) {
                accepted = 1;
                break;
            }
            if (half == 0 && logit_flat(g, step, p, obj) && smax <= 1e-6 * (1.0 + bmax)) {
                /* The full step "lowered" the objective by rounding noise only: what
                 * it should gain is below what the objective can resolve, so halving
                 * would just chase the noise (with thousands of coefficients, up to
                 * LOGIT_MAX_ITER steps of 40 evaluations). A small Newton step is
                 * where the quadratic model is exact: take it, and stop. */
                accepted = 2;
                break;
            }
        }
        in.iterations++;
        if (accepted == 2) {
            memcpy(beta, cand, p * sizeof *beta);
            obj = cobj;
            in.converged = 1;
            break;
        }
        if (!accepted) {
            /* No step improves the objective: we are at its numerical optimum. */
            in.converged = smax <= 1e-6 * (1.0 + bmax);
            break;
        }
        memcpy(beta, cand, p * sizeof *beta);
        obj = cobj;
        struct rowcache old = at;   /* the candidate's rows are now beta's */
        at = trial;
        trial = old;
    }
    in.objective = obj;
    rc = 0;
out:
    rmn_release(&h);
out_nosys:
    free(g);
    free(step);
    free(cand);
    free(rows);
    if (info)
        *info = in;
    return rc;
}
