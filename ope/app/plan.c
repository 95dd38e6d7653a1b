/* ope/app/plan.c: sample-size planning (plan.h). The formulas, for an estimate whose
 * per-row contributions have sd sigma (so se = sigma / sqrt(n)):
 *   interval of full width W:       n_W = n (half / (W / 2))^2, half the width now;
 *   detect a lift X > 0 one-sided at level alpha with power 1 - beta:
 *                                   n_X = ((z_{1-alpha} + z_{1-beta}) sigma_lift / X)^2,
 * the normal approximation of the gate's decision rule (`ope gate`: PASS when the
 * lower bound of the paired lift clears 0). */
#include "config.h"
#include "ope/app/plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "ope/base/sum.h"

int plan_compute(const struct res_eval *r, const struct plan_opts *o, struct plan_row **rows,
                 size_t *n_rows, struct ope_error *err)
{
    if (strcmp(r->ci, "t") != 0)
        return ope_fail(err, OPE_EUSAGE, "a plan reads the per-row spread from t intervals "
                        "(--ci t)");
    size_t E = r->n_policies ? r->pol[0].n_estimates : 0, k = 0;
    struct plan_row *out = ope_calloc(r->n_policies * E + 1, sizeof *out, err);
    if (!out)
        return -1;
    double n = (double)(strcmp(r->kind, "bandit") == 0 ? r->rows : r->episodes);
    double tq = n > 1 ? gsl_cdf_tdist_Pinv(1 - r->alpha / 2, n - 1) : NAN;
    double zsum = gsl_cdf_ugaussian_Pinv(1 - o->alpha) + gsl_cdf_ugaussian_Pinv(o->power);
    for (size_t p = 0; p < r->n_policies; p++)
        for (size_t e = 0; e < r->pol[p].n_estimates && e < E; e++) {
            const struct res_estimate *x = &r->pol[p].est[e];
            struct plan_row *w = &out[k++];
            w->policy = r->pol[p].name;
            w->label = x->label;
            w->n = n;
            w->sigma = x->se * sqrt(n);
            w->half = (x->upper - x->lower) / 2;
            w->lift = x->lift;
            w->sigma_lift = (x->lift_upper - x->lift_lower) / 2 * sqrt(n) / tq;
            w->rows_width = NAN;
            if (isfinite(o->width) && o->width > 0 && isfinite(w->half))
                w->rows_width = ceil(n * (w->half / (o->width / 2)) * (w->half / (o->width / 2)));
            w->lift_target = isfinite(o->lift) ? o->lift : x->lift > 0 ? x->lift : NAN;
            w->rows_lift = NAN;
            if (w->lift_target > 0 && isfinite(w->sigma_lift)) {
                double m = zsum * w->sigma_lift / w->lift_target;
                w->rows_lift = ceil(m * m);
            }
        }
    *rows = out;
    *n_rows = k;
    return 0;
}

double plan_ipw_sigma_explore(const struct blog *b, size_t pol, double eps)
{
    struct ope_sum m1, m2;
    ope_sum_init(&m1);
    ope_sum_init(&m2);
    for (size_t i = 0; i < b->n; i++) {
        double pe = b->policy[pol].prob[b->action[i]][i], mu = b->pscore[i];
        double mu2 = (1 - eps) * mu + eps * pe, r = b->reward[i];
        ope_sum_add(&m1, pe * r / mu);      /* the value, as ipw estimates it */
        if (mu2 > 0)
            ope_sum_add(&m2, pe * pe * r * r / (mu * mu2));
    }
    double v = ope_sum_value(&m1) / (double)b->n, s2 = ope_sum_value(&m2) / (double)b->n;
    return s2 >= v * v ? sqrt(s2 - v * v) : 0.0;
}
